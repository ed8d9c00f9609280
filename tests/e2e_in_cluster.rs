//! End to end: the tool run as in a pod, without a kubeconfig, as kubectl runs there: the API
//! server from `KUBERNETES_SERVICE_HOST`/`_PORT`, the service account's token, CA and namespace
//! from `/var/run/secrets/kubernetes.io/serviceaccount`. The pod is faked on loopback: the binary
//! runs in a mount namespace of its own (`unshare`, as root) where that directory holds a real
//! service-account token (TokenRequest) or tokens the test rotates. On the real node, a real pod
//! runs the test's build (hostPath) with the token the kubelet mounts: `doctor_pod` says how it
//! reaches the API server.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::credentials::{Rotation, cluster, watch_prints_every_change_once, watched_namespace};
use common::env;

/// The tool run as in a pod: no kubeconfig, `KUBERNETES_SERVICE_HOST`/`_PORT` naming the API
/// server on `port`, and `dir` (token, ca.crt, namespace) mounted where a pod has its
/// service-account volume, `/var/run/secrets/kubernetes.io/serviceaccount`, in a mount namespace
/// of its own (over a tmpfs on /run: nothing outside the process sees it).
fn in_pod(dir: &Path, port: u16, vars: &[(&str, &str)]) -> impl Fn(&[&str]) -> Child {
    let (dir, home) = (dir.to_path_buf(), dir.join("home"));
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::copy(env().state_dir.join("pki/ca.crt"), dir.join("ca.crt")).unwrap();
    move |args: &[&str]| {
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(
                "mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount \
                 && mount --bind \"$0\" /run/secrets/kubernetes.io/serviceaccount && exec \"$@\"",
            )
            .arg(&dir)
            .arg(common::binary())
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
            .env("KUBERNETES_SERVICE_PORT", port.to_string())
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the tool in a mount namespace")
    }
}

/// The shared API server's port.
fn shared_port() -> u16 {
    let text = std::fs::read_to_string(&env().kubeconfig).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .and_then(|s| s.rsplit(':').next())
        .and_then(|p| p.trim().parse().ok())
        .expect("the shared API server's port")
}

#[tokio::test]
async fn in_a_pod_explain_uses_the_service_account_with_the_reader_role() {
    let (ns, _) = watched_namespace("incluster").await;
    let rbac = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rbac/initdoctor-reader.yaml");
    common::kubectl(&["apply", "-n", &ns.name, "-f", &rbac.display().to_string()]).assert_code(0);
    common::kubectl(&["create", "serviceaccount", "doctor", "-n", &ns.name]).assert_code(0);
    common::kubectl(&[
        "create",
        "rolebinding",
        "doctor-reads",
        "-n",
        &ns.name,
        "--role=initdoctor-reader",
        &format!("--serviceaccount={}:doctor", ns.name),
    ])
    .assert_code(0);
    let token = common::kubectl(&["create", "token", "doctor", "-n", &ns.name]);
    token.assert_code(0);
    let scratch = common::scratch("sa");
    let dir = scratch.path();
    std::fs::write(dir.join("token"), token.stdout.trim()).unwrap();
    std::fs::write(dir.join("namespace"), &ns.name).unwrap();
    let mark = common::audit_mark();
    // No -n: the namespace is the service account's.
    let run = common::finish_within(
        in_pod(dir, shared_port(), &[])(&["explain", "api"]),
        Duration::from_secs(30),
    );
    run.assert_code(0);
    assert!(
        run.stdout.starts_with(&format!("{}/api ", ns.name))
            && run
                .stdout
                .contains("Blocked at init container 1/1: wait-db"),
        "{}",
        run.stdout
    );
    let user = format!("system:serviceaccount:{}:doctor", ns.name);
    let requests = common::audit_since(mark, &user, &ns.name);
    assert!(requests.iter().any(|r| r == "get pods"), "{requests:?}");
    // Outside the pod's namespace the role grants nothing: one clear RBAC error.
    let run = common::finish_within(
        in_pod(dir, shared_port(), &[])(&["explain", "-n", "default"]),
        Duration::from_secs(30),
    );
    run.assert_code(5);
    // POD_NAMESPACE (the downward API) comes before the service account's namespace.
    std::fs::write(dir.join("namespace"), "default").unwrap();
    let run = common::finish_within(
        in_pod(dir, shared_port(), &[("POD_NAMESPACE", &ns.name)])(&["explain", "api"]),
        Duration::from_secs(30),
    );
    run.assert_code(0);
    assert!(
        run.stdout.starts_with(&format!("{}/api ", ns.name)),
        "{}",
        run.stdout
    );
}

