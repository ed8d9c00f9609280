//! `Unschedulable`: the scheduler finds no node, often because an init container's request
//! sets the pod's effective request.

use super::context::{Context, event_line, finding, one_line};
use crate::diagnosis::resources::{effective_requests, format_quantity};
use crate::finding::{Finding, Severity};

/// The pod is not bound to a node and the scheduler says why (condition or FailedScheduling).
pub fn check_unschedulable(cx: &Context) -> Option<Finding> {
    let spec = cx.pod.spec.as_ref()?;
    if spec.node_name.as_deref().is_some_and(|n| !n.is_empty()) {
        return None;
    }
    let condition = cx
        .pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter().find(|c| {
                c.type_ == "PodScheduled"
                    && c.status == "False"
                    && c.reason.as_deref() == Some("Unschedulable")
            })
        });
    let events = cx.events(None, &["FailedScheduling"]);
    let last_event = events.last();
    if condition.is_none() && last_event.is_none() {
        return None;
    }
    let said = condition
        .and_then(|c| c.message.clone())
        .filter(|m| !m.is_empty())
        .or_else(|| last_event.map(|e| e.message.clone()))
        .unwrap_or_default();
    if unbound_claims(&said) {
        return claim_not_bound(cx, &said, last_event.copied());
    }
    let dominating: Vec<_> = effective_requests(spec)
        .into_iter()
        .filter(|r| r.init_dominates() && r.init_container.is_some())
        .collect();
    // Prefer a dominated resource the scheduler names as insufficient.
    let said_lower = said.to_lowercase();
    let main = dominating
        .iter()
        .find(|r| said_lower.contains(&format!("insufficient {}", r.resource)))
        .or(dominating.first());
    let mut f = finding(
        "Unschedulable",
        Severity::Error,
        main.and_then(|r| r.init_container.as_deref()),
        format!("no node can take the pod: {}", one_line(&said)),
    );
    if let Some(e) = last_event {
        f.evidence.push(event_line(e));
    }
    for r in &dominating {
        let name = r.init_container.as_deref().unwrap_or_default();
        f.evidence.push(format!(
            "{res}: init container {name:?} requests {own}; the app containers{sidecars} request {app} in total; the pod's effective {res} request is therefore {eff}, set by the init container",
            res = r.resource,
            own = r.init_container_request.as_deref().unwrap_or("?"),
            sidecars = if has_sidecars(cx) { " and sidecars" } else { "" },
            app = format_quantity(&r.resource, r.app),
            eff = format_quantity(&r.resource, r.effective),
        ));
    }
    f.hint = match main {
        Some(r) => {
            let name = r.init_container.as_deref().unwrap_or_default();
            let field = match cx.init_index(name) {
                Some(i) => format!("spec.initContainers[{i}].resources.requests.{}", r.resource),
                None => format!("the init container's resources.requests.{}", r.resource),
            };
            format!(
                "init containers run one at a time, but the scheduler still needs a node with {} {} free: lower {field} (now {}) or add a node that large; see kubectl describe nodes",
                format_quantity(&r.resource, r.effective),
                r.resource,
                r.init_container_request.as_deref().unwrap_or("?")
            )
        }
        None => "compare the pod's requests, nodeSelector, affinity and tolerations with the nodes: kubectl describe nodes".into(),
    };
    Some(f)
}

/// The scheduler's words for a pod whose claims are not bound (`pod has unbound immediate
/// PersistentVolumeClaims`).
fn unbound_claims(said: &str) -> bool {
    let l = said.to_ascii_lowercase();
    l.contains("unbound") && l.contains("persistentvolumeclaim")
}

