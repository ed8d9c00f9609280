//! Where an OOM-killed container's memory limit came from. A container that declares no
//! memory limit gets its namespace's LimitRange default (`type: Container`, `default.memory`)
//! from the LimitRanger admission plugin, which says so in the pod's
//! `kubernetes.io/limit-ranger` annotation. [`from_namespace`] adds that to the `OOMKilled` /
//! `AppOOMKilled` finding: the LimitRange by name, and the two fixes (the container's own
//! limit, or the LimitRange's default).

use k8s_openapi::api::core::v1::LimitRange;

use super::context::Context;
use crate::diagnosis::Lookup;
use crate::diagnosis::policies::{LIMIT_RANGER, memory_limits_set};
use crate::finding::Finding;

/// Name the LimitRange behind the memory limit of each OOM-killed container the LimitRanger
/// gave one.
pub fn from_namespace(cx: &Context, findings: &mut [Finding]) {
    let set = memory_limits_set(cx.pod);
    let ns = cx.namespace();
    for f in findings
        .iter_mut()
        .filter(|f| f.code == "OOMKilled" || f.code == "AppOOMKilled")
    {
        let Some(name) = f.container.clone().filter(|c| set.contains(&c.as_str())) else {
            continue;
        };
        let Some((field, limit)) = limit_of(cx, &name) else {
            continue;
        };
        let sources = match &cx.evidence.limit_ranges {
            Lookup::Found(ranges) => defaults_of(ranges, &limit),
            _ => Vec::new(),
        };
        f.evidence.push(format!(
            "annotation {LIMIT_RANGER}: the LimitRanger set the memory limit of {name:?} (it declares none)"
        ));
        let edit = match sources.as_slice() {
            [] => {
                let why = match &cx.evidence.limit_ranges {
                    Lookup::Denied => "could not check which (RBAC)".to_string(),
                    Lookup::Failed(e) => format!("could not check which ({e})"),
                    _ => "none has that default now".to_string(),
                };
                f.message.push_str(&format!(
                    "; that limit came from a LimitRange default of namespace {ns:?} ({why})"
                ));
                format!(
                    "raise the default of the LimitRange that set it (kubectl get limitrange -n {ns} -o yaml: spec.limits[type Container].default.memory)"
                )
            }
            names => {
                let list = names
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                f.message.push_str(&format!(
                    "; that limit is the default of LimitRange {list} in namespace {ns:?}, given to containers that declare none"
                ));
                for n in names {
                    f.evidence.push(format!(
                        "LimitRange {n}: type Container, default memory {limit}"
                    ));
                }
                format!(
                    "raise LimitRange {}'s default for every container of the namespace (kubectl edit limitrange {} -n {ns}: spec.limits[type Container].default.memory)",
                    names[0], names[0]
                )
            }
        };
        f.hint = format!(
            "give {name:?} its own memory limit above its peak use ({field}, in the pod template: the default applies only to containers without one), or {edit}"
        );
    }
}

/// The container's field path and its memory limit as the pod now has it.
fn limit_of(cx: &Context, name: &str) -> Option<(String, String)> {
    let spec = cx.pod.spec.as_ref()?;
    let (list, index, container) = spec
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| ("initContainers", i, c))
        .chain(
            spec.containers
                .iter()
                .enumerate()
                .map(|(i, c)| ("containers", i, c)),
        )
        .find(|(_, _, c)| c.name == name)?;
    let limit = container
        .resources
        .as_ref()?
        .limits
        .as_ref()?
        .get("memory")?
        .0
        .clone();
    Some((
        format!("spec.{list}[{index}].resources.limits.memory"),
        limit,
    ))
}

/// The LimitRanges whose container default memory limit is `limit`.
fn defaults_of(ranges: &[LimitRange], limit: &str) -> Vec<String> {
    ranges
        .iter()
        .filter(|r| {
            r.spec.iter().flat_map(|s| s.limits.iter()).any(|item| {
                item.type_ == "Container"
                    && item
                        .default
                        .as_ref()
                        .and_then(|d| d.get("memory"))
                        .is_some_and(|q| q.0 == limit)
            })
        })
        .filter_map(|r| r.metadata.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::Lookup;
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    /// An init container OOM-killed under a limit the LimitRanger gave it (as on the real node).
    fn defaulted(
        ranges: Lookup<Vec<k8s_openapi::api::core::v1::LimitRange>>,
    ) -> crate::diagnosis::Evidence {
        let mut p = pod(
            json!([{"name": "load", "image": "busybox", "command": ["sh", "-c", "x"],
                "resources": {"limits": {"memory": "24Mi"}, "requests": {"memory": "16Mi"}}}]),
            json!({"phase": "Pending", "initContainerStatuses": [{
                "name": "load", "ready": false, "restartCount": 2, "image": "busybox", "imageID": "",
                "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                    "startedAt": "2026-01-01T00:09:00Z", "finishedAt": "2026-01-01T00:09:01Z"}}}]}),
        );
        p["metadata"]["annotations"] = json!({"kubernetes.io/limit-ranger":
            "LimitRanger plugin set: memory request for container app; memory limit for container app; memory request for init container load; memory limit for init container load"});
        let mut e = evidence(p);
        e.limit_ranges = ranges;
        e
    }

    fn range(name: &str, memory: &str) -> k8s_openapi::api::core::v1::LimitRange {
        serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"limits": [{"type": "Container", "default": {"memory": memory}}]}}))
        .expect("LimitRange")
    }

    #[test]
    fn the_oom_kill_names_the_limit_range_that_set_the_limit() {
        let cases = [
            (
                Lookup::Found(vec![range("big", "1Gi"), range("small-default", "24Mi")]),
                "default of LimitRange \"small-default\"",
                "kubectl edit limitrange small-default -n",
            ),
            (
                Lookup::Denied,
                "could not check which (RBAC)",
                "kubectl get limitrange -n",
            ),
            (
                Lookup::Found(vec![range("big", "1Gi")]),
                "none has that default now",
                "kubectl get limitrange -n",
            ),
        ];
        for (ranges, says, hint) in cases {
            let f = only(&defaulted(ranges), "OOMKilled");
            assert!(f.message.contains(says), "{says:?} in {}", f.message);
            assert!(f.hint.contains(hint), "{hint:?} in {}", f.hint);
            assert!(
                f.hint
                    .contains("spec.initContainers[0].resources.limits.memory"),
                "{}",
                f.hint
            );
            assert!(
                f.evidence
                    .iter()
                    .any(|l| l.contains("kubernetes.io/limit-ranger"))
            );
        }
    }

    #[test]
    fn a_limit_the_container_declared_is_left_alone() {
        let mut e = defaulted(Lookup::Found(vec![range("small-default", "24Mi")]));
        e.pod.metadata.annotations = None;
        let f = only(&e, "OOMKilled");
        assert!(!f.message.contains("LimitRange"), "{}", f.message);
    }
}
