//! The pure part of `logs`: which containers of a pod to show and in what order, which
//! attempts of each to read, what to do next when following, and the human lines around them
//! (headers, footers, notes) — so the edge only executes steps.

use std::collections::HashSet;

use k8s_openapi::api::core::v1::{ContainerStateTerminated, ContainerStatus, Pod};
use serde::Serialize;

use crate::diagnosis::timeline::{self, InitContainerRow, InitState};
use crate::status::is_sidecar;

/// The role of a container in the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Init,
    Sidecar,
    App,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Init => "init",
            Kind::Sidecar => "sidecar",
            Kind::App => "app",
        }
    }
}

/// A container to show: its place among the init containers (sidecars included) or the app ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    pub kind: Kind,
    /// 0-based position among the pod's init containers (for init and sidecar) or app ones.
    pub index: usize,
    pub total: usize,
}

impl Container {
    /// `init 2/3 wait-db`: what the prefix and headers call it.
    pub fn label(&self) -> String {
        format!(
            "{} {}/{} {}",
            self.kind.word(),
            self.index + 1,
            self.total,
            self.name
        )
    }
}

/// The containers to show, in order: the init containers in spec order, then (with `app`) the
/// app containers; or only the one named by `-c`.
pub fn containers(pod: &Pod, app: bool, only: Option<&str>) -> Result<Vec<Container>, String> {
    let spec = pod.spec.as_ref();
    let inits = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let apps = spec.map(|s| s.containers.as_slice()).unwrap_or(&[]);
    let mut all: Vec<Container> = inits
        .iter()
        .enumerate()
        .map(|(index, c)| Container {
            name: c.name.clone(),
            kind: if is_sidecar(c) {
                Kind::Sidecar
            } else {
                Kind::Init
            },
            index,
            total: inits.len(),
        })
        .collect();
    let app_list = apps.iter().enumerate().map(|(index, c)| Container {
        name: c.name.clone(),
        kind: Kind::App,
        index,
        total: apps.len(),
    });
    if let Some(name) = only {
        return all
            .into_iter()
            .chain(app_list)
            .find(|c| c.name == name)
            .map(|c| vec![c])
            .ok_or_else(|| {
                let names: Vec<String> = inits
                    .iter()
                    .chain(apps.iter())
                    .map(|c| c.name.clone())
                    .collect();
                format!(
                    "container {name:?} is not in this pod; it has: {}",
                    names.join(", ")
                )
            });
    }
    if app {
        all.extend(app_list);
    }
    Ok(all)
}

/// Which attempts to read of each container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempts {
    /// The current one, after the previous one when the container is crash-looping.
    Default,
    /// Only the previous one (`-p`).
    Previous,
    /// Every attempt the API still has: the previous one and the current one.
    All,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub exit_code: i32,
    pub reason: Option<String>,
    pub seconds: Option<i64>,
}

/// One read of a container's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// `previous=true`: the attempt before the current (or the last, while waiting to restart).
    Previous { attempt: i32, ended: Option<Ended> },
    /// The current attempt (running, or terminated).
    Current {
        attempt: i32,
        ended: Option<Ended>,
        running: bool,
    },
    /// Nothing to read: why, in the kubelet's words for the waiting reason.
    Nothing { why: String },
}

fn status<'a>(pod: &'a Pod, name: &str) -> Option<&'a ContainerStatus> {
    let st = pod.status.as_ref()?;
    [
        st.init_container_statuses.as_deref(),
        st.container_statuses.as_deref(),
    ]
    .into_iter()
    .flatten()
    .flatten()
    .find(|s| s.name == name)
}

fn ended(t: &ContainerStateTerminated) -> Ended {
    let seconds = match (&t.started_at, &t.finished_at) {
        (Some(s), Some(f)) => Some(f.0.as_second() - s.0.as_second()),
        _ => None,
    };
    Ended {
        exit_code: t.exit_code,
        reason: t.reason.clone(),
        seconds,
    }
}

