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

use std::process::{Command, Stdio};
use std::time::Duration;

use common::credentials::{
    Rotation, assert_tokens_expire, cluster, line_with, stderr_of, watch_prints_every_change_once,
    watched_namespace, with_kubeconfig,
};
use common::{TestNs, env, lines_of, state};
use serde_json::json;

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
    run.assert_stderr_has("exited with code 3.");
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
