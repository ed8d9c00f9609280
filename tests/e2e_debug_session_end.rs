//! End to end on the control plane: how a `debug` session ends when the user types `exit` (the
//! node reports the exit a moment later, as a real kubelet does: the fakelet's status lag), and
//! `debug` on a target that is not running: nothing is added without a terminal unless
//! `--force`, and the way to debug a copy is given first.

mod common;

use std::time::{Duration, Instant};

use common::debug::{added_name, debug_web, debug_web_stdin};
use common::{TestNs, state};
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations: {fakelet.initdoctor.test/status-lag: 2s}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.35
    command: ['sh', '-c', 'until nc -w 2 db 5432 </dev/null; do sleep 2; done']
  containers:
  - name: app
    image: busybox:1.35
    command: ['sleep', '3600']
"#;

async fn web(ns: &TestNs, wait_db: Value) {
    ns.pod(POD).await;
    ns.set_status(
        "web",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [wait_db],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
}

fn crash_looping() -> Value {
    let mut s = state::crash_loop(
        "wait-db",
        "busybox:1.35",
        "back-off 40s restarting failed container",
        3,
    );
    s["lastState"]["terminated"]["containerID"] = json!("containerd://5e1f");
    s
}

async fn ephemeral_count(ns: &TestNs) -> usize {
    let pod: Pod = ns.api::<Pod>().get("web").await.expect("get pod");
    pod.spec
        .and_then(|s| s.ephemeral_containers)
        .map_or(0, |c| c.len())
}

#[tokio::test]
async fn exit_in_the_session_says_the_container_exited_and_how_to_start_a_new_one() {
    let ns = TestNs::new("dbgexit").await;
    web(
        &ns,
        state::running("wait-db", "busybox:1.35", "2026-01-01T00:00:00Z"),
    )
    .await;
    let run = debug_web_stdin(&ns, &["--timeout", "30s"], "exit 0\n");
    run.assert_code(0);
    let name = added_name(&run.stderr);
    run.assert_stderr_has(&format!(
        "Session ended: {name} exited with code 0. An ephemeral container cannot be restarted or attached to again; start a new one with: kubectl initdoctor debug web -n {}",
        ns.name
    ));
    assert!(
        !run.stderr.contains("--attach-to"),
        "no way back in to a container that exited: {}",
        run.stderr
    );
}

#[tokio::test]
async fn a_target_that_does_not_run_is_refused_without_a_terminal_before_anything_is_added() {
    let ns = TestNs::new("dbgidle").await;
    web(&ns, crash_looping()).await;
    let started = Instant::now();
    let run = debug_web(&ns, &["--attach=false", "--timeout", "90s"]);
    assert!(started.elapsed() < Duration::from_secs(15), "no wait");
    run.assert_code(8);
    run.assert_stderr_ends_with(&format!(
        "error: init container wait-db is not running (CrashLoopBackOff): a debug container sharing its processes cannot start until it runs again, and an ephemeral container can never be removed from the pod; nothing was added. Debug a copy instead: `kubectl initdoctor debug web --copy-to web-debug -n {}`, or pass --force to add it anyway",
        ns.name
    ));
    assert!(
        !run.stderr.contains("Added ephemeral container"),
        "{}",
        run.stderr
    );
    assert_eq!(ephemeral_count(&ns).await, 0, "nothing was added");

    // --force adds it, as asked (the node then refuses to start it, exit 8 as before).
    let forced = debug_web(&ns, &["--attach=false", "--force", "--timeout", "30s"]);
    forced.assert_code(8);
    let name = added_name(&forced.stderr);
    assert!(!name.is_empty());
    assert_eq!(ephemeral_count(&ns).await, 1);
}
