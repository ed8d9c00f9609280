//! End to end: what `logs` selects and how it ends — `--app`, `-c`, `pod/NAME`, an owner
//! (`deployment/NAME`), native sidecars beside the init containers; a reader that closes the
//! pipe early and Ctrl-C during `-f` are clean ends, not errors. Statuses are written as the
//! kubelet writes them; the fakelet serves the logs.

mod common;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use common::{TestNs, finish_within, initdoctor, spawn_initdoctor, state};
use serde_json::{Value, json};

/// Pod `web`: init container `fetch` done, app `app` running.
const WEB: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - {name: fetch, image: busybox:1.35, command: ['sh', '-c', 'echo fetched']}
  containers:
  - {name: app, image: busybox:1.35, command: ['sh', '-c', 'echo serving; sleep 3600']}
"#;

/// Pod `meshed`: a native sidecar `proxy` (running) before `migrate` (done), app `app` running.
const MESHED: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: meshed}
spec:
  initContainers:
  - {name: proxy, image: busybox:1.35, restartPolicy: Always, command: ['sh', '-c', 'echo proxy ready; sleep 3600']}
  - {name: migrate, image: busybox:1.35, command: ['sh', '-c', 'echo migrated']}
  containers:
  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}
"#;

/// Pod `api-1`, labelled as the Pods of Deployment `api` (created with no replicas, so that
/// the only pod its selector finds is this one).
const API: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: api-1, labels: {app: api}}
spec:
  initContainers:
  - {name: fetch, image: busybox:1.35, command: ['sh', '-c', 'echo fetched api']}
  containers:
  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}
"#;

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 0
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: app, image: busybox:1.35}
"#;

fn initialized(init: Value, app: Value) -> Value {
    json!({"phase": "Running",
           "conditions": [{"type": "Initialized", "status": "True"},
                          {"type": "Ready", "status": "True"},
                          {"type": "PodScheduled", "status": "True"}],
           "initContainerStatuses": init, "containerStatuses": app})
}

async fn setup(ns: &TestNs) {
    let done = |name: &str| state::completed(name, "busybox:1.35");
    let running = |name: &str| state::running(name, "busybox:1.35", "2026-01-01T00:00:05Z");
    ns.pod(WEB).await;
    ns.set_status(
        "web",
        initialized(json!([done("fetch")]), json!([running("app")])),
    )
    .await;
    ns.write_log("web", "fetch", "fetched\n", false);
    ns.write_log("web", "app", "serving\n", false);

    ns.pod(MESHED).await;
    ns.set_status(
        "meshed",
        initialized(
            json!([running("proxy"), done("migrate")]),
            json!([running("app")]),
        ),
    )
    .await;
    ns.write_log("meshed", "proxy", "proxy ready\n", false);
    ns.write_log("meshed", "migrate", "migrated\n", false);

    ns.create::<k8s_openapi::api::apps::v1::Deployment>(DEPLOYMENT)
        .await;
    ns.pod(API).await;
    ns.set_status(
        "api-1",
        initialized(json!([done("fetch")]), json!([running("app")])),
    )
    .await;
    ns.write_log("api-1", "fetch", "fetched api\n", false);
}

#[tokio::test]
async fn what_logs_selects() {
    let ns = TestNs::new("logsel").await;
    setup(&ns).await;
    // (what, arguments, stdout exactly: not a terminal, so every line is prefixed)
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "init containers only, by default",
            &["web"],
            "[init 1/1 fetch] fetched\n",
        ),
        (
            "pod/NAME is the pod",
            &["pod/web"],
            "[init 1/1 fetch] fetched\n",
        ),
        (
            "--app: then the app containers",
            &["web", "--app"],
            "[init 1/1 fetch] fetched\n[app 1/1 app] serving\n",
        ),
        (
            "-c: one app container",
            &["web", "-c", "app"],
            "[app 1/1 app] serving\n",
        ),
        (
            "-c: one init container",
            &["meshed", "-c", "migrate"],
            "[init 2/2 migrate] migrated\n",
        ),
        (
            "a native sidecar in spec order among the init containers",
            &["meshed"],
            "[sidecar 1/2 proxy] proxy ready\n[init 2/2 migrate] migrated\n",
        ),
        (
            "an owner: the pods its selector finds",
            &["deployment/api"],
            "[api-1 init 1/1 fetch] fetched api\n",
        ),
        (
            "-l: the pods of the selector",
            &["-l", "app=api"],
            "[api-1 init 1/1 fetch] fetched api\n",
        ),
    ];
    for (what, args, want) in cases {
        let mut all = vec!["logs", "-n", &ns.name];
        all.extend_from_slice(args);
        let run = initdoctor(&all);
        assert_eq!(run.code, 0, "{what}: stderr: {}", run.stderr);
        assert_eq!(run.stdout, *want, "{what}");
    }
    // An owner or container that does not exist: one error line, exit 4.
    for args in [&["deployment/nope"][..], &["web", "-c", "nope"]] {
        let mut all = vec!["logs", "-n", &ns.name];
        all.extend_from_slice(args);
        let run = initdoctor(&all);
        assert_eq!(run.code, 4, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
    }
}

/// A reader that stops early (`| head -1`) closes the pipe: the tool ends at once, exit 0, and
/// says nothing on stderr about a broken pipe.
#[tokio::test]
async fn a_closed_pipe_is_a_clean_end() {
    let ns = TestNs::new("logspipe").await;
    setup(&ns).await;
    let many: String = (0..200_000).map(|i| format!("line {i}\n")).collect();
    ns.write_log("web", "fetch", &many, false);
    let mut child = spawn_initdoctor(&["logs", "web", "-n", &ns.name, "--prefix=false"]);
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    assert_eq!(first, "line 0\n");
    // Dropping the reader closes the pipe with most of the log unread.
    let run = finish_within(child, Duration::from_secs(20));
    run.assert_code(0);
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
    assert!(
        !run.stderr.to_lowercase().contains("broken pipe"),
        "{}",
        run.stderr
    );
}

/// Ctrl-C during `logs -f` ends it promptly and cleanly: exit 0, what was read is printed, no
/// error.
#[tokio::test]
async fn ctrl_c_ends_a_follow_cleanly() {
    let ns = TestNs::new("logsint").await;
    ns.pod(WEB).await;
    ns.set_status(
        "web",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("fetch", "busybox:1.35", "2026-01-01T00:00:00Z")]}),
    )
    .await;
    ns.write_log("web", "fetch", "waiting for files\n", false);
    let mut child = spawn_initdoctor(&["logs", "web", "-n", &ns.name, "-f", "--prefix=false"]);
    let rx = common::lines_of(&mut child);
    let (_, line) = rx
        .recv_timeout(Duration::from_secs(15))
        .expect("the first line while following");
    assert_eq!(line, "waiting for files");
    let pid = child.id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill -INT");
    assert!(kill.success());
    let run = finish_within(child, Duration::from_secs(5));
    run.assert_code(0);
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
}
