//! Checks to findings: for each thing a pending init container waits on, what it resolves to and
//! why it is not there yet — with the evidence and the fix.
//!
//! Every finding of a target has `target` (as written) and `resolved` (the Service, Pod or Job it
//! names, found or not), and its evidence starts with `command: …` (the fragment) and, when
//! objects were followed, `chain: Service → EndpointSlice → Pods`; the table's "waits for"
//! section reads those two lines. Backing pods stuck in init are followed to what *they* wait on,
//! at most [`MAX_CHAIN_DEPTH`] hops and never twice through the same pod.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Pod, Service, ServicePort};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::command::{self, Check, Extraction, Mode, Part, Target, Tool};
use super::resolve::{self, Denotes, Dns, World};
use super::{DEFAULT_CLUSTER_DOMAIN, ObjectRef};
use crate::diagnosis::{
    Evidence, Finding, InitContainerRow, InitState, Severity, checks, timeline,
};
use crate::status;

/// How many backing-pod hops are followed.
pub const MAX_CHAIN_DEPTH: usize = 3;
/// How many pods a finding names.
const MAX_PODS_SHOWN: usize = 5;
/// How many other namespaces with a Service of the name a finding lists.
const MAX_NAMESPACES_SHOWN: usize = 3;

/// The findings about what `evidence.pod`'s pending init containers wait on: the blocker's at
/// full severity, the later ones' at most warnings ("once X is done: …").
pub fn findings(evidence: &Evidence, now: Timestamp) -> Vec<Finding> {
    let pod = &evidence.pod;
    let objects = evidence.waits.as_ref();
    let domain = objects
        .map(|o| o.cluster_domain.as_str())
        .filter(|d| !d.is_empty())
        .unwrap_or(DEFAULT_CLUSTER_DOMAIN);
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    let world = World {
        pod,
        namespace,
        domain,
        objects: objects.filter(|o| o.fetched),
    };
    let rows = timeline::rows(pod);
    let blocking = timeline::blocking(pod, &rows);
    let mut out = Vec::new();
    for (index, container) in super::pending_init_containers(pod) {
        let extraction = command::extract(
            pod,
            container,
            world.objects.map(|o| o.config_maps.as_slice()),
        );
        let mut visited = BTreeSet::from([pod.metadata.name.clone().unwrap_or_default()]);
        let mut found =
            container_findings(&world, &extraction, rows.get(index), now, 0, &mut visited);
        match &blocking {
            Some(b) if b.index != index => {
                for f in &mut found {
                    f.severity = f.severity.min(Severity::Warning);
                    f.message = format!("once {} is done: {}", b.name, f.message);
                }
            }
            _ => {}
        }
        out.extend(found);
    }
    if let Some(objects) = world.objects
        && let Some(first) = out.first_mut()
    {
        first.evidence.extend(objects.problems.iter().cloned());
    }
    out
}

/// The findings of one container's extraction.
fn container_findings(
    world: &World,
    ext: &Extraction,
    row: Option<&InitContainerRow>,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in &ext.checks {
        // `sleep` inside a loop is its poll interval, not a wait of its own.
        if check.tool == Tool::Sleep && check.in_loop {
            continue;
        }
        let mut found = check_findings(world, ext, check, row, now, depth, visited);
        for f in &mut found {
            let mut head = vec![command_line(check)];
            head.extend(check.notes.iter().cloned());
            if let Some(err) = &ext.syntax_error {
                head.push(format!(
                    "the script never runs: {} rejects it ({}), see InvalidInitSpec",
                    ext.shell.as_deref().unwrap_or("sh"),
                    err.message
                ));
            }
            if ext.brace_range_in_sh && check.in_loop {
                head.push(format!(
                    "{} does not expand `{{1..N}}` (bash does): such a for loop runs once",
                    ext.shell.as_deref().unwrap_or("sh")
                ));
            }
            head.append(&mut f.evidence);
            f.evidence = head;
        }
        out.extend(found);
    }
    if !ext.not_understood.is_empty() {
        let first = &ext.not_understood[0];
        let severity = if ext.checks.is_empty() {
            Severity::Warning
        } else {
            Severity::Info
        };
        let mut f = checks::finding(
            "WaitNotUnderstood",
            severity,
            Some(&ext.container),
            format!(
                "not understood: `{}`: what it waits on is not known",
                one_line(first, 120)
            ),
        );
        f.evidence = ext
            .not_understood
            .iter()
            .map(|c| format!("not understood: {}", one_line(c, 240)))
            .collect();
        f.evidence.push(format!("image: {}", ext.image));
        f.hint = format!(
            "read its logs: `kubectl logs {} -c {} -n {}`",
            world.pod.metadata.name.as_deref().unwrap_or("POD"),
            ext.container,
            world.namespace
        );
        out.push(f);
    }
    out
}

fn command_line(check: &Check) -> String {
    let mut line = format!("command: {}", one_line(&check.fragment, 200));
    if let Some(t) = &check.timeout {
        line.push_str(&format!(" (under `timeout {t}`)"));
    }
    line
}

fn one_line(text: &str, max: usize) -> String {
    let one = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        one
    } else {
        format!("{}…", one.chars().take(max).collect::<String>())
    }
}

/// A finding about `check` of `ext`.
fn new(
    code: &str,
    severity: Severity,
    ext: &Extraction,
    check: &Check,
    message: String,
) -> Finding {
    let mut f = checks::finding(code, severity, Some(&ext.container), message);
    f.target = Some(check.target.written());
    f
}

fn pod_name<'a>(world: &'a World) -> &'a str {
    world.pod.metadata.name.as_deref().unwrap_or("POD")
}

fn logs_hint(world: &World, ext: &Extraction) -> String {
    format!(
        "read its logs: `kubectl logs {} -c {} -n {}`",
        pod_name(world),
        ext.container,
        world.namespace
    )
}

/// The findings of one check.
fn check_findings(
    world: &World,
    ext: &Extraction,
    check: &Check,
    row: Option<&InitContainerRow>,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let never_waits = check.tool == Tool::Dig
        && check.decides
        && matches!(check.mode, Mode::Loop | Mode::LoopWhileSucceeds);
    if never_waits {
        let mut f = new(
            "CheckNeverWaits",
            Severity::Warning,
            ext,
            check,
            format!(
                "`{}` exits 0 even when the name does not exist (NXDOMAIN), so this check passes at once and guards nothing",
                one_line(&check.fragment, 80)
            ),
        );
        f.hint = format!(
            "use a check that fails on a missing name: `nslookup {t}`, `getent hosts {t}` or `dig +short {t} | grep -q .`",
            t = check.target.written()
        );
        out.push(f);
    }
    let mut targets = match &check.target {
        Target::Sleep { written, seconds } => timed_wait(ext, check, written, *seconds, row, now),
        Target::Local { port, what } => localhost(world, ext, check, what, *port),
        Target::Pods {
            namespace,
            selector,
            names,
            condition,
            ..
        } => pods_wait(
            world,
            ext,
            check,
            namespace.as_deref(),
            selector.as_deref(),
            names,
            condition,
            now,
            depth,
            visited,
        ),
        Target::Job {
            namespace, name, ..
        } => job_wait(
            world,
            ext,
            check,
            namespace.as_deref(),
            name,
            now,
            depth,
            visited,
        ),
        Target::Host(h) => host_findings(world, ext, check, h, row, now, depth, visited),
    };
    for f in &mut targets {
        match check.mode {
            Mode::Once if matches!(check.target, Target::Host(_) | Target::Local { .. }) => f.evidence.push(
                "it runs once: when it fails the container exits non-zero and is restarted with back-off".into(),
            ),
            Mode::LoopWhileSucceeds => f.evidence.push(
                "the loop repeats while the check succeeds: it waits for it to fail (`until` or `while !` was probably meant)".into(),
            ),
            _ => {}
        }
        if check.http_errors_pass && f.code == "ResolvesButWaits" {
            f.evidence.push(
                "curl without --fail exits 0 on HTTP errors: only a failed connection makes it fail".into(),
            );
        }
        if never_waits {
            f.severity = Severity::Info;
            f.evidence
                .push("dig exits 0 either way, so this does not hold the container back".into());
        }
    }
    out.extend(targets);
    out
}

fn timed_wait(
    ext: &Extraction,
    check: &Check,
    written: &str,
    seconds: Option<u64>,
    row: Option<&InitContainerRow>,
    now: Timestamp,
) -> Vec<Finding> {
    let running_for = row
        .filter(|r| r.state == InitState::Running)
        .and_then(|r| r.started_at)
        .map(|s| crate::diagnosis::seconds_between(s, now) as u64);
    let Some(total) = seconds else {
        let mut f = new(
            "TimedWait",
            Severity::Error,
            ext,
            check,
            format!("`sleep {written}` never ends: this init container never completes"),
        );
        f.hint = "an init container must exit: run this as an app container or a native sidecar (restartPolicy: Always)".into();
        return vec![f];
    };
    let message = match running_for {
        Some(elapsed) if elapsed < total => format!(
            "a timed wait: sleeps {total}s, about {}s left (running for {elapsed}s)",
            total - elapsed
        ),
        Some(elapsed) => format!(
            "a timed wait of {total}s, over by now (running for {elapsed}s): what runs after it holds the container"
        ),
        None => format!("a timed wait: sleeps {total}s"),
    };
    let mut f = new("TimedWait", Severity::Info, ext, check, message);
    f.hint = "nothing to do but wait; shorten the sleep in the spec if it is too long".into();
    vec![f]
}

