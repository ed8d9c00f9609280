#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl from the pinned Go module into a
# cache outside the checkout (skipped when already there), and the fakelet into <state>/bin/.
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
binaries=(etcd kube-apiserver kube-controller-manager kubectl)

have_all_binaries() {
  local b
  for b in "${binaries[@]}"; do
    [[ -x "$bin_dir/$b" ]] || return 1
  done
}

if have_all_binaries; then
  log "Kubernetes binaries cached in $bin_dir"
else
  mkdir -p "$cache_root"
  tmp="$(mktemp -d "$cache_root/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # One binary after the other, a line each: the first compiles most of the shared packages, the
  # others mostly link (the Go build cache is shared). etcd comes from its own module.
  targets=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
    k8s.io/kubernetes/cmd/kubectl go.etcd.io/etcd/server/v3)
  names=(kube-apiserver kube-controller-manager kubectl etcd)
  log "building Kubernetes $K8S_VERSION with $go_version: ${names[*]} (about 8 min on 2 cores the first time, most of it for the first)"
  start=$SECONDS
  mkdir -p "$tmp/bin"
  for i in "${!targets[@]}"; do
    t=$SECONDS
    go build -trimpath -buildvcs=false -ldflags "$(k8s_ldflags)" -o "$tmp/bin/${names[i]}" "${targets[i]}"
    left=("${names[@]:i+1}")
    log "built ${names[i]} in $((SECONDS - t)) s ($((i + 1))/${#names[@]}, $((SECONDS - start)) s so far; left: ${left[*]:-nothing})"
  done
  mkdir -p "$(dirname "$bin_dir")"
  # An incomplete leftover (not made by this script, which renames atomically) is replaced.
  if [[ -d "$bin_dir" ]] && ! have_all_binaries; then
    rm -rf "$bin_dir"
  fi
  # mv -T fails instead of nesting when another build won the race; its result is as good.
  mv -T "$tmp/bin" "$bin_dir" 2>/dev/null || have_all_binaries || die "could not move the binaries to $bin_dir"
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
