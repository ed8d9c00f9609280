#!/usr/bin/env bash
# make bench: speed and memory of kubectl-initdoctor as ratios against kubectl, on the same local
# control plane in the same run. Never a pass/fail gate: it prints a table.
#
# For each size N of $BENCH_SIZES (default "500 5000"; "500 5000 20000" adds the large case;
# empty: only the logs) a namespace initdoctor-bench-v2-N holds N pods: a tenth blocked in init
# (blocked-0 waits on Service db with a wrong port: the easy case; every other one on one of
# five Services ghost-0…4 whose selector {app: ghost-K, tier: backend} matches no pod: the hard
# case, where the closest label sets are looked for among the pods that share `tier=backend`),
# three Ready pods backing db, the rest Running and initialized (labels app=filler,
# tier=backend). The workload is built
# through the API directly (one curl process per batch of requests, through `kubectl proxy` on
# loopback), not one kubectl per object, and kept for the next run. With BENCH_ALONE=1 (the
# default) the other sizes' namespaces are deleted first, so that `-A` reads N pods (plus the
# logs workload's one); BENCH_ALONE=0 keeps them (faster reruns; `-A` then reads them all: the
# table says how many).
#
#   one pod:  `kubectl initdoctor explain blocked-0 -n NS -o json` (easy) and `explain blocked-1`
#             (hard: its Service has no endpoints) vs `kubectl get pod blocked-0 -o json`
#   many:     `kubectl initdoctor explain -n NS -o json` (every blocked pod of the N)
#             vs `kubectl get pods -n NS -o json`
#   all:      `kubectl initdoctor explain -A -o json` vs `kubectl get pods -A -o json`
#   logs:     a running init container whose log holds 200 MB (2,000,000 lines of 100 bytes,
#             BENCH_LOG_MB to change): `logs POD -c C` vs `kubectl logs POD -c C` (time, peak
#             memory), and `logs -f` vs `kubectl logs -f` on the same stream, until its last
#             byte has reached the reader (lines per second). BENCH_LOG_MB=0 leaves it out.
# BENCH_RUNS (default 7; 3 from 20,000 pods) runs per command, the median reported;
# BENCH_BUILD_ONLY=1 builds the workloads and stops.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${INITDOCTOR_STATE_DIR:-$root/.cluster}"
# shellcheck disable=SC1091
source "$state/env"
export KUBECONFIG
runs="${BENCH_RUNS:-7}"
sizes="${BENCH_SIZES-500 5000}"
alone="${BENCH_ALONE:-1}"
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
(cd "$root" && cargo build --release --quiet)
bin="$target_dir/release/kubectl-initdoctor"
kubectl="$INITDOCTOR_BIN_DIR/kubectl"
work="$(mktemp -d)"
proxy_pid=""
cleanup() {
  [[ -n "$proxy_pid" ]] && kill "$proxy_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# kubectl proxy on a free loopback port: curl reaches the API through it without credentials.
"$kubectl" proxy --address=127.0.0.1 --port=0 >"$work/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 100); do grep -q 'Starting to serve' "$work/proxy.log" && break; sleep 0.1; done
api="http://$(sed -n 's/.*Starting to serve on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/proxy.log")"
[[ "$api" != "http://" ]] || { echo "bench: kubectl proxy did not start" >&2; exit 1; }

# send FILE: run the requests of a curl config file, 16 at a time, failing on none (a pod that
# exists already answers 409; the count check below decides).
# A file is sent in parts of 1,000 requests (6 lines each). A parallel curl was seen to drop
# the last few dozen transfers of its config file (the same names, run after run): the last 50
# requests of each part are sent again one at a time.
send() {
  local part
  split -l 6000 "$1" "$1.part."
  for part in "$1".part.*; do
    curl --silent --parallel --parallel-max 16 --config "$part" >/dev/null 2>&1 || true
    tail -n 300 "$part" | curl --silent --config - >/dev/null 2>&1 || true
    rm -f "$part"
  done
}

