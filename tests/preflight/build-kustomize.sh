#!/usr/bin/env bash
# Builds the real `kustomize` from its Go module at a pinned version into the shared cache
# (skipped when already there; see go-tool.sh). Prints the path of the binary on its last line.
#
# tests/e2e_preflight.rs runs it on the overlays under tests/data/preflight/kustomize/ when it
# is cached, and the test `kustomize_output_*` says how to build it when it is not.
set -euo pipefail
# shellcheck source=go-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

KUSTOMIZE_VERSION="v5.8.1"
build_go_tool kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5 \
  "-X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION"
