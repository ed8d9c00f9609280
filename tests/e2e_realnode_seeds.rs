//! Seed stories on the real node: seed 001 (tutum/dnsutils, then busybox:1.35) and seed 002,
//! from blocked to Running with the real kubelet, CoreDNS and images; and what each image runs
//! under the names a pod uses. Ignored unless asked for (see `common::real_node`).

mod common;

use std::time::Duration;

use common::realnode::{
    self, app_status, completed, init_status, is_running, wait_init_running, wait_pod,
};
use common::{TestNs, codes_about, explain_one, initdoctor};
use k8s_openapi::api::core::v1::Service;

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
    // Service names of their own (another namespace may hold `mysvc` or `mydb`: explain would
    // then rightly say ServiceInOtherNamespace), each with its own suffix (with one shared,
    // explain takes one name for a typo of the other).
    let svc = format!("mysvc-{}", common::random_suffix());
    let db = format!("mydb-{}", common::random_suffix());
    ns.pod(&seed1_pod_waiting_on(node, "tutum/dnsutils", &svc, &db))
        .await;
    wait_init_running(&ns, "test-initc", "init-mysvc", LONG).await;

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
  - name: iptables
    image: localhost/initdoctor/iptables:v1
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'iptables --version; xtables-nft-multi iptables --version; echo "iptables exit $?"']
"#
        ),
    )
    .await;
    wait_pod(&ns, "tools", LONG, "both containers done", |p| {
        ["dnsutils", "busybox", "iptables"]
            .iter()
            .all(|c| app_status(p, c)["state"]["terminated"].is_object())
    })
    .await;
    let logs = |c: &str| common::kubectl(&["logs", "-n", &ns.name, "tools", "-c", c]).stdout;
    let cases: [(&str, &[&str], &[&str]); 3] = [
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
        (
            "iptables",
            &["(nf_tables)", "iptables exit 0"],
            &["BusyBox", "legacy", "not found"],
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
    wait_init_running(&ns, "myapp-pod", "init-myservice", LONG).await;
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
    wait_init_running(&ns, "test-initc", "init-mysvc", LONG).await;
    // Many lookups of a name that exists, each one failing.
    realnode::wait_log_lines(
        &ns,
        "test-initc",
        "init-mysvc",
        "waiting for bb-mysvc",
        4,
        LONG,
    )
    .await;
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
