//! Who restarts what, end to end on the real node (kubelet v1.37.2, whose `ContainerRestartRules`
//! and `RestartAllContainersOnContainerExits` gates are beta and on by default): a
//! `restartPolicyRules` rule that retries an init container and an app container under
//! `restartPolicy: Never`, an exit no rule matches, a `RestartAllContainers` rule that restarts
//! the pod in place (its init container runs again), a Job whose native sidecars the kubelet
//! stops after the main container, and `explain --watch` without names, which ends once the
//! pods are Ready (or, with `--init-only`, initialized).

mod common;

use std::time::{Duration, Instant};

use common::realnode;
use common::{TestNs, codes, evidence_has, explain_one, finding, initdoctor};
use serde_json::Value;

/// How long the kubelet gets to produce what a test waits for.
const LIMIT: Duration = Duration::from_secs(120);

const BUSYBOX: &str = "image: busybox:1.35\n    imagePullPolicy: IfNotPresent";

/// A script that exits `code` on its first run and does `then` on the next ones (the file
/// `marker`, on the pod's emptyDir, remembers).
fn once_then_ok(marker: &str, code: i32, then: &str) -> String {
    format!(
        "if [ -e {marker} ]; then echo second run; {then}; fi; touch {marker}; echo transient failure; exit {code}"
    )
}

/// Polls explain on the pod until `done` holds on its JSON, at most [`LIMIT`].
async fn explain_until(ns: &TestNs, pod: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + LIMIT;
    loop {
        let doc = explain_one(ns, pod, &[]);
        if done(&doc) {
            return doc;
        }
        if Instant::now() > deadline {
            panic!("{pod}: no {what} after {LIMIT:?}: {doc:#}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn errors_and_warnings(pod: &Value) -> Vec<String> {
    pod["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] != "info")
        .map(|f| format!("{} {}", f["code"], f["message"]))
        .collect()
}

fn text_of(f: &Value) -> String {
    format!("{f}")
}

/// Under `restartPolicy: Never`, a rule on exit code 42 retries the init container and the app
/// container once each: both restarts are legitimate, and explain says which rule made them.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_restart_rule_retries_containers_under_restart_policy_never() {
    let node = common::real_node();
    let ns = TestNs::new("rr").await;
    let rule = "restartPolicy: Never\n    restartPolicyRules:\n    - {action: Restart, exitCodes: {operator: In, values: [42]}}";
    ns.pod(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: retried\nspec:\n{placement}  restartPolicy: Never\n  volumes: [{{name: work, emptyDir: {{}}}}]\n  initContainers:\n  - name: migrate\n    {BUSYBOX}\n    command: ['sh', '-c', '{init}']\n    volumeMounts: [{{name: work, mountPath: /work}}]\n    {rule}\n  containers:\n  - name: app\n    {BUSYBOX}\n    command: ['sh', '-c', '{app}']\n    volumeMounts: [{{name: work, mountPath: /app-work}}]\n    {rule}\n",
        placement = realnode::placement(node),
        init = once_then_ok("/work/init-ran", 42, "exit 0"),
        // A marker of its own: the init container's is there already (one emptyDir).
        app = once_then_ok("/app-work/app-ran", 42, "exec sleep 3600"),
    ))
    .await;
    let pod = explain_until(&ns, "retried", "two RestartedByRule", |p| {
        codes(p).iter().filter(|c| *c == "RestartedByRule").count() == 2 && p["status"] == "Running"
    })
    .await;
    assert_eq!(errors_and_warnings(&pod), Vec::<String>::new(), "{pod:#}");
    for container in ["migrate", "app"] {
        let f = pod["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "RestartedByRule" && f["container"] == container)
            .unwrap_or_else(|| panic!("RestartedByRule about {container}: {pod:#}"));
        assert_eq!(f["severity"], "info");
        let text = text_of(f);
        for says in [
            "restartPolicyRules[0] (Restart when the exit code is In [42]) matches exit code 42",
            "although the pod's restartPolicy is Never",
            "these restarts are expected",
            "last exit: code 42 (Error)",
        ] {
            assert!(text.contains(says), "{container}: {says}: {f:#}");
        }
    }
    assert_eq!(pod["initContainers"][0]["restarts"], 1, "{pod:#}");
}

/// A rule on 42 and a container that always exits 42: the kubelet retries it with its
/// back-off under the pod's Never; the crash loop is still an error, the rule says why a
/// Never pod restarts at all.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_rule_that_keeps_retrying_is_still_a_crash_loop() {
    let node = common::real_node();
    let ns = TestNs::new("rr-loop").await;
    ns.pod(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ruleloop\nspec:\n{}  restartPolicy: Never\n  containers:\n  - name: app\n    {BUSYBOX}\n    command: ['sh', '-c', 'echo lock held; exit 42']\n    restartPolicy: Never\n    restartPolicyRules:\n    - {{action: Restart, exitCodes: {{operator: In, values: [42]}}}}\n",
        realnode::placement(node)
    ))
    .await;
    let pod = explain_until(&ns, "ruleloop", "AppCrashLoop and RestartedByRule", |p| {
        let c = codes(p);
        c.contains(&"AppCrashLoop".to_string()) && c.contains(&"RestartedByRule".to_string())
    })
    .await;
    let f = finding(&pod, "RestartedByRule");
    assert_eq!(f["severity"], "info");
    let text = text_of(f);
    for says in [
        "because restartPolicyRules[0] (Restart when the exit code is In [42]) matches exit code 42",
        "although the pod's restartPolicy is Never",
        "it keeps exiting 42, so the kubelet keeps retrying it",
    ] {
        assert!(text.contains(says), "{says}: {f:#}");
    }
    assert!(
        evidence_has(finding(&pod, "AppCrashLoop"), "lock held"),
        "{pod:#}"
    );
    assert!(
        !codes(&pod).contains(&"AppExitedNonZero".to_string()),
        "{pod:#}"
    );
}

/// The same rule, an exit it does not match: the init container's failure fails the pod for
/// good (its own restartPolicy Never), and explain says no rule matched.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_an_exit_no_rule_matches_fails_the_pod_for_good() {
    let node = common::real_node();
    let ns = TestNs::new("rr-fail").await;
    ns.pod(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: unmatched\nspec:\n{}  initContainers:\n  - name: migrate\n    {BUSYBOX}\n    command: ['sh', '-c', 'echo fatal; exit 3']\n    restartPolicy: Never\n    restartPolicyRules:\n    - {{action: Restart, exitCodes: {{operator: In, values: [42]}}}}\n  containers:\n  - name: app\n    {BUSYBOX}\n    command: ['sleep', '3600']\n",
        realnode::placement(node)
    ))
    .await;
    // The pod's restartPolicy is Always: the container's own Never decides.
    let pod = explain_until(&ns, "unmatched", "RestartNeverFailed, phase Failed", |p| {
        codes(p).iter().any(|c| c == "RestartNeverFailed") && p["phase"] == "Failed"
    })
    .await;
    let f = finding(&pod, "RestartNeverFailed");
    assert!(
        text_of(f).contains(
            "its own restartPolicy is Never and none of its restartPolicyRules matches exit code 3"
        ),
        "{f:#}"
    );
    assert!(
        evidence_has(
            f,
            "restartPolicyRules[0] (Restart when the exit code is In [42])"
        ),
        "{f:#}"
    );
    assert!(
        !codes(&pod).contains(&"RestartedByRule".to_string()),
        "{pod:#}"
    );
}

