//! `MeshBlocksInitTraffic`: a service mesh redirects the pod's outbound traffic to its proxy —
//! from the start with its CNI plugin (Istio's `istio-validation`, Linkerd's CNI mode, Kuma's
//! transparent proxying without `kuma-init`), or from its own init container (`istio-init`,
//! `linkerd-init`, `kuma-init`, App Mesh's `proxyinit`, `osm-init`) when that runs before —
//! while the proxy is an ordinary app container, which cannot start before the init containers
//! end. An init container that connects anywhere then waits or fails forever. Which meshes, and
//! what each one's injector writes: [`super::meshes`].
//!
//! "Connects anywhere" is read, not guessed from a program's name: what the wait reader
//! ([`crate::command`]) finds the container's command reaching (a host, the API server for
//! `kubectl wait` and the like), or a network failure in its log (a name that does not resolve
//! counts only where the mesh redirects name lookups too).

use super::context::{Context, finding};
use super::meshes::{self, Redirect};
use super::permissions::lines_of;
use crate::command::{self, Part, Target};
use crate::finding::{Finding, Severity};

/// Log words of a connection that did not get through.
const NETWORK_WORDS: &[&str] = &[
    "refused",
    "timed out",
    "i/o timeout",
    "no route to host",
    "failed to connect",
    "could not connect",
    "unable to connect",
    "can't connect",
    "connection attempt failed",
    "connection reset",
    "network is unreachable",
];

/// Log words of a name that did not resolve.
const DNS_WORDS: &[&str] = &[
    "unknownhostexception",
    "could not resolve",
    "can't resolve",
    "no such host",
    "name or service not known",
    "temporary failure in name resolution",
    "bad address",
    "name resolution",
];

pub fn check_mesh_blocks_init_traffic(cx: &Context) -> Option<Finding> {
    let b = cx.blocker.as_ref()?;
    if meshes::is_mesh_init(b.name()) || b.row.sidecar {
        return None;
    }
    let r = meshes::redirect_before(cx.pod, b.row.index)?;
    let user = b
        .spec
        .and_then(|c| c.security_context.as_ref())
        .and_then(|s| s.run_as_user)
        .or_else(|| cx.pod.spec.as_ref()?.security_context.as_ref()?.run_as_user);
    if user == Some(r.uid) || !r.excluded_other.is_empty() {
        return None;
    }
    let reaches = reached(cx, b.spec?);
    let lines = lines_of(b);
    let failed_line = lines.iter().rev().find(|l| {
        let l = l.to_ascii_lowercase();
        NETWORK_WORDS.iter().any(|w| l.contains(w))
            || r.captures_dns && DNS_WORDS.iter().any(|w| l.contains(w))
    });
    if reaches.is_empty() && failed_line.is_none() {
        return None;
    }
    // Ports excluded from the redirect: the finding holds only when something it reaches is
    // still redirected (a port not excluded, or one unknown).
    if !r.excluded_ports.is_empty()
        && (reaches.is_empty()
            || reaches
                .iter()
                .all(|(_, port)| port.as_ref().is_some_and(|p| r.excluded_ports.contains(p))))
    {
        return None;
    }
    Some(blocked(cx, &r, &reaches, failed_line.map(String::as_str)))
}

/// What the container's command reaches over the network, as the wait reader reads it: each
/// target as written, with its port when known. A local socket or loopback is not redirected.
fn reached(
    cx: &Context,
    container: &k8s_openapi::api::core::v1::Container,
) -> Vec<(String, Option<String>)> {
    let config_maps = cx.evidence.waits.as_ref().map(|w| w.config_maps.as_slice());
    let read = command::extract(cx.pod, container, config_maps);
    read.checks
        .iter()
        .map(|c| &c.target)
        .chain(read.connects.iter())
        .filter_map(|t| match t {
            Target::Host(h) => {
                let local = matches!(&h.host, Part::Known(host) if is_loopback(host));
                (!local).then(|| {
                    let port = match &h.port {
                        Some(Part::Known(p)) => Some(p.to_string()),
                        _ => None,
                    };
                    (h.written.clone(), port)
                })
            }
            Target::Pods { written, .. }
            | Target::Job { written, .. }
            | Target::Workload { written, .. } => {
                Some((format!("{written} (through the API server)"), None))
            }
            Target::Local { .. } | Target::Sleep { .. } => None,
        })
        .collect()
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "::1"
}

