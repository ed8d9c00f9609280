//! The edge for [`crate::waits`]: the lookups the waits of one pod, or of many, are checked
//! against, in rounds of concurrent calls, each under [`Cluster::read`]'s timeout and among its
//! [`super::REQUESTS_AT_ONCE`] reads in flight.
//!
//! What to ask is decided by the pure core ([`shared::missing`]): a round makes every lookup the
//! pods' findings need and the earlier answers do not hold, each once for all the pods; the next
//! round asks what those answers lead to. Typically: the Services named by the commands (every
//! namespace, a field selector on the name) and their EndpointSlices (one list per
//! [`NAMES_PER_SLICE_LIST`] names, a label selector); then the Pods the Services select (a label
//! selector); then, for a backing pod itself stuck in init, its own waits. No pod lookup grows
//! with the namespace: a selector that matches nothing is followed by bounded samples
//! (`super::samples`); the one list of a whole namespace is of its Service names when one is
//! missing, metadata only.
//! A list of every namespace that RBAC refuses (a namespaced Role) is made again in each
//! namespace of the pods (at most [`FALLBACK_NAMESPACES`]), and the answer says which were read;
//! once refused, a resource is not asked of every namespace again in the same command.
//! Nothing here fails the command: what cannot be read becomes a line in
//! [`crate::waits::WaitObjects::problems`] of each pod that needed it.
//!
//! [`NAMES_PER_SLICE_LIST`]: crate::waits::shared::NAMES_PER_SLICE_LIST

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::Api;

use super::Cluster;
use crate::error::{Error, Result};
use crate::validate;
use crate::waits::resolve::SERVICE_NAME_LABEL;
use crate::waits::shared::{
    self, Answer, Ask, Got, Lookups, MAX_ROUNDS, NAMES_PER_SLICE_LIST, split_slices,
};

/// The most lookups the waits of one `explain` (one round of `--watch`) make, all pods
/// together: a namespace whose commands or EndpointSlices name thousands of objects costs this
/// many requests, not thousands, and what was not looked up says so.
pub const LOOKUP_BUDGET: usize = 300;

/// The most namespaces a refused list of every namespace is read in instead, one by one.
pub const FALLBACK_NAMESPACES: usize = 16;

/// The answer of a lookup past [`LOOKUP_BUDGET`].
fn over_budget() -> String {
    format!("not checked: past the budget of {LOOKUP_BUDGET} lookups per command")
}

/// Where a list of every namespace that RBAC refuses is read instead: the explained pods'
/// namespaces, and the resources already refused everywhere (not asked everywhere again).
struct Homes {
    namespaces: Vec<String>,
    refused: std::sync::Mutex<std::collections::BTreeSet<&'static str>>,
}

impl Homes {
    fn refused(&self, resource: &'static str) -> bool {
        self.refused
            .lock()
            .is_ok_and(|refused| refused.contains(resource))
    }

    fn refuse(&self, resource: &'static str) {
        if let Ok(mut refused) = self.refused.lock() {
            refused.insert(resource);
        }
    }
}

/// One request of a round: a lookup, or several EndpointSlice lookups in one list.
enum Request {
    One(Ask),
    Slices(Vec<String>),
}

impl Cluster {
    /// Resolve waits in `domain` (`--cluster-domain`).
    pub fn with_cluster_domain(mut self, domain: &str) -> Self {
        self.cluster_domain = domain.trim_matches('.').to_string();
        self
    }

