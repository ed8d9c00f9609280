//! End to end: long commands outlive credentials that expire. A second API server of the control
//! plane (`common::apiserver`) authenticates bearer tokens through a token-review webhook of the
//! test's own, which accepts a token only until the expiry written in it. The API server keeps a
//! successful review for 10 s (kube-apiserver's token cache, not a flag), so an expired token is
//! refused once that has passed too (checked first, by the test itself). The tokens come from an
//! exec plugin of the test's own (a shell script), living 3 s, with their `expirationTimestamp`
//! (renewed ahead of it) or without one (renewed after the 401 it meets), or from a `tokenFile`
//! the test rewrites every 2 s. `explain --watch`, `logs -f` and a `debug` session each run
//! through three tokens or more, and print every change, line and answer once.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::apiserver::{ApiServer, TokenWebhook, short_token, token_valid};
use common::{TestNs, env, lines_of, state};
use k8s_openapi::api::core::v1::Service;
use kube::api::DeleteParams;
use serde_json::json;

/// How long a token lives.
const LIFE: Duration = Duration::from_secs(3);

/// The API server of the test, asking `webhook`.
struct Cluster {
    webhook: TokenWebhook,
    api: ApiServer,
    dir: PathBuf,
}

fn cluster() -> Cluster {
    let dir = std::env::temp_dir().join(format!("initdoctor-creds-{}", common::random_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let webhook = TokenWebhook::start();
    let args = webhook.apiserver_args(&dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let api = ApiServer::start(&args);
    Cluster { webhook, api, dir }
}

impl Cluster {
    /// A kubeconfig for this API server whose only user is `user` (YAML of a kubeconfig user).
    fn kubeconfig(&self, name: &str, user: &str) -> String {
        let text = std::fs::read_to_string(self.api.kubeconfig()).unwrap();
        let mut kc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        kc["users"] = serde_saphyr::from_str(&format!("- name: short\n  user:\n{user}")).unwrap();
        kc["contexts"] = serde_saphyr::from_str(
            "- name: short\n  context: {cluster: initdoctor, user: short, namespace: default}\n",
        )
        .unwrap();
        kc["current-context"] = "short".into();
        let path = self.dir.join(format!("{name}.kubeconfig"));
        std::fs::write(&path, serde_saphyr::to_string(&kc).unwrap()).unwrap();
        path.display().to_string()
    }

    /// A kubeconfig whose user's exec plugin hands out tokens living [`LIFE`], saying when they
    /// expire when `honest`.
    fn exec_kubeconfig(&self, honest: bool) -> String {
        use std::os::unix::fs::PermissionsExt;
        let name = if honest { "honest" } else { "silent" };
        let runs = self.dir.join(format!("{name}.runs"));
        let expiry = if honest {
            r#"at=$(date -u -d @$(( exp / 1000 )) +%Y-%m-%dT%H:%M:%SZ); extra=",\"expirationTimestamp\":\"$at\"""#
        } else {
            "extra=''"
        };
        let script = self.dir.join(format!("{name}.sh"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nn=$(( $(cat {runs} 2>/dev/null || echo 0) + 1 ))\necho $n > {runs}\n\
                 exp=$(( $(date +%s%3N) + {life} ))\n{expiry}\n\
                 printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"short-%s-%s\"%s}}}}\\n' \"$exp\" \"$n\" \"$extra\"\n",
                runs = runs.display(),
                life = LIFE.as_millis(),
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        self.kubeconfig(
            name,
            &format!(
                "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
                script.display()
            ),
        )
    }

    /// How many times the plugin of `exec_kubeconfig(honest)` ran.
    fn plugin_runs(&self, honest: bool) -> usize {
        let name = if honest { "honest" } else { "silent" };
        std::fs::read_to_string(self.dir.join(format!("{name}.runs")))
            .unwrap_or_default()
            .trim()
            .parse()
            .unwrap_or(0)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A token file rewritten with a new token every 2 s (each living [`LIFE`]) until dropped.
struct Rotation {
    path: PathBuf,
    stop: Arc<AtomicBool>,
}

impl Rotation {
    fn start(dir: &Path) -> Rotation {
        let path = dir.join("token");
        let write = |path: &Path, n: u32| {
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, format!("{}\n", short_token(LIFE, n))).unwrap();
            std::fs::rename(&tmp, path).unwrap();
        };
        write(&path, 0);
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, file) = (stop.clone(), path.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !flag.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_secs(2));
                n += 1;
                write(&file, n);
            }
        });
        Rotation { path, stop }
    }
}

impl Drop for Rotation {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The API server takes a token of the webhook's kind until it expires, and not after.
fn assert_tokens_expire(cluster: &Cluster) {
    let token = short_token(Duration::from_millis(1500), 99);
    let kubeconfig = cluster.kubeconfig("probe", &format!("    token: {token}\n"));
    let get = || {
        Command::new(env().bin_dir.join("kubectl"))
            .args(["--kubeconfig", &kubeconfig])
            .args([
                "get",
                "--raw",
                "/api/v1/namespaces/default",
                "--request-timeout",
                "5s",
            ])
            .output()
            .unwrap()
    };
    let fresh = get();
    assert!(
        fresh.status.success(),
        "a fresh token is refused: {}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    // Past its expiry and the API server's 10 s cache of the review.
    std::thread::sleep(Duration::from_millis(11_000));
    assert!(!token_valid(&token));
    let stale = get();
    assert!(
        String::from_utf8_lossy(&stale.stderr).contains("Unauthorized"),
        "an expired token is still taken: {} {} {:?}",
        String::from_utf8_lossy(&stale.stderr),
        String::from_utf8_lossy(&stale.stdout),
        cluster.webhook.reviews()
    );
}

/// A pod whose init container waits for Service `db`, running.
async fn waiting_pod(ns: &TestNs, db: &str) {
    ns.pod(
        &r"
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.28
    command: ['sh', '-c', 'until nc -w 1 DB 5432; do sleep 2; done']
  containers:
  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}
"
        .replace("DB", db),
    )
    .await;
    ns.set_status(
        "api",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("wait-db", "busybox:1.28", "2026-01-01T00:00:00Z")],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
}

/// Wait for a line containing `needle`, keeping every line seen.
fn line_with(lines: &Receiver<(Instant, String)>, needle: &str, seen: &mut Vec<String>) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok((_, line)) => {
                let hit = line.contains(needle);
                seen.push(line);
                if hit {
                    return true;
                }
            }
            Err(_) => break,
        }
    }
    false
}

