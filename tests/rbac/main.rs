//! The RBAC a user needs, proved on the control plane: the Roles in `tests/rbac/*.yaml` (the
//! ones the README shows) are applied to a test namespace and bound to a ServiceAccount; a
//! kubeconfig with that ServiceAccount's token (TokenRequest) then runs `explain`, `logs` and
//! `debug`. Every request the ServiceAccount makes is read back from the audit log: the only
//! refusals are of the calls listed as optional (cluster-wide lookups), which explain rides out.

#[path = "../common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};

use common::{Run, TestNs, env, initdoctor, initdoctor_with_stdin, kubectl, state};
use serde_json::{Value, json};

fn rbac_file(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rbac")
        .join(name)
        .display()
        .to_string()
}

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.36
    command: ['sh', '-c', 'until nslookup db; do echo waiting for db; sleep 2; done']
  - name: migrate
    image: busybox:1.36
  containers:
  - name: app
    image: nginx:1.27
"#;

fn ok(run: &Run, what: &str) {
    assert_eq!(
        run.code, 0,
        "{what}: stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
}

/// A ServiceAccount bound to `roles` in the namespace, and a kubeconfig holding its token.
fn service_account_kubeconfig(ns: &TestNs, account: &str, roles: &[&str]) -> PathBuf {
    ok(
        &kubectl(&["create", "serviceaccount", account, "-n", &ns.name]),
        "create serviceaccount",
    );
    for role in roles {
        ok(
            &kubectl(&[
                "create",
                "rolebinding",
                &format!("{account}-{role}"),
                "-n",
                &ns.name,
                &format!("--role={role}"),
                &format!("--serviceaccount={}:{account}", ns.name),
            ]),
            "create rolebinding",
        );
    }
    // TokenRequest (kubectl create token), short-lived.
    let token = kubectl(&["create", "token", account, "-n", &ns.name, "--duration=10m"]);
    ok(&token, "create token");
    let admin: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&env().kubeconfig).unwrap()).unwrap();
    let cluster = admin["clusters"][0]["cluster"].clone();
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "initdoctor", "cluster": cluster}],
        "users": [{"name": account, "user": {"token": token.stdout.trim()}}],
        "contexts": [{"name": account, "context": {"cluster": "initdoctor", "user": account, "namespace": ns.name}}],
        "current-context": account,
    });
    let file = std::env::temp_dir().join(format!(
        "initdoctor-rbac-{}-{account}.yaml",
        common::random_suffix()
    ));
    std::fs::write(&file, serde_yaml::to_string(&config).unwrap()).unwrap();
    file
}

/// `verb resource (code)` of each request `user` made since `mark` that was refused.
fn refused_since(mark: usize, user: &str) -> Vec<String> {
    std::thread::sleep(std::time::Duration::from_millis(500));
    let text = std::fs::read_to_string(&env().audit_log).unwrap_or_default();
    let mut refused: Vec<String> = text
        .lines()
        .skip(mark)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["user"]["username"] == user)
        .filter(|e| e["responseStatus"]["code"].as_i64().unwrap_or(0) == 403)
        .map(|e| {
            let o = &e["objectRef"];
            let resource = match o["subresource"].as_str() {
                Some(sub) => format!("{}/{sub}", o["resource"].as_str().unwrap_or("")),
                None => o["resource"].as_str().unwrap_or("").to_string(),
            };
            // A Namespace's objectRef names it as its namespace; it is cluster-scoped.
            let scope = match o["namespace"].as_str() {
                Some(_) if resource == "namespaces" => "(cluster)",
                Some(ns) => ns,
                None => "(cluster)",
            };
            let scope = if scope.starts_with("t-rbac") {
                "(own)"
            } else {
                scope
            };
            format!("{} {resource} {scope}", e["verb"].as_str().unwrap_or(""))
        })
        .collect();
    refused.sort();
    refused.dedup();
    refused
}

/// Calls explain may make that a namespaced Role does not grant, and that it rides out.
const OPTIONAL: &[&str] = &[
    // Services of that name in any namespace, EndpointSlices across namespaces.
    "list services (cluster)",
    "list endpointslices (cluster)",
    // The cluster DNS Service, for names that do not resolve.
    "get services kube-system",
    // The namespace's Pod Security labels (debug), or whether a missing pod's namespace exists.
    "get namespaces (cluster)",
];

