//! What the wait for a debug container sees in the pod, as a kubelet writes it: still on its
//! way (each waiting reason reported as it comes), running, already ended, or unable to start —
//! its target does not run (the kubelet's `CreateContainerConfigError` "unable to find target
//! container", or the runtime's `CreateContainerError` "… is not running"), or the pod is being
//! deleted or has finished (the kubelet starts no new container there). The last ends the wait
//! at once rather than at `--timeout`.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use crate::status;

/// Where a debug container is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Not started yet: the waiting reason and message, if the node reported one.
    Waiting(Option<String>),
    /// Its process runs.
    Running,
    /// Its process has ended already (a command that exits): exit code and reason.
    Ended { exit_code: i32, reason: String },
    /// It cannot start: why, and what to do instead (one line).
    Blocked(String),
}

/// The waiting reasons the kubelet gives when the target of an ephemeral container does not run:
/// `getTargetID` (no container of it in the runtime) and the runtime's refusal to join the
/// processes of a container that has exited (containerd: "invalid target container").
fn refused_for_target(reason: &str, message: &str) -> bool {
    (reason == "CreateContainerConfigError" && message.contains("unable to find target container"))
        || (reason == "CreateContainerError"
            && (message.contains("invalid target container") || message.contains("not running")))
}

/// The state of an init or app container, in words: `Completed (exit 0)`, `CrashLoopBackOff`.
fn state_words(s: &ContainerStatus) -> String {
    let state = s.state.as_ref();
    if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
        let reason = t.reason.as_deref().unwrap_or("terminated");
        return format!("{reason} (exit {})", t.exit_code);
    }
    if let Some(w) = state.and_then(|s| s.waiting.as_ref()) {
        let reason = w.reason.as_deref().unwrap_or("waiting");
        return match s.last_state.as_ref().and_then(|l| l.terminated.as_ref()) {
            Some(last) => format!("{reason}, last exit {}", last.exit_code),
            None => format!("{reason}, never started"),
        };
    }
    if state.is_some_and(|s| s.running.is_some()) {
        return "running".into();
    }
    "no status yet".into()
}

/// The state of container `name` of the pod (init or app), in words.
fn target_state(pod: &Pod, name: &str) -> String {
    let status = pod.status.as_ref();
    status
        .and_then(|s| s.init_container_statuses.as_ref())
        .into_iter()
        .chain(status.and_then(|s| s.container_statuses.as_ref()))
        .flatten()
        .find(|s| s.name == name)
        .map_or_else(|| "no status yet".into(), state_words)
}

