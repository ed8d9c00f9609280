#!/usr/bin/env bash
# Packs one release archive, as krew installs it and as the template names it:
#   kubectl-initdoctor-v<version>-<os>-<arch>.tar.gz (.zip for windows), holding the binary,
#   LICENSE and (except on windows) kubectl_complete-initdoctor, at the top level.
# The archive is reproducible: sorted entries, owner 0, mtimes from SOURCE_DATE_EPOCH (default:
# the last commit's time), gzip without name or time.
#
#   krew/package.sh BINARY OS ARCH OUT_DIR     (prints the archive's path)
#
# DIST_GZIP_LEVEL sets the gzip level (default 9).
set -euo pipefail

KREW_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KREW_DIR/.." && pwd)"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 4 ]] || die "usage: package.sh BINARY OS ARCH OUT_DIR"
binary="$1" os="$2" arch="$3" out_dir="$4"
[[ -x "$binary" ]] || die "$binary is not an executable file"

version="$(awk '/^\[/ { p = ($0 == "[package]") } p && $1 == "version" { gsub(/"/, "", $3); print $3; exit }' "$REPO_ROOT/Cargo.toml")"
[[ -n "$version" ]] || die "no version in Cargo.toml"
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || echo 0)}"
level="${DIST_GZIP_LEVEL:-9}"

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

name="kubectl-initdoctor-v$version-$os-$arch"
if [[ "$os" == windows ]]; then
  files=(LICENSE kubectl-initdoctor.exe)
  cp "$binary" "$stage/kubectl-initdoctor.exe"
else
  files=(LICENSE kubectl-initdoctor kubectl_complete-initdoctor)
  cp "$binary" "$stage/kubectl-initdoctor"
  cp "$REPO_ROOT/completions/kubectl_complete-initdoctor" "$stage/"
fi
cp "$REPO_ROOT/LICENSE" "$stage/"
chmod 0644 "$stage/LICENSE"
for f in "${files[@]}"; do
  [[ "$f" == LICENSE ]] || chmod 0755 "$stage/$f"
  touch -d "@$epoch" "$stage/$f" 2>/dev/null || touch -t "$(date -u -r "$epoch" +%Y%m%d%H%M.%S)" "$stage/$f"
done

if [[ "$os" == windows ]]; then
  archive="$out_dir/$name.zip"
  command -v zip >/dev/null || die "zip is needed to pack the windows archive"
  rm -f "$archive"
  (cd "$stage" && TZ=UTC zip -q -X -9 "$archive" "${files[@]}")
else
  archive="$out_dir/$name.tar.gz"
  if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
      --format=ustar -cf - "${files[@]}"
  else
    tar -C "$stage" --uid 0 --gid 0 --format=ustar -cf - "${files[@]}"
  fi | gzip -n "-$level" >"$archive.tmp"
  mv -f "$archive.tmp" "$archive"
fi
log "packed $archive"
printf '%s\n' "$archive"
