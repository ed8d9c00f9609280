//! End to end on the control plane: cluster text is bounded on screen — a cell, a message and an
//! evidence line each end with a marker saying how much was cut (an env value expanded into a
//! wait target can be tens of thousands of characters long) — and tabs in log excerpts stay tabs, as
//! `kubectl logs` shows them. The JSON output stays exact.

mod common;

use common::{TestNs, initdoctor, state};
use serde_json::json;

/// The length of the expanded value: long enough to need every cap on screen, under the reader's
/// 64 KiB cap on one expanded value (past it the value is "too large to read", never shown).
const HUGE: usize = 60_000;

async fn pod_with_a_huge_target(ns: &TestNs, name: &str) {
    let host = format!("db{}", "x".repeat(HUGE));
    ns.pod(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  containers:
  - {{name: app, image: busybox:1.35, command: ['sleep', '3600']}}
  initContainers:
  - name: wait
    image: busybox:1.35
    env: [{{name: DB_HOST, value: "{host}"}}]
    command: ['sh', '-c', 'until nc -w 2 $(DB_HOST) 5432 </dev/null; do echo "waiting	for db"; sleep 2; done']
"#
    ))
    .await;
    ns.set_status(
        name,
        json!({"phase": "Pending",
               "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("wait", "busybox:1.35", "2026-01-01T00:00:00Z")],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.write_log(name, "wait", "waiting\tfor db\nwaiting\tfor db\n", false);
}

/// The longest line of `text`, in characters.
fn longest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[tokio::test]
async fn every_line_is_bounded_and_says_how_much_was_cut() {
    let ns = TestNs::new("bounded").await;
    pod_with_a_huge_target(&ns, "one").await;
    pod_with_a_huge_target(&ns, "two").await;
    for args in [
        vec!["explain", "one", "-n", &ns.name],
        vec!["explain", "-n", &ns.name],
        vec!["explain", "-n", &ns.name, "-o", "wide", "--details"],
    ] {
        let run = initdoctor(&args);
        run.assert_code(0);
        assert!(
            longest(&run.stdout) < 1_500,
            "{args:?}: a line of {} characters",
            longest(&run.stdout)
        );
        assert!(
            run.stdout.contains(" characters]"),
            "{args:?}: a marker says what was cut:\n{}",
            run.stdout
        );
    }
    // The log excerpt keeps its tab.
    let one = initdoctor(&["explain", "one", "-n", &ns.name]);
    assert!(one.stdout.contains("| waiting\tfor db"), "{}", one.stdout);
    assert!(!one.stdout.contains("waiting\\tfor db"), "{}", one.stdout);
    // JSON is exact: the whole target is there.
    let json = initdoctor(&["explain", "one", "-n", &ns.name, "-o", "json"]);
    json.assert_code(0);
    assert!(json.stdout.contains(&"x".repeat(HUGE)), "JSON is not cut");
}
