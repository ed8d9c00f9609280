//! The end-to-end harness: talks to the real local control plane started by
//! `tests/controlplane/up.sh` (via `make test`), and runs the real built binary.
//!
//! Each test gets its own namespace; pods are bound to the fake node by `spec.nodeName` (unless
//! they name a scheduler: see `TestNs::pod`), and the test writes their status through
//! `pods/status`, as the kubelet would.
#![allow(dead_code)]

pub mod apiserver;
pub mod credentials;
pub mod debug;
pub mod hostile_pods;
pub mod realnode;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Namespace, Pod, ServiceAccount};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Where the control plane lives, from `<state>/env` written by up.sh.
#[derive(Debug, Clone)]
pub struct Env {
    pub state_dir: PathBuf,
    pub kubeconfig: PathBuf,
    /// The directory holding the pinned kubectl and the other Kubernetes binaries.
    pub bin_dir: PathBuf,
    pub audit_log: PathBuf,
    /// Container logs the fake kubelet serves: `<dir>/<ns>/<pod>/<container>[.previous]`.
    pub container_logs: PathBuf,
    pub node: String,
    /// The real node (kubelet + containerd + CoreDNS), when `make cluster-up` started it.
    pub real_node: Option<String>,
}

/// The control plane's environment; panics with the way to get one when it is not up.
pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let state_dir = std::env::var_os("INITDOCTOR_STATE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".cluster"));
        let file = state_dir.join("env");
        let text = std::fs::read_to_string(&file).unwrap_or_else(|_| {
            panic!(
                "end-to-end tests need the local control plane: run `make test` (or `make cluster-up` first); {} is missing",
                file.display()
            )
        });
        let vars = parse_env(&text);
        let get = |k: &str| {
            vars.get(k)
                .cloned()
                .unwrap_or_else(|| panic!("{} lacks {k}", file.display()))
        };
        Env {
            kubeconfig: PathBuf::from(get("KUBECONFIG")),
            bin_dir: PathBuf::from(get("INITDOCTOR_BIN_DIR")),
            audit_log: PathBuf::from(get("INITDOCTOR_AUDIT_LOG")),
            container_logs: PathBuf::from(get("INITDOCTOR_CONTAINER_LOGS")),
            node: vars.get("INITDOCTOR_NODE").cloned().unwrap_or_else(|| "fake-node".into()),
            real_node: vars.get("INITDOCTOR_REAL_NODE").cloned().filter(|n| !n.is_empty()),
            state_dir,
        }
    })
}

/// The real node's name, for a test that needs real containers. Such a test is named
/// `real_node_*` and marked `#[ignore = "needs the real node: ..."]`, so that without the node
/// cargo counts it as ignored; `make test` runs them (`-- --ignored real_node_`) when the node is
/// up. Run without the node, it fails saying how to start it.
pub fn real_node() -> &'static str {
    env().real_node.as_deref().unwrap_or_else(|| {
        panic!(
            "this test needs the real node: `make cluster-up` starts it (the env file lacks INITDOCTOR_REAL_NODE)"
        )
    })
}

fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("export ").or(Some(l.trim())))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_matches(['"', '\'']).to_string(),
            )
        })
        .collect()
}

/// An admin client for the control plane.
pub async fn client() -> Client {
    client_as(None).await
}

