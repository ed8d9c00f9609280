# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
# Shared by build.sh, up.sh and down.sh. Source it; do not run it.

CP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CP_DIR/../.." && pwd)"
STATE_DIR="${INITDOCTOR_STATE_DIR:-$REPO_ROOT/.cluster}"

K8S_VERSION="v1.37.2"
NODE_NAME="fake-node"
# The fake node's taint: the scheduler places nothing there (it runs no containers); tests bind
# their pods to it by spec.nodeName.
FAKE_NODE_TAINT="initdoctor/fake-node=true:NoSchedule"

ETCD_PORT="${ETCD_PORT:-32379}"
ETCD_PEER_PORT="${ETCD_PEER_PORT:-32380}"
APISERVER_PORT="${APISERVER_PORT:-36443}"
KCM_PORT="${KCM_PORT:-30257}"
SCHEDULER_PORT="${SCHEDULER_PORT:-30259}"
FAKELET_PORT="${FAKELET_PORT:-30250}"

# Every Kubernetes binary reports this version (without it: v0.0.0-master+$Format:%H$).
k8s_ldflags() {
  local v=k8s.io/component-base/version minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  printf '%s' "-X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor" \
    " -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
}

# Where the built binaries are cached, keyed by version, module and build flags.
cache_root() {
  printf '%s\n' "${INITDOCTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/initdoctor}"
}
k8s_bin_dir() {
  local hash
  hash="$({ cat "$CP_DIR/go.mod" "$CP_DIR/go.sum"; k8s_ldflags; } | sha256sum | cut -c1-12)"
  printf '%s\n' "$(cache_root)/k8s-$K8S_VERSION-$hash/bin"
}

# Components in stop order (the reverse of the start order).
STOP_ORDER=(fakelet kube-scheduler kube-controller-manager kube-apiserver etcd)

# A file that marks a directory as ours, so `down.sh --purge` never deletes anything else.
STATE_MARKER=".initdoctor-state"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Absolute state dir (created), so that it also matches in the daemons' command lines.
init_state_dir() {
  mkdir -p "$STATE_DIR"
  STATE_DIR="$(cd "$STATE_DIR" && pwd)"
}

# True when the fakelet package has Go sources.
fakelet_has_sources() {
  compgen -G "$CP_DIR/fakelet/*.go" >/dev/null
}

