#!/usr/bin/env bash
# `make dist`: builds optimised, stripped release binaries for every release target whose Rust
# target is installed here, packs one archive per target into dist/ (krew/package.sh), writes
# dist/SHA256SUMS and the krew manifest krew/initdoctor.yaml (krew/generate.sh) from the archives
# present, and lists the targets that need a release runner.
#
# DIST_TARGETS (space-separated Rust targets) narrows the list, e.g. on a release runner:
#   make dist DIST_TARGETS=aarch64-apple-darwin
# then gather every runner's archive into one dist/ and run krew/generate.sh there.
set -euo pipefail

KREW_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KREW_DIR/.." && pwd)"
DIST_DIR="${DIST_DIR:-$REPO_ROOT/dist}"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Rust target, krew os, krew arch: the platforms the release ships (as in the manifest template).
# Linux releases are static musl binaries (they run on any distribution). Where the musl target is
# not installed, the glibc one after `|` packs a local archive of the same name (said on stderr).
RELEASE_TARGETS=(
  "x86_64-unknown-linux-musl|x86_64-unknown-linux-gnu linux amd64"
  "aarch64-unknown-linux-musl|aarch64-unknown-linux-gnu linux arm64"
  "x86_64-apple-darwin darwin amd64"
  "aarch64-apple-darwin darwin arm64"
  "x86_64-pc-windows-msvc windows amd64"
)

cd "$REPO_ROOT"
host="$(rustc -vV | sed -n 's/^host: //p')"
if command -v rustup >/dev/null; then
  installed="$(rustup target list --installed 2>/dev/null || printf '%s\n' "$host")"
else
  installed="$host"
fi
wanted=" ${DIST_TARGETS:-$(for t in "${RELEASE_TARGETS[@]}"; do printf '%s ' "${t%%[| ]*}"; done)} "

built=()
need_runner=()
mkdir -p "$DIST_DIR"
for entry in "${RELEASE_TARGETS[@]}"; do
  read -r targets os arch <<<"$entry"
  release="${targets%%|*}"
  [[ "$wanted" == *" $release "* ]] || continue
  target=""
  for candidate in ${targets//|/ }; do
    if grep -qx "$candidate" <<<"$installed"; then target="$candidate"; break; fi
  done
  if [[ -z "$target" ]]; then
    need_runner+=("$release ($os/$arch)")
    continue
  fi
  [[ "$target" == "$release" ]] || log "$release is not installed here: packing a $target build as $os/$arch (local use; the release builds $release)"
  log "building $target (release: optimised, stripped)..."
  start=$SECONDS
  cargo build --release --locked --target "$target"
  exe="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$target/release/kubectl-initdoctor"
  [[ "$os" == windows ]] && exe="$exe.exe"
  bash "$KREW_DIR/package.sh" "$exe" "$os" "$arch" "$DIST_DIR" >/dev/null
  built+=("$target ($os/$arch, $((SECONDS - start)) s)")
done
for target in $wanted; do
  known=0
  for entry in "${RELEASE_TARGETS[@]}"; do [[ "${entry%%[| ]*}" == "$target" ]] && known=1; done
  ((known)) || die "DIST_TARGETS names $target, which the release does not ship (see RELEASE_TARGETS)"
done

(
  cd "$DIST_DIR"
  shopt -s nullglob
  archives=(kubectl-initdoctor-*.tar.gz kubectl-initdoctor-*.zip)
  if ((${#archives[@]})); then
    if command -v sha256sum >/dev/null; then sha256sum "${archives[@]}"; else shasum -a 256 "${archives[@]}"; fi >SHA256SUMS
  fi
)
bash "$KREW_DIR/generate.sh" "$DIST_DIR" "$KREW_DIR/initdoctor.yaml"

log "built here: ${built[*]:-none}"
if ((${#need_runner[@]})); then
  log "need a release runner (Rust target not installed here): ${need_runner[*]}"
  log "  on each: make dist DIST_TARGETS=<target>; then put all archives in one dist/ and run krew/generate.sh"
fi
