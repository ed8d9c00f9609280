#!/usr/bin/env bash
# make demo: on the running local cluster, create the seeds' example pod and explain it with
# `kubectl initdoctor`. With the real node, seed 001's pod runs there for real and the demo adds
# its Services one by one; without it, the demo plays the kubelet on fake-node (writes the status
# and the first init container's log).
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
  kubectl -n "$ns" apply -f "$root/tests/demo/seed1-real-node.yaml" >/dev/null
  kubectl -n "$ns" wait pod/test-initc --timeout=90s \
    --for=jsonpath='{.status.initContainerStatuses[0].state.running}' >/dev/null
  show() {
    echo "\$ kubectl get pod test-initc -n $ns"
    kubectl -n "$ns" get pod test-initc
    echo
    echo "\$ kubectl initdoctor explain test-initc -n $ns"
    kubectl initdoctor explain test-initc -n "$ns" --color="${COLOR:-auto}" || true
    echo
  }
  show
  for svc in mysvc:9001 mydb:9002; do
    echo "\$ kubectl create service clusterip ${svc%%:*} --tcp=80:${svc##*:} -n $ns"
    kubectl -n "$ns" create service clusterip "${svc%%:*}" --tcp="80:${svc##*:}"
    sleep 4
    show
  done
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
