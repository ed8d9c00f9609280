//! Stories on the real node: the real kubelet, containerd, runc and CoreDNS run the containers,
//! and every status the tool reads was written by the kubelet. They are ignored unless asked for
//! (`make test` runs them when the node is up; see `common::real_node`).

mod common;

use common::codes_about;

use std::time::{Duration, Instant};

use common::realnode::{self, app_status, completed, init_status, is_running, wait_pod};
use common::{TestNs, explain_one, initdoctor};
use k8s_openapi::api::core::v1::Service;
use serde_json::Value;

const LONG: Duration = Duration::from_secs(90);

/// Seed 001's pod (Chinese notes), placed on the real node, waiting on Services `svc` and `db`.
fn seed1_pod_waiting_on(node: &str, image: &str, svc: &str, db: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: test-initc
  labels: {{app: myapp}}
spec:
{placement}  initContainers:
  - name: init-mysvc
    image: {image}
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'until nslookup {svc}; do echo "waiting for {svc}"; sleep 2; done']
  - name: init-mydb
    image: {image}
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'until nslookup {db}; do echo "waiting for {db}"; sleep 2; done']
  containers:
  - name: mypod
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'while true; do echo "myapp is running!"; sleep 3600; done']
"#,
        placement = realnode::placement(node)
    )
}

async fn create_service(ns: &TestNs, name: &str, target_port: u16) {
    ns.create::<Service>(&format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: {target_port}\n"
    ))
    .await;
}

/// Story 1: seed 001 with tutum/dnsutils (dash running bind's nslookup, as in the real image):
/// blocked on the missing Service; past it once it exists (bind's nslookup follows the search
/// path and exits 0), blocked on the second; Running once that exists too. explain says the
/// right thing at each step.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_seed1_dnsutils_blocked_then_past_each_service_then_running() {
    let node = common::real_node();
    let ns = TestNs::new("rn-seed1").await;
    // A first Service name of its own (a namespace another test is deleting may still hold
    // `mysvc`), not so like the second that explain would take one for a typo of the other.
    let (svc, db) = (
        format!("mysvc-{}", common::random_suffix()),
        "mydb".to_string(),
    );
    ns.pod(&seed1_pod_waiting_on(node, "tutum/dnsutils", &svc, &db))
        .await;
    wait_pod(&ns, "test-initc", LONG, "running init-mysvc", |p| {
        is_running(init_status(p, "init-mysvc"))
    })
    .await;

    let pod = explain_one(&ns, "test-initc", &[]);
    assert_eq!(pod["status"], "Init:0/2", "{pod:#}");
    assert_eq!(pod["blocking"]["name"], "init-mysvc");
    assert_eq!(codes_about(&pod, &svc), ["ServiceNotFound"], "{pod:#}");
    let run = initdoctor(&[
        "explain",
        "test-initc",
        "-n",
        &ns.name,
        "--exit-code",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 3, "blocked: {}", run.stderr);

    create_service(&ns, &svc, 9001).await;
    let p = wait_pod(
        &ns,
        "test-initc",
        LONG,
        "init-mysvc completed, init-mydb running",
        |p| completed(init_status(p, "init-mysvc")) && is_running(init_status(p, "init-mydb")),
    )
    .await;
    assert_eq!(init_status(&p, "init-mysvc")["restartCount"], 0);
    let logs = common::kubectl(&["logs", "-n", &ns.name, "test-initc", "-c", "init-mysvc"]);
    // bind's answer (`Address: <server>#53`, then the name found through the search path).
    let fqdn = format!("{svc}.{}.svc.cluster.local", ns.name);
    assert!(
        logs.stdout.contains("#53") && logs.stdout.contains(&format!("Name:\t{fqdn}")),
        "{}",
        logs.stdout
    );
    let pod = explain_one(&ns, "test-initc", &[]);
    assert_eq!(pod["status"], "Init:1/2", "{pod:#}");
    assert_eq!(pod["blocking"]["name"], "init-mydb");
    assert_eq!(codes_about(&pod, &db), ["ServiceNotFound"], "{pod:#}");

    create_service(&ns, &db, 9002).await;
    wait_pod(&ns, "test-initc", LONG, "mypod running", |p| {
        is_running(app_status(p, "mypod"))
    })
    .await;
    let run = initdoctor(&[
        "explain",
        "test-initc",
        "-n",
        &ns.name,
        "--exit-code",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "initialized: {}\n{}", run.stderr, run.stdout);
    let pod = &run.json()["pods"][0];
    assert_eq!(pod["initialized"], true, "{pod:#}");
    assert_eq!(pod["status"], "Running", "{pod:#}");
}

/// Each image runs, under the names a pod uses, the programs its name promises: `sh -c
/// 'nslookup …'` in tutum/dnsutils is dash running bind's nslookup (`#53` after the server, as
/// bind prints it), in busybox:1.35 busybox's own applet (`:53`); `dig` and `host` are bind's.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_each_image_runs_the_programs_its_name_promises() {
    let node = common::real_node();
    let ns = TestNs::new("rn-images").await;
    let name = "kubernetes.default.svc.cluster.local";
    common::realnode::pod_on(
        &ns,
        node,
        &format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: tools}}
