//! End to end on the real control plane: the plugin is found by kubectl, reads live pods, and
//! fails with one actionable line on bad input.

mod common;

use common::{TestNs, initdoctor, kubectl_initdoctor, state};
use serde_json::json;

async fn seed_pod_waiting_on_first_init(ns: &TestNs) {
    ns.pod(&common::seed_pod(
        "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done",
        "until nslookup mydb.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for mydb; sleep 2; done",
    ))
    .await;
    ns.set_status(
        "myapp-pod",
        json!({
            "phase": "Pending",
            "conditions": state::initializing_conditions(),
            "initContainerStatuses": [
                state::running("init-myservice", "busybox:1.28", "2026-01-01T00:00:00Z"),
                state::waiting("init-mydb", "busybox:1.28", "PodInitializing", "", 0)
            ],
            "containerStatuses": [state::waiting("myapp-container", "busybox:1.28", "PodInitializing", "", 0)]
        }),
    )
    .await;
}

#[tokio::test]
async fn explain_through_kubectl_plugin_discovery() {
    let ns = TestNs::new("found").await;
    seed_pod_waiting_on_first_init(&ns).await;

    let run = kubectl_initdoctor(&["explain", "myapp-pod", "-n", &ns.name, "-o", "json"]);
    run.assert_code(0);
    let doc = run.json();
    let pod = &doc["pods"][0];
    assert_eq!(pod["name"], "myapp-pod");
    assert_eq!(pod["namespace"], ns.name.as_str());
    assert_eq!(pod["status"], "Init:0/2");
    assert_eq!(pod["phase"], "Pending");
    assert_eq!(
        pod["blocking"],
        json!({"name": "init-myservice", "index": 0})
    );
    let inits = pod["initContainers"].as_array().expect("initContainers");
    assert_eq!(inits.len(), 2);
    assert_eq!(inits[0]["name"], "init-myservice");
    assert_eq!(inits[0]["state"], "running");
    assert_eq!(inits[1]["name"], "init-mydb");
    assert_eq!(inits[1]["state"], "waiting");
    assert_eq!(inits[1]["reason"], "PodInitializing");

    // The same through the table, global flags after the subcommand.
    let run = kubectl_initdoctor(&["explain", "myapp-pod", "--namespace", &ns.name]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains(&format!("{}/myapp-pod  Init:0/2", ns.name)),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("init-myservice"));
    assert!(run.stdout.contains("<- blocking"));
    assert!(
        run.stdout
            .contains("Blocked at init container 1/2: init-myservice")
    );
    assert!(
        !run.stdout.contains('\u{1b}'),
        "NO_COLOR output has no escape codes"
    );
}