/// Where debug container `name` of `pod` is.
pub fn progress(pod: &Pod, name: &str) -> Progress {
    let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    let spec = pod
        .spec
        .as_ref()
        .and_then(|s| s.ephemeral_containers.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == name));
    let state = pod
        .status
        .as_ref()
        .and_then(|s| s.ephemeral_container_statuses.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == name))
        .and_then(|c| c.state.as_ref());
    if let Some(state) = state {
        if state.running.is_some() {
            return Progress::Running;
        }
        if let Some(t) = &state.terminated {
            return Progress::Ended {
                exit_code: t.exit_code,
                reason: t.reason.clone().unwrap_or_default(),
            };
        }
    }
    let copy = format!(
        "debug a copy instead: `kubectl initdoctor debug {pod_name} --copy-to {pod_name}-debug -n {ns}`"
    );
    if pod.metadata.deletion_timestamp.is_some() {
        return Progress::Blocked(format!(
            "pod {pod_name} is being deleted (Terminating): the kubelet starts no new container in it, so {name} never runs; {copy}"
        ));
    }
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or_default();
    if phase == "Succeeded" || phase == "Failed" {
        return Progress::Blocked(format!(
            "pod {pod_name} has finished ({}): the kubelet starts no container in it, so {name} never runs; {copy}",
            status::pod_status(pod)
        ));
    }
    let waiting = state.and_then(|s| s.waiting.as_ref());
    let reason = waiting.and_then(|w| w.reason.as_deref()).unwrap_or("");
    let message = waiting.and_then(|w| w.message.as_deref()).unwrap_or("");
    if refused_for_target(reason, message) {
        let target = spec
            .and_then(|c| c.target_container_name.as_deref())
            .unwrap_or("its target");
        return Progress::Blocked(format!(
            "{name} cannot start: it shares the processes of {target}, which is not running ({}), and the node refuses it ({reason}: {message}). The kubelet tries again on each sync, so it starts if {target} runs again (then `kubectl initdoctor debug {pod_name} --attach-to {name} -n {ns}`); to look at {target} now, {copy}",
            target_state(pod, target)
        ));
    }
    Progress::Waiting(waiting.map(|w| {
        let reason = w.reason.as_deref().unwrap_or("waiting");
        match w.message.as_deref().filter(|m| !m.is_empty()) {
            Some(m) => format!("{reason}: {m}"),
            None => reason.to_string(),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn pod(status: &Value, deleting: bool) -> Pod {
        let mut meta = json!({"name": "web", "namespace": "shop"});
        if deleting {
            meta["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        serde_json::from_value(json!({
            "metadata": meta,
            "spec": {
                "initContainers": [{"name": "wait-db", "image": "busybox"}],
                "containers": [{"name": "app", "image": "nginx"}],
                "ephemeralContainers": [{"name": "dbg", "image": "busybox", "targetContainerName": "wait-db"}],
            },
            "status": status,
        }))
        .unwrap()
    }

    fn ephemeral(state: &Value) -> Value {
        json!([{"name": "dbg", "image": "busybox", "ready": false, "restartCount": 0, "state": state}])
    }

    #[test]
    fn each_state_a_kubelet_writes() {
        let crashed = json!([{"name": "wait-db", "image": "busybox", "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]);
        let unstarted = json!([{"name": "wait-db", "image": "busybox", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ErrImagePull"}}}]);
        let exited = "failed to generate container \"ab\" spec: invalid target container: container \"cd\" is not running - in state CONTAINER_EXITED";
        // (status, deleting, expected: a variant and text it must contain)
        let cases: Vec<(Value, bool, &str, &str)> = vec![
            (json!({"phase": "Pending"}), false, "waiting", ""),
            (
                json!({"phase": "Pending", "ephemeralContainerStatuses": ephemeral(&json!({"waiting": {"reason": "ErrImagePull", "message": "no such host"}}))}),
                false,
                "waiting",
                "ErrImagePull: no such host",
            ),
            (
                json!({"phase": "Pending", "ephemeralContainerStatuses": ephemeral(&json!({"running": {}}))}),
                false,
                "running",
                "",
            ),
            (
                json!({"phase": "Pending", "ephemeralContainerStatuses": ephemeral(&json!({"terminated": {"exitCode": 3, "reason": "Error"}}))}),
                false,
                "ended",
                "",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": crashed,
                    "ephemeralContainerStatuses": ephemeral(&json!({"waiting": {"reason": "CreateContainerError", "message": exited}}))}),
                false,
                "blocked",
                "which is not running (CrashLoopBackOff, last exit 1), and the node refuses it (CreateContainerError: failed to generate",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": unstarted,
                    "ephemeralContainerStatuses": ephemeral(&json!({"waiting": {"reason": "CreateContainerConfigError", "message": "unable to find target container wait-db"}}))}),
                false,
                "blocked",
                "(ErrImagePull, never started)",
            ),
            // A config error of another kind is only reported: the kubelet may yet start it.
            (
                json!({"phase": "Pending", "ephemeralContainerStatuses": ephemeral(&json!({"waiting": {"reason": "CreateContainerConfigError", "message": "configmap \"x\" not found"}}))}),
                false,
                "waiting",
                "CreateContainerConfigError: configmap",
            ),
            (
                json!({"phase": "Pending", "ephemeralContainerStatuses": ephemeral(&json!({"waiting": {"reason": "PodInitializing"}}))}),
                true,
                "blocked",
                "pod web is being deleted (Terminating)",
            ),
            (
                json!({"phase": "Succeeded"}),
                false,
                "blocked",
                "pod web has finished (Succeeded)",
            ),
            // Already running when the deletion began: it runs until killed.
            (
                json!({"phase": "Pending", "ephemeralContainerStatuses": ephemeral(&json!({"running": {}}))}),
                true,
                "running",
                "",
            ),
        ];
        for (status, deleting, want, text) in cases {
            let got = progress(&pod(&status, deleting), "dbg");
            let (kind, said) = match &got {
                Progress::Waiting(r) => ("waiting", r.clone().unwrap_or_default()),
                Progress::Running => ("running", String::new()),
                Progress::Ended { .. } => ("ended", String::new()),
                Progress::Blocked(why) => ("blocked", why.clone()),
            };
            assert_eq!(kind, want, "{status} deleting={deleting}: {got:?}");
            assert!(said.contains(text), "{status}: {said:?} lacks {text:?}");
        }
    }

    #[test]
    fn a_blocked_start_says_how_to_get_in_later_and_what_to_do_now() {
        let status = json!({"phase": "Pending",
            "ephemeralContainerStatuses": ephemeral(&json!({"waiting": {"reason": "CreateContainerConfigError", "message": "unable to find target container wait-db"}}))});
        let Progress::Blocked(why) = progress(&pod(&status, false), "dbg") else {
            panic!("not blocked");
        };
        assert!(
            why.contains("`kubectl initdoctor debug web --attach-to dbg -n shop`"),
            "{why}"
        );
        assert!(
            why.contains("`kubectl initdoctor debug web --copy-to web-debug -n shop`"),
            "{why}"
        );
        assert!(
            why.starts_with("dbg cannot start: it shares the processes of wait-db"),
            "{why}"
        );
    }

    #[test]
    fn ended_carries_the_exit_code() {
        let status = json!({"phase": "Running", "ephemeralContainerStatuses": ephemeral(&json!({"terminated": {"exitCode": 7, "reason": "Error"}}))});
        assert_eq!(
            progress(&pod(&status, false), "dbg"),
            Progress::Ended {
                exit_code: 7,
                reason: "Error".into()
            }
        );
    }
}