/// A client for a kubeconfig user (`admin`, `viewer`).
pub async fn client_as(user: Option<&str>) -> Client {
    let kubeconfig = Kubeconfig::read_from(&env().kubeconfig).expect("read the test kubeconfig");
    let options = KubeConfigOptions {
        user: user.map(str::to_string),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("test kubeconfig is usable");
    Client::try_from(config).expect("client")
}

/// The scheduler name of the pods whose test plays the scheduler: no scheduler serves it.
pub const UNSERVED_SCHEDULER: &str = "initdoctor-test";

/// A namespace of one's own for a test, deleted when the test ends (even on failure).
pub struct TestNs {
    pub name: String,
    pub client: Client,
}

impl TestNs {
    /// Create `t-<prefix>-<random>` and wait for its `default` ServiceAccount.
    pub async fn new(prefix: &str) -> TestNs {
        let client = client().await;
        let name = format!("t-{}-{}", prefix, random_suffix());
        let namespaces: Api<Namespace> = Api::all(client.clone());
        namespaces
            .create(
                &PostParams::default(),
                &from_json(json!({"metadata": {"name": name}})),
            )
            .await
            .expect("create test namespace");
        let sas: Api<ServiceAccount> = Api::namespaced(client.clone(), &name);
        for _ in 0..100 {
            if sas.get_opt("default").await.ok().flatten().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        TestNs { name, client }
    }

    pub fn api<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.name)
    }

    /// Create any namespaced object from YAML (its namespace is set to this one).
    pub async fn create<K>(&self, yaml: &str) -> K
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + serde::Serialize
            + std::fmt::Debug,
        <K as kube::Resource>::DynamicType: Default,
    {
        let mut value: Value = serde_saphyr::from_str(yaml).expect("valid YAML");
        value["metadata"]["namespace"] = json!(self.name);
        let object: K = from_json(value);
        self.api::<K>()
            .create(&PostParams::default(), &object)
            .await
            .unwrap_or_else(|e| panic!("create object: {e}"))
    }

    /// Create a pod bound to the fake node, unless the YAML says otherwise: a `nodeName` of its
    /// own; `nodeName: ""` for a pod the test itself keeps unscheduled (it gets
    /// [`UNSERVED_SCHEDULER`], so the real scheduler leaves it alone); a `schedulerName` and no
    /// `nodeName` for a pod that scheduler places (`default-scheduler`: the real one).
    pub async fn pod(&self, yaml: &str) -> Pod {
        let mut value: Value = serde_saphyr::from_str(yaml).expect("valid pod YAML");
        match value["spec"]["nodeName"].as_str() {
            Some("") => {
                value["spec"].as_object_mut().map(|s| s.remove("nodeName"));
                if value["spec"]["schedulerName"].is_null() {
                    value["spec"]["schedulerName"] = json!(UNSERVED_SCHEDULER);
                }
            }
            Some(_) => {}
            None if value["spec"]["schedulerName"].is_string() => {}
            None => value["spec"]["nodeName"] = json!(env().node),
        }
        value["metadata"]["namespace"] = json!(self.name);
        self.api::<Pod>()
            .create(&PostParams::default(), &from_json(value))
            .await
            .unwrap_or_else(|e| panic!("create pod: {e}"))
    }

    /// Merge `status` into the pod's status through `pods/status`, as the kubelet does.
    pub async fn set_status(&self, pod: &str, status: Value) -> Pod {
        self.api::<Pod>()
            .patch_status(
                pod,
                &PatchParams::default(),
                &Patch::Merge(json!({ "status": status })),
            )
            .await
            .unwrap_or_else(|e| panic!("patch status of {pod}: {e}"))
    }

    /// Record an event about a pod, as the kubelet or the scheduler would.
    pub async fn event(
        &self,
        pod: &str,
        type_: &str,
        reason: &str,
        message: &str,
        component: &str,
        count: i32,
    ) {
        self.record_event(pod, None, type_, reason, message, component, count)
            .await;
    }

    /// Create an Event whose involved object is the pod (one of its containers with
    /// `field_path`), from `component`, as that component would.
    #[allow(clippy::too_many_arguments)]
    async fn record_event(
        &self,
        pod: &str,
        field_path: Option<&str>,
        type_: &str,
        reason: &str,
        message: &str,
        component: &str,
        count: i32,
    ) {
        let now = jiff::Timestamp::now().to_string();
        let uid = self
            .api::<Pod>()
            .get(pod)
            .await
            .ok()
            .and_then(|p| p.metadata.uid)
            .unwrap_or_default();
        let mut involved = json!({"kind": "Pod", "namespace": self.name, "name": pod, "uid": uid, "apiVersion": "v1"});
        if let Some(path) = field_path {
            involved["fieldPath"] = json!(path);
        }
        let event: Event = from_json(json!({
            "metadata": {"name": format!("{pod}.{}", random_suffix()), "namespace": self.name},
            "involvedObject": involved,
            "type": type_, "reason": reason, "message": message,
            "source": {"component": component, "host": env().node},
            "reportingComponent": component,
            "firstTimestamp": now, "lastTimestamp": now, "count": count
        }));
        self.api::<Event>()
            .create(&PostParams::default(), &event)
            .await
            .unwrap_or_else(|e| panic!("create event: {e}"));
    }

    /// Write (replace) the log of a container's current or previous instance.
    pub fn write_log(&self, pod: &str, container: &str, text: &str, previous: bool) {
        let dir = env().container_logs.join(&self.name).join(pod);
        std::fs::create_dir_all(&dir).expect("create log dir");
        let file = if previous {
            format!("{container}.previous")
        } else {
            container.to_string()
        };
        std::fs::write(dir.join(file), text).expect("write log");
    }

    /// Append to the log of a container's current instance.
    pub fn append_log(&self, pod: &str, container: &str, text: &str) {
        use std::io::Write;
        let dir = env().container_logs.join(&self.name).join(pod);
        std::fs::create_dir_all(&dir).expect("create log dir");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(container))
            .expect("open log");
        f.write_all(text.as_bytes()).expect("append log");
    }
}

