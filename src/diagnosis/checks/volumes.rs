//! What an unbound PersistentVolumeClaim lacks, from the claim and the StorageClasses (read by
//! the edge only when the scheduler says the pod's claims are unbound). [`claims_lack`] turns
//! `ClaimNotBound` from the scheduler's words into the claim's own cause:
//!
//! - `storageClassName: ""`: dynamic provisioning is off for it, it binds only to an existing
//!   PersistentVolume without a class;
//! - no `storageClassName` and no default StorageClass (the DefaultStorageClass admission gives
//!   a new claim the default; the PV controller gives one to a claim made before a default
//!   existed);
//! - a class that does not exist;
//! - a class whose provisioner has not created a volume (installed and running?).

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;

use super::context::{Context, one_line};
use crate::diagnosis::Lookup;
use crate::finding::Finding;

/// The annotation that marks the default StorageClass.
const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

/// How many class names a finding lists.
const CLASSES_SHOWN: usize = 5;

/// The annotation the scheduler puts on a `WaitForFirstConsumer` claim once it has chosen the
/// pod's node, for the provisioner to make the volume there.
const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";

/// How long a provisioner may take before waiting on it is an error, not a warning.
const PROVISIONING_GRACE_SECONDS: i64 = 60;

/// Say what each unbound claim of a `ClaimNotBound` finding lacks; for a pod the scheduler has
/// placed in thought only (`WaitForFirstConsumer`), say which claim's volume it waits for.
pub fn claims_lack(cx: &Context, findings: &mut Vec<Finding>) {
    if !findings.iter().any(|f| f.code == "ClaimNotBound")
        && let Some(f) = waits_for_provisioner(cx)
    {
        findings.retain(|g| g.code != "Unschedulable");
        findings.push(f);
        return;
    }
    let Some(f) = findings.iter_mut().find(|f| f.code == "ClaimNotBound") else {
        return;
    };
    let ns = cx.namespace();
    let claims = match &cx.evidence.claims {
        Lookup::Found(claims) => claims,
        Lookup::Denied => {
            f.evidence
                .push("the claims: could not check (RBAC)".to_string());
            return;
        }
        Lookup::Failed(why) => {
            f.evidence
                .push(format!("the claims: could not check ({})", one_line(why)));
            return;
        }
        Lookup::NotChecked => return,
    };
    let classes = match &cx.evidence.storage_classes {
        Lookup::Found(classes) => Some(classes.as_slice()),
        _ => None,
    };
    let mut causes = Vec::new();
    let mut fixes = Vec::new();
    let mut first = None;
    for claim in claims.iter().filter(|c| !bound(c)) {
        let Some((cause, fix)) = lacks(claim, classes) else {
            continue;
        };
        let name = claim.metadata.name.as_deref().unwrap_or("");
        first.get_or_insert(name);
        f.evidence.push(format!(
            "PersistentVolumeClaim {name}: {}, storageClassName {}",
            claim
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .unwrap_or("Pending"),
            claim
                .spec
                .as_ref()
                .and_then(|s| s.storage_class_name.as_deref())
                .map_or("(not set)".to_string(), |c| format!("{c:?}"))
        ));
        causes.push(format!("PersistentVolumeClaim {name:?}: {cause}"));
        fixes.push(fix);
    }
    if let Lookup::Found(all) = &cx.evidence.storage_classes {
        let names: Vec<String> = all
            .iter()
            .take(CLASSES_SHOWN)
            .map(|c| {
                let name = c.metadata.name.clone().unwrap_or_default();
                if is_default(c) {
                    format!("{name} (default)")
                } else {
                    name
                }
            })
            .collect();
        f.evidence.push(if names.is_empty() {
            "StorageClasses: none".to_string()
        } else {
            format!("StorageClasses: {}", names.join(", "))
        });
    }
    if causes.is_empty() {
        return;
    }
    f.message = format!(
        "waits for its claims to be bound, and they cannot be: {}; no node can take the pod before that",
        causes.join("; ")
    );
    f.hint = format!(
        "{} (kubectl describe pvc {} -n {ns}; a claim's storageClassName cannot be changed: delete and re-create it, or change the template that makes it)",
        fixes.join("; "),
        first.unwrap_or("CLAIM")
    );
}

