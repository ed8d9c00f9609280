//! A ResourceQuota that refuses every pod of a Deployment because its init container declares
//! no memory request or limit: the ReplicaSet controller really tries, the API server's quota
//! admission refuses, and `explain deployment/NAME` names the quota, the fields it wants and
//! the container that lacks them, from the controller's `FailedCreate` event.

mod common;

use std::time::Duration;

use common::{TestNs, initdoctor, kubectl};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ResourceQuota;

#[tokio::test]
async fn a_quota_refusing_an_init_container_without_resources_is_named() {
    let ns = TestNs::new("quota").await;
    ns.create::<ResourceQuota>(
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute}\nspec: {hard: {limits.memory: 1Gi, requests.memory: 512Mi}}\n",
    )
    .await;
    // The app container sets both; the init container sets neither.
    ns.create::<Deployment>(
        r"apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      initContainers:
      - {name: migrate, image: busybox:1.35, command: [sh, -c, 'true']}
      containers:
      - {name: api, image: busybox:1.35, resources: {limits: {memory: 64Mi}, requests: {memory: 32Mi}}}
",
    )
    .await;
    let mut refused = String::new();
    for _ in 0..60 {
        let run = kubectl(&["get", "events", "-n", &ns.name, "-o", "json"]);
        if run.stdout.contains("\"FailedCreate\"") {
            refused = run.stdout;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // What the real admission says, as the controller recorded it.
    assert!(
        refused.contains("failed quota: compute: must specify limits.memory for: migrate"),
        "{refused}"
    );
    let run = initdoctor(&["explain", "deployment/api", "-n", &ns.name, "-o", "json"]);
    run.assert_code(0);
    let doc = run.json();
    let f = doc["owners"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["findings"].as_array().into_iter().flatten())
        .find(|f| f["code"] == "PodCreationFailed")
        .unwrap_or_else(|| panic!("{doc:#}"))
        .clone();
    let text = format!("{} {}", f["message"], f["hint"]);
    for says in [
        "ResourceQuota \\\"compute\\\"",
        "limits.memory",
        "requests.memory",
        "migrate",
        "init containers included",
        "kubectl describe quota compute",
    ] {
        assert!(text.contains(says), "{says:?} in {text}");
    }
}