impl Drop for TestNs {
    fn drop(&mut self) {
        // Best effort, without an async context: the pinned kubectl deletes the namespace.
        let _ = Command::new(env().bin_dir.join("kubectl"))
            .args(["--kubeconfig"])
            .arg(&env().kubeconfig)
            .args([
                "delete",
                "namespace",
                &self.name,
                "--wait=false",
                "--ignore-not-found",
            ])
            .output();
        let _ = std::fs::remove_dir_all(env().container_logs.join(&self.name));
        let _ = DeleteParams::default();
    }
}

/// Turn JSON into a typed object, panicking on a test's own mistake.
pub fn from_json<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("object JSON matches its type")
}

/// A fresh directory under the system's temporary directory, named `initdoctor-PREFIX-…`,
/// removed with everything in it when the handle is dropped.
pub fn scratch(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("initdoctor-{prefix}-"))
        .tempdir()
        .expect("create a scratch directory")
}

/// A lowercase random suffix (time- and pid-based, enough to keep test namespaces apart).
pub fn random_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:x}{:x}{n}", std::process::id() % 4096, nanos % 65536)
}

/// A status object for `initContainerStatuses` / `containerStatuses` entries.
pub mod state {
    use serde_json::{Value, json};

    pub fn running(name: &str, image: &str, started_at: &str) -> Value {
        json!({"name": name, "image": image, "imageID": "", "ready": false, "restartCount": 0,
               "started": true, "state": {"running": {"startedAt": started_at}}})
    }

    pub fn waiting(name: &str, image: &str, reason: &str, message: &str, restarts: i32) -> Value {
        json!({"name": name, "image": image, "imageID": "", "ready": false, "restartCount": restarts,
               "started": false, "state": {"waiting": {"reason": reason, "message": message}}})
    }

    pub fn terminated(
        name: &str,
        image: &str,
        exit_code: i32,
        reason: &str,
        restarts: i32,
    ) -> Value {
        json!({"name": name, "image": image, "imageID": "", "ready": false, "restartCount": restarts,
               "started": false,
               "state": {"terminated": {"exitCode": exit_code, "reason": reason,
                          "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:03Z"}}})
    }