/// Waiting on the pod itself (`localhost`, or a tool's default local socket).
fn localhost(
    world: &World,
    ext: &Extraction,
    check: &Check,
    what: &str,
    port: Option<u16>,
) -> Vec<Finding> {
    // A native sidecar started before this container may serve it.
    let sidecar = world
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .and_then(|inits| {
            inits
                .iter()
                .take_while(|c| c.name != ext.container)
                .filter(|c| status::is_sidecar(c))
                .find(|c| {
                    port.is_none_or(|p| {
                        c.ports
                            .iter()
                            .flatten()
                            .any(|cp| cp.container_port == i32::from(p))
                    })
                })
        });
    if let Some(side) = sidecar {
        let mut f = new(
            "ResolvesButWaits",
            Severity::Warning,
            ext,
            check,
            format!(
                "`{what}` is this pod; the native sidecar {} runs before this container and may serve it",
                side.name
            ),
        );
        f.resolved = Some(ObjectRef::new("Pod", world.namespace, pod_name(world)));
        f.hint = logs_hint(world, ext);
        return vec![f];
    }
    let port_text = port.map(|p| format!(" (port {p})")).unwrap_or_default();
    let mut f = new(
        "WaitsOnLocalhost",
        Severity::Error,
        ext,
        check,
        format!(
            "`{what}`{port_text} is this pod itself: no app container runs before the init containers finish, so nothing listens there"
        ),
    );
    f.resolved = Some(ObjectRef::new("Pod", world.namespace, pod_name(world)));
    f.hint = "point the check at the dependency's Service, or run the dependency as a native sidecar (an init container with restartPolicy: Always) before this one".into();
    vec![f]
}

/// The awaited port, when the check needs one.
#[derive(Debug, Clone)]
enum PortNeed {
    None,
    Number(u16),
    /// `$FOO_SERVICE_PORT`: the first port of Service foo.
    FirstOf,
    Unknown(String),
}

