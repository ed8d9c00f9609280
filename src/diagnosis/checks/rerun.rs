//! Why an init container fails when something else explains it than its own command:
//!
//! - it runs again in a pod that had initialized — its app containers run — which the kubelet
//!   does when the exited init container was removed from the node (a prune of exited
//!   containers, garbage collection), and an init container that is not re-entrant then fails
//!   on what its first run left (Istio's `istio-init`: `iptables: Chain already exists`). Seen
//!   in public threads with kubelets of 1.16 to 1.2x and Docker; the real node here (kubelet
//!   1.37, containerd) keeps the status of a removed init container and does not run it again;
//! - it is a mesh's validation (`istio-validation`, `linkerd-network-validator`): it checks the
//!   redirect the mesh's CNI plugin should have written for the pod, so its failure says the
//!   plugin did not set this pod up on its node.

use super::context::{Blocker, Context};
use super::start::StartFailure as Cause;

/// The cause of `b`'s failures that its exit code and log do not say.
pub fn crash_cause(cx: &Context, b: &Blocker) -> Option<Cause> {
    validator_failed(b).or_else(|| runs_again(cx, b))
}

fn runs_again(cx: &Context, b: &Blocker) -> Option<Cause> {
    if b.app || b.row.sidecar {
        return None;
    }
    let status = b.status?;
    let ran_again = status.restart_count > 0
        || status
            .last_state
            .as_ref()
            .is_some_and(|s| s.terminated.is_some());
    if !ran_again {
        return None;
    }
    let app = cx.apps.iter().find(|a| {
        a.status
            .and_then(|s| s.state.as_ref())
            .is_some_and(|s| s.running.is_some())
    })?;
    let since = app
        .status
        .and_then(|s| s.state.as_ref()?.running.as_ref()?.started_at.as_ref())
        .map(|t| format!(" since {}", t.0))
        .unwrap_or_default();
    Some(Cause {
        says: format!(
            "it runs again in a pod that had initialized (container {} runs{since}): the kubelet ran it again because its exited container was removed from the node (a prune of exited containers, garbage collection), and it fails when run a second time",
            app.name()
        ),
        evidence: vec![format!(
            "container {} is running{since} while {} runs again",
            app.name(),
            b.noun()
        )],
        hint: format!(
            "the pod itself is serving: stop removing the exited containers of running pods on the node (a cron job running docker/crictl prune, an aggressive garbage collection), and make {} re-entrant — it must succeed when run a second time",
            b.noun()
        ),
    })
}

/// A mesh's validation init container: the CNI plugin did not redirect this pod's traffic.
fn validator_failed(b: &Blocker) -> Option<Cause> {
    let (mesh, cni) = match b.name() {
        "istio-validation" => ("Istio", "istio-cni (its istio-cni-node DaemonSet)"),
        "linkerd-network-validator" => ("Linkerd", "linkerd-cni (its linkerd-cni DaemonSet)"),
        _ => return None,
    };
    Some(Cause {
        says: format!(
            "{} checks the redirect {mesh}'s CNI plugin writes when the pod is created, and finds none: the plugin, {cni}, did not set this pod up on its node",
            b.name()
        ),
        evidence: vec![format!(
            "{} only validates (it writes no rules): its failure is the node's CNI plugin's",
            b.name()
        )],
        hint: format!(
            "check {cni} on this pod's node (is its pod running there, what does its log say; a pod created before the plugin installed its configuration on a new node is never set up); once the plugin runs there, delete this pod so that it is created again"
        ),
    })
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use serde_json::{Value, json};

    #[test]
    fn a_failure_another_part_of_the_pod_explains() {
        let looping = |name: &str| {
            json!({"name": name, "image": "x", "imageID": "", "ready": false, "restartCount": 4,
                   "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                   "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}})
        };
        let running = json!({"name": "myapp-container", "image": "x", "imageID": "", "ready": true, "restartCount": 0,
                             "started": true, "state": {"running": {"startedAt": "2025-12-31T00:00:00Z"}}});
        let waiting = json!({"name": "myapp-container", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                             "state": {"waiting": {"reason": "PodInitializing"}}});
        // (case, the init container, the app's status, words its CrashLoop says, or none)
        let cases: Vec<(&str, &str, Value, Option<&str>)> = vec![
            (
                "run again while the app runs",
                "istio-init",
                running.clone(),
                Some("removed from the node"),
            ),
            ("a first run", "istio-init", waiting.clone(), None),
            (
                "a mesh's validation",
                "istio-validation",
                waiting.clone(),
                Some("istio-cni"),
            ),
            (
                "linkerd's validation",
                "linkerd-network-validator",
                waiting,
                Some("linkerd-cni"),
            ),
        ];
        for (case, name, app, says) in cases {
            let f = only(
                &evidence(pod(
                    json!([{"name": name, "image": "proxy", "command": ["sh", "-c", "exit 1"]}]),
                    json!({"phase": "Running", "initContainerStatuses": [looping(name)],
                           "containerStatuses": [app]}),
                )),
                "CrashLoop",
            );
            match says {
                Some(w) => assert!(
                    f.message.contains(w) || f.hint.contains(w),
                    "{case}: {w:?} not in {} / {}",
                    f.message,
                    f.hint
                ),
                None => assert!(
                    !f.message.contains("runs again") && !f.message.contains("CNI"),
                    "{case}: {}",
                    f.message
                ),
            }
        }
    }
}
