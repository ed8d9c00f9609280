//! `PodCreationFailed`: a workload (`explain deployment/NAME`, …) has no pod, and its
//! controller says why — the API server refused each pod it tried to create. The refusal's own
//! words name the cause: Pod Security admission (which container, which field), a
//! ResourceQuota (what it requires, or that it is used up), a ServiceAccount that does not
//! exist, an admission webhook that did not answer. Pure: the owner and its events in, one
//! diagnosis out.

use k8s_openapi::api::core::v1::Event;
use serde::Serialize;

use crate::diagnosis::events::{PodEvent, from_event};
use crate::finding::{Finding, ObjectRef, Severity, finding, one_line, quoted_after};

/// A workload that was asked about and has no pod: what its controller said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerDiagnosis {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub findings: Vec<Finding>,
}

/// What the owner's (or its ReplicaSets') `FailedCreate` events say; no finding when the
/// controller recorded none (replicas 0, or it has not tried yet).
pub fn pods_not_created(owner: &ObjectRef, events: &[Event]) -> OwnerDiagnosis {
    let mut failed: Vec<PodEvent> = events
        .iter()
        .map(from_event)
        .filter(|e| e.reason == "FailedCreate" && e.is_warning())
        .collect();
    failed.sort_by_key(|e| e.last_seen);
    let findings = failed
        .last()
        .map(|newest| creation_finding(owner, newest, failed.iter().map(|e| e.count).sum()))
        .into_iter()
        .collect();
    OwnerDiagnosis {
        kind: owner.kind.clone(),
        namespace: owner.namespace.clone(),
        name: owner.name.clone(),
        findings,
    }
}

/// `deployment/api`, as kubectl names it.
fn object(owner: &ObjectRef) -> String {
    format!("{}/{}", owner.kind.to_lowercase(), owner.name)
}

fn creation_finding(owner: &ObjectRef, event: &PodEvent, tries: i64) -> Finding {
    let text = one_line(&event.message);
    let lower = text.to_ascii_lowercase();
    let ns = &owner.namespace;
    let edit = format!("kubectl edit {} -n {ns}", object(owner));
    let (why, hint) = if let Some(at) = lower.find("violates podsecurity") {
        let level = quoted_after(&text[at..], "violates PodSecurity").unwrap_or("restricted");
        let fields = security_fields(&text);
        (
            format!("Pod Security admission refuses its pods: the namespace enforces {level:?}"),
            format!(
                "set in the pod template {} ({edit}); or, if the workload needs more, lower the namespace's level: kubectl label namespace {ns} pod-security.kubernetes.io/enforce=baseline --overwrite",
                if fields.is_empty() {
                    "the fields the message lists".to_string()
                } else {
                    fields.join(", ")
                }
            ),
        )
    } else if lower.contains("quota") {
        let quota = ["failed quota: ", "exceeded quota: "]
            .iter()
            .find_map(|p| lower.find(p).map(|at| &text[at + p.len()..]))
            .and_then(|rest| rest.split([':', ',']).next())
            .unwrap_or("")
            .trim()
            .to_string();
        if lower.contains("must specify") {
            let wants = text
                .split_once("must specify ")
                .map(|(_, r)| r.trim_end_matches(['.', '"']).to_string())
                .unwrap_or_default();
            (
                format!("ResourceQuota {quota:?} requires every pod to set {wants}"),
                format!(
                    "set resources ({wants}) on every container, init containers included, in the pod template ({edit}), or add a LimitRange with defaults: kubectl describe quota {quota} -n {ns}"
                ),
            )
        } else {
            (
                format!("ResourceQuota {quota:?} is used up: Exceeded quota"),
                format!(
                    "free room or raise the quota (kubectl describe quota {quota} -n {ns}), or lower the pod template's requests/limits ({edit})"
                ),
            )
        }
    } else if lower.contains("error looking up service account") {
        let sa = quoted_after(&text, "serviceaccount")
            .unwrap_or("")
            .to_string();
        (
            format!("its ServiceAccount {sa:?} does not exist in namespace {ns}"),
            format!(
                "create it (kubectl create serviceaccount {sa} -n {ns}) or fix serviceAccountName in the pod template ({edit})"
            ),
        )
    } else if lower.contains("failed calling webhook") {
        let hook = quoted_after(&text, "failed calling webhook")
            .unwrap_or("")
            .to_string();
        let service = quoted_after(&text, "for service").unwrap_or("").to_string();
        let down = if service.is_empty() {
            "its backend did not answer".to_string()
        } else {
            format!("its Service {service:?} has no ready endpoints")
        };
        (
            format!("the admission webhook {hook:?} refuses its pods: {down}"),
            format!(
                "bring the webhook's backend up (kubectl get endpoints {} -A; its pods), or, if it is gone, delete its configuration: kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations",
                if service.is_empty() {
                    "SERVICE"
                } else {
                    service.as_str()
                }
            ),
        )
    } else {
        (
            "the API server refuses its pods".to_string(),
            format!(
                "see the refusal: kubectl describe {} -n {ns}",
                object(owner)
            ),
        )
    };
    let mut f = finding(
        "PodCreationFailed",
        Severity::Error,
        None,
        format!("{} has no pod: {why}", object(owner)),
    );
    f.evidence.push(format!(
        "event Warning FailedCreate (x{tries}, {}): {text}",
        if event.source.is_empty() {
            "controller"
        } else {
            &event.source
        }
    ));
    f.hint = hint;
    f.resolved = Some(owner.clone());
    f
}

