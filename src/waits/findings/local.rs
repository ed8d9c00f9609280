//! Targets that are this pod itself or not known: `localhost` and a tool's default local socket
//! (`WaitsOnLocalhost`), values that cannot be known here (`TargetUnknown`).

use super::{logs_hint, new, pod_name};
use crate::command::{Check, Extraction};
use crate::finding::{Finding, Severity};
use crate::status;
use crate::waits::ObjectRef;
use crate::waits::resolve::World;
use k8s_openapi::api::core::v1::Container;

/// The evidence line of a wait on the pod's own loopback: no Service, DNS name or readiness
/// stands between it and what serves it (`diagnosis::selfwait` leaves such waits alone).
pub const LOOPBACK: &str = "the pod's own loopback: no Service or readiness in between";

/// Waiting on the pod itself (`localhost`, or a tool's default local socket).
pub(super) fn localhost(
    world: &World,
    ext: &Extraction,
    check: &Check,
    what: &str,
    port: Option<u16>,
) -> Vec<Finding> {
    // The native sidecars started before this container: one of them may serve it. A
    // `containerPort` is informational (a container listens where it listens), so only a
    // sidecar that declares other ports and not this one counts as probably not serving it.
    let sidecars: Vec<&Container> = world
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map(|inits| {
            inits
                .iter()
                .take_while(|c| c.name != ext.container)
                .filter(|c| status::is_sidecar(c))
                .collect()
        })
        .unwrap_or_default();
    let declares = |c: &Container, p: u16| {
        c.ports
            .iter()
            .flatten()
            .any(|cp| cp.container_port == i32::from(p))
    };
    let declares_none = |c: &Container| c.ports.as_ref().is_none_or(Vec::is_empty);
    let serving = sidecars
        .iter()
        .find(|c| port.is_none_or(|p| declares(c, p)))
        .map(|c| (c, true))
        .or_else(|| {
            sidecars
                .iter()
                .find(|c| declares_none(c))
                .map(|c| (c, false))
        });
    let port_text = port.map(|p| format!(" (port {p})")).unwrap_or_default();
    if let Some((side, declared)) = serving {
        let message = if declared {
            format!(
                "`{what}` is this pod; the native sidecar {} runs before this container and may serve it",
                side.name
            )
        } else {
            format!(
                "`{what}`{port_text} is this pod; the native sidecar {} runs before this container and may serve it (it declares no ports, so whether it listens there is not known here)",
                side.name
            )
        };
        let mut f = new("ResolvesButWaits", Severity::Warning, ext, check, message);
        f.evidence.push(LOOPBACK.into());
        f.resolved = Some(ObjectRef::new("Pod", world.namespace, pod_name(world)));
        f.hint = logs_hint(world, ext);
        return vec![f];
    }
    let mut f = if sidecars.is_empty() {
        let mut f = new(
            "WaitsOnLocalhost",
            Severity::Error,
            ext,
            check,
            format!(
                "`{what}`{port_text} is this pod itself: no app container runs before the init containers finish, so nothing listens there"
            ),
        );
        f.hint = "point the check at the dependency's Service, or run the dependency as a native sidecar (an init container with restartPolicy: Always) before this one".into();
        f
    } else {
        let names: Vec<&str> = sidecars.iter().map(|c| c.name.as_str()).collect();
        let declared: Vec<String> = sidecars
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .map(|p| p.container_port.to_string())
            .collect();
        let mut f = new(
            "WaitsOnLocalhost",
            Severity::Warning,
            ext,
            check,
            format!(
                "`{what}`{port_text} is this pod itself: only the native sidecar {} runs before this container, and it does not declare that port (it declares {}): probably nothing listens there",
                names.join(", "),
                declared.join(", ")
            ),
        );
        f.hint = format!(
            "if {} listens on that port, declare it in its ports; otherwise point the check at the port it serves or at the dependency's Service",
            names.join(" or ")
        );
        f
    };
    f.resolved = Some(ObjectRef::new("Pod", world.namespace, pod_name(world)));
    vec![f]
}

pub(super) fn unknown_hint(world: &World, unknowns: &[crate::command::expand::Unknown]) -> String {
    use crate::command::expand::Unknown as U;
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
