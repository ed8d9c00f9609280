//! End to end: a wait loop whose command fails for a reason of its own — a program that is not
//! in the image, an option the image's tool lacks — is an error naming that reason, whatever
//! its target's state; never "should pass" while its log shows why not. On the control plane
//! the fakelet serves the log the real node writes (Debian's busybox 1.35, the real node's
//! `busybox:1.35`: its `nc` has no `-z`); on the real node the container writes it itself.

mod common;

use std::time::Duration;

use common::realnode::{pod_on, wait_init_running, wait_log_lines};
use common::{TestNs, codes, evidence_has, explain_one, finding, initdoctor, real_node, state};
use serde_json::json;

/// A Service `db` (no selector) with a ready endpoint on 5432: the target is fine.
async fn ready_db(ns: &TestNs) {
    ns.create::<k8s_openapi::api::core::v1::Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  ports: [{name: pg, port: 5432, targetPort: 5432}]\n",
    )
    .await;
    ns.create::<k8s_openapi::api::discovery::v1::EndpointSlice>(
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: db-1\n  labels: {kubernetes.io/service-name: db}\naddressType: IPv4\nports: [{name: pg, port: 5432, protocol: TCP}]\nendpoints:\n- addresses: [\"10.0.0.10\"]\n  conditions: {ready: true}\n",
    )
    .await;
}

fn waiter(script: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: web}}
spec:
  containers:
  - {{name: app, image: busybox:1.35, command: ['sleep', '3600']}}
  initContainers:
  - name: wait-db
    image: busybox:1.35
    command: ['sh', '-c', {script:?}]
"#
    )
}

async fn running(ns: &TestNs) {
    ns.set_status(
        "web",
        json!({"phase": "Pending", "podIP": "10.0.0.20", "podIPs": [{"ip": "10.0.0.20"}],
               "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("wait-db", "busybox:1.35", "2026-01-01T00:00:00Z")],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
}

/// What Debian's busybox 1.35 prints for `nc -z -w 2 db 5432` (run on this machine: exit 1).
const NC_NO_Z: &str = "nc: invalid option -- 'z'\nBusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: nc [-iN] [-wN] [-l] [-p PORT] [-f FILE|IPADDR PORT] [-e PROG]\n\nOpen a pipe to IP:PORT or FILE\n\n\t-l\tListen mode, for inbound connects\n\t\t(use -ll with -e for persistent server)\n\t-p PORT\tLocal port\n\t-w SEC\tConnect timeout\n\t-i SEC\tDelay interval for lines sent\n\t-f FILE\tUse file (ala /dev/ttyS0) instead of network\n\t-e PROG\tRun PROG after connect\n";

#[tokio::test]
async fn a_typo_inside_a_loop_is_an_error_not_a_wait() {
    let ns = TestNs::new("brokentypo").await;
    ready_db(&ns).await;
    ns.pod(&waiter("until nslookupp db; do sleep 2; done"))
        .await;
    running(&ns).await;
    ns.write_log(
        "web",
        "wait-db",
        &"sh: nslookupp: not found\n".repeat(12),
        false,
    );
    let pod = explain_one(&ns, "web", &[]);
    let all = codes(&pod);
    assert_eq!(
        all.first().map(String::as_str),
        Some("WaitCommandBroken"),
        "{all:?}"
    );
    assert!(
        !all.iter()
            .any(|c| c == "WaitNotUnderstood" || c == "ResolvesButWaits"),
        "{all:?}"
    );
    let f = finding(&pod, "WaitCommandBroken");
    assert_eq!(f["severity"], "error");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("`nslookupp` is not in the image"),
        "{f:#}"
    );
    assert!(
        f["hint"]
            .as_str()
            .unwrap_or("")
            .contains("a typo of `nslookup`?"),
        "{f:#}"
    );
    assert!(
        evidence_has(f, "log says: sh: nslookupp: not found (12 times"),
        "{f:#}"
    );
}

#[tokio::test]
async fn an_option_the_images_nc_lacks_is_an_error_even_with_a_ready_target() {
    let ns = TestNs::new("brokennc").await;
    ready_db(&ns).await;
    ns.pod(&waiter("until nc -z -w 2 db 5432; do sleep 2; done"))
        .await;
    running(&ns).await;
    ns.write_log("web", "wait-db", &NC_NO_Z.repeat(3), false);
    let pod = explain_one(&ns, "web", &[]);
    let all = codes(&pod);
    assert_eq!(
        all.first().map(String::as_str),
        Some("WaitCommandBroken"),
        "{all:?}"
    );
    assert!(
        !all.iter().any(|c| c == "ResolvesButWaits"),
        "never 'should pass': {all:?}"
    );
    let f = finding(&pod, "WaitCommandBroken");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("no option `-z`"),
        "{f:#}"
    );
    // The line that explains the failure, not the end of the usage text.
    assert!(
        evidence_has(f, "log says: nc: invalid option -- 'z'"),
        "{f:#}"
    );
    assert!(!evidence_has(f, "Run PROG after connect"), "{f:#}");

    let table = initdoctor(&["explain", "web", "-n", &ns.name]);
    table.assert_code(0);
    assert!(
        table.stdout.contains("[error] WaitCommandBroken"),
        "{}",
        table.stdout
    );
    assert!(!table.stdout.contains("should succeed"), "{}", table.stdout);
}

/// On the real node: the typo and the missing option, written by busybox itself.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_broken_loops_are_errors() {
    let node = real_node();
    let ns = TestNs::new("rnbroken").await;
    ready_db(&ns).await;
    for (name, script, code_words, each_round) in [
        (
            "typo",
            "until nslookupp db; do sleep 1; done",
            "`nslookupp` is not in the image",
            "nslookupp: not found",
        ),
        (
            "noz",
            "until nc -z -w 1 db 5432; do sleep 1; done",
            "no option `-z`",
            "invalid option",
        ),
    ] {
        let yaml = waiter(script).replace("name: web", &format!("name: {name}"));
        pod_on(&ns, node, &yaml).await;
        wait_init_running(&ns, name, "wait-db", Duration::from_secs(60)).await;
        // A few rounds of the loop in its log.
        wait_log_lines(&ns, name, "wait-db", each_round, 2, Duration::from_secs(30)).await;
        let pod = explain_one(&ns, name, &[]);
        let all = codes(&pod);
        assert_eq!(
            all.first().map(String::as_str),
            Some("WaitCommandBroken"),
            "{name}: {all:?}"
        );
        assert!(
            !all.iter().any(|c| c == "ResolvesButWaits"),
            "{name}: {all:?}"
        );
        let f = finding(&pod, "WaitCommandBroken");
        assert!(
            f["message"].as_str().unwrap_or("").contains(code_words),
            "{name}: {f:#}"
        );
    }
}