/// The reads that show container `name` of `pod`. `with_previous`: whether a crash-looping
/// container's previous attempt comes first (not when it was already shown).
pub fn reads(pod: &Pod, name: &str, attempts: Attempts, with_previous: bool) -> Vec<Read> {
    let Some(st) = status(pod, name) else {
        return vec![Read::Nothing {
            why: "not started yet".into(),
        }];
    };
    let state = st.state.as_ref();
    let last = st.last_state.as_ref().and_then(|l| l.terminated.as_ref());
    let running = state.and_then(|s| s.running.as_ref()).is_some();
    let terminated = state.and_then(|s| s.terminated.as_ref());
    let previous_attempt = (st.restart_count - 1).max(0);
    let previous = last.map(|t| Read::Previous {
        attempt: previous_attempt,
        ended: Some(ended(t)),
    });
    let current = (running || terminated.is_some()).then(|| Read::Current {
        attempt: st.restart_count,
        ended: terminated.map(ended),
        running,
    });
    let waiting_why = || {
        let reason = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone())
            .unwrap_or_else(|| "no state reported yet".into());
        Read::Nothing {
            why: format!("not started yet: {reason}"),
        }
    };
    match attempts {
        Attempts::Previous => vec![previous.unwrap_or(Read::Nothing {
            why: "no previous attempt: it has not restarted".into(),
        })],
        Attempts::All => {
            let list: Vec<Read> = previous.into_iter().chain(current).collect();
            if list.is_empty() {
                vec![waiting_why()]
            } else {
                list
            }
        }
        Attempts::Default => match (current, previous) {
            (Some(current), Some(previous)) if with_previous && st.restart_count > 0 => {
                vec![previous, current]
            }
            (Some(current), _) => vec![current],
            // Waiting to restart: the last attempt is what there is (the kubelet serves it).
            (None, Some(previous)) if with_previous => vec![previous],
            (None, Some(_)) => Vec::new(),
            (None, None) => vec![waiting_why()],
        },
    }
}

/// What to do next for the init containers of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Print the log of this finished (or waiting-to-restart) instance.
    Print { name: String, restarts: i32 },
    /// Stream this running instance until it ends.
    Follow { name: String, restarts: i32 },
    /// Nothing to read yet: wait for this container to (re)start.
    Wait { name: String, why: String },
    /// A stream of this instance is still open: wait for it to end.
    Busy,
    /// Every init container is done.
    Done,
    /// The pod will not run its init containers again (failed, succeeded or deleted).
    Over { why: String },
}

/// The instances already handled, by (container, restart count), and the containers touched.
#[derive(Debug, Default, Clone)]
pub struct Progress {
    pub shown: HashSet<(String, i32)>,
    pub active: HashSet<(String, i32)>,
    pub touched: HashSet<String>,
}

/// The next step for the regular init containers when following (sidecars do not block the
/// sequence: see [`side_streams`]).
pub fn next_step(pod: &Pod, progress: &Progress) -> Step {
    let phase = phase(pod);
    for row in timeline::rows(pod).iter().filter(|r| !r.sidecar) {
        let key = (row.name.clone(), row.restarts);
        if progress.active.contains(&key) {
            return Step::Busy;
        }
        let seen = progress.shown.contains(&key);
        let print = Step::Print {
            name: row.name.clone(),
            restarts: row.restarts,
        };
        match row.state {
            InitState::Terminated if row.done => {
                if !seen {
                    return print;
                }
            }
            // Shown and ended, but the status still says running: the kubelet is late.
            InitState::Running if seen => return Step::Busy,
            InitState::Running => {
                return Step::Follow {
                    name: row.name.clone(),
                    restarts: row.restarts,
                };
            }
            InitState::Terminated => {
                if !seen {
                    return print;
                }
                return over_or_wait(phase, row, pod);
            }
            InitState::Waiting => {
                if row.exit_code.is_some() && !progress.touched.contains(&row.name) && !seen {
                    return print;
                }
                return over_or_wait(phase, row, pod);
            }
        }
    }
    if phase == "Failed" || phase == "Succeeded" {
        return Step::Over {
            why: format!("the pod has phase {phase}"),
        };
    }
    Step::Done
}

