//! The edge for what a pod inherits: the reads [`crate::diagnosis::policies::needs`] asks for
//! once the second round is in, made in one more round, each once for all the pods that need
//! it: a namespace's LimitRanges (one page of at most [`LIMIT_RANGES_PAGE`]), a node's
//! architecture (one `get`), a pod's PersistentVolumeClaims (one `get` each, at most
//! [`CLAIMS_READ`]) with the StorageClasses (one page of at most [`STORAGE_CLASSES_PAGE`]), a
//! namespace's NetworkPolicies (one page of at most [`NETWORK_POLICIES_PAGE`]), a ConfigMap's or
//! Secret's metadata (one `get` each, at most `CONFIG_OBJECTS_READ` a pod: whether it
//! exists, never what it holds). A read that fails (403 included) becomes "could not check" in the
//! finding, never a failed command.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, LimitRange, Node, PersistentVolumeClaim, Secret};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams};

use super::{Cluster, REQUESTS_AT_ONCE};
use crate::diagnosis::checks::CONFIG_OBJECTS_READ;
use crate::diagnosis::evidence::ConfigRef;
use crate::diagnosis::policies::{CLAIMS_READ, needs};
use crate::diagnosis::{Evidence, Lookup};
use crate::error::{Error, Result};

/// How many LimitRanges of a namespace are read (a namespace has one or two).
pub const LIMIT_RANGES_PAGE: u32 = 100;

/// How many StorageClasses are read (a cluster has a handful).
pub const STORAGE_CLASSES_PAGE: u32 = 100;

/// How many NetworkPolicies of a namespace are read.
pub const NETWORK_POLICIES_PAGE: u32 = 100;

/// How much of a node's architecture label is kept (`amd64`, `arm64`, `s390x`…).
const ARCH_CHARS: usize = 32;

/// One read of the round.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Read {
    LimitRanges(String),
    NodeArch(String),
    /// Namespace, name.
    Claim(String, String),
    StorageClasses,
    NetworkPolicies(String),
    /// Namespace, kind (`ConfigMap` or `Secret`), name.
    ConfigObject(String, &'static str, String),
}

enum Answer {
    LimitRanges(Lookup<Vec<LimitRange>>),
    NodeArch(Lookup<String>),
    /// `Found(None)`: no such claim.
    Claim(Lookup<Option<Box<PersistentVolumeClaim>>>),
    StorageClasses(Lookup<Vec<StorageClass>>),
    NetworkPolicies(Lookup<Vec<NetworkPolicy>>),
    /// Whether it exists.
    ConfigObject(Lookup<bool>),
}

/// Fill in what each pod's findings need of its namespace and node.
pub async fn fill(cluster: &Cluster, evidence: &mut [Evidence], now: jiff::Timestamp) {
    let wanted: Vec<Vec<Read>> = evidence
        .iter()
        .map(|e| {
            let n = needs(e, now);
            let ns = e.pod.metadata.namespace.clone().unwrap_or_default();
            let mut reads = Vec::new();
            if n.limit_ranges {
                reads.push(Read::LimitRanges(ns.clone()));
            }
            reads.extend(n.node_arch.map(Read::NodeArch));
            if n.network_policies {
                reads.push(Read::NetworkPolicies(ns.clone()));
            }
            if !n.claims.is_empty() {
                reads.push(Read::StorageClasses);
            }
            let claims = n.claims.into_iter().take(CLAIMS_READ);
            reads.extend(claims.map(|c| Read::Claim(ns.clone(), c)));
            let objects = n.config_objects.into_iter().take(CONFIG_OBJECTS_READ);
            reads.extend(objects.map(|r| Read::ConfigObject(ns.clone(), r.kind, r.name)));
            reads
        })
        .collect();
    let reads: BTreeSet<Read> = wanted.iter().flatten().cloned().collect();
    if reads.is_empty() {
        return;
    }
    let answers: BTreeMap<Read, Answer> =
        futures::stream::iter(reads.into_iter().map(|read| async move {
            let answer = match &read {
                Read::LimitRanges(ns) => {
                    Answer::LimitRanges(lookup(cluster.limit_ranges(ns).await))
                }
                Read::NodeArch(node) => Answer::NodeArch(lookup(cluster.node_arch(node).await)),
                Read::Claim(ns, name) => Answer::Claim(lookup(
                    cluster.claim(ns, name).await.map(|c| c.map(Box::new)),
                )),
                Read::NetworkPolicies(ns) => {
                    Answer::NetworkPolicies(lookup(cluster.network_policies(ns).await))
                }
                Read::StorageClasses => {
                    Answer::StorageClasses(lookup(cluster.storage_classes().await))
                }
                Read::ConfigObject(ns, kind, name) => {
                    Answer::ConfigObject(lookup(cluster.config_object_exists(ns, kind, name).await))
                }
            };
            (read, answer)
        }))
        .buffer_unordered(REQUESTS_AT_ONCE)
        .collect()
        .await;
    for (e, reads) in evidence.iter_mut().zip(wanted) {
        let mut claims: Option<Lookup<Vec<PersistentVolumeClaim>>> = None;
        for read in &reads {
            match answers.get(read) {
                Some(Answer::LimitRanges(l)) => e.limit_ranges = l.clone(),
                Some(Answer::NodeArch(a)) => e.node_arch = a.clone(),
                Some(Answer::StorageClasses(c)) => e.storage_classes = c.clone(),
                Some(Answer::NetworkPolicies(p)) => e.network_policies = p.clone(),
                Some(Answer::ConfigObject(found)) => {
                    if let Read::ConfigObject(_, kind, name) = read {
                        let r = ConfigRef {
                            kind,
                            name: name.clone(),
                        };
                        e.config_objects.push((r, found.clone()));
                    }
                }
                Some(Answer::Claim(c)) => {
                    let all = claims.get_or_insert(Lookup::Found(Vec::new()));
                    match (all, c) {
                        (Lookup::Found(list), Lookup::Found(found)) => {
                            list.extend(found.as_deref().cloned());
                        }
                        (all @ Lookup::Found(_), refused) => {
                            *all = match refused {
                                Lookup::Denied => Lookup::Denied,
                                Lookup::Failed(why) => Lookup::Failed(why.clone()),
                                _ => Lookup::NotChecked,
                            };
                        }
                        _ => {}
                    }
                }
                None => {}
            }
        }
        if let Some(claims) = claims {
            e.claims = claims;
        }
    }
}

