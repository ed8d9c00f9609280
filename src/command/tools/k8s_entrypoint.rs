//! openstack-helm's `kubernetes-entrypoint` (airshipit/kubernetes-entrypoint): it reads what to
//! wait on from its environment, not its arguments, then runs `$COMMAND`. Read from its source
//! (util/env/env.go, dependencies/*):
//! - `DEPENDENCY_SERVICE=a,ns:b`: each Service has a ready endpoint;
//! - `DEPENDENCY_JOBS=a,ns:b`: each Job has succeeded at least once (`DEPENDENCY_JOBS_JSON`,
//!   when set, replaces it: `[{"namespace": …, "name": …}]`);
//! - `DEPENDENCY_POD_JSON=[{"labels": {…}, "namespace": …}]`: a Ready pod matches each;
//! - daemonsets, containers, custom resources, sockets and config files are not read here: each
//!   one set is reported as not understood.
//!
//! Lists are split at `,`; `ns:name` names another namespace. An empty value, or JSON `null`,
//! is no dependency.

use serde_json::Value as Json;

use super::Call;
use crate::command::expand::Value;
use crate::command::{HostTarget, Part, Target};

/// The variables read, and those only reported.
const NOT_READ: &[&str] = &[
    "DEPENDENCY_DAEMONSET",
    "DEPENDENCY_CONTAINER",
    "DEPENDENCY_CUSTOM_RESOURCE",
    "DEPENDENCY_SOCKET",
    "DEPENDENCY_CONFIG",
];

pub(super) fn kubernetes_entrypoint(call: &mut Call) -> Vec<Target> {
    let home = call.reader.namespace.to_string();
    let mut out = Vec::new();
    for (ns, name) in list(call, "DEPENDENCY_SERVICE") {
        let host = match &ns {
            Some(n) if *n != home => format!("{name}.{n}"),
            _ => name.clone(),
        };
        out.push(Target::Host(HostTarget {
            written: match &ns {
                Some(n) => format!("{n}:{name}"),
                None => name.clone(),
            },
            host: Part::Known(host),
            port: None,
            scheme: None,
        }));
    }
    match json(call, "DEPENDENCY_JOBS_JSON") {
        Some(jobs) => {
            for j in jobs {
                let ns = j["namespace"].as_str().map(str::to_string);
                match j["name"].as_str() {
                    Some(name) if j.get("labels").is_none() => out.push(job(ns, name)),
                    _ => call
                        .out
                        .not_understood
                        .push(format!("DEPENDENCY_JOBS_JSON {j} (Jobs by label)")),
                }
            }
        }
        None => {
            for (ns, name) in list(call, "DEPENDENCY_JOBS") {
                out.push(job(ns, &name));
            }
        }
    }
    for p in json(call, "DEPENDENCY_POD_JSON").unwrap_or_default() {
        let labels: Vec<String> = p["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                    .collect()
            })
            .unwrap_or_default();
        if labels.is_empty() {
            call.out
                .not_understood
                .push(format!("DEPENDENCY_POD_JSON {p}"));
            continue;
        }
        let selector = labels.join(",");
        out.push(Target::Pods {
            written: selector.clone(),
            namespace: p["namespace"].as_str().map(str::to_string),
            selector: Some(selector),
            names: Vec::new(),
            condition: "condition=Ready".into(),
        });
    }
    for var in NOT_READ {
        if let Some(v) = set(call, var) {
            call.out.not_understood.push(format!("{var}={v}"));
        }
    }
    out
}

fn job(namespace: Option<String>, name: &str) -> Target {
    Target::Job {
        written: match &namespace {
            Some(n) => format!("{n}:{name}"),
            None => name.to_string(),
        },
        namespace,
        name: name.to_string(),
        condition: "condition=complete".into(),
    }
}

/// The variable's value when set to something other than nothing; an unknown value is
/// reported and read as nothing.
fn set(call: &mut Call, var: &str) -> Option<String> {
    match call.env.kubernetes(var) {
        Some(Value::Known { text, .. }) => {
            let t = text.trim();
            (!t.is_empty() && t != "null").then(|| t.to_string())
        }
        Some(Value::Unknown(u)) => {
            call.out
                .not_understood
                .push(format!("{var} ({})", u.describe()));
            None
        }
        None => None,
    }
}