/// The instances to stream beside the sequence: started sidecars (and, with `app`, app
/// containers) not yet shown or being streamed, as (name, restart count).
pub fn side_streams(pod: &Pod, progress: &Progress, app: bool) -> Vec<(String, i32)> {
    let spec = pod.spec.as_ref();
    let mut names: Vec<String> = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[])
        .iter()
        .filter(|c| is_sidecar(c))
        .map(|c| c.name.clone())
        .collect();
    if app {
        names.extend(
            spec.iter()
                .flat_map(|s| s.containers.iter().map(|c| c.name.clone())),
        );
    }
    names
        .into_iter()
        .filter_map(|name| {
            let st = status(pod, &name)?;
            let state = st.state.as_ref()?;
            (state.running.is_some() || state.terminated.is_some())
                .then_some((name, st.restart_count))
        })
        .filter(|key| !progress.shown.contains(key) && !progress.active.contains(key))
        .collect()
}

/// True when `name`'s instance `restarts` still runs (a dropped stream of it should resume).
pub fn still_running(pod: &Pod, name: &str, restarts: i32) -> bool {
    status(pod, name).is_some_and(|s| {
        s.restart_count == restarts && s.state.as_ref().is_some_and(|st| st.running.is_some())
    })
}

/// True when instance `restarts` of `name` has been replaced by a newer one (its log is now
/// the `previous` one).
pub fn restarted_since(pod: &Pod, name: &str, restarts: i32) -> bool {
    status(pod, name).is_some_and(|s| s.restart_count > restarts)
}

/// How the current instance of `name` ended, once it has.
pub fn current_end(pod: &Pod, name: &str) -> Option<Ended> {
    status(pod, name)
        .and_then(|s| s.state.as_ref())
        .and_then(|s| s.terminated.as_ref())
        .map(ended)
}

