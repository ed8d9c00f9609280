//! The edge for a workload without pods: the events that say why its controller created none —
//! the workload's own, and for a Deployment those of its newest ReplicaSets (the ReplicaSet
//! records `FailedCreate`, not the Deployment), for a CronJob those of its newest Jobs (the Job
//! records it). Bounded: at most [`REPLICASETS`] ReplicaSets or Jobs, each read under the
//! request timeout.

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Event;
use kube::api::Api;

use super::Cluster;
use crate::error::Result;

/// How many of a Deployment's ReplicaSets (the newest) have their events read.
pub const REPLICASETS: usize = 3;

impl Cluster {
    /// The events of `kind`/`name` in `namespace`, and for a Deployment those of its newest
    /// ReplicaSets (selected by `selector`, owned by it).
    pub async fn creation_events(
        &self,
        namespace: &str,
        kind: &str,
        name: &str,
        selector: &str,
    ) -> Result<Vec<Event>> {
        let mut objects = vec![(kind.to_string(), name.to_string())];
        if kind == "Deployment" {
            let api: Api<ReplicaSet> = Api::namespaced(self.client(), namespace);
            let mut sets: Vec<ReplicaSet> = self
                .list_all(&api, "replicasets", Some(namespace), Some(selector), None)
                .await?
                .into_iter()
                .filter(|rs| {
                    rs.metadata.owner_references.iter().flatten().any(|o| {
                        o.kind == "Deployment" && o.name == name && o.controller == Some(true)
                    })
                })
                .collect();
            sets.sort_by_key(|rs| {
                std::cmp::Reverse(rs.metadata.creation_timestamp.clone().map(|t| t.0))
            });
            objects.extend(
                sets.iter()
                    .take(REPLICASETS)
                    .filter_map(|rs| rs.metadata.name.clone())
                    .map(|n| ("ReplicaSet".to_string(), n)),
            );
        }
        if kind == "CronJob" {
            let mut jobs = self.jobs_of_cronjob(namespace, name).await?;
            jobs.sort_by_key(|j| {
                std::cmp::Reverse(j.metadata.creation_timestamp.clone().map(|t| t.0))
            });
            objects.extend(
                jobs.iter()
                    .take(REPLICASETS)
                    .filter_map(|j| j.metadata.name.clone())
                    .map(|n| ("Job".to_string(), n)),
            );
        }
        let api: Api<Event> = Api::namespaced(self.client(), namespace);
        let mut events = Vec::new();
        for (kind, name) in objects {
            let fields = format!("involvedObject.kind={kind},involvedObject.name={name}");
            events.extend(
                self.list_all(&api, "events", Some(namespace), None, Some(&fields))
                    .await?,
            );
        }
        Ok(events)
    }

    /// The Jobs of `namespace` that CronJob `name` controls (one list of the namespace's Jobs).
    pub async fn jobs_of_cronjob(&self, namespace: &str, name: &str) -> Result<Vec<Job>> {
        let api: Api<Job> = Api::namespaced(self.client(), namespace);
        Ok(self
            .list_all(&api, "jobs", Some(namespace), None, None)
            .await?
            .into_iter()
            .filter(|j| {
                j.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.kind == "CronJob" && o.name == name && o.controller == Some(true))
            })
            .collect())
    }
}
