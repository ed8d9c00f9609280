#!/usr/bin/env bash
# Runs, in the foreground, a second kube-apiserver of the test control plane: same etcd, same
# certificates and service-account keys, another port, its own audit log. For tests that must
# restart an API server or make a watch expire without touching the shared one (other tests run
# in parallel against it). Usage: apiserver-extra.sh PORT AUDIT_LOG [EXTRA KUBE-APISERVER ARGS...]
# (e.g. --watch-cache=false, so that watches are served by etcd and a compaction expires them).
# The caller owns the process: it stops it with SIGTERM (or SIGKILL) by its pid.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
init_state_dir
PKI="$STATE_DIR/pki"
(($# >= 2)) || die "usage: $0 PORT AUDIT_LOG [KUBE-APISERVER ARGS...]"
port="$1" audit="$2"
shift 2
[[ -f "$STATE_DIR/env" && -f "$PKI/ca.crt" ]] || die "the control plane in $STATE_DIR is not up"
etcd_url="$(sed -n 's/^export INITDOCTOR_ETCD_URL=//p' "$STATE_DIR/env")"
etcd_url="${etcd_url:-http://127.0.0.1:$ETCD_PORT}"
BIN_DIR="$(sed -n 's/^export INITDOCTOR_BIN_DIR=//p' "$STATE_DIR/env")"
port_in_use "$port" && die "port $port is already in use on 127.0.0.1"

apiserver_args "$etcd_url" "$port" "$audit"
exec "$BIN_DIR/kube-apiserver" "${APISERVER_ARGS[@]}" --etcd-compaction-interval=0 "$@"
