//! End to end: `debug` when its container cannot start or does not stay — a target that is not
//! running, a pod being deleted, a command that exits by itself, a session whose pod goes away.
//! Each ends on its own with one clear line and a documented exit code, well before
//! `--timeout`: none hangs.
//!
//! On the fake node, which writes the states a kubelet writes (tests/controlplane/fakelet,
//! ephemeral_state.go, read from pkg/kubelet/kuberuntime of v1.37.2 and containerd's
//! validateTargetContainer): a target with no container in the runtime gives
//! `CreateContainerConfigError` "unable to find target container NAME", an exited one
//! `CreateContainerError` "… invalid target container: container "ID" is not running - in state
//! CONTAINER_EXITED", both retried on each sync; a deleting pod starts nothing (the default
//! waiting reason); a process that exits at once is reported terminated with its code, its
//! output in its log; a deleted pod's containers are killed, which ends their attach sessions.

mod common;

use std::time::{Duration, Instant};

use common::debug::added_name;
use common::{TestNs, initdoctor, initdoctor_with_stdin, state};
use k8s_openapi::api::core::v1::Pod;
use kube::api::DeleteParams;
use serde_json::{Value, json};

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 120
  initContainers:
  - name: wait-db
    image: busybox:1.28
    command: ['sh', '-c', 'until nc -z db 5432; do sleep 2; done']
  - name: migrate
    image: busybox:1.28
    command: ['sh', '-c', 'echo migrated']
  containers:
  - name: app
    image: nginx:1.27
"#;

/// The pod, with these init container statuses, as a kubelet writes them.
async fn pod_with(ns: &TestNs, annotations: Value, init_statuses: Value) {
    let mut value: Value = serde_saphyr::from_str(POD).unwrap();
    value["metadata"]["annotations"] = annotations;
    ns.pod(&serde_saphyr::to_string(&value).unwrap()).await;
    ns.set_status(
        "web",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": init_statuses,
               "containerStatuses": [state::waiting("app", "nginx:1.27", "PodInitializing", "", 0)]}),
    )
    .await;
}

/// The pod blocked in wait-db, its containers ignoring SIGTERM: deleted, it stays Terminating
/// for its 120 s grace period.
async fn blocked_ignoring_sigterm(ns: &TestNs) {
    pod_with(
        ns,
        json!({"fakelet.initdoctor.dev/ignores-sigterm": "true"}),
        json!([
            state::running("wait-db", "busybox:1.28", "2026-01-01T00:00:00Z"),
            waiting_to_start("migrate")
        ]),
    )
    .await;
}

fn crash_looping(name: &str) -> Value {
    let mut s = state::crash_loop(
        name,
        "busybox:1.28",
        "back-off 40s restarting failed container",
        3,
    );
    s["lastState"]["terminated"]["containerID"] = json!("containerd://5e1f");
    s
}

fn waiting_to_start(name: &str) -> Value {
    state::waiting(name, "busybox:1.28", "PodInitializing", "", 0)
}

async fn ephemeral_status(ns: &TestNs, name: &str) -> Value {
    common::debug::ephemeral_status(ns, "web", name).await
}