/// `ClaimNotBound`: the pod cannot be placed until its PersistentVolumeClaims are bound; names
/// each claim and what binding one needs (nodes are not the problem).
fn claim_not_bound(
    cx: &Context,
    said: &str,
    event: Option<&crate::diagnosis::PodEvent>,
) -> Option<Finding> {
    let claims: Vec<String> = cx
        .pod
        .spec
        .as_ref()?
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| {
            v.persistent_volume_claim
                .as_ref()
                .map(|c| c.claim_name.clone())
        })
        .collect();
    let ns = cx.namespace();
    let list = if claims.is_empty() {
        "its PersistentVolumeClaims".to_string()
    } else {
        claims
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut f = finding(
        "ClaimNotBound",
        Severity::Error,
        None,
        format!(
            "waits for PersistentVolumeClaim {list} to be bound: no node can take the pod before that"
        ),
    );
    f.evidence.push(format!("scheduler: {}", one_line(said)));
    if let Some(e) = event {
        f.evidence.push(event_line(e));
    }
    let first = claims.first().map_or("CLAIM", String::as_str);
    f.hint = format!(
        "a claim binds to a matching PersistentVolume, or to one its StorageClass's provisioner creates: see what {first} lacks with kubectl describe pvc {first} -n {ns} (\"no storage class is set\": name a StorageClass in storageClassName or mark one default; a class whose provisioner is not running never provisions; kubectl get storageclass, kubectl get pv)"
    );
    Some(f)
}

fn has_sidecars(cx: &Context) -> bool {
    cx.diagnosis.init_containers.iter().any(|r| r.sidecar)
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::Severity;
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    fn unscheduled(with_condition: bool) -> crate::diagnosis::Evidence {
        let mut p = pod(
            json!([
                {"name": "init-myservice", "image": "busybox:1.28", "resources": {"requests": {"memory": "16Mi"}}},
                {"name": "migrate", "image": "busybox:1.28", "resources": {"requests": {"memory": "64Gi", "cpu": "100m"}}}
            ]),
            json!({"phase": "Pending"}),
        );
        p["spec"].as_object_mut().unwrap().remove("nodeName");
        p["spec"]["containers"][0]["resources"] =
            json!({"requests": {"memory": "256Mi", "cpu": "500m"}});
        if with_condition {
            p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."}]);
        }
        with_events(
            evidence(p),
            vec![event(
                None,
                "Warning",
                "FailedScheduling",
                "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
                3,
            )],
        )
    }

    #[test]
    fn names_the_dominating_init_container_with_numbers() {
        let f = only(&unscheduled(true), "Unschedulable");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.container.as_deref(), Some("migrate"));
        assert!(f.message.starts_with(
            "no node can take the pod: 0/1 nodes are available: 1 Insufficient memory."
        ));
        assert!(f.evidence.iter().any(|l| l == "memory: init container \"migrate\" requests 64Gi; the app containers request 256Mi in total; the pod's effective memory request is therefore 64Gi, set by the init container"), "{:#?}", f.evidence);
        assert!(!f.evidence.iter().any(|l| l.starts_with("cpu:")));
        assert!(
            f.hint
                .contains("lower spec.initContainers[1].resources.requests.memory (now 64Gi)")
        );
    }

    #[test]
    fn events_alone_are_enough_and_bound_pods_are_not_unschedulable() {
        assert!(codes(&unscheduled(false)).contains(&"Unschedulable".to_string()));
        let mut e = unscheduled(true);
        e.pod.spec.as_mut().unwrap().node_name = Some("node-1".into());
        assert!(!codes(&e).contains(&"Unschedulable".to_string()));
    }

    #[test]
    fn unbound_claims_are_named_not_the_nodes() {
        let mut p = pod(
            json!([{"name": "init-chmod", "image": "busybox"}]),
            json!({"phase": "Pending"}),
        );
        p["spec"].as_object_mut().unwrap().remove("nodeName");
        p["spec"]["volumes"] =
            json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]);
        p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."}]);
        let e = evidence(p);
        let f = only(&e, "ClaimNotBound");
        assert_eq!(f.severity, Severity::Error);
        assert!(f.message.contains("\"data-db-0\""));
        assert!(f.hint.contains("kubectl describe pvc data-db-0 -n shop"));
        assert!(f.hint.contains("StorageClass"));
        assert!(!f.hint.contains("nodeSelector"));
        assert!(!codes(&e).contains(&"Unschedulable".to_string()));
    }
}
