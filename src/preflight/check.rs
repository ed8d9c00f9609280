//! The fate of each workload and the findings about its init containers.
//!
//! Every workload with init containers starts as blocked; a round checks each blocked one
//! against the world as the fates so far make it, and one whose init containers wait on
//! nothing that blocks is Ready from then on (its pods back their Services, its Job
//! completes). Fates only go from blocked to Ready, so the rounds end (at most one per
//! workload); what is still blocked then waits on something missing, or on another blocked
//! workload — itself ([`WaitsOnItself`](super::CODES)) or through a loop (`WaitCycle`).

use std::collections::BTreeSet;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::bundle::{Bundle, Workload};
use super::graph;
use super::refs::{self, Known};
use super::server;
use super::world::{self, Fate, Live};
use super::{Report, WorkloadReport};
use crate::finding::{Finding, Severity};
use crate::status::is_sidecar;
use crate::waits::resolve::selector_matches;
use crate::waits::{self, WaitObjects};

/// How a run is made.
#[derive(Debug, Clone)]
pub struct Options {
    /// The namespace objects without one go to.
    pub namespace: String,
    /// The cluster DNS domain.
    pub domain: String,
    /// The live namespace was read (not `--offline`).
    pub live: bool,
}

/// Codes that say a wait will succeed: not shown by `preflight`.
const SUCCEEDS: &[&str] = &["ResolvesButWaits"];

/// The report for `bundle` over `live`.
pub fn run(bundle: &Bundle, live: &Live, opts: &Options, now: Timestamp) -> Report {
    let workloads = &bundle.workloads;
    let mut fates: Vec<Fate> = workloads
        .iter()
        .map(|w| {
            if inits(&w.pod).is_empty() {
                Fate::Ready
            } else {
                Fate::Blocked(0)
            }
        })
        .collect();
    let secrets: Vec<_> = bundle
        .secrets
        .iter()
        .cloned()
        .chain(
            live.secrets
                .iter()
                .filter(|s| {
                    !bundle
                        .secrets
                        .iter()
                        .any(|b| b.name == s.name && b.namespace == s.namespace)
                })
                .cloned(),
        )
        .collect();
    let mut objects = world::objects(bundle, live, &fates, &opts.domain);
    // The ConfigMaps do not depend on the fates.
    let maps = objects.config_maps.clone();
    let known = Known {
        config_maps: &maps,
        secrets: &secrets,
        live_config_maps: read(live, opts, "configmaps"),
        live_secrets: read(live, opts, "secrets"),
    };
    // Each round makes at least one more workload Ready, or is the last.
    for _ in 0..=workloads.len() {
        let mut changed = false;
        for (i, w) in workloads.iter().enumerate() {
            if fates[i] == Fate::Ready {
                continue;
            }
            let found = findings(w, &objects, &known, now);
            match first_blocking(&w.pod, &found) {
                None => {
                    fates[i] = Fate::Ready;
                    changed = true;
                }
                Some(index) => fates[i] = Fate::Blocked(index),
            }
        }
        objects = world::objects(bundle, live, &fates, &opts.domain);
        if !changed {
            break;
        }
    }
    let mut all: Vec<Vec<Finding>> = workloads
        .iter()
        .map(|w| {
            if inits(&w.pod).is_empty() {
                Vec::new()
            } else {
                findings(w, &objects, &known, now)
            }
        })
        .collect();
    loops(bundle, &fates, &mut all);
    let reports = workloads
        .iter()
        .zip(all)
        .filter(|(w, _)| !inits(&w.pod).is_empty())
        .map(|(w, mut found)| {
            for f in &mut found {
                localhost_evidence(&w.pod, f);
            }
            let blocking = first_blocking(&w.pod, &found);
            found.sort_by_key(|f| {
                (
                    std::cmp::Reverse(f.severity),
                    container_index(&w.pod, f.container.as_deref()),
                )
            });
            WorkloadReport {
                kind: w.kind.clone(),
                namespace: w.namespace.clone(),
                name: w.name.clone(),
                source: w.source.clone(),
                pod: w.pod.metadata.name.clone().unwrap_or_default(),
                will_block: blocking.is_some(),
                blocking: blocking.and_then(|i| inits(&w.pod).get(i).map(|c| c.name.clone())),
                findings: found,
            }
        })
        .collect();
    let mut problems = bundle.problems.clone();
    problems.extend(live.problems.iter().cloned());
    Report {
        namespace: opts.namespace.clone(),
        cluster: opts.live,
        workloads: reports,
        problems,
    }
}

