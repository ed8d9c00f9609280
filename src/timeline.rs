//! The init timeline: each init container in spec order with its state, and which one blocks.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};
use serde::Serialize;

use crate::status::is_sidecar;

/// The state of a container as the kubelet reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InitState {
    Waiting,
    Running,
    Terminated,
}

/// One init container in spec order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitContainerRow {
    pub index: usize,
    pub name: String,
    pub image: String,
    /// A native sidecar (`restartPolicy: Always`).
    pub sidecar: bool,
    pub state: InitState,
    /// The waiting or terminated reason (`CrashLoopBackOff`, `Completed`, `Error`, …).
    pub reason: Option<String>,
    /// The exit code of the current instance if terminated, else of the last one.
    pub exit_code: Option<i32>,
    pub restarts: i32,
    /// For a sidecar: whether its startup (probe) has succeeded.
    pub started: Option<bool>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// True when this container no longer holds initialization back.
    pub done: bool,
}

/// The init container that stops initialization now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocking {
    pub name: String,
    pub index: usize,
}

/// The init containers of `pod`, in spec order, with their reported state.
pub fn rows(pod: &Pod) -> Vec<InitContainerRow> {
    let specs = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let statuses: &[ContainerStatus] = pod
        .status
        .as_ref()
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or(&[]);
    rows_of(specs, statuses)
}

/// The app containers of `pod`, in spec order, in the same shape (`sidecar` is always false).
pub fn app_rows(pod: &Pod) -> Vec<InitContainerRow> {
    let specs = pod
        .spec
        .as_ref()
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[]);
    let statuses: &[ContainerStatus] = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or(&[]);
    rows_of(specs, statuses)
}

fn rows_of(specs: &[Container], statuses: &[ContainerStatus]) -> Vec<InitContainerRow> {
    let mut rows: Vec<InitContainerRow> = specs
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let sidecar = is_sidecar(spec);
            let status = statuses.iter().find(|s| s.name == spec.name);
            let mut row = InitContainerRow {
                index,
                name: spec.name.clone(),
                image: spec.image.clone().unwrap_or_default(),
                sidecar,
                state: InitState::Waiting,
                reason: None,
                exit_code: None,
                restarts: 0,
                started: None,
                started_at: None,
                finished_at: None,
                done: false,
            };
            let Some(status) = status else { return row };
            row.restarts = status.restart_count;
            row.started = status.started;
            let last_exit = status
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .map(|t| t.exit_code);
            let state = status.state.as_ref();
            if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
                row.state = InitState::Terminated;
                row.reason = t.reason.clone();
                row.exit_code = Some(t.exit_code);
                row.started_at = t.started_at.as_ref().map(|t| t.0);
                row.finished_at = t.finished_at.as_ref().map(|t| t.0);
                row.done = t.exit_code == 0;
            } else if let Some(r) = state.and_then(|s| s.running.as_ref()) {
                row.state = InitState::Running;
                row.started_at = r.started_at.as_ref().map(|t| t.0);
                row.exit_code = last_exit;
                row.done = sidecar && status.started == Some(true);
            } else {
                row.state = InitState::Waiting;
                row.reason = state
                    .and_then(|s| s.waiting.as_ref())
                    .and_then(|w| w.reason.clone());
                row.exit_code = last_exit;
                row.done = sidecar && status.started == Some(true);
            }
            row
        })
        .collect();
    // A native sidecar the kubelet stopped (terminated, `started: false`, exit 137 or 143) had
    // started when an init container after it has run: it is past, not a blocker.
    for i in 0..rows.len() {
        let ran = |r: &InitContainerRow| {
            r.state != InitState::Waiting || r.restarts > 0 || r.exit_code.is_some()
        };
        if rows[i].sidecar
            && rows[i].state == InitState::Terminated
            && !rows[i].done
            && rows[i + 1..].iter().any(ran)
        {
            rows[i].done = true;
        }
    }
    rows
}

