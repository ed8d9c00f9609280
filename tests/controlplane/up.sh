#!/usr/bin/env bash
# Starts the local test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, fakelet) in
# the state dir, or does nothing when it is already running. Prints the kubeconfig path on its last
# line; progress goes to stderr. See README.md.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

init_state_dir
PKI="$STATE_DIR/pki"
KUBECONFIG_PATH="$STATE_DIR/kubeconfig"
CONTAINER_LOGS="$STATE_DIR/containers"
touch "$STATE_DIR/$STATE_MARKER"

# One up.sh or down.sh at a time per state dir. The daemons must not inherit this descriptor.
exec 9>"$STATE_DIR/.lock"
flock 9

expected=(etcd kube-apiserver kube-controller-manager kube-scheduler)
fakelet_has_sources && expected+=(fakelet)

cluster_is_up() {
  local name
  for name in "${expected[@]}"; do
    component_running "$name" || return 1
  done
  [[ -f "$KUBECONFIG_PATH" && -f "$STATE_DIR/env" ]] || return 1
  # A busy apiserver may miss one probe: give it a few seconds before calling it dead.
  local attempt
  for attempt in 1 2 3; do
    apiserver_health readyz >/dev/null 2>&1 && return 0
    ((attempt == 3)) || sleep 1
  done
  return 1
}

# The real node beside the control plane, unless REAL_NODE=0 (see realnode/README.md).
start_real_node() {
  if [[ "${REAL_NODE:-1}" == 0 ]]; then
    log "real node skipped (REAL_NODE=0): tests that need real containers count as ignored"
    "$CP_DIR/realnode/down.sh" --quiet
    return 0
  fi
  CURRENT=""
  "$CP_DIR/realnode/up.sh"
}

if cluster_is_up; then
  log "control plane already running in $STATE_DIR"
  start_real_node
  printf '%s\n' "$KUBECONFIG_PATH"
  exit 0
fi

start_time=$SECONDS
STARTED=()  # components this run started, stopped again if the run fails
CURRENT=""  # the component whose log explains a failure

