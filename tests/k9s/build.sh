#!/usr/bin/env bash
# Builds k9s once from its Go module into the cache (keyed by version) and prints the binary's path.
set -euo pipefail
VERSION=v0.50.16
cache="${INITDOCTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/initdoctor}/k9s-$VERSION"
if [[ ! -x "$cache/bin/k9s" ]]; then
  echo "k9s/build.sh: building k9s $VERSION from its Go module (once)..." >&2
  mkdir -p "$cache/bin"
  GOBIN="$cache/bin" GOFLAGS=-mod=mod go install "github.com/derailed/k9s@$VERSION" >&2
fi
printf '%s\n' "$cache/bin/k9s"
