//! Pure resolution: a host name as a pod would resolve it (its namespace, search path and
//! `dnsPolicy`), and the objects behind it — Service, EndpointSlices, backing Pods.

use std::collections::BTreeMap;
use std::net::IpAddr;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointSlice};

use super::WaitObjects;

/// The label the endpointslice controller puts on each slice: the Service it belongs to.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// What the resolution works against: the pod, its namespace, the cluster domain, and the
/// objects the edge fetched (none when nothing was fetched).
#[derive(Debug, Clone, Copy)]
pub struct World<'a> {
    pub pod: &'a Pod,
    pub namespace: &'a str,
    pub domain: &'a str,
    pub objects: Option<&'a WaitObjects>,
}

impl<'a> World<'a> {
    /// The Service `name` in `namespace`, from what was fetched: looked up by name in every
    /// namespace, or found in the pod's own (by ClusterIP). A Service read as metadata only (a
    /// namespace's names, for near misses) has no spec and is not one to resolve against.
    pub fn service(&self, namespace: &str, name: &str) -> Option<&'a Service> {
        let objects = self.objects?;
        let in_home = namespace == self.namespace;
        let named = objects.services_by_name.iter();
        let home = objects.services.iter().filter(move |_| in_home);
        named.chain(home).find(|s| {
            s.spec.is_some()
                && s.metadata.name.as_deref() == Some(name)
                && s.metadata.namespace.as_deref().unwrap_or(self.namespace) == namespace
        })
    }

    /// Services named `name` in namespaces other than `namespace`.
    pub fn services_elsewhere(&self, namespace: &str, name: &str) -> Vec<&'a Service> {
        let Some(objects) = self.objects else {
            return Vec::new();
        };
        let mut out: Vec<&Service> = objects
            .services_by_name
            .iter()
            .chain(objects.services.iter())
            .filter(|s| {
                s.metadata.name.as_deref() == Some(name)
                    && s.metadata.namespace.as_deref().unwrap_or(self.namespace) != namespace
            })
            .collect();
        out.sort_by_key(|s| s.metadata.namespace.clone());
        out.dedup_by_key(|s| s.metadata.namespace.clone());
        out
    }

    /// The EndpointSlices of Service `name` in `namespace`.
    pub fn slices(&self, namespace: &str, name: &str) -> Vec<&'a EndpointSlice> {
        let Some(objects) = self.objects else {
            return Vec::new();
        };
        let mut out: Vec<&EndpointSlice> = objects
            .endpoint_slices
            .iter()
            .chain(objects.other_slices.iter())
            .filter(|s| {
                s.metadata.namespace.as_deref().unwrap_or(self.namespace) == namespace
                    && s.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(SERVICE_NAME_LABEL))
                        .map(String::as_str)
                        == Some(name)
            })
            .collect();
        out.sort_by_key(|s| s.metadata.name.clone());
        out.dedup_by_key(|s| s.metadata.name.clone());
        out
    }

    /// Pods of `namespace` (only the pod's own namespace is looked into): those the lookups
    /// fetched — by the selectors, names and IPs the waits use — not the whole namespace, unless
    /// a finding needed its labels (then the rest as metadata only).
    pub fn pods(&self, namespace: &str) -> Option<&'a [Pod]> {
        let objects = self.objects?;
        (namespace == self.namespace).then_some(objects.pods.as_slice())
    }

    /// The pod `name` in `namespace`, when listed.
    pub fn pod_named(&self, namespace: &str, name: &str) -> Option<&'a Pod> {
        self.pods(namespace)?
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some(name))
    }
}

/// How the pod resolves names, from `dnsPolicy`, `dnsConfig` and `hostNetwork`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dns {
    /// The cluster DNS with the usual search path.
    Cluster,
    /// Cluster names never resolve: why, in one line, and the fix.
    Bypassed { why: String, fix: String },
    /// `dnsPolicy: None` with the cluster DNS among the nameservers: these search domains.
    Custom { searches: Vec<String> },
}