/// How attempt `attempt` (its restart count) of container `name` ended, read after following
/// it: its current state while it is still the current attempt; `lastState` once the kubelet
/// has restarted it exactly once since (a real node restarts a crashed init container within
/// the second); nothing when it was replaced twice.
pub fn end_of_attempt(pod: &Pod, name: &str, attempt: i32) -> Option<Ended> {
    let st = status(pod, name)?;
    if st.restart_count == attempt {
        current_end(pod, name)
    } else if st.restart_count == attempt + 1 {
        st.last_state
            .as_ref()
            .and_then(|l| l.terminated.as_ref())
            .map(ended)
    } else {
        None
    }
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// True when the pod is over: nothing it runs will start again.
pub fn pod_over(pod: &Pod) -> bool {
    matches!(phase(pod), "Failed" | "Succeeded") || pod.metadata.deletion_timestamp.is_some()
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

/// A header line: `==> init 2/3 wait-db (attempt 1, running) <==`.
pub fn header(container: &Container, read: &Read) -> String {
    let what = match read {
        Read::Previous { attempt, .. } => format!("attempt {attempt}, previous"),
        Read::Current {
            attempt, running, ..
        } => {
            let state = if *running { "running" } else { "terminated" };
            format!("attempt {attempt}, {state}")
        }
        Read::Nothing { why } => why.clone(),
    };
    format!("==> {} ({what}) <==", container.label())
}

/// A footer line for a finished attempt: `<== wait-db: exit code 1 (Error) after 3s`.
pub fn footer(container: &Container, ended: &Ended) -> String {
    let reason = ended
        .reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let after = ended
        .seconds
        .map(|s| format!(" after {s}s"))
        .unwrap_or_default();
    format!(
        "<== {}: exit code {}{reason}{after}",
        container.name, ended.exit_code
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_end_of_an_attempt_followed_live_is_found_after_a_restart() {
        let with = |restarts: i32| -> Pod {
            serde_json::from_value(json!({
                "metadata": {"name": "p"},
                "status": {"initContainerStatuses": [{"name": "a", "image": "x", "imageID": "",
                    "ready": false, "restartCount": restarts,
                    "lastState": {"terminated": {"exitCode": 3, "reason": "Error"}},
                    "state": {"running": {}}}]}
            }))
            .expect("pod")
        };
        let cases = [(0, 1, Some(3)), (0, 0, None), (0, 2, None), (1, 1, None)];
        for (attempt, restarts, code) in cases {
            let end = end_of_attempt(&with(restarts), "a", attempt).map(|e| e.exit_code);
            assert_eq!(end, code, "attempt {attempt}, restartCount {restarts}");
        }
    }

    fn pod(statuses: serde_json::Value, phase: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "a", "image": "x"}, {"name": "b", "image": "x"},
                                        {"name": "side", "image": "x", "restartPolicy": "Always"}],
                     "containers": [{"name": "app", "image": "x"}]},
            "status": {"phase": phase, "initContainerStatuses": statuses}
        }))
        .unwrap()
    }

    fn st(name: &str, state: serde_json::Value, restarts: i32) -> serde_json::Value {
        json!({"name": name, "image": "x", "imageID": "", "ready": false, "restartCount": restarts, "state": state})
    }

    fn progress(shown: &[(&str, i32)]) -> Progress {
        Progress {
            shown: shown.iter().map(|(n, r)| (n.to_string(), *r)).collect(),
            ..Default::default()
        }
    }

    fn step(name: &str, restarts: i32, follow: bool) -> Step {
        let (name, restarts) = (name.to_string(), restarts);
        if follow {
            Step::Follow { name, restarts }
        } else {
            Step::Print { name, restarts }
        }
    }

    #[test]
    fn the_sequence_prints_finished_follows_running_and_waits() {
        let done = json!({"terminated": {"exitCode": 0}});
        let crashed = json!({"terminated": {"exitCode": 1, "reason": "Error"}});
        type Case<'a> = (serde_json::Value, &'a str, Vec<(&'a str, i32)>, Step);
        let cases: Vec<Case> = vec![
            (
                json!([st("a", done.clone(), 0), st("b", json!({"running": {}}), 0)]),
                "Pending",
                vec![],
                step("a", 0, false),
            ),
            (
                json!([st("a", done.clone(), 0), st("b", json!({"running": {}}), 0)]),
                "Pending",
                vec![("a", 0)],
                step("b", 0, true),
            ),
            (
                json!([
                    st("a", done.clone(), 0),
                    st("b", json!({"waiting": {"reason": "PodInitializing"}}), 0)
                ]),
                "Pending",
                vec![("a", 0)],
                Step::Wait {
                    name: "b".into(),
                    why: "PodInitializing".into(),
                },
            ),
            (
                json!([st("a", crashed.clone(), 2)]),
                "Pending",
                vec![],
                step("a", 2, false),
            ),
            (
                json!([st("a", crashed.clone(), 2)]),
                "Pending",
                vec![("a", 2)],
                Step::Wait {
                    name: "a".into(),
                    why: "Error, last exit code 1".into(),
                },
            ),
            (
                json!([st("a", crashed, 0)]),
                "Failed",
                vec![("a", 0)],
                Step::Over {
                    why: "the pod has phase Failed".into(),
                },
            ),
            (
                json!([st("a", done.clone(), 0), st("b", done, 0)]),
                "Running",
                vec![("a", 0), ("b", 0)],
                Step::Done,
            ),
            // A sidecar that has not started does not hold the sequence.
            (
                json!([
                    st("a", json!({"running": {}}), 0),
                    st("side", json!({"waiting": {}}), 0)
                ]),
                "Pending",
                vec![],
                step("a", 0, true),
            ),
        ];
        for (statuses, phase, shown, want) in cases {
            let p = pod(statuses.clone(), phase);
            assert_eq!(
                next_step(&p, &progress(&shown)),
                want,
                "{statuses} shown {shown:?}"
            );
        }
    }

    #[test]
    fn an_open_stream_makes_the_sequence_wait() {
        let p = pod(
            json!([st("a", json!({"terminated": {"exitCode": 0}}), 0)]),
            "Pending",
        );
        let mut progress = Progress::default();
        progress.active.insert(("a".into(), 0));
        assert_eq!(next_step(&p, &progress), Step::Busy);
    }

    #[test]
    fn a_crash_looping_container_shows_its_previous_attempt_first() {
        let mut waiting = st("a", json!({"waiting": {"reason": "CrashLoopBackOff"}}), 3);
        waiting["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
            "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:04Z"}});
        let mut running = waiting.clone();
        running["state"] = json!({"running": {}});
        let prev = Read::Previous {
            attempt: 2,
            ended: Some(Ended {
                exit_code: 1,
                reason: Some("Error".into()),
                seconds: Some(4),
            }),
        };
        let cur = Read::Current {
            attempt: 3,
            ended: None,
            running: true,
        };
        let fresh = st("a", json!({"waiting": {"reason": "PodInitializing"}}), 0);
        let cases = [
            (
                running.clone(),
                Attempts::Default,
                true,
                vec![prev.clone(), cur.clone()],
            ),
            (running.clone(), Attempts::Default, false, vec![cur.clone()]),
            (
                running.clone(),
                Attempts::Previous,
                true,
                vec![prev.clone()],
            ),
            (waiting.clone(), Attempts::Default, true, vec![prev.clone()]),
            (waiting, Attempts::All, true, vec![prev]),
            (
                fresh.clone(),
                Attempts::Default,
                true,
                vec![Read::Nothing {
                    why: "not started yet: PodInitializing".into(),
                }],
            ),
            (
                fresh,
                Attempts::Previous,
                true,
                vec![Read::Nothing {
                    why: "no previous attempt: it has not restarted".into(),
                }],
            ),
        ];
        for (status, attempts, with_previous, want) in cases {
            let p = pod(json!([status.clone()]), "Pending");
            assert_eq!(
                reads(&p, "a", attempts, with_previous),
                want,
                "{status} {attempts:?}"
            );
        }
    }

    #[test]
    fn containers_in_order_and_by_name() {
        let p = pod(json!([]), "Pending");
        let labels = |cs: Vec<Container>| cs.iter().map(Container::label).collect::<Vec<_>>();
        assert_eq!(
            labels(containers(&p, false, None).unwrap()),
            ["init 1/3 a", "init 2/3 b", "sidecar 3/3 side"]
        );
        assert_eq!(
            labels(containers(&p, true, None).unwrap()),
            [
                "init 1/3 a",
                "init 2/3 b",
                "sidecar 3/3 side",
                "app 1/1 app"
            ]
        );
        assert_eq!(
            labels(containers(&p, false, Some("app")).unwrap()),
            ["app 1/1 app"]
        );
        let err = containers(&p, false, Some("nope")).unwrap_err();
        assert!(err.contains("a, b, side, app"), "{err}");
    }

    #[test]
    fn sidecars_stream_beside_the_sequence() {
        let p = pod(
            json!([
                st("a", json!({"running": {}}), 0),
                st("side", json!({"running": {}}), 1)
            ]),
            "Pending",
        );
        assert_eq!(
            side_streams(&p, &Progress::default(), false),
            vec![("side".to_string(), 1)]
        );
        assert!(side_streams(&p, &progress(&[("side", 1)]), false).is_empty());
    }

    #[test]
    fn headers_and_footers_name_attempt_and_end() {
        let c = Container {
            name: "wait-db".into(),
            kind: Kind::Init,
            index: 1,
            total: 3,
        };
        let read = Read::Current {
            attempt: 0,
            ended: None,
            running: true,
        };
        assert_eq!(
            header(&c, &read),
            "==> init 2/3 wait-db (attempt 0, running) <=="
        );
        let end = Ended {
            exit_code: 1,
            reason: Some("Error".into()),
            seconds: Some(3),
        };
        assert_eq!(
            footer(&c, &end),
            "<== wait-db: exit code 1 (Error) after 3s"
        );
    }
}
