//! The edge for `explain`: fetch what the pure core needs for one pod, concurrently.

use futures::future::try_join_all;
use k8s_openapi::api::core::v1::Pod;

use crate::cluster::Cluster;
use crate::diagnosis::Evidence;
use crate::error::Result;

/// Everything the diagnosis of `pod` needs, gathered in one round of concurrent calls.
pub async fn evidence(cluster: &Cluster, pod: Pod) -> Result<Evidence> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let events = cluster.pod_events(&namespace, &name).await?;
    Ok(Evidence {
        pod,
        events,
        ..Default::default()
    })
}

/// Evidence for several pods at once.
pub async fn evidence_for_all(cluster: &Cluster, pods: Vec<Pod>) -> Result<Vec<Evidence>> {
    try_join_all(pods.into_iter().map(|pod| evidence(cluster, pod))).await
}