    /// A container in a crash loop: waiting `CrashLoopBackOff` (`message`) after `restarts`
    /// restarts, its last run ended `Error` with exit code 1.
    pub fn crash_loop(name: &str, image: &str, message: &str, restarts: i32) -> Value {
        let mut s = waiting(name, image, "CrashLoopBackOff", message, restarts);
        s["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
            "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"}});
        s
    }

    /// A container that ran and exited 0 (`Completed`), never restarted.
    pub fn completed(name: &str, image: &str) -> Value {
        terminated(name, image, 0, "Completed", 0)
    }

    /// The conditions of a pod bound to a node and still initializing.
    pub fn initializing_conditions() -> Value {
        json!([
            {"type": "PodReadyToStartContainers", "status": "True"},
            {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized"},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
            {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady"},
            {"type": "PodScheduled", "status": "True"}
        ])
    }
}

/// The seeds' pod (seeds 000 and 002): `myapp-pod` (label `app: myapp`) with init containers
/// `init-myservice` and `init-mydb` running the shell scripts `first` and `second`, and the app
/// container `myapp-container`, all busybox:1.28.
pub fn seed_pod(first: &str, second: &str) -> String {
    // A JSON string is a YAML double-quoted scalar.
    let quote = |script: &str| serde_json::to_string(script).expect("a string");
    format!(
        r"
apiVersion: v1
kind: Pod
metadata:
  name: myapp-pod
  labels: {{app: myapp}}
spec:
  containers:
  - name: myapp-container
    image: busybox:1.28
    command: ['sh', '-c', 'echo The app is running! && sleep 3600']
  initContainers:
  - name: init-myservice
    image: busybox:1.28
    command: ['sh', '-c', {first}]
  - name: init-mydb
    image: busybox:1.28
    command: ['sh', '-c', {second}]
",
        first = quote(first),
        second = quote(second)
    )
}

/// How a run of the binary ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Assert the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Assert that stderr holds `text`.
    #[track_caller]
    pub fn assert_stderr_has(&self, text: &str) -> &Run {
        assert!(
            self.stderr.contains(text),
            "{text:?} not in stderr:\n{}",
            self.stderr
        );
        self
    }

    /// Assert that stderr, trailing blanks aside, ends with `text` (the one error line).
    #[track_caller]
    pub fn assert_stderr_ends_with(&self, text: &str) -> &Run {
        assert!(
            self.stderr.trim_end().ends_with(text),
            "stderr does not end with {text:?}:\n{}",
            self.stderr
        );
        self
    }

    /// Parse stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// The directory holding the built `kubectl-initdoctor`.
pub fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_kubectl-initdoctor"))
        .parent()
        .expect("binary has a directory")
        .to_path_buf()
}

/// An isolated environment: HOME an empty directory of this run's own (removed when the
/// returned handle is dropped), the test KUBECONFIG, NO_COLOR, PATH with the plugin and the
/// pinned kubectl first.
fn isolated(cmd: Command) -> (Command, tempfile::TempDir) {
    let home = scratch("home");
    (isolated_in(cmd, home.path()), home)
}

/// [`isolated`] with HOME `home`.
fn isolated_in(mut cmd: Command, home: &Path) -> Command {
    let path = format!(
        "{}:{}:/usr/bin:/bin",
        plugin_dir().display(),
        env().bin_dir.display()
    );
    cmd.env_clear()
        .env("HOME", home)
        .env("PATH", path)
        .env("KUBECONFIG", &env().kubeconfig)
        .env("NO_COLOR", "1");
    cmd
}

/// Run `kubectl initdoctor ARGS…` through kubectl's plugin discovery.
pub fn kubectl_initdoctor(args: &[&str]) -> Run {
    let (mut cmd, _home) = isolated(Command::new(env().bin_dir.join("kubectl")));
    cmd.arg("initdoctor").args(args);
    Run::from(cmd.output().expect("run kubectl"))
}

/// The binary under test: the one built, or `INITDOCTOR_BIN` (to run a suite against another
/// build, e.g. to compare before and after a change).
pub fn binary() -> PathBuf {
    std::env::var_os("INITDOCTOR_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_kubectl-initdoctor")))
}

/// Run the binary directly, with extra environment variables.
pub fn initdoctor_with_env(args: &[&str], vars: &[(&str, &str)]) -> Run {
    let (mut cmd, _home) = isolated(Command::new(binary()));
    cmd.args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    Run::from(cmd.output().expect("run kubectl-initdoctor"))
}

/// Run the binary directly.
pub fn initdoctor(args: &[&str]) -> Run {
    initdoctor_with_env(args, &[])
}

/// Run the pinned kubectl with the test kubeconfig.
pub fn kubectl(args: &[&str]) -> Run {
    let (mut cmd, _home) = isolated(Command::new(env().bin_dir.join("kubectl")));
    cmd.args(args);
    Run::from(cmd.output().expect("run kubectl"))
}

