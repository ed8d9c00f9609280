//! Where a container's variables come from, and Kubernetes' own `$(VAR)` expansion of
//! `command` and `args` (kubelet: `third_party/forked/golang/expansion`), done before any shell
//! sees the text.
//!
//! Expansion keeps track of what it replaced: [`expand`] returns [`Chars`], each character of the
//! expanded text tagged with the `$(VAR)` reference it came from, so a target can be shown *as
//! written* (`$(DB_HOST)`) while it is resolved by its value.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod};

/// The one file every pod can read to learn its namespace.
pub const NAMESPACE_FILE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/// The largest value the reader keeps, in bytes, once expanded (`$(VAR)`, `$VAR`, `$(…)`):
/// Kubernetes caps nothing here, so variables that double each other would grow without end.
/// A larger value is "too large to read".
pub const MAX_VALUE: usize = 64 * 1024;
/// The most a container's variables may hold together once expanded, in bytes; past it, a
/// value is "too large to read" too.
pub const MAX_TABLE: usize = 1024 * 1024;

/// Stands for a value that cannot be known here (a Secret's) in expanded text.
pub(crate) const UNKNOWN: char = '\u{E000}';

/// Why a value is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    /// `valueFrom.secretKeyRef` (or a Secret in `envFrom`): Secrets are never read.
    Secret {
        var: String,
        secret: String,
        key: String,
    },
    /// A ConfigMap that was not read, or lacks the key.
    ConfigMap {
        var: String,
        config_map: String,
        key: String,
        why: String,
    },
    /// A `fieldRef` or `resourceFieldRef` not known from the pod object.
    Field { var: String, path: String },
    /// Not defined in the container's `env`/`envFrom` (it may come from the image).
    Unset { var: String },
    /// `$(command)` or a backquoted command other than reading the namespace file.
    Command { text: String },
    /// `FOO_SERVICE_HOST`/`FOO_SERVICE_PORT`: set by the kubelet for Service `foo` when it
    /// existed before the container started (`enableServiceLinks`).
    ServiceLink {
        var: String,
        service: String,
        port: bool,
    },
    /// Shell syntax whose value cannot be computed statically (`$1`, `$((…))`, …).
    Dynamic { text: String },
    /// Longer than [`MAX_VALUE`] once expanded (or past [`MAX_TABLE`] with the others).
    TooLarge { var: String },
}

impl Unknown {
    /// One line for evidence.
    pub fn describe(&self) -> String {
        match self {
            Unknown::Secret { var, secret, key } => {
                format!("{var} comes from Secret {secret} (key {key}); its value is not read")
            }
            Unknown::ConfigMap {
                var,
                config_map,
                key,
                why,
            } => format!("{var} comes from ConfigMap {config_map} (key {key}): {why}"),
            Unknown::Field { var, path } => {
                format!("{var} comes from the field {path}, not known here")
            }
            Unknown::Unset { var } => {
                format!("{var} is not set in the container's env or envFrom (the image may set it)")
            }
            Unknown::Command { text } => format!("the output of `{text}` is not known"),
            Unknown::ServiceLink { var, service, .. } => format!(
                "{var} is set by Kubernetes only when Service {service} existed before the container started"
            ),
            Unknown::Dynamic { text } => format!("{text} is only known at run time"),
            Unknown::TooLarge { var } => format!(
                "{var} is too large to read (over {} KiB once expanded)",
                MAX_VALUE / 1024
            ),
        }
    }
}

/// The value of one variable, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Known: the text, and a note on its origin when it is not a literal `value`.
    Known {
        text: String,
        note: Option<String>,
    },
    Unknown(Unknown),
}

/// The container's variables as the kubelet builds them: `envFrom` first, then `env` (which
/// wins), each `env` value expanded against the variables before it.
#[derive(Debug, Clone, Default)]
pub struct EnvTable {
    vars: BTreeMap<String, Value>,
    /// `envFrom` sources whose keys are unknown (Secrets, ConfigMaps not read): an unset
    /// variable may come from one of them.
    opaque_sources: Vec<String>,
    /// Shell variables set to text that mixes known characters and unknowns (`E=${A}":"${B}`):
    /// the text, with the shell reader's markers standing for the unknowns listed after it. The
    /// variable itself holds the first unknown, for every reader that needs one value.
    partials: BTreeMap<String, (String, Vec<Unknown>)>,
    enable_service_links: bool,
    /// The bytes of known text the variables hold (see [`MAX_TABLE`]).
    bytes: usize,
}

