//! The summary of one pod every check reads: header, init timeline, blocker, events, deadline
//! ([`PodDiagnosis`] before its findings).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use serde::Serialize;

use super::events::{self, PodEvent};
use super::evidence::Evidence;
use crate::finding::{Finding, ObjectRef};
use crate::status;
use crate::timeline::{self, Blocking, DebugContainerRow, InitContainerRow, seconds_between};

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
    /// Seconds since the last of those restarts (the latest `lastState.terminated.finishedAt`
    /// of the containers counted in `restarts`), as kubectl's `3 (5m ago)`; `null` when none.
    pub last_restart_seconds: Option<i64>,
    /// True when `Initialized=True` or every init container is done.
    pub initialized: bool,
    /// True when the pod's `Ready` condition is `True` (every container ready, every
    /// readiness gate passed).
    pub ready: bool,
    /// The init container that stops initialization now.
    pub blocking: Option<Blocking>,
    pub init_containers: Vec<InitContainerRow>,
    /// The pod's ephemeral (debug) containers, in the order they were added.
    pub debug_containers: Vec<DebugContainerRow>,
    pub findings: Vec<Finding>,
    /// The pod's events, deduplicated with counts, oldest first (newest last).
    pub events: Vec<PodEvent>,
    /// `spec.activeDeadlineSeconds`, which counts init time.
    pub active_deadline_seconds: Option<i64>,
    /// Seconds left before `activeDeadlineSeconds` fails the pod (0 once passed).
    pub deadline_remaining_seconds: Option<i64>,
    /// Commands worth running next, most useful first.
    pub next_commands: Vec<String>,
    /// The workload to edit instead of the pod (`Deployment`, `StatefulSet`, `DaemonSet`, `Job`,
    /// `CronJob`, …), when the pod has a controller.
    pub owner: Option<ObjectRef>,
}

/// Everything but the findings: header, timeline, blocker, events and deadline.
pub fn summarize(evidence: &Evidence, now: Timestamp) -> PodDiagnosis {
    let pod = &evidence.pod;
    let columns = status::columns(pod);
    let rows = timeline::rows(pod);
    let blocking = timeline::blocking(pod, &rows);
    let created = pod.metadata.creation_timestamp.as_ref().map(|t| t.0);
    let active_deadline_seconds = pod.spec.as_ref().and_then(|s| s.active_deadline_seconds);
    PodDiagnosis {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        status: columns.status,
        phase: pod_phase(pod).to_string(),
        age_seconds: created.map(|c| seconds_between(c, now)).unwrap_or(0),
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        restarts: columns.restarts,
        last_restart_seconds: columns.last_restart.map(|t| seconds_between(t, now)),
        initialized: blocking.is_none(),
        ready: timeline::ready_condition(pod),
        blocking,
        init_containers: rows,
        debug_containers: timeline::debug_rows(pod),
        findings: Vec::new(),
        events: events::summarize(&evidence.events, pod),
        active_deadline_seconds,
        deadline_remaining_seconds: deadline_remaining(pod, now),
        next_commands: Vec::new(),
        owner: evidence.owner.clone(),
    }
}

/// `status.phase`, or `Unknown` when the kubelet has not written one.
pub fn pod_phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Unknown")
}

/// Seconds left under `activeDeadlineSeconds`, counted from `status.startTime` (as the kubelet
/// does), else from creation. `None` without a deadline.
pub fn deadline_remaining(pod: &Pod, now: Timestamp) -> Option<i64> {
    let deadline = pod.spec.as_ref()?.active_deadline_seconds?;
    let start = pod
        .status
        .as_ref()
        .and_then(|s| s.start_time.as_ref())
        .or(pod.metadata.creation_timestamp.as_ref())?
        .0;
    Some((deadline - seconds_between(start, now)).max(0))
}
