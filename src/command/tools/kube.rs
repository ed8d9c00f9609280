//! Kubernetes waiters: `kubectl wait`, `kubectl rollout status` and the k8s-wait-for image's
//! `wait_for.sh`, which wait on Pods, Jobs and workloads.

use super::Call;
use crate::command::args::{Arg, host_target, opts};
use crate::command::{HostTarget, Target};

pub(super) fn kubectl_wait(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(
        args,
        "nlo",
        &[
            "--for",
            "--timeout",
            "--namespace",
            "--selector",
            "--field-selector",
            "--context",
            "--kubeconfig",
            "--output",
        ],
    );
    let ns = o
        .get(&["-n", "--namespace"])
        .and_then(|a| a.known().map(str::to_string));
    let condition = o
        .get(&["--for"])
        .map(|a| a.text.clone())
        .unwrap_or_else(|| "condition=Ready".into());
    let selector = o.get(&["-l", "--selector"]).map(|a| a.text.clone());
    let mut resources: Vec<String> = o
        .positional
        .iter()
        .skip(1) // "wait"
        .map(|a| a.text.clone())
        .collect();
    if resources.is_empty() {
        return Vec::new();
    }
    let first = resources.remove(0);
    let (kind, name) = match first.split_once('/') {
        Some((k, n)) => (k.to_ascii_lowercase(), Some(n.to_string())),
        None => (first.to_ascii_lowercase(), None),
    };
    let names: Vec<String> = name.into_iter().chain(resources).collect();
    let kind = kind.split('.').next().unwrap_or("").to_string();
    match kind.as_str() {
        "pod" | "pods" | "po" => vec![Target::Pods {
            written: selector
                .clone()
                .map(|s| format!("-l {s}"))
                .unwrap_or_else(|| names.join(" ")),
            namespace: ns,
            selector,
            names,
            condition,
        }],
        "job" | "jobs" => names
            .into_iter()
            .map(|n| Target::Job {
                written: n.clone(),
                namespace: ns.clone(),
                name: n,
                condition: condition.clone(),
            })
            .collect(),
        // `kubectl wait --for=condition=available deployment/x`: the workload's own condition.
        other => match workload_kind(other) {
            Some(kind) if !names.is_empty() || selector.is_some() => {
                let workload = |name: Option<String>| Target::Workload {
                    written: match (&name, &selector) {
                        (Some(n), _) => format!("{kind}/{n}"),
                        (None, s) => format!("{kind} -l {}", s.clone().unwrap_or_default()),
                    },
                    namespace: ns.clone(),
                    kind: kind.into(),
                    name,
                    selector: selector.clone(),
                    condition: condition.clone(),
                };
                if names.is_empty() {
                    vec![workload(None)]
                } else {
                    names.into_iter().map(|n| workload(Some(n))).collect()
                }
            }
            _ => Vec::new(),
        },
    }
}

/// A workload kind as kubectl spells it (`deploy`, `statefulsets.apps`), named in the singular.
fn workload_kind(kind: &str) -> Option<&'static str> {
    match kind
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "deployment" | "deployments" | "deploy" => Some("deployment"),
        "statefulset" | "statefulsets" | "sts" => Some("statefulset"),
        "daemonset" | "daemonsets" | "ds" => Some("daemonset"),
        _ => None,
    }
}

