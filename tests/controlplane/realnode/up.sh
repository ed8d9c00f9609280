#!/usr/bin/env bash
# Starts the real node beside a running control plane (tests/controlplane/up.sh first): containerd,
# the kubelet as Node `real-node` (tainted: only pods that tolerate it land there), kube-proxy and
# CoreDNS for cluster names, with the network rules that keep pod traffic on this machine. A no-op when it is
# already running. Adds INITDOCTOR_REAL_NODE to <state>/env. See README.md.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

init_state_dir
RN_STATE="$STATE_DIR/realnode"
[[ -f "$STATE_DIR/env" ]] || die "the control plane is not up: run tests/controlplane/up.sh first"
# shellcheck disable=SC1091
source "$STATE_DIR/env"
K="$INITDOCTOR_BIN_DIR/kubectl"
kc() { "$K" --kubeconfig "$KUBECONFIG" --context initdoctor "$@"; }

# What this machine must allow; each refusal is one line saying how to go on without the node.
precondition() { log "error: real node: $*; set REAL_NODE=0 to run without it"; exit 1; }
((EUID == 0)) || precondition "it needs root (containers, a bridge, iptables)"
RUNC="$(command -v runc || true)"
[[ -n "$RUNC" ]] || precondition "runc is missing (apt-get install runc)"
command -v iptables >/dev/null || precondition "iptables is missing (apt-get install iptables)"
command -v ip >/dev/null || precondition "ip is missing (apt-get install iproute2)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
  precondition "the kernel has no overlay filesystem"
[[ -d /sys/fs/cgroup ]] || precondition "no cgroup filesystem at /sys/fs/cgroup"
iptables -w -S INPUT >/dev/null 2>&1 || precondition "iptables cannot read the filter table"

exec 8>"$STATE_DIR/.realnode.lock"
flock 8

