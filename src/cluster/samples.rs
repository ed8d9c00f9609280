//! The bounded reads the closest label sets of a selector come from ([`crate::waits::near`]):
//! one page of pods by label selector, metadata only, of which the names and labels are kept;
//! and the pod-template label sets of a namespace's owners, one page of each kind, read as text
//! of which only the templates' labels are decoded.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{DaemonSet, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use kube::api::{Api, ListParams};
use serde::Deserialize;

use super::{Cluster, PAGE};
use crate::error::Result;

/// The owners whose pod templates' labels are read, by resource.
const OWNERS: [&str; 4] = ["replicasets", "statefulsets", "daemonsets", "jobs"];

/// A page of owners: of each, only its pod template's labels.
#[derive(Deserialize, Default)]
struct OwnerPage {
    #[serde(default)]
    items: Option<Vec<Owner>>,
}

#[derive(Deserialize, Default)]
struct Owner {
    #[serde(default)]
    spec: Option<OwnerSpec>,
}

#[derive(Deserialize, Default)]
struct OwnerSpec {
    #[serde(default)]
    template: Option<Template>,
}

#[derive(Deserialize, Default)]
struct Template {
    #[serde(default)]
    metadata: Option<TemplateMeta>,
}

#[derive(Deserialize, Default)]
struct TemplateMeta {
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

impl OwnerPage {
    fn label_sets(self) -> impl Iterator<Item = BTreeMap<String, String>> {
        self.items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| o.spec?.template?.metadata?.labels)
            .filter(|labels| !labels.is_empty())
    }
}

impl Cluster {
    /// At most `limit` pods of `namespace` matching `labels`: one page, metadata only, of which
    /// each pod keeps its name, namespace and labels.
    pub(crate) async fn pod_sample(
        &self,
        namespace: &str,
        labels: &str,
        limit: u32,
    ) -> Result<Vec<Pod>> {
        let api: Api<Pod> = Api::namespaced(self.client(), namespace);
        let params = ListParams::default().labels(labels).limit(limit);
        let page = self
            .read("list", "pods", Some(namespace), || {
                api.list_metadata(&params)
            })
            .await?;
        Ok(page
            .items
            .into_iter()
            .map(|item| Pod {
                metadata: names_and_labels(item.metadata),
                ..Default::default()
            })
            .collect())
    }

    /// The distinct pod-template label sets of the ReplicaSets, StatefulSets, DaemonSets and
    /// Jobs of `namespace`, one page ([`PAGE`]) of each. An owner kind that cannot be read (not
    /// allowed, not served) adds nothing: these only widen where near misses are looked for.
    pub(crate) async fn owner_label_sets(&self, namespace: &str) -> Vec<BTreeMap<String, String>> {
        let reads = OWNERS.map(|resource| self.template_labels(namespace, resource));
        let mut sets = BTreeSet::new();
        for page in futures::future::join_all(reads).await {
            sets.extend(page.into_iter().flat_map(OwnerPage::label_sets));
        }
        sets.into_iter().collect()
    }

    async fn template_labels(&self, namespace: &str, resource: &str) -> Result<OwnerPage> {
        let url = match resource {
            "replicasets" => ReplicaSet::url_path(&(), Some(namespace)),
            "statefulsets" => StatefulSet::url_path(&(), Some(namespace)),
            "daemonsets" => DaemonSet::url_path(&(), Some(namespace)),
            _ => Job::url_path(&(), Some(namespace)),
        };
        let params = ListParams::default().limit(PAGE);
        let text = self
            .read("list", resource, Some(namespace), || {
                let request = kube::core::Request::new(&url).list(&params);
                let client = self.client();
                async move {
                    client
                        .request_text(request.map_err(kube::Error::BuildRequest)?)
                        .await
                }
            })
            .await?;
        serde_json::from_str(&text).map_err(|e| {
            self.map_error(
                kube::Error::SerdeError(e),
                "list",
                resource,
                Some(namespace),
            )
        })
    }
}

/// An object's name, namespace and labels, nothing else of its metadata.
pub(crate) fn names_and_labels(meta: ObjectMeta) -> ObjectMeta {
    ObjectMeta {
        name: meta.name,
        namespace: meta.namespace,
        labels: meta.labels,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_page_gives_its_templates_label_sets_only() {
        let text = r#"{"kind":"ReplicaSetList","metadata":{},"items":[
            {"metadata":{"name":"api-5d8f","labels":{"app":"api","pod-template-hash":"5d8f"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"api"}},
                     "template":{"metadata":{"labels":{"app":"api","pod-template-hash":"5d8f"}},
                                 "spec":{"containers":[{"name":"c","image":"x"}]}}}},
            {"metadata":{"name":"bare"},"spec":{"template":{"metadata":{}}}},
            {"metadata":{"name":"empty"},"spec":{"template":{"metadata":{"labels":{}}}}},
            {"metadata":{"name":"no-spec"}}]}"#;
        let page: OwnerPage = serde_json::from_str(text).unwrap();
        let sets: Vec<BTreeMap<String, String>> = page.label_sets().collect();
        assert_eq!(sets.len(), 1);
        assert_eq!(
            crate::waits::resolve::labels_text(&sets[0]),
            "app=api,pod-template-hash=5d8f"
        );
        let empty: OwnerPage = serde_json::from_str(r#"{"items":null}"#).unwrap();
        assert_eq!(empty.label_sets().count(), 0);
    }

    #[test]
    fn a_sampled_pod_keeps_its_name_namespace_and_labels() {
        let meta: ObjectMeta = serde_json::from_value(serde_json::json!({
            "name": "a", "namespace": "shop", "labels": {"app": "x"}, "uid": "u",
            "resourceVersion": "7", "ownerReferences": [{"apiVersion": "apps/v1",
                "kind": "ReplicaSet", "name": "r", "uid": "v"}],
            "annotations": {"big": "text"}
        }))
        .unwrap();
        let kept = names_and_labels(meta);
        assert_eq!(
            serde_json::to_value(&kept).unwrap(),
            serde_json::json!({"name": "a", "namespace": "shop", "labels": {"app": "x"}})
        );
    }
}
