//! End to end on the real control plane: for each finding code of `explain`, the situation is
//! created as a cluster would show it (the pod spec bound to the fake node, the status the
//! kubelet would write, the events the kubelet or scheduler would emit, the container logs the
//! kubelet would serve), then the real binary is run and its JSON and table are checked.

mod common;

use common::codes;

use std::time::Duration;

use common::{TestNs, explain_table, finding, initdoctor, state};
use serde_json::{Value, json};

/// The seeds' pod: init-myservice waits for `myservice`, init-mydb runs `second_script`.
fn seed_pod(second_script: &str) -> String {
    common::seed_pod(
        "until nslookup myservice; do echo waiting for myservice; sleep 2; done",
        second_script,
    )
}

const GOOD_SCRIPT: &str = "until nslookup mydb; do echo waiting for mydb; sleep 2; done";

fn completed(name: &str) -> Value {
    state::completed(name, "busybox:1.28")
}

fn app_waiting() -> Value {
    state::waiting("myapp-container", "busybox:1.28", "PodInitializing", "", 0)
}

/// `explain POD -n NS -o json`: the pod's object of the document (exit code checked).
fn explain_json(ns: &TestNs, pod: &str, extra: &[&str]) -> Value {
    let pod_json = common::explain_one(ns, pod, extra);
    // STATUS is exactly what `kubectl get pod` prints.
    let got = common::kubectl(&["get", "pod", pod, "-n", &ns.name, "--no-headers"]);
    let kubectl_status = got
        .stdout
        .split_whitespace()
        .nth(2)
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        pod_json["status"],
        kubectl_status.as_str(),
        "kubectl says: {}",
        got.stdout
    );
    pod_json
}

fn evidence(f: &Value) -> Vec<String> {
    f["evidence"]
        .as_array()
        .expect("evidence array")
        .iter()
        .map(|l| l.as_str().unwrap_or_default().to_string())
        .collect()
}

fn has_line(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|l| l.contains(needle))
}

/// The finding's line in the table: `[severity] Code (container): message`.
fn assert_table_line(table: &str, severity: &str, code: &str, container: Option<&str>) {
    let head = match container {
        Some(c) => format!("[{severity}] {code} ({c}): "),
        None => format!("[{severity}] {code}: "),
    };
    assert!(table.contains(&head), "table lacks {head:?}:\n{table}");
}

const PRIVATE_IMAGE_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: private-pod}
spec:
  imagePullSecrets: [{name: team-pull}]
  containers: [{name: app, image: busybox:1.28}]
  initContainers:
  - name: fetch
    image: registry.example.invalid/team/fetcher:2.1
    command: ['/fetch']
"#;

async fn image_pull_backoff(ns: &TestNs) {
    ns.pod(PRIVATE_IMAGE_POD).await;
    ns.set_status(
        "private-pod",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::waiting("fetch", "registry.example.invalid/team/fetcher:2.1",
                   "ImagePullBackOff", "Back-off pulling image \"registry.example.invalid/team/fetcher:2.1\"", 0)],
               "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.container_event(
        "private-pod",
        "spec.initContainers{fetch}",
        "Warning",
        "Failed",
        "Failed to pull image \"registry.example.invalid/team/fetcher:2.1\": failed to pull and unpack image \"registry.example.invalid/team/fetcher:2.1\": failed to resolve reference \"registry.example.invalid/team/fetcher:2.1\": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://registry.example.invalid/token?scope=repository%3Ateam%2Ffetcher%3Apull: 401 Unauthorized",
        3,
    )
    .await;
    ns.container_event(
        "private-pod",
        "spec.initContainers{fetch}",
        "Normal",
        "BackOff",
        "Back-off pulling image \"registry.example.invalid/team/fetcher:2.1\"",
        6,
    )
    .await;
}

#[tokio::test]
async fn image_pull_failed_names_image_policy_and_pull_secrets() {
    let ns = TestNs::new("pull").await;
    image_pull_backoff(&ns).await;

    let pod = explain_json(&ns, "private-pod", &[]);
    assert_eq!(pod["status"], "Init:ImagePullBackOff");
    let f = finding(&pod, "ImagePullFailed");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["container"], "fetch");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("registry.example.invalid/team/fetcher:2.1")
    );
    let ev = evidence(f);
    assert!(has_line(&ev, "imagePullPolicy IfNotPresent"), "{ev:#?}");
    assert!(has_line(&ev, ": 401 Unauthorized"), "{ev:#?}");
    assert!(
        has_line(
            &ev,
            &format!(
                "imagePullSecret \"team-pull\" does not exist in namespace {}",
                ns.name
            )
        ),
        "{ev:#?}"
    );
    // The missing secret by its name (the registry-refused hint, which names `regcred`, cannot
    // satisfy this).
    assert!(
        f["hint"].as_str().unwrap().starts_with(&format!(
            "create the missing pull secret: kubectl create secret docker-registry team-pull -n {} ",
            ns.name
        )),
        "{f:#}"
    );

    let table = explain_table(&ns, "private-pod");
    assert_table_line(&table, "error", "ImagePullFailed", Some("fetch"));
    assert!(table.contains("Waiting: ImagePullBackOff"), "{table}");

    // Once the secret exists, it is found.
    ns.create::<k8s_openapi::api::core::v1::Secret>(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: team-pull}\ntype: Opaque\nstringData: {x: \"y\"}\n",
    )
    .await;
    let pod = explain_json(&ns, "private-pod", &[]);
    let f = finding(&pod, "ImagePullFailed");
    let ev = evidence(f);
    assert!(
        has_line(&ev, "imagePullSecret \"team-pull\" exists in namespace"),
        "{ev:#?}"
    );
    // The secret exists, the registry still answers 401: its credentials are refused.
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .starts_with("the registry refused the pull: "),
        "{f:#}"
    );
}