fn lookup<T>(result: Result<T>) -> Lookup<T> {
    match result {
        Ok(value) => Lookup::Found(value),
        Err(Error::Forbidden { .. }) => Lookup::Denied,
        Err(err) => Lookup::Failed(err.to_string()),
    }
}

impl Cluster {
    /// A namespace's LimitRanges: one page.
    pub async fn limit_ranges(&self, namespace: &str) -> Result<Vec<LimitRange>> {
        let api: Api<LimitRange> = Api::namespaced(self.client.clone(), namespace);
        let params = ListParams::default().limit(LIMIT_RANGES_PAGE);
        let list = self
            .read("list", "limitranges", Some(namespace), || api.list(&params))
            .await?;
        Ok(list.items)
    }

    /// A PersistentVolumeClaim, `None` when there is none of that name.
    pub async fn claim(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<PersistentVolumeClaim>> {
        let api: Api<PersistentVolumeClaim> = Api::namespaced(self.client.clone(), namespace);
        self.read("get", "persistentvolumeclaims", Some(namespace), || {
            api.get_opt(name)
        })
        .await
    }

    /// Whether a ConfigMap or Secret (`kind`) exists: its metadata only (a Secret's data is
    /// never read).
    pub async fn config_object_exists(
        &self,
        namespace: &str,
        kind: &str,
        name: &str,
    ) -> Result<bool> {
        let found = if kind == "Secret" {
            let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
            self.read("get", "secrets", Some(namespace), || async {
                api.get_metadata_opt(name).await.map(|m| m.is_some())
            })
            .await?
        } else {
            let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), namespace);
            self.read("get", "configmaps", Some(namespace), || async {
                api.get_metadata_opt(name).await.map(|m| m.is_some())
            })
            .await?
        };
        Ok(found)
    }

    /// A namespace's NetworkPolicies: one page.
    pub async fn network_policies(&self, namespace: &str) -> Result<Vec<NetworkPolicy>> {
        let api: Api<NetworkPolicy> = Api::namespaced(self.client.clone(), namespace);
        let params = ListParams::default().limit(NETWORK_POLICIES_PAGE);
        let list = self
            .read("list", "networkpolicies", Some(namespace), || {
                api.list(&params)
            })
            .await?;
        Ok(list.items)
    }

    /// The cluster's StorageClasses: one page.
    pub async fn storage_classes(&self) -> Result<Vec<StorageClass>> {
        let api: Api<StorageClass> = Api::all(self.client.clone());
        let params = ListParams::default().limit(STORAGE_CLASSES_PAGE);
        let list = self
            .read("list", "storageclasses", None, || api.list(&params))
            .await?;
        Ok(list.items)
    }

    /// A node's `kubernetes.io/arch` label (its `status.nodeInfo.architecture` without one).
    pub async fn node_arch(&self, node: &str) -> Result<String> {
        let api: Api<Node> = Api::all(self.client.clone());
        let found = self.read("get", "nodes", None, || api.get(node)).await?;
        let label = found
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("kubernetes.io/arch"))
            .cloned();
        let reported = found
            .status
            .and_then(|s| s.node_info)
            .map(|i| i.architecture);
        let arch = label.or(reported).unwrap_or_default();
        Ok(crate::sanitize::line(&arch)
            .chars()
            .take(ARCH_CHARS)
            .collect())
    }
}
