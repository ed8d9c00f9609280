//! The set-up of the tests of credentials that expire (`e2e_credentials`, `e2e_in_cluster`): an
//! API server of the test's own that takes a token only until the expiry written in it (through
//! [`TokenWebhook`]), the kubeconfigs and token files that hand such tokens out, and the story of
//! an `explain --watch` that must print every change once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Service;
use kube::api::DeleteParams;
use serde_json::json;

use super::apiserver::{ApiServer, TokenWebhook, short_token, token_valid};
use super::{TestNs, env, lines_of, state};

/// How long a token lives.
pub const LIFE: Duration = Duration::from_secs(3);

/// The API server of the test, asking `webhook`.
pub struct Cluster {
    pub webhook: TokenWebhook,
    pub api: ApiServer,
    pub dir: PathBuf,
}

/// A new webhook and an API server of the test's own asking it.
pub fn cluster() -> Cluster {
    let dir = std::env::temp_dir().join(format!("initdoctor-creds-{}", super::random_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let webhook = TokenWebhook::start();
    let args = webhook.apiserver_args(&dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let api = ApiServer::start(&args);
    Cluster { webhook, api, dir }
}

impl Cluster {
    /// A kubeconfig for this API server whose only user is `user` (YAML of a kubeconfig user).
    pub fn kubeconfig(&self, name: &str, user: &str) -> String {
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
    pub fn exec_kubeconfig(&self, honest: bool) -> String {
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
    pub fn plugin_runs(&self, honest: bool) -> usize {
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
pub struct Rotation {
    pub path: PathBuf,
    stop: Arc<AtomicBool>,
}

impl Rotation {
    pub fn start(dir: &Path) -> Rotation {
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
pub fn assert_tokens_expire(cluster: &Cluster) {
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
pub async fn waiting_pod(ns: &TestNs, db: &str) {
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
pub fn line_with(
    lines: &Receiver<(Instant, String)>,
    needle: &str,
    seen: &mut Vec<String>,
) -> bool {
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
pub async fn watch_prints_every_change_once(
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
pub async fn watched_namespace(prefix: &str) -> (TestNs, String) {
    let ns = TestNs::new(prefix).await;
    let db = format!("db-{}", super::random_suffix());
    waiting_pod(&ns, &db).await;
    (ns, db)
}

/// `spawn` for the tool with `--kubeconfig kubeconfig -n NS`.
pub fn with_kubeconfig(kubeconfig: &str, ns: &TestNs) -> impl Fn(&[&str]) -> Child {
    let (kubeconfig, namespace) = (kubeconfig.to_string(), ns.name.clone());
    move |args: &[&str]| {
        let mut all = vec!["--kubeconfig", &kubeconfig, "-n", &namespace];
        all.extend_from_slice(args);
        super::spawn_initdoctor(&all)
    }
}

pub fn stderr_of(mut child: Child) -> String {
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}