/// `ClaimNotBound` for a pod not yet on a node whose `WaitForFirstConsumer` claim has its node
/// chosen and no volume: the provisioner has not made it.
fn waits_for_provisioner(cx: &Context) -> Option<Finding> {
    let spec = cx.pod.spec.as_ref()?;
    if spec.node_name.as_deref().is_some_and(|n| !n.is_empty()) {
        return None;
    }
    let Lookup::Found(claims) = &cx.evidence.claims else {
        return None;
    };
    let (claim, node) = claims.iter().filter(|c| !bound(c)).find_map(|c| {
        let node = c.metadata.annotations.as_ref()?.get(SELECTED_NODE)?;
        Some((c, node))
    })?;
    let name = claim.metadata.name.as_deref().unwrap_or("");
    let class = claim
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.as_deref())
        .unwrap_or("");
    let provisioner = match &cx.evidence.storage_classes {
        Lookup::Found(all) => all
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(class))
            .map(|c| c.provisioner.clone()),
        _ => None,
    }
    .or_else(|| {
        claim
            .metadata
            .annotations
            .as_ref()?
            .get("volume.kubernetes.io/storage-provisioner")
            .cloned()
    })
    .unwrap_or_else(|| "its provisioner".to_string());
    let age = cx
        .pod
        .metadata
        .creation_timestamp
        .as_ref()
        .map_or(0, |t| crate::diagnosis::seconds_between(t.0, cx.now));
    let severity = if age >= PROVISIONING_GRACE_SECONDS {
        crate::finding::Severity::Error
    } else {
        crate::finding::Severity::Warning
    };
    let ns = cx.namespace();
    let mut f = super::context::finding(
        "ClaimNotBound",
        severity,
        None,
        format!(
            "waits for PersistentVolumeClaim {name:?} to be provisioned: the scheduler chose node {node:?} (StorageClass {class:?} binds WaitForFirstConsumer) and {provisioner} has created no volume in {}",
            crate::diagnosis::short_duration(age)
        ),
    );
    f.evidence.push(format!(
        "PersistentVolumeClaim {name}: Pending, annotation {SELECTED_NODE}={node}"
    ));
    f.evidence.push(format!("provisioner: {provisioner}"));
    f.hint = format!(
        "check that {provisioner} is installed and running (its controller pods and their logs; kubectl describe pvc {name} -n {ns} shows its ExternalProvisioning events), or use a StorageClass whose provisioner runs; the scheduler gives up after its bind timeout and tries again"
    );
    Some(f)
}

fn bound(claim: &PersistentVolumeClaim) -> bool {
    claim.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
}

fn is_default(class: &StorageClass) -> bool {
    class
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CLASS))
        .is_some_and(|v| v == "true")
}

