#!/usr/bin/env bash
# The Debian packages `make test`, `make demo`, `make cluster-up` and `.ci/run` need, checked
# before anything is built: as root, the missing ones are installed (one `apt-get update`, then
# `apt-get install`); otherwise the exact command is printed and the script exits 1.
#   the control plane: openssl, curl, util-linux (flock, setsid), coreutils, python3, zip, unzip
#   the real node (unless REAL_NODE=0): runc, iptables, iproute2, and what its images are made
#   of: busybox-static, bind9-dnsutils, dash (see realnode/README.md); tmux (a real terminal for
#   `debug -it`: tests/e2e_debug_terminal.rs)
# Go (>= 1.26) and cargo are not Debian packages here: a missing one is named, exit 1 (`.ci/run`
# bootstraps Go after `deps.sh --packages`). DEPS_DRY_RUN=1 prints what would be installed and changes nothing.
set -euo pipefail

base=() node=()
missing() { # ARRAY PACKAGE...: appends the packages that are not installed to ARRAY
  local -n into="$1"
  local pkg
  shift
  for pkg in "$@"; do
    [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == *"ok installed"* ]] || into+=("$pkg")
  done
}

command -v dpkg-query >/dev/null || {
  echo "deps.sh: error: not a Debian system (no dpkg-query): install by hand openssl curl util-linux coreutils python3 zip unzip, and for the real node runc iptables iproute2 busybox-static bind9-dnsutils dash tmux" >&2
  exit 1
}
missing base openssl curl util-linux coreutils python3 zip unzip
[[ "${REAL_NODE:-1}" == 0 ]] || missing node runc iptables iproute2 busybox-static bind9-dnsutils dash tmux
need=("${base[@]}" "${node[@]}")

if ((${#need[@]} > 0)); then
  cmd="apt-get update && apt-get install -y ${need[*]}"
  if [[ "${DEPS_DRY_RUN:-0}" == 1 ]]; then
    echo "deps.sh: would run: $cmd"
  elif ((EUID != 0)); then
    echo "deps.sh: error: missing Debian packages; as root run: $cmd" >&2
    if ((${#node[@]} > 0)); then
      echo "deps.sh: (the real node needs root anyway; REAL_NODE=0 needs only: ${base[*]:-nothing more})" >&2
    fi
    exit 1
  else
    echo "deps.sh: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

# Toolchains, unless --packages (.ci/run bootstraps Go after the packages).
[[ "${1:-}" == --packages ]] && exit 0
errors=()
[[ "$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null)" =~ ^go1\.(2[6-9]|[3-9][0-9]) ]] ||
  errors+=("Go >= 1.26 is missing from PATH (bash .ci/run bootstraps it from Debian's golang-go)")
command -v cargo >/dev/null || errors+=("cargo is missing from PATH (Rust >= 1.89)")
for e in "${errors[@]}"; do echo "deps.sh: error: $e" >&2; done
((${#errors[@]} == 0))
