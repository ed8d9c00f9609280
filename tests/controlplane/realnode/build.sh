#!/usr/bin/env bash
# Builds what the real node runs, pinned and cached outside the checkout (skipped when cached):
#   kubelet, kube-proxy   from k8s.io/kubernetes (the control plane's module, same version and ldflags)
#   containerd, containerd-shim-runc-v2, ctr   containerd CONTAINERD_VERSION
#   cni/{bridge,host-local,loopback,portmap}   CNI plugins CNI_VERSION
#   coredns          ./coredns: CoreDNS with the kubernetes and template plugins, no forward
#   pause            ./pause: a static sandbox process
#   local-path-provisioner   rancher's, LOCAL_PATH_VERSION, from its module
# One progress line per binary (elapsed time, what is left). Prints the bin dir on its last line.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The kubelet is built as the control plane is (same cgo setting: its packages come from the Go
# build cache); the others are static.
export GOTOOLCHAIN=local
command -v go >/dev/null || die "go not found on PATH: Go >= 1.26 builds the real node"

k8s_bin="$(k8s_bin_dir)"
bin_dir="$(realnode_bin_dir)"
start=$SECONDS

# The kubelet lives beside the control plane's binaries: same module, same key.
todo=()
[[ -x "$k8s_bin/kubelet" ]] || todo+=(kubelet)
[[ -x "$k8s_bin/kube-proxy" ]] || todo+=(kube-proxy)
[[ -x "$bin_dir/containerd" && -x "$bin_dir/containerd-shim-runc-v2" && -x "$bin_dir/ctr" ]] || todo+=(containerd)
[[ -x "$bin_dir/cni/bridge" && -x "$bin_dir/cni/host-local" && -x "$bin_dir/cni/loopback" && -x "$bin_dir/cni/portmap" ]] || todo+=(cni)
[[ -x "$bin_dir/coredns" ]] || todo+=(coredns)
[[ -x "$bin_dir/pause" ]] || todo+=(pause)
[[ -x "$bin_dir/local-path-provisioner" ]] || todo+=(local-path-provisioner)

