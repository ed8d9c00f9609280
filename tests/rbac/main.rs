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
    let admin: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&env().kubeconfig).unwrap()).unwrap();
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
    std::fs::write(&file, serde_saphyr::to_string(&config).unwrap()).unwrap();
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

/// A pod whose only init container crash-loops.
const CRASHING_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: crashing}
spec:
  initContainers:
  - name: migrate
    image: busybox:1.36
    command: ['sh', '-c', './migrate --all']
  containers:
  - name: app
    image: nginx:1.27
"#;

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
    // The Role cannot grant the list of Services in every namespace; explain reads the pod's
    // own namespace instead (the Role's `list services`), where `db` would be: known missing.
    let pod = json.json()["pods"][0].clone();
    let missing = common::finding_about(&pod, "ServiceNotFound", "db");
    assert!(
        common::evidence_has(missing, "other namespaces were not checked"),
        "{pod:#}"
    );
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

/// Every request `user` made since `mark`: `(verb, resource[/subresource], HTTP code)`.
fn requests_since(mark: usize, user: &str) -> Vec<(String, String, i64)> {
    std::thread::sleep(std::time::Duration::from_millis(500));
    let text = std::fs::read_to_string(&env().audit_log).unwrap_or_default();
    text.lines()
        .skip(mark)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["stage"] == "ResponseComplete" && e["user"]["username"] == user)
        .map(|e| {
            let o = &e["objectRef"];
            let resource = match o["subresource"].as_str() {
                Some(sub) => format!("{}/{sub}", o["resource"].as_str().unwrap_or("")),
                None => o["resource"].as_str().unwrap_or("").to_string(),
            };
            (
                e["verb"].as_str().unwrap_or("").to_string(),
                resource,
                e["responseStatus"]["code"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

/// A Role of `rules` in the namespace, bound to a new ServiceAccount: its kubeconfig.
fn account_with_rules(ns: &TestNs, account: &str, rules: Value) -> PathBuf {
    let role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": account}, "rules": rules,
    });
    let file = std::env::temp_dir().join(format!("initdoctor-role-{}-{account}.yaml", ns.name));
    std::fs::write(&file, serde_saphyr::to_string(&role).unwrap()).unwrap();
    ok(
        &kubectl(&["apply", "-n", &ns.name, "-f", file.to_str().unwrap()]),
        "apply role",
    );
    let _ = std::fs::remove_file(file);
    service_account_kubeconfig(ns, account, &[account])
}

/// The reads refused to a user are reads: nothing it was refused (or granted) wrote.
fn assert_only_reads(requests: &[(String, String, i64)]) {
    assert!(
        !requests.is_empty(),
        "the audit log has the user's requests"
    );
    for (verb, resource, code) in requests {
        assert!(
            ["get", "list", "watch"].contains(&verb.as_str()),
            "a read command made {verb} {resource} ({code}): {requests:?}"
        );
    }
}

#[tokio::test]
async fn without_pods_log_explain_still_works_and_logs_is_refused() {
    // A Role with the required rules only (pods, events): pods/log and the optional ones dropped.
    let ns = TestNs::new("rbacmin").await;
    blocked_pod(&ns).await;
    let minimal = account_with_rules(
        &ns,
        "minimal",
        json!([
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["list"]}
        ]),
    );
    let user = format!("system:serviceaccount:{}:minimal", ns.name);
    let args = |rest: &[&str]| {
        let mut all = vec!["--kubeconfig", minimal.to_str().unwrap()];
        all.extend_from_slice(rest);
        initdoctor(&all)
    };
    let mark = common::audit_mark();
    // The diagnosis is still made from the pod and its events: STATUS, the blocker, its wait.
    let json_run = args(&["explain", "web", "-o", "json"]);
    ok(&json_run, "explain -o json with the required rules only");
    let pod = json_run.json()["pods"][0].clone();
    assert_eq!(pod["status"], "Init:0/2", "{pod:#}");
    assert_eq!(pod["blocking"]["name"], "wait-db", "{pod:#}");
    // What it could not read is said where it matters: the log of the blocker, the Service.
    // What it could not read is said where it matters: the Service the blocker waits on...
    let about_db: Vec<&Value> = pod["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["target"] == "db")
        .collect();
    assert!(
        about_db.iter().any(|f| f["code"] == "TargetUnknown"
            && common::evidence_has(f, "permission denied: cannot list services")),
        "the Service lookup's refusal is said: {about_db:#?}"
    );
    assert!(
        !about_db.iter().any(|f| f["code"] == "ServiceNotFound"),
        "a refused lookup is not a missing Service: {about_db:#?}"
    );
    // ...and the log of a crash-looping blocker, which its CrashLoop finding would quote.
    ns.pod(CRASHING_POD).await;
    let mut migrate = state::waiting("migrate", "busybox:1.36", "CrashLoopBackOff", "back-off", 2);
    migrate["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
        "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"}});
    ns.set_status(
        "crashing",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [migrate],
               "containerStatuses": [state::waiting("app", "nginx:1.27", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.write_log("crashing", "migrate", "migration failed\n", true);
    let crashing = args(&["explain", "crashing", "-o", "json"]);
    ok(&crashing, "explain crashing with the required rules only");
    let crashing = crashing.json()["pods"][0].clone();
    assert_eq!(crashing["status"], "Init:CrashLoopBackOff", "{crashing:#}");
    let crash = common::finding(&crashing, "CrashLoop");
    assert_eq!(crash["container"], "migrate", "{crash:#}");
    let logs_line = format!(
        "logs: could not check (RBAC: cannot get pods/log in namespace {})",
        ns.name
    );
    assert!(common::evidence_has(crash, &logs_line), "{crash:#}");
    assert!(
        !common::evidence_has(crash, "migration failed"),
        "no log was read: {crash:#}"
    );
    let table = args(&["explain", "crashing"]);
    ok(&table, "explain crashing (table)");
    assert!(table.stdout.contains(&logs_line), "{}", table.stdout);
    // --exit-code still answers: blocked.
    let exit = args(&["explain", "web", "--exit-code"]);
    assert_eq!(exit.code, 3, "{}", exit.stderr);
    // logs needs pods/log: refused, exit 5, one line naming it.
    let logs = args(&["logs", "web"]);
    assert_eq!(logs.code, 5, "{}", logs.stderr);
    // (The container's header comes first: it is printed before its log is asked for.)
    let errors: Vec<&str> = logs
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", logs.stderr);
    assert_eq!(logs.stderr.trim_end().lines().last(), Some(errors[0]));
    assert!(
        errors[0].contains("cannot get pods/log") && errors[0].contains("ask for an RBAC Role"),
        "{}",
        logs.stderr
    );

    // The audit log: what was refused is exactly what the Role lacks, and every request a read.
    // (Services and their EndpointSlices are looked up by name across namespaces, then, that
    // refused, in the pod's own namespace, which this minimal Role does not grant either.)
    let refused = refused_since(mark, &user);
    assert_eq!(
        refused,
        [
            "get pods/log (own)",
            "list endpointslices (cluster)",
            "list endpointslices (own)",
            "list services (cluster)",
            "list services (own)"
        ],
        "refused"
    );
    assert_only_reads(&requests_since(mark, &user));
    let _ = std::fs::remove_file(minimal);
}

#[tokio::test]
async fn without_events_or_pods_explain_is_refused_in_one_line() {
    let ns = TestNs::new("rbacnone").await;
    blocked_pod(&ns).await;
    // May read the pod but not its events (required by explain).
    let no_events = account_with_rules(
        &ns,
        "noevents",
        json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]),
    );
    // May read nothing of the namespace.
    let nothing = account_with_rules(
        &ns,
        "nothing",
        json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]),
    );
    let mark = common::audit_mark();
    for (kubeconfig, account, names) in [
        (&no_events, "noevents", "list events"),
        (&nothing, "nothing", "get pods"),
    ] {
        let run = initdoctor(&[
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "explain",
            "web",
        ]);
        assert_eq!(run.code, 5, "{account}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{account}: {}", run.stdout);
        let line = run.stderr.trim_end();
        assert_eq!(line.lines().count(), 1, "{account}: {line}");
        assert!(line.starts_with("error: "), "{account}: {line}");
        let (verb, resource) = names.split_once(' ').unwrap();
        assert!(
            line.contains(verb) && line.contains(resource),
            "{account}: names {names}: {line}"
        );
        let user = format!("system:serviceaccount:{}:{account}", ns.name);
        let refused = refused_since(mark, &user);
        assert!(
            refused.contains(&format!("{names} (own)")),
            "{account}: refused {refused:?}"
        );
        assert_only_reads(&requests_since(mark, &user));
    }
    let _ = std::fs::remove_file(no_events);
    let _ = std::fs::remove_file(nothing);
}
