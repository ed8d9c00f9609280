# Sourced by build-helm.sh and build-kustomize.sh: `build_go_tool NAME VERSION PACKAGE LDFLAGS`
# builds the real NAME from its Go module PACKAGE@VERSION into the shared cache
# ($INITDOCTOR_CACHE, else ~/.cache/initdoctor, under NAME-VERSION/bin), skipped when it is
# already there, the way tests/controlplane/build.sh caches the Kubernetes binaries. Only the Go
# module proxy is used. LDFLAGS make `NAME version` report the pinned version. Prints the path of
# the binary on its last line.

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

build_go_tool() {
  local name="$1" version="$2" package="$3" ldflags="$4"
  export GOTOOLCHAIN=local
  command -v go >/dev/null || die "go not found on PATH: Go is needed to build $name"
  local cache_root="${INITDOCTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/initdoctor}"
  local bin_dir="$cache_root/$name-$version/bin"
  if [[ -x "$bin_dir/$name" ]]; then
    log "$name $version cached in $bin_dir"
  else
    mkdir -p "$cache_root"
    tmp="$(mktemp -d "$cache_root/.$name.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    log "building $name $version with $(go env GOVERSION) (a few minutes the first time)"
    local start=$SECONDS
    GOBIN="$tmp/bin" go install -trimpath -buildvcs=false -ldflags "$ldflags" "$package@$version"
    mkdir -p "$(dirname "$bin_dir")"
    mv -T "$tmp/bin" "$bin_dir" 2>/dev/null || [[ -x "$bin_dir/$name" ]] ||
      die "could not move $name to $bin_dir"
    log "built in $((SECONDS - start)) s into $bin_dir"
  fi
  printf '%s\n' "$bin_dir/$name"
}
