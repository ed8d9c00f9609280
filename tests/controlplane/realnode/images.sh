#!/usr/bin/env bash
# Builds the real node's images offline from Debian packages into OCI archives in DIR (default
# <state>/realnode/images), each under the name of what it contains:
#   docker.io/library/busybox:1.35   Debian's busybox-static, checked to be 1.35.x
#   docker.io/tutum/dnsutils:latest  the image seed 001 uses: Debian's bind9-dnsutils (nslookup, dig,
#                                    host: they follow the resolv.conf search path) and busybox's sh
#   localhost/initdoctor/pause:v1    the static pause built by build.sh (the sandbox image)
# Skipped when DIR already holds archives made from the same package versions.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin_dir="$1"
out="${2:-$RN_STATE/images}"
busybox=/bin/busybox
for pkg in busybox-static bind9-dnsutils; do
  [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == *"ok installed"* ]] ||
    die "Debian package $pkg is missing (apt-get install busybox-static bind9-dnsutils), or set REAL_NODE=0"
done
versions="$(dpkg-query -W busybox-static bind9-dnsutils | tr '\t' ' '; sha256sum "$bin_dir/pause" "$RN_DIR/mkimage.py" "$0" | cut -c1-16)"
if [[ -f "$out/versions" && "$(cat "$out/versions")" == "$versions" ]]; then
  log "images up to date in $out"
  exit 0
fi
bb_version="$("$busybox" 2>&1 | sed -n '1s/^BusyBox v\([0-9.]*\).*/\1/p')"
[[ "$bb_version" == 1.35.* ]] || die "Debian's busybox is $bb_version, not 1.35.x: the image busybox:1.35 would lie about its contents"

rm -rf "$out"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A busybox root filesystem: the binary, its applets as links, users, /tmp.
busybox_root() {
  local root="$1" applet
  mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,root,var,usr/bin}
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [[ "$applet" == busybox || -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
}

busybox_root "$work/busybox"
python3 "$RN_DIR/mkimage.py" "$out/busybox.tar" docker.io/library/busybox:1.35 "$work/busybox" '[]' '["sh"]' >&2

# dnsutils: bind9's tools with the shared libraries they load, over busybox for the shell.
busybox_root "$work/dnsutils"
rm -f "$work/dnsutils/bin/nslookup" "$work/dnsutils/usr/bin/nslookup"
for tool in nslookup dig host; do
  cp "/usr/bin/$tool" "$work/dnsutils/usr/bin/$tool"
  ldd "/usr/bin/$tool" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'
done | sort -u | while read -r lib; do
  mkdir -p "$work/dnsutils$(dirname "$lib")"
  cp -L "$lib" "$work/dnsutils$lib"
done
# The dynamic loader under the path the binaries name.
loader="$(readelf -l /usr/bin/nslookup | sed -n 's/.*interpreter: \(.*\)\]/\1/p')"
mkdir -p "$work/dnsutils$(dirname "$loader")"
cp -L "$loader" "$work/dnsutils$loader"
python3 "$RN_DIR/mkimage.py" "$out/dnsutils.tar" docker.io/tutum/dnsutils:latest "$work/dnsutils" '[]' '["sh"]' >&2

mkdir -p "$work/pause"/{etc,proc,sys,dev}
cp "$bin_dir/pause" "$work/pause/pause"
python3 "$RN_DIR/mkimage.py" "$out/pause.tar" "$RN_PAUSE_IMAGE" "$work/pause" '["/pause"]' '[]' >&2

printf '%s\n' "$versions" >"$out/versions"
log "images built in $out"