/// The `securityContext` fields a Pod Security refusal asks for: `securityContext.X=V` and
/// `securityContext.X to V` of its parenthesised parts, with their containers.
fn security_fields(message: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in message.split('(').skip(1) {
        let part = part.split(')').next().unwrap_or("");
        let Some(at) = part.find(" must set ") else {
            continue;
        };
        let who = part[..at].trim();
        let what = part[at + " must set ".len()..].trim();
        let line = format!("{what} ({who})");
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn failed(message: &str) -> Vec<Event> {
        vec![
            serde_json::from_value(json!({
                "metadata": {"name": "e", "namespace": "shop"},
                "involvedObject": {"kind": "ReplicaSet", "name": "api-5d", "namespace": "shop"},
                "type": "Warning", "reason": "FailedCreate", "message": message, "count": 13,
                "source": {"component": "replicaset-controller"},
                "lastTimestamp": "2026-01-01T00:00:00Z"
            }))
            .unwrap(),
        ]
    }

    #[test]
    fn each_refusal_names_its_cause() {
        let owner = ObjectRef::new("Deployment", "shop", "api");
        let cases: &[(&str, &str, &str)] = &[
            (
                "Error creating: pods \"api-5d-x\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"init\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"init\" must set securityContext.capabilities.drop=[\"ALL\"])",
                "enforces \"restricted:latest\"",
                "securityContext.allowPrivilegeEscalation=false (container \"init\")",
            ),
            (
                "Error creating: pods \"api-5d-x\" is forbidden: failed quota: compute: must specify limits.cpu,limits.memory",
                "ResourceQuota \"compute\" requires every pod to set limits.cpu,limits.memory",
                "kubectl describe quota compute -n shop",
            ),
            (
                "Error creating: pods \"api-5d-x\" is forbidden: exceeded quota: compute, requested: limits.cpu=384m, used: limits.cpu=384m, limited: limits.cpu=384m",
                "is used up",
                "kubectl describe quota compute -n shop",
            ),
            (
                "Error creating: pods \"api-5d-\" is forbidden: error looking up service account shop/robot: serviceaccount \"robot\" not found",
                "ServiceAccount \"robot\" does not exist",
                "kubectl create serviceaccount robot -n shop",
            ),
            (
                "Error creating: Internal error occurred: failed calling webhook \"mpod.kb.io\": failed to call webhook: Post \"https://hook.shop.svc:443/mutate?timeout=10s\": no endpoints available for service \"hook\"",
                "webhook \"mpod.kb.io\" refuses its pods: its Service \"hook\" has no ready endpoints",
                "kubectl get endpoints hook -A",
            ),
        ];
        for (message, says, hint) in cases {
            let d = pods_not_created(&owner, &failed(message));
            let f = &d.findings[0];
            assert_eq!(f.code, "PodCreationFailed");
            assert!(
                f.message.starts_with("deployment/api has no pod: "),
                "{}",
                f.message
            );
            assert!(f.message.contains(says), "{}", f.message);
            assert!(f.hint.contains(hint), "{}", f.hint);
            assert!(f.evidence[0].contains("x13, replicaset-controller"));
        }
    }

    #[test]
    fn no_failed_create_no_finding() {
        let owner = ObjectRef::new("StatefulSet", "shop", "db");
        assert!(pods_not_created(&owner, &[]).findings.is_empty());
    }
}