spec:
  restartPolicy: Never
  containers:
  - name: dnsutils
    image: tutum/dnsutils
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'echo "sh is $(readlink /proc/$$/exe)"; nslookup {name}; echo "nslookup exit $?"; dig +short {name}; host {name}; nslookup -version']
  - name: busybox
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'echo "sh is $(readlink /proc/$$/exe)"; nslookup {name}; echo "nslookup exit $?"; busybox | head -n 1']
"#
        ),
    )
    .await;
    wait_pod(&ns, "tools", LONG, "both containers done", |p| {
        ["dnsutils", "busybox"]
            .iter()
            .all(|c| app_status(p, c)["state"]["terminated"].is_object())
    })
    .await;
    let logs = |c: &str| common::kubectl(&["logs", "-n", &ns.name, "tools", "-c", c]).stdout;
    let cases: [(&str, &[&str], &[&str]); 2] = [
        (
            "dnsutils",
            &[
                "sh is /usr/bin/dash",
                "Address:\t10.88.0.1#53",
                "Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1",
                "nslookup exit 0",
                "\n10.96.0.1\n",
                "kubernetes.default.svc.cluster.local has address 10.96.0.1",
                "nslookup 9.",
            ],
            &["BusyBox", "10.88.0.1:53"],
        ),
        (
            "busybox",
            &[
                "sh is /bin/busybox",
                "Address:\t10.88.0.1:53",
                "Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1",
                "nslookup exit 0",
                "BusyBox v1.35",
            ],
            &["#53"],
        ),
    ];
    for (container, has, lacks) in cases {
        let text = logs(container);
        for needle in has {
            assert!(
                text.contains(needle),
                "{container}: no {needle:?} in:\n{text}"
            );
        }
        for needle in lacks {
            assert!(
                !text.contains(needle),
                "{container}: {needle:?} in:\n{text}"
            );
        }
    }
}

/// Seed 002's pod (French docs) on busybox 1.35: fully qualified names built from the service
/// account's namespace file (Service names of its own, `rn-`: other test files create the seed's
/// `myservice`, and a namespace being deleted may still hold it). The real containers get past each Service as soon as it exists, and
/// `--exit-code` reaches 0 once the app runs.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_seed2_fully_qualified_names_get_past_each_service_as_it_appears() {
    let node = common::real_node();
    let ns = TestNs::new("rn-seed2").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: myapp-pod
  labels: {app: myapp}