/// Poll the pod until `ok` holds for the debugger's status (the node's report), at most 20 s.
async fn until_status(ns: &TestNs, name: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = ephemeral_status(ns, name).await;
        if ok(&status) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the node never reported it: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The attach requests sent for the pod (the audit log records each).
fn attach_requests(ns: &TestNs) -> usize {
    let needle = format!("/namespaces/{}/pods/web/attach", ns.name);
    let ids: std::collections::BTreeSet<String> = common::audit_entries_settled(&needle)
        .iter()
        .filter_map(|e| e["auditID"].as_str().map(str::to_string))
        .collect();
    ids.len()
}

#[tokio::test]
async fn a_target_that_does_not_run_ends_the_wait_at_once_with_the_kubelets_reason() {
    // (case, init statuses, --target, the reason the node writes, what the error line says)
    let cases: Vec<(&str, Value, &str, &str, Vec<&str>)> = vec![
        (
            "exited",
            json!([crash_looping("wait-db"), waiting_to_start("migrate")]),
            "wait-db",
            "CreateContainerError",
            vec![
                "cannot start: it shares the processes of wait-db, which is not running (CrashLoopBackOff, last exit 1), and the node refuses it (CreateContainerError: failed to generate container \"",
                "spec: invalid target container: container \"5e1f\" is not running - in state CONTAINER_EXITED)",
            ],
        ),
        (
            "never created",
            json!([
                state::running("wait-db", "busybox:1.28", "2026-01-01T00:00:00Z"),
                waiting_to_start("migrate")
            ]),
            "migrate",
            "CreateContainerConfigError",
            vec![
                "cannot start: it shares the processes of migrate, which is not running (PodInitializing, never started), and the node refuses it (CreateContainerConfigError: unable to find target container migrate)",
            ],
        ),
        (
            "completed",
            json!([
                state::terminated("wait-db", "busybox:1.28", 0, "Completed", 0),
                state::running("migrate", "busybox:1.28", "2026-01-01T00:00:05Z")
            ]),
            "wait-db",
            "CreateContainerError",
            vec![
                "which is not running (Completed (exit 0)), and the node refuses it (CreateContainerError:",
            ],
        ),
    ];
    for (case, statuses, target, reason, said) in cases {
        let ns = TestNs::new("dbgt").await;
        pod_with(&ns, json!({}), statuses).await;
        let started = Instant::now();
        let run = initdoctor(&[
            "debug",
            "web",
            "-n",
            &ns.name,
            "--target",
            target,
            "--attach=false",
            "--force",
            "--timeout",
            "90s",
        ]);
        let took = started.elapsed();
        assert_eq!(run.code, 8, "{case}: stderr: {}", run.stderr);
        assert!(
            took < Duration::from_secs(30),
            "{case}: waited {took:?}, as if for --timeout"
        );
        let name = added_name(&run.stderr);
        let last = run.stderr.trim_end().lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("error: {name} cannot start: ")),
            "{case}: {last}"
        );
        for text in said {
            assert!(last.contains(text), "{case}: {last:?} lacks {text:?}");
        }
        assert!(
            last.contains(&format!(
                "then `kubectl initdoctor debug web --attach-to {name} -n {}`",
                ns.name
            )) && last.contains(
                "debug a copy instead: `kubectl initdoctor debug web --copy-to web-debug"
            ),
            "{case}: {last}"
        );
        // What the node wrote, and the tool did not try to attach.
        let status = ephemeral_status(&ns, &name).await;
        assert_eq!(
            status["state"]["waiting"]["reason"], reason,
            "{case}: {status}"
        );
        assert_eq!(attach_requests(&ns), 0, "{case}: an attach was sent");
    }
}

#[tokio::test]
async fn once_the_target_runs_again_the_printed_way_back_in_works() {
    let ns = TestNs::new("dbgtr").await;
    pod_with(
        &ns,
        json!({}),
        json!([crash_looping("wait-db"), waiting_to_start("migrate")]),
    )
    .await;
    let run = initdoctor(&[
        "debug",
        "web",
        "-n",
        &ns.name,
        "--attach=false",
        "--force",
        "--timeout",
        "90s",
    ]);
    run.assert_code(8);
    let name = added_name(&run.stderr);

    // wait-db restarts: the kubelet's next sync starts the debugger.
    let mut restarted = state::running("wait-db", "busybox:1.28", "2026-01-01T00:01:00Z");
    restarted["restartCount"] = json!(4);
    ns.set_status(
        "web",
        json!({"initContainerStatuses": [restarted, waiting_to_start("migrate")]}),
    )
    .await;
    until_status(&ns, &name, |s| !s["state"]["running"].is_null()).await;

    let run = initdoctor_with_stdin(
        &["debug", "web", "-n", &ns.name, "--attach-to", &name],
        "exit 4\n",
    );
    run.assert_code(0);
    run.assert_stderr_has(&format!("Attached to {name}"))
        .assert_stderr_has(&format!("Session ended: {name} exited with code 4."));
}

#[tokio::test]
async fn a_terminating_pod_is_refused_before_anything_is_written() {
    let ns = TestNs::new("dbgdel").await;
    blocked_ignoring_sigterm(&ns).await;
    ns.api::<Pod>()
        .delete("web", &DeleteParams::default())
        .await
        .unwrap();
    let run = initdoctor(&["debug", "web", "-n", &ns.name, "--timeout", "60s"]);
    run.assert_code(2);
    assert_eq!(
        run.stderr.trim_end(),
        "error: pod \"web\" is being deleted (Terminating): the kubelet starts no new container in it, so an ephemeral container would never start; debug a copy with `kubectl initdoctor debug web --copy-to NAME`"
    );
    let pod: Pod = ns.api::<Pod>().get("web").await.unwrap();
    assert!(
        pod.spec.unwrap().ephemeral_containers.is_none(),
        "a container was added"
    );
}

