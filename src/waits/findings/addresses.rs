//! Targets that name an address or a pod directly: an IP literal (a ClusterIP, a Pod IP) and a
//! pod hostname under a headless Service (`web-0.nginx`).

use super::Walk;

use super::backing::{follow, pod_state};
use super::missing::missing_service;
use super::parts::PortNeed;
use super::parts::service_text;
use super::services::service_findings;
use super::{logs_hint, new, one_line};
use crate::command::Check;
use crate::finding::{Finding, Severity};
use crate::waits::ObjectRef;
use crate::waits::resolve::{self};

/// A check on an IP literal: a Service ClusterIP or a Pod IP of the namespace.
pub(super) fn ip_findings(
    w: Walk,
    check: &Check,
    ip: std::net::IpAddr,
    port: &PortNeed,
) -> Vec<Finding> {
    let Walk { world, ext, .. } = w;
    let Some(objects) = world.objects else {
        return Vec::new();
    };
    let text = ip.to_string();
    if let Some(svc) = objects.services.iter().find(|s| {
        s.spec.as_ref().is_some_and(|sp| {
            sp.cluster_ip.as_deref() == Some(text.as_str())
                || sp.cluster_ips.iter().flatten().any(|i| *i == text)
        })
    }) {
        let name = svc.metadata.name.clone().unwrap_or_default();
        return service_findings(w, check, world.namespace, &name, port, false, true);
    }
    if let Some(pod) = objects.pods.iter().find(|p| {
        p.status.as_ref().is_some_and(|s| {
            s.pod_ip.as_deref() == Some(text.as_str())
                || s.pod_ips.iter().flatten().any(|i| i.ip == text)
        })
    }) {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let resolved = Some(ObjectRef::new("Pod", world.namespace, &name));
        if resolve::pod_ready(pod) {
            let mut f = new(
                "ResolvesButWaits",
                Severity::Warning,
                ext,
                check,
                format!("{text} is pod {name}, which is Ready"),
            );
            f.resolved = resolved;
            f.evidence.push(format!(
                "chain: Pod {}/{name} ({})",
                world.namespace,
                pod_state(pod)
            ));
            f.evidence.push(
                "a pod IP changes when the pod is recreated: wait on a Service name instead".into(),
            );
            f.hint = logs_hint(world, ext);
            return vec![f];
        }
        let mut f = new(
            "WaitingOnPod",
            Severity::Error,
            ext,
            check,
            format!(
                "{text} is pod {name}, which is not Ready ({})",
                pod_state(pod)
            ),
        );
        f.resolved = resolved;
        f.evidence.push(format!(
            "chain: Pod {}/{name} ({})",
            world.namespace,
            pod_state(pod)
        ));
        f.evidence.extend(follow(w, pod));
        f.evidence.push(
            "a pod IP changes when the pod is recreated: wait on a Service name instead".into(),
        );
        f.hint = format!(
            "find out why {name} is not Ready: `kubectl initdoctor explain {name} -n {}`",
            world.namespace
        );
        return vec![f];
    }
    let mut f = new(
        "ExternalTarget",
        Severity::Info,
        ext,
        check,
        format!(
            "{text} is neither a Service ClusterIP nor a Pod IP in namespace {}: not checked",
            world.namespace
        ),
    );
    f.hint = logs_hint(world, ext);
    vec![f]
}

