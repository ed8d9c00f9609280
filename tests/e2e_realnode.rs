//! Stories on the real node: the real kubelet, containerd, runc and CoreDNS run the containers,
//! and every status the tool reads was written by the kubelet. They are ignored unless asked for
//! (`make test` runs them when the node is up; see `common::real_node`).

mod common;

use std::time::{Duration, Instant};

use common::realnode::{self, init_status, is_running, wait_init_running, wait_pod};
use common::{TestNs, explain_one, initdoctor};
use k8s_openapi::api::core::v1::Service;
use serde_json::Value;

const LONG: Duration = Duration::from_secs(90);

/// Story 2: an init container that prints a line and exits 3: the kubelet's real back-off and
/// restarts, explain's CrashLoop with the previous instance's line.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_crash_looping_init_container_with_the_kubelets_backoff() {
    let node = common::real_node();
    let ns = TestNs::new("rn-crash").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  initContainers:
  - name: migrate
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'echo "migration failed: relation users does not exist"; exit 3']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    // The kubelet's `waiting: CrashLoopBackOff` state is not always there to see: one run here
    // polled it every 200 ms for 90 s and saw only `terminated` between restarts (restartCount
    // 3). What it wrote in every run here: the restarts and its `BackOff` event.
    let p = realnode::wait_init_restarts(&ns, "crasher", "migrate", 2, LONG).await;
    let deadline = Instant::now() + LONG;
    while !common::kubectl(&[
        "get",
        "events",
        "-n",
        &ns.name,
        "--field-selector",
        "reason=BackOff,involvedObject.name=crasher",
        "-o",
        "name",
    ])
    .stdout
    .contains("event")
    {
        assert!(
            Instant::now() < deadline,
            "no BackOff event from the kubelet"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let s = init_status(&p, "migrate");
    assert_eq!(s["lastState"]["terminated"]["exitCode"], 3, "{s:#}");
    assert_eq!(s["lastState"]["terminated"]["reason"], "Error", "{s:#}");

    let pod = explain_one(&ns, "crasher", &[]);
    // The real back-off is short (10 s, then 20 s): explain may find the restarted instance
    // running or just exited; it is the same crash loop (Init:CrashLoopBackOff, Init:Error or
    // Init:0/1 in kubectl's STATUS, all seen here).
    let status = pod["status"].as_str().unwrap_or("");
    assert!(
        ["Init:CrashLoopBackOff", "Init:Error", "Init:0/1"].contains(&status),
        "{pod:#}"
    );
    assert_eq!(pod["blocking"]["name"], "migrate");
    let f = common::finding(&pod, "CrashLoop");
    assert_eq!(f["container"], "migrate");
    assert!(f["message"].as_str().unwrap().contains("exits 3"), "{f:#}");
    assert!(
        common::evidence_has(f, "migration failed: relation users does not exist"),
        "the previous instance's log line: {f:#}"
    );
    let events = pod["events"].as_array().expect("events");
    assert!(
        events
            .iter()
            .any(|e| e["reason"] == "BackOff" && e["source"] == "kubelet"),
        "the kubelet's BackOff event: {events:#?}"
    );
}

/// An app container whose command ends at once (exit 0) in a pod with `restartPolicy: Always`:
/// the kubelet runs it again with its back-off (`Completed`, exit 0, in the last state, its
/// `BackOff` event); explain's AppCrashLoop says the command ends, whatever state the container
/// is seen in between two runs (running again, just ended, waiting).
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_an_app_container_whose_command_ends_runs_again() {
    let node = common::real_node();
    let ns = TestNs::new("rn-ends").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: oneshot}
spec:
  containers:
  - {name: task, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sh', '-c', 'echo done']}
"#,
    )
    .await;
    let p = wait_pod(&ns, "oneshot", LONG, "two restarts of task", |p| {
        realnode::restarts(realnode::app_status(p, "task")) >= 2
    })
    .await;
    let s = realnode::app_status(&p, "task");
    assert_eq!(s["lastState"]["terminated"]["exitCode"], 0, "{s:#}");
    assert_eq!(s["lastState"]["terminated"]["reason"], "Completed", "{s:#}");
    let deadline = Instant::now() + LONG;
    while !common::kubectl(&[
        "get",
        "events",
        "-n",
        &ns.name,
        "--field-selector",
        "reason=BackOff,involvedObject.name=oneshot",
        "-o",
        "name",
    ])
    .stdout
    .contains("event")
    {
        assert!(
            Instant::now() < deadline,
            "no BackOff event from the kubelet"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let pod = explain_one(&ns, "oneshot", &[]);
    let f = common::finding(&pod, "AppCrashLoop");
    assert_eq!(f["container"], "task");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("keeps ending: its command exits 0 (Completed) and is run again"),
        "{f:#}"
    );
    let hint = f["hint"].as_str().unwrap_or_default();
    assert!(
        hint.starts_with("the command of container task (\"sh -c echo done\") ends at once")
            && hint.contains("a command that keeps running"),
        "{f:#}"
    );
}

/// An init container whose image is a runtime's imageID (`docker-pullable://…@sha256:…`, as an
/// operator copied it from a pod's status): the kubelet refuses it as InvalidImageName without
/// pulling anything, and explain says which part of the reference is wrong.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_an_image_id_for_an_image_is_an_invalid_name() {
    let node = common::real_node();
    let ns = TestNs::new("rn-badref").await;
    let image = "docker-pullable://busybox@sha256:96dfee085c076f74cf5f2b128266a0dfd86e4008c4c97783414d74a310de99b6";
    common::realnode::pod_on(
        &ns,
        node,
        &format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: badref}}