fn blocked(
    cx: &Context,
    r: &Redirect,
    reaches: &[(String, Option<String>)],
    line: Option<&str>,
) -> Finding {
    let b = cx.blocker.as_ref().expect("the blocker");
    let proxy = r.proxy;
    let mut f = finding(
        "MeshBlocksInitTraffic",
        Severity::Error,
        Some(b.name()),
        format!(
            "its outbound traffic goes to {proxy}, which cannot be running yet: {}, but {proxy} is an app container that starts only after every init container",
            r.how
        ),
    );
    if let Some((target, _)) = reaches.first() {
        f.evidence.push(format!("its command connects to {target}"));
    }
    if let Some(l) = line {
        f.evidence.push(format!("log: {}", l.trim()));
    }
    f.evidence.push(format!(
        "{proxy} is in spec.containers (not a native sidecar before {}); {} leaves alone only UID {}",
        b.name(),
        r.mesh,
        r.uid
    ));
    if !r.excluded_ports.is_empty() {
        f.evidence.push(format!(
            "ports excluded from the redirect: {}",
            r.excluded_ports.join(",")
        ));
    }
    f.hint = r
        .fixes
        .replace("{user}", &b.field("securityContext.runAsUser"))
        .replace("{uid}", &r.uid.to_string());
    f
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use serde_json::{Value, json};

    /// A pod with `inits` (`wait-db` blocks, running, its log `log`; those before it completed,
    /// those after it waiting), `apps` and annotations: its finding codes.
    fn meshed(inits: Value, apps: Value, annotations: Value, log: &str) -> Vec<String> {
        let names: Vec<String> = inits
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        let at = names.iter().position(|n| n == "wait-db").unwrap();
        let statuses: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| match i.cmp(&at) {
                std::cmp::Ordering::Equal => json!({"name": n, "image": "x", "imageID": "", "ready": false, "restartCount": 0, "started": true,
                           "state": {"running": {"startedAt": "2026-01-01T00:05:00Z"}}}),
                std::cmp::Ordering::Less => json!({"name": n, "image": "x", "imageID": "", "ready": true, "restartCount": 0,
                           "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}),
                std::cmp::Ordering::Greater => json!({"name": n, "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                           "state": {"waiting": {"reason": "PodInitializing"}}}),
            })
            .collect();
        let mut p = pod(
            inits,
            json!({"phase": "Pending", "initContainerStatuses": statuses}),
        );
        p["spec"]["containers"] = apps;
        p["metadata"]["annotations"] = annotations;
        codes(&with_logs(evidence(p), "wait-db", log, ""))
    }

    #[test]
    fn a_redirect_before_the_proxy_runs_blocks_init_traffic() {
        let wait = json!({"name": "wait-db", "image": "busybox", "command": ["sh", "-c", "until nc -z db 5432; do sleep 2; done"]});
        let app = json!({"name": "app", "image": "app"});
        let istio = json!({"name": "istio-proxy", "image": "proxyv2"});
        let linkerd = json!({"name": "linkerd-proxy", "image": "proxy"});
        let validation = json!({"name": "istio-validation", "image": "proxyv2"});
        let istio_init = json!({"name": "istio-init", "image": "proxyv2"});
        let linkerd_init = json!({"name": "linkerd-init", "image": "proxy-init"});
        let native = json!({"name": "istio-proxy", "image": "proxyv2", "restartPolicy": "Always"});
        let as_proxy = json!({"name": "wait-db", "image": "busybox", "command": ["sh", "-c", "until nc -z db 5432; do sleep 2; done"], "securityContext": {"runAsUser": 1337}});
        let refused = "nc: connect to db port 5432 (tcp) failed: Connection refused";
        // (case, init containers, app containers, annotations, blocks)
        let cases: Vec<(&str, Value, Value, Value, bool)> = vec![
            (
                "istio CNI",
                json!([validation.clone(), wait.clone()]),
                json!([app.clone(), istio.clone()]),
                json!({}),
                true,
            ),
            (
                "istio-init before it",
                json!([istio_init.clone(), wait.clone()]),
                json!([app.clone(), istio.clone()]),
                json!({}),
                true,
            ),
            (
                "istio-init after it (the injector's order)",
                json!([wait.clone(), istio_init.clone()]),
                json!([app.clone(), istio.clone()]),
                json!({}),
                false,
            ),
            (
                "the proxy as a native sidecar first",
                json!([validation.clone(), native, wait.clone()]),
                json!([app.clone()]),
                json!({}),
                false,
            ),
            (
                "the init container runs as the proxy's UID",
                json!([validation.clone(), as_proxy]),
                json!([app.clone(), istio.clone()]),
                json!({}),
                false,
            ),
            (
                "its port excluded",
                json!([validation.clone(), wait.clone()]),
                json!([app.clone(), istio.clone()]),
                json!({"traffic.sidecar.istio.io/excludeOutboundPorts": "5432"}),
                false,
            ),
            (
                "linkerd CNI",
                json!([wait.clone()]),
                json!([linkerd.clone(), app.clone()]),
                json!({}),
                true,
            ),
            (
                "linkerd-init after it",
                json!([wait.clone(), linkerd_init]),
                json!([linkerd, app.clone()]),
                json!({}),
                false,
            ),
            (
                "no mesh",
                json!([wait.clone()]),
                json!([app.clone()]),
                json!({}),
                false,
            ),
        ];
        for (case, inits, apps, annotations, blocks) in cases {
            let found = meshed(inits, apps, annotations, refused);
            assert_eq!(
                found.contains(&"MeshBlocksInitTraffic".to_string()),
                blocks,
                "{case}: {found:?}"
            );
        }
    }

    #[test]
    fn what_the_command_reaches_decides_not_the_program_name() {
        let app = json!({"name": "app", "image": "app"});
        let istio = json!({"name": "istio-proxy", "image": "proxyv2"});
        let istio_init = json!({"name": "istio-init", "image": "proxyv2"});
        let kuma = json!({"name": "kuma-sidecar", "image": "kuma-dp"});
        let envoy = json!({"name": "envoy", "image": "aws-appmesh-envoy"});
        let proxyinit = json!({"name": "proxyinit", "image": "aws-appmesh-proxy-route-manager",
            "env": [{"name": "APPMESH_IGNORE_UID", "value": "1337"}]});
        let kuma_cni =
            json!({"kuma.io/sidecar-injected": "true", "kuma.io/transparent-proxying": "enabled"});
        let kubectl_wait = json!({"name": "wait-db", "image": "bitnami/kubectl",
            "args": ["wait", "--for=condition=complete", "--timeout=60s", "job/migrate"]});
        let copy = json!({"name": "wait-db", "image": "busybox", "command": ["sh", "-c", "cp /src/a /dst/a"]});
        let client = json!({"name": "wait-db", "image": "liquibase", "args": ["update"]});
        let unresolved = "java.net.UnknownHostException: db.example.com";
        let refused = "org.postgresql.util.PSQLException: The connection attempt failed.";
        let dns_capture = json!({"proxy.istio.io/config": "{\"proxyMetadata\":{\"ISTIO_META_DNS_CAPTURE\":\"true\"}}"});
        // (case, init containers, app containers, annotations, the blocker's log, blocks)
        let cases: Vec<(&str, Value, Value, Value, &str, bool)> = vec![
            (
                "App Mesh: kubectl wait reaches the API server",
                json!([proxyinit.clone(), kubectl_wait.clone()]),
                json!([app.clone(), envoy.clone()]),
                json!({}),
                "",
                true,
            ),
            (
                "App Mesh after it",
                json!([kubectl_wait.clone(), proxyinit]),
                json!([app.clone(), envoy]),
                json!({}),
                "",
                false,
            ),
            (
                "Kuma CNI: a client's own connection error",
                json!([client.clone()]),
                json!([app.clone(), kuma.clone()]),
                kuma_cni.clone(),
                refused,
                true,
            ),
            (
                "Kuma without transparent proxying",
                json!([client.clone()]),
                json!([app.clone(), kuma.clone()]),
                json!({"kuma.io/sidecar-injected": "true"}),
                refused,
                false,
            ),
            (
                "a copy reaches nothing",
                json!([istio_init.clone(), copy]),
                json!([app.clone(), istio.clone()]),
                json!({}),
                "",
                false,
            ),
            (
                "a name that does not resolve, Istio not capturing DNS",
                json!([istio_init.clone(), client.clone()]),
                json!([app.clone(), istio.clone()]),
                json!({}),
                unresolved,
                false,
            ),
            (
                "a name that does not resolve, Istio capturing DNS",
                json!([istio_init.clone(), client.clone()]),
                json!([app.clone(), istio.clone()]),
                dns_capture,
                unresolved,
                true,
            ),
            (
                "Linkerd CNI: a one-shot download",
                json!([{"name": "wait-db", "image": "busybox", "command": ["/bin/sh", "-c", "wget www.google.com"]}]),
                json!([{"name": "linkerd-proxy", "image": "proxy"}, app.clone()]),
                json!({}),
                "",
                true,
            ),
            (
                "Kuma builtin DNS",
                json!([client.clone()]),
                json!([app.clone(), kuma]),
                json!({"kuma.io/sidecar-injected": "true", "kuma.io/transparent-proxying": "enabled", "kuma.io/builtin-dns": "enabled"}),
                unresolved,
                true,
            ),
            (
                "the wait's port excluded",
                json!([
                    istio_init.clone(),
                    json!({"name": "wait-db", "image": "busybox", "command": ["sh", "-c", "until nc -z db 5432; do sleep 2; done"]})
                ]),
                json!([app.clone(), istio.clone()]),
                json!({"traffic.sidecar.istio.io/excludeOutboundPorts": "5432"}),
                "",
                false,
            ),
            (
                "another port excluded",
                json!([
                    istio_init,
                    json!({"name": "wait-db", "image": "busybox", "command": ["sh", "-c", "until nc -z db 5432; do sleep 2; done"]})
                ]),
                json!([app, istio]),
                json!({"traffic.sidecar.istio.io/excludeOutboundPorts": "3306"}),
                "",
                true,
            ),
        ];
        for (case, inits, apps, annotations, log, blocks) in cases {
            let found = meshed(inits, apps, annotations, log);
            assert_eq!(
                found.contains(&"MeshBlocksInitTraffic".to_string()),
                blocks,
                "{case}: {found:?}"
            );
        }
    }
}
