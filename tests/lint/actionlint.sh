#!/usr/bin/env bash
# Checks the GitHub Actions workflows (.github/workflows/) with actionlint, built once from its Go
# module into the cache (keyed by version) and run from there. Part of `make lint`.
set -euo pipefail

VERSION=v1.7.12
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${INITDOCTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/initdoctor}/actionlint-$VERSION"
bin="$cache/bin/actionlint"
if [[ ! -x "$bin" ]]; then
  command -v go >/dev/null || { echo "actionlint.sh: error: Go is needed to build actionlint $VERSION" >&2; exit 1; }
  echo "actionlint.sh: building actionlint $VERSION (once)..." >&2
  mkdir -p "$cache/bin"
  GOBIN="$cache/bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
fi
cd "$repo"
# shellcheck and pyflakes are used when present; without them actionlint still checks the rest.
"$bin" -no-color .github/workflows/*.yml
echo "actionlint.sh: $(ls .github/workflows/*.yml | wc -l) workflow(s) clean (actionlint $VERSION)"
