//! Pure resolution: a host name as a pod would resolve it (its namespace, search path and
//! `dnsPolicy`), and the objects behind it — Service, EndpointSlices, backing Pods. The state of
//! those objects is in `objects.rs`; selectors, label sets and near names in `labels.rs`.

use std::net::IpAddr;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::WaitObjects;

mod labels;
mod objects;

pub use labels::{
    Selector, closest_label_sets, labels_text, near_names, score, selector_matches, selector_pairs,
};
pub use objects::{endpoint_ready, is_headless, pod_ready, pod_terminal, ports_text, service_type};

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
            .map(|s| &**s)
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
                    .flatten()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn objects(
        services: serde_json::Value,
        slices: serde_json::Value,
        pods: serde_json::Value,
    ) -> WaitObjects {
        WaitObjects {
            services: std::sync::Arc::new(serde_json::from_value(services).unwrap()),
            endpoint_slices: crate::waits::shared_slices(serde_json::from_value(slices).unwrap()),
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
        // A different word where the rest is shared is another name, not a typo.
        assert!(near_names("orders-postgresql-a1b2c3", ["ledger-postgresql-a1b2c3"]).is_empty());
        assert_eq!(
            near_names(
                "orders-postgresq",
                ["orders-postgresql", "ledger-postgresql"]
            ),
            ["orders-postgresql"]
        );
    }
}