on_exit() {
  local status=$?
  ((status == 0)) && return
  if [[ -n "$CURRENT" && -f "$STATE_DIR/logs-$CURRENT.txt" ]]; then
    log "last lines of $STATE_DIR/logs-$CURRENT.txt:"
    tail -n 25 "$STATE_DIR/logs-$CURRENT.txt" | sed 's/^/    /' >&2
  fi
  if ((${#STARTED[@]} > 0)); then
    log "stopping what this run started: ${STARTED[*]}"
    local reversed=() i
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do reversed+=("${STARTED[i]}"); done
    stop_components "${reversed[@]}"
  fi
  log "failed (exit $status)"
}
trap on_exit EXIT

# Leftovers of an earlier run that is no longer whole (a crashed component, a stale /readyz).
stop_components "${STOP_ORDER[@]}"

# Binaries: the Kubernetes ones cached, the fakelet rebuilt.
BIN_DIR="$(INITDOCTOR_STATE_DIR="$STATE_DIR" "$CP_DIR/build.sh" | tail -n 1)"
[[ -x "$BIN_DIR/kubectl" ]] || die "build.sh did not produce $BIN_DIR/kubectl"
FAKELET_BIN=""
if fakelet_has_sources; then
  FAKELET_BIN="$STATE_DIR/bin/fakelet"
else
  log "warning: $CP_DIR/fakelet has no Go files yet: starting without a node"
fi

ports=("etcd:$ETCD_PORT" "etcd peer:$ETCD_PEER_PORT" "kube-apiserver:$APISERVER_PORT"
  "kube-controller-manager:$KCM_PORT" "kube-scheduler:$SCHEDULER_PORT")
[[ -n "$FAKELET_BIN" ]] && ports+=("fakelet:$FAKELET_PORT")
for entry in "${ports[@]}"; do
  if port_in_use "${entry##*:}"; then
    die "port ${entry##*:} (for ${entry%:*}) is already in use on 127.0.0.1"
  fi
done

# PKI, generated here and kept across restarts; regenerated when incomplete or expiring.
pki_files=(ca admin viewer kube-controller-manager kube-scheduler apiserver apiserver-kubelet-client
  fakelet fakelet-client)

pki_is_usable() {
  local name
  [[ -f "$PKI/sa.key" && -f "$PKI/sa.pub" && -f "$PKI/ca.key" ]] || return 1
  for name in "${pki_files[@]}"; do
    [[ -f "$PKI/$name.crt" ]] || return 1
    [[ "$name" == ca || -f "$PKI/$name.key" ]] || return 1
    openssl x509 -noout -checkend 86400 -in "$PKI/$name.crt" >/dev/null || return 1
  done
}

generate_pki() {
  local dir="$PKI.new"
  rm -rf "$dir"
  mkdir -m 700 "$dir"
  new_key "$dir/ca.key"
  openssl req -x509 -new -sha256 -days 3650 -key "$dir/ca.key" -subj "/CN=initdoctor-ca" \
    -addext "basicConstraints = critical, CA:TRUE" \
    -addext "keyUsage = critical, keyCertSign, cRLSign, digitalSignature" \
    -out "$dir/ca.crt"
  issue_cert "$dir" apiserver "/CN=kube-apiserver" serverAuth \
    "IP:127.0.0.1, IP:10.96.0.1, DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local"
  issue_cert "$dir" admin "/O=system:masters/CN=admin" clientAuth
  issue_cert "$dir" viewer "/CN=viewer" clientAuth
  issue_cert "$dir" kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
  issue_cert "$dir" kube-scheduler "/CN=system:kube-scheduler" clientAuth
  issue_cert "$dir" apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  issue_cert "$dir" fakelet "/CN=$NODE_NAME" serverAuth "IP:127.0.0.1, DNS:$NODE_NAME, DNS:localhost"
  issue_cert "$dir" fakelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/sa.key" 2>/dev/null
  openssl pkey -in "$dir/sa.key" -pubout -out "$dir/sa.pub"
  chmod 600 "$dir"/*.key
  rm -rf "$PKI"
  mv "$dir" "$PKI"
}

# A state dir from before the scheduler: its certificate, from the same CA.
if [[ -f "$PKI/ca.key" && -f "$PKI/ca.crt" && ! -f "$PKI/kube-scheduler.crt" ]]; then
  issue_cert "$PKI" kube-scheduler "/CN=system:kube-scheduler" clientAuth
  chmod 600 "$PKI/kube-scheduler.key"
fi
if pki_is_usable; then
  log "reusing certificates in $PKI"
else
  log "generating certificates in $PKI"
  generate_pki
fi

# Kubeconfigs (the controller manager and the fakelet have their own), with the CA and the client
# certificates embedded.
b64() { base64 -w 0 <"$1"; }

kubeconfig_user() { # NAME CERT
  printf -- '- name: %s\n  user:\n    client-certificate-data: %s\n    client-key-data: %s\n' \
    "$1" "$(b64 "$PKI/$2.crt")" "$(b64 "$PKI/$2.key")"
}

kubeconfig_context() { # NAME USER
  printf -- '- name: %s\n  context:\n    cluster: initdoctor\n    user: %s\n    namespace: default\n' \
    "$1" "$2"
}

write_kubeconfig() { # PATH CURRENT_CONTEXT USERS CONTEXTS
  {
    printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: initdoctor\n  cluster:\n'
    printf '    server: https://127.0.0.1:%s\n    certificate-authority-data: %s\n' \
      "$APISERVER_PORT" "$(b64 "$PKI/ca.crt")"
    printf 'users:\n%s\ncontexts:\n%s\n' "$3" "$4"
    printf 'current-context: %s\npreferences: {}\n' "$2"
  } >"$1.tmp"
  chmod 600 "$1.tmp"
  mv -f "$1.tmp" "$1"
}

write_kubeconfig "$KUBECONFIG_PATH" initdoctor \
  "$(kubeconfig_user admin admin; kubeconfig_user viewer viewer)" \
  "$(kubeconfig_context initdoctor admin; kubeconfig_context initdoctor-viewer viewer)"
write_kubeconfig "$STATE_DIR/kcm.kubeconfig" initdoctor \
  "$(kubeconfig_user system:kube-controller-manager kube-controller-manager)" \
  "$(kubeconfig_context initdoctor system:kube-controller-manager)"
write_kubeconfig "$STATE_DIR/scheduler.kubeconfig" initdoctor \
  "$(kubeconfig_user system:kube-scheduler kube-scheduler)" \
  "$(kubeconfig_context initdoctor system:kube-scheduler)"
write_kubeconfig "$STATE_DIR/fakelet.kubeconfig" initdoctor \
  "$(kubeconfig_user "system:node:$NODE_NAME" fakelet-client)" \
  "$(kubeconfig_context initdoctor "system:node:$NODE_NAME")"

kc() { "$BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG_PATH" --context initdoctor "$@"; }

# The components, each in its own session, logging to logs-<name>.txt.

etcd_args=(
  --name=initdoctor
  --data-dir="$STATE_DIR/etcd"
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT"
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT"
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT"
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT"
  --initial-cluster="initdoctor=http://127.0.0.1:$ETCD_PEER_PORT"
  --log-level=warn
)
if "$BIN_DIR/etcd" --help 2>&1 | grep -q -- --unsafe-no-fsync; then
  etcd_args+=(--unsafe-no-fsync)
fi
launch etcd "$BIN_DIR/etcd" "${etcd_args[@]}"
wait_until 30 "healthy etcd" curl --silent --fail --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

apiserver_args "http://127.0.0.1:$ETCD_PORT" "$APISERVER_PORT" "$STATE_DIR/audit.log"
launch kube-apiserver "$BIN_DIR/kube-apiserver" "${APISERVER_ARGS[@]}"
wait_until 90 "/readyz" apiserver_health readyz

# RBAC: `viewer` reads what the built-in ClusterRole `view` allows.
kc create clusterrolebinding initdoctor-viewer --clusterrole=view --user=viewer \
  --dry-run=client -o yaml | kc apply -f - >/dev/null

launch kube-controller-manager "$BIN_DIR/kube-controller-manager" \
  --kubeconfig="$STATE_DIR/kcm.kubeconfig" \
  --authentication-kubeconfig="$STATE_DIR/kcm.kubeconfig" \
  --authorization-kubeconfig="$STATE_DIR/kcm.kubeconfig" \
  --use-service-account-credentials \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" \
  --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --leader-elect=false \
  --bind-address=127.0.0.1 \
  --secure-port="$KCM_PORT" \
  --controllers='*'
wait_until 30 "/healthz" curl --silent --fail --insecure --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"

# The scheduler (profile default-scheduler): pods without spec.nodeName go where their
# tolerations, selectors and requests allow, or get its FailedScheduling events.
launch kube-scheduler "$BIN_DIR/kube-scheduler" \
  --kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
  --leader-elect=false \
  --bind-address=127.0.0.1 \
  --secure-port="$SCHEDULER_PORT"
wait_until 30 "/healthz" curl --silent --fail --insecure --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz"

# Ready, as posted by this fakelet: a Node kept in etcd from an earlier run may still say Ready.
node_is_ready() {
  local ready heartbeat
  read -r ready heartbeat < <(kc get node "$NODE_NAME" -o \
    'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')
  [[ "$ready" == True && ! "$heartbeat" < "$fakelet_started" ]]
}

if [[ -n "$FAKELET_BIN" ]]; then
  mkdir -p "$CONTAINER_LOGS"
  fakelet_started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  launch fakelet "$FAKELET_BIN" \
    --kubeconfig "$STATE_DIR/fakelet.kubeconfig" \
    --node-name "$NODE_NAME" \
    --address 127.0.0.1 \
    --port "$FAKELET_PORT" \
    --tls-cert-file "$PKI/fakelet.crt" \
    --tls-private-key-file "$PKI/fakelet.key" \
    --client-ca-file "$PKI/ca.crt" \
    --logs-dir "$CONTAINER_LOGS"
  wait_until 60 "Ready node $NODE_NAME" node_is_ready
  kc taint node "$NODE_NAME" "$FAKE_NODE_TAINT" --overwrite >/dev/null
fi

CURRENT=kube-controller-manager
wait_until 60 "ServiceAccount default/default" kc -n default get serviceaccount default

# The environment for tests.
mkdir -p "$CONTAINER_LOGS"
{
  printf 'export %s=%q\n' \
    KUBECONFIG "$KUBECONFIG_PATH" \
    INITDOCTOR_STATE_DIR "$STATE_DIR" \
    INITDOCTOR_BIN_DIR "$BIN_DIR" \
    INITDOCTOR_AUDIT_LOG "$STATE_DIR/audit.log" \
    INITDOCTOR_CONTAINER_LOGS "$CONTAINER_LOGS" \
    INITDOCTOR_NODE "$NODE_NAME" \
    INITDOCTOR_ETCD_URL "http://127.0.0.1:$ETCD_PORT"
} >"$STATE_DIR/env.tmp"
mv -f "$STATE_DIR/env.tmp" "$STATE_DIR/env"

log "control plane up in $((SECONDS - start_time)) s (API https://127.0.0.1:$APISERVER_PORT)"
start_real_node
printf '%s\n' "$KUBECONFIG_PATH"
