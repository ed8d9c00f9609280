//! Names and DNS: what a host name denotes (a Service, a pod hostname, an IP, localhost, an
//! outside name) and whether the pod's resolver can find it at all (`dnsPolicy`, `dnsConfig`,
//! busybox's nslookup).

use super::Walk;

use super::addresses::{ip_findings, pod_hostname};
use super::local::{localhost, unknown_hint};
use super::parts::PortNeed;
use super::services::{service_findings, service_link};
use super::{logs_hint, new};
use crate::command::expand::Unknown;
use crate::command::{self, Check, Extraction, Part, Tool};
use crate::finding::{Finding, Severity};
use crate::waits::ObjectRef;
use crate::waits::resolve::{self, Denotes, Dns, World};

pub(super) fn host_findings(w: Walk, check: &Check, h: &command::HostTarget) -> Vec<Finding> {
    let Walk { world, ext, .. } = w;
    let port = if check.tool.connects() {
        match &h.port {
            None => PortNeed::None,
            Some(Part::Known(p)) => PortNeed::Number(*p),
            Some(Part::ServiceLink(_)) => PortNeed::FirstOf,
            Some(Part::Unknown(us)) => PortNeed::Unknown(
                us.iter()
                    .map(Unknown::describe)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    } else {
        PortNeed::None
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
            f.evidence = unknowns.iter().map(Unknown::describe).collect();
            f.hint = unknown_hint(world, unknowns);
            return vec![f];
        }
        Part::ServiceLink(service) => {
            return service_link(w, check, service, &port);
        }
        Part::Known(name) => name.clone(),
    };
    if name.trim().is_empty() {
        let mut f = new(
            "EmptyTarget",
            Severity::Error,
            ext,
            check,
            format!(
                "`{}` is empty: it waits on no host at all, so it never succeeds",
                h.written
            ),
        );
        f.hint = "set the host it waits on (an empty value usually means a chart's dependency is disabled and its external host was left unset)".into();
        return vec![f];
    }
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
        Denotes::Ip(ip) => out.extend(ip_findings(w, check, ip, &port)),
        Denotes::Service { namespace, name } => out.extend(service_findings(
            w,
            check,
            &namespace,
            &name,
            &port,
            dns_blocked,
            false,
        )),
        Denotes::PodHostname {
            namespace,
            hostname,
            service,
        } => out.extend(pod_hostname(
            w,
            check,
            &namespace,
            &hostname,
            &service,
            &port,
            dns_blocked,
        )),
    }
    out
}

/// `dnsPolicy`/`dnsConfig` and busybox's nslookup, for a cluster name; true when the name
/// cannot resolve whatever the objects say.
pub(super) fn dns_findings(
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
                "busybox {tag}'s nslookup exits non-zero on a short name: `nslookup {name}` keeps failing even once the Service exists (it answers through the pod's search path, then fails on the search domains that do not have it)"
            ),
        );
        f.evidence.push(format!(
            "image: {}; busybox newer than 1.28 exits 1 when any search domain answers NXDOMAIN",
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
pub(super) fn full_name(denotes: &Denotes, domain: &str) -> String {
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

pub(super) fn resolved_of(denotes: &Denotes) -> Option<ObjectRef> {
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
