//! The edge for what a pod inherits: the reads [`crate::diagnosis::policies::needs`] asks for
//! once the second round is in, made in one more round, each once for all the pods that need
//! it: a namespace's LimitRanges (one page of at most [`LIMIT_RANGES_PAGE`]), a node's
//! architecture (one `get`). A read that fails (403 included) becomes "could not check" in the
//! finding, never a failed command.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{LimitRange, Node};
use kube::api::{Api, ListParams};

use super::{Cluster, REQUESTS_AT_ONCE};
use crate::diagnosis::policies::needs;
use crate::diagnosis::{Evidence, Lookup};
use crate::error::{Error, Result};

/// How many LimitRanges of a namespace are read (a namespace has one or two).
pub const LIMIT_RANGES_PAGE: u32 = 100;

/// How much of a node's architecture label is kept (`amd64`, `arm64`, `s390x`…).
const ARCH_CHARS: usize = 32;

/// One read of the round.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Read {
    LimitRanges(String),
    NodeArch(String),
}

enum Answer {
    LimitRanges(Lookup<Vec<LimitRange>>),
    NodeArch(Lookup<String>),
}

/// Fill in what each pod's findings need of its namespace and node.
pub async fn fill(cluster: &Cluster, evidence: &mut [Evidence]) {
    let wanted: Vec<(Option<String>, Option<String>)> = evidence
        .iter()
        .map(|e| {
            let n = needs(e);
            let ns = e.pod.metadata.namespace.clone().unwrap_or_default();
            (n.limit_ranges.then_some(ns), n.node_arch)
        })
        .collect();
    let reads: BTreeSet<Read> = wanted
        .iter()
        .flat_map(|(ns, node)| {
            ns.clone()
                .map(Read::LimitRanges)
                .into_iter()
                .chain(node.clone().map(Read::NodeArch))
        })
        .collect();
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
            };
            (read, answer)
        }))
        .buffer_unordered(REQUESTS_AT_ONCE)
        .collect()
        .await;
    for (e, (ns, node)) in evidence.iter_mut().zip(wanted) {
        if let Some(ns) = ns
            && let Some(Answer::LimitRanges(l)) = answers.get(&Read::LimitRanges(ns))
        {
            e.limit_ranges = l.clone();
        }
        if let Some(node) = node
            && let Some(Answer::NodeArch(a)) = answers.get(&Read::NodeArch(node))
        {
            e.node_arch = a.clone();
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
