//! The service meshes whose redirect can catch an init container's traffic, read from the pod:
//! which container is the proxy, what sets the redirect up (an init container of the mesh, or
//! its CNI plugin), whose traffic it leaves alone (the proxy's UID), how a pod excludes ports
//! or addresses, and whether name lookups (DNS) are redirected too. Each entry is what the
//! mesh's own injector writes (its container names, annotations and defaults).

use k8s_openapi::api::core::v1::{Container, Pod};

/// How a mesh redirects the pod's traffic.
pub struct Redirect {
    pub mesh: &'static str,
    /// The proxy container that receives the redirected traffic.
    pub proxy: &'static str,
    /// How the redirect is set up, for the message.
    pub how: String,
    /// The UID whose traffic is not redirected (the proxy's).
    pub uid: i64,
    /// Exclusions set on the pod: (annotation or variable, value).
    pub excluded_ports: Vec<String>,
    pub excluded_other: Vec<(String, String)>,
    /// Name lookups go to the proxy too (Istio's DNS capture, Kuma's builtin DNS).
    pub captures_dns: bool,
    /// What to do, for the hint (the blocker's runAsUser field substituted for `{user}`).
    pub fixes: &'static str,
}

/// What one mesh's injector writes.
struct Mesh {
    name: &'static str,
    proxy: &'static str,
    /// Init containers that write the redirect when they run (before the blocker).
    redirectors: &'static [&'static str],
    /// Init containers that only check a redirect the CNI plugin wrote.
    validators: &'static [&'static str],
    default_uid: i64,
    port_exclusions: &'static [&'static str],
    other_exclusions: &'static [&'static str],
    fixes: &'static str,
}

const MESHES: &[Mesh] = &[
    Mesh {
        name: "Istio",
        proxy: "istio-proxy",
        redirectors: &["istio-init"],
        validators: &["istio-validation"],
        default_uid: 1337,
        port_exclusions: &["traffic.sidecar.istio.io/excludeOutboundPorts"],
        other_exclusions: &["traffic.sidecar.istio.io/excludeOutboundIPRanges"],
        fixes: "run istio-proxy as a native sidecar (Istio's native sidecar mode: an init container with restartPolicy: Always, started first), or run this init container as the proxy's UID: {user}: {uid} (not redirected), or exclude what it connects to: annotation traffic.sidecar.istio.io/excludeOutboundPorts: \"PORT\" (or excludeOutboundIPRanges) on the pod template",
    },
    Mesh {
        name: "Linkerd",
        proxy: "linkerd-proxy",
        redirectors: &["linkerd-init"],
        validators: &["linkerd-network-validator"],
        default_uid: 2102,
        port_exclusions: &["config.linkerd.io/skip-outbound-ports"],
        other_exclusions: &[],
        fixes: "exclude what it connects to: annotation config.linkerd.io/skip-outbound-ports: \"PORT\" on the pod template, or run this init container as the proxy's UID: {user}: {uid}, or run linkerd-proxy as a native sidecar (annotation config.alpha.linkerd.io/proxy-enable-native-sidecar: \"true\")",
    },
    Mesh {
        name: "Kuma",
        proxy: "kuma-sidecar",
        redirectors: &["kuma-init"],
        validators: &["kuma-validation"],
        default_uid: 5678,
        port_exclusions: &["traffic.kuma.io/exclude-outbound-ports"],
        other_exclusions: &[
            "traffic.kuma.io/exclude-outbound-ips",
            "traffic.kuma.io/exclude-outbound-ports-for-uids",
        ],
        fixes: "exclude this init container's traffic: annotation traffic.kuma.io/exclude-outbound-ports-for-uids: \"UID\" with its {user} (ports 53 included when names must resolve), or run it as the sidecar's UID: {user}: {uid}, or exclude what it connects to: annotation traffic.kuma.io/exclude-outbound-ports: \"PORT\"; or run kuma-sidecar as a native sidecar",
    },
    Mesh {
        name: "App Mesh",
        proxy: "envoy",
        redirectors: &["proxyinit"],
        validators: &[],
        default_uid: 1337,
        port_exclusions: &["appmesh.k8s.aws/egressIgnoredPorts"],
        other_exclusions: &["appmesh.k8s.aws/egressIgnoredIPs"],
        fixes: "run this init container as Envoy's UID: {user}: {uid} (not redirected), or exclude what it connects to: annotation appmesh.k8s.aws/egressIgnoredPorts: \"PORT\" (or egressIgnoredIPs) on the pod template",
    },
    Mesh {
        name: "Open Service Mesh",
        proxy: "envoy",
        redirectors: &["osm-init"],
        validators: &[],
        default_uid: 1500,
        port_exclusions: &["openservicemesh.io/outbound-port-exclusion-list"],
        other_exclusions: &["openservicemesh.io/outbound-ip-range-exclusion-list"],
        fixes: "exclude what it connects to: annotation openservicemesh.io/outbound-port-exclusion-list: \"PORT\" (or outbound-ip-range-exclusion-list) on the pod template, or run this init container as Envoy's UID: {user}: {uid}",
    },
];

/// The names of the init containers a mesh injects (they are not the blocker this is about).
pub fn is_mesh_init(name: &str) -> bool {
    MESHES
        .iter()
        .any(|m| m.redirectors.contains(&name) || m.validators.contains(&name))
}

