#!/usr/bin/env bash
# Builds the real `helm` from its Go module at a pinned version into the shared cache (skipped
# when already there), the way tests/controlplane/build.sh caches the Kubernetes binaries. Only
# the Go module proxy is used. Prints the path of the binary on its last line.
#
# It renders the charts under tests/data/preflight/ (see the README there); the tests read the
# committed output, so they never need helm.
set -euo pipefail

HELM_VERSION="v3.22.0"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

export GOTOOLCHAIN=local
command -v go >/dev/null || die "go not found on PATH: Go is needed to build helm"

cache_root="${INITDOCTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/initdoctor}"
bin_dir="$cache_root/helm-$HELM_VERSION/bin"

if [[ -x "$bin_dir/helm" ]]; then
  log "helm $HELM_VERSION cached in $bin_dir"
else
  mkdir -p "$cache_root"
  tmp="$(mktemp -d "$cache_root/.helm.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "building helm $HELM_VERSION with $(go env GOVERSION) (a few minutes the first time)"
  start=$SECONDS
  # `helm version` reports the pinned version (without it: the module's default).
  GOBIN="$tmp/bin" go install -trimpath -buildvcs=false \
    -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mkdir -p "$(dirname "$bin_dir")"
  mv -T "$tmp/bin" "$bin_dir" 2>/dev/null || [[ -x "$bin_dir/helm" ]] || die "could not move helm to $bin_dir"
  log "built in $((SECONDS - start)) s into $bin_dir"
fi

printf '%s\n' "$bin_dir/helm"