impl EnvTable {
    /// Build the table for `container` of `pod`, reading ConfigMaps from `config_maps` (those
    /// fetched; `None` when nothing was fetched).
    pub fn new(pod: &Pod, container: &Container, config_maps: Option<&[ConfigMap]>) -> EnvTable {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let mut table = EnvTable {
            enable_service_links: pod
                .spec
                .as_ref()
                .and_then(|s| s.enable_service_links)
                .unwrap_or(true),
            ..Default::default()
        };
        let find_cm = |name: &str| {
            config_maps.and_then(|cms| {
                cms.iter().find(|c| {
                    c.metadata.name.as_deref() == Some(name)
                        && c.metadata.namespace.as_deref().unwrap_or(&namespace) == namespace
                })
            })
        };
        for source in container.env_from.as_deref().unwrap_or(&[]) {
            let prefix = source.prefix.clone().unwrap_or_default();
            if let Some(cm_ref) = &source.config_map_ref {
                match find_cm(&cm_ref.name) {
                    Some(cm) => {
                        for (key, value) in cm.data.iter().flatten() {
                            table.set(
                                &format!("{prefix}{key}"),
                                Value::Known {
                                    text: value.clone(),
                                    note: Some(format!(
                                        "from ConfigMap {} (envFrom, key {key})",
                                        cm_ref.name
                                    )),
                                },
                            );
                        }
                    }
                    None => table.opaque_sources.push(format!(
                        "ConfigMap {} (envFrom{})",
                        cm_ref.name,
                        if config_maps.is_some() {
                            ", not found"
                        } else {
                            ", not read"
                        }
                    )),
                }
            }
            if let Some(secret_ref) = &source.secret_ref {
                table
                    .opaque_sources
                    .push(format!("Secret {} (envFrom)", secret_ref.name));
            }
        }
        for var in container.env.as_deref().unwrap_or(&[]) {
            let value = match (&var.value, &var.value_from) {
                (_, Some(from)) => {
                    if let Some(r) = &from.secret_key_ref {
                        Value::Unknown(Unknown::Secret {
                            var: var.name.clone(),
                            secret: r.name.clone(),
                            key: r.key.clone(),
                        })
                    } else if let Some(r) = &from.config_map_key_ref {
                        match find_cm(&r.name) {
                            Some(cm) => match cm.data.as_ref().and_then(|d| d.get(&r.key)) {
                                Some(v) => Value::Known {
                                    text: v.clone(),
                                    note: Some(format!(
                                        "{} = {v:?} from ConfigMap {} (key {})",
                                        var.name, r.name, r.key
                                    )),
                                },
                                None => Value::Unknown(Unknown::ConfigMap {
                                    var: var.name.clone(),
                                    config_map: r.name.clone(),
                                    key: r.key.clone(),
                                    why: "the ConfigMap has no such key".into(),
                                }),
                            },
                            None => Value::Unknown(Unknown::ConfigMap {
                                var: var.name.clone(),
                                config_map: r.name.clone(),
                                key: r.key.clone(),
                                why: if config_maps.is_some() {
                                    "the ConfigMap does not exist".into()
                                } else {
                                    "the ConfigMap was not read".into()
                                },
                            }),
                        }
                    } else if let Some(f) = &from.field_ref {
                        match field_value(pod, &f.field_path) {
                            Some(text) => Value::Known {
                                note: Some(format!(
                                    "{} = {text:?} from the field {}",
                                    var.name, f.field_path
                                )),
                                text,
                            },
                            None => Value::Unknown(Unknown::Field {
                                var: var.name.clone(),
                                path: f.field_path.clone(),
                            }),
                        }
                    } else if let Some(r) = &from.resource_field_ref {
                        Value::Unknown(Unknown::Field {
                            var: var.name.clone(),
                            path: r.resource.clone(),
                        })
                    } else {
                        Value::Unknown(Unknown::Unset {
                            var: var.name.clone(),
                        })
                    }
                }
                (Some(literal), None) => {
                    // Kubernetes expands `$(VAR)` in a value against the variables before it.
                    let expanded = expand(literal, &table);
                    let unknown = expanded.unknowns().into_iter().next();
                    match unknown {
                        Some(Unknown::TooLarge { .. }) => Value::Unknown(Unknown::TooLarge {
                            var: var.name.clone(),
                        }),
                        Some(unknown) => Value::Unknown(unknown),
                        None if table.bytes + expanded.chars.len() > MAX_TABLE => {
                            Value::Unknown(Unknown::TooLarge {
                                var: var.name.clone(),
                            })
                        }
                        None => {
                            let text = expanded.text();
                            let note = (text != *literal).then(|| {
                                format!("{} = {text:?} (expanded from {literal:?})", var.name)
                            });
                            Value::Known { text, note }
                        }
                    }
                }
                (None, None) => Value::Known {
                    text: String::new(),
                    note: None,
                },
            };
            table.set(&var.name, value);
        }
        let _ = namespace;
        table
    }

