#!/usr/bin/env bash
# Stops the local test control plane started by up.sh: exactly the processes named in
# <state>/pids/ (checked to still be ours). With --purge, also deletes the state dir.
# Nothing running is not an error.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=false
case "${1:-}" in
  "") ;;
  --purge) purge=true ;;
  *) die "usage: $0 [--purge]" ;;
esac

if [[ ! -d "$STATE_DIR" ]]; then
  log "nothing to stop: no $STATE_DIR"
  exit 0
fi
init_state_dir

# The real node first, while the API can still delete its pods.
"$CP_DIR/realnode/down.sh" --quiet

if [[ -d "$STATE_DIR/pids" ]]; then
  exec 9>"$STATE_DIR/.lock"
  flock 9
  running=()
  for name in "${STOP_ORDER[@]}"; do
    if component_running "$name"; then
      running+=("$name")
    fi
  done
  stop_components "${STOP_ORDER[@]}"
  if ((${#running[@]} > 0)); then
    log "stopped ${running[*]}"
  else
    log "nothing was running"
  fi
  exec 9>&-
fi

if $purge; then
  if [[ -e "$STATE_DIR/$STATE_MARKER" ]]; then
    rm -rf "$STATE_DIR"
    log "removed $STATE_DIR"
  else
    die "$STATE_DIR has no $STATE_MARKER: not made by up.sh, not removing it"
  fi
fi
