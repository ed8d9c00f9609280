//! A Service that does not exist: the same name in other namespaces, near names, and the
//! manifest that would create it.

use super::parts::PortNeed;
use super::parts::service_text;
use super::{MAX_NAMESPACES_SHOWN, new};
use crate::command::{Check, Extraction, Mode};
use crate::finding::{Finding, Severity};
use crate::waits::ObjectRef;
use crate::waits::resolve::{self, World};

/// "… and N more namespaces" when `count` namespaces exceed what evidence lists.
pub(super) fn more_namespaces(count: usize) -> Option<String> {
    let more = count.saturating_sub(MAX_NAMESPACES_SHOWN);
    let noun = if more == 1 { "namespace" } else { "namespaces" };
    (more > 0).then(|| format!("… and {more} more {noun}"))
}

/// A missing Service, with its near misses.
pub(super) fn missing_service(
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
    let waits_text = if check.mode == Mode::Once {
        if check.tool.connects() {
            "it cannot connect"
        } else {
            "the lookup fails"
        }
    } else if check.tool.connects() {
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
            "apply the Service:\n{}",
            service_manifest(world, ns, name, p)
        );
        f
    };
    f.resolved = Some(resolved);
    f
}

/// The Service manifest that would satisfy the wait: the port the command awaits, the backing
/// pods' `containerPort` as targetPort when they are known, else a placeholder comment.
pub(super) fn service_manifest(world: &World, ns: &str, name: &str, port: Option<u16>) -> String {
    let backing = world.pods(ns).and_then(|pods| {
        ["app.kubernetes.io/name", "app"].iter().find_map(|key| {
            let matching: Vec<_> = pods
                .iter()
                .filter(|p| {
                    p.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(*key))
                        .map(String::as_str)
                        == Some(name)
                })
                .collect();
            (!matching.is_empty()).then_some((*key, matching))
        })
    });
    let selector = match &backing {
        Some((key, _)) => format!("    {key}: {name}"),
        None => format!("    app: {name}   # the labels of the pods that serve {name}"),
    };
    let container_port = backing.as_ref().and_then(|(_, pods)| {
        pods.iter().find_map(|p| {
            p.spec.as_ref()?.containers.iter().find_map(|c| {
                let ports = c.ports.as_ref()?;
                ports
                    .iter()
                    .find(|cp| {
                        port.is_some_and(|want| i64::from(want) == i64::from(cp.container_port))
                    })
                    .or_else(|| ports.first())
                    .map(|cp| cp.container_port)
            })
        })
    });
    let port_line = match port {
        Some(p) => format!("  - port: {p}"),
        None => "  - port: 80   # any port: the command needs only the name".to_string(),
    };
    let target = match container_port {
        Some(cp) => format!("    targetPort: {cp}"),
        None => format!(
            "    targetPort: {}   # the containerPort the pods listen on",
            port.unwrap_or(80)
        ),
    };
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  selector:\n{selector}\n  ports:\n{port_line}\n{target}"
    )
}