spec:
  initContainers:
  - {{name: sidecar-injection, image: "{image}", command: ['sh', '-c', 'true']}}
  containers:
  - {{name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}}
"#
        ),
    )
    .await;
    let p = wait_pod(&ns, "badref", LONG, "InvalidImageName", |p| {
        init_status(p, "sidecar-injection")["state"]["waiting"]["reason"] == "InvalidImageName"
    })
    .await;
    let s = init_status(&p, "sidecar-injection");
    assert!(
        s["state"]["waiting"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("invalid reference format")),
        "{s:#}"
    );

    let pod = explain_one(&ns, "badref", &[]);
    let f = common::finding(&pod, "ImagePullFailed");
    assert_eq!(f["container"], "sidecar-injection");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("(InvalidImageName): not an image reference: it starts with docker-pullable://, which is how a runtime reports a container's imageID"),
        "{f:#}"
    );
    assert!(
        f["hint"]
            .as_str()
            .is_some_and(|h| h.contains("spec.initContainers[0].image")),
        "{f:#}"
    );
}

/// An init container given an option its program lacks (busybox's `nc` has no `-k`): the real
/// applet prints the error, then its usage, and exits 1. The finding quotes the error line,
/// which the usage text after it would otherwise hide from the log's last lines.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_an_option_error_is_quoted_above_the_usage_text() {
    let node = common::real_node();
    let ns = TestNs::new("rn-usage").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: usage}
spec:
  initContainers:
  - name: proxy
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['nc', '-lk', '-p', '5432']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    let p = realnode::wait_init_restarts(&ns, "usage", "proxy", 2, LONG).await;
    let s = init_status(&p, "proxy");
    assert_eq!(s["lastState"]["terminated"]["exitCode"], 1, "{s:#}");

    let pod = explain_one(&ns, "usage", &[]);
    assert_eq!(pod["blocking"]["name"], "proxy", "{pod:#}");
    let f = common::finding(&pod, "CrashLoop");
    assert!(
        common::evidence_has(f, "log says: nc: invalid option -- 'k'"),
        "the option error, not only the usage text's last lines: {f:#}"
    );
}

/// Story 3: `debug --target` on a running init container: the ephemeral container shares the
/// target's process namespace, so its `ps` shows the target's shell loop.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_debug_target_shares_the_init_containers_processes() {
    let node = common::real_node();
    let ns = TestNs::new("rn-debug").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: waiter}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'until nc -z -w 1 orders-db 5432; do echo waiting for orders-db; sleep 2; done']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    wait_init_running(&ns, "waiter", "wait-db", LONG).await;
    let run = initdoctor(&[
        "debug",
        "waiter",
        "-n",
        &ns.name,
        "--image",
        "busybox:1.35",
        "--attach=false",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let p = wait_pod(&ns, "waiter", LONG, "the debug container running", |p| {
        p["status"]["ephemeralContainerStatuses"]
            .as_array()
            .is_some_and(|all| all.iter().any(is_running))
    })
    .await;
    let eph = &p["spec"]["ephemeralContainers"][0];
    assert_eq!(eph["targetContainerName"], "wait-db", "{eph:#}");
    assert_eq!(eph["image"], "busybox:1.35", "{eph:#}");
    let name = eph["name"].as_str().expect("debug container name");
    let ps = common::kubectl(&["exec", "-n", &ns.name, "waiter", "-c", name, "--", "ps"]);
    ps.assert_code(0);
    assert!(
        ps.stdout.contains("until nc -z -w 1 orders-db 5432"),
        "the target's processes are visible from the debug container: {}",
        ps.stdout
    );
    // The target keeps running: debug changed nothing else.
    let p = realnode::pod_json(&ns, "waiter").await;
    assert!(is_running(init_status(&p, "wait-db")), "{:#}", p["status"]);
    assert_eq!(init_status(&p, "wait-db")["restartCount"], 0);
}

/// Story 4: `logs -f` on a pod whose first init container prints for a few seconds, then the
/// second: every line once, in order, as it comes, and the command ends with initialization.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_logs_follow_two_init_containers_in_order() {
    let node = common::real_node();
    let ns = TestNs::new("rn-logs").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: story}
