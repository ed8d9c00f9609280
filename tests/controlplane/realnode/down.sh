#!/usr/bin/env bash
# Stops the real node and undoes what it changed on the host: its pods (while the kubelet can still
# stop them), CoreDNS, the kubelet, every container and shim, containerd (each by recorded PID,
# checked to be ours), the mounts under its state dir, the firewall chains, the bridge, the cgroups,
# the sysctls the kubelet and the bridge plugin changed, and the host paths that did not exist
# before. Safe to run again; nothing running is not an error. --quiet: no "nothing to stop" line.
set -uo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

quiet=false
[[ "${1:-}" == --quiet ]] && quiet=true
[[ -d "$STATE_DIR" ]] || exit 0
init_state_dir
RN_STATE="$STATE_DIR/realnode"
# The bridge and the firewall chains are host-wide: another state dir's real node may own them
# (one engineer runs it while others run REAL_NODE=0, whose up.sh calls this script). Touch
# them only when this state dir has run a real node.
if [[ ! -d "$RN_STATE" ]]; then
  $quiet || log "nothing to stop: no real node in $STATE_DIR"
  exit 0
fi
# The bridge, the firewall chains and the cgroups are the host's, not this state dir's: without a
# real node of ours, they belong to a real node another state dir (another clone) runs — leave
# them alone; only leftovers of one that died are cleaned up.
if [[ ! -d "$RN_STATE" ]] && pgrep -f -- "--hostname-override=$REAL_NODE_NAME" >/dev/null 2>&1; then
  $quiet || log "nothing to stop: the real node running belongs to another state dir"
  exit 0
fi
did=()
# Another state dir's real node running now (its kubelet): the host-wide bridge, chains and
# paths (/var/log/pods, /var/lib/cni, …) are in its use, so they stay.
others_running() {
  pgrep -af "/kubelet --config=" 2>/dev/null | grep -v -F -- "--config=$RN_STATE/" | grep -q .
}

kc() { "$INITDOCTOR_BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG" --context initdoctor --request-timeout=10s "$@"; }
api_up=false
if [[ -f "$STATE_DIR/env" ]]; then
  # shellcheck disable=SC1091
  source "$STATE_DIR/env"
  [[ -x "$INITDOCTOR_BIN_DIR/kubectl" ]] && kc get --raw /readyz >/dev/null 2>&1 && api_up=true
fi

# 1. Pods on the node go first, gracefully while the kubelet runs, then by force.
if $api_up && component_running kubelet; then
  pods="$(kc get pods -A --field-selector "spec.nodeName=$REAL_NODE_NAME" -o name 2>/dev/null | wc -l)"
  if ((pods > 0)); then
    kc delete pods -A --field-selector "spec.nodeName=$REAL_NODE_NAME" --grace-period=1 --wait=true --timeout=45s >/dev/null 2>&1 || true
    did+=("deleted $pods pods")
  fi
fi
if $api_up; then
  kc delete pods -A --field-selector "spec.nodeName=$REAL_NODE_NAME" --grace-period=0 --force >/dev/null 2>&1 || true
fi

# 2. Processes, by recorded PID.
for name in "${RN_COMPONENTS[@]}"; do
  if component_running "$name"; then did+=("stopped $name"); fi
  [[ "$name" == containerd ]] && continue
  stop_components "$name"
done
if $api_up; then
  kc delete node "$REAL_NODE_NAME" --ignore-not-found >/dev/null 2>&1 || true
  kc delete clusterrolebinding,clusterrole initdoctor-realnode-coredns --ignore-not-found >/dev/null 2>&1 || true
  # The provisioner's set-up (its volumes' directories are under the state dir).
  kc delete namespace local-path-storage --ignore-not-found --wait=false >/dev/null 2>&1 || true
  kc delete storageclass local-path --ignore-not-found >/dev/null 2>&1 || true
  kc delete clusterrolebinding,clusterrole local-path-provisioner-bind local-path-provisioner-role --ignore-not-found >/dev/null 2>&1 || true
fi

# 3. Containers: runc's own list under our root (shims do not kill their containers), then the
# shims that serve our containerd, then containerd itself.
RUNC="$(command -v runc || true)"
if [[ -n "$RUNC" && -d "$RN_STATE/run/runc/k8s.io" ]]; then
  for id in $("$RUNC" --root "$RN_STATE/run/runc/k8s.io" list -q 2>/dev/null); do
    "$RUNC" --root "$RN_STATE/run/runc/k8s.io" kill "$id" KILL 2>/dev/null
    "$RUNC" --root "$RN_STATE/run/runc/k8s.io" delete --force "$id" 2>/dev/null
  done