    /// A table from literal pairs (tests, and shell assignments).
    pub fn from_literals<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> EnvTable {
        let mut table = EnvTable {
            enable_service_links: true,
            ..EnvTable::default()
        };
        for (k, v) in pairs {
            table.set(
                k,
                Value::Known {
                    text: v.to_string(),
                    note: None,
                },
            );
        }
        table
    }

    /// The variable as Kubernetes' `$(VAR)` expansion sees it: `None` when not defined, so
    /// the reference is left as written.
    pub fn kubernetes(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        self.service_link(name).map(Value::Unknown)
    }

    /// The variable as a shell sees it: always a value, unknown when not defined.
    pub fn shell(&self, name: &str) -> Value {
        if let Some(v) = self.kubernetes(name) {
            return v;
        }
        match self.opaque_sources.first() {
            Some(source) => Value::Unknown(Unknown::Unset {
                var: format!("{name} (perhaps from {source})"),
            }),
            None => Value::Unknown(Unknown::Unset { var: name.into() }),
        }
    }

    /// Set a variable (a shell assignment `NAME=value`).
    pub fn set(&mut self, name: &str, value: Value) {
        self.bytes += size(&value);
        if let Some(old) = self.vars.insert(name.to_string(), value) {
            self.bytes -= size(&old);
        }
        if let Some((old, _)) = self.partials.remove(name) {
            self.bytes -= old.len();
        }
    }

    /// Set a shell variable to text mixing known characters and unknowns: `text` holds a marker
    /// (the shell reader's) for each of `unknowns`. The variable's [`Value`] is its first unknown.
    pub fn set_partial(&mut self, name: &str, text: String, unknowns: Vec<Unknown>) {
        let Some(first) = unknowns.first().cloned() else {
            return self.set(name, Value::Known { text, note: None });
        };
        self.set(name, Value::Unknown(first));
        self.bytes += text.len();
        self.partials.insert(name.to_string(), (text, unknowns));
    }

    /// The mixed text and its unknowns of a variable set by [`EnvTable::set_partial`].
    pub fn partial(&self, name: &str) -> Option<&(String, Vec<Unknown>)> {
        self.partials.get(name)
    }

    /// What copying the table costs, in the reader's steps: one per variable and one per 64
    /// bytes of value.
    pub fn weight(&self) -> usize {
        self.vars.len() + self.bytes / 64
    }

    /// True when the name is defined in the table.
    pub fn defines(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    fn service_link(&self, name: &str) -> Option<Unknown> {
        if !self.enable_service_links {
            return None;
        }
        let (stem, port) = if let Some(stem) = name.strip_suffix("_SERVICE_HOST") {
            (stem, false)
        } else if let Some(stem) = name.strip_suffix("_SERVICE_PORT") {
            (stem, true)
        } else {
            return None;
        };
        if stem.is_empty()
            || !stem
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            return None;
        }
        Some(Unknown::ServiceLink {
            var: name.to_string(),
            service: stem.to_ascii_lowercase().replace('_', "-"),
            port,
        })
    }
}

fn size(value: &Value) -> usize {
    match value {
        Value::Known { text, .. } => text.len(),
        Value::Unknown(_) => 0,
    }
}

