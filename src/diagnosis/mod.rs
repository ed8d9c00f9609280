//! The pure core: Kubernetes objects in, a diagnosis out. No I/O, no printing, no clock:
//! `now` is an argument, so every rule is testable on recorded Pod JSON.
//!
//! [`Evidence`] is what the edge gathered for one pod; [`diagnose`] turns it into a
//! [`PodDiagnosis`] — the init timeline, the blocker and the findings — which renderers print.

pub mod timeline;

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Pod};
use serde::Serialize;

use crate::status;
pub use timeline::{Blocking, InitContainerRow, InitState};

/// Everything known about one pod, gathered by the edge before diagnosis.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub pod: Pod,
    /// Events whose involved object is the pod.
    pub events: Vec<Event>,
    /// Last lines of logs, by container name.
    pub logs: BTreeMap<String, ContainerLogs>,
}

/// The tail of a container's log: the current instance and the previous one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerLogs {
    pub current: Vec<String>,
    pub previous: Vec<String>,
}

/// How serious a finding is; the order is the rank (errors first when sorted descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One thing found, with its evidence and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// A stable code (`CrashLoop`, `ServiceNotFound`, …): scripts match on it.
    pub code: String,
    pub severity: Severity,
    /// The container it is about.
    pub container: Option<String>,
    /// What the container waits on, as written in its command.
    pub target: Option<String>,
    /// One line: what is wrong.
    pub message: String,
    /// The facts it rests on: event texts, exit codes, log lines.
    pub evidence: Vec<String>,
    /// What to do next: a command or a manifest change.
    pub hint: String,
}

/// The diagnosis of one pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodDiagnosis {
    pub namespace: String,
    pub name: String,
    /// The STATUS column exactly as `kubectl get pod` prints it.
    pub status: String,
    pub phase: String,
    pub age_seconds: i64,
    pub node: Option<String>,
    pub restarts: i64,
    /// True when `Initialized=True` or every init container is done.
    pub initialized: bool,
    /// The init container that stops initialization now.
    pub blocking: Option<Blocking>,
    pub init_containers: Vec<InitContainerRow>,
    pub findings: Vec<Finding>,
}

/// Diagnose one pod at time `now`.
pub fn diagnose(evidence: &Evidence, now: Timestamp) -> PodDiagnosis {
    let pod = &evidence.pod;
    let columns = status::columns(pod);
    let rows = timeline::rows(pod);
    let blocking = timeline::blocking(pod, &rows);
    let created = pod.metadata.creation_timestamp.as_ref().map(|t| t.0);
    PodDiagnosis {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        status: columns.status,
        phase: pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Unknown".into()),
        age_seconds: created.map(|c| seconds_between(c, now)).unwrap_or(0),
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        restarts: columns.restarts,
        initialized: blocking.is_none(),
        blocking,
        init_containers: rows,
        findings: Vec::new(),
    }
}

/// True when a pod belongs in an `explain` without pod names: its initialization is not
/// complete, or it failed in initialization.
pub fn needs_attention(pod: &Pod) -> bool {
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("");
    let rows = timeline::rows(pod);
    match phase {
        "Succeeded" => false,
        "Failed" => {
            timeline::blocking(pod, &rows).is_some() && !timeline::initialized_condition(pod)
        }
        _ => !timeline::initialized_condition(pod),
    }
}

/// Whole seconds from `from` to `to`, never negative.
pub fn seconds_between(from: Timestamp, to: Timestamp) -> i64 {
    (to.as_second() - from.as_second()).max(0)
}
