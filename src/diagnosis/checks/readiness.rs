//! `ReadinessProbePending`: a container runs, is not Ready, and its readinessProbe has not
//! failed (no `Unhealthy` event) — it has not passed *yet*. The kubelet probes first after
//! `initialDelaySeconds`, then every `periodSeconds`, and marks the container Ready after
//! `successThreshold` passes in a row; until then a `0/1 Running` pod is not a fault, and saying
//! nothing about it (or "ReadinessProbeFailing") would be wrong.

use jiff::Timestamp;

use super::context::{Context, finding};
use super::probes::{ProbeKind, describe_probe, missing_command, probe_events};
use crate::finding::{Finding, Severity};

/// Seconds after which a probe that has written no failure should have passed: the first probe
/// at `initialDelaySeconds`, `successThreshold` passes `periodSeconds` apart, each up to
/// `timeoutSeconds`, and one more period of slack.
fn expected_within(p: &k8s_openapi::api::core::v1::Probe) -> i64 {
    let delay = i64::from(p.initial_delay_seconds.unwrap_or(0));
    let period = i64::from(p.period_seconds.unwrap_or(10));
    let successes = i64::from(p.success_threshold.unwrap_or(1));
    let timeout = i64::from(p.timeout_seconds.unwrap_or(1));
    delay + (successes + 1) * period + successes * timeout
}

/// When the container's current instance started.
fn started_at(status: Option<&k8s_openapi::api::core::v1::ContainerStatus>) -> Option<Timestamp> {
    status?
        .state
        .as_ref()?
        .running
        .as_ref()?
        .started_at
        .as_ref()
        .map(|t| t.0)
}

pub fn readiness_probe_pending(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in cx.long_running() {
        let Some(p) = ProbeKind::Readiness.of(c) else {
            continue;
        };
        let Some(started) = started_at(c.status) else {
            continue;
        };
        if c.ready() || cx.finished() {
            continue;
        }
        // A startup probe not passed yet holds readiness back: StartupProbeNeverPassed says so.
        if ProbeKind::Startup.of(c).is_some() && c.status.and_then(|s| s.started) != Some(true) {
            continue;
        }
        // A failure written (ReadinessProbeFailing) or a missing command (ProbeCommandNotFound)
        // has its own finding.
        if !probe_events(cx, c.name(), ProbeKind::Readiness).is_empty()
            || missing_command(cx, c, ProbeKind::Readiness).is_some()
        {
            continue;
        }
        let running = (cx.now - started).get_seconds().max(0);
        let within = expected_within(p);
        let ran = crate::diagnosis::short_duration(running);
        let (severity, message) = if running <= within {
            (
                Severity::Info,
                format!(
                    "runs for {ran} and is not Ready yet: its readinessProbe has not passed so far (no failure written); the kubelet marks it Ready after {} pass(es) in a row",
                    p.success_threshold.unwrap_or(1)
                ),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "runs for {ran} and is still not Ready, though its readinessProbe should have passed within about {} and the kubelet has written no failure",
                    crate::diagnosis::short_duration(within)
                ),
            )
        };
        let mut f = finding("ReadinessProbePending", severity, Some(c.name()), message);
        f.evidence
            .push(format!("readinessProbe: {}", describe_probe(p)));
        f.evidence.push(format!(
            "running since {started} ({ran}); without a failure it should be Ready within about {}",
            crate::diagnosis::short_duration(within)
        ));
        if severity == Severity::Warning {
            f.evidence.push(
                "no Unhealthy event: events expire after an hour, and an exec probe that runs past timeoutSeconds is a failure too; see the kubelet's view in the pod's conditions".into(),
            );
        }
        f.hint = format!(
            "nothing is failing yet: follow it with kubectl initdoctor explain {} --watch (or kubectl get pod -w); if it never becomes Ready, check {}",
            cx.pod_args(),
            c.field("readinessProbe")
        );
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::Severity;
    use crate::diagnosis::checks::testing::*;

    /// Seed 001's readiness pod as the real kubelet wrote it (`ready404`), with only the events
    /// it had before its first probe failure, and its container started `ago` before NOW.
    fn before_first_failure(ago: &str) -> crate::diagnosis::Evidence {
        let mut e = recorded("ready404", &[]);
        e.events
            .retain(|ev| ev.reason.as_deref() != Some("Unhealthy"));
        let mut pod = serde_json::to_value(&e.pod).unwrap();
        let started: jiff::Timestamp = NOW.parse().unwrap();
        let started = started - ago.parse::<jiff::Span>().unwrap();
        pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"] =
            serde_json::json!(started.to_string());
        e.pod = serde_json::from_value(pod).unwrap();
        e
    }

    #[test]
    fn not_ready_yet_without_a_failure() {
        // (started ago, severity, words)
        let cases = [
            ("2s", Severity::Info, "runs for 2s and is not Ready yet"),
            (
                "PT10M",
                Severity::Warning,
                "should have passed within about 6s",
            ),
        ];
        for (ago, severity, says) in cases {
            let e = before_first_failure(ago);
            let f = only(&e, "ReadinessProbePending");
            assert_eq!(f.severity, severity, "{ago}: {f:#?}");
            assert_eq!(f.container.as_deref(), Some("web"));
            assert!(f.message.contains(says), "{ago}: {}", f.message);
            assert!(
                f.evidence[0].starts_with("readinessProbe: httpGet :80/index1.html"),
                "{:?}",
                f.evidence
            );
            assert!(!codes(&e).contains(&"ReadinessProbeFailing".to_string()));
        }
        // Once the kubelet writes a failure, it is ReadinessProbeFailing alone.
        let e = recorded("ready404", &[]);
        assert!(!codes(&e).contains(&"ReadinessProbePending".to_string()));
        assert!(codes(&e).contains(&"ReadinessProbeFailing".to_string()));
    }
}