/// The pod's DNS, as the kubelet sets up its resolv.conf.
pub fn dns(world: &World) -> Dns {
    let spec = world.pod.spec.as_ref();
    let policy = spec
        .and_then(|s| s.dns_policy.as_deref())
        .unwrap_or("ClusterFirst");
    let host_network = spec.and_then(|s| s.host_network).unwrap_or(false);
    let config = spec.and_then(|s| s.dns_config.as_ref());
    match policy {
        "Default" => Dns::Bypassed {
            why: "dnsPolicy is Default: the pod uses the node's resolv.conf, not the cluster DNS".into(),
            fix: "remove `dnsPolicy: Default` (the default, ClusterFirst, uses the cluster DNS)".into(),
        },
        "ClusterFirst" if host_network => Dns::Bypassed {
            why: "hostNetwork is true and dnsPolicy is ClusterFirst: such a pod falls back to the node's DNS".into(),
            fix: "set `dnsPolicy: ClusterFirstWithHostNet`".into(),
        },
        "None" => {
            let nameservers: Vec<String> = config
                .and_then(|c| c.nameservers.clone())
                .unwrap_or_default();
            let cluster_dns = world
                .objects
                .and_then(|o| o.cluster_dns.as_ref())
                .and_then(|s| s.spec.as_ref())
                .and_then(|s| s.cluster_ip.clone());
            let uses_cluster = cluster_dns
                .as_ref()
                .is_some_and(|ip| nameservers.contains(ip));
            if uses_cluster {
                Dns::Custom {
                    searches: config.and_then(|c| c.searches.clone()).unwrap_or_default(),
                }
            } else {
                let servers = if nameservers.is_empty() {
                    "no nameservers".to_string()
                } else {
                    format!("nameservers {}", nameservers.join(", "))
                };
                let dns_ip = match &cluster_dns {
                    Some(ip) => format!(" (the cluster DNS is {ip})"),
                    None => String::new(),
                };
                Dns::Bypassed {
                    why: format!(
                        "dnsPolicy is None with {servers}{dns_ip}: cluster names are not served there"
                    ),
                    fix: "remove `dnsPolicy: None` and `dnsConfig.nameservers` (or list the cluster DNS Service IP and the search domains)".into(),
                }
            }
        }
        _ => Dns::Cluster,
    }
}

/// What a name (or IP) written in a command denotes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Denotes {
    /// A Service, found or not.
    Service { namespace: String, name: String },
    /// `hostname.subdomain` of a pod under a headless Service (StatefulSet pods).
    PodHostname {
        namespace: String,
        hostname: String,
        service: String,
    },
    /// An IP: a Service ClusterIP, a Pod IP, or nothing known.
    Ip(IpAddr),
    /// This pod itself: `localhost`, `127.0.0.1`, `::1`.
    Localhost,
    /// In the pod's `hostAliases` (`/etc/hosts`).
    HostAlias { ip: String },
    /// Not a cluster name: not checked.
    External,
}

/// Common public top-level domains: `a.com` is an external name, not Service `a` in `com`.
const PUBLIC_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "io",
    "dev",
    "app",
    "cloud",
    "ai",
    "co",
    "me",
    "info",
    "biz",
    "edu",
    "gov",
    "mil",
    "int",
    "us",
    "uk",
    "de",
    "fr",
    "cn",
    "jp",
    "ru",
    "eu",
    "nl",
    "ch",
    "se",
    "no",
    "fi",
    "dk",
    "it",
    "es",
    "pl",
    "br",
    "in",
    "au",
    "ca",
    "kr",
    "tw",
    "hk",
    "sg",
    "xyz",
    "tech",
    "online",
    "site",
    "example",
    "test",
    "invalid",
    "localhost",
    "internal",
    "local",
    "lan",
    "corp",
    "home",
    "arpa",
];

