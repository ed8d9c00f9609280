//! End to end on the real node (real containers, CoreDNS, kube-proxy, a pty): `debug --check`
//! against what the API says (headless Services, and a ClusterIP Service through kube-proxy),
//! `--copy-to` of a pod that crash-loops too fast, `-it` through a pty, and `--target` sharing
//! the target's processes. Each test skips with REAL_NODE=0 (see `common::real_node`); pods run
//! `busybox:1.35`, the image the real node has offline.

mod common;

use std::time::Duration;

use common::{TestNs, initdoctor};
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

/// A pod for the real node: placed there by the scheduler (its taint tolerated), images from its
/// local store.
fn real_pod(node: &str, name: &str, init_script: &str, labels: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{{labels}}}}}
spec:
{placement}  initContainers:
  - name: wait
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', {init_script:?}]
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sleep', '3600']
"#,
        placement = common::realnode::placement(node)
    )
}

/// A pod on the real node serving TCP on `port` (busybox nc), ready once it runs, declaring
/// `declared` as its container port (what the API can see). `nc -ll -e true` keeps listening
/// between connections; a loop of `nc -l` refuses a connection that comes between two of its
/// runs (14 of 50 back-to-back connects, seen with the image's own busybox 1.35 on loopback).
fn real_server(node: &str, name: &str, port: u16, declared: u16) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {name}}}}}
spec:
{placement}  containers:
  - name: serve
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'exec nc -ll -p {port} -e true']
    ports: [{{containerPort: {declared}}}]
"#,
        placement = common::realnode::placement(node)
    )
}

/// A headless Service: names resolve straight to the backing pods' addresses on the bridge (the
/// checks then connect to a pod, not through kube-proxy's ClusterIP rules).
async fn service(ns: &TestNs, name: &str, port: u16, target_port: u16, selector: &str) {
    let yaml = format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  clusterIP: None\n  selector: {{app: {selector}}}\n  ports: [{{port: {port}, targetPort: {target_port}}}]\n"
    );
    ns.create::<k8s_openapi::api::core::v1::Service>(&yaml)
        .await;
}

/// Pod `db`, listening on `listen` and declaring 5432, Ready behind the headless Service `db`
/// (5432 → 5432), its endpoint written by the real endpointslice controller.
async fn ready_db(ns: &TestNs, node: &str, listen: u16) {
    ns.pod(&real_server(node, "db", listen, 5432)).await;
    service(ns, "db", 5432, 5432, "db").await;
    until_running(ns, "db", false).await;
    ns.await_endpoints("db", 1, 1).await;
}

