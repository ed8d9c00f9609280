//! What the waits of one pod, or of many, are checked against — fetched by what each pod
//! depends on, never by the size of its namespace. Pure: [`asks`] says which lookups a pod's
//! findings will consult, given the answers so far (a Service found by name brings the Pods of
//! its selector, a selector that matches nothing the namespace's labels, a backing pod stuck in
//! init its own waits…); the edge fetches the union of the pods' asks, each once, and asks
//! again until nothing new is needed ([`MAX_ROUNDS`] at most). [`Lookups::objects`] then gives
//! each pod exactly the answers of its own asks, so the findings of a pod never depend on which
//! other pods were explained with it.
//!
//! No pod list grows with the namespace. The one namespace-wide list, metadata only, is of the
//! Service names of a namespace when a Service there is missing (near misses). A selector that
//! matches nothing gets its closest label sets from bounded samples ([`near`]): one page of the
//! pods sharing a pair with it or carrying one of its keys, and the few pods of the owners'
//! label sets (ReplicaSets, StatefulSets, DaemonSets, Jobs) nearest to it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::findings::MAX_CHAIN_DEPTH;
use super::near::{self, OWNER_SET_PODS, SAMPLE_PODS};
use super::referenced::named_by_slices;
pub use super::referenced::{NOT_READY_LOOKED_UP, READY_LOOKED_UP};
use super::resolve::{self, Denotes, SERVICE_NAME_LABEL, World};
use super::{
    SharedSlices, WaitObjects, candidate_services, needs, pending_init_containers, shared_slices,
};
use crate::command::{self, Part, Target};

/// How many Service names one cross-namespace EndpointSlice list selects (`… in (a,b,…)`), so
/// that the label selector stays a reasonable length.
pub const NAMES_PER_SLICE_LIST: usize = 50;

/// How many rounds of lookups at most: the Services by name, then what they select, then the
/// waits of the pods they select… (a chain is followed [`MAX_CHAIN_DEPTH`] deep).
pub const MAX_ROUNDS: usize = MAX_CHAIN_DEPTH + 3;

/// How many backing pods one pod's lookups follow into their own waits.
const MAX_FOLLOWED: usize = 32;

/// What one lookup gave: the objects, or the line saying it could not be checked.
pub type Answer<T> = Result<T, String>;

/// One lookup. The order of the variants is the order of a pod's problems.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ask {
    /// Services of this name in every namespace (`metadata.name` field selector).
    ServicesNamed(String),
    /// EndpointSlices of the Service of this name in every namespace (the edge batches names
    /// into one `kubernetes.io/service-name in (…)` list).
    SlicesOf(String),
    /// A namespace's Services with this ClusterIP (`spec.clusterIP` field selector).
    ServicesByIp(String, String),
    /// Pods of a namespace by label selector.
    PodsLabelled(String, String),
    /// Pods of a namespace by field selector (`metadata.name=…`, `status.podIP=…`).
    PodsFielded(String, String),
    /// The names of every Service of a namespace (metadata only, paged).
    ServiceNames(String),
    /// At most this many pods of a namespace by label selector: one page, names and labels
    /// only (where the closest label sets of a selector that matches nothing are looked for).
    PodsSample(String, String, u32),
    /// The distinct pod-template label sets of a namespace's ReplicaSets, StatefulSets,
    /// DaemonSets and Jobs (one page of each, nothing else of them kept).
    OwnerLabels(String),
    /// A ConfigMap: namespace, name.
    ConfigMap(String, String),
    /// A Job: namespace, name.
    Job(String, String),
    /// `kube-system/kube-dns`.
    ClusterDns,
}

/// An answer's objects.
#[derive(Debug, Clone)]
pub enum Got {
    Services(Vec<Service>),
    /// Services by name read only in these namespaces: the list of every namespace was
    /// refused (a namespaced Role), so what is in the others is unknown.
    ServicesIn(Vec<String>, Vec<Service>),
    Slices(SharedSlices),
    Pods(Vec<Pod>),
    // Boxed: one object is large beside a list.
    ConfigMap(Option<Box<ConfigMap>>),
    Job(Option<Box<Job>>),
    Service(Option<Box<Service>>),
    LabelSets(Vec<BTreeMap<String, String>>),
}

