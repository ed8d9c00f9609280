//! End to end on the control plane: the one-pod view's events name their container (the same
//! reason for two containers is two rows, told apart), and the pod's ephemeral (debug)
//! containers appear under the init timeline, in the table and in JSON.

mod common;

use common::debug::added_name;
use common::{TestNs, explain_one, explain_table, initdoctor, state};
use serde_json::json;

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - {name: fetch, image: busybox:1.35, command: ['sh', '-c', 'until nslookup cfg; do sleep 2; done']}
  - {name: wait-db, image: busybox:1.35, command: ['sh', '-c', 'until nslookup db; do sleep 2; done']}
  containers:
  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}
"#;

#[tokio::test]
async fn events_name_their_container_and_debug_containers_are_in_the_timeline() {
    let ns = TestNs::new("evdbg").await;
    ns.pod(POD).await;
    ns.set_status(
        "web",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [
                   state::running("fetch", "busybox:1.35", "2026-01-01T00:00:00Z"),
                   state::waiting("wait-db", "busybox:1.35", "PodInitializing", "", 0)],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
    for c in ["fetch", "wait-db"] {
        ns.container_event(
            "web",
            &format!("spec.initContainers{{{c}}}"),
            "Normal",
            "Pulled",
            "Container image \"busybox:1.35\" already present on machine",
            1,
        )
        .await;
    }
    let table = explain_table(&ns, "web");
    let events: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("Events:"))
        .collect();
    assert!(
        events.get(1).is_some_and(|h| h.contains("CONTAINER")),
        "{table}"
    );
    for c in ["fetch", "wait-db"] {
        assert!(
            events
                .iter()
                .any(|l| l.contains("Pulled") && l.contains(&format!(" {c} "))),
            "a Pulled row for {c}: {table}"
        );
    }

    // A debug container, added to the running init container: it shows under the timeline.
    let run = initdoctor(&["debug", "web", "-n", &ns.name, "--attach=false", "-i"]);
    run.assert_code(0);
    let name = added_name(&run.stderr);
    let table = explain_table(&ns, "web");
    assert!(table.contains("debug (ephemeral) containers:"), "{table}");
    assert!(
        table.contains(&format!(
            "-  {name}  busybox:1.35, sharing the processes of fetch: running"
        )),
        "{table}"
    );
    let pod = explain_one(&ns, "web", &[]);
    assert_eq!(
        pod["debugContainers"],
        json!([{"name": name, "image": "busybox:1.35", "target": "fetch", "state": "running"}])
    );
}
