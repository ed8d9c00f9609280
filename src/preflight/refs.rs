//! The ConfigMaps and Secrets an init container's env refers to (`valueFrom`, `envFrom`), and
//! the keys it reads, against the bundle and the live namespace: a missing one stops the
//! container before it starts (CreateContainerConfigError), so `ConfigMissing`. Secrets are
//! known by name and keys only.

use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod};

use super::bundle::SecretKeys;
use crate::finding::{Finding, Severity, finding};
use crate::status::is_sidecar;

/// What the env refers to can be checked against.
pub struct Known<'a> {
    pub config_maps: &'a [ConfigMap],
    pub secrets: &'a [SecretKeys],
    /// The live namespace's ConfigMaps were read: a missing one is missing, not merely outside
    /// the bundle.
    pub live_config_maps: bool,
    /// Likewise its Secrets (listing them may be refused).
    pub live_secrets: bool,
}

/// One reference: kind, name, the key (none for `envFrom`), optional, where it is written.
struct Ref<'c> {
    kind: &'static str,
    name: &'c str,
    key: Option<&'c str>,
    optional: bool,
    at: String,
}

fn refs(c: &Container) -> Vec<Ref<'_>> {
    let mut out = Vec::new();
    for env in c.env.iter().flatten() {
        let Some(from) = &env.value_from else {
            continue;
        };
        if let Some(r) = &from.config_map_key_ref {
            out.push(Ref {
                kind: "ConfigMap",
                name: &r.name,
                key: Some(&r.key),
                optional: r.optional == Some(true),
                at: format!("env {}", env.name),
            });
        }
        if let Some(r) = &from.secret_key_ref {
            out.push(Ref {
                kind: "Secret",
                name: &r.name,
                key: Some(&r.key),
                optional: r.optional == Some(true),
                at: format!("env {}", env.name),
            });
        }
    }
    for from in c.env_from.iter().flatten() {
        if let Some(r) = &from.config_map_ref {
            out.push(Ref {
                kind: "ConfigMap",
                name: &r.name,
                key: None,
                optional: r.optional == Some(true),
                at: "envFrom".into(),
            });
        }
        if let Some(r) = &from.secret_ref {
            out.push(Ref {
                kind: "Secret",
                name: &r.name,
                key: None,
                optional: r.optional == Some(true),
                at: "envFrom".into(),
            });
        }
    }
    out
}

