//! End to end on the control plane: the multi-pod table's flags as kubectl has them
//! (`--no-headers`, `--request-timeout 0` for no timeout) and what an empty selection says.

mod common;

use common::{TestNs, initdoctor, state};
use serde_json::json;

const POD: &str = r"
apiVersion: v1
kind: Pod
metadata:
  name: NAME
spec:
  containers:
  - name: app
    image: busybox:1.35
    command: ['sh', '-c', 'sleep 3600']
  initContainers:
  - name: wait
    image: busybox:1.35
    command: ['sh', '-c', 'until nslookup orders-db; do sleep 2; done']
";

/// Two pods whose init container `wait` runs.
async fn two_blocked(ns: &TestNs) {
    for name in ["alpha", "beta"] {
        ns.pod(&POD.replace("NAME", name)).await;
        ns.set_status(
            name,
            json!({
                "phase": "Pending",
                "conditions": state::initializing_conditions(),
                "initContainerStatuses": [state::running("wait", "busybox:1.35", "2026-01-01T00:00:00Z")],
                "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]
            }),
        )
        .await;
    }
}

#[tokio::test]
async fn no_headers_prints_the_rows_only() {
    let ns = TestNs::new("noheaders").await;
    two_blocked(&ns).await;
    let with = initdoctor(&["explain", "-n", &ns.name]);
    with.assert_code(0);
    let table_of = |out: &str| -> Vec<String> {
        out.lines()
            .take_while(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    };
    let headed = table_of(&with.stdout);
    assert!(headed[0].starts_with("POD "), "{}", with.stdout);
    assert_eq!(headed.len(), 3, "a header and two rows: {}", with.stdout);

    let without = initdoctor(&["explain", "-n", &ns.name, "--no-headers"]);
    without.assert_code(0);
    let rows = table_of(&without.stdout);
    assert_eq!(rows.len(), 2, "two rows, no header: {}", without.stdout);
    assert!(rows[0].starts_with("alpha "), "{}", without.stdout);
    assert!(rows[1].starts_with("beta "), "{}", without.stdout);
    assert!(!without.stdout.contains("BLOCKER"), "{}", without.stdout);
}

#[tokio::test]
async fn request_timeout_zero_means_no_timeout_as_kubectl() {
    let ns = TestNs::new("rtzero").await;
    two_blocked(&ns).await;
    for zero in ["0", "0s"] {
        let run = initdoctor(&["explain", "-n", &ns.name, "--request-timeout", zero]);
        run.assert_code(0);
        assert!(run.stdout.contains("alpha"), "{zero}: {}", run.stdout);
        assert_eq!(run.stderr, "", "{zero}");
    }
    // A malformed duration is still refused, in one line.
    let bad = initdoctor(&["explain", "-n", &ns.name, "--request-timeout", "soon"]);
    bad.assert_code(2);
    assert!(bad.stderr.starts_with("error: "), "{}", bad.stderr);
}

#[tokio::test]
async fn an_empty_selection_says_what_was_looked_for() {
    let ns = TestNs::new("emptysel").await;
    let run = initdoctor(&["explain", "-n", &ns.name]);
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "No pods are blocked in initialization or not Ready.\n"
    );
    let init_only = initdoctor(&["explain", "-n", &ns.name, "--init-only"]);
    init_only.assert_code(0);
    assert_eq!(init_only.stdout, "No pods are blocked in initialization.\n");
}
