//! End to end on the control plane: what `logs` says of itself is apart from the log — the
//! kubelet's "unable to retrieve container logs" answer is a note on its own line (stderr),
//! never a log line; "(no output…)" names the container, and the pod when several are shown.

mod common;

use common::{TestNs, initdoctor, state};
use serde_json::{Value, json};

/// Pod `NAME` labelled `app: api`, its init container `fetch`, app `app`.
const API: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: NAME, labels: {app: api}}
spec:
  restartPolicy: Never
  initContainers:
  - {name: fetch, image: busybox:1.35, command: ['sh', '-c', 'exit 3']}
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

/// The status of a pod whose init container `fetch` ended with `code`.
fn failed_init(code: i32) -> Value {
    json!({"phase": "Failed",
           "conditions": state::initializing_conditions(),
           "initContainerStatuses": [state::terminated("fetch", "busybox:1.35", code, "Error", 0)],
           "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]})
}

#[tokio::test]
async fn the_kubelets_notice_is_a_note_on_its_own_line_not_a_log_line() {
    let ns = TestNs::new("lognotice").await;
    ns.pod(&API.replace("NAME", "api-1")).await;
    ns.set_status("api-1", failed_init(3)).await;
    // The runtime has removed the instance: the fakelet answers as the kubelet does.
    ns.write_log("api-1", "fetch", "", false);
    ns.write_log("api-1", "fetch.gone", "", false);

    let run = initdoctor(&["logs", "api-1", "-n", &ns.name]);
    run.assert_code(0);
    assert!(
        !run.stdout.contains("unable to retrieve"),
        "not a log line: {}",
        run.stdout
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    let notice = lines
        .iter()
        .position(|l| l.starts_with("(fetch: no log to show; the kubelet says: unable to retrieve container logs for containerd://"))
        .unwrap_or_else(|| panic!("the notice as a note of its own: {}", run.stderr));
    assert!(lines[notice].ends_with(')'), "{}", lines[notice]);
    assert!(
        lines
            .get(notice + 1)
            .is_some_and(|l| l.starts_with("<== fetch: exit code 3")),
        "the footer on the next line: {}",
        run.stderr
    );

    // As JSON: no line object made of the notice.
    let json = initdoctor(&["logs", "api-1", "-n", &ns.name, "-o", "json"]);
    json.assert_code(0);
    assert!(
        !json.stdout.contains("unable to retrieve"),
        "{}",
        json.stdout
    );
}

#[tokio::test]
async fn no_output_says_which_pod_and_container() {
    let ns = TestNs::new("lognoout").await;
    ns.create::<k8s_openapi::api::apps::v1::Deployment>(DEPLOYMENT)
        .await;
    for (pod, log) in [("api-1", "fetched\n"), ("api-2", "")] {
        ns.pod(&API.replace("NAME", pod)).await;
        ns.set_status(pod, failed_init(3)).await;
        ns.write_log(pod, "fetch", log, false);
    }
    let run = initdoctor(&["logs", "deployment/api", "-n", &ns.name]);
    run.assert_code(0);
    assert!(
        run.stderr
            .lines()
            .any(|l| l == "api-2: (no output from fetch)"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr
            .lines()
            .any(|l| l.starts_with("api-1: (no output")),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("fetched"), "{}", run.stdout);
}