/// The answers fetched so far, by lookup.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    /// The cluster DNS domain (`--cluster-domain`).
    pub cluster_domain: String,
    pub answers: BTreeMap<Ask, Answer<Arc<Got>>>,
}

/// The lookups not made yet that the findings of `pods` need, given what `lookups` holds.
pub fn missing<'a>(pods: impl IntoIterator<Item = &'a Pod>, lookups: &Lookups) -> BTreeSet<Ask> {
    let mut out = BTreeSet::new();
    for pod in pods {
        out.extend(
            asks(pod, lookups)
                .into_iter()
                .filter(|a| !lookups.answers.contains_key(a)),
        );
    }
    out
}

/// Every lookup `pod`'s findings consult, given the answers so far (asked or not yet).
pub fn asks(pod: &Pod, lookups: &Lookups) -> BTreeSet<Ask> {
    let mut planner = Planner {
        lookups,
        home: pod.metadata.namespace.clone().unwrap_or_default(),
        asks: BTreeSet::new(),
        followed: BTreeSet::from([pod.metadata.name.clone().unwrap_or_default()]),
        queue: VecDeque::from([(pod, 0)]),
        so_far: None,
    };
    while let Some((pod, depth)) = planner.queue.pop_front() {
        planner.pod(pod, depth);
    }
    planner.asks
}

struct Planner<'a> {
    lookups: &'a Lookups,
    home: String,
    asks: BTreeSet<Ask>,
    /// Pods whose waits are (being) planned, by name (all in `home`).
    followed: BTreeSet<String>,
    queue: VecDeque<(&'a Pod, usize)>,
    /// [`Planner::objects_so_far`], kept until an ask with objects in its answer is added: a
    /// pod naming thousands of targets merges its answers once per answer, not once per target.
    so_far: Option<Arc<WaitObjects>>,
}