spec:
  initContainers:
  - name: first
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo "first $i"; sleep 1; done']
  - name: second
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'for i in 1 2 3; do echo "second $i"; sleep 1; done']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    wait_init_running(&ns, "story", "first", LONG).await;
    let started = Instant::now();
    let mut child = common::spawn_initdoctor(&["logs", "story", "-n", &ns.name, "-f"]);
    let rx = common::lines_of(&mut child);
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok((at, line)) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        lines.push((at - started, line));
    }
    let status = child.wait().expect("logs exits");
    let text: Vec<&str> = lines
        .iter()
        .map(|(_, l)| l.as_str())
        .filter(|l| l.contains("first ") || l.contains("second "))
        .collect();
    let expected: Vec<String> = (1..=5)
        .map(|i| format!("first {i}"))
        .chain((1..=3).map(|i| format!("second {i}")))
        .collect();
    let got: Vec<String> = text
        .iter()
        .map(|l| {
            l.rsplit_once("first ")
                .map(|(_, n)| format!("first {n}"))
                .or_else(|| l.rsplit_once("second ").map(|(_, n)| format!("second {n}")))
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(got, expected, "every line once, in order: {lines:#?}");
    assert!(status.success(), "logs -f ends when initialization is done");
    // Streamed, not collected: "first 1" arrived well before the last line.
    let at = |needle: &str| {
        lines
            .iter()
            .find(|(_, l)| l.ends_with(needle))
            .map(|(t, _)| *t)
            .expect("line seen")
    };
    assert!(
        at("second 3") - at("first 1") >= Duration::from_secs(4),
        "lines arrive as they are written: {lines:#?}"
    );
}

/// Story 5: a Service with a real backing pod that becomes Ready: the chain Service →
/// EndpointSlice → Pods resolves from what the real endpointslice controller wrote.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_service_chain_from_a_real_backing_pod() {
    let node = common::real_node();
    let ns = TestNs::new("rn-chain").await;
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: backend\nspec:\n  selector: {app: backend}\n  ports:\n  - {protocol: TCP, port: 8080, targetPort: 8080}\n",
    )
    .await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: backend-0, labels: {app: backend}}
spec:
  containers:
  - name: server
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'sleep 2; touch /tmp/ready; exec httpd -f -p 8080']
    ports: [{containerPort: 8080}]
    readinessProbe:
      exec: {command: ['test', '-f', '/tmp/ready']}
      periodSeconds: 1
"#,
    )
    .await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  initContainers:
  - name: wait-backend
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'until wget -q -T 1 -O- http://backend:8080/; do echo waiting for backend; sleep 2; done']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    wait_init_running(&ns, "client", "wait-backend", LONG).await;
    let backend = wait_pod(&ns, "backend-0", LONG, "Ready backend", |p| {
        p["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
    })
    .await;
    let ip = backend["status"]["podIP"]
        .as_str()
        .expect("pod IP")
        .to_string();
    assert!(
        ip.starts_with("10.88."),
        "a pod address on the bridge: {ip}"
    );
    ns.await_endpoints("backend", 1, 1).await;

    let pod = explain_one(&ns, "client", &[]);
    let findings = pod["findings"].as_array().expect("findings");
    let about: Vec<&Value> = findings
        .iter()
        .filter(|f| f["target"].as_str().is_some_and(|t| t.contains("backend")))
        .collect();
    assert!(!about.is_empty(), "a finding about backend: {findings:#?}");
    let chain = about
        .iter()
        .flat_map(|f| f["evidence"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .find(|l| l.contains("chain: Service"))
        .unwrap_or_else(|| panic!("a chain line: {about:#?}"));
    assert!(
        chain.contains(&format!("Service {}/backend", ns.name)),
        "{chain}"
    );
    assert!(
        chain.contains("backend-0"),
        "the backing pod in the chain: {chain}"
    );
    assert!(
        !about
            .iter()
            .any(|f| f["code"] == "ServiceNoEndpoints" || f["code"] == "ServiceEndpointsNotReady"),
        "the endpoints are ready: {about:#?}"
    );
}

/// Every Kubernetes binary says its version (ldflags).
#[test]
fn binaries_report_v1_37_2() {
    let run = common::kubectl(&["version", "-o", "json"]);
    run.assert_code(0);
    let v = run.json();
    assert_eq!(v["clientVersion"]["gitVersion"], "v1.37.2", "{v:#}");
    assert_eq!(v["serverVersion"]["gitVersion"], "v1.37.2", "{v:#}");
}

/// The real node's kubelet and runtime say theirs.
#[test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
fn real_node_kubelet_and_runtime_versions() {
    let node = common::real_node();
    let run = common::kubectl(&[
        "get",
        "node",
        node,
        "-o",
        "jsonpath={.status.nodeInfo.kubeletVersion} {.status.nodeInfo.containerRuntimeVersion}",
    ]);
    // The CRI reports containerd's version without the leading "v" (seen on this node).
    assert_eq!(run.stdout, "v1.37.2 containerd://2.4.2", "{}", run.stderr);
}
