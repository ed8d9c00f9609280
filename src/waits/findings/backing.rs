//! Backing pods and chains: what stands behind a Service, and a backing pod stuck in its own
//! init containers followed to what *it* waits on (bounded, never twice through one pod).

use super::Walk;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::{MAX_CHAIN_DEPTH, MAX_PODS_SHOWN, check_findings, one_line};
use crate::command::{self, Tool};
use crate::status;
use crate::timeline::{self};
use crate::waits::resolve::{self, World};

/// What stands behind a Service: its slices, ready and not-ready endpoints, selected pods.
pub(super) struct Backing<'a> {
    pub(super) slices: Vec<&'a EndpointSlice>,
    pub(super) ready: Vec<String>,
    pub(super) ready_pods: Vec<&'a Pod>,
    /// Not-ready endpoints or selected pods: name, and the pod when listed.
    pub(super) not_ready: Vec<(String, Option<&'a Pod>)>,
    pub(super) selector: Option<BTreeMap<String, String>>,
    /// Pods of the namespace (for the closest label sets), when listed.
    pub(super) pods: Option<&'a [Pod]>,
    pub(super) slice_ports: Vec<i32>,
    pub(super) ns: String,
}

pub(super) fn backing<'a>(
    world: &World<'a>,
    svc: &'a Service,
    ns: &str,
    name: &str,
    port_name: Option<&str>,
) -> Backing<'a> {
    let slices = world.slices(ns, name);
    let selector = svc
        .spec
        .as_ref()
        .and_then(|s| s.selector.clone())
        .filter(|s| !s.is_empty());
    let pods = world.pods(ns);
    let mut b = Backing {
        slices: slices.clone(),
        ready: Vec::new(),
        ready_pods: Vec::new(),
        not_ready: Vec::new(),
        selector: selector.clone(),
        pods,
        slice_ports: Vec::new(),
        ns: ns.to_string(),
    };
    // The names already counted not ready: each endpoint is looked at once (5,000 endpoints
    // cost 5,000 lookups here, not 12 million comparisons).
    let mut seen_not_ready = std::collections::HashSet::new();
    for slice in &slices {
        let slice_ports = slice.ports.as_deref().unwrap_or(&[]);
        b.slice_ports
            .extend(slice_ports.iter().filter_map(|p| p.port));
        if let Some(wanted) = port_name
            && !slice_ports
                .iter()
                .any(|p| p.name.as_deref().unwrap_or("") == wanted)
        {
            continue;
        }
        for ep in slice.endpoints.iter().flatten() {
            let pod_ref = ep
                .target_ref
                .as_ref()
                .filter(|r| r.kind.as_deref() == Some("Pod"))
                .and_then(|r| r.name.clone());
            let label = match &pod_ref {
                Some(p) => p.clone(),
                None => ep.addresses.join(","),
            };
            let pod = pod_ref.as_deref().and_then(|p| world.pod_named(ns, p));
            if resolve::endpoint_ready(ep) {
                b.ready.push(label);
                b.ready_pods.extend(pod);
            } else if seen_not_ready.insert(label.clone()) {
                b.not_ready.push((label, pod));
            }
        }
    }
    if b.ready.is_empty()
        && b.not_ready.is_empty()
        && let (Some(sel), Some(pods)) = (&selector, pods)
    {
        for p in pods {
            if resolve::selector_matches(sel, p.metadata.labels.as_ref())
                && !resolve::pod_terminal(p)
            {
                b.not_ready
                    .push((p.metadata.name.clone().unwrap_or_default(), Some(p)));
            }
        }
    }
    b
}

impl<'a> Backing<'a> {
    /// `EndpointSlice x (0 of 1 ready)`, `Pods a (Init:0/1), …`.
    pub(super) fn chain(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.slices.is_empty() {
            out.push("no EndpointSlice".into());
        } else {
            let total: usize = self
                .slices
                .iter()
                .map(|s| s.endpoints.as_ref().map_or(0, Vec::len))
                .sum();
            let ready: usize = self
                .slices
                .iter()
                .map(|s| {
                    s.endpoints
                        .iter()
                        .flatten()
                        .filter(|e| resolve::endpoint_ready(e))
                        .count()
                })
                .sum();
            let names: Vec<String> = self
                .slices
                .iter()
                .filter_map(|s| s.metadata.name.clone())
                .collect();
            out.push(format!(
                "EndpointSlice {} ({ready} of {total} ready)",
                names.join(", ")
            ));
        }
        let mut pods: Vec<String> = self
            .ready
            .iter()
            .take(MAX_PODS_SHOWN)
            .map(|r| format!("{r} (Ready)"))
            .collect();
        pods.extend(
            self.not_ready
                .iter()
                .take(MAX_PODS_SHOWN)
                .map(|(n, p)| match p {
                    Some(p) => format!("{n} ({})", pod_state(p)),
                    None => format!("{n} (not ready)"),
                }),
        );
        if !pods.is_empty() {
            out.push(format!("Pods {}", pods.join(", ")));
        }
        out
    }