spec:
  containers:
  - name: myapp-container
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'echo "The app is running!" && sleep 3600']
  initContainers:
  - name: init-myservice
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', "until nslookup rn-myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done"]
  - name: init-mydb
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', "until nslookup rn-mydb.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for mydb; sleep 2; done"]
"#,
    )
    .await;
    wait_pod(&ns, "myapp-pod", LONG, "running init-myservice", |p| {
        is_running(init_status(p, "init-myservice"))
    })
    .await;
    let pod = explain_one(&ns, "myapp-pod", &[]);
    assert_eq!(pod["status"], "Init:0/2", "{pod:#}");
    assert!(
        pod["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "ServiceNotFound" && f["resolved"]["name"] == "rn-myservice"),
        "{pod:#}"
    );

    create_service(&ns, "rn-myservice", 9376).await;
    let p = wait_pod(
        &ns,
        "myapp-pod",
        LONG,
        "init-myservice completed, init-mydb running",
        |p| completed(init_status(p, "init-myservice")) && is_running(init_status(p, "init-mydb")),
    )
    .await;
    assert_eq!(init_status(&p, "init-myservice")["restartCount"], 0);
    let pod = explain_one(&ns, "myapp-pod", &[]);
    assert_eq!(pod["status"], "Init:1/2", "{pod:#}");
    assert_eq!(pod["blocking"]["name"], "init-mydb");

    create_service(&ns, "rn-mydb", 9377).await;
    wait_pod(&ns, "myapp-pod", LONG, "app container running", |p| {
        is_running(app_status(p, "myapp-container"))
    })
    .await;
    let run = initdoctor(&[
        "explain",
        "myapp-pod",
        "-n",
        &ns.name,
        "--exit-code",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "initialized: {}\n{}", run.stderr, run.stdout);
    let pod = &run.json()["pods"][0];
    assert_eq!(pod["initialized"], true);
    assert_eq!(pod["status"], "Running");
}

/// Story 1b: the same pod with busybox:1.35 never gets past `nslookup mydb`, the Services there
/// all along: busybox's nslookup queries the short name as written (seen for real here).
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_seed1_busybox_nslookup_never_resolves_the_short_name() {
    let node = common::real_node();
    let ns = TestNs::new("rn-bbquirk").await;
    // Names of its own, so that the seed 001 story running beside it sees no Service `mysvc`.
    create_service(&ns, "bb-mysvc", 9001).await;
    create_service(&ns, "bb-mydb", 9002).await;
    ns.pod(&seed1_pod_waiting_on(
        node,
        "busybox:1.35",
        "bb-mysvc",
        "bb-mydb",
    ))
    .await;
    wait_pod(&ns, "test-initc", LONG, "running init-mysvc", |p| {
        is_running(init_status(p, "init-mysvc"))
    })
    .await;
    // Long enough for many lookups of a name that exists (each loop is ~2 s).
    tokio::time::sleep(Duration::from_secs(8)).await;
    let p = realnode::pod_json(&ns, "test-initc").await;
    assert!(
        is_running(init_status(&p, "init-mysvc")),
        "busybox's nslookup of a short name keeps failing: {:#}",
        p["status"]
    );
    let logs = common::kubectl(&["logs", "-n", &ns.name, "test-initc", "-c", "init-mysvc"]);
    assert!(
        logs.stdout.contains("waiting for bb-mysvc"),
        "{}",
        logs.stdout
    );

    let pod = explain_one(&ns, "test-initc", &[]);
    assert_eq!(pod["blocking"]["name"], "init-mysvc");
    assert_eq!(
        codes_about(&pod, "bb-mysvc"),
        ["BusyboxNslookupQuirk"],
        "{pod:#}"
    );
    let f = common::finding_about(&pod, "BusyboxNslookupQuirk", "bb-mysvc");
    assert!(
        f["hint"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("bb-mysvc.{}.svc.cluster.local", ns.name)),
        "{f:#}"
    );
}

/// Story 2: an init container that prints a line and exits 3: the kubelet's real back-off and
/// restarts, explain's CrashLoop with the previous instance's line.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_crash_looping_init_container_with_the_kubelets_backoff() {
    let node = common::real_node();
    let ns = TestNs::new("rn-crash").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  initContainers:
  - name: migrate
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'echo "migration failed: relation users does not exist"; exit 3']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    let p = wait_pod(
        &ns,
        "crasher",
        LONG,
        "CrashLoopBackOff after a restart",
        |p| {
            let s = init_status(p, "migrate");
            s["restartCount"].as_i64().unwrap_or(0) >= 1
                && s["state"]["waiting"]["reason"] == "CrashLoopBackOff"
        },
    )
    .await;
    let s = init_status(&p, "migrate");
    assert_eq!(s["lastState"]["terminated"]["exitCode"], 3, "{s:#}");
    assert_eq!(s["lastState"]["terminated"]["reason"], "Error", "{s:#}");

    let pod = explain_one(&ns, "crasher", &[]);
    // The real back-off is short (10 s, then 20 s): explain may find the restarted instance
    // running or just exited; it is the same crash loop (Init:CrashLoopBackOff, Init:Error or
    // Init:0/1 in kubectl's STATUS, all seen here).
    let status = pod["status"].as_str().unwrap_or("");
    assert!(
        ["Init:CrashLoopBackOff", "Init:Error", "Init:0/1"].contains(&status),
        "{pod:#}"
    );
    assert_eq!(pod["blocking"]["name"], "migrate");
    let f = common::finding(&pod, "CrashLoop");
    assert_eq!(f["container"], "migrate");
    assert!(f["message"].as_str().unwrap().contains("exits 3"), "{f:#}");
    assert!(
        common::evidence_has(f, "migration failed: relation users does not exist"),
        "the previous instance's log line: {f:#}"
    );
    let events = pod["events"].as_array().expect("events");
    assert!(
        events
            .iter()
            .any(|e| e["reason"] == "BackOff" && e["source"] == "kubelet"),
        "the kubelet's BackOff event: {events:#?}"
    );
}