/// A `RestartAllContainers` rule on exit code 88: the kubelet restarts the pod in place, its
/// init container runs again; explain says so and calls none of it a fault.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_restart_all_containers_reruns_the_init_containers() {
    let node = common::real_node();
    let ns = TestNs::new("rr-all").await;
    ns.pod(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: inplace\nspec:\n{}  volumes: [{{name: work, emptyDir: {{}}}}]\n  initContainers:\n  - name: setup\n    {BUSYBOX}\n    command: ['sh', '-c', 'echo setup >> /work/runs; cat /work/runs']\n    volumeMounts: [{{name: work, mountPath: /work}}]\n  containers:\n  - name: app\n    {BUSYBOX}\n    command: ['sh', '-c', 'if [ $(wc -l < /work/runs) -ge 2 ]; then exec sleep 3600; fi; sleep 2; echo asking for a fresh start; exit 88']\n    volumeMounts: [{{name: work, mountPath: /work}}]\n    restartPolicy: Never\n    restartPolicyRules:\n    - {{action: RestartAllContainers, exitCodes: {{operator: In, values: [88]}}}}\n",
        realnode::placement(node)
    ))
    .await;
    let pod = explain_until(
        &ns,
        "inplace",
        "AllContainersRestarting after the restart",
        |p| {
            codes(p).iter().any(|c| c == "AllContainersRestarting")
                && p["initContainers"][0]["restarts"].as_i64() >= Some(1)
                && p["ready"] == true
        },
    )
    .await;
    let f = finding(&pod, "AllContainersRestarting");
    assert_eq!(f["severity"], "info");
    assert_eq!(f["container"], "app", "{f:#}");
    let text = text_of(f);
    // The exit code is not kept once the kubelet has removed the containers: the rule says it.
    for says in [
        "the pod has restarted in place: the restartPolicyRules[0] (RestartAllContainers when the exit code is In [88]) of app container app asked for it",
        "ran the init containers again",
        "removed for the restart (RestartingAllContainers, exit 137 as their last state): setup, app",
        "the Initialized condition stayed True",
    ] {
        assert!(text.contains(says), "{says}: {f:#}");
    }
    assert_eq!(errors_and_warnings(&pod), Vec::<String>::new(), "{pod:#}");
    assert!(
        !codes(&pod).contains(&"RestartedByRule".to_string()),
        "{pod:#}"
    );
}

