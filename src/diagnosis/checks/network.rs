//! Before and around the containers: `SandboxNotReady` (the pod's sandbox — pause container,
//! network, volumes — is not ready, so no container is at fault), `HostPortConflict` (a `hostPort`
//! already taken on the node) and `PortConflictInPod` (two containers of one pod, which share one
//! network namespace, declaring or binding the same port).

use super::context::{Blocker, Context, event_line, finding, one_line};
use crate::finding::{Finding, Severity};

/// How long a `PodReadyToStartContainers=False` without any event may last before it is worth
/// a warning (the condition is False for a moment at every pod start).
const SANDBOX_GRACE_SECONDS: i64 = 60;

/// `PodReadyToStartContainers=False` with `FailedCreatePodSandBox` events (or for long): the
/// runtime or the CNI plugin cannot set the pod up.
pub fn check_sandbox_not_ready(cx: &Context) -> Option<Finding> {
    if cx.finished() || cx.pod.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let condition = cx
        .pod
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "PodReadyToStartContainers" && c.status == "False");
    let events = cx.events(None, &["FailedCreatePodSandBox", "FailedPodSandBoxStatus"]);
    let last = events.iter().rev().find(|e| e.container.is_none());
    match (condition, last) {
        (None, None) => return None,
        (Some(_), None) if cx.diagnosis.age_seconds < SANDBOX_GRACE_SECONDS => return None,
        _ => {}
    }
    // The sandbox is there once a container of the pod runs.
    let running = cx
        .pod
        .status
        .as_ref()
        .into_iter()
        .flat_map(|s| {
            s.init_container_statuses
                .iter()
                .flatten()
                .chain(s.container_statuses.iter().flatten())
        })
        .any(|s| s.state.as_ref().is_some_and(|st| st.running.is_some()));
    if running && condition.is_none() {
        return None;
    }
    let said = last.map(|e| one_line(&e.message)).unwrap_or_default();
    let lower = said.to_lowercase();
    let cause = if lower.contains("no runtime for") || lower.contains("runtimehandler") {
        "the runtime has no handler for the pod's RuntimeClass"
    } else if lower.contains("network") || lower.contains("cni") {
        "the network plugin (CNI) could not set up the pod's network"
    } else if lower.contains("mount") || lower.contains("volume") {
        "a volume of the pod could not be set up"
    } else if said.is_empty() {
        "the kubelet has not reported why"
    } else {
        "the container runtime could not create it"
    };
    let mut f = finding(
        "SandboxNotReady",
        if last.is_some() {
            Severity::Error
        } else {
            Severity::Warning
        },
        None,
        format!(
            "the pod's sandbox (pause container, network, volumes) is not ready, so no container can start and none of them is at fault: {cause}"
        ),
    );
    if let Some(c) = condition {
        f.evidence.push(format!(
            "condition PodReadyToStartContainers False{}",
            c.reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
    }
    if let Some(e) = last {
        f.evidence.push(event_line(e));
    }
    let runtime_class = cx
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.runtime_class_name.as_deref());
    if let Some(rc) = runtime_class {
        f.evidence.push(format!("runtimeClassName {rc}"));
    }
    let node = cx.diagnosis.node.as_deref().unwrap_or("NODE");
    f.hint = if cause.starts_with("the runtime has no handler") {
        format!(
            "point spec.runtimeClassName at a RuntimeClass whose handler the node's runtime has (kubectl get runtimeclass), or remove it{}",
            runtime_class
                .map(|rc| format!(": kubectl get runtimeclass {rc} -o yaml"))
                .unwrap_or_default()
        )
    } else if cause.starts_with("the network plugin") {
        format!(
            "the node's network plugin is at fault, not the pod: check its pods and logs on node {node} (kubectl get pods -A -o wide --field-selector spec.nodeName={node})"
        )
    } else {
        format!(
            "read the kubelet's reason: kubectl describe pod {} (Events), and the node: kubectl describe node {node}",
            cx.pod_args()
        )
    };
    Some(f)
}

