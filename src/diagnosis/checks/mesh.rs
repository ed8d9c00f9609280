//! `MeshBlocksInitTraffic`: a service mesh redirects the pod's outbound traffic to its proxy —
//! from the start with its CNI plugin (Istio's `istio-validation`, Linkerd's CNI mode: a
//! `linkerd-proxy` and no `linkerd-init`), or from its own init container (`istio-init`,
//! `linkerd-init`) when that runs before — while the proxy is an ordinary app container, which
//! cannot start before the init containers end. An init container that connects anywhere then
//! waits or fails forever. Istio places `istio-init` last on purpose (its injector moves it
//! there) and `istio-validation` first; the UID of the proxy (Istio 1337, Linkerd 2102) is not
//! redirected.

use super::context::{Context, finding};
use super::permissions::lines_of;
use crate::finding::{Finding, Severity};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mesh {
    Istio,
    Linkerd,
}

const MESH_INITS: &[&str] = &[
    "istio-init",
    "istio-validation",
    "linkerd-init",
    "linkerd-network-validator",
];

const NETWORK_WORDS: &[&str] = &[
    "connection refused",
    "timed out",
    "i/o timeout",
    "no route to host",
    "failed to connect",
    "could not connect",
    "network is unreachable",
];

pub fn check_mesh_blocks_init_traffic(cx: &Context) -> Option<Finding> {
    let b = cx.blocker.as_ref()?;
    if MESH_INITS.contains(&b.name()) || b.row.sidecar {
        return None;
    }
    let spec = cx.pod.spec.as_ref()?;
    let inits = spec.init_containers.as_deref().unwrap_or(&[]);
    let before = &inits[..b.row.index.min(inits.len())];
    let annotations = cx.pod.metadata.annotations.as_ref();
    let annotation = |k: &str| annotations.and_then(|a| a.get(k)).map(String::as_str);
    let app = |name: &str| spec.containers.iter().any(|c| c.name == name);
    let native = |name: &str| {
        before
            .iter()
            .any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"))
    };
    let has_init = |name: &str| inits.iter().any(|c| c.name == name);
    let (mesh, how) = if app("istio-proxy") && !native("istio-proxy") {
        if has_init("istio-validation")
            || annotation("sidecar.istio.io/status").is_some_and(|s| s.contains("istio-validation"))
        {
            (
                Mesh::Istio,
                "Istio's CNI plugin redirects the pod's outbound traffic from its start",
            )
        } else if before.iter().any(|c| c.name == "istio-init") {
            (
                Mesh::Istio,
                "istio-init, which runs before it, redirects the pod's outbound traffic",
            )
        } else {
            return None;
        }
    } else if app("linkerd-proxy") && !native("linkerd-proxy") {
        if before.iter().any(|c| c.name == "linkerd-init") {
            (
                Mesh::Linkerd,
                "linkerd-init, which runs before it, redirects the pod's outbound traffic",
            )
        } else if !has_init("linkerd-init") {
            (
                Mesh::Linkerd,
                "the linkerd CNI plugin redirects the pod's outbound traffic from its start (no linkerd-init)",
            )
        } else {
            return None;
        }
    } else {
        return None;
    };
    let (proxy, uid, skip, ports) = match mesh {
        Mesh::Istio => (
            "istio-proxy",
            1337,
            "traffic.sidecar.istio.io/excludeOutboundPorts",
            "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        ),
        Mesh::Linkerd => (
            "linkerd-proxy",
            2102,
            "config.linkerd.io/skip-outbound-ports",
            "config.linkerd.io/skip-outbound-ports",
        ),
    };
    if annotation(skip).is_some() || annotation(ports).is_some() {
        return None;
    }
    let user = b
        .spec
        .and_then(|c| c.security_context.as_ref())
        .and_then(|s| s.run_as_user);
    if user == Some(uid) {
        return None;
    }
    let lines = lines_of(b);
    let network_line = lines.iter().rev().find(|l| {
        let l = l.to_ascii_lowercase();
        NETWORK_WORDS.iter().any(|w| l.contains(w))
    });
    let waits = network_line.is_some();
    let command = b
        .spec
        .map(|c| {
            c.command
                .iter()
                .chain(c.args.iter())
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let net_command = [
        "nc ",
        "curl",
        "wget",
        "nslookup",
        "pg_isready",
        "psql",
        "mysql",
        "redis-cli",
        "kubectl",
        "http",
    ]
    .iter()
    .any(|t| command.contains(t));
    if !waits && !net_command {
        return None;
    }
    let mut f = finding(
        "MeshBlocksInitTraffic",
        Severity::Error,
        Some(b.name()),
        format!(
            "its outbound traffic goes to {proxy}, which cannot be running yet: {how}, but {proxy} is an app container that starts only after every init container"
        ),
    );
    if let Some(l) = network_line {
        f.evidence.push(format!("log: {}", l.trim()));
    }
    f.evidence.push(format!(
        "{proxy} is in spec.containers (not a native sidecar before {})",
        b.name()
    ));
    f.hint = match mesh {
        Mesh::Istio => format!(
            "run {proxy} as a native sidecar (Istio's native sidecar mode: an init container with restartPolicy: Always, started first), or run this init container as the proxy's UID: {}: 1337 (not redirected), or exclude what it connects to: annotation traffic.sidecar.istio.io/excludeOutboundPorts: \"PORT\" (or excludeOutboundIPRanges) on the pod template",
            b.field("securityContext.runAsUser")
        ),
        Mesh::Linkerd => format!(
            "exclude what it connects to: annotation config.linkerd.io/skip-outbound-ports: \"PORT\" on the pod template, or run this init container as the proxy's UID: {}: 2102, or run {proxy} as a native sidecar (annotation config.alpha.linkerd.io/proxy-enable-native-sidecar: \"true\")",
            b.field("securityContext.runAsUser")
        ),
    };
    Some(f)
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
            ("no mesh", json!([wait]), json!([app]), json!({}), false),
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
}
