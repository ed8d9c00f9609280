# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
# Shared by the real node's build.sh, up.sh and down.sh. Source it; do not run it.

export PATH="$PATH:/usr/sbin:/sbin"
RN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$RN_DIR/../lib.sh"

REAL_NODE_NAME="real-node"
CONTAINERD_VERSION="v2.4.2"
CNI_VERSION="v1.10.0"
LOCAL_PATH_VERSION="v0.0.30"
# The bridge, its address (the node IP: the kubelet refuses a loopback one) and the pod CIDR.
RN_BRIDGE="rn0"
RN_NODE_IP="10.88.0.1"
RN_CIDR="10.88.0.0/16"
# The control plane's --service-cluster-ip-range: ClusterIPs, routed to pods by kube-proxy.
RN_SERVICE_CIDR="10.96.0.0/16"
RN_KUBELET_PORT="${RN_KUBELET_PORT:-31250}"
RN_HEALTHZ_PORT="${RN_HEALTHZ_PORT:-31248}"
RN_PROXY_HEALTHZ_PORT="${RN_PROXY_HEALTHZ_PORT:-31256}"
RN_PROXY_METRICS_PORT="${RN_PROXY_METRICS_PORT:-31249}"
RN_TAINT_KEY="initdoctor/real-node"
# The sandbox image: our own static pause, under our own name.
RN_PAUSE_IMAGE="localhost/initdoctor/pause:v1"
RN_STATE="$STATE_DIR/realnode"
# Host sysctls the kubelet (setupKernelTunables) and the bridge plugin change; down.sh restores them.
RN_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
  net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables)
# Firewall chains that keep pod traffic inside the pod CIDR.
RN_CHAINS=(INITDOCTOR-RN-FWD:FORWARD INITDOCTOR-RN-IN:INPUT INITDOCTOR-RN-OUT:OUTPUT)
# Stop order.
RN_COMPONENTS=(local-path-provisioner coredns kube-proxy kubelet containerd)

realnode_bin_dir() {
  local hash
  hash="$({
    printf '%s %s %s\n' "$CONTAINERD_VERSION" "$CNI_VERSION" "$LOCAL_PATH_VERSION"
    cat "$RN_DIR/coredns/go.mod" "$RN_DIR/coredns/go.sum" "$RN_DIR/coredns/main.go" \
      "$RN_DIR/pause/go.mod" "$RN_DIR/pause/main.go" "$RN_DIR/build.sh"
  } | sha256sum | cut -c1-12)"
  printf '%s\n' "$(cache_root)/realnode-$CONTAINERD_VERSION-$CNI_VERSION-$hash/bin"
}

# Every chain of the filter, nat and mangle tables, IPv4 and IPv6: "COMMAND TABLE CHAIN" lines.
list_chains() {
  local cmd table
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle; do
      "$cmd" -w -t "$table" -S 2>/dev/null | awk -v c="$cmd" -v t="$table" '$1 == "-N" {print c, t, $2}'
    done
  done
}

# Deletes every rule of TABLE that jumps to CHAIN, by its number (kube-proxy's rules carry quoted
# comments, so they cannot be deleted by their words): CMD TABLE CHAIN.
delete_jumps() {
  local cmd="$1" table="$2" chain="$3" parent num
  for parent in $("$cmd" -w -t "$table" -S 2>/dev/null |
    awk -v c="$chain" '$1 == "-A" && $0 ~ (" -j " c "( |$)") {print $2}' | sort -u); do
    while num="$("$cmd" -w -t "$table" -L "$parent" --line-numbers -n 2>/dev/null |
      awk -v c="$chain" 'NR > 2 && $2 == c {print $1; exit}')" && [[ -n "$num" ]]; do
      "$cmd" -w -t "$table" -D "$parent" "$num" 2>/dev/null || break
    done
  done
}
