//! The edge for a workload named on the command line (`deploy/web`, `job/migrate`): its
//! `spec.selector`, and the pods a selector matches — for `logs` and `explain` on an owner.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};

use super::Cluster;
use crate::error::Result;

impl Cluster {
    /// The `spec.selector` of the workload `group`/v1 `kind` named `name` (`resource` is its
    /// plural, for errors); a missing one is a not-found error that names a missing namespace.
    /// A selector it cannot decode is the empty one.
    pub async fn workload_selector(
        &self,
        namespace: &str,
        group: &str,
        kind: &str,
        resource: &str,
        name: &str,
    ) -> Result<LabelSelector> {
        let api_resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, "v1", kind));
        let api: Api<DynamicObject> = Api::namespaced_with(self.client(), namespace, &api_resource);
        let found = self
            .call("get", resource, Some(namespace), api.get_opt(name))
            .await?;
        let Some(object) = found else {
            return Err(self.not_found(&kind.to_lowercase(), name, namespace).await);
        };
        Ok(serde_json::from_value(object.data["spec"]["selector"].clone()).unwrap_or_default())
    }

    /// The pods of `namespace` matching the label selector `labels`, 500 a page, every page.
    pub async fn pods_matching(&self, namespace: &str, labels: &str) -> Result<Vec<Pod>> {
        let api: Api<Pod> = Api::namespaced(self.client(), namespace);
        let mut params = ListParams::default().labels(labels).limit(500);
        let mut pods = Vec::new();
        loop {
            let page = self
                .call("list", "pods", Some(namespace), api.list(&params))
                .await?;
            pods.extend(page.items);
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => params = params.continue_token(&token),
                _ => break,
            }
        }
        Ok(pods)
    }
}
