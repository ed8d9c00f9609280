//! Targets that are this pod itself or not known: `localhost` and a tool's default local socket
//! (`WaitsOnLocalhost`), values that cannot be known here (`TargetUnknown`).

use super::{logs_hint, new, pod_name};
use crate::command::{Check, Extraction};
use crate::finding::{Finding, Severity};
use crate::status;
use crate::waits::ObjectRef;
use crate::waits::resolve::World;

/// Waiting on the pod itself (`localhost`, or a tool's default local socket).
pub(super) fn localhost(
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
