//! What the edge gathered for one pod ([`Evidence`]), and the lookups on it every check uses.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::Timestamp;

use k8s_openapi::api::core::v1::{
    Container, ContainerStatus, Event, LimitRange, PersistentVolumeClaim, Pod,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;

use crate::finding::Finding;

/// Everything known about one pod, gathered by the edge before diagnosis.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub pod: Pod,
    /// Events whose involved object is the pod.
    pub events: Vec<Event>,
    /// Last lines of logs, by container name (only the containers [`log_requests`](super::log_requests) names).
    pub logs: BTreeMap<String, ContainerLogs>,
    /// The names of the Secrets in the pod's namespace, looked up only when
    /// [`needs_secret_names`](super::needs_secret_names) says so (to tell whether `imagePullSecrets` exist).
    pub secret_names: Lookup<Vec<String>>,
    /// What the blocked init containers wait on (Services, EndpointSlices, Pods…), fetched only
    /// when their commands name something to resolve (see [`crate::waits::needs`]).
    pub waits: Option<crate::waits::WaitObjects>,
    /// The workload to edit for this pod (a ReplicaSet's Deployment, a Job's CronJob, else the
    /// controller itself), resolved by the edge from `ownerReferences`.
    pub owner: Option<crate::finding::ObjectRef>,
    /// The namespace's LimitRanges, read only when [`policies::needs`](super::policies::needs)
    /// says a finding depends on them (a memory limit the LimitRanger set, then an OOM kill).
    pub limit_ranges: Lookup<Vec<LimitRange>>,
    /// The node's `kubernetes.io/arch`, read only when a container's executable was refused
    /// (`exec format error`).
    pub node_arch: Lookup<String>,
    /// The pod's PersistentVolumeClaims that exist, read only when the scheduler says they are
    /// unbound.
    pub claims: Lookup<Vec<PersistentVolumeClaim>>,
    /// The cluster's StorageClasses (one page), read with the claims.
    pub storage_classes: Lookup<Vec<StorageClass>>,
    /// The namespace's NetworkPolicies (one page), read only when a wait fails with its
    /// Service in place.
    pub network_policies: Lookup<Vec<NetworkPolicy>>,
    /// The ConfigMaps and Secrets a container stuck in `CreateContainerConfigError` requires
    /// besides the one the kubelet names, and whether each exists (a metadata-only `get`),
    /// read only when [`config_objects_to_look_up`](super::checks::config_objects_to_look_up) names them.
    pub config_objects: Vec<(ConfigRef, Lookup<bool>)>,
    /// The findings of its waits at one moment, worked out once (see [`Evidence::wait_findings`]).
    pub waits_found: WaitsFound,
}

/// [`Evidence::wait_findings`]'s memory: empty until asked.
#[derive(Debug, Clone, Default)]
pub struct WaitsFound(OnceLock<(Timestamp, Vec<Finding>)>);

impl Evidence {
    /// The findings of the pod's waits at `now` ([`crate::waits::findings`]), worked out once
    /// for that moment: the reads a pod inherits ask for them before its diagnosis shows them,
    /// and over EndpointSlices naming thousands of pods they are not free.
    pub fn wait_findings(&self, now: Timestamp) -> Vec<Finding> {
        if let Some((at, found)) = self.waits_found.0.get()
            && *at == now
        {
            return found.clone();
        }
        let found = crate::waits::findings(&self.pod, self.waits.as_ref(), now);
        // A cell set at another moment keeps its value; this one is returned, not kept.
        let _ = self.waits_found.0.set((now, found.clone()));
        found
    }
}

/// The tail of a container's log: the current instance and the previous one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerLogs {
    pub current: Vec<String>,
    pub previous: Vec<String>,
    /// Why a log could not be read, when that is worth saying ("could not check (RBAC)").
    pub note: Option<String>,
}

/// A ConfigMap or Secret a container's environment reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigRef {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    pub name: String,
}

/// The answer to a lookup that may be refused: what was found, or why it could not be checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Lookup<T> {
    /// Not asked: the diagnosis did not need it.
    #[default]
    NotChecked,
    Found(T),
    /// RBAC refused it (403): say "could not check", never fail.
    Denied,
    /// Any other failure, in one line.
    Failed(String),
}

/// One log to fetch: a container's current instance, or its previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub container: String,
    pub previous: bool,
}

/// How many log lines the edge asks for per instance (`tailLines`).
pub const LOG_TAIL_LINES: i64 = 50;

/// Waiting reasons of a failed image pull.
pub const IMAGE_PULL_REASONS: [&str; 6] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
    "SignatureValidationFailed",
];

/// The spec of an init container by name.
pub fn init_spec<'a>(pod: &'a Pod, name: &str) -> Option<&'a Container> {
    pod.spec
        .as_ref()?
        .init_containers
        .as_ref()?
        .iter()
        .find(|c| c.name == name)
}

/// The status of an init container by name.
pub fn init_status<'a>(pod: &'a Pod, name: &str) -> Option<&'a ContainerStatus> {
    pod.status
        .as_ref()?
        .init_container_statuses
        .as_ref()?
        .iter()
        .find(|c| c.name == name)
}

/// The spec of an app container by name.
pub fn app_spec<'a>(pod: &'a Pod, name: &str) -> Option<&'a Container> {
    pod.spec
        .as_ref()?
        .containers
        .iter()
        .find(|c| c.name == name)
}

/// The status of an app container by name.
pub fn app_status<'a>(pod: &'a Pod, name: &str) -> Option<&'a ContainerStatus> {
    pod.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .find(|c| c.name == name)
}

/// The waiting reason of a container status, if it is waiting with one.
pub fn waiting_reason(status: &ContainerStatus) -> Option<&str> {
    status
        .state
        .as_ref()
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.as_deref())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::waits::WaitObjects;

    #[test]
    fn wait_findings_are_those_of_the_moment_asked() {
        // A pod whose init container has slept since 00:00, for an hour: what is left of it
        // depends on the moment asked.
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"initContainers": [{"name": "wait-db", "image": "busybox",
                        "command": ["sleep", "3600"]}],
                     "containers": [{"name": "app", "image": "busybox"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [{"name": "wait-db",
                "image": "busybox", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}
        }))
        .unwrap();
        let waits = WaitObjects {
            fetched: true,
            pods: Arc::new(vec![pod.clone()]),
            ..Default::default()
        };
        let evidence = Evidence {
            pod: pod.clone(),
            waits: Some(waits.clone()),
            ..Default::default()
        };
        let at = |t: &str| -> Timestamp { t.parse().unwrap() };
        // The findings differ between the moments asked (how long it has waited): a memory that
        // answered for another moment would be caught.
        assert_ne!(
            format!(
                "{:?}",
                crate::waits::findings(&pod, Some(&waits), at("2026-01-01T00:10:00Z"))
            ),
            format!(
                "{:?}",
                crate::waits::findings(&pod, Some(&waits), at("2026-01-01T05:00:00Z"))
            ),
        );
        for now in [
            "2026-01-01T00:10:00Z",
            "2026-01-01T00:10:00Z",
            "2026-01-01T05:00:00Z",
        ] {
            let want = crate::waits::findings(&pod, Some(&waits), at(now));
            assert!(!want.is_empty(), "{now}");
            let got = evidence.wait_findings(at(now));
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{now}");
        }
    }
}
