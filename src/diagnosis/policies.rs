//! What the pod inherits without naming it, and when it is worth a read: the edge asks
//! [`needs`] after the evidence of the second round is in (the logs included), and reads only
//! what a finding will use — the namespace's LimitRanges when the LimitRanger set a memory
//! limit on a container that was OOM-killed, the node's architecture when a container's
//! executable was refused (`exec format error`), the pod's PersistentVolumeClaims and the
//! StorageClasses when the scheduler says its claims are unbound, the namespace's
//! NetworkPolicies when a wait fails with the Service it waits on in place, the ConfigMaps and
//! Secrets a container stuck in `CreateContainerConfigError` requires besides the one the
//! kubelet names.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::Evidence;
use super::evidence::ConfigRef;

/// The pod annotation the LimitRanger admission plugin writes when it sets a default:
/// `LimitRanger plugin set: memory request for container app; memory limit for init container
/// load` (one `RESOURCES request|limit for [init ]container NAME` part per container).
pub const LIMIT_RANGER: &str = "kubernetes.io/limit-ranger";

/// The reads one pod's findings need beyond the second round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// The namespace's LimitRanges.
    pub limit_ranges: bool,
    /// The node whose `kubernetes.io/arch` is needed.
    pub node_arch: Option<String>,
    /// The pod's claims to read (at most [`CLAIMS_READ`]), and then the StorageClasses.
    pub claims: Vec<String>,
    /// The namespace's NetworkPolicies.
    pub network_policies: bool,
    /// The ConfigMaps and Secrets whose existence to check (at most
    /// [`CONFIG_OBJECTS_READ`](super::checks::CONFIG_OBJECTS_READ)).
    pub config_objects: Vec<ConfigRef>,
}

/// How many of a pod's PersistentVolumeClaims are read.
pub const CLAIMS_READ: usize = 16;

/// What `evidence`'s findings will need read (`now` for the waits' findings).
pub fn needs(evidence: &Evidence, now: jiff::Timestamp) -> Needs {
    let pod = &evidence.pod;
    let refused = evidence
        .logs
        .values()
        .flat_map(|l| l.previous.iter().chain(l.current.iter()))
        .chain(statuses(pod).flat_map(|s| {
            [s.state.as_ref(), s.last_state.as_ref()]
                .into_iter()
                .flatten()
                .filter_map(|st| st.terminated.as_ref()?.message.as_ref())
        }))
        .any(|l| l.to_ascii_lowercase().contains("exec format error"));
    Needs {
        limit_ranges: !memory_limits_set(pod).is_empty()
            && statuses(pod)
                .any(|s| memory_limits_set(pod).contains(&s.name.as_str()) && oom_killed(s)),
        node_arch: if refused {
            pod.spec.as_ref().and_then(|s| s.node_name.clone())
        } else {
            None
        },
        claims: if claims_unbound(evidence) {
            claim_names(pod)
        } else {
            Vec::new()
        },
        network_policies: evidence.waits.is_some()
            && evidence.wait_findings(now).iter().any(|f| {
                f.code == "ResolvesButWaits"
                    && f.resolved.as_ref().is_some_and(|r| r.kind == "Service")
            }),
        config_objects: super::checks::config_objects_to_look_up(pod),
    }
}

/// The pod's PersistentVolumeClaim names, in volume order, at most [`CLAIMS_READ`].
pub fn claim_names(pod: &Pod) -> Vec<String> {
    let mut names: Vec<String> = pod
        .spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| Some(v.persistent_volume_claim.as_ref()?.claim_name.clone()))
        .collect();
    names.dedup();
    names.truncate(CLAIMS_READ);
    names
}

/// True when the pod is not placed and its claims may be why: the scheduler says they are
/// unbound (its condition or its `FailedScheduling` events), or it has nominated a node and
/// waits for their volumes (`WaitForFirstConsumer`: no condition until the binding times out,
/// then `binding volumes` in its message).
fn claims_unbound(evidence: &Evidence) -> bool {
    let pod = &evidence.pod;
    if pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .is_some_and(|n| !n.is_empty())
    {
        return false;
    }
    let nominated = pod
        .status
        .as_ref()
        .and_then(|s| s.nominated_node_name.as_deref())
        .is_some_and(|n| !n.is_empty());
    if nominated && !claim_names(pod).is_empty() {
        return true;
    }
    let unbound = |m: &str| {
        let l = m.to_ascii_lowercase();
        (l.contains("unbound") && l.contains("persistentvolumeclaim"))
            || l.contains("binding volumes")
    };
    let condition = pod
        .status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .filter(|c| c.type_ == "PodScheduled")
        .filter_map(|c| c.message.as_deref());
    let events = evidence.events.iter().filter_map(|e| e.message.as_deref());
    condition.chain(events).any(unbound)
}

fn statuses(pod: &Pod) -> impl Iterator<Item = &ContainerStatus> {
    pod.status.iter().flat_map(|s| {
        s.init_container_statuses
            .iter()
            .flatten()
            .chain(s.container_statuses.iter().flatten())
    })
}

fn oom_killed(s: &ContainerStatus) -> bool {
    [s.state.as_ref(), s.last_state.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|st| st.terminated.as_ref())
        .any(|t| t.reason.as_deref() == Some("OOMKilled"))
}

/// The containers (init or app) whose memory limit the LimitRanger set, from the pod's
/// annotation.
pub fn memory_limits_set(pod: &Pod) -> Vec<&str> {
    let Some(text) = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(LIMIT_RANGER))
    else {
        return Vec::new();
    };
    let text = text.strip_prefix("LimitRanger plugin set:").unwrap_or(text);
    text.split(';')
        .filter_map(|part| {
            let (resources, rest) = part.trim().split_once(" limit for ")?;
            let name = rest
                .strip_prefix("init container ")
                .or_else(|| rest.strip_prefix("container "))?;
            resources
                .split(',')
                .any(|r| r.trim() == "memory")
                .then_some(name.trim())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_annotation_names_the_containers_given_a_memory_limit() {
        let cases = [
            // As the API server wrote it for a pod on the real node.
            (
                "LimitRanger plugin set: memory request for container app; memory limit for container app; memory request for init container load; memory limit for init container load",
                vec!["app", "load"],
            ),
            (
                "LimitRanger plugin set: cpu, memory limit for init container init",
                vec!["init"],
            ),
            (
                "LimitRanger plugin set: cpu request for container app; cpu limit for container app",
                vec![],
            ),
            ("something else", vec![]),
        ];
        for (text, want) in cases {
            let pod: Pod = serde_json::from_value(json!({
                "metadata": {"name": "p", "annotations": {LIMIT_RANGER: text}}
            }))
            .expect("pod");
            assert_eq!(memory_limits_set(&pod), want, "{text}");
        }
    }
}