/// Wait (60s at most) until the pod's init container `wait` runs, or the pod is Ready.
async fn until_running(ns: &TestNs, pod: &str, init: bool) {
    for _ in 0..300 {
        let p: Pod = ns.api::<Pod>().get(pod).await.unwrap();
        let s = serde_json::to_value(p.status.unwrap_or_default()).unwrap();
        let key = if init {
            "initContainerStatuses"
        } else {
            "containerStatuses"
        };
        if s[key][0]["state"]["running"].is_object() && (init || s[key][0]["ready"] == true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{pod} did not run on the real node within 60s");
}

fn check_json(ns: &TestNs, pod: &str) -> (i32, Value, String) {
    let run = initdoctor(&[
        "debug",
        pod,
        "-n",
        &ns.name,
        "--check",
        "-o",
        "json",
        "--timeout",
        "90s",
    ]);
    let doc = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run.code, doc, run.stderr)
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_check_agrees_with_the_api_when_the_service_is_missing() {
    let node = common::real_node();
    let ns = TestNs::new("rchk").await;
    ns.pod(&real_pod(
        node,
        "web",
        "until nslookup rchk-db; do sleep 2; done",
        "app: web",
    ))
    .await;
    until_running(&ns, "web", true).await;
    let (code, doc, stderr) = check_json(&ns, "web");
    assert_eq!(
        code, 3,
        "the blocker cannot proceed; stderr: {stderr}\n{doc:#}"
    );
    let row = &doc["rows"][0];
    assert_eq!(
        (row["kind"].clone(), row["result"].clone()),
        (json!("dns"), json!("nxdomain")),
        "{doc:#}"
    );
    assert_eq!(row["apiCode"], "ServiceNotFound", "{doc:#}");
    assert_eq!(row["agreement"], "consistent");
    assert!(
        row["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("rchk-db.{}.svc.cluster.local", ns.name)),
        "resolved fully qualified: {doc:#}"
    );
    assert_eq!(doc["canProceed"], false);
    // The table says the same, in one line per probe.
    let run = initdoctor(&[
        "debug",
        "web",
        "-n",
        &ns.name,
        "--check",
        "--timeout",
        "90s",
    ]);
    assert_eq!(run.code, 3);
    assert!(
        run.stdout
            .contains("  rchk-db: DNS NXDOMAIN (API: no Service rchk-db) ✓ consistent"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_check_says_the_blocker_can_proceed_past_the_nslookup_quirk() {
    let node = common::real_node();
    let ns = TestNs::new("rchq").await;
    ready_db(&ns, node, 5432).await;
    // busybox 1.35's nslookup never resolves the short name, so the blocker waits forever.
    ns.pod(&real_pod(
        node,
        "web",
        // Debian's busybox nc has no -z: without it, stdin at its end, it connects and ends.
        "until nslookup db && nc -w 2 db 5432 </dev/null; do sleep 2; done",
        "app: web",
    ))
    .await;
    until_running(&ns, "web", true).await;
    let (code, doc, stderr) = check_json(&ns, "web");
    assert_eq!(
        code, 0,
        "every check passes inside; stderr: {stderr}\n{doc:#}"
    );
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows[0]["kind"], "dns");
    assert_eq!(rows[0]["apiCode"], "BusyboxNslookupQuirk", "{doc:#}");
    assert_eq!(rows[0]["agreement"], "consistent");
    assert_eq!(
        (rows[1]["kind"].clone(), rows[1]["result"].clone()),
        (json!("tcp"), json!("ok")),
        "{doc:#}"
    );
    assert_eq!(doc["canProceed"], true);
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_check_disagrees_when_nothing_listens_behind_ready_endpoints() {
    let node = common::real_node();
    let ns = TestNs::new("rchr").await;
    // The backing pod is Ready and declares 5432, but listens on 8080; the Service sends 5432
    // to 5432. The API sees a ready endpoint on the right port; inside, the port is refused.
    ready_db(&ns, node, 8080).await;
    ns.pod(&real_pod(
        node,
        "web",
        "until nc -w 2 db 5432 </dev/null; do sleep 2; done",
        "app: web",
    ))
    .await;
    until_running(&ns, "web", true).await;
    let (code, doc, stderr) = check_json(&ns, "web");
    assert_eq!(code, 3, "stderr: {stderr}\n{doc:#}");
    let tcp = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "tcp")
        .expect("a TCP probe")
        .clone();
    assert_eq!(tcp["result"], "refused", "{doc:#}");
    // Which of the two depends on whether the loop's first "Connection refused" is in its log
    // yet; both say the Service has ready endpoints.
    assert!(
        ["ResolvesButWaits", "WaitLogShowsCause"].contains(&tcp["apiCode"].as_str().unwrap_or("")),
        "{doc:#}"
    );
    assert_eq!(tcp["agreement"], "disagree");
    assert!(
        tcp["note"]
            .as_str()
            .unwrap()
            .contains("the API sees ready endpoints, yet inside the pod TCP refused")
    );
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_copy_to_catches_a_fast_crash_loop_and_target_shares_its_processes() {
    let node = common::real_node();
    let ns = TestNs::new("rcpy").await;
    ns.pod(&real_pod(node, "web", "echo migrating; exit 1", "app: web"))
        .await;
    let before: Pod = ns.api::<Pod>().get("web").await.unwrap();
    // ps in the debug container shows the copy's waiting shell: --target shares its processes.
    let run = common::initdoctor_with_stdin_after(
        &[
            "debug",
            "web",
            "-n",
            &ns.name,
            "--copy-to",
            "web-copy",
            "--same-node",
            "--timeout",
            "60s",
        ],
        "ps\nexit\n",
        std::time::Duration::from_secs(12),
    );
    run.assert_code(0);
    assert!(
        run.stdout.contains("sleep 3600"),
        "the target's processes: {}",
        run.stdout
    );
    let after: Pod = ns.api::<Pod>().get("web").await.unwrap();
    assert_eq!(
        before.metadata.uid, after.metadata.uid,
        "the original is still there"
    );
    assert_eq!(after.metadata.labels.unwrap()["app"], "web");
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_it_through_a_pty() {
    let node = common::real_node();
    let ns = TestNs::new("rpty").await;
    ns.pod(&real_pod(
        node,
        "web",
        "until nslookup mydb; do sleep 2; done",
        "app: web",
    ))
    .await;
    until_running(&ns, "web", true).await;
    // `script` gives the tool a real terminal; the shell's input comes through it.
    let bin = env!("CARGO_BIN_EXE_kubectl-initdoctor");
    let line = format!(
        "(sleep 8; printf 'echo pty-$((6*7))\\r'; sleep 2; printf 'exit\\r') | script -qec '{bin} --kubeconfig {} debug web -n {} -it --timeout 60s' /dev/null",
        common::env().kubeconfig.display(),
        ns.name
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &line])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("pty-42"),
        "the remote shell evaluated the line: {text}"
    );
    assert!(
        !text.contains("(a TTY session, input from a pipe)"),
        "a real terminal: {text}"
    );
    // The shell exited: the end says so, with its code (not "still running").
    assert!(
        text.contains("Session ended: ") && text.contains("exited with code 0"),
        "{text}"
    );
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_check_reports_the_blockers_usage_error_as_a_disagreement() {
    let node = common::real_node();
    let ns = TestNs::new("rchu").await;
    // The target is fine; the blocker's busybox nc has no -z, so its loop never passes.
    ready_db(&ns, node, 5432).await;
    ns.pod(&real_pod(
        node,
        "web",
        "until nc -z -w 2 db 5432; do sleep 2; done",
        "app: web",
    ))
    .await;
    until_running(&ns, "web", true).await;
    let (code, doc, stderr) = check_json(&ns, "web");
    assert_eq!(
        code, 3,
        "the blocker cannot proceed; stderr: {stderr}\n{doc:#}"
    );
    let tcp = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "tcp")
        .expect("a TCP probe")
        .clone();
    assert_eq!(tcp["result"], "usage", "{doc:#}");
    assert_eq!(tcp["agreement"], "disagree", "{doc:#}");
    assert!(
        tcp["note"]
            .as_str()
            .unwrap()
            .contains("nc: invalid option -- 'z'"),
        "{doc:#}"
    );
    assert_eq!(doc["canProceed"], false);
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_check_reaches_a_cluster_ip_service_through_kube_proxy_once_a_pod_serves() {
    let node = common::real_node();
    let ns = TestNs::new("rcip").await;
    // A ClusterIP Service (not headless): its name resolves to the ClusterIP, and kube-proxy's
    // rules carry the connection to a backing pod, once there is one.
    let svc: k8s_openapi::api::core::v1::Service = ns
        .create(
            "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432, targetPort: 5432}]\n",
        )
        .await;
    let cluster_ip = svc.spec.and_then(|s| s.cluster_ip).expect("a ClusterIP");
    // After its wait the blocker keeps running (the sleep), so that the second check, made once
    // a pod serves, still has a running container to target.
    ns.pod(&real_pod(
        node,
        "web",
        "until nc -w 2 db 5432 </dev/null; do sleep 2; done; sleep 3600",
        "app: web",
    ))
    .await;
    until_running(&ns, "web", true).await;
    let tcp_row = |doc: &Value| {
        doc["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["kind"] == "tcp"))
            .cloned()
            .unwrap_or_else(|| panic!("a TCP probe: {doc:#}"))
    };

    // No backing pod: nothing behind the ClusterIP, the blocker cannot proceed.
    let (code, doc, stderr) = check_json(&ns, "web");
    assert_eq!(code, 3, "stderr: {stderr}\n{doc:#}");
    // The name resolves to the ClusterIP; kube-proxy rejects a ClusterIP without endpoints.
    let tcp = tcp_row(&doc);
    assert_eq!(tcp["result"], "refused", "{doc:#}");
    assert!(
        tcp["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with(&format!("{cluster_ip}:5432"))),
        "{doc:#}"
    );
    assert_eq!(tcp["apiCode"], "ServiceNoEndpoints", "{doc:#}");
    assert_eq!(tcp["agreement"], "consistent", "{doc:#}");
    assert_eq!(doc["canProceed"], false, "{doc:#}");

    // A backing pod serves: through the ClusterIP, reachable.
    ns.pod(&real_server(node, "db-0", 5432, 5432).replace("app: db-0", "app: db"))
        .await;
    until_running(&ns, "db-0", false).await;
    ns.await_endpoints("db", 1, 1).await;
    let (code, doc, stderr) = check_json(&ns, "web");
    assert_eq!(code, 0, "stderr: {stderr}\n{doc:#}");
    let tcp = tcp_row(&doc);
    assert_eq!(tcp["result"], "ok", "{doc:#}");
    assert!(
        tcp["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with(&format!("{cluster_ip}:5432"))),
        "connected to the ClusterIP, not to a pod: {doc:#}"
    );
    assert_eq!(doc["canProceed"], true, "{doc:#}");
}
