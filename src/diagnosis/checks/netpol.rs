//! A wait that fails with every object in place (`ResolvesButWaits` on a Service) because the
//! pod's NetworkPolicies drop what it needs: `NetworkPolicyBlocksEgress`. The namespace's
//! NetworkPolicies are read only then; the egress of the pod is evaluated as the API defines
//! it — the policies whose `podSelector` selects the pod and whose `policyTypes` include
//! `Egress` isolate it, and a connection is allowed when one of their rules allows it (every
//! peer of `to` or none, every port of `ports` or none) — towards:
//!
//! - DNS: `kube-system`'s kube-dns on port 53/UDP, when the target is a name and the pod uses
//!   the cluster's DNS;
//! - the awaited Service's pods on its target port (the port the wait names, else every port of
//!   the Service), unless the tool only resolves the name.
//!
//! The evaluation is three-valued: what the objects cannot decide (an `ipBlock`: the address
//! after translation is not modelled; a `namespaceSelector` on labels other than
//! `kubernetes.io/metadata.name`; a selector on the DNS pods' labels; a named port of a pod not
//! read) counts as allowed, so a policy is named only when it surely drops the traffic.
//! The finding replaces the `ResolvesButWaits` it explains.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPeer, NetworkPolicyPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::context::{Context, finding};
use crate::diagnosis::Lookup;
use crate::finding::{Finding, Severity};

/// Where the cluster's DNS runs, and its port.
const DNS_NAMESPACE: &str = "kube-system";
const DNS_PORT: i32 = 53;

/// A destination of the pod's traffic.
struct Dest<'a> {
    namespace: &'a str,
    /// The destination pod's labels, when known (the DNS pods' are not read).
    labels: Option<&'a BTreeMap<String, String>>,
    protocol: &'a str,
    port: i32,
    /// The destination container's port names, when known.
    port_names: Vec<(String, i32)>,
}

