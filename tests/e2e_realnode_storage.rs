//! Storage on the real node: rancher's local-path-provisioner behind the default StorageClass
//! `local-path` (WaitForFirstConsumer), as a real cluster would have one. A claim with no class
//! binds once a pod uses it: the scheduler picks the node, the provisioner makes the volume there,
//! the pod's init container writes to it and the app reads it back. (A claim that cannot bind:
//! `tests/e2e_scheduler.rs`.)

mod common;

use std::time::Duration;

use common::TestNs;
use common::realnode::{self, app_status, completed, init_status, is_running, wait_pod};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::Api;

const LONG: Duration = Duration::from_secs(120);

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_claim_of_the_default_class_binds_for_its_pod() {
    let node = common::real_node();
    let ns = TestNs::new("rn-pvc").await;
    ns.create::<PersistentVolumeClaim>(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 64Mi}}\n",
    )
    .await;
    let claims: Api<PersistentVolumeClaim> = ns.api();
    let claim = claims.get("data").await.expect("get the claim");
    let spec = claim.spec.expect("spec");
    // The default StorageClass was filled in by the API server's admission.
    assert_eq!(spec.storage_class_name.as_deref(), Some("local-path"));
    realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: uses-data}
spec:
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  initContainers:
  - name: seed
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'echo seeded > /data/marker']
    volumeMounts: [{name: data, mountPath: /data}]
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'cat /data/marker; exec sleep 3600']
    volumeMounts: [{name: data, mountPath: /data}]
"#,
    )
    .await;
    let p = wait_pod(&ns, "uses-data", LONG, "app running", |p| {
        is_running(app_status(p, "app"))
    })
    .await;
    assert!(completed(init_status(&p, "seed")), "{:#}", p["status"]);
    assert_eq!(p["spec"]["nodeName"], node, "{:#}", p["spec"]);
    let claim = claims.get("data").await.expect("get the claim");
    let status = claim.status.expect("claim status");
    assert_eq!(status.phase.as_deref(), Some("Bound"));
    let logs = common::kubectl(&["logs", "-n", &ns.name, "uses-data", "-c", "app"]);
    assert_eq!(logs.stdout.trim(), "seeded", "{}", logs.stderr);
}
