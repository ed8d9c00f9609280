//! Starting, not failing: `SidecarNotStarted` (a native sidecar whose startup has not succeeded
//! holds the next init container) and `AppContainersStarting` (initialization is done; the app
//! containers are still being created).

use super::context::{Context, event_line, finding};
use super::probes::describe_probe;
use crate::diagnosis::evidence::{IMAGE_PULL_REASONS, waiting_reason};
use crate::diagnosis::restart::RESTARTING_ALL_CONTAINERS;
use crate::finding::{Finding, Severity};
use crate::timeline::InitState;

/// The blocker is a native sidecar (`restartPolicy: Always`) that has not started.
pub fn check_sidecar_not_started(cx: &Context) -> Option<Finding> {
    let blocker = cx.blocker.as_ref()?;
    if !blocker.row.sidecar {
        return None;
    }
    let next = cx
        .diagnosis
        .init_containers
        .get(blocker.row.index + 1)
        .map(|r| format!("init container {:?}", r.name))
        .unwrap_or_else(|| "the app containers".into());
    let probe = blocker.spec.and_then(|s| s.startup_probe.as_ref());
    let unhealthy = cx.events(Some(blocker.name()), &["Unhealthy"]);
    let startup_failures: Vec<_> = unhealthy
        .iter()
        .filter(|e| e.message.to_lowercase().contains("startup probe"))
        .collect();
    let running = blocker.row.state == InitState::Running;
    let why = match (running, probe) {
        (true, Some(_)) => "its startupProbe has not succeeded yet",
        (true, None) => "the kubelet has not reported it started",
        (false, _) => "it is not running",
    };
    let severity = if running && startup_failures.is_empty() {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut f = finding(
        "SidecarNotStarted",
        severity,
        Some(blocker.name()),
        format!("native sidecar has not started ({why}), so {next} cannot start"),
    );
    if let Some(p) = probe {
        f.evidence
            .push(format!("startupProbe: {}", describe_probe(p)));
    }
    if !running {
        f.evidence.push(format!(
            "state: {}",
            blocker.waiting_reason().unwrap_or("Waiting")
        ));
    }
    for e in startup_failures
        .iter()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        f.evidence.push(event_line(e));
    }
    f.hint = match probe {
        Some(_) if running => format!(
            "check why the startupProbe fails (see the Unhealthy events), or loosen its failureThreshold/periodSeconds; look inside: kubectl initdoctor debug {} --target {}",
            cx.pod_args(),
            blocker.name()
        ),
        _ => format!(
            "see why the sidecar does not run: kubectl logs {} -c {}",
            cx.pod_args(),
            blocker.name()
        ),
    };
    Some(f)
}

