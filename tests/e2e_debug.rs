//! End to end: `debug` adds an ephemeral container targeting the blocked init container, waits for
//! the node to run it, attaches, and changes nothing else. The viewer identity is refused clearly.

mod common;

use common::{TestNs, initdoctor, initdoctor_with_stdin, state};
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.28
    command: ['sh', '-c', 'until nc -z db 5432; do sleep 2; done']
  containers:
  - name: app
    image: nginx:1.27
"#;

async fn blocked_pod(ns: &TestNs) -> serde_json::Value {
    ns.pod(POD).await;
    let init_statuses = json!([state::running(
        "wait-db",
        "busybox:1.28",
        "2026-01-01T00:00:00Z"
    )]);
    let written = ns
        .set_status(
            "web",
            json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                   "initContainerStatuses": init_statuses,
                   "containerStatuses": [state::waiting("app", "nginx:1.27", "PodInitializing", "", 0)]}),
        )
        .await;
    // As the API server stored them.
    serde_json::to_value(written.status.unwrap().init_container_statuses).unwrap()
}

#[tokio::test]
async fn debug_targets_the_blocked_init_container_and_attaches() {
    let ns = TestNs::new("dbg").await;
    let init_statuses = blocked_pod(&ns).await;

    let mark = common::audit_mark();
    let run = initdoctor_with_stdin(
        &[
            "debug",
            "web",
            "-n",
            &ns.name,
            "--image",
            "busybox:1.36",
            "--timeout",
            "30s",
        ],
        "echo hello\nexit\n",
    );
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("sharing the processes of wait-db"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains(&format!("attached to {}/web/debugger-", ns.name)),
        "the fake node's shell answered: {}",
        run.stdout
    );
    assert!(run.stdout.contains("hello"), "{}", run.stdout);

    let pod: Pod = ns.api::<Pod>().get("web").await.unwrap();
    let spec = pod.spec.unwrap();
    let eph = spec
        .ephemeral_containers
        .expect("an ephemeral container was added");
    assert_eq!(eph.len(), 1);
    assert!(eph[0].name.starts_with("debugger-") && eph[0].name.len() == "debugger-".len() + 5);
    assert_eq!(eph[0].target_container_name.as_deref(), Some("wait-db"));
    assert_eq!(eph[0].image.as_deref(), Some("busybox:1.36"));
    let caps = eph[0]
        .security_context
        .as_ref()
        .and_then(|s| s.capabilities.as_ref())
        .and_then(|c| c.add.clone());
    assert_eq!(
        caps,
        Some(vec!["SYS_PTRACE".to_string()]),
        "general profile"
    );
    // Nothing else changed: same init and app containers, same init statuses.
    assert_eq!(spec.init_containers.unwrap().len(), 1);
    assert_eq!(spec.containers.len(), 1);
    let status = serde_json::to_value(pod.status.unwrap()).unwrap();
    assert_eq!(status["initContainerStatuses"], init_statuses);

    // The audit log shows what debug did as admin in this namespace: reads, one patch of
    // pods/ephemeralcontainers, and the attach. No update, no delete.
    let writes: Vec<String> = common::audit_since(mark, "admin", &ns.name)
        .into_iter()
        .filter(|w| !w.starts_with("get ") && !w.starts_with("list ") && !w.starts_with("watch "))
        .collect();
    assert_eq!(
        writes,
        vec!["patch pods/ephemeralcontainers"],
        "debug's only write"
    );
    let all = common::audit_since(mark, "admin", &ns.name);
    assert!(
        all.iter().any(|v| v.ends_with("pods/attach")),
        "it attached: {all:?}"
    );
}

#[tokio::test]
async fn viewer_gets_one_clear_rbac_error() {
    let ns = TestNs::new("rbac").await;
    blocked_pod(&ns).await;

    // The viewer may read: explain works.
    let run = initdoctor(&[
        "explain", "web", "-n", &ns.name, "--user", "viewer", "-o", "json",
    ]);
    assert_eq!(run.code, 0, "viewer can explain; stderr: {}", run.stderr);

    // But it may not add ephemeral containers.
    let run = initdoctor(&[
        "--user",
        "viewer",
        "debug",
        "web",
        "-n",
        &ns.name,
        "--attach=false",
    ]);
    assert_eq!(run.code, 5, "stderr: {}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "error: permission denied: cannot patch pods/ephemeralcontainers in namespace \"{}\": ask for an RBAC Role granting 'patch' on 'pods/ephemeralcontainers'",
            ns.name
        )
    );
    let pod: Pod = ns.api::<Pod>().get("web").await.unwrap();
    assert!(
        pod.spec
            .unwrap()
            .ephemeral_containers
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn debug_refuses_an_unknown_target_before_writing() {
    let ns = TestNs::new("dbgt").await;
    blocked_pod(&ns).await;
    let run = initdoctor(&[
        "debug",
        "web",
        "-n",
        &ns.name,
        "--target",
        "nope",
        "--attach=false",
    ]);
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("--target takes one of wait-db, app"),
        "{}",
        run.stderr
    );
    let pod: Pod = ns.api::<Pod>().get("web").await.unwrap();
    assert!(
        pod.spec
            .unwrap()
            .ephemeral_containers
            .unwrap_or_default()
            .is_empty()
    );
}