/// The audit log entries (JSON lines) that mention `needle`.
pub fn audit_entries(needle: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(&env().audit_log).unwrap_or_default();
    text.lines()
        .filter(|l| l.contains(needle))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Run the binary directly, feeding `input` on stdin.
pub fn initdoctor_with_stdin(args: &[&str], input: &str) -> Run {
    initdoctor_with_stdin_after(args, input, Duration::from_millis(1500))
}

/// [`initdoctor_with_stdin`], typing only after `delay` (a real node takes seconds to start a
/// copy of a pod and its debug container).
pub fn initdoctor_with_stdin_after(args: &[&str], input: &str, delay: Duration) -> Run {
    use std::io::Write;
    use std::process::Stdio;
    let (mut cmd, _home) = isolated(Command::new(env!("CARGO_BIN_EXE_kubectl-initdoctor")));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn kubectl-initdoctor");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        // Give the session time to attach before typing, as a person would.
        std::thread::sleep(delay);
        for line in input.lines() {
            let _ = stdin.write_all(format!("{line}\n").as_bytes());
            let _ = stdin.flush();
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let output = child
        .wait_with_output()
        .expect("wait for kubectl-initdoctor");
    let _ = writer.join();
    Run::from(output)
}

/// The number of audit lines so far: pass it to [`audit_since`] to see only what came after.
pub fn audit_mark() -> usize {
    std::fs::read_to_string(&env().audit_log)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// Waits until the API server's audit log holds every request made before this call: it makes
/// one more request (a `get` of a ConfigMap no one has, in `kube-system`, named by a random
/// marker) and reads the log until that request is in it, for at most 10 s. A request's line
/// may trail the response its client saw (the old helpers waited for that with sleeps), so a
/// command that has exited may not be in the log yet; the marker is asked after it exited.
pub fn audit_flush() {
    let marker = format!("initdoctor-audit-mark-{}", random_suffix());
    let _ = kubectl(&[
        "get",
        "--raw",
        &format!("/api/v1/namespaces/kube-system/configmaps/{marker}"),
    ]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(&env().audit_log).unwrap_or_default();
        if text.contains(&marker) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the audit log has no line for {marker} after 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `verb resource[/subresource]` of every request made after `mark` by `user` in `namespace`,
/// sorted and deduplicated, once the audit log holds them ([`audit_flush`]).
pub fn audit_since(mark: usize, user: &str, namespace: &str) -> Vec<String> {
    audit_flush();
    let text = std::fs::read_to_string(&env().audit_log).unwrap_or_default();
    let mut seen: Vec<String> = text
        .lines()
        .skip(mark)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["user"]["username"] == user && e["objectRef"]["namespace"] == namespace)
        .map(|e| {
            let resource = e["objectRef"]["resource"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let sub = e["objectRef"]["subresource"].as_str().unwrap_or("");
            let verb = e["verb"].as_str().unwrap_or("");
            if sub.is_empty() {
                format!("{verb} {resource}")
            } else {
                format!("{verb} {resource}/{sub}")
            }
        })
        .collect();
    seen.sort();
    seen.dedup();
    seen
}

/// The writes among [`audit_since`]'s requests: all but get, list and watch.
pub fn writes_since(mark: usize, user: &str, namespace: &str) -> Vec<String> {
    audit_since(mark, user, namespace)
        .into_iter()
        .filter(|w| !w.starts_with("get ") && !w.starts_with("list ") && !w.starts_with("watch "))
        .collect()
}

/// Lines of a spawned run's stdout as they come, with when they came.
pub fn lines_of(
    child: &mut std::process::Child,
) -> std::sync::mpsc::Receiver<(std::time::Instant, String)> {
    use std::io::{BufRead, BufReader};
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((std::time::Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    rx
}

/// Start the binary in the background (stdout and stderr captured). Its HOME is `home` in the
/// cluster's state directory (the child may outlive this call), shared by such runs.
pub fn spawn_initdoctor(args: &[&str]) -> std::process::Child {
    use std::process::Stdio;
    let home = env().state_dir.join("home");
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = isolated_in(Command::new(binary()), &home);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("spawn kubectl-initdoctor")
}

/// Wait for a spawned run to end by itself within `limit`; kill it and panic otherwise.
pub fn finish_within(mut child: std::process::Child, limit: Duration) -> Run {
    let deadline = std::time::Instant::now() + limit;
    loop {
        match child.try_wait().expect("poll child") {
            Some(_) => return Run::from(child.wait_with_output().expect("collect output")),
            None if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                let run = Run::from(child.wait_with_output().expect("collect output"));
                panic!(
                    "did not end within {limit:?}; stdout: {}\nstderr: {}",
                    run.stdout, run.stderr
                );
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

// ---- Helpers added for the explain end-to-end tests (tests/e2e_explain.rs). ----

impl TestNs {
    /// Record an event about one container of a pod (`involvedObject.fieldPath` set to
    /// `spec.initContainers{name}` or `spec.containers{name}`), as the kubelet does.
    pub async fn container_event(
        &self,
        pod: &str,
        field_path: &str,
        type_: &str,
        reason: &str,
        message: &str,
        count: i32,
    ) {
        self.record_event(
            pod,
            Some(field_path),
            type_,
            reason,
            message,
            "kubelet",
            count,
        )
        .await;
    }
}

/// The audit entries mentioning `needle`, once the log holds every request made before this
/// call ([`audit_flush`]).
pub fn audit_entries_settled(needle: &str) -> Vec<Value> {
    audit_flush();
    audit_entries(needle)
}

// ---- Helpers added for the waits end-to-end tests (tests/e2e_waits.rs). ----

impl TestNs {
    /// The pod's spec as the API server stored it.
    pub async fn spec_of(&self, pod: &str) -> k8s_openapi::api::core::v1::PodSpec {
        self.api::<Pod>()
            .get(pod)
            .await
            .expect("get pod")
            .spec
            .unwrap_or_default()
    }

    /// Write the status the kubelet writes for a Ready pod: phase Running, `ip`, conditions
    /// Ready=True, every container running and ready.
    pub async fn set_ready(&self, pod: &str, ip: &str) -> Pod {
        let spec = self.spec_of(pod).await;
        let app: Vec<Value> = spec
            .containers
            .iter()
            .map(|c| {
                json!({"name": c.name, "image": c.image, "imageID": "", "ready": true, "restartCount": 0,
                       "started": true, "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}})
            })
            .collect();
        let init: Vec<Value> = spec
            .init_containers
            .iter()
            .flatten()
            .map(|c| state::completed(&c.name, c.image.as_deref().unwrap_or("")))
            .collect();
        self.set_status(
            pod,
            json!({
                "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "127.0.0.1",
                "conditions": [
                    {"type": "PodReadyToStartContainers", "status": "True"},
                    {"type": "Initialized", "status": "True"},
                    {"type": "Ready", "status": "True"},
                    {"type": "ContainersReady", "status": "True"},
                    {"type": "PodScheduled", "status": "True"}
                ],
                "initContainerStatuses": init,
                "containerStatuses": app
            }),
        )
        .await
    }

    /// Write the status of a pod whose first init container runs (the others wait), with `ip`
    /// (a pod has its IP once its sandbox exists, before init containers run).
    pub async fn set_initializing(&self, pod: &str, ip: &str) -> Pod {
        let spec = self.spec_of(pod).await;
        let init: Vec<Value> = spec
            .init_containers
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, c)| {
                let image = c.image.as_deref().unwrap_or("");
                if i == 0 {
                    state::running(&c.name, image, "2026-01-01T00:00:00Z")
                } else {
                    state::waiting(&c.name, image, "PodInitializing", "", 0)
                }
            })
            .collect();
        let app: Vec<Value> = spec
            .containers
            .iter()
            .map(|c| {
                state::waiting(
                    &c.name,
                    c.image.as_deref().unwrap_or(""),
                    "PodInitializing",
                    "",
                    0,
                )
            })
            .collect();
        self.set_status(
            pod,
            json!({
                "phase": "Pending", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "127.0.0.1",
                "conditions": state::initializing_conditions(),
                "initContainerStatuses": init,
                "containerStatuses": app
            }),
        )
        .await
    }

    /// Wait (at most 60s) until the EndpointSlices of `service` list `total` endpoints, `ready`
    /// of them ready — as written by the controller manager's endpointslice controller.
    pub async fn await_endpoints(&self, service: &str, total: usize, ready: usize) {
        use k8s_openapi::api::discovery::v1::EndpointSlice;
        let api = self.api::<EndpointSlice>();
        let params = kube::api::ListParams::default()
            .labels(&format!("kubernetes.io/service-name={service}"));
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let mut seen = (0, 0, 0);
        while std::time::Instant::now() < deadline {
            if let Ok(list) = api.list(&params).await {
                let eps: Vec<_> = list
                    .items
                    .iter()
                    .flat_map(|s| s.endpoints.iter().flatten())
                    .collect();
                let r = eps
                    .iter()
                    .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
                    .count();
                seen = (list.items.len(), eps.len(), r);
                if seen.0 > 0 && seen.1 == total && seen.2 == ready {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "the endpointslice controller did not write {total} endpoint(s), {ready} ready, for Service {service} within 60s (slices, endpoints, ready: {seen:?})"
        );
    }
}

// ---- Reading explain's output, shared by the explain test files. ----

/// `explain POD -n NS -o json [EXTRA…]`: exit 0, nothing on stderr, exactly one pod, whose
/// object is returned.
pub fn explain_one(ns: &TestNs, pod: &str, extra: &[&str]) -> Value {
    let mut args = vec!["explain", pod, "-n", &ns.name, "-o", "json"];
    args.extend_from_slice(extra);
    let run = initdoctor(&args);
    assert_eq!(
        run.code, 0,
        "stderr: {}\nstdout: {}",
        run.stderr, run.stdout
    );
    assert_eq!(run.stderr, "", "no noise on stderr");
    let doc = run.json();
    let pods = doc["pods"].as_array().expect("pods array");
    assert_eq!(pods.len(), 1, "{doc:#}");
    pods[0].clone()
}

/// `explain POD -n NS` as a table: exit 0, and no escape codes (the harness sets NO_COLOR).
pub fn explain_table(ns: &TestNs, pod: &str) -> String {
    let run = initdoctor(&["explain", pod, "-n", &ns.name]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'), "NO_COLOR: no escape codes");
    run.stdout
}

/// The codes of the pod's findings, in explain's order.
pub fn codes(pod: &Value) -> Vec<String> {
    codes_where(pod, |_| true)
}

/// The codes of the findings about `target`, exactly as explain wrote them.
pub fn codes_about(pod: &Value, target: &str) -> Vec<String> {
    codes_where(pod, |f| f["target"] == target)
}

fn codes_where(pod: &Value, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    pod["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| keep(f))
        .map(|f| f["code"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The one finding with `code` (panics when there is none or several).
pub fn finding<'a>(pod: &'a Value, code: &str) -> &'a Value {
    exactly_one(pod, code, |_| true)
}

/// The one finding with `code` about `target` (a waits finding).
pub fn finding_about<'a>(pod: &'a Value, code: &str, target: &str) -> &'a Value {
    exactly_one(pod, code, |f| f["target"] == target)
}

fn exactly_one<'a>(pod: &'a Value, code: &str, keep: impl Fn(&Value) -> bool) -> &'a Value {
    let all = pod["findings"].as_array().expect("findings array");
    let found: Vec<&Value> = all
        .iter()
        .filter(|f| f["code"] == code && keep(f))
        .collect();
    assert_eq!(found.len(), 1, "expected one {code} in {all:#?}");
    found[0]
}

/// True when a line of the finding's evidence contains `needle`.
pub fn evidence_has(f: &Value, needle: &str) -> bool {
    f["evidence"].as_array().is_some_and(|e| {
        e.iter()
            .any(|l| l.as_str().is_some_and(|l| l.contains(needle)))
    })
}
