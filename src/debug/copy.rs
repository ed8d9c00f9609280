//! `--copy-to`: a copy of a pod whose blocked init container waits instead of running its
//! command, so that a container that crash-loops too fast to catch can be targeted. Pure: the
//! original in, the Pod to create out. The original is never changed here.
//!
//! Compared with `kubectl debug --copy-to`: `--set-image` reaches init containers too, and the
//! copy keeps the init container as the target of an ephemeral container (kubectl refuses
//! `--target` with `--copy-to`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::diagnosis::timeline;

/// The annotation on the copy naming the original.
pub const COPY_OF: &str = "initdoctor.io/copy-of";
/// The annotation on the copy keeping the replaced container's command (JSON).
pub const ORIGINAL_COMMAND: &str = "initdoctor.io/original-command";

/// The shell the replaced init container runs: says what it is, then waits until stopped.
pub const WAIT_SCRIPT: &str = "echo 'initdoctor: this copy waits here instead of running the command (see the initdoctor.io/original-command annotation)'; trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";

/// What to copy, and how.
#[derive(Debug, Clone, Default)]
pub struct CopyRequest<'a> {
    pub name: &'a str,
    /// The init container to replace (default: the blocked one).
    pub target: Option<&'a str>,
    /// Leave out the init containers that completed in the original.
    pub skip_done_init: bool,
    pub same_node: bool,
    /// `NAME=IMAGE` pairs; `*` for every container.
    pub set_images: Vec<(String, String)>,
}

/// The copy to create.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyPlan {
    pub pod: Pod,
    /// The init container that waits in the copy.
    pub target: String,
    /// The init containers left out (`--skip-done-init`).
    pub skipped: Vec<String>,
}

/// `NAME=IMAGE` pairs of `--set-image`.
pub fn parse_set_images(pairs: &[String]) -> Result<Vec<(String, String)>, String> {
    pairs
        .iter()
        .map(|p| match p.split_once('=') {
            Some((n, i)) if !n.is_empty() && !i.trim().is_empty() => {
                Ok((n.to_string(), i.to_string()))
            }
            _ => Err(format!("--set-image {p:?} is not NAME=IMAGE")),
        })
        .collect()
}

/// Build the copy of `pod`.
pub fn copy_pod(pod: &Pod, request: &CopyRequest) -> Result<CopyPlan, String> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    let spec = pod.spec.clone().unwrap_or_default();
    let inits = spec.init_containers.clone().unwrap_or_default();
    let rows = timeline::rows(pod);
    let target = match request.target {
        Some(t) if inits.iter().any(|c| c.name == t) => t.to_string(),
        Some(t) => {
            let names: Vec<&str> = inits.iter().map(|c| c.name.as_str()).collect();
            return Err(format!(
                "--copy-to replaces an init container's command, and {t:?} is not one of pod {pod_name:?}'s: pass --target with one of {}",
                if names.is_empty() {
                    "(none)".to_string()
                } else {
                    names.join(", ")
                }
            ));
        }
        None => match timeline::blocking(pod, &rows) {
            Some(b) => b.name,
            None => {
                return Err(format!(
                    "pod {pod_name:?} has finished initialization, so no init container blocks it: pass --target INIT_CONTAINER"
                ));
            }
        },
    };
    let all_names: Vec<String> = inits
        .iter()
        .chain(spec.containers.iter())
        .map(|c| c.name.clone())
        .collect();
    for (name, _) in &request.set_images {
        if name != "*" && !all_names.contains(name) {
            return Err(format!(
                "--set-image names container {name:?}, which pod {pod_name:?} does not have: use one of {} or *",
                all_names.join(", ")
            ));
        }
    }

    let mut skipped = Vec::new();
    let mut new_inits = Vec::new();
    let mut original_command = None;
    let mut reached = false;
    for container in inits {
        let is_target = container.name == target;
        reached |= is_target;
        let done = rows.iter().any(|r| r.name == container.name && r.done);
        if request.skip_done_init && !reached && done {
            skipped.push(container.name.clone());
            continue;
        }
        let mut c = without_probes(container);
        if is_target {
            let mut command = c.command.take().unwrap_or_default();
            command.extend(c.args.take().unwrap_or_default());
            original_command = Some(command);
            c.command = Some(vec!["sh".into(), "-c".into(), WAIT_SCRIPT.into()]);
        }
        new_inits.push(c);
    }
    let containers = spec.containers.into_iter().map(without_probes).collect();

    let mut annotations = BTreeMap::new();
    annotations.insert(COPY_OF.to_string(), pod_name.to_string());
    annotations.insert(
        ORIGINAL_COMMAND.to_string(),
        serde_json::to_string(&original_command.unwrap_or_default()).unwrap_or_default(),
    );
    let mut copy = Pod {
        metadata: ObjectMeta {
            name: Some(request.name.to_string()),
            namespace: pod.metadata.namespace.clone(),
            // Labels dropped: no Service selects the copy, no controller adopts it.
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(PodSpec {
            init_containers: Some(new_inits),
            containers,
            ephemeral_containers: None,
            node_name: if request.same_node {
                spec.node_name
            } else {
                None
            },
            ..spec
        }),
        status: None,
    };
    set_images(&mut copy, &request.set_images);
    Ok(CopyPlan {
        pod: copy,
        target,
        skipped,
    })
}

fn without_probes(mut c: Container) -> Container {
    c.liveness_probe = None;
    c.readiness_probe = None;
    c.startup_probe = None;
    c
}