/// The downward-API fields a pod object answers.
fn field_value(pod: &Pod, path: &str) -> Option<String> {
    let meta = &pod.metadata;
    match path {
        "metadata.namespace" => meta.namespace.clone(),
        "metadata.name" => meta.name.clone(),
        "metadata.uid" => meta.uid.clone(),
        "spec.nodeName" => pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        "spec.serviceAccountName" => pod.spec.as_ref().map(|s| {
            s.service_account_name
                .clone()
                .unwrap_or_else(|| "default".into())
        }),
        "status.podIP" => pod.status.as_ref().and_then(|s| s.pod_ip.clone()),
        "status.hostIP" => pod.status.as_ref().and_then(|s| s.host_ip.clone()),
        _ => {
            let key = path
                .strip_prefix("metadata.labels['")
                .map(|k| (k, true))
                .or_else(|| {
                    path.strip_prefix("metadata.annotations['")
                        .map(|k| (k, false))
                })?;
            let name = key.0.strip_suffix("']")?;
            let map = if key.1 {
                meta.labels.as_ref()
            } else {
                meta.annotations.as_ref()
            };
            map.and_then(|m| m.get(name).cloned())
        }
    }
}

/// One character of expanded text, with the index of the `$(VAR)` reference it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ch {
    pub c: char,
    pub origin: Option<usize>,
}

/// A `$(VAR)` reference Kubernetes replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `$(VAR)`.
    pub written: String,
    pub value: Value,
}

/// Expanded text, character by character, with the references it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chars {
    pub chars: Vec<Ch>,
    pub refs: Vec<Reference>,
}

impl Chars {
    /// The expanded text (an unknown value shows as one placeholder character).
    pub fn text(&self) -> String {
        self.chars.iter().map(|c| c.c).collect()
    }

    /// The text as written, between two character positions.
    pub fn written(&self, from: usize, to: usize) -> String {
        written(
            &self.chars[from.min(self.chars.len())..to.min(self.chars.len())],
            &self.refs,
        )
    }

    /// Why parts of the text are unknown.
    pub fn unknowns(&self) -> Vec<Unknown> {
        let mut out = Vec::new();
        for r in &self.refs {
            if let Value::Unknown(u) = &r.value
                && !out.contains(u)
            {
                out.push(u.clone());
            }
        }
        out
    }
}

/// The written form of expanded characters: each reference's text once, the rest as is.
pub fn written(chars: &[Ch], refs: &[Reference]) -> String {
    let mut out = String::new();
    let mut last: Option<usize> = None;
    for ch in chars {
        match ch.origin {
            Some(i) => {
                if last != Some(i)
                    && let Some(r) = refs.get(i)
                {
                    out.push_str(&r.written);
                }
                last = Some(i);
            }
            None => {
                out.push(ch.c);
                last = None;
            }
        }
    }
    out
}

