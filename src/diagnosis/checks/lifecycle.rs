//! The pod's deadline: `DeadlineExceeded` and `DeadlineApproaching` (`activeDeadlineSeconds`
//! counts init time).

use super::context::{Blocker, Context, event_line, finding, one_line};
use crate::finding::{Finding, Severity};
use crate::timeline::short_duration;

/// The pod failed with `DeadlineExceeded`, or its deadline has passed before initialization.
pub fn check_deadline_exceeded(cx: &Context) -> Option<Finding> {
    let status = cx.pod.status.as_ref();
    let failed_for_it = status.and_then(|s| s.reason.as_deref()) == Some("DeadlineExceeded");
    let passed = cx.diagnosis.deadline_remaining_seconds == Some(0) && !cx.diagnosis.initialized;
    if !failed_for_it && !passed {
        return None;
    }
    let deadline = cx.diagnosis.active_deadline_seconds;
    let container = cx.blocker.as_ref().map(Blocker::name);
    let message = match (failed_for_it, deadline) {
        (true, Some(d)) => format!(
            "the pod failed with DeadlineExceeded: activeDeadlineSeconds ({d}s) ran out before initialization finished"
        ),
        (true, None) => {
            "the pod failed with DeadlineExceeded before initialization finished".into()
        }
        (false, _) => format!(
            "activeDeadlineSeconds ({}s) has run out before initialization finished: the kubelet fails the pod with DeadlineExceeded",
            deadline.unwrap_or_default()
        ),
    };
    let mut f = finding("DeadlineExceeded", Severity::Error, container, message);
    if let Some(m) = status
        .and_then(|s| s.message.as_deref())
        .filter(|m| !m.is_empty())
    {
        f.evidence.push(format!("pod status: {}", one_line(m)));
    }
    if let Some(b) = &cx.blocker {
        f.evidence.push(format!(
            "init container {:?} ({}/{}) had not finished",
            b.name(),
            b.row.index + 1,
            cx.diagnosis.init_containers.len()
        ));
    }
    if let Some(e) = cx.events(None, &["DeadlineExceeded"]).last() {
        f.evidence.push(event_line(e));
    }
    f.hint = format!(
        "activeDeadlineSeconds counts init time: raise it (or make initialization faster), then recreate the pod: kubectl delete pod {} and apply its manifest again",
        cx.pod_args()
    );
    Some(f)
}

/// The pod is still initializing under a deadline: how long is left.
pub fn check_deadline_approaching(cx: &Context) -> Option<Finding> {
    let remaining = cx.diagnosis.deadline_remaining_seconds.filter(|r| *r > 0)?;
    let deadline = cx.diagnosis.active_deadline_seconds?;
    if cx.diagnosis.initialized || cx.diagnosis.phase == "Failed" {
        return None;
    }
    // Close (under a quarter of the deadline, or five minutes) is a warning; else information.
    let severity = if remaining * 4 < deadline || remaining < 300 {
        Severity::Warning
    } else {
        Severity::Info
    };
    let mut f = finding(
        "DeadlineApproaching",
        severity,
        cx.blocker.as_ref().map(Blocker::name),
        format!(
            "{} left of activeDeadlineSeconds ({deadline}s), which counts init time: then the pod fails with DeadlineExceeded",
            short_duration(remaining)
        ),
    );
    f.evidence.push(format!(
        "activeDeadlineSeconds {deadline}, {}s elapsed since the pod started",
        deadline - remaining
    ));
    f.hint = "unblock initialization before the deadline, or raise spec.activeDeadlineSeconds (the pod must be recreated for that)".into();
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::Severity;
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    fn under_deadline(status: serde_json::Value) -> crate::diagnosis::Evidence {
        let mut p = pod(json!([init("init-myservice", "sleep 3600")]), status);
        p["spec"]["activeDeadlineSeconds"] = json!(900);
        evidence(p)
    }

    #[test]
    fn failed_pod_says_deadline_exceeded() {
        let e = under_deadline(json!({
            "phase": "Failed", "reason": "DeadlineExceeded",
            "message": "Pod was active on the node longer than the specified deadline",
            "startTime": "2026-01-01T00:00:00Z",
            "initContainerStatuses": [
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 137, "reason": "Error"}}}]
        }));
        let f = only(&e, "DeadlineExceeded");
        assert_eq!(f.severity, Severity::Error);
        assert!(f.message.contains("activeDeadlineSeconds (900s)"));
        assert!(
            f.evidence.contains(
                &"pod status: Pod was active on the node longer than the specified deadline"
                    .to_string()
            )
        );
        assert!(!codes(&e).contains(&"DeadlineApproaching".to_string()));
    }

    #[test]
    fn running_pod_shows_the_time_left() {
        // Started at 00:00, now 00:10, deadline 15m: 5m left.
        let e = under_deadline(json!({
            "phase": "Pending", "startTime": "2026-01-01T00:00:00Z",
            "initContainerStatuses": [
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}}}]
        }));
        let f = only(&e, "DeadlineApproaching");
        assert_eq!(f.severity, Severity::Info);
        assert!(
            f.message
                .starts_with("5m left of activeDeadlineSeconds (900s)"),
            "{}",
            f.message
        );
        let d = crate::diagnosis::diagnose(&e, NOW.parse().unwrap());
        assert_eq!(d.deadline_remaining_seconds, Some(300));
        // Four minutes later, one minute is left: a warning.
        let later = crate::diagnosis::diagnose(&e, "2026-01-01T00:14:00Z".parse().unwrap());
        let f = later
            .findings
            .iter()
            .find(|f| f.code == "DeadlineApproaching")
            .unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.message.starts_with("60s left"), "{}", f.message);
    }
}
