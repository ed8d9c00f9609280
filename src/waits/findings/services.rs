//! Services and endpoints: a Service named by a check (or by `$FOO_SERVICE_HOST`), its ports,
//! its endpoints and the pods behind them.

use super::Walk;

use k8s_openapi::api::core::v1::{Pod, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::backing::backing;
use super::missing::missing_service;
use super::parts::{PortNeed, service_text};
use super::{logs_hint, new, one_line, pod_name};
use crate::command::{Check, Tool};
use crate::finding::{Finding, Severity};
use crate::status;
use crate::waits::ObjectRef;
use crate::waits::resolve::{self};

pub(super) fn service_link(w: Walk, check: &Check, service: &str, port: &PortNeed) -> Vec<Finding> {
    let Walk {
        world, ext, row, ..
    } = w;
    let var = format!(
        "{}_SERVICE_HOST",
        service.to_ascii_uppercase().replace('-', "_")
    );
    if world.objects.is_none() {
        return Vec::new();
    }
    let found = world.service(world.namespace, service);
    if let Some(svc) = found {
        let created = svc.metadata.creation_timestamp.as_ref().map(|t| t.0);
        let started = row.and_then(|r| r.started_at);
        if let (Some(created), Some(started)) = (created, started)
            && created > started
        {
            let mut f = new(
                "TargetUnknown",
                Severity::Error,
                ext,
                check,
                format!(
                    "${var} is empty in this container: Service {service} was created after it started"
                ),
            );
            f.resolved = Some(ObjectRef::new("Service", world.namespace, service));
            f.evidence.push(format!(
                "Service created {created}, container started {started}"
            ));
            f.hint = format!(
                "restart the pod so the kubelet sets ${var} (`kubectl delete pod {} -n {}` if a controller recreates it), or use the name `{service}` instead of the variable",
                pod_name(world),
                world.namespace
            );
            return vec![f];
        }
    }
    let mut out = service_findings(w, check, world.namespace, service, port, false, true);
    if found.is_none() {
        for f in &mut out {
            f.evidence.push(format!(
                "${var} is set by Kubernetes only for a Service that existed when the container started"
            ));
        }
    }
    out
}

/// A Service named by the check (found or not).
pub(super) fn service_findings(
    w: Walk,
    check: &Check,
    ns: &str,
    name: &str,
    port: &PortNeed,
    dns_blocked: bool,
    via_link: bool,
) -> Vec<Finding> {
    let Walk { world, ext, .. } = w;
    let resolved = ObjectRef::new("Service", ns, name);
    let Some(objects) = world.objects else {
        return Vec::new();
    };
    let Some(svc) = world.service(ns, name) else {
        let unread = (!objects.services_only_in.is_empty()
            && !objects.services_only_in.iter().any(|n| n == ns))
        .then(|| {
            format!(
                "Services could be listed only in namespace {} (the list of every namespace was refused)",
                objects.services_only_in.join(", ")
            )
        });
        let problem = objects.problems.iter().find(|p| p.contains("services"));
        if let Some(problem) = problem.cloned().or(unread) {
            let mut f = new(
                "TargetUnknown",
                Severity::Warning,
                ext,
                check,
                format!("could not check Service {ns}/{name}"),
            );
            f.evidence.push(problem);
            f.resolved = Some(resolved);
            f.hint = format!("check it yourself: `kubectl get service {name} -n {ns}`");
            return vec![f];
        }
        let mut missing = missing_service(world, ext, check, ns, name, port, resolved);
        if !objects.services_only_in.is_empty() {
            missing.evidence.push(
                "Services of other namespaces were not checked (the list of every namespace was refused)"
                    .to_string(),
            );
        }
        return vec![missing];
    };
    let mut chain = vec![service_text(svc, ns, name)];
    let f = |code: &str, severity: Severity, message: String| {
        let mut f = new(code, severity, ext, check, message);
        f.resolved = Some(resolved.clone());
        f
    };
    if resolve::service_type(svc) == "ExternalName" {
        let external = svc
            .spec
            .as_ref()
            .and_then(|s| s.external_name.clone())
            .unwrap_or_default();
        let mut x = f(
            "ExternalNameService",
            Severity::Info,
            format!(
                "Service {ns}/{name} is an ExternalName for `{external}`: the name resolves to that external host, which is not checked"
            ),
        );
        x.evidence
            .push(format!("chain: {} → {external}", chain.join(" → ")));
        x.hint = format!(
            "check `{external}` from the cluster: `kubectl run -it --rm dnscheck --image=busybox:1.28 --restart=Never -- nslookup {external}`"
        );
        return vec![x];
    }
    let headless = resolve::is_headless(svc);
    if check.tool == Tool::Ping && !headless {
        let mut x = f(
            "PingClusterIp",
            Severity::Warning,
            format!(
                "`{}` pings a ClusterIP, which is virtual: with kube-proxy in iptables or nftables mode it never answers ping",
                one_line(&check.fragment, 60)
            ),
        );
        x.evidence.push(format!("chain: {}", chain.join(" → ")));
        x.hint =
            format!("check the service port instead: `nc -z {name} PORT` or `nslookup {name}`");
        return vec![x];
    }
    let ports: &[ServicePort] = svc
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_deref())
        .unwrap_or(&[]);
    // The service port the check goes through (ClusterIP), or the endpoint port (headless).
    let mut svc_port: Option<&ServicePort> = None;
    let mut wanted: Option<u16> = None;
    match port {
        PortNeed::None => {}
        PortNeed::Unknown(why) => chain.push(format!("port unknown: {why}")),
        PortNeed::FirstOf => {
            svc_port = ports.first();
            wanted = svc_port.and_then(|p| u16::try_from(p.port).ok());
        }
        PortNeed::Number(p) => {
            wanted = Some(*p);
            if !headless {
                svc_port = ports.iter().find(|sp| sp.port == i32::from(*p));
                if svc_port.is_none() {
                    let mut x = f(
                        "ServicePortMismatch",
                        Severity::Error,
                        format!(
                            "Service {ns}/{name} does not expose port {p}: it exposes {}",
                            resolve::ports_text(svc)
                        ),
                    );
                    x.evidence.push(format!("chain: {}", chain.join(" → ")));
                    let first = ports
                        .first()
                        .map(|sp| sp.port.to_string())
                        .unwrap_or_else(|| "PORT".into());
                    x.hint = format!(
                        "wait on a port the Service exposes (`{name}:{first}`), or add port {p} to Service {name}"
                    );
                    return vec![x];
                }
            }
        }
    }
    let port_filter = svc_port.map(|sp| sp.name.clone().unwrap_or_default());
    let backing = backing(world, svc, ns, name, port_filter.as_deref());
    chain.extend(backing.chain());
    let chain_line = format!("chain: {}", chain.join(" → "));
    let dns_tool = !check.tool.connects();
    let publish_not_ready = svc
        .spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false);
    let resolvable = !headless
        || !backing.ready.is_empty()
        || (publish_not_ready && !backing.not_ready.is_empty());
    let mut out = Vec::new();
    if headless && !resolvable {
        let mut x = f(
            "HeadlessNotResolvable",
            Severity::Error,
            format!(
                "Service {ns}/{name} is headless and has no ready endpoint, so `{name}` does not resolve: {}",
                backing.why_none()
            ),
        );
        x.evidence.push(chain_line.clone());
        x.evidence.extend(backing.details(w));
        x.hint = backing.hint(world, name);
        out.push(x);
        return out;
    }
    if dns_tool {
        if dns_blocked || via_link {
            return out;
        }
        let mut x = f(
            "ResolvesButWaits",
            Severity::Warning,
            if headless {
                format!(
                    "headless Service {ns}/{name} has {} ready endpoint(s), so the name resolves and `{}` should succeed",
                    backing.ready.len(),
                    one_line(&check.fragment, 60)
                )
            } else {
                format!(
                    "Service {ns}/{name} exists (ClusterIP {}), so `{}` should succeed and the wait should be over",
                    svc.spec
                        .as_ref()
                        .and_then(|s| s.cluster_ip.clone())
                        .unwrap_or_default(),
                    one_line(&check.fragment, 60)
                )
            },
        );
        x.evidence.push(chain_line);
        x.evidence.push(
            "a ClusterIP Service resolves as soon as it exists, with or without ready endpoints"
                .into(),
        );
        if !headless && backing.ready.is_empty() {
            x.evidence.push(format!(
                "it has no ready endpoint yet ({}): the app will not reach it either",
                backing.why_none()
            ));
        }
        x.hint = format!(
            "{}; check the pod's other conditions with `kubectl describe pod {} -n {}`",
            logs_hint(world, ext),
            pod_name(world),
            world.namespace
        );
        out.push(x);
        return out;
    }
    if backing.ready.is_empty() {
        let (code, message) = if backing.not_ready.is_empty() {
            (
                "ServiceNoEndpoints",
                format!(
                    "Service {ns}/{name} has no endpoints: {}",
                    backing.why_none()
                ),
            )
        } else {
            (
                "ServiceEndpointsNotReady",
                format!(
                    "Service {ns}/{name} has no ready endpoint: {}",
                    backing.not_ready_summary()
                ),
            )
        };
        let mut x = f(code, Severity::Error, message);
        x.evidence.push(chain_line);
        x.evidence.extend(backing.details(w));
        x.hint = backing.hint(world, name);
        out.push(x);
        return out;
    }
    // Ready endpoints: is the targetPort one the backing containers declare?
    if let (Some(sp), false) = (svc_port, headless)
        && let Some(IntOrString::Int(target)) = &sp.target_port
        && !backing.ready_pods.is_empty()
        && !backing.ready_pods.iter().any(|p| declares_port(p, *target))
    {
        let mut x = f(
            "ServicePortMismatch",
            Severity::Warning,
            format!(
                "Service {ns}/{name} sends port {} to targetPort {target}, which no backing container declares",
                sp.port
            ),
        );
        x.evidence.push(chain_line);
        x.evidence.push(format!(
            "declared ports: {}",
            declared_ports(&backing.ready_pods)
        ));
        x.hint = format!(
            "set the Service's targetPort to the port the app listens on (`kubectl edit service {name} -n {ns}`)"
        );
        out.push(x);
        return out;
    }
    if headless
        && let Some(p) = wanted
        && !backing.ready_pods.is_empty()
        && !backing
            .ready_pods
            .iter()
            .any(|pod| declares_port(pod, i32::from(p)))
        && !backing.slice_ports.contains(&i32::from(p))
    {
        let mut x = f(
            "ServicePortMismatch",
            Severity::Warning,
            format!("headless Service {ns}/{name}: no backing container declares port {p}"),
        );
        x.evidence.push(chain_line);
        x.evidence.push(format!(
            "declared ports: {}",
            declared_ports(&backing.ready_pods)
        ));
        x.hint = "wait on the port the app listens on".into();
        out.push(x);
        return out;
    }
    if dns_blocked {
        return out;
    }
    let port_text = wanted
        .map(|p| format!(" behind port {p}"))
        .unwrap_or_default();
    let mut x = f(
        "ResolvesButWaits",
        Severity::Warning,
        format!(
            "Service {ns}/{name} has {} ready endpoint(s){port_text}, so `{}` should succeed",
            backing.ready.len(),
            one_line(&check.fragment, 60)
        ),
    );
    x.evidence.push(chain_line);
    x.hint = format!(
        "{}; a NetworkPolicy, a wrong URL path or an app not answering on its targetPort also keep it waiting",
        logs_hint(world, ext)
    );
    out.push(x);
    out
}

pub(super) fn declares_port(pod: &Pod, port: i32) -> bool {
    pod.spec.as_ref().is_some_and(|s| {
        s.containers
            .iter()
            .chain(
                s.init_containers
                    .iter()
                    .flatten()
                    .filter(|c| status::is_sidecar(c)),
            )
            .flat_map(|c| c.ports.iter().flatten())
            .any(|p| p.container_port == port)
    })
}

pub(super) fn declared_ports(pods: &[&Pod]) -> String {
    let mut ports: Vec<String> = pods
        .iter()
        .filter_map(|p| p.spec.as_ref())
        .flat_map(|s| s.containers.iter())
        .flat_map(|c| {
            c.ports
                .iter()
                .flatten()
                .map(move |p| format!("{}:{}", c.name, p.container_port))
        })
        .collect();
    ports.sort();
    ports.dedup();
    if ports.is_empty() {
        "none".into()
    } else {
        ports.join(", ")
    }
}
