//! The waits of many pods from one set of lookups, pure: the edge fetches each namespace's lists
//! and each lookup by name once, for the union of the pods' [`Needs`] ([`SharedNeeds`]), and
//! [`Lookups::objects`] gives each pod exactly the [`WaitObjects`] it would have had alone — its
//! own namespace's lists, only the names *it* looks up, its problems in the same order — so the
//! findings of a pod never depend on which other pods were explained with it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::resolve::SERVICE_NAME_LABEL;
use super::{Needs, WaitObjects};

/// How many Service names one cross-namespace EndpointSlice list selects (`… in (a,b,…)`), so
/// that the label selector stays a reasonable length.
pub const NAMES_PER_SLICE_LIST: usize = 50;

/// What one lookup gave: the objects, or the line saying it could not be checked.
pub type Answer<T> = Result<T, String>;

/// The union of several pods' [`Needs`]: what the edge fetches, each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedNeeds {
    /// Namespaces whose Services, EndpointSlices and Pods are listed (one list each).
    pub namespaces: BTreeSet<String>,
    /// Service names looked up in every namespace (one list per name).
    pub service_names: BTreeSet<String>,
    /// ConfigMaps: (namespace, name).
    pub config_maps: BTreeSet<(String, String)>,
    /// Jobs: (namespace, name).
    pub jobs: BTreeSet<(String, String)>,
    /// Read the cluster DNS Service once.
    pub cluster_dns: bool,
}

impl SharedNeeds {
    /// Add one pod's needs.
    pub fn add(&mut self, needs: &Needs) {
        self.namespaces.insert(needs.namespace.clone());
        self.service_names
            .extend(needs.service_names.iter().cloned());
        self.config_maps.extend(
            needs
                .config_maps
                .iter()
                .map(|name| (needs.namespace.clone(), name.clone())),
        );
        self.jobs.extend(needs.jobs.iter().cloned());
        self.cluster_dns |= needs.cluster_dns;
    }

    /// The cross-namespace EndpointSlice lists: the Service names, a few dozen a list.
    pub fn slice_name_groups(&self) -> Vec<Vec<String>> {
        let names: Vec<String> = self.service_names.iter().cloned().collect();
        names
            .chunks(NAMES_PER_SLICE_LIST)
            .map(<[String]>::to_vec)
            .collect()
    }

    /// How many requests fetching these needs takes.
    pub fn request_count(&self) -> usize {
        3 * self.namespaces.len()
            + self.service_names.len()
            + self.slice_name_groups().len()
            + self.config_maps.len()
            + self.jobs.len()
            + usize::from(self.cluster_dns)
    }
}

impl From<&Needs> for SharedNeeds {
    fn from(needs: &Needs) -> SharedNeeds {
        let mut shared = SharedNeeds::default();
        shared.add(needs);
        shared
    }
}

/// The lists of one namespace, shared by all its pods.
#[derive(Debug, Clone)]
pub struct NamespaceLists {
    pub services: Answer<Arc<Vec<Service>>>,
    pub endpoint_slices: Answer<Arc<Vec<EndpointSlice>>>,
    pub pods: Answer<Arc<Vec<Pod>>>,
}

/// The answers to a [`SharedNeeds`], as the edge fetched them.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    /// The cluster DNS domain (`--cluster-domain`).
    pub cluster_domain: String,
    pub namespaces: BTreeMap<String, NamespaceLists>,
    /// The Services of each name, in every namespace.
    pub services_by_name: BTreeMap<String, Answer<Vec<Service>>>,
    /// The cross-namespace EndpointSlice lists: the names each selected, and its answer.
    pub other_slices: Vec<(BTreeSet<String>, Answer<Vec<EndpointSlice>>)>,
    /// ConfigMaps by (namespace, name); `None` when missing.
    pub config_maps: BTreeMap<(String, String), Answer<Option<ConfigMap>>>,
    /// Jobs by (namespace, name); `None` when missing.
    pub jobs: BTreeMap<(String, String), Answer<Option<Job>>>,
    /// `kube-system/kube-dns`, when it was read.
    pub cluster_dns: Option<Answer<Option<Service>>>,
}

impl Lookups {
    /// The objects of one pod's waits: what a fetch of `needs` alone would have given. A lookup
    /// missing from `self` counts as not found.
    pub fn objects(&self, needs: &Needs) -> WaitObjects {
        let mut problems = Vec::new();
        let mut objects = WaitObjects {
            fetched: true,
            cluster_domain: self.cluster_domain.clone(),
            ..Default::default()
        };
        if let Some(lists) = self.namespaces.get(&needs.namespace) {
            objects.services = shared(&lists.services, &mut problems);
            objects.endpoint_slices = shared(&lists.endpoint_slices, &mut problems);
            objects.pods = shared(&lists.pods, &mut problems);
        }
        for name in &needs.service_names {
            if let Some(answer) = self.services_by_name.get(name) {
                objects
                    .services_by_name
                    .extend(owned(answer, &mut problems));
            }
        }
        if !needs.service_names.is_empty() {
            for (names, answer) in &self.other_slices {
                if names.is_disjoint(&needs.service_names) {
                    continue;
                }
                objects.other_slices.extend(
                    owned(answer, &mut problems)
                        .into_iter()
                        .filter(|s| labelled_with(s, &needs.service_names)),
                );
            }
        }
        for name in &needs.config_maps {
            let key = (needs.namespace.clone(), name.clone());
            if let Some(answer) = self.config_maps.get(&key) {
                objects.config_maps.extend(one(answer, &mut problems));
            }
        }
        for key in &needs.jobs {
            if let Some(answer) = self.jobs.get(key) {
                objects.jobs.extend(one(answer, &mut problems));
            }
        }
        if needs.cluster_dns
            && let Some(answer) = &self.cluster_dns
        {
            objects.cluster_dns = one(answer, &mut problems);
        }
        problems.dedup();
        objects.problems = problems;
        objects
    }
}

