//! The STATUS, READY and RESTARTS columns of `kubectl get pod`, computed exactly as kubectl's
//! `printPod` does (kubernetes/pkg/printers/internalversion/printers.go, checked against v1.37.2).

use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};

/// kubectl's columns for one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodColumns {
    pub status: String,
    pub ready: u32,
    pub total: u32,
    pub restarts: i64,
    /// When the last restart counted in `restarts` happened: the latest
    /// `lastState.terminated.finishedAt` of those containers (kubectl's `3 (5m ago)`).
    pub last_restart: Option<Timestamp>,
}

/// True for a native sidecar: an init container with `restartPolicy: Always`.
pub fn is_sidecar(container: &Container) -> bool {
    container.restart_policy.as_deref() == Some("Always")
}

/// The STATUS column, as `kubectl get pod` prints it.
pub fn pod_status(pod: &Pod) -> String {
    columns(pod).status
}

/// STATUS, READY and RESTARTS as kubectl computes them.
pub fn columns(pod: &Pod) -> PodColumns {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let init_specs: &[Container] = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let app_count = spec.map(|s| s.containers.len()).unwrap_or(0);
    let init_statuses: &[ContainerStatus] = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or(&[]);
    let app_statuses: &[ContainerStatus] = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or(&[]);
    let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);

    let phase = status.and_then(|s| s.phase.clone()).unwrap_or_default();
    let mut reason = match status.and_then(|s| s.reason.as_deref()) {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => phase.clone(),
    };
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".into();
    }

    let by_name: HashMap<&str, &Container> =
        init_specs.iter().map(|c| (c.name.as_str(), c)).collect();
    let sidecar = |name: &str| by_name.get(name).is_some_and(|c| is_sidecar(c));
    let mut total = app_count as u32 + init_specs.iter().filter(|c| is_sidecar(c)).count() as u32;
    let mut ready = 0u32;
    let mut restarts: i64 = 0;
    let mut sidecar_restarts: i64 = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut sidecar_last_restart: Option<Timestamp> = None;

    let mut initializing = false;
    for (i, cs) in init_statuses.iter().enumerate() {
        restarts += i64::from(cs.restart_count);
        last_restart = last_restart.max(finished_last(cs));
        if sidecar(&cs.name) {
            sidecar_restarts += i64::from(cs.restart_count);
            sidecar_last_restart = sidecar_last_restart.max(finished_last(cs));
        }
        let state = cs.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting = state.and_then(|s| s.waiting.as_ref());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar(&cs.name) && cs.started == Some(true) {
            if cs.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match t.signal {
                    Some(signal) if signal != 0 => format!("Init:Signal:{signal}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(r) = waiting
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        last_restart = sidecar_last_restart;
        let mut has_running = false;
        let mut error_reason = String::new();
        for cs in app_statuses.iter().rev() {
            restarts += i64::from(cs.restart_count);
            last_restart = last_restart.max(finished_last(cs));
            let state = cs.state.as_ref();
            let waiting = state.and_then(|s| s.waiting.as_ref());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if let Some(r) = waiting
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty())
            {
                reason = r.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ => match t.signal {
                        Some(signal) if signal != 0 => format!("Signal:{signal}"),
                        _ => format!("ExitCode:{}", t.exit_code),
                    },
                };
                if t.exit_code != 0 {
                    error_reason = reason.clone();
                }
            } else if cs.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" {
            let pod_ready = conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            if has_running && pod_ready {
                reason = "Running".into();
            } else if !error_reason.is_empty() {
                reason = error_reason;
            } else if has_running {
                reason = "NotReady".into();
            }
        }
    }

    let deleting = pod.metadata.deletion_timestamp.is_some();
    let status_reason = status.and_then(|s| s.reason.as_deref());
    if deleting && status_reason == Some("NodeLost") {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    if total == 0 {
        total = app_count as u32;
    }
    PodColumns {
        status: reason,
        ready,
        total,
        restarts,
        last_restart,
    }
}

/// When a container's previous instance ended (`lastState.terminated.finishedAt`).
fn finished_last(cs: &ContainerStatus) -> Option<Timestamp> {
    cs.last_state
        .as_ref()
        .and_then(|l| l.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| t.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).unwrap()
    }

    fn two_init(statuses: serde_json::Value) -> Pod {
        pod(json!({
            "metadata": {"name": "myapp-pod", "namespace": "default"},
            "spec": {
                "initContainers": [
                    {"name": "init-myservice", "image": "busybox:1.28"},
                    {"name": "init-mydb", "image": "busybox:1.28"}
                ],
                "containers": [{"name": "myapp-container", "image": "busybox:1.28"}]
            },
            "status": {
                "phase": "Pending",
                "initContainerStatuses": statuses,
                "containerStatuses": [{"name": "myapp-container", "image": "busybox:1.28", "imageID": "",
                    "ready": false, "restartCount": 0,
                    "state": {"waiting": {"reason": "PodInitializing"}}}]
            }
        }))
    }

    fn running(name: &str) -> serde_json::Value {
        json!({"name": name, "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
               "state": {"running": {"startedAt": "2026-11-23T10:00:00Z"}}})
    }

    fn waiting(name: &str, reason: &str, restarts: i32) -> serde_json::Value {
        json!({"name": name, "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": restarts,
               "state": {"waiting": {"reason": reason}}})
    }

    fn terminated(
        name: &str,
        code: i32,
        reason: Option<&str>,
        signal: Option<i32>,
    ) -> serde_json::Value {
        let mut t = json!({"exitCode": code, "startedAt": "2026-11-23T10:00:00Z", "finishedAt": "2026-11-23T10:00:05Z"});
        if let Some(r) = reason {
            t["reason"] = json!(r);
        }
        if let Some(s) = signal {
            t["signal"] = json!(s);
        }
        json!({"name": name, "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
               "state": {"terminated": t}})
    }

    #[test]
    fn first_running_init_gives_index_over_count() {
        let p = two_init(json!([
            running("init-myservice"),
            waiting("init-mydb", "PodInitializing", 0)
        ]));
        assert_eq!(pod_status(&p), "Init:0/2");
        let p = two_init(json!([
            terminated("init-myservice", 0, Some("Completed"), None),
            running("init-mydb")
        ]));
        assert_eq!(pod_status(&p), "Init:1/2");
    }

    #[test]
    fn waiting_reason_wins_except_pod_initializing() {
        let p = two_init(json!([
            waiting("init-myservice", "CrashLoopBackOff", 4),
            waiting("init-mydb", "PodInitializing", 0)
        ]));
        let c = columns(&p);
        assert_eq!(c.status, "Init:CrashLoopBackOff");
        assert_eq!(c.restarts, 4);
        assert_eq!(c.total, 1);
        let p = two_init(json!([
            waiting("init-myservice", "PodInitializing", 0),
            waiting("init-mydb", "PodInitializing", 0)
        ]));
        assert_eq!(pod_status(&p), "Init:0/2");
    }

    #[test]
    fn terminated_failures() {
        let p = two_init(json!([
            terminated("init-myservice", 1, Some("Error"), None),
            waiting("init-mydb", "PodInitializing", 0)
        ]));
        assert_eq!(pod_status(&p), "Init:Error");
        let p = two_init(json!([
            terminated("init-myservice", 137, Some("OOMKilled"), None),
            waiting("init-mydb", "PodInitializing", 0)
        ]));
        assert_eq!(pod_status(&p), "Init:OOMKilled");
        let p = two_init(json!([
            terminated("init-myservice", 3, None, None),
            waiting("init-mydb", "PodInitializing", 0)
        ]));
        assert_eq!(pod_status(&p), "Init:ExitCode:3");
        let p = two_init(json!([
            terminated("init-myservice", 143, None, Some(15)),
            waiting("init-mydb", "PodInitializing", 0)
        ]));
        assert_eq!(pod_status(&p), "Init:Signal:15");
    }

    #[test]
    fn all_init_done_app_decides() {
        let p = two_init(json!([
            terminated("init-myservice", 0, Some("Completed"), None),
            terminated("init-mydb", 0, Some("Completed"), None)
        ]));
        assert_eq!(pod_status(&p), "PodInitializing");
    }

    #[test]
    fn started_sidecar_is_passed_and_counted() {
        let p = pod(json!({
            "metadata": {"name": "p"},
            "spec": {
                "initContainers": [
                    {"name": "proxy", "image": "envoy", "restartPolicy": "Always"},
                    {"name": "migrate", "image": "app"}
                ],
                "containers": [{"name": "app", "image": "app"}]
            },
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "proxy", "image": "envoy", "imageID": "", "ready": true, "started": true, "restartCount": 2,
                 "state": {"running": {}}},
                {"name": "migrate", "image": "app", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"running": {}}}
            ]}
        }));
        let c = columns(&p);
        assert_eq!(c.status, "Init:1/2");
        assert_eq!(c.total, 2);
        assert_eq!(c.ready, 1);
        assert_eq!(c.restarts, 2);
    }

    #[test]
    fn deletion_shows_terminating() {
        let mut p = two_init(json!([running("init-myservice")]));
        p.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            "2026-11-23T10:00:00Z".parse().unwrap(),
        ));
        assert_eq!(pod_status(&p), "Terminating");
    }

    #[test]
    fn no_status_yet_is_the_phase() {
        let p = pod(
            json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Pending"}}),
        );
        assert_eq!(pod_status(&p), "Pending");
    }

    #[test]
    fn a_failed_app_container_beside_a_completed_one_shows_the_error() {
        let p = pod(json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "x"}]},
            "status": {"phase": "Failed", "conditions": [{"type": "Initialized", "status": "True"}],
                "containerStatuses": [
                    {"name": "a", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "b", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}
                ]}
        }));
        // kubectl walks app containers from the last: a says Completed last, b's error wins.
        assert_eq!(pod_status(&p), "Error");
    }

    #[test]
    fn the_last_restart_is_of_the_containers_counted() {
        let ended = |at: &str| json!({"terminated": {"exitCode": 1, "finishedAt": at}});
        let spec = json!({"initContainers": [{"name": "a", "image": "x"}, {"name": "b", "image": "x"}],
                          "containers": [{"name": "app", "image": "x"}]});
        // (init statuses, app statuses, initialized, restarts, last restart)
        let cases = [
            // Blocked at `a`: its restarts and last end; `b`, after it, is not counted.
            (
                json!([{"name": "a", "restartCount": 3, "ready": false, "image": "x", "imageID": "",
                     "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": ended("2026-01-01T00:10:00Z")},
                    {"name": "b", "restartCount": 1, "ready": false, "image": "x", "imageID": "",
                     "state": {"waiting": {"reason": "PodInitializing"}}, "lastState": ended("2026-01-01T00:20:00Z")}]),
                json!([]),
                false,
                3,
                Some("2026-01-01T00:10:00Z"),
            ),
            // Initialized: only the app containers count (and native sidecars), as kubectl.
            (
                json!([{"name": "a", "restartCount": 2, "ready": false, "image": "x", "imageID": "",
                     "state": {"terminated": {"exitCode": 0}}, "lastState": ended("2026-01-01T00:30:00Z")}]),
                json!([{"name": "app", "restartCount": 4, "ready": false, "image": "x", "imageID": "",
                     "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": ended("2026-01-01T00:05:00Z")}]),
                true,
                4,
                Some("2026-01-01T00:05:00Z"),
            ),
            // Restarts without a last state: no time.
            (
                json!([{"name": "a", "restartCount": 2, "ready": false, "image": "x", "imageID": "",
                     "state": {"running": {}}}]),
                json!([]),
                false,
                2,
                None,
            ),
        ];
        for (init, app, initialized, restarts, last) in cases {
            let mut conditions = json!([]);
            if initialized {
                conditions = json!([{"type": "Initialized", "status": "True"}]);
            }
            let p = pod(
                json!({"spec": spec, "status": {"phase": "Pending", "conditions": conditions,
                "initContainerStatuses": init, "containerStatuses": app}}),
            );
            let c = columns(&p);
            assert_eq!(c.restarts, restarts, "{init}");
            assert_eq!(
                c.last_restart.map(|t| t.to_string()).as_deref(),
                last,
                "{init}"
            );
        }
    }
}
