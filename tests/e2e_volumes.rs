//! Claims that cannot bind, placed by the real scheduler: `explain` reads the pod's claims and
//! the StorageClasses (only then) and names each claim and what it lacks — a class that does
//! not exist, `storageClassName: ""`, a class whose provisioner nobody runs — instead of the
//! scheduler's words (`pod has unbound immediate PersistentVolumeClaims`).

mod common;

use std::time::Duration;

use common::TestNs;
use common::realnode::{pod_json, wait_pod};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use serde_json::Value;

const LONG: Duration = Duration::from_secs(60);

/// A StorageClass of the test's own (cluster-wide), deleted when the test ends.
struct Class(String);

impl Drop for Class {
    fn drop(&mut self) {
        common::kubectl(&["delete", "storageclass", &self.0, "--ignore-not-found"]);
    }
}

#[tokio::test]
async fn each_unbound_claim_says_what_it_lacks() {
    let ns = TestNs::new("claims").await;
    // Immediate binding and a provisioner nobody runs here.
    let class = Class(format!("{}-nobody", ns.name));
    let file = std::env::temp_dir().join(format!("{}-class.yaml", ns.name));
    std::fs::write(
        &file,
        format!(
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {}}}\nprovisioner: example.com/nobody\nvolumeBindingMode: Immediate\n",
            class.0
        ),
    )
    .expect("write the class");
    let made = common::kubectl(&["apply", "-f", file.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let cases = [
        ("standard", "StorageClass \"standard\" does not exist"),
        ("", "storageClassName is \"\""),
        (
            class.0.as_str(),
            "provisioner \"example.com/nobody\" has created no volume",
        ),
    ];
    for (i, (wanted, _)) in cases.iter().enumerate() {
        ns.create::<PersistentVolumeClaim>(&format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data-{i}}}\nspec:\n  storageClassName: '{wanted}'\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 1Gi}}}}\n"
        ))
        .await;
        ns.pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: db-{i}}}\nspec:\n  schedulerName: default-scheduler\n  containers: [{{name: db, image: busybox:1.35}}]\n  volumes: [{{name: data, persistentVolumeClaim: {{claimName: data-{i}}}}}]\n"
        ))
        .await;
    }
    for (i, (wanted, says)) in cases.iter().enumerate() {
        let name = format!("db-{i}");
        wait_pod(&ns, &name, LONG, "the scheduler's verdict", |p| {
            p["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "PodScheduled" && c["status"] == "False")
        })
        .await;
        let said = pod_json(&ns, &name).await["status"]["conditions"].to_string();
        assert!(
            said.contains("unbound immediate PersistentVolumeClaims"),
            "{said}"
        );
        let pod = common::explain_one(&ns, &name, &[]);
        let f = pod["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["code"] == "ClaimNotBound")
            .unwrap_or_else(|| panic!("{wanted:?}: {:#}", pod["findings"]));
        let message = f["message"].as_str().unwrap_or_default();
        assert!(message.contains(&format!("\"data-{i}\"")), "{message}");
        assert!(message.contains(says), "{wanted:?}: {says:?} in {message}");
        assert!(!message.contains("unbound immediate"), "{message}");
        let hint = f["hint"].as_str().unwrap_or_default();
        assert!(!hint.contains("nodeSelector"), "{hint}");
        let evidence: Vec<&str> = f["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            evidence.iter().any(|l| l.starts_with("StorageClasses: ")),
            "{evidence:?}"
        );
    }
}

#[tokio::test]
async fn a_first_consumer_claim_whose_provisioner_nobody_runs_is_named() {
    let ns = TestNs::new("wffc").await;
    let class = Class(format!("{}-late", ns.name));
    let file = std::env::temp_dir().join(format!("{}-class.yaml", ns.name));
    std::fs::write(
        &file,
        format!(
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {}}}\nprovisioner: example.com/nobody\nvolumeBindingMode: WaitForFirstConsumer\n",
            class.0
        ),
    )
    .expect("write the class");
    let made = common::kubectl(&["apply", "-f", file.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(made.code, 0, "{}", made.stderr);
    ns.create::<PersistentVolumeClaim>(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data}}\nspec:\n  storageClassName: {}\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 1Gi}}}}\n",
        class.0
    ))
    .await;
    let node = &common::env().node;
    ns.pod(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: db}}\nspec:\n  schedulerName: default-scheduler\n  nodeSelector: {{kubernetes.io/hostname: {node}}}\n  tolerations: [{{operator: Exists}}]\n  containers: [{{name: db, image: busybox:1.35}}]\n  volumes: [{{name: data, persistentVolumeClaim: {{claimName: data}}}}]\n"
    ))
    .await;
    // The scheduler chooses the node and waits for the volume: no condition on the pod.
    let claims: kube::Api<PersistentVolumeClaim> = ns.api();
    let mut chosen = None;
    for _ in 0..150 {
        let claim = claims.get("data").await.expect("get the claim");
        chosen = claim
            .metadata
            .annotations
            .and_then(|a| a.get("volume.kubernetes.io/selected-node").cloned());
        if chosen.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(chosen.as_deref(), Some(node.as_str()));
    let pod = common::explain_one(&ns, "db", &[]);
    let f = pod["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"] == "ClaimNotBound")
        .unwrap_or_else(|| panic!("{:#}", pod["findings"]));
    let text = format!("{} {}", f["message"], f["hint"]).replace("\\\"", "\"");
    for says in [
        "\"data\" to be provisioned",
        &format!("node \"{node}\""),
        "WaitForFirstConsumer",
        "example.com/nobody has created no volume",
        "example.com/nobody is installed and running",
    ] {
        assert!(text.contains(says), "{says:?} in {text}");
    }
}