#[tokio::test]
async fn image_pull_secrets_forbidden_degrade_to_could_not_check() {
    let ns = TestNs::new("pullrbac").await;
    image_pull_backoff(&ns).await;

    // The `view` role reads pods, events and logs, but not secrets.
    let pod = explain_json(&ns, "private-pod", &["--user", "viewer"]);
    let ev = evidence(finding(&pod, "ImagePullFailed"));
    assert!(
        has_line(
            &ev,
            "could not check whether they exist (RBAC: cannot list secrets"
        ),
        "{ev:#?}"
    );
    let secret_lists: Vec<Value> = common::audit_entries_settled(&ns.name)
        .into_iter()
        .filter(|e| e["user"]["username"] == "viewer" && e["objectRef"]["resource"] == "secrets")
        .collect();
    assert!(
        !secret_lists.is_empty(),
        "the secrets list was tried as viewer"
    );
    assert!(
        secret_lists
            .iter()
            .all(|e| e["responseStatus"]["code"] == 403)
    );
}

/// The requests of one run in the audit log: run `f`, return what `admin` did in `ns` meanwhile.
fn audited(ns: &TestNs, f: impl FnOnce()) -> Vec<Value> {
    let before = common::audit_entries_settled(&ns.name).len();
    f();
    let after = common::audit_entries_settled(&ns.name);
    after[before..].to_vec()
}

fn assert_read_only(ns: &TestNs, made: &[Value]) {
    assert!(!made.is_empty(), "the explain is in the audit log");
    for entry in made {
        assert_eq!(entry["user"]["username"], "admin", "{entry:#}");
        let verb = entry["verb"].as_str().unwrap_or_default();
        assert!(
            matches!(verb, "get" | "list" | "watch"),
            "a write: {entry:#}"
        );
        assert_eq!(
            entry["objectRef"]["namespace"],
            ns.name.as_str(),
            "{entry:#}"
        );
    }
}

/// `(verb, resource[/subresource])` of each completed request, in order.
fn requests(made: &[Value]) -> Vec<(String, String)> {
    made.iter()
        .filter(|e| e["stage"] == "ResponseComplete")
        .map(|e| {
            let resource = e["objectRef"]["resource"].as_str().unwrap_or_default();
            let resource = match e["objectRef"]["subresource"].as_str() {
                Some(sub) => format!("{resource}/{sub}"),
                None => resource.to_string(),
            };
            (e["verb"].as_str().unwrap_or_default().to_string(), resource)
        })
        .collect()
}

#[tokio::test]
async fn explain_is_read_only_and_makes_few_requests() {
    let ns = TestNs::new("audit").await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: migrate-pod}
spec:
  containers: [{name: app, image: busybox:1.28}]
  initContainers:
  - {name: migrate, image: busybox:1.28, command: ['sh', '-c', './migrate --all']}
"#,
    )
    .await;
    let mut migrate = state::waiting("migrate", "busybox:1.28", "CrashLoopBackOff", "back-off", 2);
    migrate["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error"}});
    ns.set_status(
        "migrate-pod",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [migrate],
               "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.event(
        "migrate-pod",
        "Warning",
        "BackOff",
        "Back-off restarting failed container",
        "kubelet",
        2,
    )
    .await;
    ns.write_log(
        "migrate-pod",
        "migrate",
        "connecting to mydb\nerror: refused\n",
        true,
    );

    let made = audited(&ns, || {
        let run = initdoctor(&["explain", "migrate-pod", "-n", &ns.name, "-o", "json"]);
        run.assert_code(0);
        let f = run.json()["pods"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "CrashLoop")
            .cloned()
            .expect("CrashLoop");
        assert!(has_line(&evidence(&f), "| error: refused"), "{f:#}");
    });
    assert_read_only(&ns, &made);
    let done = requests(&made);
    let mut sorted = done.clone();
    sorted.sort();
    // The pod, its events, the blocker's current and previous log: four requests.
    assert_eq!(
        sorted,
        vec![
            ("get".to_string(), "pods".to_string()),
            ("get".to_string(), "pods/log".to_string()),
            ("get".to_string(), "pods/log".to_string()),
            ("list".to_string(), "events".to_string()),
        ],
        "{done:#?}"
    );
    assert_eq!(
        done[0],
        ("get".to_string(), "pods".to_string()),
        "the pod comes first"
    );

    // The seed pod, whose init containers wait on Services: still only reads, and the pod first.
    ns.pod(&seed_pod(GOOD_SCRIPT)).await;
    ns.set_status("myapp-pod", init_myservice_running()).await;
    let made = audited(&ns, || {
        let run = initdoctor(&["explain", "-n", &ns.name]);
        run.assert_code(0);
    });
    assert_read_only(&ns, &made);
    assert_eq!(
        requests(&made)[0],
        ("list".to_string(), "pods".to_string()),
        "{made:#?}"
    );
}