impl<'a> Planner<'a> {
    /// Ask, and give the answer when there is one.
    fn ask(&mut self, ask: Ask) -> Option<&'a Got> {
        let answer = self.lookups.answers.get(&ask);
        // An unanswered ask adds nothing to the objects, a refused one only a problem (names
        // are resolved without them).
        if self.asks.insert(ask) && matches!(answer, Some(Ok(_))) {
            self.so_far = None;
        }
        answer?.as_ref().ok().map(|got| &**got)
    }

    fn pods(&mut self, ask: Ask) -> Option<&'a [Pod]> {
        match self.ask(ask)? {
            Got::Pods(pods) => Some(pods.as_slice()),
            _ => None,
        }
    }

    /// One pod's waits: the lookups its pending init containers name, and what follows from
    /// their answers.
    fn pod(&mut self, pod: &'a Pod, depth: usize) {
        let Some(needs) = needs(pod) else {
            return;
        };
        for name in &needs.service_names {
            self.service_name(name);
        }
        let mut config_maps = Vec::new();
        for name in &needs.config_maps {
            if let Some(Got::ConfigMap(Some(cm))) =
                self.ask(Ask::ConfigMap(self.home.clone(), name.clone()))
            {
                config_maps.push((**cm).clone());
            }
        }
        for (ns, name) in &needs.jobs {
            self.ask(Ask::Job(ns.clone(), name.clone()));
        }
        if needs.cluster_dns {
            self.ask(Ask::ClusterDns);
        }
        for (_, container) in pending_init_containers(pod) {
            let extraction = command::extract(pod, container, Some(&config_maps));
            for check in &extraction.checks {
                self.target(pod, &check.target, depth);
            }
        }
    }

    fn service_name(&mut self, name: &str) {
        self.ask(Ask::ServicesNamed(name.to_string()));
        self.ask(Ask::SlicesOf(name.to_string()));
    }

    fn target(&mut self, pod: &'a Pod, target: &Target, depth: usize) {
        match target {
            Target::Host(host) => {
                let name = match &host.host {
                    Part::Known(name) | Part::ServiceLink(name) => name.clone(),
                    Part::Unknown(_) => return,
                };
                for candidate in candidate_services(&name) {
                    self.service_name(&candidate);
                }
                // What the name denotes, as the findings will see it (with and without
                // `/etc/hosts`: the tool decides).
                let objects = self.objects_so_far();
                let world = World {
                    pod,
                    namespace: &self.home,
                    domain: if objects.cluster_domain.is_empty() {
                        super::DEFAULT_CLUSTER_DOMAIN
                    } else {
                        &objects.cluster_domain
                    },
                    objects: Some(&*objects),
                };
                let denoted: BTreeSet<Denotes> = [true, false]
                    .into_iter()
                    .map(|resolver| resolve::denote(&world, &name, resolver))
                    .collect();
                for denotes in denoted {
                    self.denotes(&denotes, depth);
                }
            }
            Target::Pods {
                namespace,
                selector,
                names,
                condition,
                ..
            } => {
                if namespace.as_deref().is_some_and(|ns| ns != self.home) {
                    return;
                }
                let mut matched: Vec<&'a Pod> = Vec::new();
                let mut answered = true;
                if let Some(selector) = selector {
                    if resolve::Selector::parse(selector).is_none() {
                        return;
                    }
                    match self.pods(Ask::PodsLabelled(self.home.clone(), selector.clone())) {
                        Some(pods) => matched.extend(pods),
                        None => answered = false,
                    }
                }
                for name in names.iter().filter(|n| is_label_value(n)) {
                    let ask = Ask::PodsFielded(self.home.clone(), format!("metadata.name={name}"));
                    matched.extend(self.pods(ask).unwrap_or_default());
                }
                if let Some(selector) = selector
                    && answered
                    && matched.is_empty()
                    && condition != "delete"
                {
                    self.near_misses(&resolve::selector_pairs(selector));
                }
                for p in matched {
                    self.follow(p, depth);
                }
            }
            Target::Job {
                namespace, name, ..
            } => {
                let ns = namespace.clone().unwrap_or_else(|| self.home.clone());
                if ns != self.home || !is_label_value(name) {
                    return;
                }
                if let Some(Got::Job(Some(_))) = self.ask(Ask::Job(ns, name.clone())) {
                    for key in ["batch.kubernetes.io/job-name", "job-name"] {
                        let ask = Ask::PodsLabelled(self.home.clone(), format!("{key}={name}"));
                        for p in self.pods(ask).unwrap_or_default() {
                            self.follow(p, depth);
                        }
                    }
                }
            }
            Target::Local { .. } | Target::Sleep { .. } | Target::Workload { .. } => {}
        }
    }

    fn denotes(&mut self, denotes: &Denotes, depth: usize) {
        let (ns, service) = match denotes {
            Denotes::Service { namespace, name } => (namespace, name),
            Denotes::PodHostname {
                namespace, service, ..
            } => (namespace, service),
            Denotes::Ip(ip) => {
                let ip = ip.to_string();
                let by_ip = Ask::ServicesByIp(self.home.clone(), ip.clone());
                if let Some(Got::Services(services)) = self.ask(by_ip) {
                    for svc in services {
                        self.service(svc, depth);
                    }
                }
                let by_ip = Ask::PodsFielded(self.home.clone(), format!("status.podIP={ip}"));
                for p in self.pods(by_ip).unwrap_or_default() {
                    self.follow(p, depth);
                }
                return;
            }
            _ => return,
        };
        if *ns != self.home {
            // Only the pod's own namespace is looked into beyond the Service and its slices.
            return;
        }
        let Some(Got::Services(named) | Got::ServicesIn(_, named)) =
            self.ask(Ask::ServicesNamed(service.clone()))
        else {
            return;
        };
        match named
            .iter()
            .find(|s| s.metadata.namespace.as_deref() == Some(ns.as_str()))
        {
            Some(svc) => self.service(svc, depth),
            None => {
                // A missing Service: its near misses, and the labels a manifest would select.
                self.ask(Ask::ServiceNames(self.home.clone()));
                if is_label_value(service) {
                    for key in ["app.kubernetes.io/name", "app"] {
                        self.ask(Ask::PodsLabelled(
                            self.home.clone(),
                            format!("{key}={service}"),
                        ));
                    }
                }
            }
        }
    }

    /// A Service of the pod's namespace: its slices, the pods it selects or its endpoints name,
    /// and, when no pod backs it, the namespace's labels.
    fn service(&mut self, svc: &'a Service, depth: usize) {
        let name = svc.metadata.name.clone().unwrap_or_default();
        let slices = match self.ask(Ask::SlicesOf(name)) {
            Some(Got::Slices(slices)) => slices.as_slice(),
            _ => &[],
        };
        let selector = svc
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .filter(|s| !s.is_empty());
        let mut selected: Option<&'a [Pod]> = None;
        if let Some(selector) = selector {
            let ask = Ask::PodsLabelled(self.home.clone(), resolve::labels_text(selector));
            let unasked = !self.lookups.answers.contains_key(&ask);
            selected = self.pods(ask);
            // Its slices are there and name no endpoint: the selector most likely matches no
            // live pod (the EndpointSlice controller lists every selected pod that has an
            // address and is not terminal or deleted, ready or not), so the samples of its
            // near misses are asked beside its pods, not in one more round. Should it match
            // pods after all, the samples are not consulted (asked, never merged).
            if unasked && no_endpoints(slices, &self.home) {
                self.near_misses(selector);
            }
        }
        // The pods its endpoints name beyond the selector's, once the selector's are known.
        let referenced: Vec<String> = if selector.is_some() && selected.is_none() {
            Vec::new()
        } else {
            let listed: BTreeSet<&str> = selected
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p.metadata.name.as_deref())
                .collect();
            named_by_slices(slices, &self.home, &listed)
        };
        for pod_name in referenced {
            if is_label_value(&pod_name) {
                let ask = Ask::PodsFielded(self.home.clone(), format!("metadata.name={pod_name}"));
                for p in self.pods(ask).unwrap_or_default() {
                    self.follow(p, depth);
                }
            }
        }
        if let Some(pods) = selected {
            let live: Vec<&'a Pod> = pods.iter().filter(|p| !resolve::pod_terminal(p)).collect();
            if live.is_empty()
                && let Some(selector) = selector
            {
                self.near_misses(selector);
            }
            for p in live {
                self.follow(p, depth);
            }
        }
    }

    /// A selector that matches no live pod: the bounded samples its closest label sets come
    /// from — pods sharing one of its pairs or carrying one of its keys, then the pods of the
    /// owners' label sets nearest to it (once those are known).
    fn near_misses(&mut self, pairs: &BTreeMap<String, String>) {
        for selector in near::samples(pairs) {
            self.ask(Ask::PodsSample(self.home.clone(), selector, SAMPLE_PODS));
        }
        if pairs.is_empty() {
            return;
        }
        if let Some(Got::LabelSets(sets)) = self.ask(Ask::OwnerLabels(self.home.clone())) {
            for set in near::closest_owner_sets(pairs, sets) {
                let ask = Ask::PodsSample(self.home.clone(), set, OWNER_SET_PODS);
                self.ask(ask);
            }
        }
    }

    /// Plan the waits of a backing pod too: the findings follow it into its own init containers.
    fn follow(&mut self, pod: &'a Pod, depth: usize) {
        let name = pod.metadata.name.clone().unwrap_or_default();
        if depth + 1 >= MAX_CHAIN_DEPTH
            || self.followed.len() >= MAX_FOLLOWED
            || resolve::pod_terminal(pod)
            || !self.followed.insert(name)
        {
            return;
        }
        self.queue.push_back((pod, depth + 1));
    }

    /// The objects asked for so far, to resolve names as the findings will.
    fn objects_so_far(&mut self) -> Arc<WaitObjects> {
        self.so_far
            .get_or_insert_with(|| Arc::new(self.lookups.merge(&self.home, &self.asks)))
            .clone()
    }
}