/// groundnuty/k8s-wait-for's `wait_for.sh MODE TARGET [KUBECTL_ARGS…]`, its modes read from
/// the script: `pod` (every matching pod Ready), `pod-we` (Ready or failed), `pod-wr` (one
/// Ready); `job` (no active and no failed pod), `job-we` (no active pod), `job-wr` (no active
/// pod and one succeeded); `service` (every pod of the Service's selector Ready). TARGET is a
/// name or `-lSELECTOR` (`-l SELECTOR` too); the words after it go to kubectl (`-n NS`). Any
/// other mode makes the script fail at once.
pub(super) fn k8s_wait_for(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(args, "nl", &["--namespace", "--selector"]);
    let ns = o
        .get(&["-n", "--namespace"])
        .and_then(|a| a.known().map(str::to_string));
    let mode = o
        .positional
        .first()
        .map(|a| a.text.clone())
        .unwrap_or_default();
    // A folded YAML scalar leaves a newline; `-l release in (…)` a leading blank.
    let selector = o
        .get(&["-l", "--selector"])
        .map(|a| a.text.trim().to_string());
    let names: Vec<String> = o
        .positional
        .iter()
        .skip(1)
        .map(|a| a.text.trim().to_string())
        .collect();
    match mode.as_str() {
        "pod" | "pod-we" | "pod-wr" => vec![Target::Pods {
            written: selector
                .clone()
                .map(|s| format!("-l{s}"))
                .unwrap_or_else(|| names.join(" ")),
            namespace: ns,
            selector,
            names,
            condition: "condition=Ready".into(),
        }],
        // `kubectl describe jobs -lSEL`: every Job the selector picks.
        "job" | "job-wr" | "job-we" if selector.is_some() => vec![Target::Workload {
            written: selector
                .clone()
                .map(|s| format!("-l{s}"))
                .unwrap_or_default(),
            namespace: ns,
            kind: "job".into(),
            name: None,
            selector,
            condition: "condition=complete".into(),
        }],
        "job" | "job-wr" | "job-we" => names
            .into_iter()
            .map(|n| Target::Job {
                written: n.clone(),
                namespace: ns.clone(),
                name: n,
                condition: "condition=complete".into(),
            })
            .collect(),
        "service" if selector.is_none() => names
            .into_iter()
            .map(|n| {
                let a = Arg::literal(&n);
                Target::Host(HostTarget {
                    port: None,
                    ..host_target(&a, None, None)
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `kubectl rollout status TYPE/NAME` (or `TYPE NAME`) `[-n NS] [--timeout=D]`: waits until the
/// Deployment, StatefulSet or DaemonSet has rolled out (kubectl's pkg/cmd/rollout/rollout_status.go;
/// `--watch=false` reports once). `-l` picks the workloads by label; `-f FILE` names them in a
/// file, not read.
pub(super) fn kubectl_rollout(call: &mut Call) -> Vec<Target> {
    let o = opts(
        call.args,
        "nlfks",
        &[
            "--namespace",
            "--selector",
            "--timeout",
            "--revision",
            "--context",
            "--kubeconfig",
            "--filename",
            "--kustomize",
            "--server",
            "--cluster",
            "--user",
            "--token",
            "--request-timeout",
        ],
    );
    let mut positional = o.positional.iter().map(|a| a.text.trim());
    if positional.next() != Some("rollout") || positional.next() != Some("status") {
        return Vec::new();
    }
    let ns = o
        .get(&["-n", "--namespace"])
        .and_then(|a| a.known().map(str::to_string));
    let selector = o
        .get(&["-l", "--selector"])
        .map(|a| a.text.trim().to_string());
    let Some(first) = positional.next() else {
        return Vec::new();
    };
    let (kind, name) = match first.split_once('/') {
        Some((k, n)) => (k, Some(n.to_string())),
        None => (first, positional.next().map(str::to_string)),
    };
    let Some(kind) = workload_kind(kind) else {
        return Vec::new();
    };
    if name.is_none() && selector.is_none() {
        return Vec::new();
    }
    vec![Target::Workload {
        written: match (&name, &selector) {
            (Some(n), _) => format!("{kind}/{n}"),
            (None, Some(s)) => format!("{kind} -l {s}"),
            (None, None) => kind.to_string(),
        },
        namespace: ns,
        kind: kind.into(),
        name,
        selector,
        condition: "rollout".into(),
    }]
}

/// `kubectl get pod[s] [NAME…|-l SEL] -o jsonpath=…ready…` polled in a loop
/// (`until [ "$(kubectl get pods -l app=db -o jsonpath='{…ready}')" = true ]`): the loop tests
/// the pods' readiness. Run bare, `kubectl get` exits 0 when a selector matches nothing, and
/// what another output is tested for is not read: no target (said not understood).
pub(super) fn kubectl_get_pods(call: &mut Call) -> Vec<Target> {
    if call.ctx.in_loop.is_none() {
        return Vec::new();
    }
    let o = opts(
        call.args,
        "nlo",
        &[
            "--namespace",
            "--selector",
            "--output",
            "--context",
            "--kubeconfig",
            "--field-selector",
            "--template",
        ],
    );
    let mut positional = o.positional.iter().map(|a| a.text.trim());
    if positional.next() != Some("get") || !matches!(positional.next(), Some("pod" | "pods" | "po"))
    {
        return Vec::new();
    }
    let tests_readiness = o
        .get(&["-o", "--output", "--template"])
        .is_some_and(|a| a.text.to_ascii_lowercase().contains("ready"));
    if !tests_readiness {
        return Vec::new();
    }
    let selector = o
        .get(&["-l", "--selector"])
        .map(|a| a.text.trim().to_string());
    let names: Vec<String> = positional.map(str::to_string).collect();
    if selector.is_none() && names.is_empty() {
        return Vec::new();
    }
    vec![Target::Pods {
        written: selector
            .clone()
            .map(|s| format!("-l {s}"))
            .unwrap_or_else(|| names.join(" ")),
        namespace: o
            .get(&["-n", "--namespace"])
            .and_then(|a| a.known().map(str::to_string)),
        selector,
        names,
        condition: "condition=Ready".into(),
    }]
}
