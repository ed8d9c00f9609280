#!/usr/bin/env bash
# Builds krew (as the kubectl plugin `kubectl-krew`) and krew's manifest validator
# (`validate-krew-manifest`, the checks the krew-index runs on every plugin manifest) at the version
# pinned in go.mod, into a cache outside the checkout; skipped when already there.
# Prints the bin dir on its last line; progress goes to stderr.
set -euo pipefail

KREW_VERSION="v0.4.4"
KREW_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

export GOTOOLCHAIN=local
command -v go >/dev/null || die "go not found on PATH: Go >= 1.26 is needed to build krew"
cd "$KREW_DIR"

cache_root="${INITDOCTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/initdoctor}"
mod_hash="$(cat go.mod go.sum | sha256sum | cut -c1-12)"
bin_dir="$cache_root/krew-$KREW_VERSION-$mod_hash/bin"
binaries=(kubectl-krew validate-krew-manifest)

have_all_binaries() {
  local b
  for b in "${binaries[@]}"; do
    [[ -x "$bin_dir/$b" ]] || return 1
  done
}

if have_all_binaries; then
  log "krew $KREW_VERSION cached in $bin_dir"
else
  mkdir -p "$cache_root"
  tmp="$(mktemp -d "$cache_root/.build-krew.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "building krew $KREW_VERSION and validate-krew-manifest with $(go env GOVERSION)..."
  start=$SECONDS
  go build -trimpath -buildvcs=false -o "$tmp/bin/" \
    sigs.k8s.io/krew/cmd/krew \
    sigs.k8s.io/krew/cmd/validate-krew-manifest
  mv "$tmp/bin/krew" "$tmp/bin/kubectl-krew"
  mkdir -p "$(dirname "$bin_dir")"
  if [[ -d "$bin_dir" ]] && ! have_all_binaries; then
    rm -rf "$bin_dir"
  fi
  # mv -T fails instead of nesting when a concurrent build won the race; its result is as good.
  mv -T "$tmp/bin" "$bin_dir" 2>/dev/null || have_all_binaries || die "could not move the binaries to $bin_dir"
  log "built in $((SECONDS - start)) s into $bin_dir"
fi

printf '%s\n' "$bin_dir"
