//! Pods built to make the command reader slow or large, as a pod spec can (patterns that
//! backtrack, variables that double each other, `$(…)` nested deep, a script of a megabyte),
//! and the way to put one on the control plane stuck in its init container.

use serde_json::{Value, json};

use super::{TestNs, state};

/// A pod with one init container `step` running `command` with `env`, labelled `labels`.
pub fn pod_json(name: &str, command: Value, env: Value, labels: Value) -> String {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "initContainers": [{"name": "step", "image": "busybox:1.36", "command": command, "env": env}],
            "containers": [{"name": "app", "image": "busybox:1.36"}]
        }
    })
    .to_string()
}

/// The status a kubelet writes for a pod whose init container `step` runs (waits).
pub fn blocked_status() -> Value {
    json!({"phase": "Pending", "conditions": state::initializing_conditions(),
           "initContainerStatuses": [state::running("step", "busybox:1.36", "2026-01-01T00:00:00Z")],
           "containerStatuses": [state::waiting("app", "busybox:1.36", "PodInitializing", "", 0)]})
}

/// Put a pod stuck in its init container (running, waiting on something) on the control plane.
pub async fn blocked(ns: &TestNs, name: &str, command: Value, env: Value) {
    blocked_labelled(ns, name, command, env, json!({})).await;
}

/// [`blocked`], with labels.
pub async fn blocked_labelled(ns: &TestNs, name: &str, command: Value, env: Value, labels: Value) {
    ns.pod(&pod_json(name, command, env, labels)).await;
    ns.set_status(name, blocked_status()).await;
}

pub fn sh(script: &str) -> Value {
    json!(["sh", "-c", script])
}

/// `V1='$(V0)$(V0)'` … `V40`: each doubles the one before, as Kubernetes expands them.
pub fn doubling_env() -> Value {
    let mut env = vec![json!({"name": "V0", "value": "abcdefghij"})];
    for i in 1..=40 {
        env.push(json!({"name": format!("V{i}"), "value": format!("$(V{0})$(V{0})", i - 1)}));
    }
    Value::Array(env)
}

/// The pathological pods: (name, command, env).
pub fn pathological() -> Vec<(&'static str, Value, Value)> {
    vec![
        (
            "doubling-env",
            sh("until nc -z $V40 5432; do sleep 2; done"),
            doubling_env(),
        ),
        (
            "doubling-argv",
            json!(["nc", "-z", "$(V40)", "5432"]),
            doubling_env(),
        ),
        (
            "doubling-shell",
            sh(&format!(
                "a=x; {} until nc -z $a 1; do sleep 1; done",
                "a=$a$a; ".repeat(40)
            )),
            json!([]),
        ),
        (
            "backtracking",
            sh(&format!(
                "V={}; until nc -z ${{V%*a*a*a*a*a*a*a*b}} 1; do sleep 1; done",
                "a".repeat(20_000)
            )),
            json!([]),
        ),
        (
            // The report's own: a 60-character value, which took `explain` past 60 s.
            "backtracking-60",
            sh(&format!(
                "V={}; until nc -z ${{V%*a*a*a*a*a*a*a*b}} 1; do sleep 1; done",
                "a".repeat(60)
            )),
            json!([]),
        ),
        (
            "nested-substitutions",
            sh(&format!(
                "X=$({}echo db{}); until nc -z $X 1; do sleep 1; done",
                "echo $(".repeat(40),
                " | cut -d: -f1)".repeat(40)
            )),
            json!([]),
        ),
        (
            "repeated-lookups",
            sh(&"nslookup db; ".repeat(1_000)),
            json!([]),
        ),
        (
            // 1.3 MB: the same check a hundred thousand times.
            "megabyte-script",
            sh(&"nslookup db; ".repeat(100_000)),
            json!([]),
        ),
    ]
}

/// Makes init container `step` of pod `name` (of [`pod_json`]) wait with a reason full of
/// escapes: OSC 52 (a clipboard write), BEL, a C1 CSI, a bidi override and NUL.
pub async fn waiting_with_escapes(ns: &TestNs, name: &str) {
    let reason = "Crash\u{1b}]52;c;cGF5bG9hZA==\u{7}\u{9b}31m\u{202e}\u{0}Loop";
    ns.set_status(
        name,
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::waiting("step", "busybox:1.36", reason, "", 1)]}),
    )
    .await;
}

/// Puts pod `name` (of [`pod_json`]) in a crash loop of its init container `step` (exit 1,
/// back-off) whose log has a line longer than the evidence read (70 KiB) before `last_line`.
pub async fn crash_loop_after_a_huge_line(ns: &TestNs, name: &str, last_line: &str) {
    let s = state::crash_loop("step", "busybox:1.36", "back-off 40s", 3);
    ns.set_status(
        name,
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [s]}),
    )
    .await;
    let log = format!("starting\n{}\n{last_line}\n", "x".repeat(70 * 1024));
    ns.write_log(name, "step", &log, true);
}