/// Replace each `ResolvesButWaits` on a Service the pod's egress policies surely block with
/// `NetworkPolicyBlocksEgress`.
pub fn blocked_egress(cx: &Context, findings: &mut Vec<Finding>) {
    let Lookup::Found(all) = &cx.evidence.network_policies else {
        return;
    };
    let ns = cx.namespace();
    let labels = cx.pod.metadata.labels.as_ref();
    let isolating: Vec<&NetworkPolicy> = all
        .iter()
        .filter(|p| p.metadata.namespace.as_deref().is_none_or(|n| n == ns))
        .filter(|p| selects_egress(p, labels))
        .collect();
    if isolating.is_empty() {
        return;
    }
    let names: Vec<String> = isolating
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    let list = names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut added = Vec::new();
    for f in findings.iter().filter(|f| f.code == "ResolvesButWaits") {
        let Some(svc) = f
            .resolved
            .as_ref()
            .filter(|r| r.kind == "Service")
            .and_then(|r| service(cx, &r.namespace, &r.name))
        else {
            continue;
        };
        let svc_ns = svc.metadata.namespace.as_deref().unwrap_or(ns);
        let svc_name = svc.metadata.name.as_deref().unwrap_or("");
        let target = f.target.as_deref().unwrap_or("");
        let by_name = target.parse::<std::net::IpAddr>().is_err() && uses_cluster_dns(cx.pod);
        let dns_only =
            !f.message.contains("ready endpoint(s)") || f.message.contains("so the name resolves");
        let mut drops = Vec::new();
        if by_name {
            let dns = Dest {
                namespace: DNS_NAMESPACE,
                labels: None,
                protocol: "UDP",
                port: DNS_PORT,
                port_names: Vec::new(),
            };
            if allowed(&isolating, ns, &dns) == Some(false) {
                drops.push(format!(
                    "DNS (kube-dns in {DNS_NAMESPACE}, port {DNS_PORT}/UDP): {target:?} cannot resolve"
                ));
            }
        }
        if !dns_only && drops.is_empty() {
            let ports = target_ports(svc, wanted_port(&f.message));
            let backing = backing_pods(cx, svc);
            let blocked = !ports.is_empty()
                && !backing.is_empty()
                && backing.iter().all(|p| {
                    ports.iter().all(|(proto, port)| {
                        let Some(number) = resolve_port(port, p) else {
                            return false;
                        };
                        let dest = Dest {
                            namespace: svc_ns,
                            labels: p.metadata.labels.as_ref(),
                            protocol: proto,
                            port: number,
                            port_names: port_names(p),
                        };
                        allowed(&isolating, ns, &dest) == Some(false)
                    })
                });
            if blocked {
                let shown: Vec<String> = ports
                    .iter()
                    .map(|(proto, p)| match p {
                        IntOrString::Int(n) => format!("{n}/{proto}"),
                        IntOrString::String(s) => format!("{s}/{proto}"),
                    })
                    .collect();
                drops.push(format!(
                    "Service {svc_ns}/{svc_name}'s pods on port {}",
                    shown.join(", ")
                ));
            }
        }
        if drops.is_empty() {
            continue;
        }
        let mut x = finding(
            "NetworkPolicyBlocksEgress",
            Severity::Error,
            f.container.as_deref(),
            format!(
                "NetworkPolicy {list} selects this pod and allows no egress to {}, so the wait never ends although {svc_ns}/{svc_name} is in place",
                drops.join(", nor to ")
            ),
        );
        x.target.clone_from(&f.target);
        x.resolved.clone_from(&f.resolved);
        for p in &isolating {
            x.evidence.push(format!(
                "NetworkPolicy {}: policyTypes Egress, {} egress rule(s)",
                p.metadata.name.as_deref().unwrap_or(""),
                egress_rules(p).len()
            ));
        }
        x.hint = if drops[0].starts_with("DNS") {
            format!(
                "allow DNS in NetworkPolicy {}: an egress rule `to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}, podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}]` with `ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]` (kubectl edit networkpolicy {} -n {ns})",
                names[0], names[0]
            )
        } else {
            format!(
                "allow the pod's egress to {svc_name}'s pods on that port in NetworkPolicy {} (kubectl edit networkpolicy {} -n {ns}), and check their ingress policies too",
                names[0], names[0]
            )
        };
        added.push(x);
    }
    findings.retain(|f| {
        f.code != "ResolvesButWaits"
            || !added
                .iter()
                .any(|x| x.container == f.container && x.target == f.target)
    });
    findings.extend(added);
}

fn egress_rules(p: &NetworkPolicy) -> &[NetworkPolicyEgressRule] {
    p.spec
        .as_ref()
        .and_then(|s| s.egress.as_deref())
        .unwrap_or(&[])
}

/// True when the policy selects a pod with `labels` and isolates its egress.
fn selects_egress(p: &NetworkPolicy, labels: Option<&BTreeMap<String, String>>) -> bool {
    let Some(spec) = &p.spec else { return false };
    let egress = match &spec.policy_types {
        Some(types) => types.iter().any(|t| t == "Egress"),
        None => spec.egress.is_some(),
    };
    egress && selector(spec.pod_selector.as_ref(), labels) == Some(true)
}

/// Whether any rule of the isolating policies allows `dest` (`None`: cannot tell).
fn allowed(policies: &[&NetworkPolicy], ns: &str, dest: &Dest) -> Option<bool> {
    any(policies.iter().flat_map(|p| egress_rules(p)).map(|rule| {
        let peers = match rule.to.as_deref() {
            None | Some([]) => Some(true),
            Some(peers) => any(peers.iter().map(|peer| peer_matches(peer, ns, dest))),
        };
        let ports = match rule.ports.as_deref() {
            None | Some([]) => Some(true),
            Some(ports) => any(ports.iter().map(|p| port_matches(p, dest))),
        };
        all(peers, ports)
    }))
}

fn any(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut out = Some(false);
    for v in values {
        match v {
            Some(true) => return Some(true),
            None => out = None,
            Some(false) => {}
        }
    }
    out
}