/// What the claim lacks and the fix, when the claim and the classes show it.
fn lacks(
    claim: &PersistentVolumeClaim,
    classes: Option<&[StorageClass]>,
) -> Option<(String, String)> {
    let wanted = claim.spec.as_ref()?.storage_class_name.as_deref();
    let named = |n: &str| {
        classes?
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(n))
    };
    let default = classes.and_then(|all| all.iter().find(|c| is_default(c)));
    let default_name = default.and_then(|c| c.metadata.name.clone());
    match wanted {
        Some("") => Some((
            "storageClassName is \"\", which turns dynamic provisioning off: it binds only to an existing PersistentVolume without a class, and none matches".into(),
            match &default_name {
                Some(d) => format!("name a StorageClass in storageClassName (the default is {d}), or leave the field out, or create a matching PersistentVolume"),
                None => "name a StorageClass in storageClassName, or create a matching PersistentVolume without a class (kubectl get pv)".into(),
            },
        )),
        None => match (classes, &default_name) {
            (Some(_), None) => Some((
                "no storageClassName is set and the cluster has no default StorageClass".into(),
                "name a StorageClass in storageClassName, or mark one default (annotation storageclass.kubernetes.io/is-default-class: \"true\"), or install a provisioner with one".into(),
            )),
            _ => None,
        },
        Some(class) => match named(class) {
            None if classes.is_some() => Some((
                format!("StorageClass {class:?} does not exist"),
                match &default_name {
                    Some(d) => format!("use an existing class in storageClassName (the default is {d}), or create StorageClass {class}"),
                    None => format!("use an existing class in storageClassName (kubectl get storageclass), or create StorageClass {class}"),
                },
            )),
            None => None,
            Some(c) => Some((
                format!(
                    "StorageClass {class:?}'s provisioner {:?} has created no volume for it",
                    c.provisioner
                ),
                format!(
                    "check that {} is installed and running (its controller pods and their logs), or use another class",
                    c.provisioner
                ),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::Lookup;
    use crate::diagnosis::checks::testing::*;
    use serde_json::{Value, json};

    fn unbound(
        class: Value,
        classes: Lookup<Vec<k8s_openapi::api::storage::v1::StorageClass>>,
    ) -> crate::diagnosis::Evidence {
        let mut p = pod(json!([]), json!({"phase": "Pending"}));
        p["spec"]["nodeName"] = Value::Null;
        p["spec"]["volumes"] =
            json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]);
        p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."}]);
        let mut e = evidence(p);
        let mut spec = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}});
        if !class.is_null() {
            spec["storageClassName"] = class;
        }
        e.claims = Lookup::Found(vec![
            serde_json::from_value(json!({
            "metadata": {"name": "data-db-0"}, "spec": spec, "status": {"phase": "Pending"}}))
            .expect("claim"),
        ]);
        e.storage_classes = classes;
        e
    }

    fn class(name: &str, default: bool) -> k8s_openapi::api::storage::v1::StorageClass {
        let mut c = json!({"metadata": {"name": name}, "provisioner": "example.com/disk"});
        if default {
            c["metadata"]["annotations"] =
                json!({"storageclass.kubernetes.io/is-default-class": "true"});
        }
        serde_json::from_value(c).expect("class")
    }

    #[test]
    fn the_claim_and_what_it_lacks() {
        let cases = [
            (
                json!("standard"),
                Lookup::Found(vec![class("local-path", true)]),
                "StorageClass \"standard\" does not exist",
                "the default is local-path",
            ),
            (
                json!(""),
                Lookup::Found(vec![]),
                "storageClassName is \"\"",
                "PersistentVolume without a class",
            ),
            (
                Value::Null,
                Lookup::Found(vec![class("slow", false)]),
                "no default StorageClass",
                "is-default-class",
            ),
            (
                json!("slow"),
                Lookup::Found(vec![class("slow", false)]),
                "provisioner \"example.com/disk\" has created no volume",
                "example.com/disk is installed and running",
            ),
        ];
        for (wanted, classes, says, hint) in cases {
            let f = only(&unbound(wanted.clone(), classes), "ClaimNotBound");
            assert!(f.message.contains("\"data-db-0\""), "{}", f.message);
            assert!(
                f.message.contains(says),
                "{wanted}: {says:?} in {}",
                f.message
            );
            assert!(f.hint.contains(hint), "{wanted}: {hint:?} in {}", f.hint);
            assert!(!f.hint.contains("nodeSelector"), "{}", f.hint);
        }
    }

    #[test]
    fn a_claim_waiting_for_its_first_consumer_s_volume() {
        let mut e = unbound(json!("slow"), Lookup::Found(vec![class("slow", false)]));
        e.pod.status.as_mut().expect("status").conditions = None;
        if let Lookup::Found(claims) = &mut e.claims {
            claims[0].metadata.annotations = Some(
                [(
                    "volume.kubernetes.io/selected-node".to_string(),
                    "n1".to_string(),
                )]
                .into(),
            );
        }
        let f = only(&e, "ClaimNotBound");
        assert!(
            f.message.contains("\"data-db-0\" to be provisioned"),
            "{}",
            f.message
        );
        assert!(f.message.contains("node \"n1\""), "{}", f.message);
        assert!(
            f.message.contains("example.com/disk has created no volume"),
            "{}",
            f.message
        );
        assert!(
            f.hint.contains("example.com/disk is installed and running"),
            "{}",
            f.hint
        );
    }

    #[test]
    fn without_the_classes_the_scheduler_s_words_stay() {
        let f = only(&unbound(json!("standard"), Lookup::Denied), "ClaimNotBound");
        assert!(f.message.contains("to be bound"), "{}", f.message);
        assert!(!f.message.contains("does not exist"), "{}", f.message);
    }
}
