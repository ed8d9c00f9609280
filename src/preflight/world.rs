//! The world a bundle's waits are checked against: the bundle's objects over the live
//! namespace's (a bundle object replaces the live one of the same kind and name, as applying it
//! would), with what applying it will bring about — a Service with a selector gets endpoints
//! from the workloads (of the bundle or the cluster) its selector matches, ready when their
//! pods will be; a Job of the bundle completes when its pod gets past its init containers.
//! Pure: the bundle, the live objects and each workload's [`Fate`] in, [`WaitObjects`] out.

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus};
use k8s_openapi::api::core::v1::{
    ConfigMap, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStatus,
    ObjectReference, Pod, PodCondition, PodStatus, Service,
};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::bundle::{Bundle, SecretKeys};
use crate::status::is_sidecar;
use crate::waits::WaitObjects;
use crate::waits::resolve::{SERVICE_NAME_LABEL, pod_ready, selector_matches};

/// What the live namespace holds (read-only, as `explain` reads it); empty with `--offline`.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub services: Vec<Service>,
    pub slices: Vec<EndpointSlice>,
    pub pods: Vec<Pod>,
    pub config_maps: Vec<ConfigMap>,
    pub secrets: Vec<SecretKeys>,
    pub jobs: Vec<Job>,
    /// What could not be read, one line each.
    pub problems: Vec<String>,
    /// The resources that could not be listed (`secrets`, `configmaps`, …): what is missing
    /// from them is not known to be missing.
    pub unread: Vec<String>,
    /// In every namespace, the Services named like a wait target ([`service_names`]) and their
    /// EndpointSlices, as `explain` reads them: a Service of that name elsewhere
    /// (`ServiceInOtherNamespace`). Empty when the list of every namespace was refused.
    pub services_named: Vec<Service>,
    pub slices_named: Vec<EndpointSlice>,
}

/// How many names a bundle's waits name are looked up in every namespace.
pub const SERVICE_NAMES_READ: usize = 16;

/// The Service names the bundle's init containers wait on (a host's first label, and its
/// second: `web-0.nginx`), to look up in every namespace; at most [`SERVICE_NAMES_READ`].
pub fn service_names(bundle: &Bundle) -> Vec<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for w in &bundle.workloads {
        let inits = w
            .pod
            .spec
            .iter()
            .flat_map(|s| s.init_containers.iter().flatten());
        for container in inits {
            for check in crate::command::extract(&w.pod, container, None).checks {
                if let crate::command::Target::Host(h) = &check.target {
                    match &h.host {
                        crate::command::Part::Known(name) => {
                            names.extend(crate::waits::candidate_services(name));
                        }
                        crate::command::Part::ServiceLink(s) => {
                            names.insert(s.clone());
                        }
                        crate::command::Part::Unknown(_) => {}
                    }
                }
            }
        }
    }
    names
        .into_iter()
        .filter(|n| crate::validate::object_name_in_path(n))
        .take(SERVICE_NAMES_READ)
        .collect()
}

/// What a workload's pod will come to, once applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Its init containers finish: it runs, and is counted Ready.
    Ready,
    /// It stays in this init container (index in the spec).
    Blocked(usize),
}

fn key(namespace: Option<&String>, name: Option<&String>) -> (String, String) {
    (
        namespace.cloned().unwrap_or_default(),
        name.cloned().unwrap_or_default(),
    )
}

/// The namespace and name of the Service an EndpointSlice belongs to (its
/// `kubernetes.io/service-name` label).
fn slice_service(slice: &EndpointSlice) -> (String, String) {
    let service = slice
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(SERVICE_NAME_LABEL));
    key(slice.metadata.namespace.as_ref(), service)
}

