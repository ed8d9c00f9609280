#!/usr/bin/env bash
# Builds the real `kustomize` from its Go module at a pinned version into the shared cache
# (skipped when already there), as build-helm.sh does for helm. Only the Go module proxy is used.
# Prints the path of the binary on its last line.
#
# tests/e2e_preflight.rs runs it on the overlays under tests/data/preflight/kustomize/ when it
# is cached, and the test `kustomize_output_*` says how to build it when it is not.
set -euo pipefail

KUSTOMIZE_VERSION="v5.8.1"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

export GOTOOLCHAIN=local
command -v go >/dev/null || die "go not found on PATH: Go is needed to build kustomize"

cache_root="${INITDOCTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/initdoctor}"
bin_dir="$cache_root/kustomize-$KUSTOMIZE_VERSION/bin"

if [[ -x "$bin_dir/kustomize" ]]; then
  log "kustomize $KUSTOMIZE_VERSION cached in $bin_dir"
else
  mkdir -p "$cache_root"
  tmp="$(mktemp -d "$cache_root/.kustomize.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "building kustomize $KUSTOMIZE_VERSION with $(go env GOVERSION) (a few minutes the first time)"
  start=$SECONDS
  # `kustomize version` reports the pinned version (without it: the module's default).
  GOBIN="$tmp/bin" go install -trimpath -buildvcs=false \
    -ldflags "-X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION" \
    "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  mkdir -p "$(dirname "$bin_dir")"
  mv -T "$tmp/bin" "$bin_dir" 2>/dev/null || [[ -x "$bin_dir/kustomize" ]] || die "could not move kustomize to $bin_dir"
  log "built in $((SECONDS - start)) s into $bin_dir"
fi

printf '%s\n' "$bin_dir/kustomize"