/// Each line of a child's stdout as it comes.
fn line_reader(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    let timed = common::lines_of(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (_, line) in timed {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The seed pod with init-myservice running, and `explain myapp-pod --watch --exit-code ARGS…`
/// started on it, with its stdout lines as they come.
async fn watch_seed_pod(
    ns: &TestNs,
    args: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    ns.pod(&seed_pod(GOOD_SCRIPT)).await;
    ns.set_status("myapp-pod", init_myservice_running()).await;
    let head = [
        "explain",
        "myapp-pod",
        "-n",
        &ns.name,
        "--watch",
        "--exit-code",
    ];
    let mut child = common::spawn_initdoctor(&[&head[..], args].concat());
    let lines = line_reader(&mut child);
    (child, lines)
}

#[tokio::test]
async fn watch_re_renders_on_change_until_initialized() {
    let ns = TestNs::new("watch").await;
    let (child, lines) = watch_seed_pod(&ns, &["-o", "json"]).await;
    let first: Value = serde_json::from_str(
        &lines
            .recv_timeout(Duration::from_secs(20))
            .expect("first render"),
    )
    .expect("one JSON document per line");
    assert_eq!(first["pods"][0]["status"], "Init:0/2");

    // init-myservice completes: a second render, still blocked.
    ns.set_status(
        "myapp-pod",
        json!({"initContainerStatuses": [completed("init-myservice"),
                   state::running("init-mydb", "busybox:1.28", "2026-01-01T00:00:05Z")]}),
    )
    .await;
    let second: Value = serde_json::from_str(
        &lines
            .recv_timeout(Duration::from_secs(20))
            .expect("second render"),
    )
    .expect("JSON line");
    assert_eq!(second["pods"][0]["status"], "Init:1/2");
    assert_eq!(second["pods"][0]["blocking"]["name"], "init-mydb");

    // Initialized: a last render, then the watch ends by itself with exit code 0.
    ns.set_status(
        "myapp-pod",
        json!({"phase": "Running",
               "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"},
                              {"type": "PodScheduled", "status": "True"}],
               "initContainerStatuses": [completed("init-myservice"), completed("init-mydb")],
               "containerStatuses": [state::running("myapp-container", "busybox:1.28", "2026-01-01T00:00:09Z")]}),
    )
    .await;
    let code = common::finish_within(child, Duration::from_secs(30)).code;
    let rest: Vec<String> = lines.try_iter().collect();
    let last: Value =
        serde_json::from_str(rest.last().expect("a final render")).expect("JSON line");
    assert_eq!(last["pods"][0]["initialized"], true);
    assert_eq!(code, 0, "initialized at the end: --exit-code gives 0");
}

#[tokio::test]
async fn watch_ends_cleanly_on_interrupt() {
    let ns = TestNs::new("watchint").await;
    let (child, lines) = watch_seed_pod(&ns, &[]).await;
    let first = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("first render");
    assert!(first.contains("myapp-pod  Init:0/2"), "{first}");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let code = common::finish_within(child, Duration::from_secs(10)).code;
    assert_eq!(code, 3, "interrupted while blocked: --exit-code gives 3");
}

/// `(verb resource)` → how many completed requests `admin` made in `namespace` after `mark`,
/// once the audit log has caught up.
fn request_counts_since(mark: usize, namespace: &str) -> std::collections::BTreeMap<String, usize> {
    let count = || {
        let text = std::fs::read_to_string(&common::env().audit_log).unwrap_or_default();
        let mut counts = std::collections::BTreeMap::new();
        for entry in text
            .lines()
            .skip(mark)
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| {
                e["stage"] == "ResponseComplete"
                    && e["user"]["username"] == "admin"
                    && e["objectRef"]["namespace"] == namespace
            })
        {
            let resource = entry["objectRef"]["resource"].as_str().unwrap_or_default();
            let resource = match entry["objectRef"]["subresource"].as_str() {
                Some(sub) => format!("{resource}/{sub}"),
                None => resource.to_string(),
            };
            let verb = entry["verb"].as_str().unwrap_or_default();
            *counts.entry(format!("{verb} {resource}")).or_insert(0) += 1;
        }
        counts
    };
    common::audit_flush();
    count()
}

/// The part of a pod's diagnosis that does not tick with the clock.
fn stable_part(pod: &Value) -> Value {
    json!({
        "status": pod["status"],
        "blocking": pod["blocking"],
        "findings": pod["findings"],
        "events": pod["events"],
        "nextCommands": pod["nextCommands"],
    })
}

#[tokio::test]
async fn many_pods_share_the_namespace_lists_and_get_the_same_findings() {
    const PODS: usize = 20;
    let ns = TestNs::new("many").await;
    // Names of this run only, so that no other test's Service can change the findings midway.
    let suffix = ns.name.rsplit('-').next().unwrap_or("x").to_string();
    let ledger = format!("ledger-{suffix}");
    // Far enough from `ledger` never to be taken for a typo of it (whether explain lists the
    // namespace's Services for near misses is then no matter).
    let orders = format!("orders-queue-{suffix}");
    ns.create::<k8s_openapi::api::core::v1::Service>(&format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {ledger}}}\nspec:\n  ports: [{{port: 5432, protocol: TCP}}]\n"
    ))
    .await;
    for i in 0..PODS {
        // Three kinds of waits: a Service without endpoints, a missing one, a wrong port.
        let script = match i % 3 {
            0 => format!("until nslookup {ledger}; do echo waiting; sleep 2; done"),
            1 => format!("until nslookup {orders}; do echo waiting; sleep 2; done"),
            _ => format!("until nc -z {ledger} 6543; do sleep 1; done"),
        };
        ns.pod(&format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: worker-{i}, labels: {{app: worker}}}}
spec:
  containers: [{{name: app, image: busybox:1.36}}]
  initContainers:
  - name: wait
    image: busybox:1.36
    command: ['sh', '-c', '{script}']