/// The objects the waits of the bundle's pods see, given each workload's fate (in the order of
/// `bundle.workloads`).
pub fn objects(bundle: &Bundle, live: &Live, fates: &[Fate], domain: &str) -> WaitObjects {
    // A StatefulSet's other pods (`name-1`…) are as its first: named, resolvable, ready alike.
    let pods: Vec<Pod> = bundle
        .workloads
        .iter()
        .zip(fates)
        .flat_map(|(w, fate)| {
            let pod = with_status(&w.pod, *fate);
            let siblings: Vec<Pod> = w.siblings.iter().map(|n| sibling(&pod, n)).collect();
            std::iter::once(pod).chain(siblings)
        })
        .collect();
    let names = |m: &ObjectMeta| key(m.namespace.as_ref(), m.name.as_ref());
    let ours_pods: BTreeSet<_> = pods.iter().map(|p| names(&p.metadata)).collect();
    let live_pods = live
        .pods
        .iter()
        .filter(|p| !ours_pods.contains(&names(&p.metadata)));
    let all_pods: Vec<Pod> = pods.iter().cloned().chain(live_pods.cloned()).collect();

    let ours_services: BTreeSet<_> = bundle.services.iter().map(|s| names(&s.metadata)).collect();
    let services: Vec<Service> = bundle
        .services
        .iter()
        .map(unassigned_ip)
        .chain(
            live.services
                .iter()
                .filter(|s| !ours_services.contains(&names(&s.metadata)))
                .cloned(),
        )
        .collect();
    // Live slices of Services the bundle replaces no longer count: their selector may change.
    let mut slices: Vec<EndpointSlice> = live
        .slices
        .iter()
        .filter(|s| !ours_services.contains(&slice_service(s)))
        .cloned()
        .collect();
    // Those named like a target elsewhere, but for the ones already in (the bundle's replace them).
    let known: BTreeSet<_> = services.iter().map(|s| names(&s.metadata)).collect();
    let services_by_name: Vec<Service> = services
        .iter()
        .cloned()
        .chain(
            live.services_named
                .iter()
                .filter(|s| !known.contains(&names(&s.metadata)))
                .cloned(),
        )
        .collect();
    let known_slices: BTreeSet<_> = slices.iter().map(|s| names(&s.metadata)).collect();
    let named_slices: Vec<EndpointSlice> = live
        .slices_named
        .iter()
        .filter(|s| {
            !known_slices.contains(&names(&s.metadata))
                && !ours_services.contains(&slice_service(s))
        })
        .cloned()
        .collect();
    slices.extend(named_slices);
    for svc in &services {
        let from_bundle = ours_services.contains(&names(&svc.metadata));
        // A live Service keeps its live endpoints; the bundle's pods are added to them.
        let backers: Vec<&Pod> = if from_bundle {
            all_pods.iter().collect()
        } else {
            pods.iter().collect()
        };
        slices.extend(slice(svc, &backers));
    }

    let ours_maps: BTreeSet<_> = bundle
        .config_maps
        .iter()
        .map(|c| names(&c.metadata))
        .collect();
    let config_maps = bundle
        .config_maps
        .iter()
        .cloned()
        .chain(
            live.config_maps
                .iter()
                .filter(|c| !ours_maps.contains(&names(&c.metadata)))
                .cloned(),
        )
        .collect();

    let ours_jobs: BTreeSet<_> = bundle.jobs.iter().map(|j| names(&j.metadata)).collect();
    let jobs = bundle
        .jobs
        .iter()
        .map(|j| {
            let fate = bundle
                .workloads
                .iter()
                .zip(fates)
                .find(|(w, _)| {
                    w.kind == "Job"
                        && Some(&w.name) == j.metadata.name.as_ref()
                        && Some(&w.namespace) == j.metadata.namespace.as_ref()
                })
                .map(|(_, f)| *f);
            job_with_status(j, fate == Some(Fate::Ready))
        })
        .chain(
            live.jobs
                .iter()
                .filter(|j| !ours_jobs.contains(&names(&j.metadata)))
                .cloned(),
        )
        .collect();

    WaitObjects {
        fetched: true,
        cluster_domain: domain.to_string(),
        services: Arc::new(services),
        endpoint_slices: crate::waits::shared_slices(slices),
        pods: Arc::new(all_pods),
        config_maps,
        services_by_name,
        services_only_in: Vec::new(),
        other_slices: Vec::new(),
        jobs,
        cluster_dns: None,
        problems: live.problems.clone(),
    }
}

/// `pod` named `name`, its hostname too.
fn sibling(pod: &Pod, name: &str) -> Pod {
    let mut p = pod.clone();
    p.metadata.name = Some(name.to_string());
    if let Some(spec) = p.spec.as_mut() {
        spec.hostname = Some(name.to_string());
    }
    p
}

/// `svc` with its ClusterIP, when the API server is to assign it, said so (for evidence).
fn unassigned_ip(svc: &Service) -> Service {
    let mut svc = svc.clone();
    if let Some(spec) = svc.spec.as_mut()
        && spec.cluster_ip.as_deref().is_none_or(str::is_empty)
    {
        spec.cluster_ip = Some("(assigned on apply)".into());
    }
    svc
}

