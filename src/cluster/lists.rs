//! Lists, read [`PAGE`] items at a time (`limit`, then `continue`), each page under the request
//! timeout and retried on 429 ([`Cluster::read`]).
//!
//! What is kept of a list is what its reader uses: `managedFields` (often a third of an
//! object's bytes, never read here) is dropped from every object as its page arrives, and a
//! metadata-only list keeps names, labels and owners, not annotations. The pod selection
//! ([`Cluster::select_pods`]) reads each page as raw JSON, decides from each pod's phase and
//! conditions alone whether it can be selected, and builds the whole `Pod` only for those: so
//! memory holds one page of text and the selected pods, never the list, and the pods that are
//! dropped cost a scan, not an object.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
use kube::Resource;
use kube::api::{Api, ListParams};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::{Cluster, Scope, lenient};
use crate::error::{Error, Result};

/// How many items a list request asks for at once (`limit`, then `continue`).
pub const PAGE: u32 = 500;

/// How many pages a metadata-only list of a whole namespace reads at most (the Service names
/// near a missing one, the Secret names: the first 5,000).
pub const METADATA_PAGES: usize = 10;

/// A page of a list as the server sent it: its metadata, and each item's JSON text.
#[derive(Deserialize)]
struct RawPage<'a> {
    /// `PodList`; a 200 whose body is a `Status` (or anything else) is no list at all.
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    metadata: ListMeta,
    #[serde(borrow, default)]
    items: Option<Vec<&'a RawValue>>,
}

/// A page, its items decoded.
struct Page<K> {
    metadata: ListMeta,
    items: Vec<K>,
}

/// What the selection reads first of each pod: its phase and conditions (the rest of its
/// JSON is skipped, not built).
#[derive(Deserialize, Default)]
struct Head {
    #[serde(default)]
    status: Option<HeadStatus>,
}

#[derive(Deserialize, Default)]
struct HeadStatus {
    #[serde(default)]
    phase: Option<String>,
    #[serde(default)]
    conditions: Option<Vec<HeadCondition>>,
}

#[derive(Deserialize)]
struct HeadCondition {
    #[serde(rename = "type")]
    type_: String,
    status: String,
}

impl Head {
    /// A pod holding only the phase and conditions read.
    fn skeleton(self) -> Pod {
        let status = self.status.unwrap_or_default();
        crate::diagnosis::status_head(
            status.phase,
            status
                .conditions
                .map(|cs| cs.into_iter().map(|c| (c.type_, c.status))),
        )
    }
}

/// A page being read ahead (see [`Cluster::page_ahead`]).
struct PageAhead(tokio::task::JoinHandle<Result<String>>);

impl PageAhead {
    async fn text(mut self) -> Result<String> {
        (&mut self.0)
            .await
            .unwrap_or_else(|e| Err(Error::Unavailable(format!("list pods: {e}"))))
    }
}

impl Drop for PageAhead {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Drop what no reader here uses from an object's metadata: its `managedFields`.
fn slim(meta: &mut ObjectMeta) {
    meta.managed_fields = None;
}

impl Cluster {
    /// The pods of a scope (matching the selectors) that are selected, read [`PAGE`] a page
    /// with only the selected ones kept. `first` decides from a pod holding only its phase and
    /// conditions (`Some(false)`: dropped without building it; `None`: they do not decide);
    /// `keep` then decides on the whole pod. With the list's resourceVersion (to watch from).
    pub async fn select_pods(
        &self,
        scope: &Scope,
        labels: Option<&str>,
        fields: Option<&str>,
        first: impl Fn(&Pod) -> Option<bool>,
        keep: impl Fn(&Pod) -> bool,
    ) -> Result<(Vec<Pod>, String)> {
        let api: Api<Pod> = match scope {
            Scope::Namespace(ns) => Api::namespaced(self.client(), ns),
            Scope::All => Api::all(self.client()),
        };
        let namespace = scope.namespace();
        let url = api.resource_url().to_string();
        let mut params = list_params(labels, fields);
        let mut kept = Vec::new();
        let mut version: Option<String> = None;
        let mut tokens = std::collections::HashSet::new();
        // The next page is asked for as soon as this one's continue token is known, and read
        // while this one's pods are decided.
        let mut next = Some(self.page_ahead(&url, namespace, &params));
        while let Some(ahead) = next.take() {
            let text = ahead.text().await?;
            let decode = |e: serde_json::Error| {
                self.map_error(kube::Error::SerdeError(e), "list", "pods", namespace)
            };
            let page: RawPage = serde_json::from_str(&text).map_err(decode)?;
            if let Some(kind) = page.kind.as_deref().filter(|k| !k.ends_with("List")) {
                return Err(decode(serde::de::Error::custom(format!(
                    "a {kind} where a PodList was expected"
                ))));
            }
            if version.is_none() {
                version = page.metadata.resource_version.clone();
            }
            let token = page.metadata.continue_.as_deref();
            if repeated(&mut tokens, token) {
                return Err(decode(serde::de::Error::custom(
                    "the server repeated a continue token: its pages would never end",
                )));
            }
            if let Some(following) = next_page(params.clone(), token) {
                params = following;
                next = Some(self.page_ahead(&url, namespace, &params));
            }
            for raw in page.items.unwrap_or_default() {
                let head: Head = serde_json::from_str(raw.get()).map_err(decode)?;
                if first(&head.skeleton()) == Some(false) {
                    continue;
                }
                let mut pod: Pod = lenient::decode(raw.get()).map_err(decode)?;
                if keep(&pod) {
                    slim(&mut pod.metadata);
                    kept.push(pod);
                }
            }
        }
        Ok((kept, version.unwrap_or_default()))
    }