rn_is_up() {
  local name
  for name in "${RN_COMPONENTS[@]}"; do component_running "$name" || return 1; done
  grep -q '^export INITDOCTOR_REAL_NODE=' "$STATE_DIR/env" || return 1
  [[ "$(kc get node "$REAL_NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}
if rn_is_up; then
  log "real node already running in $RN_STATE"
  exit 0
fi

start_time=$SECONDS
STARTED=()
CURRENT=""
on_exit() {
  local status=$?
  ((status == 0)) && return
  if [[ -n "$CURRENT" && -f "$STATE_DIR/logs-$CURRENT.txt" ]]; then
    log "last lines of $STATE_DIR/logs-$CURRENT.txt:"
    tail -n 25 "$STATE_DIR/logs-$CURRENT.txt" | sed 's/^/    /' >&2
  fi
  log "failed (exit $status): stopping the real node"
  "$RN_DIR/down.sh" >&2 || true
}
trap on_exit EXIT

# Leftovers of a run that is not whole.
"$RN_DIR/down.sh" --quiet

BIN="$(INITDOCTOR_STATE_DIR="$STATE_DIR" "$RN_DIR/build.sh" | tail -n 1)"
[[ -x "$INITDOCTOR_BIN_DIR/kubelet" ]] || die "build.sh did not produce $INITDOCTOR_BIN_DIR/kubelet"
mkdir -p "$RN_STATE"/{run,pki,kubelet/root,kubelet/podlogs,cni/net.d,cni/state,containerd}
touch "$RN_STATE/$STATE_MARKER"
"$RN_DIR/images.sh" "$BIN" "$RN_STATE/images"

# Host paths the kubelet, containerd and libcni write to whatever their configuration; down.sh
# removes those that did not exist before.
: >"$RN_STATE/run/created-paths"
for p in /var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni /run/containerd /etc/cni; do
  [[ -e "$p" ]] || printf '%s\n' "$p" >>"$RN_STATE/run/created-paths"
done
for s in "${RN_SYSCTLS[@]}"; do printf '%s=%s\n' "$s" "$(sysctl -n "$s")"; done >"$RN_STATE/run/sysctl.orig"
# The chains that exist before the kubelet adds its own (KUBE-FIREWALL, KUBE-KUBELET-CANARY, ...).
list_chains >"$RN_STATE/run/chains.orig"

# Certificates, signed by the control plane's CA: the kubelet's client (Node authorizer) and
# serving certificates, and CoreDNS's client certificate.
P="$RN_STATE/pki"
CA_DIR="$STATE_DIR/pki" issue_cert "$P" kubelet-client "/O=system:nodes/CN=system:node:$REAL_NODE_NAME" clientAuth
CA_DIR="$STATE_DIR/pki" issue_cert "$P" kubelet-serving "/CN=$REAL_NODE_NAME" serverAuth \
  "IP:$RN_NODE_IP, IP:127.0.0.1, DNS:$REAL_NODE_NAME, DNS:localhost"
CA_DIR="$STATE_DIR/pki" issue_cert "$P" coredns "/CN=initdoctor-realnode-coredns" clientAuth
cp "$STATE_DIR/pki/ca.crt" "$P/ca.crt"
chmod 600 "$P"/*.key
server="$("$K" --kubeconfig "$KUBECONFIG" config view -o 'jsonpath={.clusters[?(@.name=="initdoctor")].cluster.server}')"
node_kubeconfig() { # PATH USER CERT
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters: [{name: initdoctor, cluster: {server: "$server", certificate-authority: "$P/ca.crt"}}]
users: [{name: "$2", user: {client-certificate: "$P/$3.crt", client-key: "$P/$3.key"}}]
contexts: [{name: initdoctor, context: {cluster: initdoctor, user: "$2"}}]
current-context: initdoctor
KC
  chmod 600 "$1"
}
node_kubeconfig "$P/kubelet.kubeconfig" "system:node:$REAL_NODE_NAME" kubelet-client
node_kubeconfig "$P/coredns.kubeconfig" initdoctor-realnode-coredns coredns

# Network: the bridge exists before the kubelet (its address is the node IP), IPv6 off on it, no
# masquerade, no route beyond the pod CIDR, and chains that drop whatever would leave it.
ip link add "$RN_BRIDGE" type bridge
sysctl -q -w "net.ipv6.conf.$RN_BRIDGE.disable_ipv6=1" 2>/dev/null || true
ip addr add "$RN_NODE_IP/16" dev "$RN_BRIDGE"
ip link set "$RN_BRIDGE" up
cat >"$RN_STATE/cni/net.d/10-initdoctor-realnode.conflist" <<J
{
  "cniVersion": "1.0.0",
  "name": "initdoctor-realnode",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$RN_BRIDGE",
      "isGateway": true,
      "isDefaultGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$RN_STATE/cni/state",
        "ranges": [[{"subnet": "$RN_CIDR", "gateway": "$RN_NODE_IP"}]],
        "routes": [{"dst": "$RN_SERVICE_CIDR", "gw": "$RN_NODE_IP"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}, "backend": "iptables"}
  ]
}
J
fwd="${RN_CHAINS[0]%%:*}" in="${RN_CHAINS[1]%%:*}" out="${RN_CHAINS[2]%%:*}"
iptables -w -N "$fwd"
iptables -w -A "$fwd" -s "$RN_CIDR" -d "$RN_CIDR" -j ACCEPT
# Replies from a ClusterIP: kube-proxy's DNAT undone on the way back to the pod.
iptables -w -A "$fwd" -s "$RN_SERVICE_CIDR" -d "$RN_CIDR" -j ACCEPT
# A ClusterIP kube-proxy did not translate (no endpoints): refused here, as its own REJECT does.
iptables -w -A "$fwd" -s "$RN_CIDR" -d "$RN_SERVICE_CIDR" -j REJECT
iptables -w -A "$fwd" -s "$RN_CIDR" -j DROP
iptables -w -A "$fwd" -d "$RN_CIDR" -j DROP
iptables -w -A "$fwd" -i "$RN_BRIDGE" -j DROP
iptables -w -A "$fwd" -o "$RN_BRIDGE" -j DROP
# A host that forwarded nothing keeps forwarding nothing, although the bridge plugin turns it on.
grep -qx 'net.ipv4.ip_forward=0' "$RN_STATE/run/sysctl.orig" && iptables -w -A "$fwd" -j DROP
iptables -w -I FORWARD 1 -j "$fwd"
iptables -w -N "$in"
iptables -w -A "$in" -s "$RN_CIDR" ! -d "$RN_CIDR" -j DROP
iptables -w -A "$in" -i "$RN_BRIDGE" ! -d "$RN_CIDR" -j DROP
iptables -w -I INPUT 1 -j "$in"
# The host's own packets to a ClusterIP or a NodePort: only to a pod (kube-proxy's DNAT) or refused
# here, never out of another interface (an EndpointSlice may name any address).
iptables -w -N "$out"
for dst in "$RN_SERVICE_CIDR" "$RN_CIDR"; do
  iptables -w -A "$out" -m conntrack --ctstate DNAT --ctorigdst "$dst" ! -d "$RN_CIDR" -j REJECT
done
iptables -w -A "$out" -d "$RN_SERVICE_CIDR" -j REJECT
iptables -w -I OUTPUT 1 -j "$out"
sysctl -q -w net.bridge.bridge-nf-call-iptables=1

# cgroups: the kubelet's cgroupRoot in every hierarchy (v1), or the unified one (v2).
CGROUP_ROOT=/initdoctor-realnode
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  mkdir -p "/sys/fs/cgroup$CGROUP_ROOT"
else
  for c in /sys/fs/cgroup/*/; do
    [[ -L "${c%/}" || "$c" == */unified/ ]] && continue
    mkdir -p "$c$CGROUP_ROOT"
  done
  cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset$CGROUP_ROOT/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset$CGROUP_ROOT/cpuset.mems"
fi

# containerd, then the images under the names pods use.
subst() { # TEMPLATE OUT
  sed -e "s|@RN@|$RN_STATE|g" -e "s|@BIN@|$BIN|g" -e "s|@RUNC@|$RUNC|g" \
    -e "s|@PAUSE@|$RN_PAUSE_IMAGE|g" -e "s|@NODE_IP@|$RN_NODE_IP|g" \
    -e "s|@KUBELET_PORT@|$RN_KUBELET_PORT|g" -e "s|@HEALTHZ_PORT@|$RN_HEALTHZ_PORT|g" \
    -e "s|@TAINT@|$RN_TAINT_KEY|g" "$1" >"$2"
}
subst "$RN_DIR/conf/containerd.toml" "$RN_STATE/containerd/config.toml"
rm -rf "$RN_STATE/containerd/certs.d"
cp -a "$RN_DIR/conf/certs.d" "$RN_STATE/containerd/certs.d"
CTR=("$BIN/ctr" --address "$RN_STATE/run/containerd.sock" --namespace k8s.io)
launch containerd "$BIN/containerd" --config "$RN_STATE/containerd/config.toml"
wait_until 30 "containerd socket" "${CTR[@]}" version
for image in busybox dnsutils iptables pause; do
  "${CTR[@]}" images import --platform linux/amd64 "$RN_STATE/images/$image.tar" >/dev/null 2>>"$STATE_DIR/logs-containerd.txt"
done

# The kubelet. Its host resolv.conf names a resolver nobody runs: no name ever goes upstream.
printf '# real node: no upstream resolver (nothing listens on the pod'"'"'s own loopback)\nnameserver 127.0.0.1\noptions ndots:5 timeout:1 attempts:1\n' \
  >"$RN_STATE/kubelet/resolv.conf"
subst "$RN_DIR/conf/kubelet-config.yaml" "$RN_STATE/kubelet/config.yaml"
kubelet_started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
launch kubelet "$INITDOCTOR_BIN_DIR/kubelet" \
  --config="$RN_STATE/kubelet/config.yaml" \
  --kubeconfig="$P/kubelet.kubeconfig" \
  --root-dir="$RN_STATE/kubelet/root" \
  --cert-dir="$RN_STATE/kubelet/pki" \
  --hostname-override="$REAL_NODE_NAME" \
  --node-ip="$RN_NODE_IP" \
  --v=2
node_is_ready() {
  local ready heartbeat
  read -r ready heartbeat < <(kc get node "$REAL_NODE_NAME" -o \
    'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')
  [[ "$ready" == True && ! "$heartbeat" < "$kubelet_started" ]]
}
wait_until 90 "Ready node $REAL_NODE_NAME" node_is_ready
# kube-proxy (iptables mode): ClusterIPs and NodePorts (on the bridge address only) to pod IPs.
# No masquerade beyond its own for traffic that is not from a pod (clusterCIDR, masqueradeAll
# false), no localhost NodePorts (route_localnet stays off), and the host's conntrack sysctls
# left alone (zeros).
CA_DIR="$STATE_DIR/pki" issue_cert "$P" kube-proxy "/CN=system:kube-proxy" clientAuth
chmod 600 "$P/kube-proxy.key"
node_kubeconfig "$P/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
cat >"$RN_STATE/kube-proxy.yaml" <<Y
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$P/kube-proxy.kubeconfig"}
hostnameOverride: $REAL_NODE_NAME
bindAddress: $RN_NODE_IP
healthzBindAddress: 127.0.0.1:$RN_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$RN_PROXY_METRICS_PORT
mode: iptables
clusterCIDR: $RN_CIDR
detectLocalMode: ClusterCIDR
nodePortAddresses: ["$RN_NODE_IP/32"]
iptables: {masqueradeAll: false, localhostNodePorts: false, syncPeriod: 30s, minSyncPeriod: 0s}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
oomScoreAdj: 0
Y
launch kube-proxy "$INITDOCTOR_BIN_DIR/kube-proxy" --config="$RN_STATE/kube-proxy.yaml" --v=2
wait_until 60 "kube-proxy /healthz" curl --silent --fail --max-time 2 "http://127.0.0.1:$RN_PROXY_HEALTHZ_PORT/healthz"
wait_until 60 "kube-proxy's first sync" iptables -w -t nat -S KUBE-SERVICES

# The kubelet and kube-proxy put their jumps at the top of INPUT, FORWARD and OUTPUT: ours go back
# in front (kube-proxy then finds its own present and leaves the order alone).
for entry in "${RN_CHAINS[@]}"; do
  while iptables -w -D "${entry##*:}" -j "${entry%%:*}" 2>/dev/null; do :; done
  iptables -w -I "${entry##*:}" 1 -j "${entry%%:*}"
done
# A Node kept in etcd from an earlier run keeps its taints; make sure ours is there.
kc taint node "$REAL_NODE_NAME" "$RN_TAINT_KEY=true:NoSchedule" --overwrite >/dev/null

# CoreDNS on the bridge address: cluster names from the API (read-only), NXDOMAIN for the rest.
kc apply -f - >/dev/null <<Y
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: initdoctor-realnode-coredns}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: initdoctor-realnode-coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: initdoctor-realnode-coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: initdoctor-realnode-coredns}]
Y
cat >"$RN_STATE/Corefile" <<C
cluster.local:53 in-addr.arpa:53 {
    bind $RN_NODE_IP
    ready 127.0.0.1:${RN_DNS_READY_PORT:-31181}
    errors
    log
    kubernetes cluster.local in-addr.arpa {
        kubeconfig $P/coredns.kubeconfig initdoctor
        pods disabled
        ttl 1
    }
}
.:53 {
    bind $RN_NODE_IP
    errors
    log
    template ANY ANY {
        rcode NXDOMAIN
    }
}
C
launch coredns "$BIN/coredns" -conf "$RN_STATE/Corefile"
wait_until 30 "CoreDNS ready" curl --silent --fail --max-time 2 "http://127.0.0.1:${RN_DNS_READY_PORT:-31181}/ready"