#[test]
fn in_a_pod_without_its_token_the_error_says_what_to_mount() {
    // The host has no /var/run/secrets/kubernetes.io/serviceaccount: a pod without the token.
    let out = Command::new(common::binary())
        .args(["explain", "api"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", std::env::temp_dir().join("initdoctor-no-home"))
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", shared_port().to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: no kubeconfig found, and the pod's service account cannot be used ("
        ) && stderr
            .trim_end()
            .ends_with("): mount its token (automountServiceAccountToken) or pass --kubeconfig"),
        "{stderr}"
    );
}

#[tokio::test]
async fn in_a_pod_explain_watch_outlives_rotated_service_account_tokens() {
    let cluster = cluster();
    let rotation = Rotation::start(&cluster.dir);
    let (ns, db) = watched_namespace("inclusterrot").await;
    std::fs::write(cluster.dir.join("namespace"), &ns.name).unwrap();
    watch_prints_every_change_once(
        &ns,
        &db,
        &in_pod(&cluster.dir, cluster.api.port, &[]),
        "in a pod",
    )
    .await;
    drop(rotation);
    assert!(cluster.webhook.accepted_tokens().len() >= 5);
}

/// A pod on the real node that runs the test's build (a hostPath mount of the binary) as service
/// account `doctor`, with the host's network: the API server listens on loopback only (its
/// Service `kubernetes` has no endpoints, so no ClusterIP leads to it), which a pod reaches with
/// `hostNetwork` at 127.0.0.1, named by `KUBERNETES_SERVICE_HOST`/`_PORT` in its spec (they take
/// the place of the ones the kubelet sets from that Service). `tutum/dnsutils` holds the C
/// library the binary loads; its `sh` runs `script`.
fn doctor_pod(name: &str, binary: &Path, port: u16, script: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  serviceAccountName: doctor
  hostNetwork: true
  restartPolicy: Never
  containers:
  - name: doctor
    image: tutum/dnsutils
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', {script:?}]
    env:
    - {{name: KUBERNETES_SERVICE_HOST, value: "127.0.0.1"}}
    - {{name: KUBERNETES_SERVICE_PORT, value: "{port}"}}
    - {{name: HOME, value: /tmp}}
    - {{name: NO_COLOR, value: "1"}}
    volumeMounts:
    - {{name: build, mountPath: /usr/local/bin/kubectl-initdoctor, readOnly: true}}
  volumes:
  - name: build
    hostPath: {{path: {binary}, type: File}}
"#,
        binary = binary.display()
    )
}

/// What the doctor pod printed: `explain api -o json`'s document and exit code, then what
/// `explain -n default` printed (stderr included) and its exit code.
struct Answers {
    server: String,
    doc: serde_json::Value,
    code: String,
    outside: String,
    outside_code: String,
}

/// Run the doctor pod `name` to its end on the real node; what it printed.
async fn doctor(ns: &common::TestNs, node: &str, name: &str) -> Answers {
    let script = "echo \"$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT\"; echo '@@@'; \
        kubectl-initdoctor explain api -o json; echo \"@@@ $?\"; \
        kubectl-initdoctor explain -n default 2>&1; echo \"@@@ $?\"";
    let yaml = doctor_pod(name, &common::binary(), shared_port(), script);
    common::realnode::pod_on(ns, node, &yaml).await;
    let pod = common::realnode::wait_pod(ns, name, Duration::from_secs(90), "end", |p| {
        p["status"]["phase"] == "Succeeded" || p["status"]["phase"] == "Failed"
    })
    .await;
    let log = common::kubectl(&["logs", name, "-n", &ns.name]);
    log.assert_code(0);
    let log = log.stdout;
    assert_eq!(
        pod["status"]["phase"], "Succeeded",
        "{log}\n{:#}",
        pod["status"]
    );
    let parts: Vec<&str> = log.split("@@@").collect();
    let [server, json, code_and_outside, outside_code] = parts.as_slice() else {
        panic!("{log}");
    };
    let (code, outside) = code_and_outside
        .split_once('\n')
        .unwrap_or_else(|| panic!("{log}"));
    Answers {
        server: server.trim().to_string(),
        doc: serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {log}")),
        code: code.trim().to_string(),
        outside: outside.trim().to_string(),
        outside_code: outside_code.trim().to_string(),
    }
}

