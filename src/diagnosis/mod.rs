//! The pure core: Kubernetes objects in, a diagnosis out. No I/O, no printing, no clock:
//! `now` is an argument, so every rule is testable on recorded Pod JSON.
//!
//! [`Evidence`] is what the edge gathered for one pod; [`diagnose`] turns it into a
//! [`PodDiagnosis`] — the init timeline, the blocker, the events and the findings — which
//! renderers print. [`log_requests`] and [`needs_secret_names`] tell the edge what to fetch
//! beyond the pod and its events, so that it asks for no more than the diagnosis uses.
//!
//! `diagnose` is a plain sequence: summarize, run [`checks::evaluate`], append the findings of
//! other analyses, sort once at the end. Add a step as one more line there.

pub mod checks;
pub mod events;
pub mod exits;
pub mod resources;
pub mod timeline;

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Event, Pod};
use serde::Serialize;

use crate::status;
pub use events::PodEvent;
pub use timeline::{Blocking, InitContainerRow, InitState};

/// Everything known about one pod, gathered by the edge before diagnosis.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub pod: Pod,
    /// Events whose involved object is the pod.
    pub events: Vec<Event>,
    /// Last lines of logs, by container name (only the containers [`log_requests`] names).
    pub logs: BTreeMap<String, ContainerLogs>,
    /// The names of the Secrets in the pod's namespace, looked up only when
    /// [`needs_secret_names`] says so (to tell whether `imagePullSecrets` exist).
    pub secret_names: Lookup<Vec<String>>,
    /// What the blocked init containers wait on (Services, EndpointSlices, Pods…), fetched only
    /// when their commands name something to resolve (see [`crate::waits::needs`]).
    pub waits: Option<crate::waits::WaitObjects>,
}

/// The tail of a container's log: the current instance and the previous one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerLogs {
    pub current: Vec<String>,
    pub previous: Vec<String>,
    /// Why a log could not be read, when that is worth saying ("could not check (RBAC)").
    pub note: Option<String>,
}

/// The answer to a lookup that may be refused: what was found, or why it could not be checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Lookup<T> {
    /// Not asked: the diagnosis did not need it.
    #[default]
    NotChecked,
    Found(T),
    /// RBAC refused it (403): say "could not check", never fail.
    Denied,
    /// Any other failure, in one line.
    Failed(String),
}

/// One log to fetch: a container's current instance, or its previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub container: String,
    pub previous: bool,
}

/// How many log lines the edge asks for per instance (`tailLines`).
pub const LOG_TAIL_LINES: i64 = 50;

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
    /// What `target` resolved to (the Service, Pod or Job it names), when there is a target.
    pub resolved: Option<crate::waits::ObjectRef>,
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
    /// The pod's events, deduplicated with counts, oldest first (newest last).
    pub events: Vec<PodEvent>,
    /// `spec.activeDeadlineSeconds`, which counts init time.
    pub active_deadline_seconds: Option<i64>,
    /// Seconds left before `activeDeadlineSeconds` fails the pod (0 once passed).
    pub deadline_remaining_seconds: Option<i64>,
    /// Commands worth running next, most useful first.
    pub next_commands: Vec<String>,
}