/// True when the pod's `Initialized` condition is `True`.
pub fn initialized_condition(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Initialized" && c.status == "True")
        })
}

/// True when the pod's `Ready` condition is `True`.
pub fn ready_condition(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The first init container in spec order that is not done, unless the pod is initialized (or
/// an app container runs).
pub fn blocking(pod: &Pod, rows: &[InitContainerRow]) -> Option<Blocking> {
    // An app container running means initialization completed (the kubelet starts app
    // containers only then, and stops them before it runs init containers again): an init
    // container that shows as never run (`PodInitializing`, no exit, no restart) had its record
    // removed by the runtime, it is not pending. One that failed or runs (a sidecar restarting
    // beside the app) still counts.
    let app_running = app_rows(pod).iter().any(|r| r.state == InitState::Running);
    let removed = |r: &InitContainerRow| {
        r.done
            || (r.state == InitState::Waiting
                && r.exit_code.is_none()
                && r.restarts == 0
                && r.reason.as_deref() == Some("PodInitializing"))
    };
    if initialized_condition(pod) || (app_running && rows.iter().all(removed)) {
        return None;
    }
    rows.iter().find(|r| !r.done).map(|r| Blocking {
        name: r.name.clone(),
        index: r.index,
    })
}

/// Whole seconds from `from` to `to`, never negative.
pub fn seconds_between(from: Timestamp, to: Timestamp) -> i64 {
    (to.as_second() - from.as_second()).max(0)
}

/// kubectl-style short durations: 45s, 3m12s, 2h5m, 4d3h.
pub fn short_duration(seconds: i64) -> String {
    // kubectl's `duration.HumanDuration` (apimachinery), which its AGE columns print.
    let s = seconds.max(0);
    let (minutes, hours) = (s / 60, s / 3600);
    let pair = |big: i64, unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{unit}")
        } else {
            format!("{big}{unit}{small}{small_unit}")
        }
    };
    if s < 120 {
        format!("{s}s")
    } else if minutes < 10 {
        pair(minutes, "m", s % 60, "s")
    } else if minutes < 180 {
        format!("{minutes}m")
    } else if hours < 8 {
        pair(hours, "h", minutes % 60, "m")
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        pair(hours / 24, "d", hours % 24, "h")
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        pair(hours / 24 / 365, "y", (hours / 24) % 365, "d")
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(statuses: serde_json::Value, conditions: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "myapp-pod", "namespace": "default"},
            "spec": {
                "initContainers": [
                    {"name": "init-myservice", "image": "busybox:1.28"},
                    {"name": "init-mydb", "image": "busybox:1.28"}
                ],
                "containers": [{"name": "myapp-container", "image": "busybox:1.28"}]
            },
            "status": {"phase": "Pending", "conditions": conditions, "initContainerStatuses": statuses}
        }))
        .unwrap()
    }

    #[test]
    fn the_first_unfinished_init_container_blocks() {
        let p = pod(
            json!([
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 3,
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]),
            json!([{"type": "Initialized", "status": "False"}]),
        );
        let rows = rows(&p);
        assert_eq!(rows.len(), 2);
        assert!(rows[0].done);
        assert_eq!(rows[0].state, InitState::Terminated);
        assert_eq!(rows[1].state, InitState::Waiting);
        assert_eq!(rows[1].reason.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(rows[1].exit_code, Some(1));
        assert_eq!(rows[1].restarts, 3);
        assert_eq!(
            blocking(&p, &rows),
            Some(Blocking {
                name: "init-mydb".into(),
                index: 1
            })
        );
    }

    #[test]
    fn no_status_yet_blocks_at_the_first() {
        let p = pod(json!([]), json!([]));
        let rows = rows(&p);
        assert_eq!(rows[0].state, InitState::Waiting);
        assert_eq!(rows[0].reason, None);
        assert_eq!(blocking(&p, &rows).map(|b| b.index), Some(0));
    }

    #[test]
    fn a_stopped_sidecar_and_a_removed_record_are_past_not_blockers() {
        // The kubelet stopped a sidecar (137, started false) after the init container behind
        // it ran: the later one blocks, not the sidecar.
        let mut p = pod(
            json!([
                {"name": "init-myservice", "image": "envoy", "imageID": "", "ready": false, "restartCount": 0,
                 "started": false, "state": {"terminated": {"exitCode": 137, "reason": "Error"}}},
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 137, "reason": "Error"}}}
            ]),
            json!([{"type": "Initialized", "status": "False"}]),
        );
        p.spec.as_mut().unwrap().init_containers.as_mut().unwrap()[0].restart_policy =
            Some("Always".into());
        let r = rows(&p);
        assert!(r[0].done);
        assert_eq!(blocking(&p, &r).map(|b| b.index), Some(1));
        // A sidecar stopped before anything after it ran is still the blocker.
        let status = p.status.as_mut().unwrap();
        status.init_container_statuses.as_mut().unwrap().truncate(1);
        let r = rows(&p);
        assert!(!r[0].done);
        assert_eq!(blocking(&p, &r).map(|b| b.index), Some(0));
        // An app container running: initialization completed, whatever the init records say
        // (the runtime removed them: PodInitializing).
        let mut p = pod(
            json!([
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}},
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}}
            ]),
            json!([{"type": "Initialized", "status": "False"}]),
        );
        p.status.as_mut().unwrap().container_statuses = Some(vec![
            serde_json::from_value(json!({"name": "myapp-container", "image": "busybox:1.28", "imageID": "",
                "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}))
            .unwrap(),
        ]);
        assert_eq!(blocking(&p, &rows(&p)), None);
        // A restarting init container beside a running app still blocks.
        let status = p.status.as_mut().unwrap();
        status.init_container_statuses.as_mut().unwrap()[1].restart_count = 2;
        assert_eq!(blocking(&p, &rows(&p)).map(|b| b.index), Some(0));
    }

    #[test]
    fn initialized_pod_has_no_blocker() {
        let p = pod(
            json!([]),
            json!([{"type": "Initialized", "status": "True"}]),
        );
        assert_eq!(blocking(&p, &rows(&p)), None);
    }
}

/// An ephemeral (debug) container of the pod, beside the init timeline: added by `kubectl
/// debug` or ours, it runs in the pod and is never removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugContainerRow {
    pub name: String,
    pub image: String,
    /// The container whose processes it shares, when it names one.
    pub target: Option<String>,
    /// `running`, `terminated (exit 0)`, `waiting (ImagePullBackOff)`, `no status yet`.
    pub state: String,
}

/// The pod's ephemeral containers, in the order they were added.
pub fn debug_rows(pod: &Pod) -> Vec<DebugContainerRow> {
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.ephemeral_container_statuses.as_ref());
    pod.spec
        .as_ref()
        .and_then(|s| s.ephemeral_containers.as_ref())
        .into_iter()
        .flatten()
        .map(|c| {
            let state = statuses
                .and_then(|all| all.iter().find(|s| s.name == c.name))
                .and_then(|s| s.state.as_ref());
            let state = match state {
                Some(s) if s.running.is_some() => "running".to_string(),
                Some(s) if s.terminated.is_some() => format!(
                    "terminated (exit {})",
                    s.terminated.as_ref().map_or(0, |t| t.exit_code)
                ),
                Some(s) if s.waiting.is_some() => format!(
                    "waiting ({})",
                    s.waiting
                        .as_ref()
                        .and_then(|w| w.reason.as_deref())
                        .unwrap_or("")
                ),
                _ => "no status yet".to_string(),
            };
            DebugContainerRow {
                name: c.name.clone(),
                image: c.image.clone().unwrap_or_default(),
                target: c.target_container_name.clone(),
                state,
            }
        })
        .collect()
}