# The pid recorded for a component, or nothing.
read_pid() {
  local file="$STATE_DIR/pids/$1" pid=""
  if [[ -f "$file" ]]; then
    read -r pid <"$file" || true
  fi
  [[ "$pid" =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
  return 0
}

# True when pid is alive and really is our component: its argv[0] is the component's binary and
# its command line names the state dir. Guards against recycled pids.
pid_is_component() {
  local pid="$1" name="$2" argv0 cmdline
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  pid_alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  argv0="${cmdline%% *}"
  [[ "$(basename -- "$argv0")" == "$name" && "$cmdline" == *"$STATE_DIR"* ]]
}

# True when the component's pid file names a live process of that component.
component_running() {
  local pid
  pid="$(read_pid "$1")"
  [[ -n "$pid" ]] && pid_is_component "$pid" "$1"
}

# True when pid is a live process (a zombie, exited but not yet reaped, is not).
pid_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

# Stops the given components one after the other, in the order given (TERM, up to 10 s each,
# then KILL), and removes their pid files. Only processes that are still ours are signalled.
stop_components() {
  local name pid waited
  for name in "$@"; do
    [[ -f "$STATE_DIR/pids/$name" ]] || continue
    pid="$(read_pid "$name")"
    if [[ -n "$pid" ]] && pid_is_component "$pid" "$name"; then
      kill -TERM "$pid" 2>/dev/null || true
      waited=0
      while pid_is_component "$pid" "$name"; do
        if ((waited == 100)); then
          log "$name (pid $pid) still running 10 s after SIGTERM: killing it"
          kill -KILL "$pid" 2>/dev/null || true
        fi
        ((waited < 120)) || break
        sleep 0.1
        waited=$((waited + 1))
      done
    elif [[ -n "$pid" ]] && pid_alive "$pid"; then
      log "pid $pid of $name now belongs to another process: not touching it"
    fi
    rm -f "$STATE_DIR/pids/$name"
  done
}

# True when something accepts TCP connections on 127.0.0.1:port.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# GET a health endpoint of the apiserver. Anonymously, which they allow: the audit policy drops
# anonymous health probes but records everything `admin` does.
# The kube-apiserver flags of this control plane for ETCD_URL, PORT and AUDIT_LOG, into the array
# APISERVER_ARGS (up.sh's server and apiserver-extra.sh's second one share them).
apiserver_args() {
  APISERVER_ARGS=(
    --etcd-servers="$1"
    --bind-address=127.0.0.1
    --advertise-address=127.0.0.1
    --secure-port="$2"
    --endpoint-reconciler-type=none
    --service-cluster-ip-range=10.96.0.0/16
    --authorization-mode=Node,RBAC
    --allow-privileged=true
    --client-ca-file="$PKI/ca.crt"
    --tls-cert-file="$PKI/apiserver.crt"
    --tls-private-key-file="$PKI/apiserver.key"
    --service-account-key-file="$PKI/sa.pub"
    --service-account-signing-key-file="$PKI/sa.key"
    --service-account-issuer=https://kubernetes.default.svc.cluster.local
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
    --kubelet-preferred-address-types=InternalIP
    --audit-policy-file="$CP_DIR/audit-policy.yaml"
    --audit-log-path="$3"
    --audit-log-format=json
    # Never rotated during a run (the default renames it at 100 MB): the tests' audit helpers
    # count lines of this one file, and a rotation between a mark and its read loses requests.
    --audit-log-maxsize=8192
  )
}

apiserver_health() {
  curl --silent --show-error --fail --max-time 5 --cacert "$STATE_DIR/pki/ca.crt" \
    "https://127.0.0.1:$APISERVER_PORT/$1"
}

# launch NAME BINARY ARGS...: runs it in its own session from the state dir; the process writes
# its own pid file just before exec, so the pid is the daemon's even though setsid forks.
launch() {
  local name="$1" pidfile="$STATE_DIR/pids/$1" waited=0
  shift
  CURRENT="$name"
  mkdir -p "$STATE_DIR/pids"
  rm -f "$pidfile"
  (
    cd "$STATE_DIR" || exit 1
    # shellcheck disable=SC2016 # expanded by the inner bash
    setsid -f bash -c 'echo "$$" >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
      >"$STATE_DIR/logs-$name.txt" 2>&1 </dev/null 8>&- 9>&-
  )
  until [[ -s "$pidfile" ]]; do
    ((waited++ < 100)) || die "$name did not start"
    sleep 0.05
  done
  STARTED+=("$name")
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND; fails early when CURRENT dies.
wait_until() {
  local timeout="$1" what="$2" deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    component_running "$CURRENT" || die "$CURRENT exited while waiting for $what"
    ((SECONDS < deadline)) || die "$CURRENT: no $what after $timeout s"
    sleep 0.2
  done
}

new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# issue_cert DIR NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]: signed by the CA in
# ${CA_DIR:-DIR} (ca.crt, ca.key, ca.srl).
issue_cert() {
  local dir="$1" name="$2" subject="$3" eku="$4" sans="${5:-}"
  new_key "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr"
  {
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, digitalSignature, keyEncipherment"
    echo "extendedKeyUsage = $eku"
    echo "subjectKeyIdentifier = hash"
    echo "authorityKeyIdentifier = keyid"
    [[ -z "$sans" ]] || echo "subjectAltName = $sans"
  } >"$dir/$name.ext"
  openssl x509 -req -sha256 -days 365 -in "$dir/$name.csr" -extfile "$dir/$name.ext" \
    -CA "${CA_DIR:-$dir}/ca.crt" -CAkey "${CA_DIR:-$dir}/ca.key" -CAcreateserial \
    -CAserial "$dir/ca.srl" \
    -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}