fn all(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn peer_matches(peer: &NetworkPolicyPeer, ns: &str, dest: &Dest) -> Option<bool> {
    if peer.ip_block.is_some() {
        return None;
    }
    let in_namespace = match &peer.namespace_selector {
        None => Some(dest.namespace == ns),
        Some(sel) => {
            let name_only = sel
                .match_labels
                .iter()
                .flatten()
                .all(|(k, _)| k == "kubernetes.io/metadata.name")
                && sel
                    .match_expressions
                    .iter()
                    .flatten()
                    .all(|e| e.key == "kubernetes.io/metadata.name");
            if !name_only {
                return None;
            }
            let labels = BTreeMap::from([(
                "kubernetes.io/metadata.name".to_string(),
                dest.namespace.to_string(),
            )]);
            selector(Some(sel), Some(&labels))
        }
    };
    let pods = match &peer.pod_selector {
        None => Some(true),
        Some(sel) if dest.labels.is_none() => {
            (sel.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
                && sel.match_expressions.as_ref().is_none_or(Vec::is_empty))
            .then_some(true)
        }
        Some(sel) => selector(Some(sel), dest.labels),
    };
    all(in_namespace, pods)
}

fn port_matches(p: &NetworkPolicyPort, dest: &Dest) -> Option<bool> {
    if p.protocol.as_deref().unwrap_or("TCP") != dest.protocol {
        return Some(false);
    }
    match &p.port {
        None => Some(true),
        Some(IntOrString::Int(n)) => {
            let end = p.end_port.unwrap_or(*n);
            Some((*n..=end).contains(&dest.port))
        }
        Some(IntOrString::String(name)) => dest
            .port_names
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, number)| *number == dest.port)
            .or(if dest.port_names.is_empty() {
                None
            } else {
                Some(false)
            }),
    }
}

/// A label selector against labels; `None` selector or labels the selector cannot read: `None`.
fn selector(
    sel: Option<&LabelSelector>,
    labels: Option<&BTreeMap<String, String>>,
) -> Option<bool> {
    let sel = sel?;
    let get = |k: &str| labels.and_then(|l| l.get(k));
    let pairs = sel
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| get(k) == Some(v));
    let mut exprs = true;
    for e in sel.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or(&[]);
        exprs &= match e.operator.as_str() {
            "In" => get(&e.key).is_some_and(|v| values.contains(v)),
            "NotIn" => get(&e.key).is_none_or(|v| !values.contains(v)),
            "Exists" => get(&e.key).is_some(),
            "DoesNotExist" => get(&e.key).is_none(),
            _ => return None,
        };
    }
    Some(pairs && exprs)
}

fn uses_cluster_dns(pod: &Pod) -> bool {
    let spec = pod.spec.as_ref();
    let policy = spec
        .and_then(|s| s.dns_policy.as_deref())
        .unwrap_or("ClusterFirst");
    match policy {
        "ClusterFirst" => !spec.and_then(|s| s.host_network).unwrap_or(false),
        "ClusterFirstWithHostNet" => true,
        _ => false,
    }
}

fn service<'a>(cx: &'a Context, ns: &str, name: &str) -> Option<&'a Service> {
    let w = cx.evidence.waits.as_ref()?;
    w.services
        .iter()
        .chain(w.services_by_name.iter())
        .find(|s| {
            s.metadata.name.as_deref() == Some(name) && s.metadata.namespace.as_deref() == Some(ns)
        })
}

fn backing_pods<'a>(cx: &'a Context, svc: &Service) -> Vec<&'a Pod> {
    let Some(sel) = svc.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
        return Vec::new();
    };
    let Some(w) = cx.evidence.waits.as_ref() else {
        return Vec::new();
    };
    w.pods
        .iter()
        .filter(|p| p.metadata.namespace == svc.metadata.namespace)
        .filter(|p| {
            let labels = p.metadata.labels.as_ref();
            !sel.is_empty()
                && sel
                    .iter()
                    .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
        })
        .collect()
}