/// True when `slices` hold a slice of namespace `home` and none of them names an endpoint.
fn no_endpoints(slices: &[Arc<EndpointSlice>], home: &str) -> bool {
    let mine: Vec<&EndpointSlice> = slices
        .iter()
        .map(|s| &**s)
        .filter(|s| s.metadata.namespace.as_deref() == Some(home))
        .collect();
    !mine.is_empty()
        && mine
            .iter()
            .all(|s| s.endpoints.as_ref().is_none_or(Vec::is_empty))
}

/// True for a name usable in a selector as is (a label value or an object name).
fn is_label_value(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

impl Lookups {
    /// The objects of one pod's waits: the answers of its own asks (what it would have had
    /// alone). A lookup not made counts as not found.
    pub fn objects(&self, pod: &Pod) -> WaitObjects {
        self.merge(
            pod.metadata.namespace.as_deref().unwrap_or_default(),
            &asks(pod, self),
        )
    }

    /// Several pods' objects, in their order; pods with the same lookups share them.
    pub fn objects_for_all<'a>(&self, pods: impl IntoIterator<Item = &'a Pod>) -> Vec<WaitObjects> {
        let mut memo: BTreeMap<(String, BTreeSet<Ask>), WaitObjects> = BTreeMap::new();
        pods.into_iter()
            .map(|pod| {
                let home = pod.metadata.namespace.clone().unwrap_or_default();
                memo.entry((home, asks(pod, self)))
                    .or_insert_with_key(|(home, asks)| self.merge(home, asks))
                    .clone()
            })
            .collect()
    }

    /// The answers of `asks` as the [`WaitObjects`] of a pod of namespace `home`.
    fn merge(&self, home: &str, asks: &BTreeSet<Ask>) -> WaitObjects {
        let mut objects = WaitObjects {
            fetched: true,
            cluster_domain: self.cluster_domain.clone(),
            ..Default::default()
        };
        let mut services: Vec<Service> = Vec::new();
        // By reference until the end: each object is cloned once, into the pod's objects.
        let mut pods: BTreeMap<&str, &Pod> = BTreeMap::new();
        let mut slices: BTreeMap<(&str, &str), &Arc<EndpointSlice>> = BTreeMap::new();
        for ask in asks {
            let got = match self.answers.get(ask) {
                None => continue,
                Some(Err(problem)) => {
                    objects.problems.push(problem.clone());
                    continue;
                }
                Some(Ok(got)) => &**got,
            };
            match (ask, got) {
                (Ask::ServicesNamed(_), Got::Services(found)) => {
                    objects.services_by_name.extend(found.iter().cloned());
                }
                (_, Got::ServicesIn(namespaces, found)) => {
                    objects.services_by_name.extend(found.iter().cloned());
                    for ns in namespaces {
                        if !objects.services_only_in.contains(ns) {
                            objects.services_only_in.push(ns.clone());
                        }
                    }
                }
                (_, Got::Services(found)) => services.extend(found.iter().cloned()),
                (_, Got::Slices(found)) => {
                    for s in found {
                        let key = (
                            s.metadata.namespace.as_deref().unwrap_or_default(),
                            s.metadata.name.as_deref().unwrap_or_default(),
                        );
                        slices.entry(key).or_insert(s);
                    }
                }
                (_, Got::Pods(found)) => {
                    for p in found {
                        let name = p.metadata.name.as_deref().unwrap_or_default();
                        // A full pod wins over its metadata.
                        match pods.get(name) {
                            Some(had) if had.spec.is_some() || p.spec.is_none() => {}
                            _ => {
                                pods.insert(name, p);
                            }
                        }
                    }
                }
                (_, Got::ConfigMap(found)) => objects
                    .config_maps
                    .extend(found.iter().map(|c| (**c).clone())),
                (_, Got::Job(found)) => objects.jobs.extend(found.iter().map(|j| (**j).clone())),
                (_, Got::Service(found)) => objects.cluster_dns = found.as_deref().cloned(),
                (_, Got::LabelSets(_)) => {}
            }
        }
        objects.problems.dedup();
        objects.services = Arc::new(services);
        objects.pods = Arc::new(pods.into_values().cloned().collect());
        // Shared, not copied: the slices of a Service may name thousands of endpoints.
        let (here, elsewhere): (SharedSlices, SharedSlices) = slices
            .into_values()
            .cloned()
            .partition(|s| s.metadata.namespace.as_deref() == Some(home));
        objects.endpoint_slices = here;
        objects.other_slices = elsewhere;
        objects
    }
}

/// Split one batched EndpointSlice list into the answer of each name it selected (each slice
/// shared, not copied).
pub fn split_slices(
    names: &[String],
    answer: Answer<Vec<EndpointSlice>>,
) -> Vec<(Ask, Answer<Arc<Got>>)> {
    let answer = answer.map(shared_slices);
    names
        .iter()
        .map(|name| {
            let mine = answer.as_ref().map(|slices| {
                Arc::new(Got::Slices(
                    slices
                        .iter()
                        .filter(|s| {
                            s.metadata
                                .labels
                                .as_ref()
                                .and_then(|l| l.get(SERVICE_NAME_LABEL))
                                == Some(name)
                        })
                        .cloned()
                        .collect(),
                ))
            });
            (Ask::SlicesOf(name.clone()), mine.map_err(String::clone))
        })
        .collect()
}

#[cfg(test)]
#[path = "shared_tests.rs"]
mod tests;
