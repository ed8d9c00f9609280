//! End to end: the tool run as in a pod, without a kubeconfig, as kubectl runs there: the API
//! server from `KUBERNETES_SERVICE_HOST`/`_PORT`, the service account's token, CA and namespace
//! from `/var/run/secrets/kubernetes.io/serviceaccount`. The pod is faked on loopback: the binary
//! runs in a mount namespace of its own (`unshare`, as root) where that directory holds a real
//! service-account token (TokenRequest) or tokens the test rotates. A pod on a real node running
//! the binary is not among these tests (it needs an image holding the binary).

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
    let dir = std::env::temp_dir().join(format!("initdoctor-sa-{}", common::random_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("token"), token.stdout.trim()).unwrap();
    std::fs::write(dir.join("namespace"), &ns.name).unwrap();
    let mark = common::audit_mark();
    // No -n: the namespace is the service account's.
    let run = common::finish_within(
        in_pod(&dir, shared_port(), &[])(&["explain", "api"]),
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
        in_pod(&dir, shared_port(), &[])(&["explain", "-n", "default"]),
        Duration::from_secs(30),
    );
    run.assert_code(5);
    // POD_NAMESPACE (the downward API) comes before the service account's namespace.
    std::fs::write(dir.join("namespace"), "default").unwrap();
    let run = common::finish_within(
        in_pod(&dir, shared_port(), &[("POD_NAMESPACE", &ns.name)])(&["explain", "api"]),
        Duration::from_secs(30),
    );
    run.assert_code(0);
    assert!(
        run.stdout.starts_with(&format!("{}/api ", ns.name)),
        "{}",
        run.stdout
    );
    let _ = std::fs::remove_dir_all(dir);
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
