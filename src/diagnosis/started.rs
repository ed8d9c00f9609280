//! The findings, checked against what has actually run (generic over codes, after every
//! family):
//!
//! - a blocker that has never started (the pod is not scheduled, its image is not pulled, its
//!   config is missing…) gets no wait analysis as if it ran: its wait findings give way to one
//!   `NotStarted` finding saying why (the waits are named in its evidence, to check once it runs);
//! - a blocker that crashes or failed (an error of its own that is not about a wait) gets that
//!   finding only, not `WaitNotUnderstood` beside it;
//! - a running blocker whose log shows that its command itself fails (not found, not
//!   executable, a usage error: [`super::broken`]) gets `WaitCommandBroken`, and no finding
//!   saying that its wait should pass (`ResolvesButWaits`) or is not understood;
//! - a running blocker whose wait should pass (`ResolvesButWaits`) while its log shows why it
//!   does not (the name does not resolve, refused, timed out, busybox nslookup's search-domain
//!   failures: [`super::logcause`]) gets that cause instead (`WaitLogShowsCause`,
//!   `BusyboxNslookupQuirk`);
//! - a running blocker's last log lines go in the evidence of its first wait finding.

use super::{Evidence, PodDiagnosis};
use crate::finding::{Finding, Severity, finding, log_lines};
use crate::timeline::InitState;

/// The wait findings that a broken command proves wrong: its wait cannot pass, and is understood.
const SHOULD_PASS: [&str; 2] = ["ResolvesButWaits", "WaitNotUnderstood"];

/// How many log lines of a running blocker a wait finding shows.
const WAIT_LOG_LINES: usize = 3;

/// Apply the three rules to `findings` of the pod in `diagnosis`.
pub fn reconcile(evidence: &Evidence, diagnosis: &PodDiagnosis, findings: &mut Vec<Finding>) {
    let Some(blocking) = &diagnosis.blocking else {
        return;
    };
    let Some(row) = diagnosis.init_containers.get(blocking.index) else {
        return;
    };
    let name = row.name.as_str();
    let mine = |f: &Finding| f.container.as_deref() == Some(name);
    let waits = |f: &Finding| crate::waits::owns(f);
    let never_ran = row.state == InitState::Waiting && row.exit_code.is_none() && row.restarts == 0;
    if never_ran && findings.iter().any(|f| mine(f) && waits(f)) {
        let targets: Vec<String> = findings
            .iter()
            .filter(|f| mine(f) && waits(f))
            .filter_map(|f| f.target.clone())
            .fold(Vec::new(), |mut acc, t| {
                if !acc.contains(&t) {
                    acc.push(t);
                }
                acc
            });
        findings.retain(|f| !(mine(f) && waits(f)));
        let why = not_started_why(diagnosis, row.reason.as_deref());
        let explained = findings
            .iter()
            .any(|f| f.severity >= Severity::Warning && (mine(f) || f.container.is_none()));
        let mut f = finding(
            "NotStarted",
            if explained {
                Severity::Info
            } else {
                Severity::Warning
            },
            Some(name),
            format!("init container {name} has not started: {why}"),
        );
        if !targets.is_empty() {
            f.evidence.push(format!(
                "its command waits on {}: checked once it runs",
                targets.join(", ")
            ));
        }
        f.hint = if diagnosis.node.is_none() {
            format!(
                "see why the pod is not placed: kubectl describe pod {} -n {} (Events, and the PodScheduled condition)",
                diagnosis.name, diagnosis.namespace
            )
        } else {
            format!(
                "see why it does not start: kubectl describe pod {} -n {}",
                diagnosis.name, diagnosis.namespace
            )
        };
        findings.push(f);
        return;
    }
    // A crash or failure of its own: that finding only.
    let own_error = findings
        .iter()
        .any(|f| mine(f) && !waits(f) && f.severity == Severity::Error);
    if own_error {
        findings.retain(|f| !(mine(f) && f.code == "WaitNotUnderstood"));
    }
    if row.state == InitState::Running
        && let Some(logs) = evidence.logs.get(name)
        && let Some(spec) = super::init_spec(&evidence.pod, name)
        && let Some(broken) = super::broken::read(spec, &logs.current)
    {
        findings.retain(|f| !(mine(f) && SHOULD_PASS.contains(&f.code.as_str())));
        findings.push(super::broken::finding_for(
            name,
            spec.image.as_deref().unwrap_or(""),
            &broken,
        ));
        return;
    }
    if row.state == InitState::Running
        && let Some(logs) = evidence.logs.get(name)
        && let Some((cause, line)) = super::logcause::read(&logs.current)
    {
        for f in findings
            .iter_mut()
            .filter(|f| mine(f) && f.code == "ResolvesButWaits")
        {
            *f = super::logcause::finding_for(f, &cause, &line);
        }
    }
    if row.state == InitState::Running
        && let Some(logs) = evidence.logs.get(name)
        && let Some(first) = findings.iter_mut().find(|f| mine(f) && waits(f))
    {
        let lines = log_lines("its log", &logs.current, WAIT_LOG_LINES);
        if !lines.iter().all(|l| first.evidence.contains(l)) {
            first.evidence.extend(lines);
        }
    }
}