/// A Job whose pod has two native sidecars: once the main container completes, the kubelet
/// stops them, the last declared first; one exits 143 on SIGTERM. The pod is Completed and
/// explain calls neither sidecar a fault.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_jobs_sidecars_stopped_after_the_main_container_are_no_fault() {
    let node = common::real_node();
    let ns = TestNs::new("rr-job").await;
    ns.create::<k8s_openapi::api::batch::v1::Job>(&format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: report\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      nodeName: {node}\n      tolerations: [{tol}]\n      terminationGracePeriodSeconds: 20\n      restartPolicy: Never\n      initContainers:\n      - name: proxy\n        {bb}\n        restartPolicy: Always\n        command: ['sh', '-c', 'trap \"echo proxy stopping; exit 143\" TERM; sleep 3600 & wait']\n      - name: shipper\n        {bb}\n        restartPolicy: Always\n        command: ['sh', '-c', 'trap \"echo shipper flushed; exit 0\" TERM; sleep 3600 & wait']\n      containers:\n      - name: main\n        {bb}\n        command: ['sh', '-c', 'echo report done; sleep 2']\n",
        tol = realnode::TOLERATION,
        bb = BUSYBOX.replace("\n    ", "\n        "),
    ))
    .await;
    let deadline = Instant::now() + LIMIT;
    let name = loop {
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = ns.api();
        let list = pods
            .list(&kube::api::ListParams::default().labels("job-name=report"))
            .await
            .expect("list the job's pods");
        if let Some(p) = list
            .items
            .iter()
            .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Succeeded"))
        {
            break p.metadata.name.clone().expect("name");
        }
        assert!(
            Instant::now() < deadline,
            "the job's pod never completed: {:#?}",
            list.items
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let run = initdoctor(&[
        "explain",
        &name,
        "-n",
        &ns.name,
        "-o",
        "json",
        "--exit-code",
    ]);
    assert_eq!(
        run.code, 0,
        "a Completed pod is fine: {}{}",
        run.stdout, run.stderr
    );
    let pod = run.json()["pods"][0].clone();
    assert_eq!(pod["status"], "Completed", "{pod:#}");
    assert_eq!(errors_and_warnings(&pod), Vec::<String>::new(), "{pod:#}");
    let f = finding(&pod, "SidecarsStopped");
    assert_eq!(f["severity"], "info");
    let text = text_of(f);
    for says in [
        "the main containers completed, so the kubelet stopped the native sidecars after them, the last declared first (shipper, then proxy)",
        "proxy (init container 1/2): exit code 143: SIGTERM",
        "shipper (init container 2/2): exit code 0",
        "nothing to fix",
    ] {
        assert!(text.contains(says), "{says}: {f:#}");
    }
    // The kubelet's order, as it wrote it: shipper ended no later than proxy.
    let finished = |c: usize| {
        pod["initContainers"][c]["finishedAt"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(finished(1) <= finished(0), "{pod:#}");
}

/// `explain --watch` without names follows a pod that is initialized but not Ready yet, and
/// ends once it is Ready; with `--init-only` it ends at initialization.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_watch_without_names_ends_when_the_pods_are_ready() {
    let node = common::real_node();
    for init_only in [false, true] {
        let ns = TestNs::new(if init_only { "rr-watch-io" } else { "rr-watch" }).await;
        ns.pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: slow\nspec:\n{}  initContainers:\n  - name: prepare\n    {BUSYBOX}\n    command: ['sh', '-c', 'sleep 3']\n  containers:\n  - name: app\n    {BUSYBOX}\n    command: ['sh', '-c', 'sleep 12; touch /tmp/ready; exec sleep 3600']\n    readinessProbe:\n      exec: {{command: ['test', '-e', '/tmp/ready']}}\n      periodSeconds: 1\n",
            realnode::placement(node)
        ))
        .await;
        let mut args = vec!["explain", "-n", &ns.name, "--watch", "--exit-code"];
        if init_only {
            args.push("--init-only");
        }
        let child = common::spawn_initdoctor(&args);
        let run = common::finish_within(child, LIMIT);
        let pod = realnode::pod_json(&ns, "slow").await;
        let ready = pod["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        });
        let last = run.stdout.lines().last().unwrap_or("").to_string();
        assert_eq!(run.code, 0, "{init_only}: {}\n{}", run.stdout, run.stderr);
        if init_only {
            assert!(
                last.contains("initialization completed (1 pod initialized); watch ended"),
                "{}",
                run.stdout
            );
            assert!(
                !ready,
                "--init-only ends at initialization, before the pod is Ready: {}",
                run.stdout
            );
        } else {
            assert!(
                ready,
                "the watch ended before the pod was Ready: {}",
                run.stdout
            );
            assert!(
                run.stdout
                    .lines()
                    .any(|l| l.contains(" slow ") && l.ends_with("→ initialized")),
                "initialized, not Ready: watched on: {}",
                run.stdout
            );
            assert!(
                run.stdout
                    .lines()
                    .any(|l| l.contains(" slow ") && l.ends_with("→ Ready")),
                "{}",
                run.stdout
            );
            assert!(
                last.contains(
                    "every pod is Ready or Completed (1 pod Ready or Completed); watch ended"
                ),
                "{}",
                run.stdout
            );
        }
    }
}