/// A `hostPort` the node has already given to another pod: the kubelet rejects the pod
/// (`NodePorts`), or the scheduler finds no node with the port free.
pub fn check_host_port_conflict(cx: &Context) -> Option<Finding> {
    let status = cx.pod.status.as_ref();
    let rejected = status.and_then(|s| s.reason.as_deref()) == Some("NodePorts");
    let scheduler = cx
        .events(None, &["FailedScheduling"])
        .into_iter()
        .rev()
        .find(|e| e.message.contains("free ports"));
    let kubelet = cx.events(None, &["NodePorts"]).into_iter().next_back();
    if !rejected && scheduler.is_none() && kubelet.is_none() {
        return None;
    }
    let ports: Vec<String> = cx
        .apps
        .iter()
        .chain(cx.sidecars.iter())
        .flat_map(|c| {
            c.spec
                .and_then(|s| s.ports.as_deref())
                .unwrap_or(&[])
                .iter()
                .filter_map(move |p| {
                    p.host_port.map(|h| {
                        format!(
                            "hostPort {h}/{} ({}, containerPort {})",
                            p.protocol.as_deref().unwrap_or("TCP"),
                            c.name(),
                            p.container_port
                        )
                    })
                })
        })
        .collect();
    let node = cx.diagnosis.node.as_deref().unwrap_or("NODE");
    let mut f = finding(
        "HostPortConflict",
        Severity::Error,
        None,
        if rejected {
            format!(
                "the kubelet on {node} rejected the pod: a hostPort it asks for is already taken by another pod on that node; the pod has failed for good"
            )
        } else {
            "no node has the hostPort the pod asks for free: another pod holds it on every node that fits".into()
        },
    );
    if let Some(m) = status.and_then(|s| s.message.as_deref()) {
        f.evidence.push(format!("status: {}", one_line(m)));
    }
    for e in kubelet.into_iter().chain(scheduler) {
        f.evidence.push(event_line(e));
    }
    f.evidence.extend(ports);
    f.hint = format!(
        "find the pod that holds the port: kubectl get pods -A -o wide --field-selector spec.nodeName={node}; drop hostPort (a Service reaches the pod without it) or pick a free one, then recreate the pod"
    );
    Some(f)
}

/// True when a log line says a bind failed because the address is in use.
fn address_in_use(line: &str) -> bool {
    let l = line.to_lowercase();
    l.contains("address already in use")
        || l.contains("address in use")
        || l.contains("eaddrinuse")
        || l.contains("(98:")
}

/// The log line of a container's current or previous instance that says its bind failed.
fn bind_failure<'a>(c: &Blocker<'a>) -> Option<&'a str> {
    let logs = c.logs?;
    logs.current
        .iter()
        .chain(logs.previous.iter())
        .find(|l| address_in_use(l))
        .map(|l| l.trim_end())
}

/// The declared `(port, protocol)`s of a container.
fn declared(c: &Blocker) -> Vec<(i32, String)> {
    c.spec
        .and_then(|s| s.ports.as_deref())
        .unwrap_or(&[])
        .iter()
        .map(|p| {
            (
                p.container_port,
                p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            )
        })
        .collect()
}

/// Containers of one pod share one network namespace: a container whose log says its bind
/// failed (`Address already in use`, nginx's `(98: Address in use)`), and ports declared by two
/// containers (the API only warns).
pub fn port_conflict_in_pod(cx: &Context) -> Vec<Finding> {
    let all: Vec<&Blocker> = cx.long_running().collect();
    let mut out = Vec::new();
    let mut reported: Vec<(i32, String)> = Vec::new();
    for c in &all {
        let Some(line) = bind_failure(c) else {
            continue;
        };
        let mine = declared(c);
        let others: Vec<String> = all
            .iter()
            .filter(|o| o.name() != c.name())
            .filter(|o| declared(o).iter().any(|p| mine.contains(p)))
            .map(|o| o.name().to_string())
            .collect();
        let with = if others.is_empty() {
            "another container of the pod already binds that port".to_string()
        } else {
            format!("{} declares the same port", others.join(", "))
        };
        let mut f = finding(
            "PortConflictInPod",
            Severity::Error,
            Some(c.name()),
            format!(
                "cannot bind its port: the containers of a pod share one network namespace, and {with}"
            ),
        );
        f.evidence.push(format!("log says: {line}"));
        for p in &mine {
            f.evidence.push(format!(
                "declared: {} containerPort {}/{}",
                c.name(),
                p.0,
                p.1
            ));
            reported.push(p.clone());
        }
        f.evidence.push(format!("restarts {}", c.row.restarts));
        f.hint = format!(
            "give each container of the pod its own port (change the port {} listens on, and its containerPort in {}), or move it to a pod of its own",
            c.name(),
            c.field("ports")
        );
        out.push(f);
    }
    // Declared twice, not (yet) seen failing.
    for (i, c) in all.iter().enumerate() {
        for p in declared(c) {
            if reported.contains(&p) {
                continue;
            }
            let twins: Vec<&str> = all[i + 1..]
                .iter()
                .filter(|o| declared(o).contains(&p))
                .map(|o| o.name())
                .collect();
            if twins.is_empty() {
                continue;
            }
            reported.push(p.clone());
            let mut f = finding(
                "PortConflictInPod",
                Severity::Warning,
                Some(twins[0]),
                format!(
                    "containerPort {}/{} is declared by {} and {}: they share the pod's network namespace, so only one of them can bind it",
                    p.0,
                    p.1,
                    c.name(),
                    twins.join(", ")
                ),
            );
            f.evidence
                .push(format!("declared by {}, {}", c.name(), twins.join(", ")));
            f.hint = "give each container its own port; only one process in the pod can listen on a port".into();
            out.push(f);
        }
    }
    out
}

/// True when the container's log says its bind failed: [`port_conflict_in_pod`] explains it.
pub fn bind_failed(c: &Blocker) -> bool {
    bind_failure(c).is_some()
}
