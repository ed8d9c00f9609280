//! The pure part of `logs`: given a pod, what to do with each init container in spec order —
//! print its log, follow it, or wait for it — so the edge only executes steps.

use k8s_openapi::api::core::v1::Pod;

use crate::diagnosis::timeline::{self, InitContainerRow, InitState};

/// What to do next for the init containers of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Print the log of this finished instance (`restarts` identifies the instance).
    Print { name: String, restarts: i32 },
    /// Stream this running instance until it ends.
    Follow { name: String, restarts: i32 },
    /// Nothing to read yet: wait for this container to (re)start.
    Wait { name: String, why: String },
    /// Every init container is done.
    Done,
    /// The pod will not run its init containers again (failed, succeeded or deleted).
    Over { why: String },
}

/// The next step for the pod when following, given the instances already shown.
pub fn next_step(pod: &Pod, shown: &[(String, i32)]) -> Step {
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("");
    let rows = timeline::rows(pod);
    for row in &rows {
        let seen = shown
            .iter()
            .any(|(n, r)| n == &row.name && *r == row.restarts);
        match row.state {
            InitState::Terminated if row.done => {
                if !seen {
                    return Step::Print {
                        name: row.name.clone(),
                        restarts: row.restarts,
                    };
                }
            }
            InitState::Running if row.done => {
                // A started sidecar keeps running: show what it has logged, then move on.
                if !seen {
                    return Step::Print {
                        name: row.name.clone(),
                        restarts: row.restarts,
                    };
                }
            }
            InitState::Running => {
                return Step::Follow {
                    name: row.name.clone(),
                    restarts: row.restarts,
                };
            }
            InitState::Terminated => {
                if !seen {
                    return Step::Print {
                        name: row.name.clone(),
                        restarts: row.restarts,
                    };
                }
                return over_or_wait(phase, row, pod);
            }
            InitState::Waiting => return over_or_wait(phase, row, pod),
        }
    }
    if phase == "Failed" || phase == "Succeeded" {
        return Step::Over {
            why: format!("the pod has phase {phase}"),
        };
    }
    Step::Done
}

fn over_or_wait(phase: &str, row: &InitContainerRow, pod: &Pod) -> Step {
    if pod.metadata.deletion_timestamp.is_some() {
        return Step::Over {
            why: "the pod is being deleted".into(),
        };
    }
    if phase == "Failed" || phase == "Succeeded" {
        return Step::Over {
            why: format!("the pod has phase {phase}"),
        };
    }
    let why = match (&row.reason, row.exit_code) {
        (Some(reason), Some(code)) => format!("{reason}, last exit code {code}"),
        (Some(reason), None) => reason.clone(),
        (None, Some(code)) => format!("exited with code {code}"),
        (None, None) => "not started yet".into(),
    };
    Step::Wait {
        name: row.name.clone(),
        why,
    }
}

/// A header line for a container: `init-mydb (2/2, Running)`.
pub fn header(pod: &Pod, name: &str) -> String {
    let rows = timeline::rows(pod);
    let total = rows.len();
    match rows.iter().find(|r| r.name == name) {
        Some(row) => {
            let state = match row.state {
                InitState::Running => "running".to_string(),
                InitState::Terminated => match row.exit_code {
                    Some(0) => "completed".to_string(),
                    Some(code) => format!("exited {code}"),
                    None => "terminated".to_string(),
                },
                InitState::Waiting => row.reason.clone().unwrap_or_else(|| "waiting".into()),
            };
            let kind = if row.sidecar { "sidecar" } else { "init" };
            format!("==> {name} ({kind} {}/{total}, {state}) <==", row.index + 1)
        }
        None => format!("==> {name} <=="),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(statuses: serde_json::Value, phase: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "a", "image": "x"}, {"name": "b", "image": "x"}],
                     "containers": [{"name": "app", "image": "x"}]},
            "status": {"phase": phase, "initContainerStatuses": statuses}
        }))
        .unwrap()
    }

    fn st(name: &str, state: serde_json::Value, restarts: i32) -> serde_json::Value {
        json!({"name": name, "image": "x", "imageID": "", "ready": false, "restartCount": restarts, "state": state})
    }

    #[test]
    fn prints_finished_then_follows_the_running_one() {
        let p = pod(
            json!([
                st("a", json!({"terminated": {"exitCode": 0}}), 0),
                st("b", json!({"running": {}}), 0)
            ]),
            "Pending",
        );
        assert_eq!(
            next_step(&p, &[]),
            Step::Print {
                name: "a".into(),
                restarts: 0
            }
        );
        assert_eq!(
            next_step(&p, &[("a".into(), 0)]),
            Step::Follow {
                name: "b".into(),
                restarts: 0
            }
        );
    }

    #[test]
    fn waits_for_the_next_to_start_and_for_a_crashed_one_to_restart() {
        let p = pod(
            json!([
                st("a", json!({"terminated": {"exitCode": 0}}), 0),
                st("b", json!({"waiting": {"reason": "PodInitializing"}}), 0)
            ]),
            "Pending",
        );
        assert_eq!(
            next_step(&p, &[("a".into(), 0)]),
            Step::Wait {
                name: "b".into(),
                why: "PodInitializing".into()
            }
        );
        let p = pod(
            json!([st(
                "a",
                json!({"terminated": {"exitCode": 1, "reason": "Error"}}),
                2
            )]),
            "Pending",
        );
        assert_eq!(
            next_step(&p, &[]),
            Step::Print {
                name: "a".into(),
                restarts: 2
            }
        );
        assert_eq!(
            next_step(&p, &[("a".into(), 2)]),
            Step::Wait {
                name: "a".into(),
                why: "Error, last exit code 1".into()
            }
        );
    }

    #[test]
    fn a_failed_pod_is_over_and_a_finished_one_done() {
        let p = pod(
            json!([st("a", json!({"terminated": {"exitCode": 1}}), 0)]),
            "Failed",
        );
        assert!(matches!(
            next_step(&p, &[("a".into(), 0)]),
            Step::Over { .. }
        ));
        let p = pod(
            json!([
                st("a", json!({"terminated": {"exitCode": 0}}), 0),
                st("b", json!({"terminated": {"exitCode": 0}}), 0)
            ]),
            "Running",
        );
        assert_eq!(
            next_step(&p, &[("a".into(), 0), ("b".into(), 0)]),
            Step::Done
        );
    }

    #[test]
    fn headers_name_position_and_state() {
        let p = pod(
            json!([
                st("a", json!({"terminated": {"exitCode": 0}}), 0),
                st("b", json!({"running": {}}), 0)
            ]),
            "Pending",
        );
        assert_eq!(header(&p, "a"), "==> a (init 1/2, completed) <==");
        assert_eq!(header(&p, "b"), "==> b (init 2/2, running) <==");
    }
}
