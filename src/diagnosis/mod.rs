//! The pure core: Kubernetes objects in, a diagnosis out. No I/O, no printing, no clock:
//! `now` is an argument, so every rule is testable on recorded Pod JSON.
//!
//! [`Evidence`] is what the edge gathered for one pod ([`evidence`]); [`diagnose`] turns it into
//! a [`PodDiagnosis`] — the summary ([`summary`]: init timeline, blocker, events) and the
//! findings — which renderers print. [`log_requests`] and [`needs_secret_names`] tell the edge
//! what to fetch beyond the pod and its events, so that it asks for no more than the diagnosis
//! uses.
//!
//! `diagnose` is the runner: summarize, run every family of [`checks::FAMILIES`] (the waits
//! family among them) through the one interface [`checks::Family`], sort once at the end. The
//! families read [`checks::Context`] and produce [`crate::finding::Finding`]s; none imports
//! this runner. Add a family as one more line in that table.

pub mod checks;
pub mod events;
pub mod evidence;
pub mod exits;
pub mod groups;
pub mod notfound;
pub mod owner;
pub mod resources;
pub mod restart;
pub mod started;
pub mod summary;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

pub use crate::finding::{Finding, Severity};
pub use crate::timeline;
pub use crate::timeline::{seconds_between, short_duration};
pub use events::PodEvent;
pub use evidence::{
    ContainerLogs, Evidence, IMAGE_PULL_REASONS, LOG_TAIL_LINES, LogRequest, Lookup, init_spec,
    init_status, waiting_reason,
};
pub use summary::{PodDiagnosis, deadline_remaining, pod_phase, summarize};
pub use timeline::{Blocking, InitContainerRow, InitState};

/// Diagnose one pod at time `now`.
pub fn diagnose(evidence: &Evidence, now: Timestamp) -> PodDiagnosis {
    let mut diagnosis = summarize(evidence, now);
    let mut findings = checks::evaluate(evidence, &diagnosis, now);
    started::reconcile(evidence, &diagnosis, &mut findings);
    checks::sort(&mut findings, &evidence.pod);
    diagnosis.findings = findings;
    if let Some(owner) = &evidence.owner {
        owner::retarget(&mut diagnosis.findings, owner, &diagnosis.name);
    }
    diagnosis.next_commands = next_commands(&diagnosis);
    diagnosis
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

/// True when a pod belongs in an `explain` without pod names and without `--init-only`: it
/// needs attention in initialization ([`needs_attention`]), or it is not Ready while it may
/// still become so (`Pending`, `Running`, `Unknown`: a `0/1 Running` pod, a crash-looping app
/// container, a sandbox that is not ready).
pub fn needs_attention_or_not_ready(pod: &Pod) -> bool {
    needs_attention(pod)
        || (!matches!(pod_phase(pod), "Succeeded" | "Failed") && !timeline::ready_condition(pod))
}

/// True when `explain --exit-code` exits 3 for this pod: not initialized, or (unless
/// `init_only`) not Ready and not `Succeeded` (a Completed pod is fine).
pub fn exits_blocked(diagnosis: &PodDiagnosis, init_only: bool) -> bool {
    !diagnosis.initialized || (!init_only && !diagnosis.ready && diagnosis.phase != "Succeeded")
}

/// True when this pod's initialization needs no more watching: it is initialized, or it will
/// never be (it has terminated for good: `Failed` or `Succeeded`).
pub fn settled(diagnosis: &PodDiagnosis) -> bool {
    diagnosis.initialized || matches!(diagnosis.phase.as_str(), "Failed" | "Succeeded")
}

/// True when `explain --watch` can stop watching this pod: with `init_only`, once
/// [`settled`]; else once it is Ready (initialized, every container ready), Completed, or
/// `Failed` (it will never be Ready) — the pods part 3's selection picks are watched until
/// they are Ready, not only initialized.
pub fn watch_settled(diagnosis: &PodDiagnosis, init_only: bool) -> bool {
    if init_only {
        return settled(diagnosis);
    }
    (diagnosis.initialized && diagnosis.ready)
        || matches!(diagnosis.phase.as_str(), "Failed" | "Succeeded")
}

/// The logs the diagnosis of `pod` uses: the blocker's current instance once it has run, and
/// its previous instance once it has restarted; the same for every native sidecar and app
/// container that has failed (terminated non-zero, or restarted and not Ready), for the App*
/// findings and the bind failures of `PortConflictInPod`.
pub fn log_requests(pod: &Pod) -> Vec<LogRequest> {
    let rows = timeline::rows(pod);
    let mut wanted = Vec::new();
    if let Some(row) = timeline::blocking(pod, &rows).and_then(|b| rows.get(b.index)) {
        push_logs(&mut wanted, row, init_status(pod, &row.name));
    }
    let failed = |status: Option<&k8s_openapi::api::core::v1::ContainerStatus>| {
        status.is_some_and(|s| {
            let ended_badly = s
                .state
                .as_ref()
                .and_then(|st| st.terminated.as_ref())
                .is_some_and(|t| t.exit_code != 0);
            ended_badly || (s.restart_count > 0 && !s.ready)
        })
    };
    for row in rows.iter().filter(|r| r.sidecar) {
        let status = init_status(pod, &row.name);
        if failed(status) && !wanted.iter().any(|w: &LogRequest| w.container == row.name) {
            push_logs(&mut wanted, row, status);
        }
    }
    for row in &timeline::app_rows(pod) {
        let status = evidence::app_status(pod, &row.name);
        if failed(status) {
            push_logs(&mut wanted, row, status);
        }
    }
    wanted
}

/// The current instance of a container once it has run, its previous once it has restarted.
fn push_logs(
    wanted: &mut Vec<LogRequest>,
    row: &InitContainerRow,
    status: Option<&k8s_openapi::api::core::v1::ContainerStatus>,
) {
    let has_previous = status.is_some_and(|s| {
        s.restart_count > 0
            || s.last_state
                .as_ref()
                .is_some_and(|l| l.terminated.is_some())
    });
    let has_run = row.state != InitState::Waiting || has_previous;
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
}

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