/// What `name` denotes for a pod in `namespace`, following the resolver's search path
/// (`<ns>.svc.<domain> svc.<domain> <domain>`, ndots 5) and checking which candidates exist.
/// `resolver` is true for tools that read `/etc/hosts` (not nslookup, dig, host).
pub fn denote(world: &World, name: &str, resolver: bool) -> Denotes {
    let name = name.trim().to_ascii_lowercase();
    let absolute = name.ends_with('.');
    let name = name.trim_end_matches('.');
    if let Ok(ip) = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return if ip.is_loopback() {
            Denotes::Localhost
        } else {
            Denotes::Ip(ip)
        };
    }
    if name == "localhost" || name == "localhost.localdomain" {
        return Denotes::Localhost;
    }
    if resolver && let Some(ip) = host_alias(world.pod, name) {
        return Denotes::HostAlias { ip };
    }
    let ns = world.namespace;
    let domain = world.domain.trim_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    let service = |namespace: &str, svc: &str| Denotes::Service {
        namespace: namespace.to_string(),
        name: svc.to_string(),
    };
    let pod_host = |namespace: &str, host: &str, svc: &str| Denotes::PodHostname {
        namespace: namespace.to_string(),
        hostname: host.to_string(),
        service: svc.to_string(),
    };
    // Fully qualified in the cluster domain.
    if let Some(rest) = name.strip_suffix(&format!(".{domain}")) {
        let parts: Vec<&str> = rest.split('.').collect();
        return match parts.as_slice() {
            [svc, namespace, "svc"] => service(namespace, svc),
            [host, svc, namespace, "svc"] => pod_host(namespace, host, svc),
            [ip, _, "pod"] => ip
                .replace('-', ".")
                .parse()
                .map(Denotes::Ip)
                .unwrap_or(Denotes::External),
            _ => Denotes::External,
        };
    }
    if absolute {
        return Denotes::External;
    }
    let exists = |namespace: &str, svc: &str| world.service(namespace, svc).is_some();
    let headless_has = |namespace: &str, host: &str, svc: &str| {
        world.service(namespace, svc).is_some_and(is_headless)
            && (world.slices(namespace, svc).iter().any(|sl| {
                sl.endpoints
                    .iter()
                    .any(|e| e.hostname.as_deref() == Some(host))
            }) || world.pods(namespace).is_some_and(|pods| {
                pods.iter().any(|p| {
                    let spec = p.spec.as_ref();
                    spec.and_then(|s| s.hostname.as_deref()) == Some(host)
                        && spec.and_then(|s| s.subdomain.as_deref()) == Some(svc)
                })
            }))
    };
    match labels.as_slice() {
        [svc] => service(ns, svc),
        [a, b] => {
            let headless_here = world.service(ns, b).is_some_and(is_headless);
            if headless_has(ns, a, b) || (headless_here && !exists(b, a)) {
                pod_host(ns, a, b)
            } else if exists(b, a) || !PUBLIC_TLDS.contains(b) {
                service(b, a)
            } else {
                Denotes::External
            }
        }
        [svc, namespace, "svc"] => service(namespace, svc),
        [host, svc, namespace] => {
            if exists(namespace, svc) {
                pod_host(namespace, host, svc)
            } else {
                Denotes::External
            }
        }
        [host, svc, namespace, "svc"] => pod_host(namespace, host, svc),
        _ => Denotes::External,
    }
}

/// The IP a `hostAliases` entry gives `name`.
pub fn host_alias(pod: &Pod, name: &str) -> Option<String> {
    pod.spec
        .as_ref()?
        .host_aliases
        .as_ref()?
        .iter()
        .find(|a| {
            a.hostnames
                .iter()
                .flatten()
                .any(|h| h.eq_ignore_ascii_case(name))
        })
        .map(|a| a.ip.clone())
}

/// True for `clusterIP: None`.
pub fn is_headless(service: &Service) -> bool {
    service.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None")
}

/// The Service's type (ClusterIP when unset).
pub fn service_type(service: &Service) -> &str {
    service
        .spec
        .as_ref()
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("ClusterIP")
}

