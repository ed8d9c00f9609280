//! After the init containers, end to end: the real node's kubelet runs the probes and hooks for
//! real (an HTTP readiness probe that 404s against busybox httpd, a liveness probe that kills, a
//! postStart that fails, two containers binding one port, an exec probe whose program is not in
//! the image, a startup probe that never passes, a RuntimeClass the runtime lacks, a hostPort
//! already taken), and explain says what each is. The preStop hook is on the fake node (the
//! deleting pod is gone within the grace period on the real one). Then the selection: explain
//! without names picks a `0/1 Running` pod unless `--init-only`, and `--exit-code` exits 3.

mod common;

use common::codes;

use std::time::{Duration, Instant};

use common::realnode;
use common::{TestNs, evidence_has, explain_one, initdoctor};
use serde_json::Value;

/// How long the kubelet gets to produce what a scenario waits for.
const LIMIT: Duration = Duration::from_secs(90);

const BUSYBOX: &str = "image: busybox:1.35\n    imagePullPolicy: IfNotPresent";

/// One scenario on the real node: the pod's containers (YAML under `containers:`), the finding
/// explain must give about `container`, words its message/evidence/hint must hold, and codes
/// that must not stand beside it.
struct Scenario {
    name: &'static str,
    /// Extra lines of the pod's spec, after the placement (`restartPolicy: Never`).
    spec: &'static str,
    containers: &'static str,
    code: &'static str,
    container: Option<&'static str>,
    says: &'static [&'static str],
    not: &'static [&'static str],
}

fn manifest(node: &str, s: &Scenario) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n{placement}{spec}  containers:\n{containers}",
        name = s.name,
        placement = realnode::placement(node),
        spec = s.spec,
        containers = s.containers.replace("BUSYBOX", BUSYBOX),
    )
}

