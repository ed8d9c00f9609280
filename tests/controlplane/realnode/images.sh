#!/usr/bin/env bash
# Builds the real node's images offline from Debian packages into OCI archives in DIR (default
# <state>/realnode/images), each under the name of what it contains:
#   docker.io/library/busybox:1.35   Debian's busybox-static, checked to be 1.35.x: `sh` and every
#                                    applet (nslookup, nc, wget, ...) are busybox's
#   docker.io/tutum/dnsutils:latest  the image seed 001 uses, as the real one (Ubuntu with dash and
#                                    bind's tools): Debian's dash as /bin/sh, bind9-dnsutils
#                                    (nslookup, dig, host), coreutils, grep and sed, with the
#                                    libraries they load; no busybox
#   localhost/initdoctor/iptables:v1 Debian's iptables (nft backend, its extensions) and dash as
#                                    /bin/sh, with the libraries they load: what a mesh's
#                                    redirecting init container (istio-init, linkerd-init) runs
#   localhost/initdoctor/pause:v1    the static pause built by build.sh (the sandbox image)
# Skipped when DIR already holds archives made from the same package versions.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin_dir="$1"
out="${2:-$RN_STATE/images}"
busybox=/bin/busybox
packages=(busybox-static bind9-dnsutils dash coreutils grep sed iptables)
for pkg in "${packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == *"ok installed"* ]] ||
    die "Debian package $pkg is missing (tests/controlplane/deps.sh installs it), or set REAL_NODE=0"
done
versions="$(dpkg-query -W "${packages[@]}" | tr '\t' ' '; sha256sum "$bin_dir/pause" "$RN_DIR/mkimage.py" "$0" | cut -c1-16)"
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

# A merged-/usr root (/bin, /lib, /lib64 and /sbin link to usr/) with Debian's dash as /bin/sh,
# the files named on stdin (executables and shared objects) and the shared libraries they load
# (ldd), the dynamic loader included. dash runs what PATH finds, so in the dnsutils image
# `sh -c 'nslookup x'` is bind's nslookup.
debian_root() {
  local root="$1" d f lib
  mkdir -p "$root"/{etc,tmp,proc,sys,dev,root,run,var,usr/bin,usr/sbin,usr/lib,usr/lib64}
  for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  # A host path as the image sees it: /bin/x is usr/bin/x.
  under_usr() { case "$1" in /usr/*) printf '%s' "$1" ;; *) printf '/usr%s' "$1" ;; esac; }
  { cat; printf '%s\n' /bin/dash; } | sort -u | while read -r f; do
    [[ -f "$f" ]] || continue
    mkdir -p "$root$(dirname "$(under_usr "$f")")"
    # A link (an iptables extension named after another) is copied as a link.
    if [[ -L "$f" ]]; then cp -P "$f" "$root$(under_usr "$f")"; continue; fi
    cp "$f" "$root$(under_usr "$f")"
    # (scripts such as egrep are not dynamic executables: nothing to add)
    { ldd "$f" 2>/dev/null || true; } | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'
  done | sort -u >"$work/libs"
  while read -r lib; do
    mkdir -p "$root$(dirname "$(under_usr "$lib")")"
    cp -L "$lib" "$root$(under_usr "$lib")"
  done <"$work/libs"
  ln -s dash "$root/usr/bin/sh"
}
{
  dpkg -L coreutils grep sed | grep -E '^(/usr)?/s?bin/[^/]+$'
  printf '%s\n' /usr/bin/nslookup /usr/bin/dig /usr/bin/host
} | debian_root "$work/dnsutils"
[[ ! -e "$work/dnsutils/usr/bin/busybox" && "$(readlink "$work/dnsutils/usr/bin/sh")" == dash ]] ||
  die "the dnsutils image must run dash as sh, not busybox"
python3 "$RN_DIR/mkimage.py" "$out/dnsutils.tar" docker.io/tutum/dnsutils:latest "$work/dnsutils" '[]' '["sh"]' >&2

# iptables: the nft flavour of Debian's iptables (xtables-nft-multi, named iptables as Debian's
# alternatives choose by default) and every extension of the package, for a mesh's redirect.
{
  printf '%s\n' /usr/sbin/xtables-nft-multi
  dpkg -L iptables | grep -E '/xtables/[^/]+\.so$'
} | debian_root "$work/iptables"
for name in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -s xtables-nft-multi "$work/iptables/usr/sbin/$name"
done
python3 "$RN_DIR/mkimage.py" "$out/iptables.tar" localhost/initdoctor/iptables:v1 "$work/iptables" '[]' '["sh"]' >&2

mkdir -p "$work/pause"/{etc,proc,sys,dev}
cp "$bin_dir/pause" "$work/pause/pause"
python3 "$RN_DIR/mkimage.py" "$out/pause.tar" "$RN_PAUSE_IMAGE" "$work/pause" '["/pause"]' '[]' >&2

printf '%s\n' "$versions" >"$out/versions"
log "images built in $out"