/// `explain --watch` of the namespace of pod `api` (waiting for Service `db`), started by
/// `spawn` with these arguments, for 8 changes 4 s apart (32 s: ten tokens' lives, three times
/// the API server's cache of a review): each change printed once, as it comes, and no error.
async fn watch_prints_every_change_once(
    ns: &TestNs,
    db: &str,
    spawn: &dyn Fn(&[&str]) -> Child,
    what: &str,
) {
    let mut child = spawn(&["explain", "--watch", "--request-timeout", "5s"]);
    let lines = lines_of(&mut child);
    let mut seen = Vec::new();
    assert!(
        line_with(&lines, "[error] ServiceNotFound", &mut seen),
        "{what}: no first print: {seen:#?}\n{}",
        stderr_of(child)
    );
    while lines.recv_timeout(Duration::from_millis(1500)).is_ok() {}
    let services = ns.api::<Service>();
    let mut changes = Vec::new();
    for i in 0..8 {
        std::thread::sleep(Duration::from_secs(4));
        let change = if i % 2 == 0 {
            ns.create::<Service>(
                &"apiVersion: v1\nkind: Service\nmetadata: {name: DB}\nspec: {selector: {app: DB}, ports: [{port: 5432}]}\n"
                    .replace("DB", db),
            )
            .await;
            "ServiceNotFound → ServiceNoEndpoints"
        } else {
            services.delete(db, &DeleteParams::default()).await.unwrap();
            "ServiceNoEndpoints → ServiceNotFound"
        };
        let mut after = Vec::new();
        let printed = line_with(&lines, change, &mut after);
        seen.extend(after);
        assert!(
            printed,
            "{what}: change {i} ({change}) not printed: {seen:#?}\n{}",
            stderr_of(child)
        );
        changes.push(change);
    }
    std::thread::sleep(Duration::from_millis(1500));
    seen.extend(lines.try_iter().map(|(_, l)| l));
    let rows: Vec<&str> = seen
        .iter()
        .filter_map(|l| changes.iter().find(|c| l.contains(*c)).copied())
        .collect();
    assert_eq!(
        rows, changes,
        "{what}: each change once, in order: {seen:#?}"
    );
    let stderr = stderr_of(child);
    assert!(!stderr.contains("error"), "{what}: {stderr}");
}