/// The EndpointSlice `svc` will have: an endpoint per pod its selector matches in its
/// namespace, ready as the pod is. None for a Service without a selector or with no such pod.
fn slice(svc: &Service, pods: &[&Pod]) -> Option<EndpointSlice> {
    let spec = svc.spec.as_ref()?;
    let selector = spec.selector.as_ref().filter(|s| !s.is_empty())?;
    let ns = svc.metadata.namespace.as_deref();
    let name = svc.metadata.name.clone().unwrap_or_default();
    let endpoints: Vec<Endpoint> = pods
        .iter()
        .filter(|p| p.metadata.namespace.as_deref() == ns)
        .filter(|p| selector_matches(selector, p.metadata.labels.as_ref()))
        .map(|p| {
            let pspec = p.spec.as_ref();
            let hostname = pspec
                .filter(|s| s.subdomain.as_deref() == Some(name.as_str()))
                .and_then(|s| s.hostname.clone());
            Endpoint {
                // A documentation address (RFC 5737): the pod has none before it runs.
                addresses: vec!["192.0.2.1".into()],
                conditions: Some(EndpointConditions {
                    ready: Some(pod_ready(p)),
                    ..Default::default()
                }),
                hostname,
                target_ref: Some(ObjectReference {
                    kind: Some("Pod".into()),
                    name: p.metadata.name.clone(),
                    namespace: p.metadata.namespace.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    if endpoints.is_empty() {
        return None;
    }
    let ports = spec
        .ports
        .iter()
        .flatten()
        .map(|sp| EndpointPort {
            name: Some(sp.name.clone().unwrap_or_default()),
            port: Some(match &sp.target_port {
                Some(IntOrString::Int(p)) => *p,
                _ => sp.port,
            }),
            protocol: sp.protocol.clone(),
            ..Default::default()
        })
        .collect();
    Some(EndpointSlice {
        metadata: ObjectMeta {
            name: Some(format!("{name}-preflight")),
            namespace: svc.metadata.namespace.clone(),
            labels: Some([(SERVICE_NAME_LABEL.to_string(), name)].into()),
            ..Default::default()
        },
        address_type: "IPv4".into(),
        endpoints: Some(endpoints),
        ports: Some(ports),
    })
}

/// `pod` as it will be: Running and Ready, or held in init container `index` (the ones
/// before it done, sidecars started).
pub fn with_status(pod: &Pod, fate: Fate) -> Pod {
    let condition = |type_: &str, ok: bool| PodCondition {
        type_: type_.into(),
        status: if ok { "True" } else { "False" }.into(),
        ..Default::default()
    };
    let inits = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let status = match fate {
        Fate::Ready => PodStatus {
            phase: Some("Running".into()),
            conditions: Some(vec![
                condition("Initialized", true),
                condition("Ready", true),
                condition("ContainersReady", true),
            ]),
            ..Default::default()
        },
        Fate::Blocked(index) => PodStatus {
            phase: Some("Pending".into()),
            conditions: Some(vec![
                condition("Initialized", false),
                condition("Ready", false),
            ]),
            init_container_statuses: Some(
                inits
                    .iter()
                    .enumerate()
                    .take(index + 1)
                    .map(|(i, c)| {
                        let done = i < index && !is_sidecar(c);
                        ContainerStatus {
                            name: c.name.clone(),
                            image: c.image.clone().unwrap_or_default(),
                            ready: false,
                            started: Some(i < index),
                            state: Some(if done {
                                ContainerState {
                                    terminated: Some(ContainerStateTerminated {
                                        exit_code: 0,
                                        reason: Some("Completed".into()),
                                        ..Default::default()
                                    }),
                                    ..Default::default()
                                }
                            } else {
                                ContainerState {
                                    running: Some(ContainerStateRunning::default()),
                                    ..Default::default()
                                }
                            }),
                            ..Default::default()
                        }
                    })
                    .collect(),
            ),
            ..Default::default()
        },
    };
    Pod {
        status: Some(status),
        ..pod.clone()
    }
}

fn job_with_status(job: &Job, complete: bool) -> Job {
    let conditions = complete.then(|| {
        vec![JobCondition {
            type_: "Complete".into(),
            status: "True".into(),
            ..Default::default()
        }]
    });
    Job {
        status: Some(JobStatus {
            conditions,
            ..Default::default()
        }),
        ..job.clone()
    }
}