/// Story 3: `debug --target` on a running init container: the ephemeral container shares the
/// target's process namespace, so its `ps` shows the target's shell loop.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_debug_target_shares_the_init_containers_processes() {
    let node = common::real_node();
    let ns = TestNs::new("rn-debug").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: waiter}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'until nc -z -w 1 orders-db 5432; do echo waiting for orders-db; sleep 2; done']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    wait_pod(&ns, "waiter", LONG, "running wait-db", |p| {
        is_running(init_status(p, "wait-db"))
    })
    .await;
    let run = initdoctor(&[
        "debug",
        "waiter",
        "-n",
        &ns.name,
        "--image",
        "busybox:1.35",
        "--attach=false",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let p = wait_pod(&ns, "waiter", LONG, "the debug container running", |p| {
        p["status"]["ephemeralContainerStatuses"]
            .as_array()
            .is_some_and(|all| all.iter().any(is_running))
    })
    .await;
    let eph = &p["spec"]["ephemeralContainers"][0];
    assert_eq!(eph["targetContainerName"], "wait-db", "{eph:#}");
    assert_eq!(eph["image"], "busybox:1.35", "{eph:#}");
    let name = eph["name"].as_str().expect("debug container name");
    let ps = common::kubectl(&["exec", "-n", &ns.name, "waiter", "-c", name, "--", "ps"]);
    ps.assert_code(0);
    assert!(
        ps.stdout.contains("until nc -z -w 1 orders-db 5432"),
        "the target's processes are visible from the debug container: {}",
        ps.stdout
    );
    // The target keeps running: debug changed nothing else.
    let p = realnode::pod_json(&ns, "waiter").await;
    assert!(is_running(init_status(&p, "wait-db")), "{:#}", p["status"]);
    assert_eq!(init_status(&p, "wait-db")["restartCount"], 0);
}

/// Story 4: `logs -f` on a pod whose first init container prints for a few seconds, then the
/// second: every line once, in order, as it comes, and the command ends with initialization.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_logs_follow_two_init_containers_in_order() {
    let node = common::real_node();
    let ns = TestNs::new("rn-logs").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: story}