fi
stop_components containerd
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $RN_STATE/run/containerd.sock" 2>/dev/null); do
  kill -KILL "$pid" 2>/dev/null && did+=("killed shim $pid")
done

# 4. Mounts under the state dir (netns, overlay rootfs, shm, volumes), deepest first.
while read -r m; do
  umount -l "$m" 2>/dev/null
done < <(awk -v p="$RN_STATE/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r)

# 5. Network: our chains and the jumps to them, the bridge (unless another real node uses them).
if others_running; then
  log "leaving the bridge $RN_BRIDGE, the firewall chains and the host paths: another state dir's real node runs"
  rm -f "$RN_STATE/run/chains.orig" "$RN_STATE/run/created-paths" "$RN_STATE/run/sysctl.orig"
  RN_CHAINS=()
fi
for entry in "${RN_CHAINS[@]}"; do
  chain="${entry%%:*}" parent="${entry##*:}"
  while iptables -w -D "$parent" -j "$chain" 2>/dev/null; do :; done
  if iptables -w -F "$chain" 2>/dev/null; then iptables -w -X "$chain" && did+=("removed chain $chain"); fi
done
# The chains the kubelet (KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT) and portmap
# (CNI-HOSTPORT-*) made, when they were not there before up.sh: the jumps to them, then the chains.
if [[ -f "$RN_STATE/run/chains.orig" ]]; then
  made=()
  while read -r cmd table chain; do
    [[ "$chain" == KUBE-* || "$chain" == CNI-* ]] || continue
    grep -qxF "$cmd $table $chain" "$RN_STATE/run/chains.orig" || made+=("$cmd $table $chain")
  done < <(list_chains)
  for entry in "${made[@]}"; do
    read -r cmd table chain <<<"$entry"
    delete_jumps "$cmd" "$table" "$chain"
    "$cmd" -w -t "$table" -F "$chain" 2>/dev/null
  done
  for entry in "${made[@]}"; do
    read -r cmd table chain <<<"$entry"
    "$cmd" -w -t "$table" -X "$chain" 2>/dev/null && did+=("removed $cmd $table $chain")
  done
  rm -f "$RN_STATE/run/chains.orig"
fi
if ! others_running && ip link show "$RN_BRIDGE" >/dev/null 2>&1; then
  ip link del "$RN_BRIDGE" && did+=("deleted bridge $RN_BRIDGE")
fi

# 6. Sysctls, back to what they were.
if [[ -f "$RN_STATE/run/sysctl.orig" ]]; then
  while IFS="=" read -r key value; do
    [[ "$(sysctl -n "$key" 2>/dev/null)" == "$value" ]] || { sysctl -q -w "$key=$value" && did+=("restored $key=$value"); }
  done <"$RN_STATE/run/sysctl.orig"
  rm -f "$RN_STATE/run/sysctl.orig"
fi

# 7. cgroups under the kubelet's cgroupRoot, deepest first.
for c in /sys/fs/cgroup/initdoctor-realnode /sys/fs/cgroup/*/initdoctor-realnode; do
  [[ -d "$c" ]] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
done
compgen -G "/sys/fs/cgroup/*/initdoctor-realnode" >/dev/null && log "warning: cgroups left under /sys/fs/cgroup/*/initdoctor-realnode"

# 8. Host paths the components write whatever their configuration: our entries always, the
# directories themselves when they did not exist before up.sh.
rm -f /var/lib/kubelet/device-plugins/kubelet.sock
find /var/log/containers -maxdepth 1 -type l -lname "$RN_STATE/*" -delete 2>/dev/null
rm -f /var/lib/cni/results/initdoctor-realnode-* 2>/dev/null
if [[ -f "$RN_STATE/run/created-paths" ]]; then
  while read -r p; do
    [[ -n "$p" && -e "$p" ]] && rm -rf -- "$p" && did+=("removed $p")
  done <"$RN_STATE/run/created-paths"
  rm -f "$RN_STATE/run/created-paths"
fi
rm -rf "$RN_STATE/run/runc"

# 9. The env file no longer names the node.
if [[ -f "$STATE_DIR/env" ]] && grep -q '^export INITDOCTOR_REAL_NODE=' "$STATE_DIR/env"; then
  grep -v '^export INITDOCTOR_REAL_NODE=' "$STATE_DIR/env" >"$STATE_DIR/env.tmp"
  mv -f "$STATE_DIR/env.tmp" "$STATE_DIR/env"
fi
if ((${#did[@]} > 0)); then
  log "real node down: ${did[*]}"
elif ! $quiet; then
  log "real node: nothing was running"
fi
exit 0