/// `ConfigMissing` for each init container of `pod` whose env refers to a ConfigMap or Secret,
/// or a key of one, that neither the bundle nor the live namespace has.
pub fn missing(pod: &Pod, known: &Known) -> Vec<Finding> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    let inits = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let mut out = Vec::new();
    for c in inits {
        for r in refs(c).into_iter().filter(|r| !r.optional) {
            let keys: Option<Vec<&str>> = match r.kind {
                "ConfigMap" => known
                    .config_maps
                    .iter()
                    .find(|m| {
                        m.metadata.name.as_deref() == Some(r.name)
                            && m.metadata.namespace.as_deref() == Some(ns)
                    })
                    .map(|m| {
                        m.data
                            .iter()
                            .flat_map(|d| d.keys())
                            .chain(m.binary_data.iter().flat_map(|d| d.keys()))
                            .map(String::as_str)
                            .collect()
                    }),
                _ => known
                    .secrets
                    .iter()
                    .find(|s| s.name == r.name && s.namespace == ns)
                    .map(|s| s.keys.iter().map(String::as_str).collect()),
            };
            let lower = r.kind.to_ascii_lowercase();
            let live = if r.kind == "Secret" {
                known.live_secrets
            } else {
                known.live_config_maps
            };
            let (severity, message, evidence) = match (&keys, r.key) {
                (_, Some("")) => (
                    Severity::Error,
                    format!(
                        "cannot be created: its reference to {} {} names no key, which the API server rejects",
                        r.kind, r.name
                    ),
                    format!("{} has `key:` empty", r.at),
                ),
                (None, _) if live => (
                    Severity::Error,
                    format!(
                        "cannot be created: {} {} does not exist in namespace {ns}, in the bundle or the cluster",
                        r.kind, r.name
                    ),
                    format!("{} refers to it", r.at),
                ),
                (None, _) => (
                    Severity::Warning,
                    format!(
                        "{} {} is not in the bundle: unless it exists in namespace {ns}, the container cannot be created",
                        r.kind, r.name
                    ),
                    format!(
                        "{} refers to it; the cluster's were not read (--offline, or the list was refused)",
                        r.at
                    ),
                ),
                (Some(keys), Some(key)) if !keys.contains(&key) => (
                    Severity::Error,
                    format!("cannot be created: {} {} has no key {key}", r.kind, r.name),
                    format!(
                        "{} reads it; its keys: {}",
                        r.at,
                        if keys.is_empty() {
                            "none".to_string()
                        } else {
                            keys.join(", ")
                        }
                    ),
                ),
                _ => continue,
            };
            let mut f = finding("ConfigMissing", severity, Some(&c.name), message);
            f.evidence.push(evidence);
            if is_sidecar(c) {
                f.evidence.push(
                    "a native sidecar: the init containers after it wait for it to start".into(),
                );
            }
            f.hint = match r.key {
                Some(key) if keys.is_some() => format!(
                    "add key {key} to {} {} (or fix the key in {}), or mark the reference `optional: true`",
                    r.kind, r.name, r.at
                ),
                _ => format!(
                    "add the {} to the bundle or create it first (`kubectl get {lower} {} -n {ns}`), or mark the reference `optional: true`",
                    r.kind, r.name
                ),
            };
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(env: serde_json::Value, env_from: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "app"}],
                     "initContainers": [{"name": "init", "env": env, "envFrom": env_from}]}
        }))
        .unwrap()
    }

    #[test]
    fn references_are_checked_by_name_and_key() {
        let maps: Vec<ConfigMap> = serde_json::from_value(json!([
            {"metadata": {"name": "cfg", "namespace": "shop"}, "data": {"DB_HOST": "db"}},
            {"metadata": {"name": "cfg", "namespace": "other"}, "data": {"PORT": "1"}}
        ]))
        .unwrap();
        let secrets = vec![SecretKeys {
            namespace: "shop".into(),
            name: "creds".into(),
            keys: ["password".to_string()].into(),
        }];
        let cm = |name: &str, key: &str| json!([{"name": "V", "valueFrom": {"configMapKeyRef": {"name": name, "key": key}}}]);
        let sk = |name: &str, key: &str| json!([{"name": "V", "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}]);
        let cases = [
            ("present key", cm("cfg", "DB_HOST"), json!([]), true, None),
            (
                "missing key",
                cm("cfg", "PORT"),
                json!([]),
                true,
                Some((Severity::Error, "has no key PORT")),
            ),
            (
                "missing map, live read",
                cm("nope", "K"),
                json!([]),
                true,
                Some((Severity::Error, "does not exist")),
            ),
            (
                "missing map, offline",
                cm("nope", "K"),
                json!([]),
                false,
                Some((Severity::Warning, "not in the bundle")),
            ),
            (
                "optional",
                json!([{"name": "V", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "K", "optional": true}}}]),
                json!([]),
                true,
                None,
            ),
            (
                "secret key present",
                sk("creds", "password"),
                json!([]),
                true,
                None,
            ),
            (
                "an empty key",
                sk("creds", ""),
                json!([]),
                true,
                Some((Severity::Error, "names no key")),
            ),
            (
                "secret key missing",
                sk("creds", "user"),
                json!([]),
                true,
                Some((Severity::Error, "Secret creds has no key user")),
            ),
            (
                "envFrom present",
                json!([]),
                json!([{"configMapRef": {"name": "cfg"}}]),
                true,
                None,
            ),
            (
                "envFrom secret missing",
                json!([]),
                json!([{"secretRef": {"name": "gone"}}]),
                true,
                Some((Severity::Error, "Secret gone does not exist")),
            ),
        ];
        for (what, env, env_from, live, want) in cases {
            let known = Known {
                config_maps: &maps,
                secrets: &secrets,
                live_config_maps: live,
                live_secrets: live,
            };
            let got = missing(&pod(env, env_from), &known);
            match want {
                None => assert!(got.is_empty(), "{what}: {got:?}"),
                Some((severity, text)) => {
                    assert_eq!(got.len(), 1, "{what}: {got:?}");
                    assert_eq!(got[0].code, "ConfigMissing", "{what}");
                    assert_eq!(got[0].severity, severity, "{what}");
                    assert!(got[0].message.contains(text), "{what}: {}", got[0].message);
                }
            }
        }
    }
}
