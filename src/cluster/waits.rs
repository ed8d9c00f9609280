//! The edge for [`crate::waits`]: everything a pod's waits are checked against, fetched in one
//! round of concurrent calls, each under [`Cluster::call`]'s timeout.
//!
//! The calls: Services, EndpointSlices and Pods of the pod's namespace (one list each); per
//! Service name the commands mention, the Services of that name in every namespace (a field
//! selector); the EndpointSlices of those names in every namespace (one list, a set-based label
//! selector); each ConfigMap and Job named; `kube-system/kube-dns` for `dnsPolicy: None`.
//! Nothing here fails the command: what cannot be read becomes a line in
//! [`WaitObjects::problems`] and the finding says what it could not check.

use futures::future::join_all;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::Api;

use super::Cluster;
use crate::error::Result;
use crate::waits::resolve::SERVICE_NAME_LABEL;
use crate::waits::{self, Needs, WaitObjects};

/// The objects `pod`'s waits need, or `None` (and no call at all) when its pending init
/// containers name nothing to resolve.
pub async fn fetch(cluster: &Cluster, pod: &Pod) -> Option<WaitObjects> {
    let needs = waits::needs(pod)?;
    Some(cluster.wait_objects(&needs).await)
}

/// How many requests [`fetch`] makes for these needs (for the performance note and tests).
pub fn request_count(needs: &Needs) -> usize {
    3 + needs.config_maps.len()
        + needs.service_names.len()
        + usize::from(!needs.service_names.is_empty())
        + needs.jobs.len()
        + usize::from(needs.cluster_dns)
}

impl Cluster {
    /// Resolve waits in `domain` (`--cluster-domain`).
    pub fn with_cluster_domain(mut self, domain: &str) -> Self {
        self.cluster_domain = domain.trim_matches('.').to_string();
        self
    }

    /// Fetch everything in `needs` concurrently; failures are recorded, never returned.
    pub async fn wait_objects(&self, needs: &Needs) -> WaitObjects {
        let ns = needs.namespace.as_str();
        let client = self.client();
        let services: Api<Service> = Api::namespaced(client.clone(), ns);
        let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), ns);
        let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
        let all_services: Api<Service> = Api::all(client.clone());
        let all_slices: Api<EndpointSlice> = Api::all(client.clone());
        let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        let names: Vec<&String> = needs.service_names.iter().collect();
        let slice_selector = (!names.is_empty()).then(|| {
            format!(
                "{SERVICE_NAME_LABEL} in ({})",
                names
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        });

        let (services, slices, pods, by_name, other_slices, config_maps, jobs, cluster_dns) = futures::join!(
            self.list_all(&services, "services", Some(ns), None, None),
            self.list_all(&slices, "endpointslices", Some(ns), None, None),
            self.list_all(&pods, "pods", Some(ns), None, None),
            join_all(names.iter().map(|name| {
                let fields = format!("metadata.name={name}");
                let api = all_services.clone();
                async move {
                    self.list_all(&api, "services", None, None, Some(&fields))
                        .await
                }
            })),
            async {
                match &slice_selector {
                    Some(selector) => {
                        self.list_all(&all_slices, "endpointslices", None, Some(selector), None)
                            .await
                    }
                    None => Ok(Vec::new()),
                }
            },
            join_all(needs.config_maps.iter().map(|name| {
                let api = config_maps.clone();
                async move {
                    self.call("get", "configmaps", Some(ns), api.get_opt(name))
                        .await
                }
            })),
            join_all(needs.jobs.iter().map(|(job_ns, name)| {
                let api: Api<Job> = Api::namespaced(client.clone(), job_ns);
                async move {
                    self.call("get", "jobs", Some(job_ns), api.get_opt(name))
                        .await
                }
            })),
            async {
                if needs.cluster_dns {
                    let api: Api<Service> = Api::namespaced(client.clone(), "kube-system");
                    self.call(
                        "get",
                        "services",
                        Some("kube-system"),
                        api.get_opt("kube-dns"),
                    )
                    .await
                } else {
                    Ok(None)
                }
            },
        );

        let mut objects = WaitObjects {
            fetched: true,
            cluster_domain: self.cluster_domain.clone(),
            ..Default::default()
        };
        let mut problems = Vec::new();
        objects.services = keep(services, &mut problems);
        objects.endpoint_slices = keep(slices, &mut problems);
        objects.pods = keep(pods, &mut problems);
        for found in by_name {
            objects.services_by_name.extend(keep(found, &mut problems));
        }
        objects.other_slices = keep(other_slices, &mut problems);
        for cm in config_maps {
            objects.config_maps.extend(keep_opt(cm, &mut problems));
        }
        for job in jobs {
            objects.jobs.extend(keep_opt(job, &mut problems));
        }
        objects.cluster_dns = keep_opt(cluster_dns, &mut problems);
        problems.dedup();
        objects.problems = problems;
        objects
    }
}

fn keep<T>(result: Result<Vec<T>>, problems: &mut Vec<String>) -> Vec<T> {
    match result {
        Ok(items) => items,
        Err(e) => {
            problems.push(format!("could not check: {e}"));
            Vec::new()
        }
    }
}

fn keep_opt<T>(result: Result<Option<T>>, problems: &mut Vec<String>) -> Option<T> {
    match result {
        Ok(item) => item,
        Err(e) => {
            problems.push(format!("could not check: {e}"));
            None
        }
    }
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
