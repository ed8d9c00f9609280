//! The edge for [`crate::waits`]: everything the waits of one pod, or of many, are checked
//! against, fetched in one round of concurrent calls (at most [`LOOKUPS_AT_ONCE`] at a time),
//! each under [`Cluster::call`]'s timeout.
//!
//! The calls, for the union of the pods' needs ([`SharedNeeds`]): per namespace, its Services,
//! EndpointSlices and Pods (one list each); per Service name the commands mention, the Services
//! of that name in every namespace (a field selector); the EndpointSlices of those names in every
//! namespace (one list per [`NAMES_PER_SLICE_LIST`] names, a set-based label selector); each
//! ConfigMap and Job named; `kube-system/kube-dns` for `dnsPolicy: None`. One pod alone makes the
//! same calls as before any sharing. Nothing here fails the command: what cannot be read becomes
//! a line in [`WaitObjects::problems`] of each pod that needed it, and the finding says what it
//! could not check.
//!
//! [`NAMES_PER_SLICE_LIST`]: crate::waits::shared::NAMES_PER_SLICE_LIST

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::Api;

use super::Cluster;
use crate::error::Result;
use crate::waits::resolve::SERVICE_NAME_LABEL;
use crate::waits::shared::{Answer, Lookups, NamespaceLists, SharedNeeds};
use crate::waits::{self, Needs, WaitObjects};

/// How many wait lookups run at once.
pub const LOOKUPS_AT_ONCE: usize = 16;

/// The objects `pod`'s waits need, or `None` (and no call at all) when its pending init
/// containers name nothing to resolve.
pub async fn fetch(cluster: &Cluster, pod: &Pod) -> Option<WaitObjects> {
    let needs = waits::needs(pod)?;
    Some(cluster.wait_objects(&needs).await)
}

/// How many requests [`fetch`] makes for these needs (for the performance note and tests).
pub fn request_count(needs: &Needs) -> usize {
    SharedNeeds::from(needs).request_count()
}

/// One lookup to make.
enum Ask {
    Services(String),
    Slices(String),
    Pods(String),
    ServicesNamed(String),
    SlicesNamed(Vec<String>),
    ConfigMap(String, String),
    Job(String, String),
    ClusterDns,
}

/// Its answer.
enum Got {
    Services(String, Answer<Vec<Service>>),
    Slices(String, Answer<Vec<EndpointSlice>>),
    Pods(String, Answer<Vec<Pod>>),
    ServicesNamed(String, Answer<Vec<Service>>),
    SlicesNamed(Vec<String>, Answer<Vec<EndpointSlice>>),
    // Boxed: a Job or a Service is large beside the other answers.
    ConfigMap(String, String, Box<Answer<Option<ConfigMap>>>),
    Job(String, String, Box<Answer<Option<Job>>>),
    ClusterDns(Box<Answer<Option<Service>>>),
}

impl Cluster {
    /// Resolve waits in `domain` (`--cluster-domain`).
    pub fn with_cluster_domain(mut self, domain: &str) -> Self {
        self.cluster_domain = domain.trim_matches('.').to_string();
        self
    }

    /// Fetch everything in `needs` concurrently; failures are recorded, never returned.
    pub async fn wait_objects(&self, needs: &Needs) -> WaitObjects {
        self.wait_lookups(&SharedNeeds::from(needs))
            .await
            .objects(needs)
    }