# request METHOD PATH JSON CONTENT-TYPE: one request in curl config syntax.
request() {
  printf 'url = "%s%s"\nrequest = "%s"\nheader = "Content-Type: %s"\ndata = %s\noutput = "/dev/null"\nnext\n' \
    "$api" "$2" "$1" "$4" "$(printf '%s' "$3" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')"
}

t0='2026-01-01T00:00:00Z'
ready_status() { # IP
  printf '{"status":{"phase":"Running","podIP":"%s","podIPs":[{"ip":"%s"}],"hostIP":"127.0.0.1","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"},{"type":"PodScheduled","status":"True"}],"containerStatuses":[{"name":"app","image":"busybox:1.36","imageID":"","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"%s"}}}]}}' "$1" "$1" "$t0"
}
blocked_status='{"status":{"phase":"Pending","podIP":"10.77.0.1","hostIP":"127.0.0.1","conditions":[{"type":"Initialized","status":"False","reason":"ContainersNotInitialized"},{"type":"Ready","status":"False"},{"type":"PodScheduled","status":"True"}],"initContainerStatuses":[{"name":"wait","image":"busybox:1.36","imageID":"","ready":false,"restartCount":0,"state":{"running":{"startedAt":"'$t0'"}}}],"containerStatuses":[{"name":"app","image":"busybox:1.36","imageID":"","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}}'

pod_json() { # NAME APP [SCRIPT [TIER]]
  local init=""
  [[ -n "${3:-}" ]] && init=',"initContainers":[{"name":"wait","image":"busybox:1.36","command":["sh","-c","'"$3"'"]}]'
  printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"%s","tier":"%s"}},"spec":{"nodeName":"%s","containers":[{"name":"app","image":"busybox:1.36"}]%s}}' \
    "$1" "$2" "${4:-none}" "$INITDOCTOR_NODE" "$init"
}

# ns_pods NS: how many pods a namespace holds (one list item and the remaining count).
ns_pods() {
  curl --silent "$api/api/v1/namespaces/$1/pods?limit=1" | jq '(.metadata.remainingItemCount // 0) + (.items // [] | length)'
}

# build N: the workload of size N in namespace initdoctor-bench-N (kept between runs).
build() {
  local n="$1" ns="initdoctor-bench-v2-$1" blocked=$(($1 / 10)) i
  local filler=$((n - blocked - 3))
  if ! "$kubectl" get namespace "$ns" >/dev/null 2>&1; then
    "$kubectl" create namespace "$ns" >/dev/null
    for _ in $(seq 50); do "$kubectl" -n "$ns" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  local have
  have="$(ns_pods "$ns")"
  ((have >= n)) && return 0
  echo "bench: building $ns ($n pods: $blocked blocked, 3 backing db, $filler running)..." >&2
  local start=$SECONDS
  {
    request POST "/api/v1/namespaces/$ns/services" '{"apiVersion":"v1","kind":"Service","metadata":{"name":"db"},"spec":{"selector":{"app":"db"},"ports":[{"port":5432}]}}' application/json
    for i in 0 1 2 3 4; do
      request POST "/api/v1/namespaces/$ns/services" '{"apiVersion":"v1","kind":"Service","metadata":{"name":"ghost-'$i'"},"spec":{"selector":{"app":"ghost-'$i'","tier":"backend"},"ports":[{"port":80}]}}' application/json
    done
    for i in 0 1 2; do request POST "/api/v1/namespaces/$ns/pods" "$(pod_json "db-$i" db)" application/json; done
    for ((i = 0; i < blocked; i++)); do
      if ((i == 0)); then script='until nc -z db 6543; do sleep 2; done'; else script="until nc -z ghost-$((i % 5)) 80; do sleep 2; done"; fi
      request POST "/api/v1/namespaces/$ns/pods" "$(pod_json "blocked-$i" "worker-$((i % 2))" "$script" frontend)" application/json
    done
    for ((i = 0; i < filler; i++)); do request POST "/api/v1/namespaces/$ns/pods" "$(pod_json "run-$i" filler "" backend)" application/json; done
  } >"$work/create"
  send "$work/create"
  {
    for i in 0 1 2; do request PATCH "/api/v1/namespaces/$ns/pods/db-$i/status" "$(ready_status "10.78.0.$((i + 1))")" application/merge-patch+json; done
    for ((i = 0; i < blocked; i++)); do request PATCH "/api/v1/namespaces/$ns/pods/blocked-$i/status" "$blocked_status" application/merge-patch+json; done
    for ((i = 0; i < filler; i++)); do request PATCH "/api/v1/namespaces/$ns/pods/run-$i/status" "$(ready_status "10.79.$((i / 250)).$((i % 250 + 1))")" application/merge-patch+json; done
  } >"$work/status"
  send "$work/status"
  have="$(ns_pods "$ns")"
  echo "bench: $ns has $have pods (built in $((SECONDS - start)) s)" >&2
}