    pub(super) fn why_none(&self) -> String {
        if !self.not_ready.is_empty() {
            return self.not_ready_summary();
        }
        match &self.selector {
            Some(sel) => format!(
                "its selector {} matches no pod in namespace {}",
                resolve::labels_text(sel),
                self.ns
            ),
            None => "it has no selector and no EndpointSlice".into(),
        }
    }

    pub(super) fn not_ready_summary(&self) -> String {
        let n = self.not_ready.len();
        let shown: Vec<String> = self
            .not_ready
            .iter()
            .take(MAX_PODS_SHOWN)
            .map(|(name, p)| match p {
                Some(p) => format!("{name} is {}", pod_state(p)),
                None => format!("{name} is not ready"),
            })
            .collect();
        let more = if n > MAX_PODS_SHOWN {
            format!(" and {} more", n - MAX_PODS_SHOWN)
        } else {
            String::new()
        };
        format!(
            "{n} backing pod{} not Ready ({}{more})",
            if n == 1 { " is" } else { "s are" },
            shown.join(", ")
        )
    }

    /// Evidence: the closest label sets, or each not-ready pod and what blocks it.
    pub(super) fn details(&self, w: Walk) -> Vec<String> {
        let mut out = Vec::new();
        if self.not_ready.is_empty() {
            if let (Some(sel), Some(pods)) = (&self.selector, self.pods) {
                out.push(format!("selector: {}", resolve::labels_text(sel)));
                let closest = resolve::closest_label_sets(sel, pods, 3);
                if closest.is_empty() {
                    out.push(format!(
                        "no pod in namespace {} has any of these labels",
                        self.ns
                    ));
                }
                for (pod, labels) in closest {
                    out.push(format!("closest: pod {pod} has labels {labels}"));
                }
            }
            return out;
        }
        for (name, pod) in self.not_ready.iter().take(MAX_PODS_SHOWN) {
            match pod {
                Some(p) => out.extend(follow(w, p)),
                None => out.push(format!(
                    "pod {name}: not ready (in namespace {}, not listed)",
                    self.ns
                )),
            }
        }
        out
    }

    pub(super) fn hint(&self, world: &World, name: &str) -> String {
        if !self.not_ready.is_empty() {
            let first = &self.not_ready[0].0;
            return format!(
                "find out why {first} is not Ready: `kubectl initdoctor explain {first} -n {}`",
                self.ns
            );
        }
        match &self.selector {
            Some(_) => format!(
                "create the pods the selector names, or fix the selector or their labels (`kubectl get pods -n {} --show-labels`)",
                self.ns
            ),
            None => format!(
                "give Service {name} a selector, or create an EndpointSlice labelled {}={name} for it (namespace {})",
                resolve::SERVICE_NAME_LABEL,
                if self.ns.is_empty() {
                    world.namespace
                } else {
                    &self.ns
                }
            ),
        }
    }
}

/// `Init:0/1`, `Running, not Ready`, `Pending, no IP yet`.
pub(super) fn pod_state(pod: &Pod) -> String {
    let status = status::pod_status(pod);
    if status == "Running" && !resolve::pod_ready(pod) {
        return "Running, not Ready".into();
    }
    status
}

/// One not-ready pod and, when it is stuck in init, what its blocker waits on (recursively).
pub(super) fn follow(w: Walk, pod: &Pod) -> Vec<String> {
    let Walk {
        world,
        depth,
        visited,
        ..
    } = w;
    let name = pod.metadata.name.clone().unwrap_or_default();
    let indent = "  ".repeat(depth);
    let mut out = vec![format!("{indent}pod {name}: {}", pod_state(pod))];
    if !visited.borrow_mut().insert(name.clone()) {
        out.push(format!(
            "{indent}  ↳ already followed: the waits form a loop"
        ));
        return out;
    }
    if depth + 1 >= MAX_CHAIN_DEPTH {
        return out;
    }
    let rows = timeline::rows(pod);
    let Some(blocking) = timeline::blocking(pod, &rows) else {
        return out;
    };
    let Some(container) = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .and_then(|i| i.get(blocking.index))
    else {
        return out;
    };
    let ext = command::extract(
        pod,
        container,
        world.objects.map(|o| o.config_maps.as_slice()),
    );
    let sub = World { pod, ..*world };
    let before = out.len();
    for check in &ext.checks {
        if check.tool == Tool::Sleep && check.in_loop {
            continue;
        }
        let deeper = Walk {
            world: &sub,
            ext: &ext,
            row: rows.get(blocking.index),
            depth: depth + 1,
            ..w
        };
        for f in check_findings(deeper, check) {
            out.push(format!(
                "{indent}  ↳ its init container {} waits for `{}`: {}: {}",
                ext.container,
                f.target.as_deref().unwrap_or("?"),
                f.code,
                f.message
            ));
            out.extend(
                f.evidence
                    .iter()
                    .filter(|e| {
                        e.trim_start().starts_with("pod ") || e.trim_start().starts_with("↳")
                    })
                    .cloned(),
            );
        }
    }
    if out.len() == before {
        let what = ext
            .not_understood
            .first()
            .map(|c| format!("runs `{}` (not understood)", one_line(c, 80)))
            .unwrap_or_else(|| "is blocked".into());
        out.push(format!(
            "{indent}  ↳ its init container {} {what}",
            container.name
        ));
    }
    out
}