/// The finding's message, evidence and hint as one text.
fn text_of(f: &Value) -> String {
    let evidence = f["evidence"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    format!(
        "{}\n{evidence}\n{}",
        f["message"].as_str().unwrap_or(""),
        f["hint"].as_str().unwrap_or("")
    )
}

/// Runs explain on the pod every second until it gives `code` about `container` saying every
/// one of `says` (the kubelet writes events, statuses and logs a moment apart), at most
/// `LIMIT`; the pod's explanation and that finding then.
async fn explain_until(
    ns: &TestNs,
    pod: &str,
    code: &str,
    container: Option<&str>,
    says: &[&str],
) -> (Value, Value) {
    let deadline = Instant::now() + LIMIT;
    loop {
        let doc = explain_one(ns, pod, &[]);
        let found = doc["findings"].as_array().and_then(|all| {
            all.iter()
                .find(|f| {
                    f["code"] == code
                        && f["container"].as_str() == container
                        && says.iter().all(|n| text_of(f).contains(n))
                })
                .cloned()
        });
        if let Some(f) = found {
            return (doc, f);
        }
        if Instant::now() > deadline {
            panic!("{pod}: no {code} saying {says:?} after {LIMIT:?}: {doc:#}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn run(s: &Scenario) {
    let node = common::real_node();
    let ns = TestNs::new("lc").await;
    ns.pod(&manifest(node, s)).await;
    let (pod, _) = explain_until(&ns, s.name, s.code, s.container, s.says).await;
    for code in s.not {
        assert!(
            !codes(&pod).iter().any(|c| c == code),
            "{}: {code} beside {}: {pod:#}",
            s.name,
            s.code
        );
    }
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_readiness_probe_404_against_busybox_httpd() {
    run(
        &Scenario {
            name: "readiness-test",
            spec: "",
            // Seed 001's probe of /index1.html, against a server that has only /index.html.
            containers: "  - name: web\n    BUSYBOX\n    command: ['sh', '-c', 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www']\n    ports: [{containerPort: 80}]\n    readinessProbe:\n      httpGet: {path: /index1.html, port: 80}\n      initialDelaySeconds: 1\n      periodSeconds: 2\n",
            code: "ReadinessProbeFailing",
            container: Some("web"),
            says: &[
                "HTTP probe failed with statuscode: 404",
                "has nothing at /index1.html",
                "never restarts it",
            ],
            not: &["LivenessProbeRestarting", "AppCrashLoop"],
        },
    )
    .await;
}

/// `0/1 Running` before the first probe: not a failure yet, and said so.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_readiness_probe_that_has_not_run_yet() {
    run(
        &Scenario {
            name: "ready-later",
            spec: "",
            containers: "  - name: app\n    BUSYBOX\n    command: ['sh', '-c', 'sleep 3600']\n    readinessProbe:\n      exec: {command: ['test', '-e', '/tmp/ready']}\n      initialDelaySeconds: 600\n",
            code: "ReadinessProbePending",
            container: Some("app"),
            says: &[
                "is not Ready yet",
                "readinessProbe: exec test -e /tmp/ready, every 10s, first after 600s",
            ],
            not: &["ReadinessProbeFailing", "AppContainersStarting"],
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_liveness_probe_that_kills() {
    run(
        &Scenario {
            name: "liveness-exec-test",
            spec: "",
            // Seed 001's liveness-exec-test, with the file removed at once.
            containers: "  - name: busybox\n    BUSYBOX\n    command: ['sh', '-c', 'sleep 3600']\n    livenessProbe:\n      exec: {command: ['test', '-e', '/tmp/abc.txt']}\n      initialDelaySeconds: 1\n      periodSeconds: 2\n      failureThreshold: 2\n",
            code: "LivenessProbeRestarting",
            container: Some("busybox"),
            says: &[
                "because its livenessProbe failed",
                "failed liveness probe, will be restarted",
            ],
            not: &["AppCrashLoop", "AppExitedNonZero"],
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_post_start_hook_that_fails() {
    run(
        &Scenario {
            name: "lifecycle-post-start",
            spec: "",
            containers: "  - name: app\n    BUSYBOX\n    command: ['sh', '-c', 'sleep 3600']\n    lifecycle:\n      postStart:\n        exec: {command: ['sh', '-c', 'echo warming; exit 7']}\n",
            code: "PostStartHookFailed",
            container: Some("app"),
            says: &[
                "its postStart hook failed",
                "FailedPostStartHook",
                "spec.containers[0].lifecycle.postStart",
            ],
            not: &["AppCrashLoop", "AppExitedNonZero"],
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_two_containers_binding_the_same_port() {
    run(
        &Scenario {
            name: "nginx",
            spec: "",
            // Seed 004's nginx2/nginx3 on port 80, as two busybox nc listeners.
            containers: "  - name: nginx2\n    BUSYBOX\n    command: ['nc', '-l', '-p', '80']\n    ports: [{containerPort: 80}]\n  - name: nginx3\n    BUSYBOX\n    command: ['sh', '-c', 'sleep 2; exec nc -l -p 80']\n    ports: [{containerPort: 80}]\n",
            code: "PortConflictInPod",
            container: Some("nginx3"),
            says: &[
                "log says: nc: bind: Address already in use",
                "nginx2 declares the same port",
            ],
            not: &["AppCrashLoop", "AppExitedNonZero"],
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_exec_probe_whose_program_is_not_in_the_image() {
    run(
        &Scenario {
            name: "db-client",
            spec: "",
            containers: "  - name: app\n    BUSYBOX\n    command: ['sh', '-c', 'sleep 3600']\n    readinessProbe:\n      exec: {command: ['pg_isready', '-h', 'localhost']}\n      periodSeconds: 2\n",
            code: "ProbeCommandNotFound",
            container: Some("app"),
            says: &["runs \"pg_isready\"", "executable file not found"],
            not: &["ReadinessProbeFailing"],
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_startup_probe_that_never_passes() {
    run(
        &Scenario {
            name: "nginx-start-probe",
            spec: "",
            containers: "  - name: app\n    BUSYBOX\n    command: ['sh', '-c', 'sleep 3600']\n    startupProbe:\n      tcpSocket: {port: 8080}\n      periodSeconds: 2\n      failureThreshold: 30\n",
            code: "StartupProbeNeverPassed",
            container: Some("app"),
            says: &[
                "its startupProbe has not passed",
                "connection refused",
                "tcpSocket :8080",
            ],
            not: &["ReadinessProbeFailing", "AppCrashLoop"],
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_app_container_crash_loop_and_restart_never() {
    run(
        &Scenario {
            name: "crasher",
            spec: "",
            containers: "  - name: app\n    BUSYBOX\n    command: ['sh', '-c', 'echo cannot open config; exit 3']\n",
            code: "AppCrashLoop",
            container: Some("app"),
            says: &["exits 3 (Error)", "cannot open config"],
            not: &["AppContainersStarting", "CrashLoop"],
        },
    )
    .await;
    run(
        &Scenario {
            name: "once",
            spec: "  restartPolicy: Never\n",
            containers: "  - name: app\n    BUSYBOX\n    command: ['sh', '-c', 'echo cannot open config; exit 3']\n",
            code: "AppExitedNonZero",
            container: Some("app"),
            says: &[
                "restartPolicy is Never, so it will not run again",
                "cannot open config",
            ],
            not: &["SandboxNotReady", "AppCrashLoop"],
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_sandbox_not_ready_for_a_runtime_class_the_runtime_lacks() {
    let node = common::real_node();
    let ns = TestNs::new("lc-sandbox").await;
    let class = format!("{}-nope", ns.name);
    let rc = serde_json::json!({
        "apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
        "metadata": {"name": class}, "handler": "nope"
    });
    let classes: kube::Api<k8s_openapi::api::node::v1::RuntimeClass> =
        kube::Api::all(ns.client.clone());
    classes
        .create(&Default::default(), &common::from_json(rc))
        .await
        .expect("create RuntimeClass");
    ns.pod(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: sandboxed\nspec:\n{}  runtimeClassName: {class}\n  containers:\n  - name: app\n    {BUSYBOX}\n    command: ['sleep', '3600']\n",
        realnode::placement(node)
    ))
    .await;
    let (pod, _) = explain_until(
        &ns,
        "sandboxed",
        "SandboxNotReady",
        None,
        &[
            "no runtime for \"nope\" is configured",
            "PodReadyToStartContainers False",
        ],
    )
    .await;
    assert!(!codes(&pod).contains(&"AppContainersStarting".to_string()));
    classes
        .delete(&class, &Default::default())
        .await
        .expect("delete RuntimeClass");
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_host_port_already_taken_on_the_node() {
    let node = common::real_node();
    let ns = TestNs::new("lc-hostport").await;
    // A port of its own per run: another test file may hold one on this node.
    let port = 20000 + (std::process::id() % 10000);
    for name in ["first", "second"] {
        ns.pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n{}  containers:\n  - name: web\n    {BUSYBOX}\n    command: ['sleep', '3600']\n    ports: [{{containerPort: 80, hostPort: {port}}}]\n",
            realnode::placement(node)
        ))
        .await;
        if name == "first" {
            realnode::wait_pod(&ns, "first", LIMIT, "running", |p| {
                realnode::is_running(realnode::app_status(p, "web"))
            })
            .await;
        }
    }
    let hostport = format!("hostPort {port}/TCP (web");
    explain_until(
        &ns,
        "second",
        "HostPortConflict",
        None,
        &["didn't have free ports", &hostport],
    )
    .await;
}

/// The fake node: a pod being deleted whose preStop sleeps past the grace period, and the
/// kubelet's FailedPreStopHook (the real one writes only `PreStopHook failed`).
#[tokio::test]
async fn pre_stop_hook_longer_than_the_grace_period() {
    let ns = TestNs::new("lc-prestop").await;
    ns.pod(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: lifecycle-pre-stop\nspec:\n  terminationGracePeriodSeconds: 30\n  containers:\n  - name: app\n    image: nginx:1.14.2\n    lifecycle:\n      preStop:\n        exec: {command: ['/bin/sh', '-c', 'sleep 45; echo Hello']}\n",
    )
    .await;
    ns.set_status(
        "lifecycle-pre-stop",
        serde_json::json!({"phase": "Running", "containerStatuses": [
            common::state::running("app", "nginx:1.14.2", "2026-01-01T00:00:00Z")
        ]}),
    )
    .await;
    ns.container_event(
        "lifecycle-pre-stop",
        "spec.containers{app}",
        "Warning",
        "FailedPreStopHook",
        "PreStopHook failed",
        1,
    )
    .await;
    let pod = explain_one(&ns, "lifecycle-pre-stop", &[]);
    let f = common::finding(&pod, "PreStopHookFailed");
    assert_eq!(f["severity"], "error");
    assert!(
        f["message"].as_str().unwrap().contains("it sleeps 45s"),
        "{f:#}"
    );
    assert!(evidence_has(f, "terminationGracePeriodSeconds 30"), "{f:#}");
    assert!(evidence_has(f, "PreStopHook failed"), "{f:#}");
}

/// explain without names: a `0/1 Running` pod (readiness failing) is selected, not with
/// `--init-only`; `--exit-code` exits 3 for it, 0 with `--init-only`.
#[tokio::test]
async fn selection_includes_pods_that_are_not_ready() {
    let ns = TestNs::new("lc-select").await;
    ns.pod(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: notready\nspec:\n  containers:\n  - name: web\n    image: nginx:1.14.2\n    readinessProbe:\n      httpGet: {path: /index1.html, port: 80}\n",
    )
    .await;
    ns.set_status(
        "notready",
        serde_json::json!({"phase": "Running",
        "conditions": [
            {"type": "PodReadyToStartContainers", "status": "True"},
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
            {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady"},
            {"type": "PodScheduled", "status": "True"}],
        "containerStatuses": [
            common::state::running("web", "nginx:1.14.2", "2026-01-01T00:00:00Z")
        ]}),
    )
    .await;
    ns.container_event(
        "notready",
        "spec.containers{web}",
        "Warning",
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 404",
        21,
    )
    .await;
    let names = |extra: &[&str]| -> (i32, Vec<String>) {
        let mut args = vec!["explain", "-n", &ns.name, "-o", "json", "--exit-code"];
        args.extend_from_slice(extra);
        let run = initdoctor(&args);
        assert_eq!(run.stderr, "", "{}", run.stdout);
        let doc = run.json();
        let pods = doc["pods"]
            .as_array()
            .expect("pods")
            .iter()
            .map(|p| p["name"].as_str().unwrap_or("").to_string())
            .collect();
        (run.code, pods)
    };
    let (code, pods) = names(&[]);
    assert_eq!(pods, ["notready"]);
    assert_eq!(code, 3, "a selected pod is not Ready");
    let (code, pods) = names(&["--init-only"]);
    assert!(pods.is_empty(), "{pods:?}");
    assert_eq!(code, 0);
    let run = initdoctor(&[
        "explain",
        "notready",
        "-n",
        &ns.name,
        "--exit-code",
        "-o",
        "json",
    ]);
    run.assert_code(3);
    let pod = &run.json()["pods"][0];
    assert_eq!(pod["ready"], false);
    assert_eq!(
        pod["findings"][0]["code"], "ReadinessProbeFailing",
        "{pod:#}"
    );
}
