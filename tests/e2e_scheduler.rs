//! The real kube-scheduler of the local control plane: pods without `spec.nodeName` that no node
//! can take get its `FailedScheduling` events and `PodScheduled=False` condition, and explain
//! reports them (`Unschedulable`); a gated pod stays `SchedulingGated`. The nodes are `fake-node`
//! and, when up, `real-node`; every pod here tolerates every taint, so what keeps it off a node is
//! what the case is about.

mod common;

use std::time::{Duration, Instant};

use common::{TestNs, explain_one};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

/// A pod for the real scheduler: tolerates everything, `extra_spec` and `init` as given.
fn pod(name: &str, extra_spec: &str, init_resources: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  schedulerName: default-scheduler
  tolerations: [{{operator: Exists}}]
{extra_spec}  initContainers:
  - name: warm-cache
    image: busybox:1.35
    command: ['sh', '-c', 'true']
{init_resources}  containers:
  - name: app
    image: busybox:1.35
    command: ['sleep', '3600']
    resources: {{requests: {{memory: 16Mi}}}}
"#
    )
}

/// Polls explain until `done` holds (at most [`LIMIT`]).
fn explain_until(ns: &TestNs, name: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + LIMIT;
    loop {
        let pod = explain_one(ns, name, &[]);
        if done(&pod) {
            return pod;
        }
        assert!(Instant::now() < deadline, "{name}: no {what}: {pod:#}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

struct Case {
    name: &'static str,
    /// The finding: the scheduler's refusal, or the claim it waits for.
    code: &'static str,
    spec: &'static str,
    init_resources: &'static str,
    /// Objects to create first (YAML).
    first: Option<&'static str>,
    /// In the finding's message (the scheduler's own words).
    says: &'static str,
    container: Option<&'static str>,
    hint: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "selector",
        code: "Unschedulable",
        spec: "  nodeSelector: {disktype: ssd}\n",
        init_resources: "",
        first: None,
        says: "didn't match Pod's node affinity/selector",
        container: None,
        hint: "nodeSelector",
    },
    Case {
        name: "init-memory",
        code: "Unschedulable",
        spec: "",
        init_resources: "    resources: {requests: {memory: 64Ti}}\n",
        first: None,
        says: "Insufficient memory",
        container: Some("warm-cache"),
        hint: "spec.initContainers[0].resources.requests.memory (now 64Ti)",
    },
    Case {
        name: "claim",
        code: "ClaimNotBound",
        spec: "  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]\n",
        init_resources: "",
        first: Some(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  storageClassName: no-such-class\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
        ),
        says: "PersistentVolumeClaim \"data\": StorageClass \"no-such-class\" does not exist",
        container: None,
        hint: "kubectl describe pvc data",
    },
];

/// Each case: the scheduler's FailedScheduling event, its condition, and explain's finding (an
/// unbound claim is named as such)
/// quoting it, with the init container whose request sets the pod's when that is the cause.
#[tokio::test]
async fn the_schedulers_failed_scheduling_is_explained() {
    let ns = TestNs::new("sched").await;
    for case in CASES {
        if let Some(yaml) = case.first {
            ns.create::<k8s_openapi::api::core::v1::PersistentVolumeClaim>(yaml)
                .await;
        }
        ns.pod(&pod(case.name, case.spec, case.init_resources))
            .await;
    }
    for case in CASES {
        let pod = explain_until(&ns, case.name, case.code, |p| {
            common::codes(p).contains(&case.code.to_string())
        });
        assert_eq!(pod["status"], "Pending", "{pod:#}");
        let f = common::finding(&pod, case.code);
        let message = f["message"].as_str().unwrap_or("");
        assert!(message.contains(case.says), "{}: {f:#}", case.name);
        assert_eq!(
            f["container"].as_str(),
            case.container,
            "{}: {f:#}",
            case.name
        );
        assert!(
            common::evidence_has(f, "FailedScheduling")
                && common::evidence_has(f, "default-scheduler"),
            "{}: the scheduler's own event: {f:#}",
            case.name
        );
        assert!(
            f["hint"].as_str().unwrap_or("").contains(case.hint),
            "{}: {f:#}",
            case.name
        );
    }
}

/// A pod with a scheduling gate: the scheduler leaves it alone and says so in its condition;
/// explain's status is `SchedulingGated`, not a failure to schedule.
#[tokio::test]
async fn a_gated_pod_is_scheduling_gated() {
    let ns = TestNs::new("gated").await;
    ns.pod(&pod(
        "gated",
        "  schedulingGates: [{name: example.com/quota}]\n",
        "",
    ))
    .await;
    let pod = explain_until(&ns, "gated", "SchedulingGated", |p| {
        p["status"] == "SchedulingGated"
    });
    assert!(
        !common::codes(&pod).contains(&"Unschedulable".to_string()),
        "{pod:#}"
    );
}
