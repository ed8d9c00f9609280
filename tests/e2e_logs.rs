//! End to end: `logs` prints init container logs in spec order, and `-f` follows the running one,
//! then the next as it starts, ending when initialization completes.

mod common;

use std::time::Duration;

use common::{TestNs, finish_within, initdoctor, spawn_initdoctor, state};
use serde_json::json;

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: two-step}
spec:
  initContainers:
  - {name: fetch, image: busybox:1.28, command: ['sh', '-c', 'wget -qO /work/x http://files/x']}
  - {name: migrate, image: busybox:1.28, command: ['sh', '-c', 'echo migrating']}
  containers:
  - {name: app, image: nginx:1.27}
"#;

#[tokio::test]
async fn logs_in_spec_order_with_previous() {
    let ns = TestNs::new("logs").await;
    ns.pod(POD).await;
    let mut migrate = state::running("migrate", "busybox:1.28", "2026-01-01T00:00:05Z");
    migrate["restartCount"] = json!(1);
    ns.set_status(
        "two-step",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::terminated("fetch", "busybox:1.28", 0, "Completed", 0), migrate]}),
    )
    .await;
    // Written in the opposite order, so that spec order is what the output shows.
    ns.write_log("two-step", "migrate", "migrating 1/3\n", false);
    ns.write_log("two-step", "migrate", "connection refused\n", true);
    ns.write_log("two-step", "fetch", "fetched x\n", false);

    let run = initdoctor(&["logs", "two-step", "-n", &ns.name]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "fetched x\nmigrating 1/3\n");
    let fetch = run
        .stderr
        .find("==> fetch (init 1/2, completed) <==")
        .expect("fetch header");
    let migrate = run
        .stderr
        .find("==> migrate (init 2/2, running) <==")
        .expect("migrate header");
    assert!(fetch < migrate);

    let run = initdoctor(&["logs", "two-step", "-n", &ns.name, "--previous"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "connection refused\n");
    assert!(
        run.stderr.contains("no previous instance"),
        "{}",
        run.stderr
    );

    let run = initdoctor(&["logs", "missing", "-n", &ns.name]);
    assert_eq!(run.code, 4);
}

#[tokio::test]
async fn follow_moves_to_the_next_init_container_and_ends_with_initialization() {
    let ns = TestNs::new("logsf").await;
    ns.pod(POD).await;
    ns.set_status(
        "two-step",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [
                   state::running("fetch", "busybox:1.28", "2026-01-01T00:00:00Z"),
                   state::waiting("migrate", "busybox:1.28", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.write_log("two-step", "fetch", "one\n", false);

    let child = spawn_initdoctor(&["logs", "two-step", "-n", &ns.name, "-f"]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ns.append_log("two-step", "fetch", "two\n");
    tokio::time::sleep(Duration::from_millis(700)).await;
    // The kubelet: fetch completes, migrate starts and logs, then completes.
    ns.set_status(
        "two-step",
        json!({"initContainerStatuses": [
                   state::terminated("fetch", "busybox:1.28", 0, "Completed", 0),
                   state::running("migrate", "busybox:1.28", "2026-01-01T00:00:04Z")]}),
    )
    .await;
    ns.write_log("two-step", "migrate", "three\n", false);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    ns.append_log("two-step", "migrate", "four\n");
    tokio::time::sleep(Duration::from_millis(700)).await;
    ns.set_status(
        "two-step",
        json!({"conditions": [{"type": "Initialized", "status": "True"}],
               "initContainerStatuses": [
                   state::terminated("fetch", "busybox:1.28", 0, "Completed", 0),
                   state::terminated("migrate", "busybox:1.28", 0, "Completed", 0)]}),
    )
    .await;

    let run = finish_within(child, Duration::from_secs(30));
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(
        run.stdout, "one\ntwo\nthree\nfour\n",
        "stderr: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("All init containers have completed."),
        "{}",
        run.stderr
    );
}
