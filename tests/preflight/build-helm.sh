#!/usr/bin/env bash
# Builds the real `helm` from its Go module at a pinned version into the shared cache (skipped
# when already there; see go-tool.sh). Prints the path of the binary on its last line.
#
# It renders the charts under tests/data/preflight/ (see the README there); the tests read the
# committed output, so they never need helm.
set -euo pipefail
# shellcheck source=go-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

HELM_VERSION="v3.22.0"
build_go_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm \
  "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
