//! Helpers for the stories on the real node: pods placed there, and bounded waits on what the
//! real kubelet writes. Nothing here writes a status: the kubelet does.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use serde_json::Value;

use super::TestNs;

/// The toleration every pod that runs on the real node carries (its taint keeps others away).
pub const TOLERATION: &str = r#"{key: initdoctor/real-node, operator: Exists, effect: NoSchedule}"#;

/// What puts a pod on the real node, to put after `spec:` in a pod manifest: the real
/// scheduler (`schedulerName: default-scheduler`, named so that `TestNs::pod` binds nothing
/// itself), the node's hostname label as `nodeSelector` and the toleration of its taint. The
/// pods give `terminationGracePeriodSeconds: 1` so that test namespaces go away quickly.
pub fn placement(node: &str) -> String {
    format!(
        "  schedulerName: default-scheduler\n  nodeSelector: {{kubernetes.io/hostname: {node}}}\n  tolerations: [{TOLERATION}]\n  terminationGracePeriodSeconds: 1\n"
    )
}

/// Create the pod of `yaml` on the real node: [`placement`] goes in after its `spec:` line.
pub async fn pod_on(ns: &TestNs, node: &str, yaml: &str) -> Pod {
    let placed = yaml.replacen("\nspec:\n", &format!("\nspec:\n{}", placement(node)), 1);
    assert_ne!(placed, yaml, "a pod manifest with a `spec:` line");
    ns.pod(&placed).await
}

/// The pod as JSON.
pub async fn pod_json(ns: &TestNs, name: &str) -> Value {
    let pods: Api<Pod> = ns.api();
    let pod = pods.get(name).await.expect("get pod");
    serde_json::to_value(pod).expect("pod as JSON")
}

/// Polls the pod (every 200 ms) until `ready` holds, for at most `limit`; panics with the last
/// status seen and `what` when it never does.
pub async fn wait_pod(
    ns: &TestNs,
    name: &str,
    limit: Duration,
    what: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let pod = pod_json(ns, name).await;
        if ready(&pod) {
            return pod;
        }
        if Instant::now() > deadline {
            panic!(
                "{name}: no {what} after {limit:?}; status: {:#}",
                pod["status"]
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls the log of `container` (every 200 ms) until `line` appears on at least `times` lines,
/// for at most `limit`; panics with the last log seen when it never does. What a test waits on
/// before it reads a loop's evidence: the kubelet's log, not a fixed sleep.
pub async fn wait_log_lines(
    ns: &TestNs,
    pod: &str,
    container: &str,
    line: &str,
    times: usize,
    limit: Duration,
) {
    let pods: Api<Pod> = ns.api();
    let params = LogParams {
        container: Some(container.to_string()),
        ..LogParams::default()
    };
    let deadline = Instant::now() + limit;
    loop {
        let log = pods.logs(pod, &params).await.unwrap_or_default();
        if log.lines().filter(|l| l.contains(line)).count() >= times {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "{pod}/{container}: {line:?} not {times} times in its log after {limit:?}: {log}"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits (as [`wait_pod`]) until init container `container` runs; the pod as then seen.
pub async fn wait_init_running(ns: &TestNs, pod: &str, container: &str, limit: Duration) -> Value {
    let what = format!("running {container}");
    wait_pod(ns, pod, limit, &what, |p| {
        is_running(init_status(p, container))
    })
    .await
}

/// How many times the kubelet has restarted the container of `status` (0 when not said).
pub fn restarts(status: &Value) -> i64 {
    status["restartCount"].as_i64().unwrap_or(0)
}

/// Waits (as [`wait_pod`]) until the kubelet has restarted init container `container` at least
/// `times` times; the pod as then seen.
pub async fn wait_init_restarts(
    ns: &TestNs,
    pod: &str,
    container: &str,
    times: i64,
    limit: Duration,
) -> Value {
    let what = format!("{times} restarts of {container}");
    wait_pod(ns, pod, limit, &what, |p| {
        restarts(init_status(p, container)) >= times
    })
    .await
}

/// The status of the init container `name`.
pub fn init_status<'a>(pod: &'a Value, name: &str) -> &'a Value {
    container_status(pod, "initContainerStatuses", name)
}

/// The status of the app container `name`.
pub fn app_status<'a>(pod: &'a Value, name: &str) -> &'a Value {
    container_status(pod, "containerStatuses", name)
}

fn container_status<'a>(pod: &'a Value, list: &str, name: &str) -> &'a Value {
    pod["status"][list]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == name))
        .unwrap_or(&Value::Null)
}

/// True when that container runs now.
pub fn is_running(status: &Value) -> bool {
    status["state"]["running"].is_object()
}

/// True when that container has terminated with exit code 0.
pub fn completed(status: &Value) -> bool {
    status["state"]["terminated"]["exitCode"] == 0
}