/// The redirect that catches the traffic of init container `index` of `pod`, if a mesh set
/// one up before it while its proxy is an ordinary app container (not a native sidecar that
/// runs before it).
pub fn redirect_before(pod: &Pod, index: usize) -> Option<Redirect> {
    let spec = pod.spec.as_ref()?;
    let inits = spec.init_containers.as_deref().unwrap_or(&[]);
    let before = &inits[..index.min(inits.len())];
    let annotation = |k: &str| annotation(pod, k);
    let has_init = |name: &str| inits.iter().any(|c| c.name == name);
    for m in MESHES {
        if !spec.containers.iter().any(|c| c.name == m.proxy)
            || before.iter().any(|c| c.name == m.proxy)
        {
            continue;
        }
        let redirector = before
            .iter()
            .find(|c| m.redirectors.contains(&c.name.as_str()));
        let how = if let Some(c) = redirector {
            format!(
                "{}, which runs before it, redirects the pod's outbound traffic",
                c.name
            )
        } else if let Some(v) = m.validators.iter().find(|v| {
            has_init(v) || annotation("sidecar.istio.io/status").is_some_and(|s| s.contains(*v))
        }) {
            format!(
                "{}'s CNI plugin redirects the pod's outbound traffic from its start ({v} checks it)",
                m.name
            )
        } else if cni_without_init(m, pod, &has_init) {
            format!(
                "{}'s CNI plugin redirects the pod's outbound traffic from its start (no {})",
                m.name, m.redirectors[0]
            )
        } else {
            continue;
        };
        let uid = uid_of(m, redirector, pod);
        let mut excluded_ports = Vec::new();
        let mut excluded_other = Vec::new();
        for k in m.port_exclusions {
            if let Some(v) = annotation(k) {
                excluded_ports.extend(v.split(',').map(|p| p.trim().to_string()));
            }
        }
        for k in m.other_exclusions {
            if let Some(v) = annotation(k) {
                excluded_other.push((k.to_string(), v.to_string()));
            }
        }
        if let Some(c) = redirector
            && let Some(v) = env_of(c, "APPMESH_EGRESS_IGNORED_PORTS")
        {
            excluded_ports.extend(v.split(',').map(|p| p.trim().to_string()));
        }
        return Some(Redirect {
            mesh: m.name,
            proxy: m.proxy,
            how,
            uid,
            excluded_ports,
            excluded_other,
            captures_dns: captures_dns(m, spec.containers.as_slice(), pod),
            fixes: m.fixes,
        });
    }
    None
}

/// The mesh's CNI plugin writes the redirect while the pod has none of its init containers:
/// Linkerd's CNI mode; Kuma's, when the injector says transparent proxying is on.
fn cni_without_init(m: &Mesh, pod: &Pod, has_init: &dyn Fn(&str) -> bool) -> bool {
    let annotation = |k: &str| annotation(pod, k);
    if m.redirectors.iter().any(|r| has_init(r)) {
        return false;
    }
    match m.name {
        "Linkerd" => true,
        "Kuma" => {
            annotation("kuma.io/sidecar-injected") == Some("true")
                && matches!(
                    annotation("kuma.io/transparent-proxying"),
                    Some("enabled" | "true")
                )
        }
        _ => false,
    }
}

/// The UID left alone: what the redirector was told (`-u` of istio-iptables,
/// `--proxy-uid` of linkerd's proxy-init, App Mesh's `APPMESH_IGNORE_UID`), Kuma's
/// `kuma.io/sidecar-uid`, else the mesh's default.
fn uid_of(m: &Mesh, redirector: Option<&Container>, pod: &Pod) -> i64 {
    let annotation = |k: &str| annotation(pod, k);
    let from_args = redirector.and_then(|c| {
        let words: Vec<&String> = c.command.iter().chain(c.args.iter()).flatten().collect();
        words
            .windows(2)
            .find(|w| matches!(w[0].as_str(), "-u" | "--proxy-uid"))
            .and_then(|w| w[1].parse().ok())
    });
    from_args
        .or_else(|| redirector.and_then(|c| env_of(c, "APPMESH_IGNORE_UID")?.parse().ok()))
        .or_else(|| {
            (m.name == "Kuma")
                .then(|| annotation("kuma.io/sidecar-uid")?.parse().ok())
                .flatten()
        })
        .unwrap_or(m.default_uid)
}

/// A non-empty annotation of the pod.
fn annotation<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

fn env_of<'a>(c: &'a Container, name: &str) -> Option<&'a str> {
    c.env
        .iter()
        .flatten()
        .find(|e| e.name == name)
        .and_then(|e| e.value.as_deref())
        .filter(|v| !v.is_empty())
}

/// Name lookups are redirected too: Istio's DNS capture (`ISTIO_META_DNS_CAPTURE`, in the
/// proxy's environment or `proxy.istio.io/config`), Kuma's builtin DNS (`kuma.io/builtin-dns`).
fn captures_dns(m: &Mesh, apps: &[Container], pod: &Pod) -> bool {
    let annotation = |k: &str| annotation(pod, k);
    match m.name {
        "Istio" => {
            let in_config = annotation("proxy.istio.io/config").is_some_and(|c| {
                let c: String = c.chars().filter(|ch| !ch.is_whitespace()).collect();
                c.contains("\"ISTIO_META_DNS_CAPTURE\":\"true\"")
                    || c.contains("ISTIO_META_DNS_CAPTURE:\"true\"")
                    || c.contains("ISTIO_META_DNS_CAPTURE:true")
            });
            in_config
                || apps
                    .iter()
                    .filter(|c| c.name == m.proxy)
                    .any(|c| env_of(c, "ISTIO_META_DNS_CAPTURE") == Some("true"))
        }
        "Kuma" => matches!(annotation("kuma.io/builtin-dns"), Some("enabled" | "true")),
        _ => false,
    }
}
