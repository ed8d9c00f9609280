//! The edge for [`crate::preflight`]: the live namespace a bundle is checked against, read-only
//! and concurrently — its Services, EndpointSlices, Pods, ConfigMaps, Jobs, and its Secrets'
//! names and keys (the values are dropped as each page arrives, never kept); and, in every
//! namespace, the Services named like a wait target with their EndpointSlices. Each list is paged
//! and every request bounded as [`Cluster::read`] bounds it. A list RBAC denies becomes a line of
//! [`Live::problems`] (the findings that need it say they could not check); the other errors
//! (unreachable, credentials, timeouts) end the command as they end `explain`.

use std::collections::BTreeSet;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::Api;

use super::Cluster;
use crate::error::{Error, Result};
use crate::preflight::{Live, SecretKeys};

impl Cluster {
    /// What namespace `ns` holds, for `preflight`.
    pub async fn live_namespace(&self, ns: &str) -> Result<Live> {
        let client = self.client();
        let services: Api<Service> = Api::namespaced(client.clone(), ns);
        let slices: Api<EndpointSlice> = Api::namespaced(client.clone(), ns);
        let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
        let maps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        let jobs: Api<Job> = Api::namespaced(client.clone(), ns);
        let secrets: Api<Secret> = Api::namespaced(client, ns);
        let (services, slices, pods, maps, jobs, secrets) = futures::join!(
            self.list_all(&services, "services", Some(ns), None, None),
            self.list_all(&slices, "endpointslices", Some(ns), None, None),
            self.list_all(&pods, "pods", Some(ns), None, None),
            self.list_all(&maps, "configmaps", Some(ns), None, None),
            self.list_all(&jobs, "jobs", Some(ns), None, None),
            self.secret_keys(&secrets, ns),
        );
        let mut live = Live::default();
        live.services = keep(services, "services", &mut live)?;
        live.slices = keep(slices, "endpointslices", &mut live)?;
        live.pods = keep(pods, "pods", &mut live)?;
        live.config_maps = keep(maps, "configmaps", &mut live)?;
        live.jobs = keep(jobs, "jobs", &mut live)?;
        live.secrets = keep(secrets, "secrets", &mut live)?;
        Ok(live)
    }

    /// The Services named `name` in every namespace (`metadata.name`), and their EndpointSlices
    /// (`kubernetes.io/service-name`), as `explain` looks a wait target up. `None` when the list
    /// of every namespace is refused (then a Service elsewhere is not known).
    pub async fn services_named(
        &self,
        name: &str,
    ) -> Result<Option<(Vec<Service>, Vec<EndpointSlice>)>> {
        let client = self.client();
        let services: Api<Service> = Api::all(client.clone());
        let slices: Api<EndpointSlice> = Api::all(client);
        let fields = format!("metadata.name={name}");
        let labels = format!("{}={name}", crate::waits::resolve::SERVICE_NAME_LABEL);
        let (found, sliced) = futures::join!(
            self.list_all(&services, "services", None, None, Some(&fields)),
            self.list_all(&slices, "endpointslices", None, Some(&labels), None),
        );
        match (found, sliced) {
            (Ok(found), Ok(sliced)) => Ok(Some((found, sliced))),
            (Err(Error::Forbidden { .. }), _) | (_, Err(Error::Forbidden { .. })) => Ok(None),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }

    /// The Secrets of `ns` by name and keys; each page's values are dropped as it arrives.
    async fn secret_keys(&self, api: &Api<Secret>, ns: &str) -> Result<Vec<SecretKeys>> {
        let mut out = Vec::new();
        self.pages(api, "secrets", Some(ns), None, None, |page| {
            out.extend(page.into_iter().map(|s| {
                SecretKeys {
                    namespace: s.metadata.namespace.unwrap_or_else(|| ns.to_string()),
                    name: s.metadata.name.unwrap_or_default(),
                    keys: s
                        .data
                        .into_iter()
                        .flat_map(std::collections::BTreeMap::into_keys)
                        .chain(
                            s.string_data
                                .into_iter()
                                .flat_map(std::collections::BTreeMap::into_keys),
                        )
                        .collect::<BTreeSet<_>>(),
                }
            }));
        })
        .await?;
        Ok(out)
    }
}

/// A list's items; a list RBAC denies is a problem line, and `resource` unread (no items).
fn keep<T>(result: Result<Vec<T>>, resource: &str, live: &mut Live) -> Result<Vec<T>> {
    match result {
        Ok(items) => Ok(items),
        Err(e @ Error::Forbidden { .. }) => {
            live.problems.push(format!("could not check: {e}"));
            live.unread.push(resource.to_string());
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}
