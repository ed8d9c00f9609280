#!/usr/bin/env bash
# Runs the real k9s in a tmux window on the pods of NAMESPACE, with PLUGINS as its plugins file,
# and prints what a user sees: the screen once the pod view is up, then k9s's log.
#   tests/k9s/run.sh K9S PLUGINS KUBECONFIG NAMESPACE
set -euo pipefail
k9s="$1" plugins="$2" kubeconfig="$3" namespace="$4"
home="$(mktemp -d)"
session="initdoctor-k9s-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$home"' EXIT
mkdir -p "$home/config"
cp "$plugins" "$home/config/plugins.yaml"
tmux new-session -d -s "$session" -x 240 -y 50 \
  env -i HOME="$home" PATH="$PATH" TERM=xterm-256color K9S_CONFIG_DIR="$home/config" \
  XDG_DATA_HOME="$home/data" XDG_STATE_HOME="$home/state" XDG_CONFIG_HOME="$home/xdg" \
  "$k9s" --kubeconfig "$kubeconfig" -n "$namespace" --command pods --logFile "$home/k9s.log" \
  --logLevel debug --readonly=false
# The pod view is up once its title names the namespace's pods.
screen=""
for _ in $(seq 120); do
  screen="$(tmux capture-pane -p -t "$session" 2>/dev/null || true)"
  grep -q "pods(${namespace})" <<<"$screen" && break
  sleep 0.5
done
sleep 2 # the menu is hydrated with the view's actions, plugins included
echo "=== screen"
tmux capture-pane -p -t "$session"
echo "=== log"
cat "$home/k9s.log" 2>/dev/null || true