    /// Everything the waits of `pods` look up, each once, round after round until nothing new
    /// is needed; [`Lookups::objects_for_all`] then gives each pod its part.
    pub async fn wait_lookups(&self, pods: &[&Pod]) -> Lookups {
        let mut lookups = Lookups {
            cluster_domain: self.cluster_domain.clone(),
            ..Default::default()
        };
        let mut spent = 0;
        // Where a list of every namespace that RBAC refuses (a namespaced Role) is read instead.
        let homes = Homes {
            namespaces: pods
                .iter()
                .filter_map(|p| p.metadata.namespace.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .take(FALLBACK_NAMESPACES)
                .collect(),
            refused: std::sync::Mutex::default(),
        };
        for _ in 0..MAX_ROUNDS {
            let asks = shared::missing(pods.iter().copied(), &lookups);
            if asks.is_empty() {
                break;
            }
            let mut requests = Vec::new();
            let mut slice_names = Vec::new();
            for ask in asks {
                match ask {
                    Ask::SlicesOf(name) => slice_names.push(name),
                    other => requests.push(Request::One(other)),
                }
            }
            requests.extend(
                slice_names
                    .chunks(NAMES_PER_SLICE_LIST)
                    .map(|names| Request::Slices(names.to_vec())),
            );
            // The budget: past it, a lookup is not made, and what needed it says so.
            let allowed = LOOKUP_BUDGET.saturating_sub(spent);
            if requests.len() > allowed {
                for request in requests.split_off(allowed) {
                    let asks = match request {
                        Request::One(ask) => vec![ask],
                        Request::Slices(names) => names.into_iter().map(Ask::SlicesOf).collect(),
                    };
                    for ask in asks {
                        lookups.answers.insert(ask, Err(over_budget()));
                    }
                }
            }
            spent += requests.len();
            let answers: Vec<Vec<(Ask, Answer<Arc<Got>>)>> =
                futures::stream::iter(requests.into_iter().map(|r| self.request(r, &homes)))
                    .buffer_unordered(super::REQUESTS_AT_ONCE)
                    .collect()
                    .await;
            lookups.answers.extend(answers.into_iter().flatten());
        }
        lookups
    }

    async fn request(&self, request: Request, homes: &Homes) -> Vec<(Ask, Answer<Arc<Got>>)> {
        match request {
            Request::Slices(names) => {
                let selector = format!("{SERVICE_NAME_LABEL} in ({})", names.join(","));
                let slices = self.slices_selected(&selector, homes).await;
                split_slices(&names, answer(slices))
            }
            Request::One(ask) => {
                let got = self.ask(&ask, homes).await;
                vec![(ask, answer(got).map(Arc::new))]
            }
        }
    }

    /// Every namespace's objects of a list, or — when RBAC refuses that list — those of the
    /// namespaces `homes`, with the namespaces read (`None`: every one).
    async fn everywhere_or_homes<K>(
        &self,
        resource: &'static str,
        labels: Option<&str>,
        fields: Option<&str>,
        homes: &Homes,
    ) -> Result<(Vec<K>, Option<Vec<String>>)>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + serde::de::DeserializeOwned
            + std::fmt::Debug,
        <K as kube::Resource>::DynamicType: Default,
    {
        if !homes.refused(resource) {
            let api: Api<K> = Api::all(self.client());
            match self.list_all(&api, resource, None, labels, fields).await {
                Err(Error::Forbidden { .. }) if !homes.namespaces.is_empty() => {
                    homes.refuse(resource);
                }
                other => return Ok((other?, None)),
            }
        }
        let mut found = Vec::new();
        for ns in &homes.namespaces {
            let api: Api<K> = Api::namespaced(self.client(), ns);
            found.extend(
                self.list_all(&api, resource, Some(ns), labels, fields)
                    .await?,
            );
        }
        Ok((found, Some(homes.namespaces.clone())))
    }

    /// EndpointSlices by label selector, in every namespace or in `homes` (see
    /// [`Self::everywhere_or_homes`]).
    async fn slices_selected(&self, selector: &str, homes: &Homes) -> Result<Vec<EndpointSlice>> {
        Ok(self
            .everywhere_or_homes("endpointslices", Some(selector), None, homes)
            .await?
            .0)
    }

    /// Make one lookup.
    async fn ask(&self, ask: &Ask, homes: &Homes) -> Result<Got> {
        // Names come from commands and env: one that is not a Kubernetes name is never sent.
        if let Some(err) = invalid_name(ask) {
            return Err(err);
        }
        let client = self.client();
        Ok(match ask {
            Ask::ServicesNamed(name) => {
                let fields = format!("metadata.name={name}");
                match self
                    .everywhere_or_homes("services", None, Some(&fields), homes)
                    .await?
                {
                    (found, None) => Got::Services(found),
                    (found, Some(read)) => Got::ServicesIn(read, found),
                }
            }
            Ask::SlicesOf(name) => {
                let labels = format!("{SERVICE_NAME_LABEL}={name}");
                Got::Slices(crate::waits::shared_slices(
                    self.slices_selected(&labels, homes).await?,
                ))
            }
            Ask::ServicesByIp(ns, ip) => {
                let api: Api<Service> = Api::namespaced(client, ns);
                let fields = format!("spec.clusterIP={ip}");
                match self
                    .list_all(&api, "services", Some(ns), None, Some(&fields))
                    .await
                {
                    // A server that cannot select on the ClusterIP: its Services, filtered here.
                    Err(Error::Api { code: 400, .. }) => Got::Services(
                        self.list_all(&api, "services", Some(ns), None, None)
                            .await?
                            .into_iter()
                            .filter(|s| has_cluster_ip(s, ip))
                            .collect(),
                    ),
                    other => Got::Services(other?),
                }
            }
            Ask::PodsLabelled(ns, labels) => {
                let api: Api<Pod> = Api::namespaced(client, ns);
                Got::Pods(
                    self.list_all(&api, "pods", Some(ns), Some(labels), None)
                        .await?,
                )
            }
            Ask::PodsFielded(ns, fields) => {
                let api: Api<Pod> = Api::namespaced(client, ns);
                Got::Pods(
                    self.list_all(&api, "pods", Some(ns), None, Some(fields))
                        .await?,
                )
            }
            Ask::ServiceNames(ns) => {
                let api: Api<Service> = Api::namespaced(client, ns);
                Got::Services(
                    self.list_metadata(&api, "services", Some(ns))
                        .await?
                        .into_iter()
                        .map(|metadata| Service {
                            metadata: super::samples::names_and_labels(metadata),
                            ..Default::default()
                        })
                        .collect(),
                )
            }
            Ask::PodsSample(ns, labels, limit) => {
                Got::Pods(self.pod_sample(ns, labels, *limit).await?)
            }
            Ask::OwnerLabels(ns) => Got::LabelSets(self.owner_label_sets(ns).await),
            Ask::ConfigMap(ns, name) => {
                let api: Api<ConfigMap> = Api::namespaced(client, ns);
                Got::ConfigMap(
                    self.read("get", "configmaps", Some(ns), || api.get_opt(name))
                        .await?
                        .map(Box::new),
                )
            }
            Ask::Job(ns, name) => {
                let api: Api<Job> = Api::namespaced(client, ns);
                Got::Job(
                    self.read("get", "jobs", Some(ns), || api.get_opt(name))
                        .await?
                        .map(Box::new),
                )
            }
            Ask::ClusterDns => {
                let api: Api<Service> = Api::namespaced(client, "kube-system");
                Got::Service(
                    self.read("get", "services", Some("kube-system"), || {
                        api.get_opt("kube-dns")
                    })
                    .await?
                    .map(Box::new),
                )
            }
        })
    }
}

/// The error for a lookup naming what is not a Kubernetes name (see
/// [`validate::object_name_in_path`]).
fn invalid_name(ask: &Ask) -> Option<Error> {
    let (namespace, name, what) = match ask {
        Ask::ServicesNamed(name) | Ask::SlicesOf(name) => (None, Some(name), "service"),
        Ask::ServicesByIp(ns, _)
        | Ask::PodsLabelled(ns, _)
        | Ask::PodsFielded(ns, _)
        | Ask::ServiceNames(ns)
        | Ask::PodsSample(ns, _, _)
        | Ask::OwnerLabels(ns) => (Some(ns), None, ""),
        Ask::ConfigMap(ns, name) => (Some(ns), Some(name), "configmap"),
        Ask::Job(ns, name) => (Some(ns), Some(name), "job"),
        Ask::ClusterDns => (None, None, ""),
    };
    if let Some(ns) = namespace.filter(|ns| !validate::namespace_in_path(ns)) {
        return Some(validate::not_a_valid_name("namespace", ns));
    }
    name.filter(|n| !validate::object_name_in_path(n))
        .map(|n| validate::not_a_valid_name(what, n))
}

fn has_cluster_ip(service: &Service, ip: &str) -> bool {
    service.spec.as_ref().is_some_and(|s| {
        s.cluster_ip.as_deref() == Some(ip) || s.cluster_ips.iter().flatten().any(|i| i == ip)
    })
}

/// A lookup's outcome as evidence: what could not be read becomes one "could not check" line.
fn answer<T>(result: Result<T>) -> Answer<T> {
    result.map_err(|e| format!("could not check: {e}"))
}