    /// Fetch everything the union of several pods' needs names, each once, a few at a time;
    /// [`Lookups::objects`] then gives each pod its part.
    pub async fn wait_lookups(&self, needs: &SharedNeeds) -> Lookups {
        let mut asks = Vec::new();
        for ns in &needs.namespaces {
            asks.push(Ask::Services(ns.clone()));
            asks.push(Ask::Slices(ns.clone()));
            asks.push(Ask::Pods(ns.clone()));
        }
        asks.extend(needs.service_names.iter().cloned().map(Ask::ServicesNamed));
        asks.extend(needs.slice_name_groups().into_iter().map(Ask::SlicesNamed));
        asks.extend(
            needs
                .config_maps
                .iter()
                .map(|(ns, name)| Ask::ConfigMap(ns.clone(), name.clone())),
        );
        asks.extend(
            needs
                .jobs
                .iter()
                .map(|(ns, name)| Ask::Job(ns.clone(), name.clone())),
        );
        if needs.cluster_dns {
            asks.push(Ask::ClusterDns);
        }
        let answers: Vec<Got> = futures::stream::iter(asks.into_iter().map(|ask| self.ask(ask)))
            .buffer_unordered(LOOKUPS_AT_ONCE)
            .collect()
            .await;

        let mut lookups = Lookups {
            cluster_domain: self.cluster_domain.clone(),
            ..Default::default()
        };
        let mut services = std::collections::BTreeMap::new();
        let mut slices = std::collections::BTreeMap::new();
        let mut pods = std::collections::BTreeMap::new();
        for got in answers {
            match got {
                Got::Services(ns, a) => {
                    services.insert(ns, a.map(Arc::new));
                }
                Got::Slices(ns, a) => {
                    slices.insert(ns, a.map(Arc::new));
                }
                Got::Pods(ns, a) => {
                    pods.insert(ns, a.map(Arc::new));
                }
                Got::ServicesNamed(name, a) => {
                    lookups.services_by_name.insert(name, a);
                }
                Got::SlicesNamed(names, a) => {
                    lookups.other_slices.push((names.into_iter().collect(), a))
                }
                Got::ConfigMap(ns, name, a) => {
                    lookups.config_maps.insert((ns, name), *a);
                }
                Got::Job(ns, name, a) => {
                    lookups.jobs.insert((ns, name), *a);
                }
                Got::ClusterDns(a) => lookups.cluster_dns = Some(*a),
            }
        }
        // Keep the cross-namespace slice lists in the order of their names.
        lookups.other_slices.sort_by(|a, b| a.0.cmp(&b.0));
        // Every ask has its answer: the defaults are never used.
        for ns in &needs.namespaces {
            lookups.namespaces.insert(
                ns.clone(),
                NamespaceLists {
                    services: services.remove(ns).unwrap_or_else(|| Ok(Arc::default())),
                    endpoint_slices: slices.remove(ns).unwrap_or_else(|| Ok(Arc::default())),
                    pods: pods.remove(ns).unwrap_or_else(|| Ok(Arc::default())),
                },
            );
        }
        lookups
    }

    /// Make one lookup.
    async fn ask(&self, ask: Ask) -> Got {
        let client = self.client();
        match ask {
            Ask::Services(ns) => {
                let api: Api<Service> = Api::namespaced(client, &ns);
                let a = self.list_all(&api, "services", Some(&ns), None, None).await;
                Got::Services(ns, answer(a))
            }
            Ask::Slices(ns) => {
                let api: Api<EndpointSlice> = Api::namespaced(client, &ns);
                let a = self
                    .list_all(&api, "endpointslices", Some(&ns), None, None)
                    .await;
                Got::Slices(ns, answer(a))
            }
            Ask::Pods(ns) => {
                let api: Api<Pod> = Api::namespaced(client, &ns);
                let a = self.list_all(&api, "pods", Some(&ns), None, None).await;
                Got::Pods(ns, answer(a))
            }
            Ask::ServicesNamed(name) => {
                let api: Api<Service> = Api::all(client);
                let fields = format!("metadata.name={name}");
                let a = self
                    .list_all(&api, "services", None, None, Some(&fields))
                    .await;
                Got::ServicesNamed(name, answer(a))
            }
            Ask::SlicesNamed(names) => {
                let api: Api<EndpointSlice> = Api::all(client);
                let selector = format!("{SERVICE_NAME_LABEL} in ({})", names.join(","));
                let a = self
                    .list_all(&api, "endpointslices", None, Some(&selector), None)
                    .await;
                Got::SlicesNamed(names, answer(a))
            }
            Ask::ConfigMap(ns, name) => {
                let api: Api<ConfigMap> = Api::namespaced(client, &ns);
                let a = self
                    .call("get", "configmaps", Some(&ns), api.get_opt(&name))
                    .await;
                Got::ConfigMap(ns, name, Box::new(answer(a)))
            }
            Ask::Job(ns, name) => {
                let api: Api<Job> = Api::namespaced(client, &ns);
                let a = self
                    .call("get", "jobs", Some(&ns), api.get_opt(&name))
                    .await;
                Got::Job(ns, name, Box::new(answer(a)))
            }
            Ask::ClusterDns => {
                let api: Api<Service> = Api::namespaced(client, "kube-system");
                let a = self
                    .call(
                        "get",
                        "services",
                        Some("kube-system"),
                        api.get_opt("kube-dns"),
                    )
                    .await;
                Got::ClusterDns(Box::new(answer(a)))
            }
        }
    }
}

/// A lookup's outcome as evidence: what could not be read becomes one "could not check" line.
fn answer<T>(result: Result<T>) -> Answer<T> {
    result.map_err(|e| format!("could not check: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted() {
        let mut needs = Needs {
            namespace: "shop".into(),
            ..Default::default()
        };
        assert_eq!(request_count(&needs), 3);
        needs.service_names.insert("db".into());
        needs.config_maps.insert("cfg".into());
        assert_eq!(request_count(&needs), 6);
    }
}
