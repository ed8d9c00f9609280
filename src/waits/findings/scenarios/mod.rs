//! Findings on real objects: a pod in namespace `shop` whose first init container runs. The
//! shared builders are here; the scenarios, by what they are about, in `names` (missing names,
//! near misses), `services` (ClusterIPs, endpoints, backing pods, ports) and `waits` (other tools,
//! DNS policies, kubectl wait, service links, the table).
use super::*;
use crate::waits::ObjectRef;
use crate::waits::resolve;
use serde_json::{Value, json};

const NOW: &str = "2026-01-01T00:10:00Z";

fn pod_json(name: &str, inits: Value, spec_extra: Value) -> Value {
    let inits_arr = inits.as_array().cloned().unwrap_or_default();
    let statuses: Vec<Value> = inits_arr
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let state = if i == 0 {
                json!({"running": {"startedAt": "2026-01-01T00:09:30Z"}})
            } else {
                json!({"waiting": {"reason": "PodInitializing"}})
            };
            json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false,
                   "restartCount": 0, "state": state})
        })
        .collect();
    let mut spec =
        json!({"containers": [{"name": "main", "image": "app"}], "initContainers": inits});
    if let (Some(s), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
        for (k, v) in extra {
            s.insert(k.clone(), v.clone());
        }
    }
    json!({
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": name},
                     "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": spec,
        "status": {"phase": "Pending", "podIP": format!("10.0.0.{}", name.len()),
            "conditions": [{"type": "Initialized", "status": "False"}, {"type": "Ready", "status": "False"}],
            "initContainerStatuses": statuses,
            "containerStatuses": [{"name": "main", "image": "app", "imageID": "", "ready": false,
                "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}
    })
}

fn ready_pod(name: &str, labels: Value, ports: Value) -> Value {
    json!({
        "metadata": {"name": name, "namespace": "shop", "labels": labels},
        "spec": {"containers": [{"name": "srv", "image": "srv", "ports": ports}]},
        "status": {"phase": "Running", "podIP": "10.0.1.1",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "srv", "image": "srv", "imageID": "", "ready": true,
                "restartCount": 0, "state": {"running": {}}}]}
    })
}

fn service(name: &str, ns: &str, spec: Value) -> Value {
    json!({"metadata": {"name": name, "namespace": ns, "creationTimestamp": "2025-12-31T00:00:00Z"}, "spec": spec})
}

fn slice(service: &str, endpoints: Value, ports: Value) -> Value {
    json!({"metadata": {"name": format!("{service}-abc"), "namespace": "shop",
                        "labels": {SERVICE_LABEL: service}},
           "addressType": "IPv4", "endpoints": endpoints, "ports": ports})
}

const SERVICE_LABEL: &str = resolve::SERVICE_NAME_LABEL;

struct Objects {
    services: Value,
    slices: Value,
    pods: Value,
    by_name: Value,
    jobs: Value,
    /// `WaitObjects::services_only_in`: the namespaces Services were read in (empty: all).
    only_in: Vec<String>,
}

impl Default for Objects {
    fn default() -> Self {
        Objects {
            services: json!([]),
            slices: json!([]),
            pods: json!([]),
            by_name: json!([]),
            jobs: json!([]),
            only_in: Vec::new(),
        }
    }
}

fn explain(pod: Value, o: Objects) -> Vec<Finding> {
    let mut pods: Vec<Pod> = serde_json::from_value(o.pods).unwrap();
    let me: Pod = serde_json::from_value(pod).unwrap();
    pods.push(me.clone());
    let objects = super::super::WaitObjects {
        fetched: true,
        services: std::sync::Arc::new(serde_json::from_value(o.services).unwrap()),
        endpoint_slices: crate::waits::shared_slices(serde_json::from_value(o.slices).unwrap()),
        pods: std::sync::Arc::new(pods),
        services_by_name: serde_json::from_value(o.by_name).unwrap(),
        jobs: serde_json::from_value(o.jobs).unwrap(),
        services_only_in: o.only_in,
        ..Default::default()
    };
    findings(&me, Some(&objects), NOW.parse().unwrap())
}

fn one<'a>(found: &'a [Finding], code: &str) -> &'a Finding {
    found
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", found))
}

fn codes(found: &[Finding]) -> Vec<&str> {
    found.iter().map(|f| f.code.as_str()).collect()
}

fn nslookup(name: &str, image: &str, target: &str) -> Value {
    json!({"name": name, "image": image,
           "command": ["sh", "-c", format!("until nslookup {target}; do echo waiting; sleep 2; done")]})
}

/// Pod `web`, whose one init container (busybox 1.36) loops on `nslookup target`, explained
/// against `objects`.
fn explain_lookup_of(target: &str, objects: Objects) -> Vec<Finding> {
    let pod = pod_json(
        "web",
        json!([nslookup("init-db", "busybox:1.36", target)]),
        json!({}),
    );
    explain(pod, objects)
}

mod names;
mod once;
mod services;
mod waits;
