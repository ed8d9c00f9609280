//! The edge for `explain --watch` following what blockers wait on: the Services they name, the
//! EndpointSlices of those Services, the Pods behind them, the Jobs they wait for. Each is a
//! narrowed list-then-watch (a field selector on the name, a label selector), like an informer:
//! the list gives a fingerprint of what is there (to tell a change since the last look) and
//! the resourceVersion the watch starts from. Every list and watch is bounded: the request
//! timeout, the watch window.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::Resource;
use kube::api::{Api, WatchEvent, WatchParams};
use serde::de::DeserializeOwned;

use super::Cluster;
use crate::error::Result;
use crate::waits::resolve::SERVICE_NAME_LABEL;

/// One thing a watch follows besides the selected pods.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Follow {
    /// Services with this name, in every namespace (a wait may name `db.other`).
    ServicesNamed(String),
    /// The EndpointSlices of Services with these names, in every namespace.
    SlicesOf(Vec<String>),
    /// The Pods of a namespace matching a Service's selector.
    PodsLabelled { namespace: String, labels: String },
    /// One Job.
    Job { namespace: String, name: String },
}

/// What a list of a [`Follow`] found: a fingerprint of its objects and versions, and the
/// resourceVersion to watch from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub fingerprint: u64,
    pub resource_version: String,
}

/// The API, resource name and selectors of what a watch looks at (a follow, or the selected pods).
pub(super) struct Target<K> {
    pub(super) api: Api<K>,
    pub(super) resource: &'static str,
    pub(super) namespace: Option<String>,
    pub(super) fields: Option<String>,
    pub(super) labels: Option<String>,
}

impl Cluster {
    fn target_of<K>(&self, follow: &Follow) -> Target<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as Resource>::DynamicType: Default,
    {
        let all = || Api::all(self.client());
        let (api, namespace, fields, labels) = match follow {
            Follow::ServicesNamed(name) => {
                (all(), None, Some(format!("metadata.name={name}")), None)
            }
            Follow::SlicesOf(names) => (
                all(),
                None,
                None,
                Some(format!("{SERVICE_NAME_LABEL} in ({})", names.join(","))),
            ),
            Follow::PodsLabelled { namespace, labels } => (
                Api::namespaced(self.client(), namespace),
                Some(namespace.clone()),
                None,
                Some(labels.clone()),
            ),
            Follow::Job { namespace, name } => (
                Api::namespaced(self.client(), namespace),
                Some(namespace.clone()),
                Some(format!("metadata.name={name}")),
                None,
            ),
        };
        let resource = match follow {
            Follow::ServicesNamed(_) => "services",
            Follow::SlicesOf(_) => "endpointslices",
            Follow::PodsLabelled { .. } => "pods",
            Follow::Job { .. } => "jobs",
        };
        Target {
            api,
            resource,
            namespace,
            fields,
            labels,
        }
    }

    /// List what `follow` selects now.
    pub async fn follow_seen(&self, follow: &Follow) -> Result<Seen> {
        match follow {
            Follow::ServicesNamed(_) => self.seen::<Service>(follow).await,
            Follow::SlicesOf(_) => self.seen::<EndpointSlice>(follow).await,
            Follow::PodsLabelled { .. } => self.seen::<Pod>(follow).await,
            Follow::Job { .. } => self.seen::<Job>(follow).await,
        }
    }

    /// Wait for a change of what `follow` selects after `resource_version`, for at most
    /// `window`: `true` on a change or an expired version (410), `false` when quiet.
    pub async fn follow_changed(
        &self,
        follow: &Follow,
        resource_version: &str,
        window: Duration,
    ) -> Result<bool> {
        match follow {
            Follow::ServicesNamed(_) => {
                self.changed::<Service>(follow, resource_version, window)
                    .await
            }
            Follow::SlicesOf(_) => {
                self.changed::<EndpointSlice>(follow, resource_version, window)
                    .await
            }
            Follow::PodsLabelled { .. } => {
                self.changed::<Pod>(follow, resource_version, window).await
            }
            Follow::Job { .. } => self.changed::<Job>(follow, resource_version, window).await,
        }
    }

    async fn seen<K>(&self, follow: &Follow) -> Result<Seen>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + std::fmt::Debug,
        <K as Resource>::DynamicType: Default,
    {
        let t = self.target_of::<K>(follow);
        let mut versions: Vec<(String, String, String)> = Vec::new();
        let version = self
            .pages(
                &t.api,
                t.resource,
                t.namespace.as_deref(),
                t.labels.as_deref(),
                t.fields.as_deref(),
                |page| {
                    versions.extend(page.iter().map(|o| {
                        let m = o.meta();
                        (
                            m.namespace.clone().unwrap_or_default(),
                            m.name.clone().unwrap_or_default(),
                            m.resource_version.clone().unwrap_or_default(),
                        )
                    }));
                },
            )
            .await?;
        versions.sort();
        let mut hasher = DefaultHasher::new();
        versions.hash(&mut hasher);
        Ok(Seen {
            fingerprint: hasher.finish(),
            resource_version: version,
        })
    }

    async fn changed<K>(
        &self,
        follow: &Follow,
        resource_version: &str,
        window: Duration,
    ) -> Result<bool>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + std::fmt::Debug,
        <K as Resource>::DynamicType: Default,
    {
        self.changed_after(self.target_of::<K>(follow), resource_version, window)
            .await
    }

    /// The one watch of `explain --watch`, for the selected pods and every follow alike: watch
    /// `t` from `resource_version` for at most `window` (the server closes the watch then; a
    /// client-side timeout of `window` plus the request timeout guards it). `true` as soon as
    /// one object is added, changed or deleted, or when the version has expired (410: the
    /// caller lists again); `false` when the window passed quietly.
    pub(super) async fn changed_after<K>(
        &self,
        t: Target<K>,
        resource_version: &str,
        window: Duration,
    ) -> Result<bool>
    where
        K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
    {
        let namespace = t.namespace.as_deref();
        let seconds = u32::try_from(window.as_secs().max(1)).unwrap_or(u32::MAX);
        let mut params = WatchParams::default().timeout(seconds);
        if let Some(fields) = &t.fields {
            params = params.fields(fields);
        }
        if let Some(labels) = &t.labels {
            params = params.labels(labels);
        }
        let stream = self
            .call(
                "watch",
                t.resource,
                namespace,
                t.api.watch(&params, resource_version),
            )
            .await?;
        let mut stream = std::pin::pin!(stream);
        let deadline = tokio::time::Instant::now() + window + self.timeout();
        loop {
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Err(_) | Ok(None) => return Ok(false),
                Ok(Some(Ok(WatchEvent::Bookmark(_)))) => {}
                Ok(Some(Ok(WatchEvent::Error(status)))) if status.code == 410 => {
                    // Expired: read again, but not at once: a server that answers every
                    // watch so would otherwise be re-listed as fast as it answers.
                    tokio::time::sleep(crate::cluster::EXPIRED_PAUSE).await;
                    return Ok(true);
                }
                Ok(Some(Ok(WatchEvent::Error(status)))) => {
                    return Err(self.map_error(
                        kube::Error::Api(status),
                        "watch",
                        t.resource,
                        namespace,
                    ));
                }
                Ok(Some(Ok(_))) => return Ok(true),
                Ok(Some(Err(err))) => {
                    return Err(self.map_error(err, "watch", t.resource, namespace));
                }
            }
        }
    }
}