# Only the Kubernetes ones missing: they go beside the control plane's binaries.
if [[ " ${todo[*]} " != *" containerd "* && " ${todo[*]} " != *" cni "* && " ${todo[*]} " != *" coredns "* &&
  " ${todo[*]} " != *" pause "* && " ${todo[*]} " != *" local-path-provisioner "* && ${#todo[@]} -gt 0 ]]; then
  for name in "${todo[@]}"; do
    t=$SECONDS
    log "building $name..."
    (cd "$CP_DIR" && go build -trimpath -buildvcs=false -ldflags "$(k8s_ldflags)" \
      -o "$k8s_bin/.$name.tmp" "k8s.io/kubernetes/cmd/$name")
    mv -f "$k8s_bin/.$name.tmp" "$k8s_bin/$name"
    log "built $name in $((SECONDS - t)) s"
  done
  todo=()
fi
if ((${#todo[@]} == 0)); then
  log "real node binaries cached in $bin_dir"
  printf '%s\n' "$bin_dir"
  exit 0
fi

mkdir -p "$(dirname "$bin_dir")"
tmp="$(mktemp -d "$(dirname "$bin_dir")/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# Start from what is already cached, so a partial cache is completed, not rebuilt.
if [[ -d "$bin_dir" ]]; then cp -a "$bin_dir/." "$tmp/"; fi
mkdir -p "$tmp/cni"

# Module sources (read-only in the module cache; go build writes nothing there). Downloaded in
# parallel with the first build.
module_dir() { go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }
if [[ " ${todo[*]} " == *" containerd "* || " ${todo[*]} " == *" cni "* || " ${todo[*]} " == *" local-path-provisioner "* ]]; then
  (module_dir "github.com/containerd/containerd/v2@$CONTAINERD_VERSION" >"$tmp/containerd.dir" &&
    module_dir "github.com/containernetworking/plugins@$CNI_VERSION" >"$tmp/cni.dir" &&
    module_dir "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION" >"$tmp/local-path.dir") \
    >"$tmp/download.log" 2>&1 &
  download_pid=$!
fi
(cd "$RN_DIR/coredns" && go mod download) >"$tmp/coredns-download.log" 2>&1 &
coredns_download_pid=$!

done_count=0
total=${#todo[@]}
progress() { # NAME SECONDS_TAKEN
  done_count=$((done_count + 1))
  local left=("${todo[@]:done_count}")
  log "built $1 in $2 s ($done_count/$total, $((SECONDS - start)) s so far; left: ${left[*]:-nothing})"
}

build_one() {
  local name="$1" t=$SECONDS
  log "building $name ($((done_count + 1))/$total)..."
  case "$name" in
    kubelet | kube-proxy)
      (cd "$CP_DIR" && go build -trimpath -buildvcs=false -ldflags "$(k8s_ldflags)" \
        -o "$tmp/$name" "k8s.io/kubernetes/cmd/$name")
      ;;
    containerd)
      wait "$download_pid" || { cat "$tmp/download.log" >&2; die "could not download containerd"; }
      local src tags ldf
      src="$(cat "$tmp/containerd.dir")"
      tags="no_btrfs no_devmapper no_zfs urfave_cli_no_docs osusergo netgo"
      ldf="-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
      ldf+=" -X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2"
      (cd "$src" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags "$tags" -ldflags "$ldf" \
        -o "$tmp/" ./cmd/containerd ./cmd/ctr &&
        CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags "$tags no_grpc" -ldflags "$ldf" \
          -o "$tmp/" ./cmd/containerd-shim-runc-v2)
      ;;
    cni)
      wait "$download_pid" 2>/dev/null || true
      [[ -s "$tmp/cni.dir" ]] || { cat "$tmp/download.log" >&2; die "could not download the CNI plugins"; }
      local src
      src="$(cat "$tmp/cni.dir")"
      (cd "$src" && CGO_ENABLED=0 go build -trimpath -buildvcs=false \
        -ldflags "-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_VERSION" \
        -o "$tmp/cni/" ./plugins/main/bridge ./plugins/ipam/host-local ./plugins/main/loopback \
        ./plugins/meta/portmap)
      ;;
    coredns)
      wait "$coredns_download_pid" || { cat "$tmp/coredns-download.log" >&2; die "could not download CoreDNS"; }
      (cd "$RN_DIR/coredns" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$tmp/coredns" .)
      ;;
    pause)
      (cd "$RN_DIR/pause" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp/pause" .)
      ;;
    local-path-provisioner)
      wait "$download_pid" 2>/dev/null || true
      [[ -s "$tmp/local-path.dir" ]] || { cat "$tmp/download.log" >&2; die "could not download the local-path-provisioner"; }
      (cd "$(cat "$tmp/local-path.dir")" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -mod=mod \
        -o "$tmp/local-path-provisioner" .)
      ;;
  esac
  progress "$name" $((SECONDS - t))
}

log "building the real node: ${todo[*]} (a first build takes about 6 min on 2 cores)"
for name in "${todo[@]}"; do
  build_one "$name"
done

for name in kubelet kube-proxy; do
  if [[ " ${todo[*]} " == *" $name "* ]]; then mv -f "$tmp/$name" "$k8s_bin/$name"; fi
done
rm -f "$tmp"/*.dir "$tmp"/*.log
rm -rf "$bin_dir.old"
[[ -d "$bin_dir" ]] && mv "$bin_dir" "$bin_dir.old"
mv -T "$tmp" "$bin_dir"
rm -rf "$bin_dir.old"
trap - EXIT
log "real node built in $((SECONDS - start)) s into $bin_dir"
printf '%s\n' "$bin_dir"
