//! yogeshlonkar/pod-dependency-init-container (image `ylonkar/pod-dependency-init-container`), read
//! from its source (src/lib/config.js, src/lib/k8s.js, src/index.js): it lists the pods of
//! namespace `$KUBE_NAMESPACE` with label selector `$POD_LABELS` and field selector
//! `status.phase=Running`, and exits 0 as soon as one is listed; otherwise it tries again every
//! 1.5 s, up to `$MAX_RETRY` times (default 5), then exits 1 (the kubelet restarts it).
//!
//! Without `KUBE_NAMESPACE` its client is given no namespace (kubernetes-client 6's
//! `namespaces(name)`, swagger-fluent's loader, joins the undefined name into the request's path),
//! and a failed request is only logged, with no retry: what it waits on is then not known, and
//! said so.

use super::Call;
use crate::command::Target;
use crate::command::expand::Value;

/// The condition it waits for: one matching pod in phase Running.
pub const CONDITION: &str = "phase=Running (any one)";

pub(super) fn pod_dependency(call: &mut Call) -> Vec<Target> {
    let known = |call: &mut Call, var: &str| match call.env.kubernetes(var) {
        Some(Value::Known { text, .. }) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Some(Value::Unknown(u)) => {
            call.out
                .not_understood
                .push(format!("{var} ({})", u.describe()));
            None
        }
        _ => None,
    };
    let Some(labels) = known(call, "POD_LABELS") else {
        call.out
            .not_understood
            .push("pod-dependency-init-container without POD_LABELS".into());
        return Vec::new();
    };
    let Some(namespace) = known(call, "KUBE_NAMESPACE") else {
        call.out.not_understood.push(
            "pod-dependency-init-container without KUBE_NAMESPACE (the namespace it lists is not known)"
                .into(),
        );
        return Vec::new();
    };
    vec![Target::Pods {
        written: format!("POD_LABELS={labels}"),
        namespace: (namespace != call.reader.namespace).then_some(namespace),
        selector: Some(labels),
        names: Vec::new(),
        condition: CONDITION.into(),
    }]
}
