//! The objects of a bundle, by what a wait can need: each workload's pod template as the pod it
//! will create, Services, ConfigMaps, Secrets (their names and keys only: a value is never
//! kept), Jobs. Objects without a namespace get the target namespace, as `kubectl apply -n`.

use std::collections::BTreeSet;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, PodTemplateSpec, Service};
use serde_json::Value;

use super::load::Loaded;

/// A workload of the bundle and the pod it will run.
#[derive(Debug, Clone)]
pub struct Workload {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Where it was read.
    pub source: String,
    /// The pod it creates (a StatefulSet's first, `name-0`): the template's metadata and spec,
    /// no status.
    pub pod: Pod,
    /// The pods it creates beside `pod`, named and resolved as theirs: a StatefulSet's
    /// `name-1`… up to its `replicas` (at most [`MAX_ORDINALS`] in all); empty otherwise.
    pub siblings: Vec<String>,
}

/// The pods of a StatefulSet that are named (`name-0` … `name-15`): a wait on a later ordinal
/// is not checked against a pod of its own.
pub const MAX_ORDINALS: i64 = 16;

/// A Secret by name and keys (`data` and `stringData`), never its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKeys {
    pub namespace: String,
    pub name: String,
    pub keys: BTreeSet<String>,
}

/// What the bundle holds, for the waits.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub config_maps: Vec<ConfigMap>,
    pub secrets: Vec<SecretKeys>,
    pub jobs: Vec<Job>,
    /// Objects that could not be read, one line each (the rest is checked).
    pub problems: Vec<String>,
}

/// The bundle of `objects`, defaulting namespaces to `namespace`.
pub fn bundle(objects: &[Loaded], namespace: &str) -> Bundle {
    let mut out = Bundle::default();
    for object in objects {
        if let Err(problem) = add(&mut out, object, namespace) {
            out.problems.push(format!("{}: {problem}", object.source));
        }
    }
    out
}

fn add(out: &mut Bundle, object: &Loaded, namespace: &str) -> Result<(), String> {
    let value = &object.value;
    let kind = value["kind"].as_str().unwrap_or_default();
    let name = value["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ns = value["metadata"]["namespace"]
        .as_str()
        .filter(|n| !n.is_empty())
        .unwrap_or(namespace)
        .to_string();
    match kind {
        "Service" => {
            let mut svc: Service = from(with_namespace(value, &ns), "Service", &name)?;
            svc.spec.get_or_insert_with(Default::default);
            out.services.push(svc);
        }
        "ConfigMap" => out
            .config_maps
            .push(from(with_namespace(value, &ns), "ConfigMap", &name)?),
        "Secret" => {
            let keys = ["data", "stringData"]
                .iter()
                .filter_map(|f| value[*f].as_object())
                .flat_map(|m| m.keys().cloned())
                .collect();
            out.secrets.push(SecretKeys {
                namespace: ns,
                name,
                keys,
            });
        }
        "Pod" => {
            let pod: Pod = from(with_namespace(value, &ns), "Pod", &name)?;
            out.workloads.push(Workload {
                kind: kind.into(),
                namespace: ns,
                name,
                source: object.source.clone(),
                pod: Pod {
                    status: None,
                    ..pod
                },
                siblings: Vec::new(),
            });
        }
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" => {
            let template = if kind == "CronJob" {
                &value["spec"]["jobTemplate"]["spec"]["template"]
            } else {
                &value["spec"]["template"]
            };
            if template.is_null() {
                return Err(format!("{kind} {name} has no pod template"));
            }
            let template: PodTemplateSpec = from(template.clone(), kind, &name)?;
            let mut metadata = template.metadata.unwrap_or_default();
            metadata.namespace = Some(ns.clone());
            let mut spec = template.spec.unwrap_or_default();
            let siblings = if kind == "StatefulSet" {
                let replicas = value["spec"]["replicas"].as_i64().unwrap_or(1);
                (1..replicas.clamp(1, MAX_ORDINALS))
                    .map(|i| format!("{name}-{i}"))
                    .collect()
            } else {
                Vec::new()
            };
            metadata.name = Some(if kind == "StatefulSet" {
                // The first pod: `name-0`, resolvable as `name-0.<serviceName>`.
                spec.hostname = Some(format!("{name}-0"));
                spec.subdomain = value["spec"]["serviceName"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string);
                format!("{name}-0")
            } else {
                name.clone()
            });
            if kind == "Job" {
                out.jobs
                    .push(from(with_namespace(value, &ns), "Job", &name)?);
            }
            out.workloads.push(Workload {
                kind: kind.into(),
                namespace: ns,
                name,
                source: object.source.clone(),
                pod: Pod {
                    metadata,
                    spec: Some(spec),
                    status: None,
                },
                siblings,
            });
        }
        _ => {}
    }
    Ok(())
}

/// `value` with `metadata.namespace` set to `ns`.
fn with_namespace(value: &Value, ns: &str) -> Value {
    let mut v = value.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("namespace".into(), Value::String(ns.to_string()));
    }
    v
}

fn from<T: serde::de::DeserializeOwned>(value: Value, kind: &str, name: &str) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| format!("{kind} {name} is not valid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preflight::load::parse;

    #[test]
    fn templates_become_pods_and_secrets_keep_only_their_keys() {
        let text = r"
kind: Deployment
metadata: {name: web}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
kind: StatefulSet
metadata: {name: db, namespace: data}
spec: {serviceName: db-hl, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c}]}}}
---
kind: CronJob
metadata: {name: nightly}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}}
---
kind: Job
metadata: {name: migrate}
spec: {template: {spec: {containers: [{name: c}]}}}
---
kind: Secret
metadata: {name: creds}
data: {password: c2VjcmV0}
stringData: {user: admin}
---
kind: Service
metadata: {name: web}
---
kind: Deployment
metadata: {name: broken}
spec: {template: {spec: {containers: 7}}}
";
        let b = bundle(&parse("f", text).unwrap(), "shop");
        let pods: Vec<String> = b
            .workloads
            .iter()
            .map(|w| {
                format!(
                    "{} {}/{} -> {}",
                    w.kind,
                    w.namespace,
                    w.name,
                    w.pod.metadata.name.as_deref().unwrap()
                )
            })
            .collect();
        assert_eq!(
            pods,
            [
                "Deployment shop/web -> web",
                "StatefulSet data/db -> db-0",
                "CronJob shop/nightly -> nightly",
                "Job shop/migrate -> migrate"
            ]
        );
        let db = &b.workloads[1].pod;
        assert_eq!(db.metadata.namespace.as_deref(), Some("data"));
        let spec = db.spec.as_ref().unwrap();
        assert_eq!(
            (spec.hostname.as_deref(), spec.subdomain.as_deref()),
            (Some("db-0"), Some("db-hl"))
        );
        assert_eq!(b.jobs.len(), 1);
        assert_eq!(
            b.secrets,
            [SecretKeys {
                namespace: "shop".into(),
                name: "creds".into(),
                keys: ["password".to_string(), "user".to_string()].into()
            }]
        );
        assert!(format!("{b:?}").contains("password") && !format!("{b:?}").contains("c2VjcmV0"));
        assert_eq!(b.services[0].metadata.namespace.as_deref(), Some("shop"));
        assert!(b.services[0].spec.is_some());
        assert_eq!(b.problems.len(), 1, "{:?}", b.problems);
        assert!(b.problems[0].contains("Deployment broken is not valid"));
    }
}