fn set_images(pod: &mut Pod, pairs: &[(String, String)]) {
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    let all = spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut());
    for c in all {
        let image = pairs
            .iter()
            .find(|(n, _)| *n == c.name)
            .or_else(|| pairs.iter().find(|(n, _)| n == "*"));
        if let Some((_, image)) = image {
            c.image = Some(image.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A pod whose second init container crash-loops, the first having completed.
    fn crashing() -> Pod {
        let probe = json!({"exec": {"command": ["true"]}});
        serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop", "uid": "u-1", "resourceVersion": "7",
                          "labels": {"app": "web"}, "annotations": {"a": "b"},
                          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "r"}]},
            "spec": {
                "nodeName": "node-1",
                "initContainers": [
                    {"name": "fetch", "image": "busybox:1.35", "command": ["true"]},
                    {"name": "migrate", "image": "migrator:2", "command": ["migrate"], "args": ["--up"]},
                    {"name": "after", "image": "busybox:1.35"}
                ],
                "containers": [{"name": "app", "image": "nginx:1.27", "livenessProbe": probe, "readinessProbe": probe, "startupProbe": probe}],
                "ephemeralContainers": [{"name": "debugger-bbbbb", "image": "busybox"}]
            },
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "fetch", "image": "busybox:1.35", "imageID": "", "ready": true, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "migrate", "image": "migrator:2", "imageID": "", "ready": false, "restartCount": 9,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}},
                {"name": "after", "image": "busybox:1.35", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}}
            ]}
        }))
        .unwrap()
    }

    fn request() -> CopyRequest<'static> {
        CopyRequest {
            name: "web-copy",
            ..Default::default()
        }
    }

    #[test]
    fn the_blocked_init_container_waits_and_nothing_selects_the_copy() {
        let plan = copy_pod(&crashing(), &request()).unwrap();
        assert_eq!(plan.target, "migrate");
        let got = serde_json::to_value(&plan.pod).unwrap();
        assert_eq!(
            got,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-copy", "namespace": "shop", "annotations": {
                    "initdoctor.io/copy-of": "web",
                    "initdoctor.io/original-command": "[\"migrate\",\"--up\"]"}},
                "spec": {
                    "initContainers": [
                        {"name": "fetch", "image": "busybox:1.35", "command": ["true"]},
                        {"name": "migrate", "image": "migrator:2", "command": ["sh", "-c", WAIT_SCRIPT]},
                        {"name": "after", "image": "busybox:1.35"}
                    ],
                    "containers": [{"name": "app", "image": "nginx:1.27"}]
                }
            })
        );
    }

    #[test]
    fn flags_change_the_copy() {
        // (skip done, same node, set images) -> (init names, node, images)
        type Case = (
            bool,
            bool,
            Vec<(&'static str, &'static str)>,
            Vec<&'static str>,
            Option<&'static str>,
            Vec<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                true,
                false,
                vec![],
                vec!["migrate", "after"],
                None,
                vec!["migrator:2", "busybox:1.35", "nginx:1.27"],
            ),
            (
                false,
                true,
                vec![],
                vec!["fetch", "migrate", "after"],
                Some("node-1"),
                vec!["busybox:1.35", "migrator:2", "busybox:1.35", "nginx:1.27"],
            ),
            (
                true,
                false,
                vec![("migrate", "busybox:1.35")],
                vec!["migrate", "after"],
                None,
                vec!["busybox:1.35", "busybox:1.35", "nginx:1.27"],
            ),
            (
                true,
                false,
                vec![("*", "x:1"), ("app", "y:2")],
                vec!["migrate", "after"],
                None,
                vec!["x:1", "x:1", "y:2"],
            ),
        ];
        for (skip, same, images, inits, node, want_images) in cases {
            let req = CopyRequest {
                skip_done_init: skip,
                same_node: same,
                set_images: images
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
                ..request()
            };
            let plan = copy_pod(&crashing(), &req).unwrap();
            let spec = plan.pod.spec.unwrap();
            let names: Vec<&str> = spec
                .init_containers
                .iter()
                .flatten()
                .map(|c| c.name.as_str())
                .collect();
            assert_eq!(names, inits);
            assert_eq!(spec.node_name.as_deref(), node);
            let got: Vec<String> = spec
                .init_containers
                .iter()
                .flatten()
                .chain(spec.containers.iter())
                .map(|c| c.image.clone().unwrap_or_default())
                .collect();
            assert_eq!(got, want_images);
            assert_eq!(plan.skipped.is_empty(), !skip);
        }
    }

    #[test]
    fn refusals() {
        let cases = [
            (
                Some("app"),
                vec![],
                "--copy-to replaces an init container's command, and \"app\" is not one of pod \"web\"'s: pass --target with one of fetch, migrate, after",
            ),
            (
                None,
                vec![("nope", "x")],
                "--set-image names container \"nope\", which pod \"web\" does not have: use one of fetch, migrate, after, app or *",
            ),
        ];
        for (target, images, want) in cases {
            let req = CopyRequest {
                target,
                set_images: images
                    .iter()
                    .map(|(a, b): &(&str, &str)| (a.to_string(), b.to_string()))
                    .collect(),
                ..request()
            };
            assert_eq!(copy_pod(&crashing(), &req).unwrap_err(), want);
        }
        assert!(parse_set_images(&["a".into()]).is_err());
        assert_eq!(
            parse_set_images(&["a=b:1".into()]).unwrap(),
            vec![("a".to_string(), "b:1".to_string())]
        );
    }
}
