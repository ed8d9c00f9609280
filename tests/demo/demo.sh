#!/usr/bin/env bash
# make demo: on the running local cluster, create the seeds' example pod and explain it with
# `kubectl initdoctor`. With the real node, seed 001's pod runs there for real: blocked, past the
# first Service once it exists, then the second (with `explain --watch`), and it ends Running;
# without it, the demo plays the kubelet on fake-node (writes the status and the first init
# container's log).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${INITDOCTOR_STATE_DIR:-$root/.cluster}"
# shellcheck disable=SC1091
source "$state/env"
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
export PATH="${target_dir:-$root/target}/debug:$INITDOCTOR_BIN_DIR:$PATH"
export KUBECONFIG
ns=initdoctor-demo

kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
for _ in $(seq 50); do kubectl -n "$ns" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
if [[ -n "${INITDOCTOR_REAL_NODE:-}" ]]; then
  kubectl -n "$ns" delete pod test-initc --ignore-not-found --grace-period=0 --force >/dev/null 2>&1 || true
  kubectl -n "$ns" delete service mysvc mydb --ignore-not-found >/dev/null
  say() { printf '\n# %s\n' "$*"; }
  run() { printf '$ %s\n' "$*"; "$@"; }
  # wait_for WHAT JSONPATH: bounded (90 s), one line and exit 1 when it never holds.
  wait_for() {
    kubectl -n "$ns" wait pod/test-initc --timeout=90s --for=jsonpath="$2" >/dev/null ||
      { echo "demo: error: no $1 after 90 s" >&2; kubectl -n "$ns" get pod test-initc -o wide >&2; exit 1; }
  }
  explain() { run kubectl initdoctor explain test-initc -n "$ns" --color="${COLOR:-auto}" || true; }

  say "Seed 001: init containers wait for the Services mysvc and mydb, which do not exist yet"
  run kubectl apply -n "$ns" -f "$root/tests/demo/seed1-real-node.yaml"
  wait_for "init-mysvc running" '{.status.initContainerStatuses[0].state.running}'
  run kubectl get pod test-initc -n "$ns" -o wide
  explain

  say "The first Service: init-mysvc's nslookup finds it and exits 0; init-mydb waits"
  run kubectl create service clusterip mysvc --tcp=80:9001 -n "$ns"
  wait_for "init-mydb running" '{.status.initContainerStatuses[1].state.running}'
  run kubectl get pod test-initc -n "$ns"
  explain

  say "The second Service, while explain --watch follows the pod until it is initialized"
  printf '$ kubectl initdoctor explain test-initc -n %s --watch\n' "$ns"
  timeout 120 kubectl initdoctor explain test-initc -n "$ns" --watch --color="${COLOR:-auto}" &
  watcher=$!
  sleep 3
  run kubectl create service clusterip mydb --tcp=80:9002 -n "$ns"
  wait "$watcher" || true
  wait_for "mypod running" '{.status.containerStatuses[0].state.running}'

  say "Running"
  run kubectl get pod test-initc -n "$ns"
  run kubectl logs test-initc -n "$ns" -c mypod
  explain
  exit 0
fi

kubectl -n "$ns" delete pod myapp-pod --ignore-not-found --grace-period=0 --force >/dev/null 2>&1 || true
kubectl -n "$ns" apply -f "$root/tests/demo/myapp-pod.yaml" >/dev/null

now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
kubectl -n "$ns" patch pod myapp-pod --subresource=status --type=merge -p "$(cat <<JSON
{"status": {"phase": "Pending",
  "conditions": [
    {"type": "PodReadyToStartContainers", "status": "True"},
    {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized"},
    {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
    {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady"},
    {"type": "PodScheduled", "status": "True"}],
  "initContainerStatuses": [
    {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
     "started": true, "state": {"running": {"startedAt": "$now"}}},
    {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
     "started": false, "state": {"waiting": {"reason": "PodInitializing"}}}],
  "containerStatuses": [
    {"name": "myapp-container", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
     "started": false, "state": {"waiting": {"reason": "PodInitializing"}}}]}}
JSON
)" >/dev/null
logdir="$INITDOCTOR_CONTAINER_LOGS/$ns/myapp-pod"
mkdir -p "$logdir"
printf 'Server:    10.96.0.10\nAddress 1: 10.96.0.10\n\nnslookup: can'"'"'t resolve '"'"'myservice.%s.svc.cluster.local'"'"'\nwaiting for myservice\n' "$ns" >"$logdir/init-myservice"

echo "\$ kubectl get pod myapp-pod -n $ns"
kubectl -n "$ns" get pod myapp-pod
echo
echo "\$ kubectl initdoctor explain myapp-pod -n $ns"
kubectl initdoctor explain myapp-pod -n "$ns" --color="${COLOR:-auto}"
