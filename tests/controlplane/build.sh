#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from the pinned
# Go module into a cache outside the checkout (each skipped when already there), and the fakelet into <state>/bin/.
# Prints the Kubernetes bin dir on its last line; progress goes to stderr.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export GOTOOLCHAIN=local
command -v go >/dev/null || die "go not found on PATH: Go >= 1.26 is needed to build the control plane"
cd "$CP_DIR"

go_version="$(go env GOVERSION 2>/dev/null || true)"
if [[ ! "$go_version" =~ go([0-9]+)\.([0-9]+) ]]; then
  die "cannot tell the Go version ('$go_version'): Go >= 1.26 is needed"
fi
go_major="${BASH_REMATCH[1]}"
go_minor="${BASH_REMATCH[2]}"
if ((go_major < 1 || (go_major == 1 && go_minor < 26))); then
  die "$go_version is too old: Go >= 1.26 is needed"
fi
# Go 1.27 turns encoding/json v2 on by default, which breaks the apiserver's /openapi/v2.
if [[ -z "$(go env GOEXPERIMENT)" ]] && ((go_major > 1 || go_minor >= 27)); then
  export GOEXPERIMENT=nojsonv2
fi

cache_root="$(cache_root)"
bin_dir="$(k8s_bin_dir)"
# Module path of each binary (etcd comes from its own module). A cache made before a binary was
# added gets only the missing ones (the Go build cache keeps the rest cheap).
declare -A targets=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [kube-scheduler]=k8s.io/kubernetes/cmd/kube-scheduler
  [kubectl]=k8s.io/kubernetes/cmd/kubectl
  [etcd]=go.etcd.io/etcd/server/v3
)
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd)
todo=()
for b in "${binaries[@]}"; do
  [[ -x "$bin_dir/$b" ]] || todo+=("$b")
done

if ((${#todo[@]} == 0)); then
  log "Kubernetes binaries cached in $bin_dir"
else
  mkdir -p "$cache_root" "$bin_dir"
  tmp="$(mktemp -d "$cache_root/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # One binary after the other, a line each: the first compiles most of the shared packages, the
  # others mostly link (the Go build cache is shared).
  log "building Kubernetes $K8S_VERSION with $go_version: ${todo[*]} (about 8 min on 2 cores the first time, most of it for the first)"
  start=$SECONDS
  for i in "${!todo[@]}"; do
    t=$SECONDS name="${todo[i]}"
    go build -trimpath -buildvcs=false -ldflags "$(k8s_ldflags)" -o "$tmp/$name" "${targets[$name]}"
    # Each lands whole (rename), so a build cut short leaves no broken binary in the cache.
    mv -f "$tmp/$name" "$bin_dir/$name"
    left=("${todo[@]:i+1}")
    log "built $name in $((SECONDS - t)) s ($((i + 1))/${#todo[@]}, $((SECONDS - start)) s so far; left: ${left[*]:-nothing})"
  done
  log "built in $((SECONDS - start)) s into $bin_dir"
fi

if fakelet_has_sources; then
  init_state_dir
  mkdir -p "$STATE_DIR/bin"
  # Build beside the target, then rename: replacing a running binary in place would fail.
  go build -trimpath -buildvcs=false -o "$STATE_DIR/bin/.fakelet.tmp" ./fakelet
  mv -f "$STATE_DIR/bin/.fakelet.tmp" "$STATE_DIR/bin/fakelet"
  log "fakelet built into $STATE_DIR/bin/fakelet"
else
  log "warning: $CP_DIR/fakelet has no Go files yet: fakelet not built"
fi

printf '%s\n' "$bin_dir"