# Storage: rancher's local-path-provisioner (default StorageClass local-path), volumes under the
# state dir, made by its helper pods on this node.
CA_DIR="$STATE_DIR/pki" issue_cert "$P" local-path "/CN=initdoctor-local-path-provisioner" clientAuth
chmod 600 "$P/local-path.key"
node_kubeconfig "$P/local-path.kubeconfig" initdoctor-local-path-provisioner local-path
mkdir -p "$RN_STATE/local-path"
sed -e "s|@DATA@|$RN_STATE/local-path|g" "$RN_DIR/conf/local-path.yaml" | kc apply -f - >/dev/null
launch local-path-provisioner "$BIN/local-path-provisioner" start \
  --kubeconfig "$P/local-path.kubeconfig" --namespace local-path-storage \
  --configmap-name local-path-config --service-account-name local-path-provisioner-service-account \
  --helper-image busybox:1.35 --provisioner-name rancher.io/local-path
sleep 1
component_running local-path-provisioner || die "local-path-provisioner exited"

grep -v '^export INITDOCTOR_REAL_NODE=' "$STATE_DIR/env" >"$STATE_DIR/env.tmp" || true
printf 'export INITDOCTOR_REAL_NODE=%s\n' "$REAL_NODE_NAME" >>"$STATE_DIR/env.tmp"
mv -f "$STATE_DIR/env.tmp" "$STATE_DIR/env"
trap - EXIT
log "real node up in $((SECONDS - start_time)) s (node $REAL_NODE_NAME at $RN_NODE_IP, pods in $RN_CIDR)"
