#!/usr/bin/env bash
# make bench: speed and memory of kubectl-initdoctor as ratios against kubectl, on the same local
# control plane in the same run. Never a pass/fail gate: it prints a table.
#
#   one pod:  `kubectl initdoctor explain POD -o json`
#             vs what a person runs by hand: `kubectl get pod`, `kubectl get events`, `kubectl logs`
#   many:     `kubectl initdoctor explain -A -o json` over $BENCH_PODS pods
#             vs `kubectl get pods -A -o json`
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${INITDOCTOR_STATE_DIR:-$root/.cluster}"
# shellcheck disable=SC1091
source "$state/env"
export KUBECONFIG
runs="${BENCH_RUNS:-15}"
pods="${BENCH_PODS:-200}"
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
(cd "$root" && cargo build --release --quiet)
bin="$target_dir/release/kubectl-initdoctor"
kubectl="$INITDOCTOR_BIN_DIR/kubectl"
ns=initdoctor-bench

# The workload: $pods pods stuck in init, with a status as a kubelet would write it.
if ! "$kubectl" get namespace "$ns" >/dev/null 2>&1; then
  "$kubectl" create namespace "$ns" >/dev/null
  for _ in $(seq 50); do "$kubectl" -n "$ns" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
fi
have="$("$kubectl" -n "$ns" get pods --no-headers 2>/dev/null | wc -l)"
if ((have < pods)); then
  echo "bench: creating $((pods - have)) pods in $ns..." >&2
  for i in $(seq "$have" $((pods - 1))); do
    cat <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: bench-$i, labels: {app: bench}}
spec:
  nodeName: $INITDOCTOR_NODE
  initContainers:
  - {name: wait-db, image: busybox:1.28, command: ['sh', '-c', 'until nslookup db; do sleep 2; done']}
  containers:
  - {name: app, image: nginx:1.27}
YAML
  done | "$kubectl" -n "$ns" apply -f - >/dev/null
  status='{"status":{"phase":"Pending","conditions":[{"type":"Initialized","status":"False"}],"initContainerStatuses":[{"name":"wait-db","image":"busybox:1.28","imageID":"","ready":false,"restartCount":0,"state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}]}}'
  for i in $(seq 0 $((pods - 1))); do
    "$kubectl" -n "$ns" patch pod "bench-$i" --subresource=status --type=merge -p "$status" >/dev/null &
    (((i + 1) % 20 == 0)) && wait
  done
  wait
fi
mkdir -p "$INITDOCTOR_CONTAINER_LOGS/$ns/bench-0"
printf 'nslookup: can'"'"'t resolve '"'"'db'"'"'\n' >"$INITDOCTOR_CONTAINER_LOGS/$ns/bench-0/wait-db"

# measure NAME COMMAND...: median wall milliseconds and median max RSS (KiB) over $runs runs.
measure() {
  local name="$1" i start end rss
  shift
  local walls=() rsses=()
  # /usr/bin/time reports the peak RSS of the process it runs (for the by-hand script, its largest child).
  "$@" >/dev/null 2>&1 || true # warm-up
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$rss_file" "$@" >/dev/null 2>&1 || true
    rss="$(tail -n 1 "$rss_file")"
    end=$(date +%s%N)
    walls+=($(((end - start) / 1000000)))
    rsses+=("$rss")
  done
  printf '%s %s %s\n' "$name" "$(median "${walls[@]}")" "$(median "${rsses[@]}")"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# A shell function cannot be timed by /usr/bin/time: the by-hand sequence is a script.
by_hand="$(mktemp)"
rss_file="$(mktemp)"
trap 'rm -f "$by_hand" "$rss_file"' EXIT
cat >"$by_hand" <<SH
#!/usr/bin/env bash
"$kubectl" -n $ns get pod bench-0 -o json >/dev/null
"$kubectl" -n $ns get events --field-selector involvedObject.name=bench-0 >/dev/null
"$kubectl" -n $ns logs bench-0 -c wait-db --tail=20 >/dev/null
SH
chmod +x "$by_hand"

results="$(
  measure "initdoctor-one" "$bin" -n "$ns" explain bench-0 -o json
  measure "kubectl-by-hand" "$by_hand"
  measure "kubectl-get-one" "$kubectl" -n "$ns" get pod bench-0 -o json
  measure "initdoctor-all" "$bin" explain -A -o json
  measure "kubectl-get-all" "$kubectl" get pods -A -o json
)"

echo "kubectl-initdoctor vs kubectl v1.37.2 on the local control plane ($pods pods, median of $runs runs)"
echo "$results" | awk '
  { wall[$1] = $2; rss[$1] = $3 }
  END {
    printf "%-44s %10s %10s\n", "command", "wall ms", "max RSS KiB"
    split("initdoctor-one kubectl-by-hand kubectl-get-one initdoctor-all kubectl-get-all", order, " ")
    for (i = 1; i <= 5; i++) printf "%-44s %10d %10d\n", order[i], wall[order[i]], rss[order[i]]
    printf "\nratios (initdoctor / kubectl; below 1 means initdoctor is cheaper)\n"
    printf "  explain one pod vs get+events+logs by hand:  time %.2f  memory %.2f\n", wall["initdoctor-one"] / wall["kubectl-by-hand"], rss["initdoctor-one"] / rss["kubectl-by-hand"]
    printf "  explain one pod vs kubectl get pod:           time %.2f  memory %.2f\n", wall["initdoctor-one"] / wall["kubectl-get-one"], rss["initdoctor-one"] / rss["kubectl-get-one"]
    printf "  explain -A vs kubectl get pods -A:             time %.2f  memory %.2f\n", wall["initdoctor-all"] / wall["kubectl-get-all"], rss["initdoctor-all"] / rss["kubectl-get-all"]
  }'
