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

pub mod broken;
pub mod checks;
pub mod creation;
pub mod cronjob;
pub mod events;
pub mod evidence;
pub mod exits;
pub mod groups;
pub mod killed;
pub mod logcause;
pub mod notfound;
pub mod owner;
pub mod policies;
pub mod resources;
pub mod restart;
pub mod selfwait;
pub mod serverinit;
pub mod sidecarorder;
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
    if let Some(row) = diagnosis
        .blocking
        .as_ref()
        .and_then(|b| diagnosis.init_containers.get(b.index))
    {
        serverinit::reconcile(&evidence.pod, &row.name, row.state, &mut findings);
        let logs: Vec<String> = evidence
            .logs
            .get(&row.name)
            .map(|l| l.current.iter().chain(&l.previous).cloned().collect())
            .unwrap_or_default();
        sidecarorder::reconcile(&evidence.pod, &row.name, &logs, &mut findings);
    }
    if let Some(w) = &evidence.waits {
        let services: Vec<_> = w
            .services
            .iter()
            .chain(&w.services_by_name)
            .cloned()
            .collect();
        selfwait::reconcile(&evidence.pod, &services, &mut findings);
        selfwait::cycles(&evidence.pod, &mut findings);
    }
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

/// The selection of [`needs_attention`] (`init_only`) or [`needs_attention_or_not_ready`],
/// decided from the pod's phase and conditions alone, as a page of the pod list is read first:
/// `None` for a `Failed` pod, whose selection needs its init containers (did it fail during
/// initialization?), and every other pod is decided by its phase and conditions (`pod` may
/// hold nothing else).
pub fn selected_by_status(pod: &Pod, init_only: bool) -> Option<bool> {
    if pod_phase(pod) == "Failed" {
        return None;
    }
    Some(if init_only {
        needs_attention(pod)
    } else {
        needs_attention_or_not_ready(pod)
    })
}

/// The pod [`selected_by_status`] decides from: only `phase` and the conditions' type and
/// status (what a page of the pod list is read for first).
pub fn status_head(
    phase: Option<String>,
    conditions: Option<impl IntoIterator<Item = (String, String)>>,
) -> Pod {
    use k8s_openapi::api::core::v1::{PodCondition, PodStatus};
    Pod {
        status: Some(PodStatus {
            phase,
            conditions: conditions.map(|cs| {
                cs.into_iter()
                    .map(|(type_, status)| PodCondition {
                        type_,
                        status,
                        ..Default::default()
                    })
                    .collect()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A pod in `phase` with these conditions, its init container `init` in `init_state` (a
    /// container state's JSON), `restartPolicy` `policy`.
    fn pod(phase: &str, conditions: &[(&str, &str)], init_state: &str, policy: &str) -> Pod {
        let conditions: Vec<serde_json::Value> = conditions
            .iter()
            .map(|(t, s)| serde_json::json!({"type": t, "status": s}))
            .collect();
        let state: serde_json::Value = serde_json::from_str(init_state).unwrap();
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"restartPolicy": policy, "containers": [{"name": "app"}],
                     "initContainers": [{"name": "init", "image": "busybox"}]},
            "status": {"phase": phase, "conditions": conditions,
                       "initContainerStatuses": [{"name": "init", "image": "busybox",
                           "imageID": "", "ready": false, "restartCount": 1, "state": state}]}
        }))
        .unwrap()
    }

    /// What a page's first read of `pod` keeps: its phase and conditions' type and status.
    fn skeleton(pod: &Pod) -> Pod {
        let status = pod.status.clone().unwrap_or_default();
        status_head(
            status.phase,
            status
                .conditions
                .map(|cs| cs.into_iter().map(|c| (c.type_, c.status))),
        )
    }

    #[test]
    fn the_selection_from_phase_and_conditions_is_the_selection_of_the_whole_pod() {
        let running = r#"{"running": {}}"#;
        let failed = r#"{"terminated": {"exitCode": 1, "reason": "Error"}}"#;
        let done = r#"{"terminated": {"exitCode": 0, "reason": "Completed"}}"#;
        let crashing = r#"{"waiting": {"reason": "CrashLoopBackOff"}}"#;
        let init_false = [("Initialized", "False"), ("Ready", "False")];
        let ready = [("Initialized", "True"), ("Ready", "True")];
        let not_ready = [("Initialized", "True"), ("Ready", "False")];
        // (case, pod, selected with --init-only, selected without)
        let cases = [
            (
                "initializing",
                pod("Pending", &init_false, running, "Always"),
                true,
                true,
            ),
            (
                "ready",
                pod("Running", &ready, done, "Always"),
                false,
                false,
            ),
            (
                "0/1 Running",
                pod("Running", &not_ready, done, "Always"),
                false,
                true,
            ),
            // After a node restart the sandbox is new and the app containers' records are
            // gone: the kubelet keeps the phase Running while an init container crash-loops.
            (
                "re-initializing",
                pod("Running", &init_false, crashing, "Always"),
                true,
                true,
            ),
            (
                "unknown",
                pod("Unknown", &init_false, running, "Always"),
                true,
                true,
            ),
            (
                "completed",
                pod("Succeeded", &ready, done, "Always"),
                false,
                false,
            ),
            (
                "failed in init",
                pod("Failed", &init_false, failed, "Never"),
                true,
                true,
            ),
            (
                "failed after init",
                pod("Failed", &not_ready, done, "Never"),
                false,
                false,
            ),
        ];
        for (case, pod, init_only, all) in cases {
            assert_eq!(needs_attention(&pod), init_only, "{case}: --init-only");
            assert_eq!(needs_attention_or_not_ready(&pod), all, "{case}");
            for (flag, whole) in [(true, init_only), (false, all)] {
                match selected_by_status(&skeleton(&pod), flag) {
                    Some(first) => assert_eq!(first, whole, "{case}: init_only {flag}"),
                    None => assert_eq!(pod_phase(&pod), "Failed", "{case}: undecided"),
                }
            }
        }
    }
}