#[allow(clippy::too_many_arguments)]
fn host_findings(
    world: &World,
    ext: &Extraction,
    check: &Check,
    h: &command::HostTarget,
    row: Option<&InitContainerRow>,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
    let port = if !check.tool.connects() {
        PortNeed::None
    } else {
        match &h.port {
            None => PortNeed::None,
            Some(Part::Known(p)) => PortNeed::Number(*p),
            Some(Part::ServiceLink(_)) => PortNeed::FirstOf,
            Some(Part::Unknown(us)) => PortNeed::Unknown(
                us.iter()
                    .map(|u| u.describe())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    };
    let name = match &h.host {
        Part::Unknown(unknowns) => {
            let mut f = new(
                "TargetUnknown",
                Severity::Warning,
                ext,
                check,
                format!("cannot tell what `{}` is, so it is not checked", h.written),
            );
            f.evidence = unknowns.iter().map(|u| u.describe()).collect();
            f.hint = unknown_hint(world, unknowns);
            return vec![f];
        }
        Part::ServiceLink(service) => {
            return service_link(world, ext, check, service, &port, row, now, depth, visited);
        }
        Part::Known(name) => name.clone(),
    };
    let denotes = resolve::denote(world, &name, !check.tool.dns_only());
    let cluster_name = matches!(
        denotes,
        Denotes::Service { .. } | Denotes::PodHostname { .. }
    );
    let mut out = Vec::new();
    let mut dns_blocked = false;
    if cluster_name {
        dns_blocked = dns_findings(world, ext, check, &name, &denotes, &mut out);
    }
    if world.objects.is_none() && cluster_name {
        return out;
    }
    match denotes {
        Denotes::External => {
            let mut f = new(
                "ExternalTarget",
                Severity::Info,
                ext,
                check,
                format!(
                    "`{name}` is not a cluster name: it is outside the cluster and not checked"
                ),
            );
            f.hint = logs_hint(world, ext);
            out.push(f);
        }
        Denotes::HostAlias { ip } => {
            let mut f = new(
                "ExternalTarget",
                Severity::Info,
                ext,
                check,
                format!("`{name}` comes from the pod's hostAliases ({ip}): not checked"),
            );
            f.hint = logs_hint(world, ext);
            out.push(f);
        }
        Denotes::Localhost => out.extend(localhost(
            world,
            ext,
            check,
            &h.written,
            match port {
                PortNeed::Number(p) => Some(p),
                _ => None,
            },
        )),
        Denotes::Ip(ip) => out.extend(ip_findings(
            world, ext, check, ip, &port, now, depth, visited,
        )),
        Denotes::Service { namespace, name } => out.extend(service_findings(
            world,
            ext,
            check,
            &namespace,
            &name,
            &port,
            dns_blocked,
            false,
            now,
            depth,
            visited,
        )),
        Denotes::PodHostname {
            namespace,
            hostname,
            service,
        } => out.extend(pod_hostname(
            world,
            ext,
            check,
            &namespace,
            &hostname,
            &service,
            &port,
            dns_blocked,
            now,
            depth,
            visited,
        )),
    }
    out
}

fn unknown_hint(world: &World, unknowns: &[super::expand::Unknown]) -> String {
    use super::expand::Unknown as U;
    match unknowns.first() {
        Some(U::Secret { secret, key, .. }) => format!(
            "check the value: `kubectl get secret {secret} -n {} -o jsonpath='{{.data.{key}}}' | base64 -d`",
            world.namespace
        ),
        Some(U::ConfigMap { config_map, .. }) => format!(
            "check the ConfigMap: `kubectl get configmap {config_map} -n {} -o yaml`",
            world.namespace
        ),
        _ => "check the value the container sees: `kubectl exec` into it, or read its logs".into(),
    }
}

/// `dnsPolicy`/`dnsConfig` and busybox's nslookup, for a cluster name; true when the name
/// cannot resolve whatever the objects say.
fn dns_findings(
    world: &World,
    ext: &Extraction,
    check: &Check,
    name: &str,
    denotes: &Denotes,
    out: &mut Vec<Finding>,
) -> bool {
    let mut blocked = false;
    let fqdn = full_name(denotes, world.domain);
    let written_full = name.trim_end_matches('.').eq_ignore_ascii_case(&fqdn);
    match resolve::dns(world) {
        Dns::Cluster => {}
        Dns::Bypassed { why, fix } => {
            let mut f = new(
                "DnsPolicyBypassesClusterDns",
                Severity::Error,
                ext,
                check,
                format!("`{name}` never resolves in this pod: {why}"),
            );
            if check.tool.dns_only() && resolve::host_alias(world.pod, name).is_some() {
                f.evidence.push(format!(
                    "{} asks DNS directly: the hostAliases entry for {name} does not help it",
                    check.tool.name()
                ));
            }
            f.resolved = resolved_of(denotes);
            f.hint = fix;
            out.push(f);
            blocked = true;
        }
        Dns::Custom { searches } => {
            let reachable = written_full
                || searches.iter().any(|s| {
                    format!("{}.{}", name.trim_end_matches('.'), s.trim_end_matches('.'))
                        .eq_ignore_ascii_case(&fqdn)
                });
            if !reachable {
                let mut f = new(
                    "DnsPolicyBypassesClusterDns",
                    Severity::Error,
                    ext,
                    check,
                    format!(
                        "`{name}` never resolves in this pod: dnsPolicy is None and dnsConfig.searches does not turn it into {fqdn}"
                    ),
                );
                f.evidence.push(format!(
                    "searches: {}",
                    if searches.is_empty() {
                        "(none)".into()
                    } else {
                        searches.join(" ")
                    }
                ));
                f.resolved = resolved_of(denotes);
                f.hint = format!(
                    "write the full name {fqdn}, or add the search domains {ns}.svc.{d} svc.{d} {d} to dnsConfig.searches",
                    ns = world.namespace,
                    d = world.domain
                );
                out.push(f);
                blocked = true;
            }
        }
    }
    if check.tool == Tool::Nslookup
        && !written_full
        && let Some(tag) = busybox_after_1_28(&ext.image)
    {
        let mut f = new(
            "BusyboxNslookupQuirk",
            Severity::Error,
            ext,
            check,
            format!(
                "busybox {tag}'s nslookup ignores the pod's search path: `nslookup {name}` keeps failing even once the Service exists"
            ),
        );
        f.evidence.push(format!(
            "image: {}; busybox newer than 1.28 queries the name as written",
            ext.image
        ));
        f.resolved = resolved_of(denotes);
        f.hint = format!("pin `image: busybox:1.28`, or look up the full name: `nslookup {fqdn}`");
        out.push(f);
        blocked = true;
    }
    blocked
}

/// The fully qualified name a cluster denotation resolves as.
fn full_name(denotes: &Denotes, domain: &str) -> String {
    match denotes {
        Denotes::Service { namespace, name } => format!("{name}.{namespace}.svc.{domain}"),
        Denotes::PodHostname {
            namespace,
            hostname,
            service,
        } => format!("{hostname}.{service}.{namespace}.svc.{domain}"),
        _ => String::new(),
    }
}

fn resolved_of(denotes: &Denotes) -> Option<ObjectRef> {
    match denotes {
        Denotes::Service { namespace, name } => Some(ObjectRef::new("Service", namespace, name)),
        Denotes::PodHostname {
            namespace,
            hostname,
            ..
        } => Some(ObjectRef::new("Pod", namespace, hostname)),
        _ => None,
    }
}

/// The busybox tag when the image is a busybox newer than 1.28 (or an unpinned one).
pub fn busybox_after_1_28(image: &str) -> Option<String> {
    if command::image_name(image) != "busybox" {
        return None;
    }
    let tag = command::image_tag(image)?;
    let version: Vec<u32> = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .split('.')
        .map_while(|p| p.parse().ok())
        .collect();
    let newer = match version.as_slice() {
        [] => true, // latest, stable, musl, glibc, uclibc
        [major] => *major > 1,
        [major, minor, ..] => (*major, *minor) > (1, 28),
    };
    newer.then_some(tag)
}

#[allow(clippy::too_many_arguments)]
fn service_link(
    world: &World,
    ext: &Extraction,
    check: &Check,
    service: &str,
    port: &PortNeed,
    row: Option<&InitContainerRow>,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
    let var = format!(
        "{}_SERVICE_HOST",
        service.to_ascii_uppercase().replace('-', "_")
    );
    if world.objects.is_none() {
        return Vec::new();
    }
    match world.service(world.namespace, service) {
        None => {
            let mut out = service_findings(
                world,
                ext,
                check,
                world.namespace,
                service,
                port,
                false,
                true,
                now,
                depth,
                visited,
            );
            for f in &mut out {
                f.evidence.push(format!(
                    "${var} is set by Kubernetes only for a Service that existed when the container started"
                ));
            }
            out
        }
        Some(svc) => {
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
            service_findings(
                world,
                ext,
                check,
                world.namespace,
                service,
                port,
                false,
                true,
                now,
                depth,
                visited,
            )
        }
    }
}

/// A Service named by the check (found or not).
#[allow(clippy::too_many_arguments)]
fn service_findings(
    world: &World,
    ext: &Extraction,
    check: &Check,
    ns: &str,
    name: &str,
    port: &PortNeed,
    dns_blocked: bool,
    via_link: bool,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
    let resolved = ObjectRef::new("Service", ns, name);
    let Some(objects) = world.objects else {
        return Vec::new();
    };
    let Some(svc) = world.service(ns, name) else {
        if let Some(problem) = objects.problems.iter().find(|p| p.contains("services")) {
            let mut f = new(
                "TargetUnknown",
                Severity::Warning,
                ext,
                check,
                format!("could not check Service {ns}/{name}"),
            );
            f.evidence.push(problem.clone());
            f.resolved = Some(resolved);
            f.hint = format!("check it yourself: `kubectl get service {name} -n {ns}`");
            return vec![f];
        }
        return vec![missing_service(world, ext, check, ns, name, port, resolved)];
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
        x.evidence
            .extend(backing.details(world, now, depth, visited));
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
        x.evidence
            .extend(backing.details(world, now, depth, visited));
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

/// `Service ns/name (ClusterIP 10.96.0.7, 80/TCP→9376)`.
fn service_text(svc: &Service, ns: &str, name: &str) -> String {
    let ip = svc
        .spec
        .as_ref()
        .and_then(|s| s.cluster_ip.clone())
        .unwrap_or_default();
    let kind = if resolve::is_headless(svc) {
        "headless".to_string()
    } else {
        format!("{} {ip}", resolve::service_type(svc))
    };
    format!("Service {ns}/{name} ({kind}, {})", resolve::ports_text(svc))
}

fn declares_port(pod: &Pod, port: i32) -> bool {
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

fn declared_ports(pods: &[&Pod]) -> String {
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

/// "… and N more namespaces" when `count` namespaces exceed what evidence lists.
fn more_namespaces(count: usize) -> Option<String> {
    let more = count.saturating_sub(MAX_NAMESPACES_SHOWN);
    let noun = if more == 1 { "namespace" } else { "namespaces" };
    (more > 0).then(|| format!("… and {more} more {noun}"))
}

/// A missing Service, with its near misses.
fn missing_service(
    world: &World,
    ext: &Extraction,
    check: &Check,
    ns: &str,
    name: &str,
    port: &PortNeed,
    resolved: ObjectRef,
) -> Finding {
    let elsewhere = world.services_elsewhere(ns, name);
    let here: Vec<&str> = if ns == world.namespace {
        world
            .objects
            .map(|o| {
                o.services
                    .iter()
                    .filter_map(|s| s.metadata.name.as_deref())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let near = resolve::near_names(name, here);
    let waits_text = if check.tool.connects() {
        "it cannot connect until it exists"
    } else {
        "the lookup fails until it exists (then it succeeds at once, even without endpoints)"
    };
    let mut f = if let Some(close) = near.first() {
        let mut f = new(
            "ServiceNameTypo",
            Severity::Error,
            ext,
            check,
            format!("no Service {name} in namespace {ns}; did you mean {close}?"),
        );
        f.evidence
            .push(format!("Services with a similar name: {}", near.join(", ")));
        for other in elsewhere.iter().take(MAX_NAMESPACES_SHOWN) {
            f.evidence.push(format!(
                "a Service {name} exists in namespace {}",
                other.metadata.namespace.as_deref().unwrap_or("")
            ));
        }
        f.evidence.extend(more_namespaces(elsewhere.len()));
        f.hint = format!(
            "fix the name in the command of init container {} (`{close}`), or create Service {name}",
            ext.container
        );
        f
    } else if let Some(other) = elsewhere.first() {
        let other_ns = other.metadata.namespace.clone().unwrap_or_default();
        let mut f = new(
            "ServiceInOtherNamespace",
            Severity::Error,
            ext,
            check,
            format!(
                "no Service {name} in namespace {ns}, but there is one in namespace {other_ns}"
            ),
        );
        for s in elsewhere.iter().take(MAX_NAMESPACES_SHOWN) {
            let sns = s.metadata.namespace.clone().unwrap_or_default();
            f.evidence.push(service_text(s, &sns, name));
        }
        f.evidence.extend(more_namespaces(elsewhere.len()));
        f.hint = format!(
            "name it with its namespace in the command: `{name}.{other_ns}` (or {name}.{other_ns}.svc.{}), or create the Service in {ns}",
            world.domain
        );
        f
    } else {
        let mut f = new(
            "ServiceNotFound",
            Severity::Error,
            ext,
            check,
            format!("no Service {name} in namespace {ns}: {waits_text}"),
        );
        let p = match port {
            PortNeed::Number(p) => Some(*p),
            _ => None,
        };
        f.hint = format!(
            "apply the Service (`kubectl apply -f -`):\n{}",
            service_manifest(world, ns, name, p)
        );
        f
    };
    f.resolved = Some(resolved);
    f
}

/// The Service manifest that would satisfy the wait.
fn service_manifest(world: &World, ns: &str, name: &str, port: Option<u16>) -> String {
    let guessed = world.pods(ns).and_then(|pods| {
        ["app.kubernetes.io/name", "app"].iter().find_map(|key| {
            pods.iter()
                .any(|p| {
                    p.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(*key))
                        .map(String::as_str)
                        == Some(name)
                })
                .then(|| format!("    {key}: {name}"))
        })
    });
    let selector = guessed
        .unwrap_or_else(|| format!("    app: {name}   # the labels of the pods that serve {name}"));
    let port = port.unwrap_or(80);
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  selector:\n{selector}\n  ports:\n  - port: {port}\n    targetPort: {port}"
    )
}

/// What stands behind a Service: its slices, ready and not-ready endpoints, selected pods.
struct Backing<'a> {
    slices: Vec<&'a EndpointSlice>,
    ready: Vec<String>,
    ready_pods: Vec<&'a Pod>,
    /// Not-ready endpoints or selected pods: name, and the pod when listed.
    not_ready: Vec<(String, Option<&'a Pod>)>,
    selector: Option<BTreeMap<String, String>>,
    /// Pods of the namespace (for the closest label sets), when listed.
    pods: Option<&'a [Pod]>,
    slice_ports: Vec<i32>,
    ns: String,
}

fn backing<'a>(
    world: &World<'a>,
    svc: &'a Service,
    ns: &str,
    name: &str,
    port_name: Option<&str>,
) -> Backing<'a> {
    let slices = world.slices(ns, name);
    let selector = svc
        .spec
        .as_ref()
        .and_then(|s| s.selector.clone())
        .filter(|s| !s.is_empty());
    let pods = world.pods(ns);
    let mut b = Backing {
        slices: slices.clone(),
        ready: Vec::new(),
        ready_pods: Vec::new(),
        not_ready: Vec::new(),
        selector: selector.clone(),
        pods,
        slice_ports: Vec::new(),
        ns: ns.to_string(),
    };
    for slice in &slices {
        let slice_ports = slice.ports.as_deref().unwrap_or(&[]);
        b.slice_ports
            .extend(slice_ports.iter().filter_map(|p| p.port));
        if let Some(wanted) = port_name
            && !slice_ports
                .iter()
                .any(|p| p.name.as_deref().unwrap_or("") == wanted)
        {
            continue;
        }
        for ep in &slice.endpoints {
            let pod_ref = ep
                .target_ref
                .as_ref()
                .filter(|r| r.kind.as_deref() == Some("Pod"))
                .and_then(|r| r.name.clone());
            let label = match &pod_ref {
                Some(p) => p.clone(),
                None => ep.addresses.join(","),
            };
            let pod = pod_ref.as_deref().and_then(|p| world.pod_named(ns, p));
            if resolve::endpoint_ready(ep) {
                b.ready.push(label);
                b.ready_pods.extend(pod);
            } else if !b.not_ready.iter().any(|(n, _)| *n == label) {
                b.not_ready.push((label, pod));
            }
        }
    }
    if b.ready.is_empty()
        && b.not_ready.is_empty()
        && let (Some(sel), Some(pods)) = (&selector, pods)
    {
        for p in pods {
            if resolve::selector_matches(sel, p.metadata.labels.as_ref())
                && !resolve::pod_terminal(p)
            {
                b.not_ready
                    .push((p.metadata.name.clone().unwrap_or_default(), Some(p)));
            }
        }
    }
    b
}

impl<'a> Backing<'a> {
    /// `EndpointSlice x (0 of 1 ready)`, `Pods a (Init:0/1), …`.
    fn chain(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.slices.is_empty() {
            out.push("no EndpointSlice".into());
        } else {
            let total: usize = self.slices.iter().map(|s| s.endpoints.len()).sum();
            let ready: usize = self
                .slices
                .iter()
                .map(|s| {
                    s.endpoints
                        .iter()
                        .filter(|e| resolve::endpoint_ready(e))
                        .count()
                })
                .sum();
            let names: Vec<String> = self
                .slices
                .iter()
                .filter_map(|s| s.metadata.name.clone())
                .collect();
            out.push(format!(
                "EndpointSlice {} ({ready} of {total} ready)",
                names.join(", ")
            ));
        }
        let mut pods: Vec<String> = self
            .ready
            .iter()
            .take(MAX_PODS_SHOWN)
            .map(|r| format!("{r} (Ready)"))
            .collect();
        pods.extend(
            self.not_ready
                .iter()
                .take(MAX_PODS_SHOWN)
                .map(|(n, p)| match p {
                    Some(p) => format!("{n} ({})", pod_state(p)),
                    None => format!("{n} (not ready)"),
                }),
        );
        if !pods.is_empty() {
            out.push(format!("Pods {}", pods.join(", ")));
        }
        out
    }

    fn why_none(&self) -> String {
        if !self.not_ready.is_empty() {
            return self.not_ready_summary();
        }
        match &self.selector {
            Some(sel) => format!(
                "its selector {} matches no pod in namespace {}",
                resolve::labels_text(sel),
                self.ns
            ),
            None => "it has no selector and no EndpointSlice".into(),
        }
    }

    fn not_ready_summary(&self) -> String {
        let n = self.not_ready.len();
        let shown: Vec<String> = self
            .not_ready
            .iter()
            .take(MAX_PODS_SHOWN)
            .map(|(name, p)| match p {
                Some(p) => format!("{name} is {}", pod_state(p)),
                None => format!("{name} is not ready"),
            })
            .collect();
        let more = if n > MAX_PODS_SHOWN {
            format!(" and {} more", n - MAX_PODS_SHOWN)
        } else {
            String::new()
        };
        format!(
            "{n} backing pod{} not Ready ({}{more})",
            if n == 1 { " is" } else { "s are" },
            shown.join(", ")
        )
    }

    /// Evidence: the closest label sets, or each not-ready pod and what blocks it.
    fn details(
        &self,
        world: &World,
        now: Timestamp,
        depth: usize,
        visited: &mut BTreeSet<String>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if self.not_ready.is_empty() {
            if let (Some(sel), Some(pods)) = (&self.selector, self.pods) {
                out.push(format!("selector: {}", resolve::labels_text(sel)));
                let closest = resolve::closest_label_sets(sel, pods, 3);
                if closest.is_empty() {
                    out.push(format!(
                        "no pod in namespace {} has any of these labels",
                        self.ns
                    ));
                }
                for (pod, labels) in closest {
                    out.push(format!("closest: pod {pod} has labels {labels}"));
                }
            }
            return out;
        }
        for (name, pod) in self.not_ready.iter().take(MAX_PODS_SHOWN) {
            match pod {
                Some(p) => out.extend(follow(world, p, now, depth, visited)),
                None => out.push(format!(
                    "pod {name}: not ready (in namespace {}, not listed)",
                    self.ns
                )),
            }
        }
        out
    }

    fn hint(&self, world: &World, name: &str) -> String {
        if !self.not_ready.is_empty() {
            let first = &self.not_ready[0].0;
            return format!(
                "find out why {first} is not Ready: `kubectl initdoctor explain {first} -n {}`",
                self.ns
            );
        }
        match &self.selector {
            Some(_) => format!(
                "create the pods the selector names, or fix the selector or their labels (`kubectl get pods -n {} --show-labels`)",
                self.ns
            ),
            None => format!(
                "give Service {name} a selector, or create an EndpointSlice labelled {}={name} for it (namespace {})",
                resolve::SERVICE_NAME_LABEL,
                if self.ns.is_empty() {
                    world.namespace
                } else {
                    &self.ns
                }
            ),
        }
    }
}

/// `Init:0/1`, `Running, not Ready`, `Pending, no IP yet`.
fn pod_state(pod: &Pod) -> String {
    let status = status::pod_status(pod);
    if status == "Running" && !resolve::pod_ready(pod) {
        return "Running, not Ready".into();
    }
    status
}

/// One not-ready pod and, when it is stuck in init, what its blocker waits on (recursively).
fn follow(
    world: &World,
    pod: &Pod,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<String> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let indent = "  ".repeat(depth);
    let mut out = vec![format!("{indent}pod {name}: {}", pod_state(pod))];
    if !visited.insert(name.clone()) {
        out.push(format!(
            "{indent}  ↳ already followed: the waits form a loop"
        ));
        return out;
    }
    if depth + 1 >= MAX_CHAIN_DEPTH {
        return out;
    }
    let rows = timeline::rows(pod);
    let Some(blocking) = timeline::blocking(pod, &rows) else {
        return out;
    };
    let Some(container) = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .and_then(|i| i.get(blocking.index))
    else {
        return out;
    };
    let ext = command::extract(
        pod,
        container,
        world.objects.map(|o| o.config_maps.as_slice()),
    );
    let sub = World { pod, ..*world };
    let before = out.len();
    for check in &ext.checks {
        if check.tool == Tool::Sleep && check.in_loop {
            continue;
        }
        for f in check_findings(
            &sub,
            &ext,
            check,
            rows.get(blocking.index),
            now,
            depth + 1,
            visited,
        ) {
            out.push(format!(
                "{indent}  ↳ its init container {} waits for `{}`: {}: {}",
                ext.container,
                f.target.as_deref().unwrap_or("?"),
                f.code,
                f.message
            ));
            out.extend(
                f.evidence
                    .iter()
                    .filter(|e| {
                        e.trim_start().starts_with("pod ") || e.trim_start().starts_with("↳")
                    })
                    .cloned(),
            );
        }
    }
    if out.len() == before {
        let what = ext
            .not_understood
            .first()
            .map(|c| format!("runs `{}` (not understood)", one_line(c, 80)))
            .unwrap_or_else(|| "is blocked".into());
        out.push(format!(
            "{indent}  ↳ its init container {} {what}",
            container.name
        ));
    }
    out
}

/// A check on an IP literal: a Service ClusterIP or a Pod IP of the namespace.
#[allow(clippy::too_many_arguments)]
fn ip_findings(
    world: &World,
    ext: &Extraction,
    check: &Check,
    ip: std::net::IpAddr,
    port: &PortNeed,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
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
        return service_findings(
            world,
            ext,
            check,
            world.namespace,
            &name,
            port,
            false,
            true,
            now,
            depth,
            visited,
        );
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
        f.evidence.extend(follow(world, pod, now, depth, visited));
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
#[allow(clippy::too_many_arguments)]
fn pod_hostname(
    world: &World,
    ext: &Extraction,
    check: &Check,
    ns: &str,
    hostname: &str,
    service: &str,
    port: &PortNeed,
    dns_blocked: bool,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
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
        .flat_map(|s| s.endpoints.iter())
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
            x.evidence.extend(follow(world, p, now, depth, visited));
            x.hint = format!(
                "find out why it is not Ready: `kubectl initdoctor explain {} -n {ns}`",
                p.metadata.name.as_deref().unwrap_or("")
            );
            vec![x]
        }
        _ => {
            let mut x = f(
                "HeadlessNotResolvable",
                Severity::Error,
                format!(
                    "no pod with hostname {hostname} backs headless Service {ns}/{service}, so {hostname}.{service} does not resolve"
                ),
            );
            x.evidence.push(chain);
            x.hint = format!(
                "check the StatefulSet that should run {hostname} (its serviceName must be {service}): `kubectl get statefulsets -n {ns}`"
            );
            vec![x]
        }
    }
}

/// `kubectl wait … pod` / k8s-wait-for `pod -l…`.
#[allow(clippy::too_many_arguments)]
fn pods_wait(
    world: &World,
    ext: &Extraction,
    check: &Check,
    namespace: Option<&str>,
    selector: Option<&str>,
    names: &[String],
    condition: &str,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
    let ns = namespace.unwrap_or(world.namespace);
    let what = match selector {
        Some(s) => format!("pods matching {s}"),
        None => format!("pod {}", names.join(", ")),
    };
    let Some(objects) = world.objects else {
        return Vec::new();
    };
    let Some(pods) = world.pods(ns) else {
        let mut f = new(
            "WaitingOnPod",
            Severity::Info,
            ext,
            check,
            format!("waits for {what} in namespace {ns}: pods there are not listed, not checked"),
        );
        f.hint = format!("`kubectl get pods -n {ns}`");
        return vec![f];
    };
    if let Some(problem) = objects.problems.iter().find(|p| p.contains("list pods")) {
        let mut f = new(
            "TargetUnknown",
            Severity::Warning,
            ext,
            check,
            format!("could not check {what}"),
        );
        f.evidence.push(problem.clone());
        return vec![f];
    }
    let parsed = selector.map(resolve::Selector::parse);
    if let Some(None) = parsed {
        let mut f = new(
            "TargetUnknown",
            Severity::Warning,
            ext,
            check,
            format!(
                "the selector `{}` is not understood",
                selector.unwrap_or("")
            ),
        );
        f.hint = logs_hint(world, ext);
        return vec![f];
    }
    let matched: Vec<&Pod> = pods
        .iter()
        .filter(|p| match &parsed {
            Some(Some(sel)) => sel.matches(p.metadata.labels.as_ref()),
            _ => p.metadata.name.as_ref().is_some_and(|n| names.contains(n)),
        })
        .collect();
    let me = pod_name(world).to_string();
    let resolved = match matched.as_slice() {
        [one] => Some(ObjectRef::new(
            "Pod",
            ns,
            one.metadata.name.as_deref().unwrap_or(""),
        )),
        _ => None,
    };
    let f = |code: &str, severity: Severity, message: String| {
        let mut f = new(code, severity, ext, check, message);
        f.resolved = resolved.clone();
        f
    };
    let waits_for_delete = condition == "delete";
    if !waits_for_delete
        && ns == world.namespace
        && matched
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some(me.as_str()))
    {
        let mut x = f(
            "WaitingOnPod",
            Severity::Error,
            format!(
                "it waits for {what}, which includes this pod itself: it cannot be Ready before its init containers finish, so it waits forever"
            ),
        );
        x.hint = "narrow the selector so it matches only the pods of the dependency".into();
        return vec![x];
    }
    if matched.is_empty() {
        if waits_for_delete {
            let mut x = f(
                "ResolvesButWaits",
                Severity::Warning,
                format!(
                    "no {what} remains in namespace {ns}, so the wait for deletion should be over"
                ),
            );
            x.hint = logs_hint(world, ext);
            return vec![x];
        }
        let mut x = f(
            "WaitingOnPod",
            Severity::Error,
            format!("no pod in namespace {ns} matches: it waits for {what}"),
        );
        if check.tool == Tool::KubectlWait {
            x.evidence.push("`kubectl wait` with a selector that matches nothing fails at once (error: no matching resources found), so the container restarts with back-off".into());
        }
        if let Some(Some(_)) = &parsed
            && let Some(sel) = selector
        {
            let as_map: BTreeMap<String, String> = sel
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| {
                    (
                        k.trim().trim_end_matches('=').to_string(),
                        v.trim().to_string(),
                    )
                })
                .collect();
            for (pod, labels) in resolve::closest_label_sets(&as_map, pods, 3) {
                x.evidence
                    .push(format!("closest: pod {pod} has labels {labels}"));
            }
        }
        x.hint = format!(
            "create the pods it waits for, or fix the selector (`kubectl get pods -n {ns} --show-labels`)"
        );
        return vec![x];
    }
    if waits_for_delete {
        let mut x = f(
            "WaitingOnPod",
            Severity::Warning,
            format!(
                "it waits for {} pod(s) to be deleted: {}",
                matched.len(),
                pod_list(&matched)
            ),
        );
        x.hint = format!("`kubectl get pods -n {ns}`");
        return vec![x];
    }
    let condition_type = condition.strip_prefix("condition=").unwrap_or(condition);
    let condition_type = condition_type.split('=').next().unwrap_or("Ready");
    let not_ready: Vec<&Pod> = matched
        .iter()
        .copied()
        .filter(|p| !pod_condition(p, condition_type))
        .collect();
    if not_ready.is_empty() {
        let sa = world
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_else(|| "default".into());
        let mut x = f(
            "ResolvesButWaits",
            Severity::Warning,
            format!(
                "all {} {what} meet {condition}, so the wait should be over",
                matched.len()
            ),
        );
        x.evidence.push(format!("pods: {}", pod_list(&matched)));
        x.evidence.push(format!("the check runs with ServiceAccount {sa}: without RBAC get/list/watch on pods in {ns} it fails with Forbidden"));
        x.hint = format!(
            "{}; grant it: `kubectl create role pod-reader --verb=get,list,watch --resource=pods -n {ns}` and a rolebinding for {sa}",
            logs_hint(world, ext)
        );
        return vec![x];
    }
    let mut x = f(
        "WaitingOnPod",
        Severity::Error,
        format!(
            "{} of {} {what} do not meet {condition}: {}",
            not_ready.len(),
            matched.len(),
            pod_list(&not_ready)
        ),
    );
    x.evidence.push(format!(
        "chain: {}",
        not_ready
            .iter()
            .take(MAX_PODS_SHOWN)
            .map(|p| format!(
                "Pod {ns}/{} ({})",
                p.metadata.name.as_deref().unwrap_or(""),
                pod_state(p)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for p in not_ready.iter().take(MAX_PODS_SHOWN) {
        x.evidence.extend(follow(world, p, now, depth, visited));
    }
    let first = not_ready[0].metadata.name.clone().unwrap_or_default();
    x.hint =
        format!("find out why {first} is not ready: `kubectl initdoctor explain {first} -n {ns}`");
    vec![x]
}

fn pod_condition(pod: &Pod, type_: &str) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_.eq_ignore_ascii_case(type_) && c.status == "True")
        })
}

fn pod_list(pods: &[&Pod]) -> String {
    let mut shown: Vec<String> = pods
        .iter()
        .take(MAX_PODS_SHOWN)
        .map(|p| {
            format!(
                "{} ({})",
                p.metadata.name.as_deref().unwrap_or(""),
                pod_state(p)
            )
        })
        .collect();
    if pods.len() > MAX_PODS_SHOWN {
        shown.push(format!("and {} more", pods.len() - MAX_PODS_SHOWN));
    }
    shown.join(", ")
}

/// `kubectl wait … job/x` / k8s-wait-for `job x`.
#[allow(clippy::too_many_arguments)]
fn job_wait(
    world: &World,
    ext: &Extraction,
    check: &Check,
    namespace: Option<&str>,
    name: &str,
    now: Timestamp,
    depth: usize,
    visited: &mut BTreeSet<String>,
) -> Vec<Finding> {
    let ns = namespace.unwrap_or(world.namespace);
    let Some(objects) = world.objects else {
        return Vec::new();
    };
    let resolved = Some(ObjectRef::new("Job", ns, name));
    let f = |code: &str, severity: Severity, message: String| {
        let mut f = new(code, severity, ext, check, message);
        f.resolved = resolved.clone();
        f
    };
    let job = objects.jobs.iter().find(|j| {
        j.metadata.name.as_deref() == Some(name)
            && j.metadata.namespace.as_deref().unwrap_or(world.namespace) == ns
    });
    let Some(job) = job else {
        if let Some(problem) = objects.problems.iter().find(|p| p.contains("jobs")) {
            let mut x = f(
                "TargetUnknown",
                Severity::Warning,
                format!("could not check Job {ns}/{name}"),
            );
            x.evidence.push(problem.clone());
            return vec![x];
        }
        let mut x = f(
            "WaitingOnJob",
            Severity::Error,
            format!("no Job {name} in namespace {ns}: it waits for a Job that does not exist"),
        );
        x.hint = format!("create the Job (or fix its name): `kubectl get jobs -n {ns}`");
        return vec![x];
    };
    let status = job.status.as_ref();
    let cond = |t: &str| {
        status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == t && c.status == "True"))
    };
    if cond("Complete").is_some() {
        let sa = world
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_else(|| "default".into());
        let mut x = f(
            "ResolvesButWaits",
            Severity::Warning,
            format!("Job {ns}/{name} is complete, so the wait should be over"),
        );
        x.evidence.push(format!("the check runs with ServiceAccount {sa}: without RBAC get/list/watch on jobs in {ns} it fails with Forbidden"));
        x.hint = logs_hint(world, ext);
        return vec![x];
    }
    if let Some(failed) = cond("Failed") {
        let mut x = f(
            "WaitingOnJob",
            Severity::Error,
            format!(
                "Job {ns}/{name} failed ({}): it will never complete",
                failed.reason.clone().unwrap_or_else(|| "Failed".into())
            ),
        );
        if let Some(m) = &failed.message {
            x.evidence.push(m.clone());
        }
        x.hint = format!(
            "read its logs: `kubectl logs job/{name} -n {ns}`, fix it and recreate the Job"
        );
        return vec![x];
    }
    let count = |v: Option<i32>| v.unwrap_or(0);
    let mut x = f(
        "WaitingOnJob",
        Severity::Error,
        format!(
            "Job {ns}/{name} has not completed: {} active, {} succeeded, {} failed",
            count(status.and_then(|s| s.active)),
            count(status.and_then(|s| s.succeeded)),
            count(status.and_then(|s| s.failed))
        ),
    );
    if let Some(pods) = world.pods(ns) {
        let job_pods: Vec<&Pod> = pods
            .iter()
            .filter(|p| {
                p.metadata.labels.as_ref().is_some_and(|l| {
                    l.get("batch.kubernetes.io/job-name")
                        .or_else(|| l.get("job-name"))
                        .map(String::as_str)
                        == Some(name)
                })
            })
            .collect();
        if !job_pods.is_empty() {
            x.evidence.push(format!(
                "chain: Job {ns}/{name} → Pods {}",
                pod_list(&job_pods)
            ));
        }
        for p in job_pods
            .iter()
            .filter(|p| !resolve::pod_terminal(p))
            .take(MAX_PODS_SHOWN)
        {
            x.evidence.extend(follow(world, p, now, depth, visited));
        }
    }
    x.hint = format!(
        "follow it: `kubectl get job {name} -n {ns}` and `kubectl logs job/{name} -n {ns}`"
    );
    vec![x]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busybox_versions() {
        assert_eq!(busybox_after_1_28("busybox"), Some("latest".into()));
        assert_eq!(busybox_after_1_28("busybox:1.35"), Some("1.35".into()));
        assert_eq!(
            busybox_after_1_28("busybox:1.36.1-musl"),
            Some("1.36.1-musl".into())
        );
        assert_eq!(busybox_after_1_28("busybox:1.28"), None);
        assert_eq!(busybox_after_1_28("busybox:1.28.4"), None);
        assert_eq!(busybox_after_1_28("busybox:1.27"), None);
        assert_eq!(busybox_after_1_28("tutum/dnsutils"), None);
        assert_eq!(busybox_after_1_28("busybox@sha256:abc"), None);
    }
}