# measure COMMAND...: "median-wall-ms median-max-RSS-KiB" over $runs runs.
measure() {
  local i start end walls=() rsses=()
  "$@" >/dev/null 2>&1 || true # warm-up
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    walls+=($(((end - start) / 1000000)))
    rsses+=("$(tail -n 1 "$work/rss")")
  done
  printf '%s %s\n' "$(median "${walls[@]}")" "$(median "${rsses[@]}")"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# requests COMMAND...: the requests one run makes, from the audit log ("N (list pods 2, …)").
requests() {
  local mark
  mark="$(wc -l <"$INITDOCTOR_AUDIT_LOG")"
  "$@" >/dev/null 2>&1 || true
  sleep 1
  tail -n +"$((mark + 1))" "$INITDOCTOR_AUDIT_LOG" |
    jq -r 'select(.stage == "ResponseComplete" and .user.username == "admin") | "\(.verb) \(.objectRef.resource)\(if .objectRef.subresource then "/" + .objectRef.subresource else "" end)\(if (.requestURI | test("labelSelector|fieldSelector")) then "(sel)" else "" end)"' |
    sort | uniq -c | awk '{n += $1; s = s (s ? ", " : "") $2 " " $3 " " $1} END {printf "%d (%s)", n, s}'
}

# gone NS: delete a bench namespace and wait until it is gone (its pods first, with grace
# period 0: the fakelet runs no containers to stop).
gone() {
  curl --silent --request DELETE "$api/api/v1/namespaces/$1/pods?gracePeriodSeconds=0" >/dev/null || true
  "$kubectl" delete namespace "$1" --wait=true --timeout=600s >/dev/null 2>&1 || true
}

# cluster_pods: how many pods the cluster holds (one list item and the remaining count).
cluster_pods() {
  curl --silent "$api/api/v1/pods?limit=1" | jq '(.metadata.remainingItemCount // 0) + (.items // [] | length)'
}

rows=()
for n in $sizes; do
  ns="initdoctor-bench-v2-$n"
  if [[ "$alone" == 1 ]]; then
    for other in $("$kubectl" get namespaces -o name | sed -n 's|^namespace/\(initdoctor-bench-\(v2-\)\{0,1\}[0-9]*\)$|\1|p'); do
      [[ "$other" == "$ns" ]] || { echo "bench: deleting $other (BENCH_ALONE=1)" >&2; gone "$other"; }
    done
  fi
  # Some parallel requests can fail to start (curl's "Failed initialization" under load): build
  # again until the namespace holds its pods (creates answer 409 for those that exist).
  for _ in 1 2 3; do build "$n"; done
  [[ "${BENCH_BUILD_ONLY:-0}" == 1 ]] && continue
  r="$runs"
  ((n >= 20000)) && r="${BENCH_RUNS:-3}"
  total="$(cluster_pods)"
  load="$(uptime | sed 's/.*load average: //')"
  read -r one_ms one_kb < <(runs="$r" measure "$bin" -n "$ns" explain blocked-0 -o json)
  read -r hard_ms hard_kb < <(runs="$r" measure "$bin" -n "$ns" explain blocked-1 -o json)
  read -r get_ms get_kb < <(runs="$r" measure "$kubectl" -n "$ns" get pod blocked-0 -o json)
  read -r ns_ms ns_kb < <(runs="$r" measure "$bin" -n "$ns" explain -o json)
  read -r nsk_ms nsk_kb < <(runs="$r" measure "$kubectl" -n "$ns" get pods -o json)
  read -r all_ms all_kb < <(runs="$r" measure "$bin" explain -A -o json)
  read -r allk_ms allk_kb < <(runs="$r" measure "$kubectl" get pods -A -o json)
  one_req="$(requests "$bin" -n "$ns" explain blocked-0 -o json)"
  hard_req="$(requests "$bin" -n "$ns" explain blocked-1 -o json)"
  ns_req="$(requests "$bin" -n "$ns" explain -o json)"
  all_req="$(requests "$bin" explain -A -o json)"
  selected="$("$bin" explain -A -o json | jq '.pods | length')"
  rows+=("$n|$total|$selected|$one_ms|$one_kb|$get_ms|$get_kb|$ns_ms|$ns_kb|$nsk_ms|$nsk_kb|$all_ms|$all_kb|$allk_ms|$allk_kb|$hard_ms|$hard_kb|$load|$one_req|$hard_req|$ns_req|$all_req")
done

[[ "${BENCH_BUILD_ONLY:-0}" == 1 ]] && exit 0

# The log workload: pod big-log in initdoctor-bench-logs, its init container
# `wait` running, whose log (served by the fakelet from INITDOCTOR_CONTAINER_LOGS) holds
# $log_mb MB.
log_mb="${BENCH_LOG_MB:-200}"
log_ns="initdoctor-bench-logs"
if [[ "$log_mb" != 0 ]]; then
  "$kubectl" get namespace "$log_ns" >/dev/null 2>&1 || "$kubectl" create namespace "$log_ns" >/dev/null
  for _ in $(seq 50); do "$kubectl" -n "$log_ns" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
  if ! "$kubectl" -n "$log_ns" get pod big-log >/dev/null 2>&1; then
    pod_json big-log app 'sleep 3600' | "$kubectl" -n "$log_ns" create -f - >/dev/null
  fi
  "$kubectl" -n "$log_ns" patch pod big-log --subresource=status --type=merge -p "$blocked_status" >/dev/null
  log_dir="$INITDOCTOR_CONTAINER_LOGS/$log_ns/big-log"
  mkdir -p "$log_dir"
  log_bytes=$((log_mb * 1000 * 1000))
  if [[ "$(stat -c %s "$log_dir/wait" 2>/dev/null || echo 0)" != "$log_bytes" ]]; then
    python3 -c "import sys; line = 'x' * 99 + '\n'; block = line * 10000; sys.stdout.write(block * $log_mb)" >"$log_dir/wait"
  fi
  log_lines=$((log_bytes / 100))
  got="$("$bin" -n "$log_ns" logs big-log -c wait --prefix=false | wc -c)"
  [[ "$got" == "$log_bytes" ]] || { echo "bench: logs big-log gave $got bytes, not $log_bytes" >&2; exit 1; }
  read -r ld_ms ld_kb < <(measure "$bin" -n "$log_ns" logs big-log -c wait --prefix=false)
  read -r lk_ms lk_kb < <(measure "$kubectl" -n "$log_ns" logs big-log -c wait)
  # follow_ms COMMAND...: median wall ms until the follow has delivered the whole log (the reader
  # stops at its last byte; the follower, still waiting for more, is then stopped).
  follow_ms() {
    local i start end walls=() fifo="$work/follow" p
    for ((i = 0; i <= runs; i++)); do
      rm -f "$fifo" && mkfifo "$fifo"
      start=$(date +%s%N)
      "$@" >"$fifo" 2>/dev/null &
      p=$!
      head -c "$log_bytes" <"$fifo" >/dev/null
      end=$(date +%s%N)
      kill "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
      ((i == 0)) || walls+=($(((end - start) / 1000000))) # the first run warms up
    done
    median "${walls[@]}"
  }
  fd_ms="$(follow_ms "$bin" -n "$log_ns" logs -f big-log -c wait --prefix=false)"
  fk_ms="$(follow_ms "$kubectl" -n "$log_ns" logs -f big-log -c wait)"
fi

# The runs of the header: 3 from 20,000 pods unless BENCH_RUNS says otherwise.
runs_said="$runs runs"
if [[ -z "${BENCH_RUNS:-}" ]]; then
  for n in $sizes; do
    if ((n >= 20000)); then
      runs_said="$runs runs, 3 from 20,000 pods"
      break
    fi
  done
fi
echo "kubectl-initdoctor vs kubectl (built from k8s.io/kubernetes $(basename "$(dirname "$INITDOCTOR_BIN_DIR")" | sed 's/^k8s-\(v[0-9.]*\).*/\1/')) on the local control plane, median of $runs_said ($(date -u +%F), $(nproc) cores)"
printf '\none pod: easy (its Service has Ready pods, the port is wrong), hard (its Service selects no pod)\n'
printf '\n| pods in the namespace (cluster) | load (1, 5, 15 min) | explain POD, easy | explain POD, hard | get pod -o json | easy | hard |\n|---|---|---|---|---|---|---|\n'
for row in "${rows[@]}"; do
  IFS='|' read -r n total _ a ak b bk _ _ _ _ _ _ _ _ h hk load _ <<<"$row"
  awk -v n="$n" -v t="$total" -v load="$load" -v a="$a" -v ak="$ak" -v h="$h" -v hk="$hk" -v b="$b" -v bk="$bk" 'BEGIN {
    printf "| %d (%d) | %s | %.3f s, %d MiB | %.3f s, %d MiB | %.3f s, %d MiB | %.2f× | %.2f× |\n",
      n, t, load, a / 1000, ak / 1024, h / 1000, hk / 1024, b / 1000, bk / 1024, a / b, h / b }'
