# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
# Shared by build.sh, up.sh and down.sh. Source it; do not run it.

CP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CP_DIR/../.." && pwd)"
STATE_DIR="${INITDOCTOR_STATE_DIR:-$REPO_ROOT/.cluster}"

K8S_VERSION="v1.37.2"
NODE_NAME="fake-node"

ETCD_PORT="${ETCD_PORT:-32379}"
ETCD_PEER_PORT="${ETCD_PEER_PORT:-32380}"
APISERVER_PORT="${APISERVER_PORT:-36443}"
KCM_PORT="${KCM_PORT:-30257}"
FAKELET_PORT="${FAKELET_PORT:-30250}"

# Components in stop order (the reverse of the start order).
STOP_ORDER=(fakelet kube-controller-manager kube-apiserver etcd)

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
apiserver_health() {
  curl --silent --show-error --fail --max-time 5 --cacert "$STATE_DIR/pki/ca.crt" \
    "https://127.0.0.1:$APISERVER_PORT/$1"
}