/// Initialization is done but app containers still wait: images pulling (`PodInitializing`),
/// or an app container failing, which is no longer an init problem.
pub fn check_app_containers_starting(cx: &Context) -> Option<Finding> {
    if !cx.diagnosis.initialized || matches!(cx.diagnosis.phase.as_str(), "Succeeded" | "Failed") {
        return None;
    }
    if cx.diagnosis.init_containers.is_empty() {
        return None;
    }
    // Init containers running again while the pod stays initialized: an in-place restart
    // (AllContainersRestarting says so); the app containers wait for them, as at the start.
    if cx
        .diagnosis
        .init_containers
        .iter()
        .any(|r| !r.sidecar && !r.done)
    {
        return None;
    }
    let status = cx.pod.status.as_ref()?;
    let specs = &cx.pod.spec.as_ref()?.containers;
    let waiting: Vec<(&str, &str)> = status
        .container_statuses
        .iter()
        .flatten()
        .filter_map(|s| waiting_reason(s).map(|r| (s.name.as_str(), r)))
        // Failed pulls and crash loops have findings of their own (AppImagePullFailed,
        // AppCrashLoop, …), and so has an in-place restart (AllContainersRestarting).
        .filter(|(_, r)| {
            !IMAGE_PULL_REASONS.contains(r)
                && !matches!(*r, "CrashLoopBackOff" | RESTARTING_ALL_CONTAINERS)
        })
        .collect();
    if waiting.is_empty() || !cx.events(None, &["FailedCreatePodSandBox"]).is_empty() {
        return None;
    }
    let failing: Vec<&(&str, &str)> = waiting
        .iter()
        .filter(|(_, r)| matches!(*r, "CreateContainerConfigError" | "CreateContainerError"))
        .collect();
    let image = |name: &str| {
        specs
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.image.clone())
            .unwrap_or_default()
    };
    let listed = waiting
        .iter()
        .map(|(name, reason)| format!("{name} ({reason}, image {:?})", image(name)))
        .collect::<Vec<_>>()
        .join(", ");
    let (severity, message, hint) = match failing.first() {
        Some((name, reason)) => (
            Severity::Warning,
            format!(
                "initialization is done, but app container {name} fails to start ({reason}): not an init problem"
            ),
            format!(
                "see the app container's events: kubectl describe pod {}",
                cx.pod_args()
            ),
        ),
        None => (
            Severity::Info,
            format!("initialization is done; the app containers are starting: {listed}"),
            format!(
                "nothing to fix in initialization: wait, or follow it with kubectl initdoctor explain {} --watch",
                cx.pod_args()
            ),
        ),
    };
    let first = failing
        .first()
        .map(|(n, _)| *n)
        .or(waiting.first().map(|(n, _)| *n));
    let mut f = finding("AppContainersStarting", severity, first, message);
    f.evidence.push(format!("waiting: {listed}"));
    let app_events: Vec<_> = cx
        .diagnosis
        .events
        .iter()
        .filter(|e| {
            e.container
                .as_deref()
                .is_some_and(|c| specs.iter().any(|s| s.name == c))
        })
        .filter(|e| {
            matches!(
                e.reason.as_str(),
                "Pulling" | "Pulled" | "Failed" | "BackOff"
            )
        })
        .collect();
    for e in app_events
        .iter()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        f.evidence.push(event_line(e));
    }
    f.hint = hint;
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::Severity;
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    fn sidecar_pod(sidecar_status: serde_json::Value) -> crate::diagnosis::Evidence {
        evidence(pod(
            json!([
                {"name": "proxy", "image": "envoy:1.30", "restartPolicy": "Always",
                 "startupProbe": {"httpGet": {"path": "/ready", "port": 15021}, "periodSeconds": 5, "failureThreshold": 60}},
                init("migrate", "./migrate")
            ]),
            json!({"phase": "Pending", "initContainerStatuses": [
                sidecar_status,
                {"name": "migrate", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}}]}),
        ))
    }

    #[test]
    fn sidecar_waiting_on_its_startup_probe() {
        let e = with_events(
            sidecar_pod(
                json!({"name": "proxy", "image": "envoy:1.30", "imageID": "", "ready": false,
                "started": false, "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}}}),
            ),
            vec![{
                let mut ev = event(
                    Some("proxy"),
                    "Warning",
                    "Unhealthy",
                    "Startup probe failed: HTTP probe failed with statuscode: 503",
                    9,
                );
                ev["involvedObject"]["fieldPath"] = json!("spec.initContainers{proxy}");
                ev
            }],
        );
        let f = only(&e, "SidecarNotStarted");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.container.as_deref(), Some("proxy"));
        assert_eq!(
            f.message,
            "native sidecar has not started (its startupProbe has not succeeded yet), so init container \"migrate\" cannot start"
        );
        assert!(f.evidence[0].starts_with(
            "startupProbe: httpGet :15021/ready, every 5s, gives up after 60 failures"
        ));
        assert!(
            f.evidence
                .iter()
                .any(|l| l.contains("Unhealthy (x9, kubelet): Startup probe failed"))
        );
        assert!(
            f.hint
                .contains("kubectl initdoctor debug myapp-pod -n shop --target proxy")
        );
    }

    #[test]
    fn started_sidecar_does_not_block() {
        let e = sidecar_pod(
            json!({"name": "proxy", "image": "envoy:1.30", "imageID": "", "ready": true,
            "started": true, "restartCount": 0, "state": {"running": {}}}),
        );
        assert!(!codes(&e).contains(&"SidecarNotStarted".to_string()));
    }

    #[test]
    fn app_containers_pulling_after_init() {
        let e = with_events(
            evidence(pod(
                json!([init("init-myservice", "true")]),
                json!({"phase": "Pending",
                    "conditions": [{"type": "Initialized", "status": "True"}],
                    "initContainerStatuses": [
                    {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": true, "restartCount": 0,
                     "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
                    "containerStatuses": [
                    {"name": "myapp-container", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"waiting": {"reason": "PodInitializing"}}}]}),
            )),
            vec![{
                let mut ev = event(
                    None,
                    "Normal",
                    "Pulling",
                    "Pulling image \"busybox:1.28\"",
                    1,
                );
                ev["involvedObject"]["fieldPath"] = json!("spec.containers{myapp-container}");
                ev
            }],
        );
        let f = only(&e, "AppContainersStarting");
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.container.as_deref(), Some("myapp-container"));
        assert!(
            f.message
                .contains("myapp-container (PodInitializing, image \"busybox:1.28\")")
        );
        assert!(
            f.evidence
                .iter()
                .any(|l| l.contains("Pulling (kubelet): Pulling image"))
        );
        assert_eq!(codes(&e), vec!["AppContainersStarting".to_string()]);
    }
}