done
printf '\nmany pods: ratios of time and of peak memory\n'
printf '\n| pods in the namespace (cluster) | explain -n NS | get pods -n NS -o json | time | memory | explain -A (pods selected) | get pods -A -o json | time | memory |\n|---|---|---|---|---|---|---|---|---|\n'
for row in "${rows[@]}"; do
  IFS='|' read -r n total selected _ _ _ _ c ck d dk e ek f fk _ <<<"$row"
  awk -v n="$n" -v t="$total" -v sel="$selected" -v c="$c" -v ck="$ck" -v d="$d" -v dk="$dk" -v e="$e" -v ek="$ek" -v f="$f" -v fk="$fk" 'BEGIN {
    printf "| %d (%d) | %.3f s, %d MiB | %.3f s, %d MiB | %.2f× | %.2f× | %.3f s, %d MiB (%d) | %.3f s, %d MiB | %.2f× | %.2f× |\n",
      n, t, c / 1000, ck / 1024, d / 1000, dk / 1024, c / d, ck / dk, e / 1000, ek / 1024, sel, f / 1000, fk / 1024, e / f, ek / fk }'
done
printf '\nrequests of one run (from the audit log; "(sel)": with a label or field selector)\n'
for row in "${rows[@]}"; do
  IFS='|' read -r n _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ one_req hard_req ns_req all_req <<<"$row"
  printf '  %5d pods  explain POD, easy: %s\n' "$n" "$one_req"
  printf '  %5d pods  explain POD, hard: %s\n' "$n" "$hard_req"
  printf '  %5d pods  explain -n NS:     %s\n' "$n" "$ns_req"
  printf '  %5d pods  explain -A:        %s\n' "$n" "$all_req"
done
[[ "$log_mb" == 0 ]] && exit 0
printf '\nlogs of one container whose log holds %d MB (%d lines)\n' "$log_mb" "$log_lines"
printf '| work | initdoctor | kubectl | ratio |\n|---|---|---|---|\n'
awk -v a="$ld_ms" -v ak="$ld_kb" -v b="$lk_ms" -v bk="$lk_kb" 'BEGIN {
  printf "| `logs POD -c C` (time, peak memory) | %.3f s, %d MiB | %.3f s, %d MiB | %.2f× time, %.2f× memory |\n", a / 1000, ak / 1024, b / 1000, bk / 1024, a / b, ak / bk }'
awk -v a="$fd_ms" -v b="$fk_ms" -v n="$log_lines" 'BEGIN {
  printf "| `logs -f` throughput (lines/s; higher is better) | %.0f | %.0f | %.2f× |\n", n / (a / 1000), n / (b / 1000), b / a }'
