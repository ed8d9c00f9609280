//! The kubelet's three refusals of a container under `runAsNonRoot: true`
//! (`pkg/kubelet/kuberuntime/security_context_others.go`), each with its own fix:
//!
//! - `container's runAsUser breaks non-root policy`: a `runAsUser: 0` (the container's or the
//!   pod's) against `runAsNonRoot`;
//! - `container has runAsNonRoot and image will run as root`: no `runAsUser`, and the image's
//!   user is root (seen on the real node with busybox);
//! - `container has runAsNonRoot and image has non-numeric user (NAME), cannot verify user is
//!   non-root`: no `runAsUser`, and the image's `USER` is a name the kubelet cannot check.

use super::context::Blocker;
use k8s_openapi::api::core::v1::Pod;

/// The hint for a `CreateContainerConfigError` whose message is one of the refusals above.
pub fn hint(pod: &Pod, b: &Blocker, message: &str) -> Option<String> {
    let user = b.field("securityContext.runAsUser");
    let required = where_required(pod, b);
    if message.contains("runAsUser breaks non-root policy") {
        let zero = if b
            .spec
            .and_then(|c| c.security_context.as_ref())
            .and_then(|s| s.run_as_user)
            == Some(0)
        {
            user.clone()
        } else {
            "spec.securityContext.runAsUser".to_string()
        };
        return Some(format!(
            "{} runs as root ({zero}: 0) while {required} requires runAsNonRoot: true: if it must be root, set {} false for it; else give it a non-zero {user}",
            b.noun(),
            b.field("securityContext.runAsNonRoot")
        ));
    }
    if message.contains("image will run as root") {
        return Some(format!(
            "{} sets no runAsUser, so it runs as its image's user, root, while {required} requires runAsNonRoot: true: give it a non-zero {user} (or one for the whole pod), or lift runAsNonRoot for it",
            b.noun()
        ));
    }
    if message.contains("non-numeric user") {
        let name = message
            .split("non-numeric user (")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .unwrap_or("a name");
        return Some(format!(
            "the image's USER is the name {name}, which the kubelet cannot check against runAsNonRoot ({required}): give {} a numeric {user} (the image's UID for {name}), or a numeric USER in the image",
            b.noun()
        ));
    }
    None
}

/// Where `runAsNonRoot: true` comes from: the container's securityContext or the pod's.
fn where_required(pod: &Pod, b: &Blocker) -> String {
    let own = b
        .spec
        .and_then(|c| c.security_context.as_ref())
        .and_then(|s| s.run_as_non_root)
        == Some(true);
    if own {
        b.field("securityContext")
    } else if pod
        .spec
        .as_ref()
        .and_then(|s| s.security_context.as_ref())
        .and_then(|s| s.run_as_non_root)
        == Some(true)
    {
        "the pod's spec.securityContext".to_string()
    } else {
        "the pod's securityContext (or an admission policy)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use serde_json::{Value, json};

    #[test]
    fn each_refusal_gets_its_own_fix() {
        // (case, the pod's securityContext, the container's, the kubelet's message, words)
        let cases: Vec<(&str, Value, Value, &str, &[&str])> = vec![
            (
                "root image, no user",
                json!({"runAsNonRoot": true}),
                json!({}),
                "container has runAsNonRoot and image will run as root (pod: \"p_ns(u)\", container: setup)",
                &[
                    "sets no runAsUser",
                    "root",
                    "spec.initContainers[0].securityContext.runAsUser",
                    "the pod's spec.securityContext",
                ],
            ),
            (
                "runAsUser 0 against the pod's policy",
                json!({"runAsNonRoot": true, "runAsUser": 1000}),
                json!({"runAsUser": 0}),
                "container's runAsUser breaks non-root policy (pod: \"p_ns(u)\", container: setup)",
                &[
                    "runs as root (spec.initContainers[0].securityContext.runAsUser: 0)",
                    "spec.initContainers[0].securityContext.runAsNonRoot false",
                ],
            ),
            (
                "a named user",
                json!({}),
                json!({"runAsNonRoot": true}),
                "container has runAsNonRoot and image has non-numeric user (linkerd), cannot verify user is non-root (pod: \"p_ns(u)\", container: setup)",
                &[
                    "the name linkerd",
                    "numeric spec.initContainers[0].securityContext.runAsUser",
                ],
            ),
        ];
        for (case, pod_sc, sc, message, words) in cases {
            let mut p = pod(
                json!([{"name": "setup", "image": "busybox", "command": ["true"], "securityContext": sc}]),
                json!({"phase": "Pending", "initContainerStatuses": [{
                    "name": "setup", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"waiting": {"reason": "CreateContainerConfigError", "message": message}}}]}),
            );
            p["spec"]["securityContext"] = pod_sc;
            let f = only(&evidence(p), "ContainerConfigError");
            for w in words {
                assert!(f.hint.contains(w), "{case}: {w:?} not in {}", f.hint);
            }
        }
    }
}
