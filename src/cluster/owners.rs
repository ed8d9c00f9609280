//! The edge for owners: the workload to edit for each pod, from `ownerReferences`.
//!
//! A pod's controller reference names its ReplicaSet, StatefulSet, DaemonSet or Job. The
//! object a user edits is one level up for two of them: a ReplicaSet's Deployment, a Job's
//! CronJob. That level is read with one GET of the ReplicaSet (or Job), once per distinct
//! object, at most [`OWNER_GETS`] of them, [`OWNERS_AT_ONCE`] at a time, each under the request
//! timeout. A GET that fails (403, 404, timeout) leaves the direct owner: never a failed command.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::Api;

use super::Cluster;
use crate::finding::ObjectRef;

/// How many ReplicaSets and Jobs one `explain` reads to find their owners.
pub const OWNER_GETS: usize = 50;

/// How many of those reads run at once.
pub const OWNERS_AT_ONCE: usize = 8;

/// The controller among an object's owner references.
fn controller(meta: &ObjectMeta) -> Option<&OwnerReference> {
    let refs = meta.owner_references.as_ref()?;
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| refs.first())
}

/// The object one level up that a user edits instead, when there is one to look for.
fn looks_up(kind: &str) -> bool {
    matches!(kind, "ReplicaSet" | "Job")
}

impl Cluster {
    /// The owner to edit of each pod, in order: `None` for a pod without a controller.
    pub async fn owners(&self, pods: &[Pod]) -> Vec<Option<ObjectRef>> {
        let direct: Vec<Option<ObjectRef>> = pods
            .iter()
            .map(|p| {
                let namespace = p.metadata.namespace.clone().unwrap_or_default();
                controller(&p.metadata).map(|r| ObjectRef::new(&r.kind, &namespace, &r.name))
            })
            .collect();
        let wanted: BTreeSet<(String, String, String)> = direct
            .iter()
            .flatten()
            .filter(|o| looks_up(&o.kind))
            .map(|o| (o.kind.clone(), o.namespace.clone(), o.name.clone()))
            .take(OWNER_GETS)
            .collect();
        let found: BTreeMap<(String, String, String), ObjectRef> =
            futures::stream::iter(wanted.into_iter().map(|key| async move {
                let up = self.owner_of(&key.0, &key.1, &key.2).await;
                (key, up)
            }))
            .buffer_unordered(OWNERS_AT_ONCE)
            .filter_map(|(key, up)| async move { up.map(|up| (key, up)) })
            .collect()
            .await;
        direct
            .into_iter()
            .map(|owner| {
                let owner = owner?;
                let key = (
                    owner.kind.clone(),
                    owner.namespace.clone(),
                    owner.name.clone(),
                );
                Some(found.get(&key).cloned().unwrap_or(owner))
            })
            .collect()
    }

    /// The controller of a ReplicaSet or Job, when it has one of the kinds users edit.
    async fn owner_of(&self, kind: &str, namespace: &str, name: &str) -> Option<ObjectRef> {
        // An owner reference names anything its writer wrote: only a Kubernetes name is sent.
        if !crate::validate::object_name_in_path(name)
            || !crate::validate::namespace_in_path(namespace)
        {
            return None;
        }
        let meta = match kind {
            "ReplicaSet" => {
                let api: Api<ReplicaSet> = Api::namespaced(self.client(), namespace);
                self.read("get", "replicasets", Some(namespace), || api.get_opt(name))
                    .await
                    .ok()??
                    .metadata
            }
            "Job" => {
                let api: Api<Job> = Api::namespaced(self.client(), namespace);
                self.read("get", "jobs", Some(namespace), || api.get_opt(name))
                    .await
                    .ok()??
                    .metadata
            }
            _ => return None,
        };
        let up = controller(&meta)?;
        matches!(up.kind.as_str(), "Deployment" | "CronJob")
            .then(|| ObjectRef::new(&up.kind, namespace, &up.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_controller_reference_wins_over_other_owners() {
        let meta: ObjectMeta = serde_json::from_value(serde_json::json!({
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "x", "uid": "1"},
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-7d9", "uid": "2",
                 "controller": true}
            ]
        }))
        .unwrap();
        assert_eq!(controller(&meta).map(|r| r.name.as_str()), Some("api-7d9"));
        assert!(controller(&ObjectMeta::default()).is_none());
        assert!(looks_up("ReplicaSet") && looks_up("Job") && !looks_up("StatefulSet"));
    }
}