#[cfg(test)]
mod scenarios {
    //! Findings on real objects: a pod in namespace `shop` whose first init container runs.
    use super::*;
    use serde_json::{Value, json};

    const NOW: &str = "2026-01-01T00:10:00Z";

    fn pod_json(name: &str, inits: Value, spec_extra: Value) -> Value {
        let inits_arr = inits.as_array().cloned().unwrap_or_default();
        let statuses: Vec<Value> = inits_arr
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let state = if i == 0 {
                    json!({"running": {"startedAt": "2026-01-01T00:09:30Z"}})
                } else {
                    json!({"waiting": {"reason": "PodInitializing"}})
                };
                json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false,
                       "restartCount": 0, "state": state})
            })
            .collect();
        let mut spec =
            json!({"containers": [{"name": "main", "image": "app"}], "initContainers": inits});
        if let (Some(s), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
            for (k, v) in extra {
                s.insert(k.clone(), v.clone());
            }
        }
        json!({
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": name},
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": spec,
            "status": {"phase": "Pending", "podIP": format!("10.0.0.{}", name.len()),
                "conditions": [{"type": "Initialized", "status": "False"}, {"type": "Ready", "status": "False"}],
                "initContainerStatuses": statuses,
                "containerStatuses": [{"name": "main", "image": "app", "imageID": "", "ready": false,
                    "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}
        })
    }

    fn ready_pod(name: &str, labels: Value, ports: Value) -> Value {
        json!({
            "metadata": {"name": name, "namespace": "shop", "labels": labels},
            "spec": {"containers": [{"name": "srv", "image": "srv", "ports": ports}]},
            "status": {"phase": "Running", "podIP": "10.0.1.1",
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "srv", "image": "srv", "imageID": "", "ready": true,
                    "restartCount": 0, "state": {"running": {}}}]}
        })
    }

    fn service(name: &str, ns: &str, spec: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": ns, "creationTimestamp": "2025-12-31T00:00:00Z"}, "spec": spec})
    }

    fn slice(service: &str, endpoints: Value, ports: Value) -> Value {
        json!({"metadata": {"name": format!("{service}-abc"), "namespace": "shop",
                            "labels": {SERVICE_LABEL: service}},
               "addressType": "IPv4", "endpoints": endpoints, "ports": ports})
    }

    const SERVICE_LABEL: &str = resolve::SERVICE_NAME_LABEL;

    struct Objects {
        services: Value,
        slices: Value,
        pods: Value,
        by_name: Value,
        jobs: Value,
    }

    impl Default for Objects {
        fn default() -> Self {
            Objects {
                services: json!([]),
                slices: json!([]),
                pods: json!([]),
                by_name: json!([]),
                jobs: json!([]),
            }
        }
    }

    fn explain(pod: Value, o: Objects) -> Vec<Finding> {
        let mut pods: Vec<Pod> = serde_json::from_value(o.pods).unwrap();
        let me: Pod = serde_json::from_value(pod).unwrap();
        pods.push(me.clone());
        let objects = super::super::WaitObjects {
            fetched: true,
            services: std::sync::Arc::new(serde_json::from_value(o.services).unwrap()),
            endpoint_slices: std::sync::Arc::new(serde_json::from_value(o.slices).unwrap()),
            pods: std::sync::Arc::new(pods),
            services_by_name: serde_json::from_value(o.by_name).unwrap(),
            jobs: serde_json::from_value(o.jobs).unwrap(),
            ..Default::default()
        };
        let evidence = Evidence {
            pod: me,
            waits: Some(objects),
            ..Default::default()
        };
        findings(&evidence, NOW.parse().unwrap())
    }

    fn one<'a>(found: &'a [Finding], code: &str) -> &'a Finding {
        found
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("no {code} in {:#?}", found))
    }

    fn codes(found: &[Finding]) -> Vec<&str> {
        found.iter().map(|f| f.code.as_str()).collect()
    }

    fn nslookup(name: &str, image: &str, target: &str) -> Value {
        json!({"name": name, "image": image,
               "command": ["sh", "-c", format!("until nslookup {target}; do echo waiting; sleep 2; done")]})
    }

    #[test]
    fn missing_service_with_manifest_and_the_next_container() {
        let pod = pod_json(
            "test-initc",
            json!([
                nslookup("init-mysvc", "tutum/dnsutils", "mysvc"),
                nslookup("init-mydb", "tutum/dnsutils", "mydb")
            ]),
            json!({}),
        );
        let found = explain(pod, Objects::default());
        assert_eq!(codes(&found), ["ServiceNotFound", "ServiceNotFound"]);
        let first = &found[0];
        assert_eq!(first.severity, Severity::Error);
        assert_eq!(first.container.as_deref(), Some("init-mysvc"));
        assert_eq!(first.target.as_deref(), Some("mysvc"));
        assert_eq!(
            first.resolved,
            Some(ObjectRef::new("Service", "shop", "mysvc"))
        );
        assert_eq!(first.evidence[0], "command: nslookup mysvc");
        assert!(
            first
                .hint
                .contains("kind: Service\nmetadata:\n  name: mysvc\n  namespace: shop"),
            "{}",
            first.hint
        );
        let second = &found[1];
        assert_eq!(second.severity, Severity::Warning);
        assert!(
            second.message.starts_with("once init-mysvc is done: "),
            "{}",
            second.message
        );
    }

    #[test]
    fn near_misses_other_namespace_and_typo() {
        let pod = pod_json(
            "myapp-pod",
            json!([
                nslookup(
                    "init-myservice",
                    "busybox:1.35",
                    "myservice.default.svc.cluster.local"
                ),
                nslookup("init-mydb", "busybox:1.28", "my-db")
            ]),
            json!({}),
        );
        let found = explain(
            pod,
            Objects {
                services: json!([
                    service("myservice", "shop", json!({"clusterIP": "10.96.0.9"})),
                    service("mydb", "shop", json!({"clusterIP": "10.96.0.8"}))
                ]),
                by_name: json!([service(
                    "myservice",
                    "shop",
                    json!({"clusterIP": "10.96.0.9"})
                )]),
                ..Default::default()
            },
        );
        let other = one(&found, "ServiceInOtherNamespace");
        assert_eq!(
            other.resolved,
            Some(ObjectRef::new("Service", "default", "myservice"))
        );
        assert!(
            other.message.contains("namespace shop"),
            "{}",
            other.message
        );
        assert!(other.hint.contains("myservice.shop"), "{}", other.hint);
        // An FQDN works with busybox 1.35: no quirk.
        assert!(!codes(&found).contains(&"BusyboxNslookupQuirk"));
        let typo = one(&found, "ServiceNameTypo");
        assert!(
            typo.message.contains("did you mean mydb?"),
            "{}",
            typo.message
        );
    }

    /// ClusterIP Services called `name`, one in each of `namespaces`.
    fn same_name_in(name: &str, namespaces: &[&str]) -> Value {
        let ip = json!({"clusterIP": "10.96.0.7"});
        json!(
            namespaces
                .iter()
                .map(|ns| service(name, ns, ip.clone()))
                .collect::<Vec<_>>()
        )
    }

    #[test]
    fn other_namespaces_are_capped_at_three_and_the_fix_names_the_first() {
        let pod = pod_json(
            "web",
            json!([nslookup("init-db", "busybox:1.36", "mydb")]),
            json!({}),
        );
        let by_name = same_name_in("mydb", &["e-ns", "b-ns", "d-ns", "a-ns", "c-ns"]);
        let found = explain(
            pod,
            Objects {
                by_name,
                ..Default::default()
            },
        );
        let f = one(&found, "ServiceInOtherNamespace");
        let listed: Vec<&str> = f
            .evidence
            .iter()
            .filter(|l| l.starts_with("Service ") || l.starts_with("… and"))
            .map(String::as_str)
            .collect();
        assert_eq!(
            listed,
            [
                "Service a-ns/mydb (ClusterIP 10.96.0.7, no ports)",
                "Service b-ns/mydb (ClusterIP 10.96.0.7, no ports)",
                "Service c-ns/mydb (ClusterIP 10.96.0.7, no ports)",
                "… and 2 more namespaces",
            ],
            "{:#?}",
            f.evidence
        );
        assert!(f.message.ends_with("in namespace a-ns"), "{}", f.message);
        assert!(f.hint.contains("`mydb.a-ns`"), "{}", f.hint);

        // Up to three, every one is listed; a fourth is one more namespace.
        let four = same_name_in("mydb", &["a-ns", "b-ns", "c-ns", "d-ns"]);
        let pod = pod_json(
            "web",
            json!([nslookup("init-db", "busybox:1.36", "mydb")]),
            json!({}),
        );
        let found = explain(
            pod,
            Objects {
                by_name: four,
                ..Default::default()
            },
        );
        let f = one(&found, "ServiceInOtherNamespace");
        assert_eq!(
            f.evidence.last().map(String::as_str),
            Some("… and 1 more namespace")
        );
    }

    #[test]
    fn a_typo_lists_other_namespaces_capped_too() {
        let pod = pod_json(
            "web",
            json!([nslookup("init-db", "busybox:1.36", "mydbb")]),
            json!({}),
        );
        let ip = json!({"clusterIP": "10.96.0.7"});
        let by_name = same_name_in("mydbb", &["a-ns", "b-ns", "c-ns", "d-ns", "e-ns"]);
        let found = explain(
            pod,
            Objects {
                services: json!([service("mydb", "default", ip.clone())]),
                by_name,
                ..Default::default()
            },
        );
        let f = one(&found, "ServiceNameTypo");
        let elsewhere: Vec<&str> = f
            .evidence
            .iter()
            .filter(|l| l.starts_with("a Service ") || l.starts_with("… and"))
            .map(String::as_str)
            .collect();
        assert_eq!(
            elsewhere,
            [
                "a Service mydbb exists in namespace a-ns",
                "a Service mydbb exists in namespace b-ns",
                "a Service mydbb exists in namespace c-ns",
                "… and 2 more namespaces",
            ],
            "{:#?}",
            f.evidence
        );
    }

    #[test]
    fn existing_clusterip_resolves_but_busybox_latest_does_not() {
        let services = json!([service(
            "testservice",
            "shop",
            json!({"clusterIP": "10.96.0.9",
            "ports": [{"port": 80, "targetPort": 9999, "protocol": "TCP"}]})
        )]);
        let pod = pod_json(
            "test",
            json!([nslookup("init-service", "busybox:1.28", "testservice")]),
            json!({}),
        );
        let found = explain(
            pod,
            Objects {
                services: services.clone(),
                ..Default::default()
            },
        );
        assert_eq!(codes(&found), ["ResolvesButWaits"]);
        let f = &found[0];
        assert!(
            f.message
                .contains("Service shop/testservice exists (ClusterIP 10.96.0.9)"),
            "{}",
            f.message
        );
        assert_eq!(
            f.evidence[1],
            "chain: Service shop/testservice (ClusterIP 10.96.0.9, 80/TCP→9999) → no EndpointSlice"
        );
        let pod = pod_json(
            "test",
            json!([nslookup("init-service", "busybox", "testservice")]),
            json!({}),
        );
        let found = explain(
            pod,
            Objects {
                services,
                ..Default::default()
            },
        );
        assert_eq!(codes(&found), ["BusyboxNslookupQuirk"]);
        assert!(found[0].hint.contains("busybox:1.28"));
        assert!(found[0].hint.contains("testservice.shop.svc.cluster.local"));
    }

    #[test]
    fn no_endpoints_selector_and_selectorless() {
        let nc = json!([{"name": "wait-db", "image": "busybox:1.28",
            "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]}]);
        let found = explain(
            pod_json("web", nc.clone(), json!({})),
            Objects {
                services: json!([service(
                    "db",
                    "shop",
                    json!({"clusterIP": "10.96.0.5", "selector": {"app": "postgres"},
                    "ports": [{"port": 5432, "targetPort": 5432}]})
                )]),
                pods: json!([ready_pod(
                    "pg-0",
                    json!({"app": "postgress"}),
                    json!([{"containerPort": 5432}])
                )]),
                ..Default::default()
            },
        );
        let f = one(&found, "ServiceNoEndpoints");
        assert!(
            f.message.contains("selector app=postgres matches no pod"),
            "{}",
            f.message
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e == "closest: pod pg-0 has labels app=postgress"),
            "{:?}",
            f.evidence
        );
        let found = explain(
            pod_json("web", nc, json!({})),
            Objects {
                services: json!([service(
                    "db",
                    "shop",
                    json!({"clusterIP": "10.96.0.5", "ports": [{"port": 5432}]})
                )]),
                ..Default::default()
            },
        );
        let f = one(&found, "ServiceNoEndpoints");
        assert!(
            f.message.contains("no selector and no EndpointSlice"),
            "{}",
            f.message
        );
        assert!(f.hint.contains(SERVICE_LABEL));
    }

    #[test]
    fn not_ready_backing_pods_are_followed_without_loops() {
        // web waits on db (backed by db-0), db-0 waits on migrations (missing) and on web's
        // Service (backed by web: a loop).
        let web = pod_json(
            "web",
            json!([{"name": "wait-db", "image": "busybox:1.28",
            "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]}]),
            json!({}),
        );
        let db0 = pod_json(
            "db-0",
            json!([{"name": "wait-deps", "image": "busybox:1.28",
            "command": ["sh", "-c", "until nslookup migrations && nc -z web 80; do sleep 1; done"]}]),
            json!({}),
        );
        let found = explain(
            web,
            Objects {
                services: json!([
                    service(
                        "db",
                        "shop",
                        json!({"clusterIP": "10.96.0.5", "selector": {"app": "db-0"}, "ports": [{"port": 5432, "name": "pg"}]})
                    ),
                    service(
                        "web",
                        "shop",
                        json!({"clusterIP": "10.96.0.6", "selector": {"app": "web"}, "ports": [{"port": 80}]})
                    )
                ]),
                slices: json!([
                    slice(
                        "db",
                        json!([{"addresses": ["10.0.0.4"], "conditions": {"ready": false},
                        "targetRef": {"kind": "Pod", "name": "db-0", "namespace": "shop"}}]),
                        json!([{"name": "pg", "port": 5432}])
                    ),
                    slice(
                        "web",
                        json!([{"addresses": ["10.0.0.3"], "conditions": {"ready": false},
                        "targetRef": {"kind": "Pod", "name": "web", "namespace": "shop"}}]),
                        json!([{"name": "", "port": 80}])
                    )
                ]),
                pods: json!([db0]),
                ..Default::default()
            },
        );
        let f = one(&found, "ServiceEndpointsNotReady");
        assert!(f.message.contains("db-0 is Init:0/1"), "{}", f.message);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.starts_with("chain: Service shop/db")
                    && e.contains("EndpointSlice db-abc (0 of 1 ready)")
                    && e.contains("Pods db-0 (Init:0/1)")),
            "{:#?}",
            f.evidence
        );
        assert!(
            f.evidence.iter().any(|e| e.contains(
                "↳ its init container wait-deps waits for `migrations`: ServiceNotFound"
            )),
            "{:#?}",
            f.evidence
        );
        assert!(
            f.evidence.iter().any(|e| e.contains("already followed")),
            "{:#?}",
            f.evidence
        );
        assert!(f.hint.contains("kubectl initdoctor explain db-0"));
    }

    #[test]
    fn ports_headless_and_external_names() {
        let check = |script: &str, services: Value, slices: Value, pods: Value| {
            explain(
                pod_json(
                    "web",
                    json!([{"name": "w", "image": "busybox:1.28", "command": ["sh", "-c", script]}]),
                    json!({}),
                ),
                Objects {
                    services,
                    slices,
                    pods,
                    ..Default::default()
                },
            )
        };
        let svc = json!([service(
            "db",
            "shop",
            json!({"clusterIP": "10.96.0.5", "selector": {"app": "pg"},
            "ports": [{"port": 5432, "targetPort": 9999}]})
        )]);
        let eps = json!([slice(
            "db",
            json!([{"addresses": ["10.0.1.1"], "conditions": {"ready": true},
            "targetRef": {"kind": "Pod", "name": "pg-0"}}]),
            json!([{"port": 9999}])
        )]);
        let pg = json!([ready_pod(
            "pg-0",
            json!({"app": "pg"}),
            json!([{"containerPort": 5432}])
        )]);
        let found = check(
            "until nc -z db 3306; do sleep 1; done",
            svc.clone(),
            eps.clone(),
            pg.clone(),
        );
        assert!(
            one(&found, "ServicePortMismatch")
                .message
                .contains("does not expose port 3306")
        );
        let found = check(
            "until nc -z db 5432; do sleep 1; done",
            svc.clone(),
            eps.clone(),
            pg.clone(),
        );
        let f = one(&found, "ServicePortMismatch");
        assert!(f.message.contains("targetPort 9999"), "{}", f.message);
        assert_eq!(f.severity, Severity::Warning);
        let ok_pg = json!([ready_pod(
            "pg-0",
            json!({"app": "pg"}),
            json!([{"containerPort": 9999}])
        )]);
        let found = check("until nc -z db 5432; do sleep 1; done", svc, eps, ok_pg);
        assert_eq!(codes(&found), ["ResolvesButWaits"]);
        // Headless without ready endpoints.
        let headless = json!([service(
            "nginx",
            "shop",
            json!({"clusterIP": "None", "selector": {"app": "nginx"}})
        )]);
        let found = check(
            "until nslookup nginx; do sleep 1; done",
            headless.clone(),
            json!([]),
            json!([]),
        );
        assert!(
            one(&found, "HeadlessNotResolvable")
                .message
                .contains("no ready endpoint")
        );
        let found = check(
            "until nslookup web-0.nginx; do sleep 1; done",
            headless,
            json!([]),
            json!([]),
        );
        let f = one(&found, "HeadlessNotResolvable");
        assert_eq!(f.resolved, Some(ObjectRef::new("Pod", "shop", "web-0")));
        // ExternalName.
        let ext = json!([service(
            "api",
            "shop",
            json!({"type": "ExternalName", "externalName": "api.example.com"})
        )]);
        let found = check(
            "until nslookup api; do sleep 1; done",
            ext,
            json!([]),
            json!([]),
        );
        assert!(
            one(&found, "ExternalNameService")
                .message
                .contains("api.example.com")
        );
        // Outside the cluster.
        let found = check(
            "until curl -f https://api.example.com/health; do sleep 1; done",
            json!([]),
            json!([]),
            json!([]),
        );
        assert_eq!(codes(&found), ["ExternalTarget"]);
    }

    #[test]
    fn seed_dig_never_waits_and_plain_sleep() {
        let found = explain(
            pod_json(
                "w",
                json!([{"name": "w", "image": "tutum/dnsutils", "command": ["sh", "-c",
                "for i in {1..100}; do sleep 1; if dig myservice; then exit 0; fi; done; exit 1"]}]),
                json!({}),
            ),
            Objects::default(),
        );
        let f = one(&found, "CheckNeverWaits");
        assert!(
            f.message
                .contains("exits 0 even when the name does not exist")
        );
        assert_eq!(one(&found, "ServiceNotFound").severity, Severity::Info);
        assert!(
            f.evidence.iter().any(|e| e.contains("{1..N}")),
            "{:?}",
            f.evidence
        );
        let found = explain(
            pod_json(
                "w",
                json!([{"name": "w", "image": "busybox", "command": ["sleep", "60"]}]),
                json!({}),
            ),
            Objects::default(),
        );
        assert_eq!(
            one(&found, "TimedWait").message,
            "a timed wait: sleeps 60s, about 30s left (running for 30s)"
        );
    }

    #[test]
    fn dns_policy_default_and_none() {
        let inits = json!([nslookup("init-service", "busybox:1.28", "testservice")]);
        let services = json!([service(
            "testservice",
            "shop",
            json!({"clusterIP": "10.96.0.9"})
        )]);
        let found = explain(
            pod_json("t", inits.clone(), json!({"dnsPolicy": "Default"})),
            Objects {
                services: services.clone(),
                ..Default::default()
            },
        );
        assert_eq!(codes(&found), ["DnsPolicyBypassesClusterDns"]);
        let found = explain(
            pod_json(
                "t",
                inits,
                json!({"dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.2.3.4"]}}),
            ),
            Objects {
                services,
                ..Default::default()
            },
        );
        let f = one(&found, "DnsPolicyBypassesClusterDns");
        assert!(f.message.contains("1.2.3.4"), "{}", f.message);
    }

    #[test]
    fn kubectl_wait_pods_and_jobs() {
        let wait =
            |args: Value| json!([{"name": "wait", "image": "bitnami/kubectl", "command": args}]);
        let found = explain(
            pod_json(
                "web",
                wait(json!([
                    "kubectl",
                    "wait",
                    "--for=condition=Ready",
                    "pod",
                    "-l",
                    "app=db"
                ])),
                json!({}),
            ),
            Objects::default(),
        );
        let f = one(&found, "WaitingOnPod");
        assert!(
            f.message.contains("no pod in namespace shop matches"),
            "{}",
            f.message
        );
        let found = explain(
            pod_json(
                "web",
                wait(json!([
                    "kubectl",
                    "wait",
                    "--for=condition=Ready",
                    "pod",
                    "-l",
                    "app=web"
                ])),
                json!({}),
            ),
            Objects::default(),
        );
        assert!(
            one(&found, "WaitingOnPod")
                .message
                .contains("this pod itself")
        );
        let found = explain(
            pod_json(
                "web",
                wait(json!([
                    "kubectl",
                    "wait",
                    "--for=condition=Ready",
                    "pod",
                    "-l",
                    "app=db"
                ])),
                json!({}),
            ),
            Objects {
                pods: json!([ready_pod("db-0", json!({"app": "db"}), json!([]))]),
                ..Default::default()
            },
        );
        let f = one(&found, "ResolvesButWaits");
        assert_eq!(f.resolved, Some(ObjectRef::new("Pod", "shop", "db-0")));
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("ServiceAccount default"))
        );
        let found = explain(
            pod_json(
                "web",
                wait(json!([
                    "kubectl",
                    "wait",
                    "--for=condition=complete",
                    "job/migrate"
                ])),
                json!({}),
            ),
            Objects::default(),
        );
        assert_eq!(
            one(&found, "WaitingOnJob").resolved,
            Some(ObjectRef::new("Job", "shop", "migrate"))
        );
        let found = explain(
            pod_json(
                "web",
                wait(json!([
                    "kubectl",
                    "wait",
                    "--for=condition=complete",
                    "job/migrate"
                ])),
                json!({}),
            ),
            Objects {
                jobs: json!([{"metadata": {"name": "migrate", "namespace": "shop"}, "status": {"active": 1}}]),
                ..Default::default()
            },
        );
        assert!(
            one(&found, "WaitingOnJob")
                .message
                .contains("1 active, 0 succeeded")
        );
    }

    #[test]
    fn service_links_and_not_understood() {
        let found = explain(
            pod_json(
                "reg",
                json!([{"name": "register", "image": "curlimages/curl", "command": ["sh", "-c",
                "curl -X POST http://$MANAGEMENT_SERVICE_HOST:$MANAGEMENT_SERVICE_PORT/register -d 'instance=$(<POD_NAME>)&ip=$(<POD_IP>)'"]}]),
                json!({}),
            ),
            Objects::default(),
        );
        let f = one(&found, "ServiceNotFound");
        assert_eq!(f.target.as_deref(), Some("$MANAGEMENT_SERVICE_HOST"));
        assert_eq!(
            f.resolved,
            Some(ObjectRef::new("Service", "shop", "management"))
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("existed when the container started"))
        );
        let found = explain(
            pod_json(
                "m",
                json!([{"name": "db-migration", "image": "myapp:latest", "command": ["python", "manage.py", "migrate"]}]),
                json!({}),
            ),
            Objects::default(),
        );
        let f = one(&found, "WaitNotUnderstood");
        assert!(f.message.contains("`python manage.py migrate`"));
        assert_eq!(f.target, None);
    }

    #[test]
    fn the_table_section_groups_by_target() {
        let pod = pod_json(
            "test-initc",
            json!([nslookup("init-mysvc", "tutum/dnsutils", "mysvc")]),
            json!({}),
        );
        let found = explain(pod, Objects::default());
        let text = super::super::render::section(&found, crate::render::Palette { enabled: false });
        assert!(
            text.starts_with("Waits for:\n  init-mysvc → mysvc\n    command: nslookup mysvc\n"),
            "{text}"
        );
        assert!(
            text.contains("[error] ServiceNotFound: no Service mysvc in namespace shop"),
            "{text}"
        );
        assert!(text.contains("        fix: apply the Service (`kubectl apply -f -`):\n             apiVersion: v1\n"), "{text}");
    }
}