/// `80/TCP→9376, 443/TCP→https`: the Service's ports for evidence.
pub fn ports_text(service: &Service) -> String {
    let ports = service
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_deref())
        .unwrap_or(&[]);
    if ports.is_empty() {
        return "no ports".into();
    }
    ports
        .iter()
        .map(|p| {
            let target = match &p.target_port {
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(t)) => {
                    t.to_string()
                }
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => {
                    s.clone()
                }
                None => p.port.to_string(),
            };
            format!(
                "{}/{}→{target}",
                p.port,
                p.protocol.as_deref().unwrap_or("TCP")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An endpoint is ready unless its `ready` condition says false (nil means ready).
pub fn endpoint_ready(endpoint: &Endpoint) -> bool {
    endpoint
        .conditions
        .as_ref()
        .and_then(|c| c.ready)
        .unwrap_or(true)
}

/// The Pod's `Ready` condition.
pub fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Terminal pods (Succeeded, Failed) never back a Service.
pub fn pod_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// True when every pair of `selector` is among `labels`.
pub fn selector_matches(
    selector: &BTreeMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// `a=b,c=d`.
pub fn labels_text(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The label sets of `pods` closest to `selector` (most matching pairs first), at most `max`.
pub fn closest_label_sets(
    selector: &BTreeMap<String, String>,
    pods: &[Pod],
    max: usize,
) -> Vec<(String, String)> {
    let mut scored: Vec<(usize, usize, String, String)> = pods
        .iter()
        .filter_map(|p| {
            let labels = p.metadata.labels.as_ref()?;
            let same = selector
                .iter()
                .filter(|(k, v)| labels.get(*k) == Some(*v))
                .count();
            let near = selector
                .iter()
                .filter(|(k, v)| {
                    labels.get(*k).is_some_and(|l| edit_distance(l, v) <= 2)
                        || labels
                            .iter()
                            .any(|(lk, lv)| lv == *v && edit_distance(lk, k) <= 2)
                })
                .count();
            (same + near > 0).then(|| {
                (
                    same,
                    near,
                    p.metadata.name.clone().unwrap_or_default(),
                    labels_text(labels),
                )
            })
        })
        .collect();
    scored.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then(a.2.cmp(&b.2)));
    scored
        .into_iter()
        .take(max)
        .map(|(_, _, name, labels)| (name, labels))
        .collect()
}

/// Levenshtein distance, on characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Names among `candidates` close enough to `name` to be a typo of it, closest first.
pub fn near_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let len = name.chars().count();
    let limit = if len <= 4 { 1 } else { (len / 4).max(2) };
    let mut found: Vec<(usize, String)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let d = edit_distance(name, c);
            (d <= limit).then(|| (d, c.to_string()))
        })
        .collect();
    found.sort();
    found.dedup();
    found.into_iter().map(|(_, c)| c).collect()
}