"#
        ))
        .await;
        ns.set_initializing(&format!("worker-{i}"), &format!("10.244.9.{}", i + 1))
            .await;
    }
    for i in 0..3 {
        let pod = format!("worker-{i}");
        ns.event(
            &pod,
            "Normal",
            "Started",
            "Started container wait",
            "kubelet",
            1,
        )
        .await;
        ns.write_log(&pod, "wait", "waiting\nwaiting\n", false);
    }

    let mark = common::audit_mark();
    let run = initdoctor(&["explain", "-n", &ns.name, "-o", "json"]);
    run.assert_code(0);
    let counts = request_counts_since(mark, &ns.name);
    let all = run.json()["pods"].as_array().cloned().expect("pods");
    assert_eq!(all.len(), PODS, "{counts:?}");

    // Each lookup once for all the pods, not once a pod: the events of the namespace; the
    // Service names once (orders is missing: near misses); the pod list of the selection and
    // the two label lookups a manifest for orders would select; EndpointSlices only by the
    // Services' names, across namespaces (none namespace-wide). A log tail per pod.
    for (list, most) in [
        ("list events", 1),
        ("list services", 1),
        ("list endpointslices", 0),
        ("list pods", 3),
    ] {
        let made = counts.get(list).copied().unwrap_or(0);
        assert!(
            (most.min(1)..=most).contains(&made),
            "{list}: {made} requests: {counts:#?}"
        );
    }
    assert_eq!(counts.get("get pods/log"), Some(&PODS), "{counts:#?}");
    assert!(
        counts
            .keys()
            .all(|k| k.starts_with("list ") || k.starts_with("get ")),
        "reads only: {counts:#?}"
    );

    // Each pod's own diagnosis: STATUS, the blocker, and the finding its kind of wait has (its
    // code, target and container), exactly.
    for i in 0..PODS {
        let name = format!("worker-{i}");
        let pod = all
            .iter()
            .find(|p| p["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} is in the batch"));
        assert_eq!(pod["status"], "Init:0/1", "{name}: {pod:#}");
        assert_eq!(
            pod["blocking"],
            json!({"name": "wait", "index": 0}),
            "{name}: {pod:#}"
        );
        // busybox 1.36's nslookup of a short name: the quirk, whether the Service exists or not.
        let (code, target, all_codes): (&str, &str, &[&str]) = match i % 3 {
            0 => (
                "BusyboxNslookupQuirk",
                ledger.as_str(),
                &["BusyboxNslookupQuirk"],
            ),
            1 => (
                "ServiceNotFound",
                orders.as_str(),
                &["BusyboxNslookupQuirk", "ServiceNotFound"],
            ),
            _ => (
                "ServicePortMismatch",
                ledger.as_str(),
                &["ServicePortMismatch"],
            ),
        };
        let mut about: Vec<&str> = pod["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["target"] == target)
            .map(|f| f["code"].as_str().unwrap_or_default())
            .collect();
        about.sort_unstable();
        assert_eq!(about, all_codes, "{name}: about {target}: {pod:#}");
        let f = common::finding_about(pod, code, target);
        assert_eq!(f["severity"], "error", "{name}: {f:#}");
        assert_eq!(f["container"], "wait", "{name}: {f:#}");
    }

    // Each pod's findings and events are those of explaining it alone.
    for pod in &all {
        let name = pod["name"].as_str().expect("name");
        let alone = explain_json(&ns, name, &[]);
        assert_eq!(
            stable_part(pod),
            stable_part(&alone),
            "{name}: explained with the others vs alone"
        );
        assert!(
            !pod["findings"].as_array().expect("findings").is_empty(),
            "{name}: {pod:#}"
        );
    }
    let first = all
        .iter()
        .find(|p| p["name"] == "worker-0")
        .expect("worker-0");
    assert_eq!(first["events"][0]["reason"], "Started", "{first:#}");
}

// ---- The scenarios of one shape, as data: one pod, the status a kubelet writes, the events and
// logs it would emit, then what `explain` says. `{ns}` in any text is the test's namespace. ----

/// An event about the pod (`field_path: None`) or one of its containers (from the kubelet).
struct Ev {
    field_path: Option<&'static str>,
    type_: &'static str,
    reason: &'static str,
    message: &'static str,
    source: &'static str,
    count: i32,
    /// Recorded a second after the one before (event times have whole seconds).
    later: bool,
}

/// How a message is checked: whole, by a part, or by its start.
enum Text {
    Is(&'static str),
    Has(&'static str),
    Starts(&'static str),
}

impl Text {
    fn check(&self, case: &str, what: &str, got: &str, ns: &str) {
        let ok = match self {
            Text::Is(t) => got == subst(t, ns),
            Text::Has(t) => got.contains(&subst(t, ns)),
            Text::Starts(t) => got.starts_with(&subst(t, ns)),
        };
        assert!(ok, "{case}: {what} {got:?}");
    }
}

/// One scenario of the table.
struct Scenario {
    /// The namespace's prefix (one namespace per scenario).
    ns: &'static str,
    /// ConfigMaps that exist before the pod.
    config_maps: &'static [&'static str],
    pod: String,
    name: &'static str,
    /// `status` of the pod as the kubelet (or scheduler) writes it.
    status: Value,
    events: &'static [Ev],
    /// Container logs: (container, text, previous instance).
    logs: &'static [(&'static str, &'static str, bool)],
    // What explain says.
    /// The STATUS column (also checked against `kubectl get pod`).
    status_column: &'static str,
    /// Other fields of the pod's JSON object, by JSON pointer.
    fields: Vec<(&'static str, Value)>,
    /// The finding, its severity and container.
    code: &'static str,
    severity: &'static str,
    container: &'static str,
    message: Text,
    /// Lines its evidence has (a part of a line each), and does not have.
    evidence: &'static [&'static str],
    not_evidence: &'static [&'static str],
    hint: Text,
    /// Codes that must not be found; or, when `only` is set, exactly the codes found.
    absent: &'static [&'static str],
    only: Option<&'static [&'static str]>,
    /// Another finding's evidence line: (code, part of a line).
    other_evidence: Option<(&'static str, &'static str)>,
    /// What the table shows besides the finding's line.
    table: &'static [&'static str],
    /// `explain ARGS… -n {ns} --exit-code` (`{pod}` is the pod): the exit code, and the first
    /// pod listed.
    exit_code: Option<(&'static [&'static str], i32)>,
    /// What else is checked, given the pod's JSON object, the table and the namespace.
    also: Option<fn(&Value, &str, &str)>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            ns: "",
            config_maps: &[],
            pod: String::new(),
            name: "",
            status: Value::Null,
            events: &[],
            logs: &[],
            status_column: "",
            fields: Vec::new(),
            code: "",
            severity: "error",
            container: "",
            message: Text::Has(""),
            evidence: &[],
            not_evidence: &[],
            hint: Text::Has(""),
            absent: &[],
            only: None,
            other_evidence: None,
            table: &[],
            exit_code: None,
            also: None,
        }
    }
}