spec:
  initContainers:
  - name: first
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo "first $i"; sleep 1; done']
  - name: second
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'for i in 1 2 3; do echo "second $i"; sleep 1; done']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    wait_pod(&ns, "story", LONG, "running first", |p| {
        is_running(init_status(p, "first"))
    })
    .await;
    let started = Instant::now();
    let mut child = common::spawn_initdoctor(&["logs", "story", "-n", &ns.name, "-f"]);
    let rx = common::lines_of(&mut child);
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok((at, line)) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        lines.push((at - started, line));
    }
    let status = child.wait().expect("logs exits");
    let text: Vec<&str> = lines
        .iter()
        .map(|(_, l)| l.as_str())
        .filter(|l| l.contains("first ") || l.contains("second "))
        .collect();
    let expected: Vec<String> = (1..=5)
        .map(|i| format!("first {i}"))
        .chain((1..=3).map(|i| format!("second {i}")))
        .collect();
    let got: Vec<String> = text
        .iter()
        .map(|l| {
            l.rsplit_once("first ")
                .map(|(_, n)| format!("first {n}"))
                .or_else(|| l.rsplit_once("second ").map(|(_, n)| format!("second {n}")))
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(got, expected, "every line once, in order: {lines:#?}");
    assert!(status.success(), "logs -f ends when initialization is done");
    // Streamed, not collected: "first 1" arrived well before the last line.
    let at = |needle: &str| {
        lines
            .iter()
            .find(|(_, l)| l.ends_with(needle))
            .map(|(t, _)| *t)
            .expect("line seen")
    };
    assert!(
        at("second 3") - at("first 1") >= Duration::from_secs(4),
        "lines arrive as they are written: {lines:#?}"
    );
}

/// Story 5: a Service with a real backing pod that becomes Ready: the chain Service →
/// EndpointSlice → Pods resolves from what the real endpointslice controller wrote.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_service_chain_from_a_real_backing_pod() {
    let node = common::real_node();
    let ns = TestNs::new("rn-chain").await;
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: backend\nspec:\n  selector: {app: backend}\n  ports:\n  - {protocol: TCP, port: 8080, targetPort: 8080}\n",
    )
    .await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: backend-0, labels: {app: backend}}
spec:
  containers:
  - name: server
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'sleep 2; touch /tmp/ready; exec httpd -f -p 8080']
    ports: [{containerPort: 8080}]
    readinessProbe:
      exec: {command: ['test', '-f', '/tmp/ready']}
      periodSeconds: 1
"#,
    )
    .await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  initContainers:
  - name: wait-backend
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'until wget -q -T 1 -O- http://backend:8080/; do echo waiting for backend; sleep 2; done']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    wait_pod(&ns, "client", LONG, "running wait-backend", |p| {
        is_running(init_status(p, "wait-backend"))
    })
    .await;
    let backend = wait_pod(&ns, "backend-0", LONG, "Ready backend", |p| {
        p["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
    })
    .await;
    let ip = backend["status"]["podIP"]
        .as_str()
        .expect("pod IP")
        .to_string();
    assert!(
        ip.starts_with("10.88."),
        "a pod address on the bridge: {ip}"
    );
    ns.await_endpoints("backend", 1, 1).await;

    let pod = explain_one(&ns, "client", &[]);
    let findings = pod["findings"].as_array().expect("findings");
    let about: Vec<&Value> = findings
        .iter()
        .filter(|f| f["target"].as_str().is_some_and(|t| t.contains("backend")))
        .collect();
    assert!(!about.is_empty(), "a finding about backend: {findings:#?}");
    let chain = about
        .iter()
        .flat_map(|f| f["evidence"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .find(|l| l.contains("chain: Service"))
        .unwrap_or_else(|| panic!("a chain line: {about:#?}"));
    assert!(
        chain.contains(&format!("Service {}/backend", ns.name)),
        "{chain}"
    );
    assert!(
        chain.contains("backend-0"),
        "the backing pod in the chain: {chain}"
    );
    assert!(
        !about
            .iter()
            .any(|f| f["code"] == "ServiceNoEndpoints" || f["code"] == "ServiceEndpointsNotReady"),
        "the endpoints are ready: {about:#?}"
    );
}

/// Every Kubernetes binary says its version (ldflags).
#[test]
fn binaries_report_v1_37_2() {
    let run = common::kubectl(&["version", "-o", "json"]);
    run.assert_code(0);
    let v = run.json();
    assert_eq!(v["clientVersion"]["gitVersion"], "v1.37.2", "{v:#}");
    assert_eq!(v["serverVersion"]["gitVersion"], "v1.37.2", "{v:#}");
}

/// The real node's kubelet and runtime say theirs.
#[test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
fn real_node_kubelet_and_runtime_versions() {
    let node = common::real_node();
    let run = common::kubectl(&[
        "get",
        "node",
        node,
        "-o",
        "jsonpath={.status.nodeInfo.kubeletVersion} {.status.nodeInfo.containerRuntimeVersion}",
    ]);
    // The CRI reports containerd's version without the leading "v" (seen on this node).
    assert_eq!(run.stdout, "v1.37.2 containerd://2.4.2", "{}", run.stderr);
}