/// A namespace with pod `api` waiting for a Service of its own name; the Service's name.
async fn watched_namespace(prefix: &str) -> (TestNs, String) {
    let ns = TestNs::new(prefix).await;
    let db = format!("db-{}", common::random_suffix());
    waiting_pod(&ns, &db).await;
    (ns, db)
}

/// `spawn` for the tool with `--kubeconfig kubeconfig -n NS`.
fn with_kubeconfig(kubeconfig: &str, ns: &TestNs) -> impl Fn(&[&str]) -> Child {
    let (kubeconfig, namespace) = (kubeconfig.to_string(), ns.name.clone());
    move |args: &[&str]| {
        let mut all = vec!["--kubeconfig", &kubeconfig, "-n", &namespace];
        all.extend_from_slice(args);
        common::spawn_initdoctor(&all)
    }
}

fn stderr_of(mut child: Child) -> String {
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn explain_watch_outlives_exec_plugin_tokens() {
    let cluster = cluster();
    assert_tokens_expire(&cluster);
    // (honest: says when its tokens expire, so they are renewed ahead; silent: renewed after
    // the 401 each one meets once it has expired.)
    for honest in [true, false] {
        let kubeconfig = cluster.exec_kubeconfig(honest);
        let before = cluster.webhook.reviews().len();
        let (ns, db) = watched_namespace("creds").await;
        let what = if honest { "honest" } else { "silent" };
        watch_prints_every_change_once(&ns, &db, &with_kubeconfig(&kubeconfig, &ns), what).await;
        let reviews = &cluster.webhook.reviews()[before..];
        let accepted: std::collections::BTreeSet<&String> = reviews
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(t, _)| t)
            .collect();
        let refused = reviews.iter().filter(|(_, ok)| !*ok).count();
        // Honest: renewed every 3 s or so; silent: when the server refuses, every 10 s or so.
        let want: usize = if honest { 8 } else { 3 };
        assert!(
            accepted.len() >= want,
            "honest={honest}: tokens the server took: {accepted:?}"
        );
        assert!(cluster.plugin_runs(honest) >= want, "honest={honest}");
        if !honest {
            // Each renewal followed a refusal.
            assert!(refused >= 2, "silent: refusals {refused}");
        }
    }
}

#[tokio::test]
async fn explain_watch_outlives_a_rotated_token_file() {
    let cluster = cluster();
    let rotation = Rotation::start(&cluster.dir);
    let kubeconfig = cluster.kubeconfig(
        "file",
        &format!("    tokenFile: {}\n", rotation.path.display()),
    );
    let (ns, db) = watched_namespace("credsfile").await;
    watch_prints_every_change_once(&ns, &db, &with_kubeconfig(&kubeconfig, &ns), "tokenFile").await;
    assert!(cluster.webhook.accepted_tokens().len() >= 5);
}

/// The CRI log line the runtime writes for `text`, stamped now.
fn cri(text: &str) -> String {
    format!("{} stdout F {text}\n", jiff::Timestamp::now())
}

