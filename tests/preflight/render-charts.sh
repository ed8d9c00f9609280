#!/usr/bin/env bash
# Renders the public charts under tests/data/preflight/ with the real helm (tests/preflight/
# build-helm.sh), from a local checkout of github.com/bitnami/charts whose commit the README
# there names. The charts' dependencies are in the same repository: they are vendored into
# each chart's charts/ from the checkout (what `helm dependency build` would download).
#
#   tests/preflight/render-charts.sh /path/to/bitnami-charts-checkout
#
# Each line of CHARTS below: the chart, the name of the rendered file, then the extra helm
# arguments (`-old-host`: the dependency disabled, its external host left at the release's old
# name, as users who turn a bundled database off do). The exact command is written at the top of
# each rendered file.
set -euo pipefail
set -o noglob # `--set hosts[0]=…` is not a glob

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 1 && -d "$1/bitnami" ]] || die "usage: $0 BITNAMI_CHARTS_CHECKOUT"
src="$(cd "$1" && pwd)/bitnami"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../data/preflight/charts"
helm="$(bash "$here/build-helm.sh" | tail -n 1)"
RELEASE=myrel
NAMESPACE=shop

CHARTS=(
  "milvus milvus"
  "milvus milvus-no-kafka --set kafka.enabled=false"
  "zipkin zipkin"
  "zipkin zipkin-no-cassandra --set cassandra.enabled=false"
  "mlflow mlflow"
  "mlflow mlflow-no-postgresql --set postgresql.enabled=false --set tracking.auth.enabled=false --set externalDatabase.host=myrel-postgresql"
  "argo-cd argo-cd"
  "argo-cd argo-cd-no-redis --set redis.enabled=false --set externalRedis.host=myrel-redis-master"
  "jupyterhub jupyterhub"
  "jupyterhub jupyterhub-no-postgresql --set postgresql.enabled=false"
  "apisix apisix"
  "apisix apisix-no-etcd --set etcd.enabled=false"
  "apisix apisix-no-etcd-old-host --set etcd.enabled=false --set externalEtcd.servers[0]=myrel-etcd"
  "nessie nessie"
  "nessie nessie-no-postgresql --set postgresql.enabled=false"
  "seaweedfs seaweedfs"
  "seaweedfs seaweedfs-no-mariadb --set mariadb.enabled=false"
  "appsmith appsmith"
  "appsmith appsmith-no-mongodb --set mongodb.enabled=false"
  "appsmith appsmith-no-mongodb-old-host --set mongodb.enabled=false --set externalDatabase.hosts[0]=myrel-mongodb"
  "mastodon mastodon --set webDomain=mastodon.example"
  "mastodon mastodon-no-redis --set webDomain=mastodon.example --set redis.enabled=false --set externalRedis.host=myrel-redis-master"
  "dremio dremio"
  "dremio dremio-no-zookeeper --set zookeeper.enabled=false"
  "dremio dremio-no-zookeeper-old-host --set zookeeper.enabled=false --set externalZookeeper.servers[0]=myrel-zookeeper"
  "jaeger jaeger"
  "jaeger jaeger-no-cassandra --set cassandra.enabled=false"
)

# vendor CHART_DIR: copy each dependency of the chart (and theirs) from the checkout.
vendor() {
  local dir="$1" dep
  for dep in $(awk '/^dependencies:/{d=1;next} /^[a-z]/{d=0} d && $1=="name:"{print $2} d && $1=="-" && $2=="name:"{print $3}' "$dir/Chart.yaml"); do
    [[ -d "$src/$dep" ]] || die "dependency $dep of $dir is not in the checkout"
    if [[ ! -d "$dir/charts/$dep" ]]; then
      mkdir -p "$dir/charts"
      cp -r "$src/$dep" "$dir/charts/$dep"
      vendor "$dir/charts/$dep"
    fi
  done
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
for line in "${CHARTS[@]}"; do
  read -r chart file extra <<<"$line"
  if [[ ! -d "$work/$chart" ]]; then
    cp -r "$src/$chart" "$work/$chart"
    rm -f "$work/$chart/Chart.lock"
    vendor "$work/$chart"
  fi
  version="$(awk '/^version:/{print $2; exit}' "$src/$chart/Chart.yaml")"
  # shellcheck disable=SC2086 # $extra is words on purpose
  cmd="helm template $RELEASE bitnami/$chart --version $version --namespace $NAMESPACE${extra:+ $extra}"
  log "$cmd"
  {
    printf '# %s\n' "$cmd"
    (cd "$work" && "$helm" template "$RELEASE" "./$chart" --namespace "$NAMESPACE" $extra)
  } | gzip -9 -n >"$out/$file.yaml.gz"
done
log "rendered ${#CHARTS[@]} files into $out (gzip: read them with zcat)"