/// Kubernetes' expansion of `$(VAR)` in one command or args element: `$$` is a literal `$`, a
/// reference to an undefined variable stays as written, anything else is copied.
pub fn expand(input: &str, env: &EnvTable) -> Chars {
    let mut out = Chars::default();
    let bytes: Vec<char> = input.chars().collect();
    let plain = |out: &mut Chars, c: char| out.chars.push(Ch { c, origin: None });
    // The first `)` at or after a position, found once and kept while the reading is before
    // it: a text of many `$(` and few `)` costs one pass, not one per `$(`.
    let mut close: Option<usize> = None;
    let mut next_close = |from: usize| -> Option<usize> {
        match close {
            Some(usize::MAX) => None,
            Some(at) if at >= from => Some(at),
            _ => {
                let found = bytes[from..]
                    .iter()
                    .position(|&c| c == ')')
                    .map(|p| from + p);
                close = Some(found.unwrap_or(usize::MAX));
                found
            }
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c != '$' || i + 1 >= bytes.len() {
            plain(&mut out, c);
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            '$' => {
                plain(&mut out, '$');
                i += 2;
            }
            '(' => match next_close(i + 2).map(|at| at - (i + 2)) {
                Some(len) => {
                    let name: String = bytes[i + 2..i + 2 + len].iter().collect();
                    let end = i + 3 + len;
                    match env.kubernetes(&name) {
                        Some(value) => {
                            let value = match value {
                                Value::Known { text, .. }
                                    if out.chars.len() + text.len() > MAX_VALUE =>
                                {
                                    Value::Unknown(Unknown::TooLarge {
                                        var: format!("$({name})"),
                                    })
                                }
                                v => v,
                            };
                            let index = out.refs.len();
                            match &value {
                                Value::Known { text, .. } => {
                                    for c in text.chars() {
                                        out.chars.push(Ch {
                                            c,
                                            origin: Some(index),
                                        });
                                    }
                                }
                                Value::Unknown(_) => out.chars.push(Ch {
                                    c: UNKNOWN,
                                    origin: Some(index),
                                }),
                            }
                            out.refs.push(Reference {
                                written: format!("$({name})"),
                                value,
                            });
                        }
                        None => {
                            for &c in &bytes[i..end] {
                                plain(&mut out, c);
                            }
                        }
                    }
                    i = end;
                }
                None => {
                    plain(&mut out, '$');
                    plain(&mut out, '(');
                    i += 2;
                }
            },
            other => {
                plain(&mut out, '$');
                plain(&mut out, other);
                i += 2;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn kubernetes_expansion_follows_the_kubelet() {
        let env = EnvTable::from_literals([("HELLO", "world"), ("HOST", "db")]);
        assert_eq!(expand("$(HELLO)", &env).text(), "world");
        assert_eq!(expand("$$(HELLO)", &env).text(), "$(HELLO)");
        assert_eq!(expand("$(MISSING) x", &env).text(), "$(MISSING) x");
        assert_eq!(expand("$HOST", &env).text(), "$HOST");
        assert_eq!(expand("a$", &env).text(), "a$");
        assert_eq!(expand("$(HOST", &env).text(), "$(HOST");
        assert_eq!(expand("$(cat $(HOST))", &env).text(), "$(cat $(HOST))");
        assert_eq!(expand("$(HOST) $(x $(HOST)", &env).text(), "db $(x $(HOST)");
        assert_eq!(expand("$(A $(HOST) $(B", &env).text(), "$(A $(HOST) $(B");
        let e = expand("nc -z $(HOST) 5432", &env);
        assert_eq!(e.text(), "nc -z db 5432");
        assert_eq!(e.written(6, 8), "$(HOST)");
        assert_eq!(e.written(0, e.chars.len()), "nc -z $(HOST) 5432");
    }

    #[test]
    fn values_say_where_they_come_from() {
        let p = pod(json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": [{"name": "c",
                "envFrom": [{"secretRef": {"name": "creds"}}],
                "env": [
                    {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                    {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {"name": "DB", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "db_host"}}},
                    {"name": "URL", "value": "postgres://$(DB).$(NS):5432"}
                ]}]}
        }));
        let cms: Vec<ConfigMap> = vec![
            serde_json::from_value(json!({"metadata": {"name": "cfg", "namespace": "shop"}, "data": {"db_host": "pg"}}))
                .unwrap(),
        ];
        let c = &p.spec.as_ref().unwrap().containers[0];
        let env = EnvTable::new(&p, c, Some(&cms));
        assert!(matches!(env.shell("NS"), Value::Known { text, .. } if text == "shop"));
        assert!(matches!(env.shell("DB"), Value::Known { text, .. } if text == "pg"));
        assert!(
            matches!(env.shell("URL"), Value::Known { text, .. } if text == "postgres://pg.shop:5432")
        );
        assert!(matches!(
            env.shell("PASS"),
            Value::Unknown(Unknown::Secret { .. })
        ));
        match env.shell("OTHER") {
            Value::Unknown(u) => assert!(u.describe().contains("Secret creds")),
            v => panic!("{v:?}"),
        }
        // Without the ConfigMap, say it was not read.
        let env = EnvTable::new(&p, c, None);
        match env.shell("DB") {
            Value::Unknown(u) => assert!(u.describe().contains("not read"), "{}", u.describe()),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn service_links_name_their_service() {
        let env = EnvTable::from_literals([]);
        assert_eq!(
            env.shell("MANAGEMENT_SERVICE_HOST"),
            Value::Unknown(Unknown::ServiceLink {
                var: "MANAGEMENT_SERVICE_HOST".into(),
                service: "management".into(),
                port: false
            })
        );
        assert!(matches!(
            env.kubernetes("MY_DB_SERVICE_PORT"),
            Some(Value::Unknown(Unknown::ServiceLink { service, port: true, .. })) if service == "my-db"
        ));
    }
}