/// A cluster-scoped object of the test's own, deleted when dropped (a test namespace's
/// deletion does not remove it).
struct ClusterScoped(Vec<String>);

impl Drop for ClusterScoped {
    fn drop(&mut self) {
        for object in &self.0 {
            let _ = common::kubectl(&["delete", object, "--ignore-not-found"]);
        }
    }
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_pod_explains_another_with_its_service_account_and_the_reader_role() {
    let node = common::real_node();
    let (ns, db) = watched_namespace("incluster-real").await;
    let rbac = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rbac");
    let reader = rbac.join("initdoctor-reader.yaml").display().to_string();
    common::kubectl(&["apply", "-n", &ns.name, "-f", &reader]).assert_code(0);
    common::kubectl(&["create", "serviceaccount", "doctor", "-n", &ns.name]).assert_code(0);
    let sa = format!("--serviceaccount={}:doctor", ns.name);
    common::kubectl(&[
        "create",
        "rolebinding",
        "doctor-reads",
        "-n",
        &ns.name,
        "--role=initdoctor-reader",
        &sa,
    ])
    .assert_code(0);
    let user = format!("system:serviceaccount:{}:doctor", ns.name);

    // The Role alone: the pod is found and its blocker named; explain's list of Services by
    // name in every namespace is refused (a Role cannot grant it), so it reads the pod's own
    // namespace instead: the Service is known to be missing there, the others were not read.
    let mark = common::audit_mark();
    let first = doctor(&ns, node, "doctor").await;
    assert_eq!(first.server, format!("127.0.0.1:{}", shared_port()));
    assert_eq!(first.code, "0", "{:#}", first.doc);
    let api = &first.doc["pods"][0];
    assert_eq!(
        (api["namespace"].as_str(), api["name"].as_str()),
        (Some(ns.name.as_str()), Some("api")),
        "{:#}",
        first.doc
    );
    assert_eq!(api["blocking"]["name"], "wait-db", "{api:#}");
    let missing = common::finding_about(api, "ServiceNotFound", &db);
    assert!(
        common::evidence_has(missing, "other namespaces were not checked"),
        "{api:#}"
    );
    // Outside its namespace the Role grants nothing: the RBAC error, exit 5.
    assert!(first.outside.starts_with("error: "), "{}", first.outside);
    assert_eq!(first.outside_code, "5", "{}", first.outside);
    let requests = common::audit_since(mark, &user, &ns.name);
    for read in ["get pods", "list events", "get pods/log", "list services"] {
        assert!(requests.iter().any(|r| r == read), "{read}: {requests:?}");
    }

    // With the ClusterRole of those lookups bound too: every namespace is read.
    let lookups = format!("initdoctor-lookups-{}", ns.name);
    let _cleanup = ClusterScoped(vec![
        format!("clusterrolebinding/{lookups}"),
        format!("clusterrole/{lookups}"),
    ]);
    let cluster_role = rbac.join("initdoctor-lookups.yaml");
    let yaml = std::fs::read_to_string(&cluster_role)
        .unwrap()
        .replace("name: initdoctor-lookups", &format!("name: {lookups}"));
    let path = std::env::temp_dir().join(format!("{lookups}.yaml"));
    std::fs::write(&path, yaml).unwrap();
    common::kubectl(&["apply", "-f", &path.display().to_string()]).assert_code(0);
    let _ = std::fs::remove_file(&path);
    common::kubectl(&[
        "create",
        "clusterrolebinding",
        &lookups,
        &format!("--clusterrole={lookups}"),
        &sa,
    ])
    .assert_code(0);
    let second = doctor(&ns, node, "doctor-2").await;
    assert_eq!(second.code, "0", "{:#}", second.doc);
    let api = &second.doc["pods"][0];
    assert_eq!(api["blocking"]["name"], "wait-db", "{api:#}");
    assert_eq!(
        common::codes_about(api, &db).first().map(String::as_str),
        Some("ServiceNotFound"),
        "{api:#}"
    );
    let missing = common::finding_about(api, "ServiceNotFound", &db);
    assert!(
        !common::evidence_has(missing, "other namespaces were not checked"),
        "{api:#}"
    );
    assert_eq!(second.outside_code, "5", "{}", second.outside);
}