#[tokio::test]
async fn logs_follow_outlives_exec_plugin_tokens_across_dropped_streams() {
    let cluster = cluster();
    let kubeconfig = cluster.exec_kubeconfig(true);
    let ns = TestNs::new("credslogs").await;
    ns.pod(
        r"
apiVersion: v1
kind: Pod
metadata: {name: job}
spec:
  initContainers:
  - {name: fetch, image: busybox:1.28, command: ['sh', '-c', 'fetch-things']}
  containers:
  - {name: app, image: busybox:1.35}
",
    )
    .await;
    ns.set_status(
        "job",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("fetch", "busybox:1.28", "2026-01-01T00:00:00Z")],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.write_log("job", "fetch", &cri("line-0"), false);
    let mut child = common::spawn_initdoctor(&[
        "--kubeconfig",
        &kubeconfig,
        "logs",
        "job",
        "-n",
        &ns.name,
        "-f",
        "-c",
        "fetch",
        "--prefix=false",
        "--request-timeout",
        "5s",
    ]);
    let lines = lines_of(&mut child);
    let mut seen = Vec::new();
    assert!(line_with(&lines, "line-0", &mut seen), "{seen:?}");
    let dir = env().container_logs.join(&ns.name).join("job");
    // 16 lines over 16 s; every 4 s the node drops the stream (the tool follows again, with
    // whatever token is current then).
    for i in 1..=16 {
        std::thread::sleep(Duration::from_secs(1));
        if i % 4 == 0 {
            std::fs::write(dir.join("fetch.drop"), "").unwrap();
        }
        ns.append_log("job", "fetch", &cri(&format!("line-{i}")));
    }
    assert!(line_with(&lines, "line-16", &mut seen), "{seen:?}");
    std::thread::sleep(Duration::from_millis(1500));
    seen.extend(lines.try_iter().map(|(_, l)| l));
    let want: Vec<String> = (0..=16).map(|i| format!("line-{i}")).collect();
    assert_eq!(seen, want, "every line once, in order");
    assert!(
        !dir.join("fetch.drop").exists(),
        "the node dropped the streams"
    );
    let stderr = stderr_of(child);
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(cluster.plugin_runs(true) >= 5);
    assert!(cluster.webhook.accepted_tokens().len() >= 5);
}

#[tokio::test]
async fn a_debug_session_outlives_exec_plugin_tokens() {
    use std::io::Write;
    let cluster = cluster();
    let kubeconfig = cluster.exec_kubeconfig(false);
    let ns = TestNs::new("credsdbg").await;
    ns.pod(
        r"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - {name: wait-db, image: busybox:1.28, command: ['sh', '-c', 'until nc -z db 5432; do sleep 2; done']}
  containers:
  - {name: app, image: nginx:1.27}
",
    )
    .await;
    ns.set_status(
        "web",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("wait-db", "busybox:1.28", "2026-01-01T00:00:00Z")],
               "containerStatuses": [state::waiting("app", "nginx:1.27", "PodInitializing", "", 0)]}),
    )
    .await;
    let mut child = Command::new(common::binary())
        .args(["--kubeconfig", &kubeconfig, "debug", "web", "-n", &ns.name])
        .args(["--timeout", "30s", "--request-timeout", "5s"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &cluster.dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Typed over 15 s (five tokens' lives) once the session is up; the shell's `exit 3` ends it.
    std::thread::sleep(Duration::from_secs(3));
    for i in 1..=6 {
        stdin
            .write_all(format!("echo answer-{i}\n").as_bytes())
            .unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(2500));
    }
    stdin.write_all(b"exit 3\n").unwrap();
    drop(stdin);
    let run = common::finish_within(child, Duration::from_secs(30));
    run.assert_code(0);
    run.assert_stderr_has("is terminated (exit 3).");
    for i in 1..=6 {
        let answer = format!("answer-{i}");
        let times = run
            .stdout
            .lines()
            .filter(|l| l.trim_end_matches('\r').ends_with(&answer) && !l.contains("echo"))
            .count();
        assert_eq!(times, 1, "{answer} once: {:?}", run.stdout);
    }
    // The session's end was read with a token renewed after a 401: the first had expired.
    assert!(cluster.plugin_runs(false) >= 2);
    assert!(cluster.webhook.reviews().iter().any(|(_, ok)| !*ok));
}

/// The tool run as in a pod: no kubeconfig, `KUBERNETES_SERVICE_HOST`/`_PORT` naming the API
/// server on `port`, and `dir` (token, ca.crt, namespace) mounted where a pod has its
/// service-account volume, `/var/run/secrets/kubernetes.io/serviceaccount`, in a mount namespace
/// of its own (over a tmpfs on /run: nothing outside the process sees it).
fn in_pod(dir: &Path, port: u16) -> impl Fn(&[&str]) -> Child {
    let (dir, home) = (dir.to_path_buf(), dir.join("home"));
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
        in_pod(&dir, shared_port())(&["explain", "api"]),
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
        in_pod(&dir, shared_port())(&["explain", "-n", "default"]),
        Duration::from_secs(30),
    );
    run.assert_code(5);
    let _ = std::fs::remove_dir_all(dir);
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
        &in_pod(&cluster.dir, cluster.api.port),
        "in a pod",
    )
    .await;
    drop(rotation);
    assert!(cluster.webhook.accepted_tokens().len() >= 5);
}