/// True when the live namespace's `resource` was listed.
fn read(live: &Live, opts: &Options, resource: &str) -> bool {
    opts.live && !live.unread.iter().any(|r| r == resource)
}

fn inits(pod: &Pod) -> &[k8s_openapi::api::core::v1::Container] {
    pod.spec
        .as_ref()
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[])
}

fn container_index(pod: &Pod, name: Option<&str>) -> usize {
    inits(pod)
        .iter()
        .position(|c| Some(c.name.as_str()) == name)
        .unwrap_or(usize::MAX)
}

/// The findings about `w`'s init containers in `objects`: what each waits on, the env it
/// reads, a server among them. Waits that will succeed are left out.
fn findings(w: &Workload, objects: &WaitObjects, known: &Known, now: Timestamp) -> Vec<Finding> {
    let mut out: Vec<Finding> = waits::findings_each(&w.pod, Some(objects), now)
        .into_iter()
        .filter(|f| !SUCCEEDS.contains(&f.code.as_str()))
        .map(before_apply)
        .collect();
    out.extend(refs::missing(&w.pod, known));
    out.extend(server::servers(&w.pod));
    out
}

/// `f` as it reads before anything is applied: what could not be checked is information (there
/// is no log to read yet), and a fix that reads the pod's logs or explains a pod that does not
/// exist yet points at the manifests instead.
fn before_apply(mut f: Finding) -> Finding {
    match f.code.as_str() {
        "WaitNotUnderstood" | "TargetUnknown" => {
            f.severity = Severity::Info;
            f.hint = "not checked: make sure by hand that what it waits on will exist".into();
        }
        "ServiceEndpointsNotReady" | "HeadlessNotResolvable" => {
            f.hint = "the workloads behind it will not get Ready: fix what blocks them (their findings are listed too)".into();
        }
        _ if f.hint.contains("kubectl logs ") || f.hint.contains("initdoctor explain") => {
            f.hint = String::new();
        }
        _ => {}
    }
    f
}

/// The index of the first init container with an error among `found`.
fn first_blocking(pod: &Pod, found: &[Finding]) -> Option<usize> {
    found
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| container_index(pod, f.container.as_deref()))
        .min()
        .map(|i| i.min(inits(pod).len().saturating_sub(1)))
}

/// The workloads behind what `f` (of a workload in `ns`) waits on: the pods of the bundle a
/// Service selects, or the bundle's Job.
fn behind(bundle: &Bundle, f: &Finding) -> Vec<usize> {
    let Some(target) = &f.resolved else {
        return Vec::new();
    };
    match target.kind.as_str() {
        "Service" => {
            let Some(svc) = bundle.services.iter().find(|s| {
                s.metadata.name.as_deref() == Some(&target.name)
                    && s.metadata.namespace.as_deref() == Some(&target.namespace)
            }) else {
                return Vec::new();
            };
            let Some(selector) = svc
                .spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .filter(|s| !s.is_empty())
            else {
                return Vec::new();
            };
            bundle
                .workloads
                .iter()
                .enumerate()
                .filter(|(_, w)| {
                    w.namespace == target.namespace
                        && selector_matches(selector, w.pod.metadata.labels.as_ref())
                })
                .map(|(i, _)| i)
                .collect()
        }
        "Job" => bundle
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                w.kind == "Job" && w.name == target.name && w.namespace == target.namespace
            })
            .map(|(i, _)| i)
            .collect(),
        _ => Vec::new(),
    }
}

/// Errors that mean the target is there but not ready: the wait can end only when what is
/// behind it gets past its own init containers.
fn waits_on_readiness(f: &Finding) -> bool {
    f.severity == Severity::Error
        && (matches!(
            f.code.as_str(),
            "ServiceEndpointsNotReady" | "HeadlessNotResolvable" | "WaitingOnJob" | "WaitingOnPod"
        ) || (f.code == waits::findings::CHECK_WILL_FAIL
            && f.evidence.iter().any(|e| {
                e == "cause: ServiceEndpointsNotReady" || e == "cause: HeadlessNotResolvable"
            })))
}