/// A label selector as kubectl accepts it (`a=b,c!=d,e in (x,y),!f,g`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl Selector {
    /// Parse a selector; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Selector> {
        let mut reqs = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            // Split at the next comma outside parentheses.
            let mut depth = 0i32;
            let mut cut = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ',' if depth == 0 => {
                        cut = i;
                        break;
                    }
                    _ => {}
                }
            }
            let part = rest[..cut].trim();
            rest = rest.get(cut + 1..).unwrap_or("").trim();
            if part.is_empty() {
                return None;
            }
            let values = |s: &str| -> Option<Vec<String>> {
                let inner = s.trim().strip_prefix('(')?.strip_suffix(')')?;
                Some(inner.split(',').map(|v| v.trim().to_string()).collect())
            };
            let req = if let Some(key) = part.strip_prefix('!') {
                Requirement::Absent(key.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==") {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once('=') {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), values(v)?)
            } else if let Some((k, v)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), values(v)?)
            } else if part.contains(char::is_whitespace) {
                return None;
            } else {
                Requirement::Exists(part.to_string())
            };
            reqs.push(req);
        }
        Some(Selector(reqs))
    }

    /// True when `labels` satisfy every requirement.
    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k));
        self.0.iter().all(|r| match r {
            Requirement::Eq(k, v) => get(k) == Some(v),
            Requirement::Ne(k, v) => get(k) != Some(v),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.contains(x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.contains(x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::Absent(k) => get(k).is_none(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn objects(
        services: serde_json::Value,
        slices: serde_json::Value,
        pods: serde_json::Value,
    ) -> WaitObjects {
        WaitObjects {
            services: std::sync::Arc::new(serde_json::from_value(services).unwrap()),
            endpoint_slices: std::sync::Arc::new(serde_json::from_value(slices).unwrap()),
            pods: std::sync::Arc::new(serde_json::from_value(pods).unwrap()),
            ..Default::default()
        }
    }

    fn pod(spec: serde_json::Value) -> Pod {
        serde_json::from_value(
            json!({"metadata": {"name": "app", "namespace": "shop"}, "spec": spec}),
        )
        .unwrap()
    }

    #[test]
    fn names_follow_the_search_path() {
        let p = pod(
            json!({"containers": [], "hostAliases": [{"ip": "10.1.2.3", "hostnames": ["legacy-db"]}]}),
        );
        let o = objects(
            json!([
                {"metadata": {"name": "nginx", "namespace": "shop"}, "spec": {"clusterIP": "None"}},
                {"metadata": {"name": "db", "namespace": "shop"}, "spec": {"clusterIP": "10.96.0.5"}}
            ]),
            json!([{"metadata": {"name": "nginx-x", "namespace": "shop", "labels": {SERVICE_NAME_LABEL: "nginx"}},
                    "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.9"], "hostname": "web-0"}]}]),
            json!([]),
        );
        let w = World {
            pod: &p,
            namespace: "shop",
            domain: "cluster.local",
            objects: Some(&o),
        };
        let svc = |ns: &str, n: &str| Denotes::Service {
            namespace: ns.into(),
            name: n.into(),
        };
        assert_eq!(denote(&w, "db", true), svc("shop", "db"));
        assert_eq!(denote(&w, "DB.", true), Denotes::External);
        assert_eq!(denote(&w, "db.other", true), svc("other", "db"));
        assert_eq!(denote(&w, "db.other.svc", true), svc("other", "db"));
        assert_eq!(
            denote(&w, "db.other.svc.cluster.local", true),
            svc("other", "db")
        );
        assert_eq!(
            denote(&w, "db.other.svc.cluster.local.", true),
            svc("other", "db")
        );
        assert_eq!(
            denote(&w, "web-0.nginx", true),
            Denotes::PodHostname {
                namespace: "shop".into(),
                hostname: "web-0".into(),
                service: "nginx".into()
            }
        );
        assert_eq!(
            denote(&w, "web-0.nginx.shop.svc.cluster.local", true),
            Denotes::PodHostname {
                namespace: "shop".into(),
                hostname: "web-0".into(),
                service: "nginx".into()
            }
        );
        assert_eq!(denote(&w, "example.com", true), Denotes::External);
        assert_eq!(denote(&w, "api.github.com", true), Denotes::External);
        assert_eq!(denote(&w, "127.0.0.1", true), Denotes::Localhost);
        assert_eq!(denote(&w, "localhost", true), Denotes::Localhost);
        assert_eq!(
            denote(&w, "10.96.0.5", true),
            Denotes::Ip("10.96.0.5".parse().unwrap())
        );
        assert_eq!(
            denote(&w, "legacy-db", true),
            Denotes::HostAlias {
                ip: "10.1.2.3".into()
            }
        );
        // nslookup does not read /etc/hosts.
        assert_eq!(denote(&w, "legacy-db", false), svc("shop", "legacy-db"));
        let w = World {
            domain: "k8s.internal",
            ..w
        };
        assert_eq!(
            denote(&w, "db.other.svc.k8s.internal", true),
            svc("other", "db")
        );
    }

    #[test]
    fn dns_policy_decides_whether_cluster_names_resolve() {
        let w = |p: &Pod| {
            dns(&World {
                pod: p,
                namespace: "shop",
                domain: "cluster.local",
                objects: None,
            })
        };
        assert_eq!(w(&pod(json!({"containers": []}))), Dns::Cluster);
        assert!(matches!(
            w(&pod(json!({"containers": [], "dnsPolicy": "Default"}))),
            Dns::Bypassed { .. }
        ));
        assert!(
            matches!(w(&pod(json!({"containers": [], "hostNetwork": true}))), Dns::Bypassed { fix, .. } if fix.contains("ClusterFirstWithHostNet"))
        );
        assert_eq!(
            w(&pod(
                json!({"containers": [], "hostNetwork": true, "dnsPolicy": "ClusterFirstWithHostNet"})
            )),
            Dns::Cluster
        );
        let none = pod(
            json!({"containers": [], "dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.2.3.4"]}}),
        );
        assert!(matches!(w(&none), Dns::Bypassed { why, .. } if why.contains("1.2.3.4")));
        let o = WaitObjects {
            cluster_dns: Some(
                serde_json::from_value(
                    json!({"metadata": {"name": "kube-dns"}, "spec": {"clusterIP": "1.2.3.4"}}),
                )
                .unwrap(),
            ),
            ..Default::default()
        };
        let got = dns(&World {
            pod: &none,
            namespace: "shop",
            domain: "cluster.local",
            objects: Some(&o),
        });
        assert_eq!(got, Dns::Custom { searches: vec![] });
    }

    #[test]
    fn selectors_and_near_names() {
        let s = Selector::parse("app=db,tier!=cache,env in (prod, staging),!legacy").unwrap();
        let labels: BTreeMap<String, String> = [("app", "db"), ("env", "prod")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(s.matches(Some(&labels)));
        assert!(!Selector::parse("app=web").unwrap().matches(Some(&labels)));
        assert!(Selector::parse("app").unwrap().matches(Some(&labels)));
        assert_eq!(near_names("mydb", ["my-db", "mysql", "web"]), ["my-db"]);
        assert_eq!(
            near_names("postgres-service", ["postgres-svc", "postgres", "redis"]),
            ["postgres-svc"]
        );
        assert_eq!(edit_distance("donel", "done"), 1);
    }
}