#[tokio::test]
async fn a_pod_deleted_while_waiting_ends_the_wait() {
    let ns = TestNs::new("dbgdw").await;
    blocked_ignoring_sigterm(&ns).await;
    // An image that never pulls keeps it waiting.
    let child = common::spawn_initdoctor(&[
        "debug",
        "web",
        "-n",
        &ns.name,
        "--image",
        "registry.invalid/tools:1",
        "--attach=false",
        "--timeout",
        "90s",
    ]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let name = loop {
        let pod: Pod = ns.api::<Pod>().get("web").await.unwrap();
        let added = pod
            .spec
            .and_then(|s| s.ephemeral_containers)
            .unwrap_or_default();
        if let Some(c) = added.first() {
            break c.name.clone();
        }
        assert!(Instant::now() < deadline, "nothing was added");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // ErrImagePull, then (2 s later) its back-off: the tool, reading every 0.5 s, saw the first.
    until_status(&ns, &name, |s| {
        s["state"]["waiting"]["reason"] == "ImagePullBackOff"
    })
    .await;
    ns.api::<Pod>()
        .delete("web", &DeleteParams::default())
        .await
        .unwrap();
    let deleted = Instant::now();
    let run = common::finish_within(child, Duration::from_secs(20));
    assert!(
        deleted.elapsed() < Duration::from_secs(10),
        "took {:?}",
        deleted.elapsed()
    );
    run.assert_code(8);
    run.assert_stderr_has(&format!(
        "{name}: ErrImagePull: failed to pull and unpack image"
    ));
    run.assert_stderr_ends_with(&format!(
            "error: pod web is being deleted (Terminating): the kubelet starts no new container in it, so {name} never runs; debug a copy instead: `kubectl initdoctor debug web --copy-to web-debug -n {}`",
            ns.name
        ));
    // The node's report for a container it will not start in a deleting pod.
    until_status(&ns, &name, |s| {
        s["state"]["waiting"]["reason"] == "PodInitializing"
    })
    .await;
}

#[tokio::test]
async fn a_command_that_exits_shows_its_log_and_its_exit() {
    // (script, the tool's exit code, its stdout, the end of its stderr)
    let cases = [
        (
            "echo checked db; exit 3",
            1,
            "checked db\n",
            "(exit 3, Error)",
        ),
        ("echo all good", 0, "all good\n", "(exit 0, Completed)"),
    ];
    for (script, code, stdout, ended) in cases {
        let ns = TestNs::new("dbgcmd").await;
        pod_with(
            &ns,
            json!({}),
            json!([
                state::running("wait-db", "busybox:1.28", "2026-01-01T00:00:00Z"),
                waiting_to_start("migrate")
            ]),
        )
        .await;
        let run = initdoctor(&[
            "debug",
            "web",
            "-n",
            &ns.name,
            "--timeout",
            "30s",
            "--",
            "sh",
            "-c",
            script,
        ]);
        assert_eq!(run.code, code, "{script}: stderr: {}", run.stderr);
        assert_eq!(run.stdout, stdout, "{script}");
        let name = added_name(&run.stderr);
        assert!(
            run.stderr.trim_end().ends_with(&format!(
                "{name} has ended {ended} before anything attached; above is its log. It stays in the pod's spec (ephemeral containers cannot be removed or restarted): run `kubectl initdoctor debug web` for a new one."
            )),
            "{script}: {}",
            run.stderr
        );
        assert_eq!(attach_requests(&ns), 0, "{script}: an attach was sent");
    }
}

#[tokio::test]
async fn a_session_ends_when_its_pod_is_deleted() {
    let ns = TestNs::new("dbgsd").await;
    pod_with(
        &ns,
        json!({}),
        json!([
            state::running("wait-db", "busybox:1.28", "2026-01-01T00:00:00Z"),
            waiting_to_start("migrate")
        ]),
    )
    .await;
    // stdin is empty: the session then lasts until the container ends (its shell still runs).
    let child = common::spawn_initdoctor(&["debug", "web", "-n", &ns.name, "--timeout", "30s"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while attach_requests(&ns) == 0 {
        assert!(Instant::now() < deadline, "never attached");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Its containers stop on SIGTERM (within 2 s on the fake node).
    ns.api::<Pod>()
        .delete("web", &DeleteParams::default())
        .await
        .unwrap();
    let run = common::finish_within(child, Duration::from_secs(20));
    run.assert_code(0);
    let last = run.stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Session ended"),
        "the session should end with its container: {}",
        run.stderr
    );
}