/// `a,ns:b` as (namespace, name) pairs.
fn list(call: &mut Call, var: &str) -> Vec<(Option<String>, String)> {
    let Some(v) = set(call, var) else {
        return Vec::new();
    };
    v.split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .filter_map(|d| match d.split_once(':') {
            Some((ns, name)) if !ns.is_empty() && !name.contains(':') => {
                Some((Some(ns.to_string()), name.to_string()))
            }
            Some(_) => None,
            None => Some((None, d.to_string())),
        })
        .collect()
}

/// A JSON list variable (`None` when unset; not JSON: reported, and empty).
fn json(call: &mut Call, var: &str) -> Option<Vec<Json>> {
    let v = set(call, var)?;
    match serde_json::from_str::<Vec<Json>>(&v) {
        Ok(list) => Some(list),
        Err(_) => {
            call.out
                .not_understood
                .push(format!("{var}={v} (not JSON)"));
            Some(Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::command::{Target, extract};
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    fn read(env: serde_json::Value, command: Option<&str>) -> crate::command::Extraction {
        let mut init = json!({"name": "init", "image": "quay.io/airshipit/kubernetes-entrypoint:latest-ubuntu_noble", "env": env});
        if let Some(c) = command {
            init["command"] = json!([c]);
        }
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": "openstack"},
            "spec": {"containers": [{"name": "api", "image": "x"}], "initContainers": [init]}
        }))
        .unwrap();
        let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
        extract(&pod, c, None)
    }

    fn names(e: &crate::command::Extraction) -> Vec<String> {
        e.checks
            .iter()
            .map(|c| match &c.target {
                Target::Host(h) => format!("service {}", h.written),
                Target::Job {
                    name, namespace, ..
                } => {
                    format!(
                        "job {}{name}",
                        namespace
                            .as_ref()
                            .map(|n| format!("{n}/"))
                            .unwrap_or_default()
                    )
                }
                Target::Pods { selector, .. } => {
                    format!("pods {}", selector.clone().unwrap_or_default())
                }
                t => format!("{t:?}"),
            })
            .collect()
    }

    #[test]
    fn dependencies_from_the_environment() {
        // As openstack-helm's helm-toolkit renders it (keystone-api), with and without the
        // `command` (the image's entrypoint is kubernetes-entrypoint).
        let env = json!([
            {"name": "DEPENDENCY_SERVICE", "value": "openstack:memcached,openstack:mariadb"},
            {"name": "DEPENDENCY_JOBS", "value": "keystone-db-sync,other:keystone-fernet-setup"},
            {"name": "DEPENDENCY_DAEMONSET", "value": ""},
            {"name": "DEPENDENCY_POD_JSON", "value": "[{\"labels\":{\"application\":\"openvswitch\"},\"requireSameNode\":true}]"},
            {"name": "DEPENDENCY_CUSTOM_RESOURCE", "value": "null"},
            {"name": "COMMAND", "value": "echo done"}
        ]);
        for command in [Some("kubernetes-entrypoint"), None] {
            let e = read(env.clone(), command);
            assert_eq!(
                names(&e),
                [
                    "service openstack:memcached",
                    "service openstack:mariadb",
                    "job keystone-db-sync",
                    "job other/keystone-fernet-setup",
                    "pods application=openvswitch"
                ]
            );
            assert!(e.not_understood.is_empty(), "{:?}", e.not_understood);
            assert!(
                e.checks
                    .iter()
                    .all(|c| c.mode == crate::command::Mode::ToolWaits)
            );
        }
        // DEPENDENCY_JOBS_JSON replaces DEPENDENCY_JOBS; what is not read is said.
        let e = read(
            json!([
                {"name": "DEPENDENCY_JOBS", "value": "ignored"},
                {"name": "DEPENDENCY_JOBS_JSON", "value": "[{\"name\": \"nova-init\"}, {\"labels\": {\"initializes\": \"neutron\"}}]"},
                {"name": "DEPENDENCY_DAEMONSET", "value": "openvswitch-agent"}
            ]),
            None,
        );
        assert_eq!(names(&e), ["job nova-init"]);
        assert_eq!(e.not_understood.len(), 2, "{:?}", e.not_understood);
        assert!(e.not_understood[1].starts_with("DEPENDENCY_DAEMONSET=openvswitch-agent"));
    }
}