/// The port a connection check names, from the `ResolvesButWaits` message (`behind port N`).
fn wanted_port(message: &str) -> Option<i32> {
    let rest = message.split_once(" behind port ")?.1;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The Service's (protocol, targetPort) pairs: of the port the wait names, else all.
fn target_ports(svc: &Service, wanted: Option<i32>) -> Vec<(&str, IntOrString)> {
    svc.spec
        .iter()
        .flat_map(|s| s.ports.iter().flatten())
        .filter(|p| wanted.is_none_or(|w| w == p.port))
        .map(|p| {
            (
                p.protocol.as_deref().unwrap_or("TCP"),
                p.target_port.clone().unwrap_or(IntOrString::Int(p.port)),
            )
        })
        .collect()
}

fn port_names(pod: &Pod) -> Vec<(String, i32)> {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| Some((p.name.clone()?, p.container_port)))
        .collect()
}

fn resolve_port(port: &IntOrString, pod: &Pod) -> Option<i32> {
    match port {
        IntOrString::Int(n) => Some(*n),
        IntOrString::String(name) => port_names(pod)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn policy(spec: Value) -> NetworkPolicy {
        serde_json::from_value(
            json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": spec}),
        )
        .expect("policy")
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn egress_to_dns_and_to_a_service_s_pods() {
        let app = labels(&[("app", "web")]);
        let db = labels(&[("app", "db")]);
        let dns = Dest {
            namespace: DNS_NAMESPACE,
            labels: None,
            protocol: "UDP",
            port: 53,
            port_names: Vec::new(),
        };
        let to_db = Dest {
            namespace: "shop",
            labels: Some(&db),
            protocol: "TCP",
            port: 5432,
            port_names: vec![("pg".into(), 5432)],
        };
        let only_db = json!({"podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}], "ports": [{"port": 5432}]}]});
        let cases = [
            // (policy spec, destination, verdict)
            (
                json!({"podSelector": {}, "policyTypes": ["Egress"]}),
                &dns,
                Some(false),
            ),
            (only_db.clone(), &dns, Some(false)),
            (only_db.clone(), &to_db, Some(true)),
            (
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}),
                &dns,
                Some(true),
            ),
            (
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}], "ports": [{"port": 53, "protocol": "UDP"}]}]}),
                &dns,
                None,
            ),
            (
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"team": "infra"}}}]}]}),
                &dns,
                None,
            ),
            (
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}),
                &to_db,
                None,
            ),
            (
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}], "ports": [{"port": "pg"}]}]}),
                &to_db,
                Some(true),
            ),
            (
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "cache"}}}]}]}),
                &to_db,
                Some(false),
            ),
            (
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 5000, "endPort": 6000}]}]}),
                &to_db,
                Some(true),
            ),
        ];
        for (i, (spec, dest, want)) in cases.into_iter().enumerate() {
            let p = policy(spec);
            assert!(selects_egress(&p, Some(&app)), "case {i}");
            assert_eq!(allowed(&[&p], "shop", dest), want, "case {i}");
        }
    }

    #[test]
    fn which_policies_isolate_the_pod_s_egress() {
        let app = labels(&[("app", "web")]);
        let cases = [
            (json!({"podSelector": {}, "policyTypes": ["Egress"]}), true),
            (
                json!({"podSelector": {"matchLabels": {"app": "web"}}, "egress": []}),
                true,
            ),
            (
                json!({"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Egress"]}),
                false,
            ),
            (json!({"podSelector": {}, "ingress": []}), false),
            (
                json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}, "policyTypes": ["Ingress", "Egress"]}),
                true,
            ),
        ];
        for (i, (spec, want)) in cases.into_iter().enumerate() {
            assert_eq!(selects_egress(&policy(spec), Some(&app)), want, "case {i}");
        }
    }

    #[test]
    fn the_port_a_connection_check_names() {
        assert_eq!(
            wanted_port(
                "Service shop/db has 1 ready endpoint(s) behind port 5432, so `nc` should succeed"
            ),
            Some(5432)
        );
        assert_eq!(
            wanted_port("Service shop/db exists (ClusterIP 10.96.0.9)"),
            None
        );
    }
}