    /// One page of the pods at `url`, its text, read in a task of its own (so that it goes on
    /// while the page before is decided; stopped if dropped unread).
    fn page_ahead(&self, url: &str, namespace: Option<&str>, params: &ListParams) -> PageAhead {
        let (cluster, url, params) = (self.clone(), url.to_string(), params.clone());
        let namespace = namespace.map(str::to_string);
        PageAhead(tokio::spawn(async move {
            cluster
                .read("list", "pods", namespace.as_deref(), || {
                    let request = kube::core::Request::new(&url).list(&params);
                    let client = cluster.client();
                    async move {
                        client
                            .request_text(request.map_err(kube::Error::BuildRequest)?)
                            .await
                    }
                })
                .await
        }))
    }

    /// The metadata of every object of a list (`as=PartialObjectMetadataList`), [`PAGE`] a
    /// page, at most [`METADATA_PAGES`] pages: names, labels and owners (no annotations).
    pub(crate) async fn list_metadata<K>(
        &self,
        api: &Api<K>,
        resource: &str,
        namespace: Option<&str>,
    ) -> Result<Vec<ObjectMeta>>
    where
        K: Clone + DeserializeOwned + std::fmt::Debug,
    {
        let mut items = Vec::new();
        let mut params = ListParams::default().limit(PAGE);
        for _ in 0..METADATA_PAGES {
            let page = self
                .read("list", resource, namespace, || api.list_metadata(&params))
                .await?;
            items.extend(page.items.into_iter().map(|m| {
                let mut meta = m.metadata;
                slim(&mut meta);
                meta.annotations = None;
                meta
            }));
            match next_page(params, page.metadata.continue_.as_deref()) {
                Some(next) => params = next,
                None => break,
            }
        }
        Ok(items)
    }

    /// Every page of a list, collected (for lists bounded by what they select).
    pub(crate) async fn list_all<K>(
        &self,
        api: &Api<K>,
        resource: &str,
        namespace: Option<&str>,
        labels: Option<&str>,
        fields: Option<&str>,
    ) -> Result<Vec<K>>
    where
        K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
    {
        let mut items = Vec::new();
        self.pages(api, resource, namespace, labels, fields, |page| {
            items.extend(page);
        })
        .await?;
        Ok(items)
    }