/// Why a container that never ran has not started, in a few words.
fn not_started_why(diagnosis: &PodDiagnosis, reason: Option<&str>) -> String {
    if diagnosis.node.is_none() {
        return "the pod is not scheduled to a node yet".into();
    }
    match reason {
        Some("PodInitializing") | None => "the kubelet has not started it yet".into(),
        Some(reason) => format!("it is waiting ({reason})"),
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use crate::diagnosis::{ContainerLogs, diagnose};
    use serde_json::json;

    /// Lookups made, and nothing found (no Service mydb).
    fn fetched() -> crate::waits::WaitObjects {
        crate::waits::WaitObjects {
            fetched: true,
            ..Default::default()
        }
    }

    const WAIT: &str = "until nslookup mydb; do sleep 2; done";

    fn codes(e: &crate::diagnosis::Evidence) -> Vec<String> {
        let now = NOW.parse().unwrap();
        diagnose(e, now)
            .findings
            .iter()
            .map(|f| f.code.clone())
            .collect()
    }

    #[test]
    fn an_unscheduled_pod_gets_no_wait_analysis_but_not_started() {
        let mut p = pod(
            json!([init("init-mydb", WAIT)]),
            json!({"phase": "Pending"}),
        );
        p["spec"].as_object_mut().unwrap().remove("nodeName");
        let mut e = evidence(p);
        e.waits = Some(fetched());
        let now = NOW.parse().unwrap();
        let d = diagnose(&e, now);
        let codes: Vec<&str> = d.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["NotStarted"], "{:#?}", d.findings);
        let f = &d.findings[0];
        assert!(f.message.contains("not scheduled"), "{}", f.message);
        assert!(f.evidence[0].contains("mydb"), "{:?}", f.evidence);
        assert!(!f.hint.contains("logs"), "{}", f.hint);
    }

    #[test]
    fn a_running_wait_shows_its_last_log_lines() {
        let mut e = evidence(pod(
            json!([init("init-mydb", WAIT)]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false,
                 "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}}}]}),
        ));
        e.waits = Some(fetched());
        e.logs.insert(
            "init-mydb".into(),
            ContainerLogs {
                current: vec!["nslookup: can't resolve 'mydb'".into()],
                ..Default::default()
            },
        );
        let now = NOW.parse().unwrap();
        let d = diagnose(&e, now);
        let first = d
            .findings
            .iter()
            .find(|f| crate::waits::owns(f))
            .expect("a wait finding");
        assert!(
            first
                .evidence
                .iter()
                .any(|l| l == "| nslookup: can't resolve 'mydb'"),
            "{:?}",
            first.evidence
        );
        assert!(!codes(&e).contains(&"NotStarted".to_string()));
    }

    #[test]
    fn a_crash_of_a_command_that_is_not_a_wait_has_its_crash_finding_only() {
        let e = evidence(pod(
            json!([init("migrate", "migrate-db --target latest")]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "migrate", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 4,
                 "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                   "startedAt": "2026-01-01T00:09:00Z", "finishedAt": "2026-01-01T00:09:01Z"}}}]}),
        ));
        let codes = codes(&e);
        assert!(codes.contains(&"CrashLoop".to_string()), "{codes:?}");
        assert!(
            !codes.contains(&"WaitNotUnderstood".to_string()),
            "{codes:?}"
        );
    }

    #[test]
    fn a_wait_behind_a_native_sidecar_waits_for_it_to_start_not_to_finish() {
        let mut proxy = init("proxy", "sleep 3600");
        proxy["restartPolicy"] = json!("Always");
        let mut e = evidence(pod(
            json!([proxy, init("init-mydb", WAIT)]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "proxy", "image": "busybox:1.28", "imageID": "", "ready": false,
                 "restartCount": 0, "started": false,
                 "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}}},
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false,
                 "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}),
        ));
        e.waits = Some(fetched());
        let now = NOW.parse().unwrap();
        let d = diagnose(&e, now);
        let later = d
            .findings
            .iter()
            .find(|f| f.container.as_deref() == Some("init-mydb"))
            .expect("a finding of init-mydb");
        assert!(
            later.message.starts_with("once proxy has started: "),
            "{}",
            later.message
        );
    }
}