#[tokio::test]
async fn explain_without_names_lists_only_blocked_pods() {
    let ns = TestNs::new("sel").await;
    seed_pod_waiting_on_first_init(&ns).await;
    ns.pod("apiVersion: v1\nkind: Pod\nmetadata: {name: ready-pod}\nspec:\n  containers: [{name: app, image: nginx}]\n")
        .await;
    ns.set_status(
        "ready-pod",
        json!({"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
               "containerStatuses": [state::running("app", "nginx", "2026-01-01T00:00:00Z")]}),
    )
    .await;

    let run = initdoctor(&["-n", &ns.name, "explain", "-o", "json", "--exit-code"]);
    assert_eq!(
        run.code, 3,
        "a blocked pod gives exit code 3; stderr: {}",
        run.stderr
    );
    let names: Vec<String> = run.json()["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["myapp-pod"]);

    let run = initdoctor(&[
        "-n",
        &ns.name,
        "explain",
        "ready-pod",
        "--exit-code",
        "-o",
        "json",
    ]);
    assert_eq!(
        run.code, 0,
        "an initialized pod gives 0; stderr: {}",
        run.stderr
    );

    let run = initdoctor(&["explain", "-A", "-l", "app=myapp", "-o", "json"]);
    run.assert_code(0);
    assert!(
        run.json()["pods"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["namespace"] == ns.name.as_str()),
        "-A with a selector finds the pod"
    );
}

#[tokio::test]
async fn missing_pod_and_namespace_are_one_line_errors() {
    let ns = TestNs::new("nf").await;
    let run = initdoctor(&["explain", "nope", "-n", &ns.name]);
    assert_eq!(run.code, 4);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "error: pod \"nope\" not found in namespace \"{}\"",
            ns.name
        )),
        "{}",
        run.stderr
    );

    let run = initdoctor(&["explain", "nope", "-n", "no-such-namespace-here"]);
    assert_eq!(run.code, 4);
    assert!(
        run.stderr
            .starts_with("error: namespace \"no-such-namespace-here\" not found"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_context_and_missing_kubeconfig() {
    let run = initdoctor(&["explain", "--context", "nowhere"]);
    assert_eq!(run.code, 7);
    assert!(
        run.stderr
            .starts_with("error: context \"nowhere\" not found in kubeconfig"),
        "{}",
        run.stderr
    );

    let run = initdoctor(&["explain", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_eq!(run.code, 7);
    assert_eq!(run.stderr.lines().count(), 1);
    run.assert_stderr_has("does not exist");
}

#[test]
fn unreachable_server_fails_fast_in_one_line() {
    let dir = common::scratch("unreach");
    let kubeconfig = dir.path().join("config");
    // A closed port on loopback: refused at once.
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let run = initdoctor(&[
        "explain",
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--request-timeout",
        "5s",
    ]);
    run.assert_code(6);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot reach the cluster at https://127.0.0.1:9"),
        "{}",
        run.stderr
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "no hang"
    );
}

#[tokio::test]
async fn kubeconfig_list_and_the_contexts_namespace_are_honoured() {
    let ns = TestNs::new("kcfg").await;
    seed_pod_waiting_on_first_init(&ns).await;
    // A second kubeconfig file adds a context whose namespace is the test namespace; the list also
    // names a file that does not exist, which kubectl skips.
    let scratch = common::scratch("kcfg");
    let dir = scratch.path();
    let extra = dir.join("extra");
    std::fs::write(
        &extra,
        format!(
            "apiVersion: v1\nkind: Config\ncontexts:\n- name: in-test-ns\n  context: {{cluster: initdoctor, user: admin, namespace: {}}}\n",
            ns.name
        ),
    )
    .unwrap();
    let list = format!(
        "{}:{}:{}",
        dir.join("missing").display(),
        common::env().kubeconfig.display(),
        extra.display()
    );
    let run = common::initdoctor_with_env(
        &[
            "explain",
            "myapp-pod",
            "--context",
            "in-test-ns",
            "-o",
            "json",
        ],
        &[("KUBECONFIG", &list)],
    );
    run.assert_code(0);
    assert_eq!(run.json()["pods"][0]["namespace"], ns.name.as_str());

    // `-n` wins over the context's namespace.
    let run = common::initdoctor_with_env(
        &[
            "explain",
            "myapp-pod",
            "--context",
            "in-test-ns",
            "-n",
            "default",
        ],
        &[("KUBECONFIG", &list)],
    );
    run.assert_code(4);
}

#[test]
fn refused_credentials_are_one_clear_line() {
    // The real cluster and CA, with a token the API server does not know: 401.
    let text = std::fs::read_to_string(&common::env().kubeconfig).unwrap();
    let mut config: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    config["users"] = json!([{"name": "stranger", "user": {"token": "not-a-real-token"}}]);
    config["contexts"] =
        json!([{"name": "c", "context": {"cluster": "initdoctor", "user": "stranger"}}]);
    config["current-context"] = json!("c");
    let dir = common::scratch("401");
    let path = dir.path().join("config");
    std::fs::write(&path, serde_saphyr::to_string(&config).unwrap()).unwrap();

    // Over HTTP/2 the API server ends the connection after answering a request it could not
    // authenticate (GOAWAY, no error): the other requests on it are made again and get their own
    // 401, never "cannot reach the cluster" — run after run, whichever request is answered first.
    for _ in 0..20 {
        let run = initdoctor(&["explain", "--kubeconfig", path.to_str().unwrap()]);
        run.assert_code(5);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        run.assert_stderr_has("401 Unauthorized");
    }
}

/// The fake node finishes a graceful deletion as a kubelet does: the pod stays Terminating
/// (explain says so, as kubectl does) while its containers stop — on SIGTERM within about 2 s,
/// or at the end of the grace period when they ignore it — and then disappears, so namespaces
/// can be deleted.
#[tokio::test]
async fn the_fake_node_honours_the_grace_period_like_a_kubelet() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::DeleteParams;
    use std::time::{Duration, Instant};
    // (case, ignores SIGTERM, grace seconds, still there after, gone within)
    let cases = [
        (
            "stops on SIGTERM",
            false,
            30,
            Duration::ZERO,
            Duration::from_secs(10),
        ),
        (
            "ignores SIGTERM",
            true,
            6,
            Duration::from_secs(4),
            Duration::from_secs(15),
        ),
    ];
    for (case, ignores, grace, still, within) in cases {
        let ns = TestNs::new("del").await;
        seed_pod_waiting_on_first_init(&ns).await;
        if ignores {
            ns.api::<Pod>()
                .patch(
                    "myapp-pod",
                    &kube::api::PatchParams::default(),
                    &kube::api::Patch::Merge(json!({"metadata": {"annotations":
                        {"fakelet.initdoctor.dev/ignores-sigterm": "true"}}})),
                )
                .await
                .unwrap();
        }
        let asked = Instant::now();
        ns.api::<Pod>()
            .delete("myapp-pod", &DeleteParams::default().grace_period(grace))
            .await
            .unwrap();
        let run = initdoctor(&["explain", "myapp-pod", "-n", &ns.name, "-o", "json"]);
        assert_eq!(run.code, 0, "{case}: {}", run.stderr);
        assert_eq!(run.json()["pods"][0]["status"], "Terminating", "{case}");
        let mut gone_after = None;
        while asked.elapsed() < within {
            if ns
                .api::<Pod>()
                .get_opt("myapp-pod")
                .await
                .unwrap()
                .is_none()
            {
                gone_after = Some(asked.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let gone_after =
            gone_after.unwrap_or_else(|| panic!("{case}: the pod is still there after {within:?}"));
        assert!(
            gone_after >= still,
            "{case}: gone after {gone_after:?}, before its containers stopped ({still:?})"
        );
    }
}
