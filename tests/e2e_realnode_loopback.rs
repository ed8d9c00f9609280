//! An init container that waits on the pod's own loopback behind a native sidecar, produced by
//! the real kubelet: the sidecar declares no `ports` (they are informational: a container
//! listens where it listens) and serves the port a while after it starts. While the wait runs,
//! `explain` must neither say that nothing can listen there nor that the pod waits on its own
//! readiness; once the sidecar listens, the wait ends and the app starts.

mod common;

use std::time::Duration;

use common::TestNs;
use common::realnode::{self, app_status, completed, init_status, is_running, wait_pod};

const LONG: Duration = Duration::from_secs(120);

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_loopback_wait_behind_a_sidecar_that_declares_no_ports() {
    let node = common::real_node();
    let ns = TestNs::new("rn-loopback").await;
    // The sidecar listens on 15000 only after 40 s: the wait runs, refused, until then.
    realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: proxied}
spec:
  initContainers:
  - name: proxy
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    restartPolicy: Always
    command: ['sh', '-c', 'sleep 40; while true; do nc -l -p 15000 -e cat; done']
  - name: wait-proxy
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'until nc -w 1 127.0.0.1 15000 </dev/null; do echo waiting for proxy; sleep 1; done']
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sleep', '3600']
"#,
    )
    .await;
    wait_pod(&ns, "proxied", LONG, "wait-proxy running", |p| {
        is_running(init_status(p, "wait-proxy"))
    })
    .await;

    let pod = common::explain_one(&ns, "proxied", &[]);
    let about: Vec<&serde_json::Value> = pod["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["container"] == "wait-proxy")
        .collect();
    for f in &about {
        assert!(
            !["WaitsOnItself", "WaitsOnLocalhost"].contains(&f["code"].as_str().unwrap_or("")),
            "the sidecar before it may serve the port: {f:#}"
        );
    }
    assert!(
        about
            .iter()
            .any(|f| ["ResolvesButWaits", "WaitLogShowsCause"]
                .contains(&f["code"].as_str().unwrap_or(""))),
        "{:#}",
        pod["findings"]
    );

    // What the kubelet does: the sidecar, which declares no port, serves the wait.
    wait_pod(&ns, "proxied", LONG, "wait-proxy done, app running", |p| {
        completed(init_status(p, "wait-proxy")) && is_running(app_status(p, "app"))
    })
    .await;
}