/// True when the slice belongs to a Service of one of `names`.
fn labelled_with(slice: &EndpointSlice, names: &BTreeSet<String>) -> bool {
    slice
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(SERVICE_NAME_LABEL))
        .is_some_and(|name| names.contains(name))
}

fn shared<T>(answer: &Answer<Arc<Vec<T>>>, problems: &mut Vec<String>) -> Arc<Vec<T>> {
    match answer {
        Ok(items) => Arc::clone(items),
        Err(problem) => {
            problems.push(problem.clone());
            Arc::default()
        }
    }
}

fn owned<T: Clone>(answer: &Answer<Vec<T>>, problems: &mut Vec<String>) -> Vec<T> {
    match answer {
        Ok(items) => items.clone(),
        Err(problem) => {
            problems.push(problem.clone());
            Vec::new()
        }
    }
}

fn one<T: Clone>(answer: &Answer<Option<T>>, problems: &mut Vec<String>) -> Option<T> {
    match answer {
        Ok(item) => item.clone(),
        Err(problem) => {
            problems.push(problem.clone());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn needs(namespace: &str, names: &[&str]) -> Needs {
        Needs {
            namespace: namespace.into(),
            service_names: names.iter().map(ToString::to_string).collect(),
            ..Default::default()
        }
    }

    fn service(ns: &str, name: &str) -> Service {
        serde_json::from_value(json!({"metadata": {"name": name, "namespace": ns}})).unwrap()
    }

    fn slice(ns: &str, service: &str) -> EndpointSlice {
        serde_json::from_value(json!({
            "metadata": {"name": format!("{service}-x"), "namespace": ns,
                         "labels": {SERVICE_NAME_LABEL: service}},
            "addressType": "IPv4", "endpoints": []
        }))
        .unwrap()
    }

    fn names(objects: &[Service]) -> Vec<String> {
        objects
            .iter()
            .map(|s| {
                format!(
                    "{}/{}",
                    s.metadata.namespace.as_deref().unwrap_or(""),
                    s.metadata.name.as_deref().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn the_union_asks_each_thing_once() {
        let mut union = SharedNeeds::default();
        let mut a = needs("shop", &["db", "cache"]);
        a.config_maps.insert("cfg".into());
        a.jobs.insert(("batch".into(), "migrate".into()));
        let mut b = needs("shop", &["db"]);
        b.jobs.insert(("batch".into(), "migrate".into()));
        let c = needs("web", &["db", "api"]);
        for n in [&a, &b, &c] {
            union.add(n);
        }
        assert_eq!(union.namespaces.len(), 2);
        assert_eq!(
            union.service_names.iter().collect::<Vec<_>>(),
            ["api", "cache", "db"]
        );
        assert_eq!(union.jobs.len(), 1);
        // 2 namespaces × 3 lists, 3 names, 1 slice list, 1 ConfigMap, 1 Job.
        assert_eq!(union.request_count(), 12);
        // One pod alone: as many requests as before (3 lists, a name each, one slice list…).
        assert_eq!(SharedNeeds::from(&a).request_count(), 3 + 2 + 1 + 1 + 1);
        let many = needs(
            "shop",
            &(0..120)
                .map(|i| format!("s{i}"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert_eq!(SharedNeeds::from(&many).slice_name_groups().len(), 3);
    }

    #[test]
    fn each_pod_gets_what_it_would_have_got_alone() {
        let denied = "could not check: cannot list services in namespace shop".to_string();
        let mut lookups = Lookups {
            cluster_domain: "cluster.local".into(),
            ..Default::default()
        };
        lookups.namespaces.insert(
            "shop".into(),
            NamespaceLists {
                services: Err(denied.clone()),
                endpoint_slices: Ok(Arc::new(vec![slice("shop", "db")])),
                pods: Ok(Arc::default()),
            },
        );
        lookups.services_by_name.insert(
            "db".into(),
            Ok(vec![service("a", "db"), service("b", "db")]),
        );
        lookups
            .services_by_name
            .insert("cache".into(), Err("could not check: cache".into()));
        lookups.other_slices.push((
            ["cache".to_string(), "db".to_string()].into(),
            Ok(vec![slice("a", "db"), slice("b", "cache")]),
        ));
        lookups.cluster_dns = Some(Ok(Some(service("kube-system", "kube-dns"))));

        let only_db = lookups.objects(&needs("shop", &["db"]));
        assert!(only_db.fetched);
        assert_eq!(names(&only_db.services_by_name), ["a/db", "b/db"]);
        assert_eq!(
            only_db.other_slices.len(),
            1,
            "the cache slice is not this pod's"
        );
        assert_eq!(only_db.endpoint_slices.len(), 1);
        assert_eq!(only_db.problems, std::slice::from_ref(&denied));
        assert_eq!(only_db.cluster_dns, None, "not asked for by this pod");

        let both = lookups.objects(&needs("shop", &["cache", "db"]));
        assert_eq!(both.other_slices.len(), 2);
        assert_eq!(
            both.problems,
            [denied, "could not check: cache".to_string()],
            "problems in the order of a fetch of its own"
        );

        // Two pods of a namespace share its lists rather than copy them.
        let again = lookups.objects(&needs("shop", &["db"]));
        assert!(Arc::ptr_eq(
            &only_db.endpoint_slices,
            &again.endpoint_slices
        ));
    }
}