fn subst(text: &str, ns: &str) -> String {
    text.replace("{ns}", ns)
}

/// `{ns}` replaced in every string of a JSON value.
fn subst_json(value: &Value, ns: &str) -> Value {
    match value {
        Value::String(s) => Value::String(subst(s, ns)),
        Value::Array(a) => Value::Array(a.iter().map(|v| subst_json(v, ns)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), subst_json(v, ns)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Build the scenario on the control plane, run explain, check everything it lists.
async fn run_scenario(s: Scenario) {
    let case = s.ns;
    let ns = TestNs::new(s.ns).await;
    for cm in s.config_maps {
        ns.create::<k8s_openapi::api::core::v1::ConfigMap>(cm).await;
    }
    ns.pod(&s.pod).await;
    ns.set_status(s.name, subst_json(&s.status, &ns.name)).await;
    for e in s.events {
        if e.later {
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        let message = subst(e.message, &ns.name);
        match e.field_path {
            Some(path) => {
                ns.container_event(s.name, path, e.type_, e.reason, &message, e.count)
                    .await;
            }
            None => {
                ns.event(s.name, e.type_, e.reason, &message, e.source, e.count)
                    .await;
            }
        }
    }
    for (container, text, previous) in s.logs {
        ns.write_log(s.name, container, text, *previous);
    }

    let pod = explain_json(&ns, s.name, &[]);
    assert_eq!(pod["status"], s.status_column, "{case}");
    for (pointer, want) in &s.fields {
        assert_eq!(
            pod.pointer(pointer).unwrap_or(&Value::Null),
            want,
            "{case}: {pointer}"
        );
    }
    let f = finding(&pod, s.code);
    assert_eq!(f["severity"], s.severity, "{case}");
    assert_eq!(f["container"], s.container, "{case}");
    s.message.check(
        case,
        "message",
        f["message"].as_str().unwrap_or_default(),
        &ns.name,
    );
    let ev = evidence(f);
    for line in s.evidence {
        assert!(has_line(&ev, &subst(line, &ns.name)), "{case}: {ev:#?}");
    }
    for line in s.not_evidence {
        assert!(!has_line(&ev, line), "{case}: {ev:#?}");
    }
    s.hint.check(
        case,
        "hint",
        f["hint"].as_str().unwrap_or_default(),
        &ns.name,
    );
    for code in s.absent {
        assert!(!codes(&pod).contains(&code.to_string()), "{case}: {code}");
    }
    if let Some(only) = s.only {
        assert_eq!(codes(&pod), only, "{case}");
    }
    if let Some((code, line)) = s.other_evidence {
        let ev = evidence(finding(&pod, code));
        assert!(has_line(&ev, line), "{case}: {ev:#?}");
    }

    let table = explain_table(&ns, s.name);
    assert_table_line(&table, s.severity, s.code, Some(s.container));
    for part in s.table {
        assert!(table.contains(&subst(part, &ns.name)), "{case}: {table}");
    }
    if let Some(also) = s.also {
        also(&pod, &table, &ns.name);
    }
    if let Some((args, code)) = s.exit_code {
        let mut argv: Vec<&str> = vec!["explain"];
        argv.extend(args.iter().map(|a| if *a == "{pod}" { s.name } else { a }));
        argv.extend(["-n", &ns.name, "-o", "json", "--exit-code"]);
        let run = initdoctor(&argv);
        assert_eq!(run.code, code, "{case}: stderr: {}", run.stderr);
        assert_eq!(run.json()["pods"][0]["name"], s.name, "{case}");
    }
}

/// A pod `{name}` with `activeDeadlineSeconds: {seconds}`, its init container waiting on a name.
const DEADLINE_POD: &str = r"
apiVersion: v1
kind: Pod
metadata: {name: {name}}
spec:
  activeDeadlineSeconds: {seconds}
  containers: [{name: app, image: busybox:1.28}]
  initContainers:
  - {name: init-myservice, image: busybox:1.28, command: ['sh', '-c', 'until nslookup myservice; do sleep 2; done']}
";

/// The scenarios of the table, one finding code each.
fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            ns: "deadline",
            pod: DEADLINE_POD
                .replace("{name}", "late")
                .replace("{seconds}", "60"),
            name: "late",
            status: json!({"phase": "Failed", "reason": "DeadlineExceeded",
               "message": "Pod was active on the node longer than the specified deadline",
               "startTime": "2026-01-01T00:00:00Z",
               "initContainerStatuses": [state::terminated("init-myservice", "busybox:1.28", 137, "Error", 0)],
               "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]}),
            events: &[Ev {
                field_path: None,
                type_: "Normal",
                reason: "DeadlineExceeded",
                message: "Pod was active on the node longer than the specified deadline",
                source: "kubelet",
                count: 1,
                later: false,
            }],
            status_column: "Init:Error",
            fields: vec![
                ("/activeDeadlineSeconds", json!(60)),
                ("/deadlineRemainingSeconds", json!(0)),
            ],
            code: "DeadlineExceeded",
            container: "init-myservice",
            message: Text::Has("activeDeadlineSeconds (60s)"),
            evidence: &[
                "pod status: Pod was active on the node longer than the specified deadline",
                "init container \"init-myservice\" (1/1) had not finished",
            ],
            ..Default::default()
        },
        // A pod still initializing under a deadline: the time left.
        Scenario {
            ns: "deadline-left",
            pod: DEADLINE_POD
                .replace("{name}", "on-time")
                .replace("{seconds}", "3600"),
            name: "on-time",
            status: {
                let started =
                    (jiff::Timestamp::now() - jiff::SignedDuration::from_secs(600)).to_string();
                json!({"phase": "Pending", "startTime": started,
                   "conditions": state::initializing_conditions(),
                   "initContainerStatuses": [state::running("init-myservice", "busybox:1.28", &started)],
                   "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]})
            },
            status_column: "Init:0/1",
            code: "DeadlineApproaching",
            // Most of the deadline is left.
            severity: "info",
            container: "init-myservice",
            message: Text::Has("left of activeDeadlineSeconds (3600s)"),
            also: Some(|pod, table, _| {
                let left = pod["deadlineRemainingSeconds"]
                    .as_i64()
                    .expect("remaining seconds");
                assert!((2900..=3000).contains(&left), "{left}");
                assert!(
                    table.contains("deadline 49m left") || table.contains("deadline 50m left"),
                    "{table}"
                );
            }),
            ..Default::default()
        },
        Scenario {
            ns: "crash",
            pod: seed_pod(GOOD_SCRIPT),
            name: "myapp-pod",
            status: json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                "initContainerStatuses": [completed("init-myservice"), {
                    "name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false,
                    "restartCount": 4, "started": false,
                    "state": {"waiting": {"reason": "CrashLoopBackOff",
                        "message": "back-off 1m20s restarting failed container=init-mydb pod=myapp-pod"}},
                    "lastState": {"terminated": {"exitCode": 127, "reason": "Error",
                        "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"}}}],
                "containerStatuses": [app_waiting()]}),
            events: &[
                Ev {
                    field_path: None,
                    type_: "Normal",
                    reason: "Scheduled",
                    message: "Successfully assigned to fake-node",
                    source: "default-scheduler",
                    count: 1,
                    later: false,
                },
                Ev {
                    field_path: Some("spec.initContainers{init-mydb}"),
                    type_: "Warning",
                    reason: "BackOff",
                    message: "Back-off restarting failed container init-mydb in pod myapp-pod",
                    source: "kubelet",
                    count: 3,
                    later: true,
                },
                Ev {
                    field_path: Some("spec.initContainers{init-mydb}"),
                    type_: "Warning",
                    reason: "BackOff",
                    message: "Back-off restarting failed container init-mydb in pod myapp-pod",
                    source: "kubelet",
                    count: 2,
                    later: false,
                },
            ],
            logs: &[
                ("init-mydb", "sh: nslookupp: not found\n", false),
                ("init-mydb", "starting\nsh: nslookupp: not found\n", true),
            ],
            status_column: "Init:CrashLoopBackOff",
            fields: vec![
                ("/blocking", json!({"name": "init-mydb", "index": 1})),
                // Events: deduplicated with counts, newest last, attributed to the container.
                ("/events/0/reason", json!("Scheduled")),
                ("/events/1/reason", json!("BackOff")),
                ("/events/1/count", json!(5)),
                ("/events/1/type", json!("Warning")),
                ("/events/1/container", json!("init-mydb")),
                ("/events/1/source", json!("kubelet")),
                ("/events/2", Value::Null),
            ],
            code: "CrashLoop",
            container: "init-mydb",
            message: Text::Has("exits 127"),
            evidence: &[
                "exit code 127: command not found",
                "log says: sh: nslookupp: not found",
                "log of the previous instance",
                // The previous instance's log, not the current.
                "| starting",
                "BackOff (x5, kubelet)",
            ],
            absent: &["ExitedNonZero"],
            table: &[
                "Waiting: CrashLoopBackOff (last exit 127)",
                "BackOff",
                "(x5 over",
                "Next:",
                "kubectl initdoctor logs myapp-pod",
            ],
            also: Some(|pod, table, ns| {
                assert!(pod["events"][0]["lastSeen"].is_string(), "{pod:#}");
                let next = &pod["nextCommands"];
                let logs = format!("kubectl initdoctor logs myapp-pod -n {ns}");
                assert!(
                    next.as_array().unwrap().iter().any(|c| c == logs.as_str()),
                    "{next:#}"
                );
                let scheduled = table.find("Scheduled").expect("Scheduled event");
                let backoff = table.rfind("BackOff").expect("BackOff event");
                assert!(scheduled < backoff, "newest last:\n{table}");
            }),
            ..Default::default()
        },
        Scenario {
            ns: "exit",
            pod: seed_pod(GOOD_SCRIPT),
            name: "myapp-pod",
            status: json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                "initContainerStatuses": [completed("init-myservice"),
                    state::terminated("init-mydb", "busybox:1.28", 2, "Error", 0)],
                "containerStatuses": [app_waiting()]}),
            logs: &[(
                "init-mydb",
                "waiting for mydb\nsh: 1: Syntax error: end of file unexpected (expecting \"done\")\n",
                false,
            )],
            status_column: "Init:Error",
            code: "ExitedNonZero",
            container: "init-mydb",
            message: Text::Is("exited with code 2 (Error)"),
            evidence: &[
                "exit code 2: a shell usage or syntax error",
                "log says: sh: 1: Syntax error: end of file unexpected (expecting \"done\")",
            ],
            table: &["Terminated: Error, exit code 2"],
            ..Scenario::default()
        },
        Scenario {
            ns: "oom",
            pod: r#"
apiVersion: v1
kind: Pod
metadata: {name: migrate-pod}
spec:
  containers: [{name: app, image: busybox:1.28}]
  initContainers:
  - name: migrate
    image: busybox:1.28
    command: ['sh', '-c', './migrate --all']
    resources: {limits: {memory: 64Mi}, requests: {memory: 32Mi}}
"#
            .into(),
            name: "migrate-pod",
            status: {
                let mut migrate = state::terminated("migrate", "busybox:1.28", 137, "OOMKilled", 1);
                migrate["lastState"] =
                    json!({"terminated": {"exitCode": 137, "reason": "OOMKilled"}});
                json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                    "initContainerStatuses": [migrate],
                    "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]})
            },
            status_column: "Init:OOMKilled",
            code: "OOMKilled",
            container: "migrate",
            message: Text::Is(
                "init container migrate was killed for using more memory than its limit of 64Mi (OOMKilled)",
            ),
            evidence: &[
                "resources.limits.memory 64Mi, resources.requests.memory 32Mi",
                "exit code 137: SIGKILL",
            ],
            hint: Text::Has("spec.initContainers[0].resources.limits.memory"),
            // OOM is said once.
            absent: &["ExitedNonZero"],
            ..Scenario::default()
        },
        Scenario {
            ns: "cfg",
            config_maps: &[
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {DB_PORT: '5432'}\n",
            ],
            pod: r#"
apiVersion: v1
kind: Pod
metadata: {name: cfg-pod}
spec:
  containers: [{name: app, image: busybox:1.28}]
  initContainers:
  - name: init-mydb
    image: busybox:1.28
    command: ['sh', '-c', 'until nc -z $DB_HOST 5432; do sleep 2; done']
    env:
    - name: DB_HOST
      valueFrom: {configMapKeyRef: {name: app-config, key: DB_HOST}}
"#
            .into(),
            name: "cfg-pod",
            status: json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                "initContainerStatuses": [state::waiting("init-mydb", "busybox:1.28",
                    "CreateContainerConfigError", "couldn't find key DB_HOST in ConfigMap {ns}/app-config", 0)],
                "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]}),
            events: &[Ev {
                field_path: Some("spec.initContainers{init-mydb}"),
                type_: "Warning",
                reason: "Failed",
                message: "Error: couldn't find key DB_HOST in ConfigMap {ns}/app-config",
                source: "kubelet",
                count: 4,
                later: false,
            }],
            status_column: "Init:CreateContainerConfigError",
            code: "ConfigMissing",
            container: "init-mydb",
            message: Text::Is(
                "init container init-mydb cannot be created: key \"DB_HOST\" of ConfigMap \"app-config\" does not exist in namespace {ns}",
            ),
            evidence: &[
                "env DB_HOST comes from ConfigMap \"app-config\" key \"DB_HOST\"",
                "Failed (x4, kubelet): Error: couldn't find key DB_HOST",
            ],
            hint: Text::Has("kubectl edit configmap app-config -n {ns}"),
            ..Scenario::default()
        },
        Scenario {
            ns: "mount",
            pod: r#"
apiVersion: v1
kind: Pod
metadata: {name: redis}
spec:
  volumes: [{name: config, configMap: {name: redis-cofig}}]
  containers: [{name: redis, image: redis:7, volumeMounts: [{name: config, mountPath: /etc/redis}]}]
  initContainers:
  - name: init-config
    image: busybox:1.28
    command: ['sh', '-c', 'cp /etc/redis/redis.conf /data/']
    volumeMounts: [{name: config, mountPath: /etc/redis}]
"#
            .into(),
            name: "redis",
            status: json!({"phase": "Pending",
                "conditions": [
                    {"type": "PodReadyToStartContainers", "status": "False"},
                    {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized"},
                    {"type": "PodScheduled", "status": "True"}],
                "initContainerStatuses": [state::waiting("init-config", "busybox:1.28", "PodInitializing", "", 0)],
                "containerStatuses": [state::waiting("redis", "redis:7", "PodInitializing", "", 0)]}),
            events: &[Ev {
                field_path: None,
                type_: "Warning",
                reason: "FailedMount",
                message: "MountVolume.SetUp failed for volume \"config\" : configmap \"redis-cofig\" not found",
                source: "kubelet",
                count: 15,
                later: false,
            }],
            status_column: "Init:0/1",
            code: "VolumeMountFailed",
            container: "init-config",
            message: Text::Is(
                "volume \"config\" cannot be mounted: ConfigMap \"redis-cofig\" does not exist, so no container can start",
            ),
            evidence: &[
                "volume \"config\" is ConfigMap \"redis-cofig\"",
                "FailedMount (x15, kubelet)",
            ],
            hint: Text::Has("kubectl create configmap redis-cofig -n {ns}"),
            ..Scenario::default()
        },
        Scenario {
            ns: "sched",
            pod: r#"
apiVersion: v1
kind: Pod
metadata: {name: big-init}
spec:
  nodeName: ""
  containers:
  - {name: app, image: busybox:1.28, resources: {requests: {memory: 256Mi, cpu: 250m}}}
  - {name: metrics, image: busybox:1.28, resources: {requests: {memory: 128Mi, cpu: 250m}}}
  initContainers:
  - {name: wait-db, image: busybox:1.28, resources: {requests: {memory: 16Mi}}}
  - {name: warm-cache, image: busybox:1.28, resources: {requests: {memory: 64Gi, cpu: 100m}}}
"#
            .into(),
            name: "big-init",
            status: json!({"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": UNSCHEDULABLE}]}),
            events: &[Ev {
                field_path: None,
                type_: "Warning",
                reason: "FailedScheduling",
                message: UNSCHEDULABLE,
                source: "default-scheduler",
                count: 7,
                later: false,
            }],
            status_column: "Pending",
            fields: vec![("/node", Value::Null)],
            code: "Unschedulable",
            container: "warm-cache",
            message: Text::Has("1 Insufficient memory"),
            evidence: &[
                "memory: init container \"warm-cache\" requests 64Gi; the app containers request 384Mi in total; the pod's effective memory request is therefore 64Gi",
                "FailedScheduling (x7, default-scheduler)",
            ],
            // cpu is set by the app containers.
            not_evidence: &["cpu:"],
            hint: Text::Has("spec.initContainers[1].resources.requests.memory (now 64Gi)"),
            table: &["node <none>"],
            ..Scenario::default()
        },
        Scenario {
            ns: "never",
            pod: r#"
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers: [{name: app, image: busybox:1.28}]
  initContainers:
  - {name: check-schema, image: busybox:1.28, command: ['sh', '-c', 'exit 1']}
"#
            .into(),
            name: "once",
            status: json!({"phase": "Failed",
                "conditions": [{"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized"},
                               {"type": "PodScheduled", "status": "True"}],
                "initContainerStatuses": [state::terminated("check-schema", "busybox:1.28", 1, "Error", 0)],
                "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]}),
            logs: &[(
                "check-schema",
                "schema version 12 is older than 14\n",
                false,
            )],
            status_column: "Init:Error",
            fields: vec![("/phase", json!("Failed"))],
            code: "RestartNeverFailed",
            container: "check-schema",
            message: Text::Has("restartPolicy is Never"),
            hint: Text::Has("kubectl delete pod once -n {ns}"),
            other_evidence: Some(("ExitedNonZero", "| schema version 12 is older than 14")),
            // A pod that failed in initialization is listed without names, and counts as blocked.
            exit_code: Some((&[], 3)),
            ..Scenario::default()
        },
        Scenario {
            ns: "sidecar",
            pod: r#"
apiVersion: v1
kind: Pod
metadata: {name: meshed}
spec:
  containers: [{name: app, image: busybox:1.28}]
  initContainers:
  - name: proxy
    image: envoyproxy/envoy:v1.30.1
    restartPolicy: Always
    startupProbe: {httpGet: {path: /ready, port: 15021}, periodSeconds: 5, failureThreshold: 60}
  - {name: migrate, image: busybox:1.28, command: ['sh', '-c', './migrate']}
"#
            .into(),
            name: "meshed",
            status: {
                let mut proxy =
                    state::running("proxy", "envoyproxy/envoy:v1.30.1", "2026-01-01T00:00:00Z");
                proxy["started"] = json!(false);
                json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                    "initContainerStatuses": [proxy, state::waiting("migrate", "busybox:1.28", "PodInitializing", "", 0)],
                    "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]})
            },
            events: &[Ev {
                field_path: Some("spec.initContainers{proxy}"),
                type_: "Warning",
                reason: "Unhealthy",
                message: "Startup probe failed: Get \"http://10.0.0.5:15021/ready\": dial tcp 10.0.0.5:15021: connect: connection refused",
                source: "kubelet",
                count: 14,
                later: false,
            }],
            status_column: "Init:0/2",
            fields: vec![
                ("/blocking", json!({"name": "proxy", "index": 0})),
                ("/initContainers/0/sidecar", json!(true)),
            ],
            code: "SidecarNotStarted",
            container: "proxy",
            message: Text::Has("so init container \"migrate\" cannot start"),
            evidence: &[
                "startupProbe: httpGet :15021/ready, every 5s, gives up after 60 failures",
                "Unhealthy (x14, kubelet): Startup probe failed",
            ],
            table: &[
                "sidecar",
                "(not started)",
                "kubectl initdoctor debug meshed -n {ns} --target proxy",
            ],
            ..Scenario::default()
        },
        Scenario {
            ns: "appstart",
            pod: seed_pod(GOOD_SCRIPT),
            name: "myapp-pod",
            status: json!({"phase": "Pending",
                "conditions": [{"type": "Initialized", "status": "True"},
                               {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
                               {"type": "PodScheduled", "status": "True"}],
                "initContainerStatuses": [completed("init-myservice"), completed("init-mydb")],
                "containerStatuses": [app_waiting()]}),
            events: &[Ev {
                field_path: Some("spec.containers{myapp-container}"),
                type_: "Normal",
                reason: "Pulling",
                message: "Pulling image \"busybox:1.28\"",
                source: "kubelet",
                count: 1,
                later: false,
            }],
            status_column: "PodInitializing",
            fields: vec![("/initialized", json!(true)), ("/blocking", Value::Null)],
            code: "AppContainersStarting",
            severity: "info",
            container: "myapp-container",
            message: Text::Has("myapp-container (PodInitializing"),
            evidence: &["Pulling (kubelet): Pulling image \"busybox:1.28\""],
            only: Some(&["AppContainersStarting"]),
            table: &["Initialization is complete."],
            // Initialized but not Ready yet: --exit-code says 3, with --init-only 0.
            exit_code: Some((&["{pod}", "--init-only"], 0)),
            ..Scenario::default()
        },
        Scenario {
            ns: "spec",
            pod: seed_pod(DONEL_SCRIPT),
            name: "myapp-pod",
            status: init_myservice_running(),
            status_column: "Init:0/2",
            fields: vec![("/blocking/name", json!("init-myservice"))],
            code: "InvalidInitSpec",
            container: "init-mydb",
            message: Text::Has("`donel` looks like a typo of `done`"),
            hint: Text::Starts("replace `donel` with `done` in spec.initContainers[1].command"),
            ..Scenario::default()
        },
    ]
}

const UNSCHEDULABLE: &str = "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";

const DONEL_SCRIPT: &str = "until nslookup mydb; do echo waiting for mydb; sleep 2; donel";

/// The seed pod's first init container running, the second waiting to start.
fn init_myservice_running() -> Value {
    json!({"phase": "Pending", "conditions": state::initializing_conditions(),
        "initContainerStatuses": [
            state::running("init-myservice", "busybox:1.28", "2026-01-01T00:00:00Z"),
            state::waiting("init-mydb", "busybox:1.28", "PodInitializing", "", 0)],
        "containerStatuses": [app_waiting()]})
}

#[tokio::test]
async fn scenarios_of_one_shape() {
    for scenario in scenarios() {
        run_scenario(scenario).await;
    }
}

#[tokio::test]
async fn a_correct_script_has_no_invalid_init_spec() {
    // The `spec` scenario's pod with a correct script has no finding at all.
    let ok = TestNs::new("specok").await;
    ok.pod(&seed_pod(GOOD_SCRIPT)).await;
    ok.set_status("myapp-pod", init_myservice_running()).await;
    let pod = explain_json(&ok, "myapp-pod", &[]);
    assert!(
        !codes(&pod).contains(&"InvalidInitSpec".to_string()),
        "{:?}",
        codes(&pod)
    );
}