/// Waits on the workload itself (`WaitsOnItself`) or around a loop of workloads (`WaitCycle`).
fn loops(bundle: &Bundle, fates: &[Fate], all: &mut [Vec<Finding>]) {
    let blocked = |i: usize| fates.get(i).is_some_and(|f| *f != Fate::Ready);
    let edges: Vec<BTreeSet<usize>> = all
        .iter()
        .map(|found| {
            found
                .iter()
                .filter(|f| waits_on_readiness(f))
                .flat_map(|f| behind(bundle, f))
                .filter(|t| blocked(*t))
                .collect()
        })
        .collect();
    let name = |i: usize| {
        bundle
            .workloads
            .get(i)
            .map(|w| format!("{} {}", w.kind, w.name))
            .unwrap_or_default()
    };
    for (i, found) in all.iter_mut().enumerate() {
        for f in found.iter_mut().filter(|f| waits_on_readiness(f)) {
            let targets: Vec<usize> = behind(bundle, f)
                .into_iter()
                .filter(|t| blocked(*t))
                .collect();
            let what = f
                .resolved
                .as_ref()
                .map(|r| format!("{} {}", r.kind, r.name))
                .unwrap_or_default();
            if targets.contains(&i) {
                f.evidence.insert(0, format!("cause: {}", f.code));
                f.code = "WaitsOnItself".into();
                f.message = format!(
                    "waits for {what}, which is backed by this workload's own pods: they are ready only after these init containers finish"
                );
                f.hint = format!(
                    "do not wait for the workload's own {what} in an init container: wait for the dependency's Service instead; for peers that must find each other before they are ready, set `publishNotReadyAddresses: true` on a headless Service"
                );
                continue;
            }
            let cycle = targets
                .iter()
                .filter_map(|t| graph::path(&edges, *t, i))
                .min_by_key(Vec::len);
            if let Some(path) = cycle {
                let mut names = vec![name(i)];
                names.extend(path.iter().map(|j| name(*j)));
                f.evidence.insert(0, format!("cause: {}", f.code));
                f.evidence.push(format!("loop: {}", names.join(" → ")));
                f.code = "WaitCycle".into();
                f.message = format!(
                    "waits for {what}, which waits (through {}) for this workload: none of them ever starts",
                    names[1..names.len() - 1].join(", ")
                );
                f.hint = "break the loop: one of these must start without waiting for the other (drop or move one wait, or make the dependency's check not need the other running)".into();
            }
        }
    }
}

/// For a wait on `localhost`: the container of the pod that declares the port, if any, and
/// why it cannot serve it yet.
fn localhost_evidence(pod: &Pod, f: &mut Finding) {
    if f.code != "WaitsOnLocalhost" {
        return;
    }
    let Some(port) = f
        .target
        .as_deref()
        .and_then(|t| t.rsplit(':').next())
        .and_then(|p| p.parse::<i32>().ok())
    else {
        return;
    };
    let Some(spec) = pod.spec.as_ref() else {
        return;
    };
    let declares = |c: &&k8s_openapi::api::core::v1::Container| {
        c.ports.iter().flatten().any(|p| p.container_port == port)
    };
    if let Some(app) = spec.containers.iter().find(declares) {
        f.evidence.push(format!(
            "app container {} declares port {port}: it starts only after every init container has finished",
            app.name
        ));
        f.hint = format!(
            "if {} is what it waits for, run it as a native sidecar (an init container with `restartPolicy: Always`, before this one), or drop the wait",
            app.name
        );
    } else if let Some(init) = inits(pod).iter().filter(|c| !is_sidecar(c)).find(declares) {
        f.evidence.push(format!(
            "init container {} declares port {port}: as a plain init container it must exit before the next starts, so it never serves this one",
            init.name
        ));
        f.hint = format!(
            "make {} a native sidecar: add `restartPolicy: Always` to it",
            init.name
        );
    }
}