/// `web-0.nginx`: a pod under a headless Service.
pub(super) fn pod_hostname(
    w: Walk,
    check: &Check,
    ns: &str,
    hostname: &str,
    service: &str,
    port: &PortNeed,
    dns_blocked: bool,
) -> Vec<Finding> {
    let Walk { world, ext, .. } = w;
    let resolved = Some(ObjectRef::new("Pod", ns, hostname));
    let Some(svc) = world.service(ns, service) else {
        let mut f = missing_service(
            world,
            ext,
            check,
            ns,
            service,
            port,
            ObjectRef::new("Service", ns, service),
        );
        f.evidence.push(format!(
            "`{hostname}.{service}` names pod {hostname} under the headless Service {service}"
        ));
        return vec![f];
    };
    let f = |code: &str, severity: Severity, message: String| {
        let mut f = new(code, severity, ext, check, message);
        f.resolved = resolved.clone();
        f
    };
    let chain_head = service_text(svc, ns, service);
    if !resolve::is_headless(svc) {
        let mut x = f(
            "HeadlessNotResolvable",
            Severity::Error,
            format!(
                "Service {ns}/{service} is not headless: per-pod names like {hostname}.{service} exist only under a headless Service (clusterIP: None)"
            ),
        );
        x.evidence.push(format!("chain: {chain_head}"));
        x.hint = format!(
            "wait on `{service}` itself, or make the StatefulSet's serviceName a headless Service"
        );
        return vec![x];
    }
    let slices = world.slices(ns, service);
    let endpoint = slices
        .iter()
        .flat_map(|s| s.endpoints.iter().flatten())
        .find(|e| e.hostname.as_deref() == Some(hostname));
    let pod = world.pods(ns).and_then(|pods| {
        pods.iter().find(|p| {
            let spec = p.spec.as_ref();
            spec.and_then(|s| s.hostname.as_deref()) == Some(hostname)
                && spec.and_then(|s| s.subdomain.as_deref()) == Some(service)
        })
    });
    let pod_part = pod
        .map(|p| {
            format!(
                " → Pod {} ({})",
                p.metadata.name.as_deref().unwrap_or(""),
                pod_state(p)
            )
        })
        .unwrap_or_default();
    let chain = format!("chain: {chain_head}{pod_part}");
    let publish = svc
        .spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false);
    match (endpoint, pod) {
        (Some(e), _) if resolve::endpoint_ready(e) || publish => {
            if dns_blocked {
                return Vec::new();
            }
            let mut x = f(
                "ResolvesButWaits",
                Severity::Warning,
                format!(
                    "{hostname}.{service} has a ready endpoint, so `{}` should succeed",
                    one_line(&check.fragment, 60)
                ),
            );
            x.evidence.push(chain);
            x.hint = logs_hint(world, ext);
            vec![x]
        }
        (_, Some(p)) => {
            let mut x = f(
                "HeadlessNotResolvable",
                Severity::Error,
                format!(
                    "{hostname}.{service} does not resolve: pod {} is not Ready ({}) and the headless Service publishes only ready pods",
                    p.metadata.name.as_deref().unwrap_or(""),
                    pod_state(p)
                ),
            );
            x.evidence.push(chain);
            x.evidence.extend(follow(w, p));
            x.hint = format!(
                "find out why it is not Ready: `kubectl initdoctor explain {} -n {ns}`",
                p.metadata.name.as_deref().unwrap_or("")
            );
            vec![x]
        }
        _ => {
            let mut message = format!(
                "no pod with hostname {hostname} backs headless Service {ns}/{service}, so {hostname}.{service} does not resolve"
            );
            let mut hint = format!(
                "check the StatefulSet that should run {hostname} (its serviceName must be {service}): `kubectl get statefulsets -n {ns}`"
            );
            if ns == world.namespace
                && let Some((sts, me)) = later_peer(world.pod, hostname, service)
            {
                message.push_str(&format!(
                    ": {hostname} is a later pod of StatefulSet {sts}, which (with the default podManagementPolicy OrderedReady) creates it only once {me} is Ready, and {me} waits for it here — it never comes"
                ));
                hint = format!(
                    "let the peers start together: recreate StatefulSet {sts} with `podManagementPolicy: Parallel` (the field cannot be changed in place: `kubectl delete statefulset {sts} -n {ns} --cascade=orphan`, then apply it again), and set `publishNotReadyAddresses: true` on Service {service} so each peer's name resolves before it is Ready"
                );
            }
            let mut x = f("HeadlessNotResolvable", Severity::Error, message);
            x.evidence.push(chain);
            x.hint = hint;
            vec![x]
        }
    }
}

/// When `pod` is a StatefulSet's pod (`S-N`, under headless Service `service`) and `hostname`
/// a later one of the same StatefulSet (`S-M`, M > N): the StatefulSet's name and the pod's.
fn later_peer(
    pod: &k8s_openapi::api::core::v1::Pod,
    hostname: &str,
    service: &str,
) -> Option<(String, String)> {
    let sts = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.kind == "StatefulSet" && o.controller == Some(true))?;
    let me = pod.metadata.name.as_deref()?;
    if pod.spec.as_ref()?.subdomain.as_deref() != Some(service) {
        return None;
    }
    let ordinal = |name: &str| -> Option<u64> {
        name.strip_prefix(sts.name.as_str())?
            .strip_prefix('-')?
            .parse()
            .ok()
    };
    (ordinal(hostname)? > ordinal(me)?).then(|| (sts.name.clone(), me.to_string()))
}

#[cfg(test)]
mod tests {
    use super::later_peer;
    use serde_json::json;

    #[test]
    fn a_later_peer_of_the_same_statefulset() {
        let pod = |name: &str, owner: &str, subdomain: &str| {
            serde_json::from_value(json!({
                "metadata": {"name": name, "ownerReferences": [{"apiVersion": "apps/v1",
                    "kind": "StatefulSet", "name": owner, "uid": "u", "controller": true}]},
                "spec": {"subdomain": subdomain, "containers": []}
            }))
            .unwrap()
        };
        // (case, pod, hostname waited on, service, answer)
        let cases = [
            (
                "a later ordinal",
                pod("zk-0", "zk", "zk-hs"),
                "zk-1",
                "zk-hs",
                true,
            ),
            (
                "two digits",
                pod("zk-2", "zk", "zk-hs"),
                "zk-10",
                "zk-hs",
                true,
            ),
            (
                "an earlier ordinal",
                pod("zk-1", "zk", "zk-hs"),
                "zk-0",
                "zk-hs",
                false,
            ),
            (
                "another StatefulSet",
                pod("zk-0", "zk", "zk-hs"),
                "kafka-1",
                "zk-hs",
                false,
            ),
            (
                "another Service",
                pod("zk-0", "zk", "zk-hs"),
                "zk-1",
                "other",
                false,
            ),
            (
                "a prefix of the name",
                pod("zk-0", "z", "zk-hs"),
                "zk-1",
                "zk-hs",
                false,
            ),
        ];
        for (case, p, host, service, want) in cases {
            assert_eq!(later_peer(&p, host, service).is_some(), want, "{case}");
        }
        assert_eq!(
            later_peer(&pod("zk-0", "zk", "zk-hs"), "zk-1", "zk-hs"),
            Some(("zk".into(), "zk-0".into()))
        );
    }
}
