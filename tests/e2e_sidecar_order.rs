//! Native sidecars that the pod itself holds back, end to end on the real node (the real
//! kubelet starts init containers in order, a native sidecar among them, and restarts a
//! failing sidecar with back-off): a sidecar declared after the init container that waits on
//! the port it serves (`SidecarDeclaredAfter`), and a sidecar whose own client connects to its
//! pod's Service, which has no ready endpoint before the pod is Ready (`WaitsOnItself`).

mod common;

use std::time::Duration;

use common::realnode::{
    init_status, is_running, pod_json, pod_on, wait_init_restarts, wait_init_running,
};
use common::{TestNs, codes, explain_one, finding, real_node};

/// On the real node: `until wget … http://localhost:5432/` runs forever while the native sidecar that
/// listens on 5432 is declared after it (the kubelet never starts it); explain names the order
/// and the fix, not "nothing listens before the app starts".
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_sidecar_declared_after_its_user_is_named() {
    let node = real_node();
    let ns = TestNs::new("rnsideorder").await;
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}
  initContainers:
  - name: wait-db
    image: busybox:1.35
    command: ['sh', '-c', 'until wget -q -T 1 -O /dev/null http://localhost:5432/; do echo waiting for the proxy; sleep 1; done']
  - name: db-proxy
    image: busybox:1.35
    restartPolicy: Always
    command: ['nc', '-lk', '-p', '5432']
    ports: [{containerPort: 5432}]
"#;
    pod_on(&ns, node, yaml).await;
    wait_init_running(&ns, "web", "wait-db", Duration::from_secs(60)).await;
    // The kubelet has not started the sidecar: it is still waiting behind wait-db.
    let live = pod_json(&ns, "web").await;
    assert!(
        !is_running(init_status(&live, "db-proxy")),
        "the sidecar should not run before wait-db ends: {live:#}"
    );
    let pod = explain_one(&ns, "web", &[]);
    let all = codes(&pod);
    let f = finding(&pod, "SidecarDeclaredAfter");
    assert_eq!(f["container"], "wait-db", "{f:#}");
    let message = f["message"].as_str().unwrap_or("");
    assert!(message.contains("db-proxy"), "{message}");
    assert!(message.contains("localhost:5432"), "{message}");
    assert!(
        f["hint"]
            .as_str()
            .unwrap_or("")
            .contains("move db-proxy before wait-db"),
        "{f:#}"
    );
    assert!(!all.iter().any(|c| c == "WaitsOnLocalhost"), "{all:?}");
}

/// On the real node: a native sidecar whose command connects once to its own pod's Service
/// fails before its startupProbe passes and is restarted with back-off (the app container
/// waits for its start); the Service has no ready endpoint until the pod is Ready, which needs
/// the sidecar: `WaitsOnItself`, not "no ready endpoint" alone. (Without a startupProbe the
/// real kubelet counts the sidecar as started at its first run and starts the app container.)
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_sidecar_connecting_to_its_own_service_is_named() {
    let node = real_node();
    let ns = TestNs::new("rnsideself").await;
    ns.create::<k8s_openapi::api::core::v1::Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: cache}\nspec:\n  selector: {app: cache}\n  ports: [{port: 27017, targetPort: 27017}]\n",
    )
    .await;
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: cache-0, labels: {app: cache}}
spec:
  containers:
  - {name: db, image: busybox:1.35, command: ['nc', '-lk', '-p', '27017'], ports: [{containerPort: 27017}]}
  initContainers:
  - name: cache-init
    image: busybox:1.35
    restartPolicy: Always
    command: ['sh', '-c', 'wget -q -T 1 -O /dev/null http://cache:27017/']
    startupProbe: {exec: {command: ['test', '-f', '/tmp/started']}, periodSeconds: 1}
"#;
    pod_on(&ns, node, yaml).await;
    wait_init_restarts(&ns, "cache-0", "cache-init", 1, Duration::from_secs(90)).await;
    let pod = explain_one(&ns, "cache-0", &[]);
    let all = codes(&pod);
    let f = finding(&pod, "WaitsOnItself");
    assert_eq!(f["container"], "cache-init", "{f:#}");
    let message = f["message"].as_str().unwrap_or("");
    assert!(message.contains("selects this pod"), "{message}");
    assert!(message.contains("waits forever"), "{message}");
    assert!(
        !all.iter().any(|c| c == "CheckWillFail"),
        "the self-wait replaces the one-shot failure: {all:?}"
    );
}

/// On the real node: a native sidecar without a readiness probe that exits every few seconds is
/// Ready whenever it runs, and so is its pod; the kubelet restarts it with back-off. Explain
/// names the loop (`CrashLoop` on the sidecar), not a healthy pod.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_ready_sidecar_in_a_crash_loop_is_named() {
    let node = real_node();
    let ns = TestNs::new("rnsideloop").await;
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}
  initContainers:
  - name: agent
    image: busybox:1.35
    restartPolicy: Always
    command: ['sh', '-c', 'echo "agent: cannot reach the collector"; sleep 2; exit 3']
"#;
    pod_on(&ns, node, yaml).await;
    wait_init_restarts(&ns, "web", "agent", 2, Duration::from_secs(120)).await;
    let pod = explain_one(&ns, "web", &[]);
    let f = finding(&pod, "CrashLoop");
    assert_eq!(f["container"], "agent", "{f:#}");
    let message = f["message"].as_str().unwrap_or("");
    assert!(message.contains("exits 3"), "{f:#}");
}