/// Diagnose one pod at time `now`.
pub fn diagnose(evidence: &Evidence, now: Timestamp) -> PodDiagnosis {
    let mut diagnosis = summarize(evidence, now);
    diagnosis.findings = checks::evaluate(evidence, &diagnosis, now);
    // Other analyses append their findings here, one line each.
    diagnosis
        .findings
        .extend(crate::waits::findings(evidence, now));
    checks::sort(&mut diagnosis.findings, &evidence.pod);
    diagnosis.next_commands = next_commands(&diagnosis);
    diagnosis
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
        initialized: blocking.is_none(),
        blocking,
        init_containers: rows,
        findings: Vec::new(),
        events: events::summarize(&evidence.events, pod),
        active_deadline_seconds,
        deadline_remaining_seconds: deadline_remaining(pod, now),
        next_commands: Vec::new(),
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

/// True when a pod belongs in an `explain` without pod names: its initialization is not
/// complete, or it failed in initialization.
pub fn needs_attention(pod: &Pod) -> bool {
    let rows = timeline::rows(pod);
    match pod_phase(pod) {
        "Succeeded" => false,
        "Failed" => {
            timeline::blocking(pod, &rows).is_some() && !timeline::initialized_condition(pod)
        }
        _ => !timeline::initialized_condition(pod),
    }
}

/// True when watching this pod can end: it is initialized, or it will never be (it has
/// terminated for good: `Failed` or `Succeeded`).
pub fn settled(diagnosis: &PodDiagnosis) -> bool {
    diagnosis.initialized || matches!(diagnosis.phase.as_str(), "Failed" | "Succeeded")
}

/// The logs the diagnosis of `pod` uses: the blocker's current instance once it has run, and
/// its previous instance once it has restarted.
pub fn log_requests(pod: &Pod) -> Vec<LogRequest> {
    let rows = timeline::rows(pod);
    let Some(blocking) = timeline::blocking(pod, &rows) else {
        return Vec::new();
    };
    let Some(row) = rows.get(blocking.index) else {
        return Vec::new();
    };
    let status = init_status(pod, &row.name);
    let has_previous = status.is_some_and(|s| {
        s.restart_count > 0
            || s.last_state
                .as_ref()
                .is_some_and(|l| l.terminated.is_some())
    });
    let has_run = row.state != InitState::Waiting || has_previous;
    let mut wanted = Vec::new();
    if has_run {
        wanted.push(LogRequest {
            container: row.name.clone(),
            previous: false,
        });
    }
    if has_previous {
        wanted.push(LogRequest {
            container: row.name.clone(),
            previous: true,
        });
    }
    wanted
}

/// Waiting reasons of a failed image pull.
pub const IMAGE_PULL_REASONS: [&str; 6] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
    "SignatureValidationFailed",
];

/// True when the diagnosis of `pod` reports on `imagePullSecrets`: some container of the pod
/// waits on a failed image pull.
pub fn needs_secret_names(pod: &Pod) -> bool {
    let Some(status) = pod.status.as_ref() else {
        return false;
    };
    status
        .init_container_statuses
        .iter()
        .chain(status.container_statuses.iter())
        .flatten()
        .any(|s| waiting_reason(s).is_some_and(|r| IMAGE_PULL_REASONS.contains(&r)))
}

/// The spec of an init container by name.
pub fn init_spec<'a>(pod: &'a Pod, name: &str) -> Option<&'a Container> {
    pod.spec
        .as_ref()?
        .init_containers
        .as_ref()?
        .iter()
        .find(|c| c.name == name)
}

/// The status of an init container by name.
pub fn init_status<'a>(pod: &'a Pod, name: &str) -> Option<&'a ContainerStatus> {
    pod.status
        .as_ref()?
        .init_container_statuses
        .as_ref()?
        .iter()
        .find(|c| c.name == name)
}

/// The waiting reason of a container status, if it is waiting with one.
pub fn waiting_reason(status: &ContainerStatus) -> Option<&str> {
    status
        .state
        .as_ref()
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.as_deref())
}

/// The commands worth running next for this pod.
pub fn next_commands(diagnosis: &PodDiagnosis) -> Vec<String> {
    let pod = format!("{} -n {}", diagnosis.name, diagnosis.namespace);
    let Some(blocking) = &diagnosis.blocking else {
        return if diagnosis.initialized {
            Vec::new()
        } else {
            vec![format!("kubectl describe pod {pod}")]
        };
    };
    let row = diagnosis.init_containers.get(blocking.index);
    let has_run = row
        .is_some_and(|r| r.state != InitState::Waiting || r.restarts > 0 || r.exit_code.is_some());
    let mut commands = Vec::new();
    if has_run {
        commands.push(format!("kubectl initdoctor logs {pod}"));
    }
    if row.is_some_and(|r| r.state == InitState::Running) {
        commands.push(format!(
            "kubectl initdoctor debug {pod} --target {}",
            blocking.name
        ));
    }
    if row.is_some_and(|r| r.restarts > 0) {
        commands.push(format!(
            "kubectl logs {pod} -c {} --previous",
            blocking.name
        ));
    }
    commands.push(format!("kubectl describe pod {pod}"));
    commands
}

/// Whole seconds from `from` to `to`, never negative.
pub fn seconds_between(from: Timestamp, to: Timestamp) -> i64 {
    (to.as_second() - from.as_second()).max(0)
}

/// kubectl-style short durations: 45s, 3m12s, 2h5m, 4d3h.
pub fn short_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=599 => format!("{}m{}s", s / 60, s % 60),
        600..=10799 => format!("{}m", s / 60),
        10800..=172_799 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86400, (s % 86400) / 3600),
    }
}
