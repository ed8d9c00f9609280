//! The edge for TAB completion (`__complete`): one request each, unpaged, under the request
//! timeout (which completion cuts to 2 s): the pods of a namespace, the namespaces' names, one
//! pod for its containers.

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams};

use super::Cluster;
use crate::error::Result;

impl Cluster {
    /// The pods of `namespace`, one list request (the server's first answer, unpaged).
    pub async fn pods_to_complete(&self, namespace: &str) -> Result<Vec<Pod>> {
        let api: Api<Pod> = Api::namespaced(self.client(), namespace);
        let pods = self
            .call(
                "list",
                "pods",
                Some(namespace),
                api.list(&ListParams::default()),
            )
            .await?;
        Ok(pods.items)
    }

    /// The names of the namespaces, one metadata-only list request.
    pub async fn namespaces_to_complete(&self) -> Result<Vec<String>> {
        let api: Api<Namespace> = Api::all(self.client());
        let list = self
            .call(
                "list",
                "namespaces",
                None,
                api.list_metadata(&ListParams::default()),
            )
            .await?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|ns| ns.metadata.name)
            .collect())
    }

    /// The pod `name` of `namespace`, one get request (its containers are completed).
    pub async fn pod_to_complete(&self, namespace: &str, name: &str) -> Result<Pod> {
        let api: Api<Pod> = Api::namespaced(self.client(), namespace);
        self.call("get", "pods", Some(namespace), api.get(name))
            .await
    }
}