    /// Read a list [`PAGE`] items at a time, handing each page to `each` as it comes (without
    /// `managedFields`); the resourceVersion of the first page (the list's snapshot).
    pub(crate) async fn pages<K>(
        &self,
        api: &Api<K>,
        resource: &str,
        namespace: Option<&str>,
        labels: Option<&str>,
        fields: Option<&str>,
        mut each: impl FnMut(Vec<K>),
    ) -> Result<String>
    where
        K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
    {
        let mut version: Option<String> = None;
        let mut params = list_params(labels, fields);
        let mut tokens = std::collections::HashSet::new();
        let decode = |e: serde_json::Error| {
            self.map_error(kube::Error::SerdeError(e), "list", resource, namespace)
        };
        loop {
            let text = self
                .read("list", resource, namespace, || {
                    let request = kube::core::Request::new(api.resource_url()).list(&params);
                    let client = self.client();
                    async move {
                        client
                            .request_text(request.map_err(kube::Error::BuildRequest)?)
                            .await
                    }
                })
                .await?;
            let raw: RawPage = serde_json::from_str(&text).map_err(decode)?;
            if let Some(kind) = raw.kind.as_deref().filter(|k| !k.ends_with("List")) {
                return Err(decode(serde::de::Error::custom(format!(
                    "a {kind} where a list of {resource} was expected"
                ))));
            }
            // Each item on its own: a time field it cannot hold degrades that field only.
            let page = Page {
                items: raw
                    .items
                    .unwrap_or_default()
                    .into_iter()
                    .map(|item| lenient::decode::<K>(item.get()))
                    .collect::<serde_json::Result<Vec<K>>>()
                    .map_err(decode)?,
                metadata: raw.metadata,
            };
            if version.is_none() {
                version = page.metadata.resource_version.clone();
            }
            let token = page.metadata.continue_.clone();
            if repeated(&mut tokens, token.as_deref()) {
                return Err(self.map_error(
                    kube::Error::SerdeError(serde::de::Error::custom(
                        "the server repeated a continue token: its pages would never end",
                    )),
                    "list",
                    resource,
                    namespace,
                ));
            }
            let mut items = page.items;
            for item in &mut items {
                slim(item.meta_mut());
            }
            each(items);
            match next_page(params, token.as_deref()) {
                Some(next) => params = next,
                None => break,
            }
        }
        Ok(version.unwrap_or_default())
    }
}

/// True when a server hands out a continue token it gave before (a broken server that would
/// page forever); remembers `token`.
fn repeated(seen: &mut std::collections::HashSet<String>, token: Option<&str>) -> bool {
    token.is_some_and(|t| !t.is_empty() && !seen.insert(t.to_string()))
}

/// The parameters of the page after the one that gave `token`; `None` after the last page.
fn next_page(params: ListParams, token: Option<&str>) -> Option<ListParams> {
    token
        .filter(|t| !t.is_empty())
        .map(|t| params.continue_token(t))
}

fn list_params(labels: Option<&str>, fields: Option<&str>) -> ListParams {
    let mut params = ListParams::default().limit(PAGE);
    if let Some(labels) = labels {
        params = params.labels(labels);
    }
    if let Some(fields) = fields {
        params = params.fields(fields);
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_read_as_text_and_a_pod_head_as_its_phase_and_conditions() {
        let text = r#"{"kind":"PodList","metadata":{"resourceVersion":"7","continue":"abc"},
            "items":[{"metadata":{"name":"a","managedFields":[{"manager":"x"}]},
                      "spec":{"containers":[{"name":"c"}]},
                      "status":{"phase":"Running","conditions":[
                        {"type":"Ready","status":"False","reason":"ContainersNotReady"}]}},
                     {"metadata":{"name":"b"}}]}"#;
        let page: RawPage = serde_json::from_str(text).unwrap();
        assert_eq!(page.metadata.resource_version.as_deref(), Some("7"));
        assert_eq!(page.metadata.continue_.as_deref(), Some("abc"));
        let items = page.items.unwrap();
        assert_eq!(items.len(), 2);
        let head: Head = serde_json::from_str(items[0].get()).unwrap();
        let skeleton = head.skeleton();
        let status = skeleton.status.as_ref().unwrap();
        assert_eq!(status.phase.as_deref(), Some("Running"));
        let conditions = status.conditions.as_ref().unwrap();
        assert_eq!(
            (conditions[0].type_.as_str(), conditions[0].status.as_str()),
            ("Ready", "False")
        );
        // A pod without a status is a skeleton without phase or conditions.
        let bare: Head = serde_json::from_str(items[1].get()).unwrap();
        let bare = bare.skeleton();
        assert_eq!(bare.status.unwrap().phase, None);
        // The whole pod is built from the same text.
        let mut pod: Pod = serde_json::from_str(items[0].get()).unwrap();
        assert!(pod.metadata.managed_fields.is_some());
        slim(&mut pod.metadata);
        assert_eq!(pod.metadata.managed_fields, None);
        assert_eq!(pod.spec.unwrap().containers[0].name, "c");
    }

    #[test]
    fn an_empty_or_null_item_list_is_no_item() {
        for text in [r#"{"metadata":{}}"#, r#"{"metadata":{},"items":null}"#] {
            let page: RawPage = serde_json::from_str(text).unwrap();
            assert!(page.items.unwrap_or_default().is_empty(), "{text}");
        }
    }
}