async fn blocked_pod(ns: &TestNs) {
    ns.pod(POD).await;
    ns.set_status(
        "web",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [
                   state::running("wait-db", "busybox:1.36", "2026-01-01T00:00:00Z"),
                   state::waiting("migrate", "busybox:1.36", "PodInitializing", "", 0)],
               "containerStatuses": [state::waiting("app", "nginx:1.27", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.write_log("web", "wait-db", "waiting for db\nwaiting for db\n", false);
    ns.event(
        "web",
        "Normal",
        "Started",
        "Started container wait-db",
        "kubelet",
        1,
    )
    .await;
}

#[tokio::test]
async fn the_documented_roles_are_enough_for_each_subcommand() {
    let ns = TestNs::new("rbac").await;
    for file in ["initdoctor-reader.yaml", "initdoctor-debug.yaml"] {
        ok(
            &kubectl(&["apply", "-n", &ns.name, "-f", &rbac_file(file)]),
            "apply role",
        );
    }
    blocked_pod(&ns).await;
    let reader = service_account_kubeconfig(&ns, "reader", &["initdoctor-reader"]);
    let debugger =
        service_account_kubeconfig(&ns, "debugger", &["initdoctor-reader", "initdoctor-debug"]);
    let with = |kubeconfig: &Path, args: &[&str]| {
        let mut all = vec!["--kubeconfig", kubeconfig.to_str().unwrap()];
        all.extend_from_slice(args);
        initdoctor(&all)
    };
    let reader_user = format!("system:serviceaccount:{}:reader", ns.name);
    let mark = common::audit_mark();

    // explain, by name and by listing, as a table and as JSON.
    let named = with(&reader, &["explain", "web"]);
    ok(&named, "explain web");
    assert!(named.stdout.contains("wait-db"), "{}", named.stdout);
    assert!(
        !named
            .stdout
            .contains("could not check (RBAC: cannot get pods/log"),
        "{}",
        named.stdout
    );
    ok(&with(&reader, &["explain"]), "explain (list)");
    let json = with(&reader, &["explain", "web", "-o", "json"]);
    ok(&json, "explain -o json");
    assert!(json.stdout.contains("\"wait-db\""), "{}", json.stdout);
    let exit = with(&reader, &["explain", "--exit-code"]);
    assert_eq!(exit.code, 3, "blocked: {}", exit.stderr);

    // logs.
    let logs = with(&reader, &["logs", "web"]);
    ok(&logs, "logs web");
    assert!(logs.stdout.contains("waiting for db"), "{}", logs.stdout);

    // debug without the debug Role: refused (exit 5), naming what is missing; nothing written.
    let denied = with(&reader, &["debug", "web", "--attach=false"]);
    assert_eq!(denied.code, 5, "stderr: {}", denied.stderr);
    assert!(
        denied.stderr.contains("pods/ephemeralcontainers"),
        "{}",
        denied.stderr
    );

    let refused = refused_since(mark, &reader_user);
    let unexpected: Vec<&String> = refused
        .iter()
        .filter(|r| !OPTIONAL.contains(&r.as_str()))
        .filter(|r| r.as_str() != "patch pods/ephemeralcontainers (own)")
        .collect();
    assert!(
        unexpected.is_empty(),
        "requests refused that the reader Role should grant: {unexpected:?} (all refused: {refused:?})"
    );

    // debug with both Roles: adds the container (--attach=false)...
    let mark = common::audit_mark();
    let added = with(
        &debugger,
        &["debug", "web", "--attach=false", "--timeout", "30s"],
    );
    ok(&added, "debug --attach=false");
    // ...and attaches.
    let attached = initdoctor_with_stdin(
        &[
            "--kubeconfig",
            debugger.to_str().unwrap(),
            "debug",
            "web",
            "--timeout",
            "30s",
        ],
        "echo hello\nexit\n",
    );
    ok(&attached, "debug (attach)");
    assert!(attached.stdout.contains("hello"), "{}", attached.stdout);
    let debugger_user = format!("system:serviceaccount:{}:debugger", ns.name);
    let refused = refused_since(mark, &debugger_user);
    assert!(
        refused.iter().all(|r| OPTIONAL.contains(&r.as_str())),
        "debug was refused: {refused:?}"
    );

    let _ = std::fs::remove_file(reader);
    let _ = std::fs::remove_file(debugger);
}

#[tokio::test]
async fn without_pods_log_explain_still_works_and_logs_is_refused() {
    // A Role with the required rules only (pods, events): pods/log and the optional ones dropped.
    let ns = TestNs::new("rbacmin").await;
    let role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "initdoctor-minimal"},
        "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["list"]}
        ]
    });
    let file = std::env::temp_dir().join(format!("initdoctor-role-{}.yaml", ns.name));
    std::fs::write(&file, serde_yaml::to_string(&role).unwrap()).unwrap();
    ok(
        &kubectl(&["apply", "-n", &ns.name, "-f", file.to_str().unwrap()]),
        "apply minimal role",
    );
    let _ = std::fs::remove_file(file);
    blocked_pod(&ns).await;
    let minimal = service_account_kubeconfig(&ns, "minimal", &["initdoctor-minimal"]);
    let args = |rest: &[&str]| {
        let mut all = vec!["--kubeconfig", minimal.to_str().unwrap()];
        all.extend_from_slice(rest);
        initdoctor(&all)
    };
    let explained = args(&["explain", "web"]);
    ok(&explained, "explain with the required rules only");
    assert!(
        explained.stdout.contains("could not check"),
        "says what it could not read: {}",
        explained.stdout
    );
    let logs = args(&["logs", "web"]);
    assert_eq!(logs.code, 5, "{}", logs.stderr);
    assert!(logs.stderr.contains("pods/log"), "{}", logs.stderr);
    let _ = std::fs::remove_file(minimal);
}
