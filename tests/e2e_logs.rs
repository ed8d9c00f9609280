//! End to end: `logs` tells the start-up story — init containers in spec order, the previous
//! attempt of a crash-looping one first, `-f` following the running one then the next as it
//! starts — through a fakelet that answers pods/log as a kubelet does (400 for a container not
//! started, `previous` only after a restart, per-line timestamps in the CRI format).

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{TestNs, env, finish_within, initdoctor, lines_of, spawn_initdoctor, state};
use serde_json::{Value, json};

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: two-step, labels: {app: two-step}}
spec:
  initContainers:
  - {name: fetch, image: busybox:1.28, command: ['sh', '-c', 'wget -qO /work/x http://files/x']}
  - {name: migrate, image: busybox:1.28, command: ['sh', '-c', 'echo migrating']}
  containers:
  - {name: app, image: nginx:1.27}
"#;

/// Write a container log in the CRI format the runtime writes: one timestamp per line.
fn write_cri(ns: &TestNs, pod: &str, file: &str, lines: &[(&str, &str)], append: bool) {
    use std::io::Write;
    let dir = env().container_logs.join(&ns.name).join(pod);
    std::fs::create_dir_all(&dir).expect("log dir");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(dir.join(file))
        .expect("open log");
    for (at, text) in lines {
        writeln!(f, "{at} stdout F {text}").expect("write log");
    }
}

fn crashed(name: &str, restarts: i32, running: bool) -> Value {
    let mut s = if running {
        state::running(name, "busybox:1.28", "2026-01-01T00:00:09Z")
    } else {
        state::waiting(
            name,
            "busybox:1.28",
            "CrashLoopBackOff",
            "back-off",
            restarts,
        )
    };
    s["restartCount"] = json!(restarts);
    s["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
        "startedAt": "2026-01-01T00:00:05Z", "finishedAt": "2026-01-01T00:00:08Z"}});
    s
}

/// `two-step` with `fetch` running and `migrate` not started yet.
async fn fetch_running(ns: &TestNs) {
    two_step(
        ns,
        json!([
            state::running("fetch", "busybox:1.28", "2026-01-01T00:00:00Z"),
            state::waiting("migrate", "busybox:1.28", "PodInitializing", "", 0)
        ]),
    )
    .await;
}

async fn two_step(ns: &TestNs, statuses: Value) {
    ns.pod(POD).await;
    ns.set_status(
        "two-step",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": statuses}),
    )
    .await;
}

#[tokio::test]
async fn logs_in_spec_order_with_the_previous_attempt_of_a_crash_loop_first() {
    let ns = TestNs::new("logs").await;
    two_step(
        &ns,
        json!([
            state::completed("fetch", "busybox:1.28"),
            crashed("migrate", 1, true)
        ]),
    )
    .await;
    // Written in the opposite order, so that spec order is what the output shows.
    ns.write_log("two-step", "migrate", "migrating 2/3\n", false);
    ns.write_log("two-step", "migrate", "connection refused\n", true);
    ns.write_log("two-step", "fetch", "fetched x\n", false);

    let run = initdoctor(&["logs", "two-step", "-n", &ns.name]);
    run.assert_code(0);
    // Not a terminal: prefixed, the previous attempt before the current one.
    assert_eq!(
        run.stdout,
        "[init 1/2 fetch] fetched x\n[init 2/2 migrate] connection refused\n[init 2/2 migrate] migrating 2/3\n"
    );
    let order = [
        "==> init 1/2 fetch (attempt 0, terminated) <==",
        "<== fetch: exit code 0 (Completed) after 3s",
        "==> init 2/2 migrate (attempt 0, previous) <==",
        "<== migrate: exit code 1 (Error) after 3s",
        "==> init 2/2 migrate (attempt 1, running) <==",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|h| {
            run.stderr
                .find(h)
                .unwrap_or_else(|| panic!("{h} missing: {}", run.stderr))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{}", run.stderr);

    let cases: &[(&[&str], &str)] = &[
        (&["-p"], "[init 2/2 migrate] connection refused\n"),
        (
            &["-c", "migrate", "--prefix=false"],
            "connection refused\nmigrating 2/3\n",
        ),
        (&["-c", "fetch", "--prefix=false"], "fetched x\n"),
        (
            &["-c", "migrate", "-p", "--prefix=false"],
            "connection refused\n",
        ),
        (
            &["pod/two-step", "-c", "fetch"],
            "[init 1/2 fetch] fetched x\n",
        ),
        (
            &["-l", "app=two-step", "-c", "fetch"],
            "[two-step init 1/2 fetch] fetched x\n",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["logs", "-n", &ns.name];
        if !extra.iter().any(|a| a.contains("two-step")) {
            args.insert(1, "two-step");
        }
        args.extend_from_slice(extra);
        let run = initdoctor(&args);
        assert_eq!(run.code, 0, "{extra:?} stderr: {}", run.stderr);
        assert_eq!(run.stdout, *want, "{extra:?} stderr: {}", run.stderr);
    }
    let run = initdoctor(&["logs", "two-step", "-n", &ns.name, "-p", "-c", "fetch"]);
    run.assert_stderr_has("no previous attempt");

    let errors: &[(&[&str], i32, &str)] = &[
        (&["logs", "missing"], 4, "pod \"missing\" not found"),
        (
            &["logs", "two-step", "-c", "nope"],
            4,
            "it has: fetch, migrate, app",
        ),
        (&["logs", "service/x"], 2, "cannot show logs of \"service\""),
        (&["logs", "two-step", "--tail", "-2"], 2, "--tail"),
        (&["logs", "-l", "app=none"], 4, "no pod matches"),
    ];
    for (args, code, needle) in errors {
        let mut args = args.to_vec();
        args.extend(["-n", &ns.name]);
        let run = initdoctor(&args);
        assert_eq!(run.code, *code, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: ") && run.stderr.contains(needle),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

/// The fakelet answers as a kubelet: a container not started is refused with 400 and the
/// kubelet's words, `previous` needs a restart — and the tool says so instead of failing.
#[tokio::test]
async fn containers_not_started_are_told_apart_in_the_kubelets_words() {
    let ns = TestNs::new("logsns").await;
    two_step(
        &ns,
        json!([
            state::waiting("fetch", "busybox:1.28", "ImagePullBackOff", "", 0),
            state::waiting("migrate", "busybox:1.28", "PodInitializing", "", 0)
        ]),
    )
    .await;
    let kubectl = common::kubectl(&["logs", "two-step", "-c", "fetch", "-n", &ns.name]);
    assert_ne!(kubectl.code, 0);
    kubectl.assert_stderr_has("container \"fetch\" in pod \"two-step\" is waiting to start: trying and failing to pull image");
    let kubectl = common::kubectl(&["logs", "two-step", "-c", "migrate", "-p", "-n", &ns.name]);
    kubectl.assert_stderr_has(
        "previous terminated container \"migrate\" in pod \"two-step\" not found",
    );

    let run = initdoctor(&["logs", "two-step", "-n", &ns.name, "--all-attempts"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "");
    run.assert_stderr_has("==> init 1/2 fetch (not started yet: ImagePullBackOff) <==");
    run.assert_stderr_has("==> init 2/2 migrate (not started yet: PodInitializing) <==");
}

#[tokio::test]
async fn json_timestamps_since_and_bytes_kept_as_they_are() {
    let ns = TestNs::new("logsjs").await;
    two_step(
        &ns,
        json!([
            state::completed("fetch", "busybox:1.28"),
            state::running("migrate", "busybox:1.28", "2026-01-01T00:00:04Z")
        ]),
    )
    .await;
    write_cri(
        &ns,
        "two-step",
        "fetch",
        &[
            ("2026-01-01T00:00:01.5Z", "old"),
            ("2026-01-01T00:00:03.25Z", "new"),
        ],
        false,
    );
    // Invalid UTF-8 and terminal escapes pass through unchanged on a pipe.
    let raw: &[u8] = b"\xff\xfe bytes \x1b]0;title\x07 kept\n";
    let dir = env().container_logs.join(&ns.name).join("two-step");
    std::fs::write(dir.join("migrate"), raw).unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-initdoctor"))
        .args([
            "logs",
            "two-step",
            "-c",
            "migrate",
            "--prefix=false",
            "-n",
            &ns.name,
        ])
        .env("KUBECONFIG", &env().kubeconfig)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, raw, "bytes as they are");

    let run = initdoctor(&[
        "logs", "two-step", "-c", "fetch", "-n", &ns.name, "-o", "json",
    ]);
    run.assert_code(0);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(
        lines[1],
        json!({"namespace": ns.name, "pod": "two-step", "container": "fetch", "index": 0,
               "kind": "init", "attempt": 0, "time": "2026-01-01T00:00:03.250000000Z", "line": "new"})
    );

    let cases: &[(&[&str], &str)] = &[
        (
            &["--timestamps"],
            "2026-01-01T00:00:01.500000000Z old\n2026-01-01T00:00:03.250000000Z new\n",
        ),
        (&["--since-time", "2026-01-01T00:00:02Z"], "new\n"),
        (&["--tail", "1"], "new\n"),
        (&["--since", "1h"], ""),
    ];
    for (extra, want) in cases {
        let mut args = vec![
            "logs",
            "two-step",
            "-c",
            "fetch",
            "--prefix=false",
            "-n",
            &ns.name,
        ];
        args.extend_from_slice(extra);
        let run = initdoctor(&args);
        assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
        assert_eq!(run.stdout, *want, "{extra:?}: {}", run.stderr);
    }
}

/// Wait for the tool to print `want` next (it must, within 15 s).
fn expect_line(rx: &mpsc::Receiver<(Instant, String)>, want: &str) -> Instant {
    let (at, line) = rx
        .recv_timeout(Duration::from_secs(15))
        .unwrap_or_else(|_| panic!("the tool did not print {want:?} in time"));
    assert_eq!(line, want);
    at
}

/// fetch runs and has logged `one`; `logs two-step -f --prefix=false` has printed it.
async fn follow_fetch(
    ns: &TestNs,
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<(Instant, String)>,
) {
    fetch_running(ns).await;
    ns.write_log("two-step", "fetch", "one\n", false);
    let mut child = spawn_initdoctor(&["logs", "two-step", "-n", &ns.name, "-f", "--prefix=false"]);
    let rx = lines_of(&mut child);
    expect_line(&rx, "one");
    (child, rx)
}

#[tokio::test]
async fn follow_prints_each_line_as_it_comes_across_containers() {
    let ns = TestNs::new("logsf").await;
    let (child, rx) = follow_fetch(&ns).await;
    let written = Instant::now();
    ns.append_log("two-step", "fetch", "two\n");
    let printed = expect_line(&rx, "two");
    // Streamed, not collected: the line shows up while fetch still runs.
    assert!(printed - written < Duration::from_secs(5));
    ns.set_status(
        "two-step",
        json!({"initContainerStatuses": [
                   state::completed("fetch", "busybox:1.28"),
                   state::running("migrate", "busybox:1.28", "2026-01-01T00:00:04Z")]}),
    )
    .await;
    ns.write_log("two-step", "migrate", "three\n", false);
    expect_line(&rx, "three");
    ns.append_log("two-step", "migrate", "four\n");
    expect_line(&rx, "four");
    assert!(rx.try_recv().is_err(), "nothing printed twice");
    ns.set_status(
        "two-step",
        json!({"conditions": [{"type": "Initialized", "status": "True"}],
               "initContainerStatuses": [
                   state::completed("fetch", "busybox:1.28"),
                   state::completed("migrate", "busybox:1.28")]}),
    )
    .await;
    let run = finish_within(child, Duration::from_secs(30));
    run.assert_code(0);
    run.assert_stderr_has("All init containers have completed.");
    let fetch = run
        .stderr
        .find("<== fetch: exit code 0")
        .expect("fetch footer");
    let migrate = run
        .stderr
        .find("==> init 2/2 migrate")
        .expect("migrate header");
    assert!(fetch < migrate, "{}", run.stderr);
}

/// The kubelet side drops the follow (as a restart does): the tool resumes from the last
/// timestamp it printed, losing and repeating nothing.
#[tokio::test]
async fn a_dropped_follow_resumes_without_losing_or_repeating_a_line() {
    let ns = TestNs::new("logsdrop").await;
    fetch_running(&ns).await;
    write_cri(
        &ns,
        "two-step",
        "fetch",
        &[
            ("2026-01-01T00:00:01.1Z", "a"),
            ("2026-01-01T00:00:01.2Z", "b"),
        ],
        false,
    );
    let mut child = spawn_initdoctor(&[
        "logs",
        "two-step",
        "-n",
        &ns.name,
        "-f",
        "-c",
        "fetch",
        "--prefix=false",
    ]);
    let rx = lines_of(&mut child);
    expect_line(&rx, "a");
    expect_line(&rx, "b");
    let dir = env().container_logs.join(&ns.name).join("two-step");
    std::fs::write(dir.join("fetch.drop"), "").unwrap();
    // Written while the stream is down, in the same second as what was printed.
    write_cri(
        &ns,
        "two-step",
        "fetch",
        &[
            ("2026-01-01T00:00:01.3Z", "c"),
            ("2026-01-01T00:00:02Z", "d"),
        ],
        true,
    );
    expect_line(&rx, "c");
    expect_line(&rx, "d");
    assert!(
        !dir.join("fetch.drop").exists(),
        "the fakelet dropped the stream"
    );
    ns.set_status(
        "two-step",
        json!({"initContainerStatuses": [state::completed("fetch", "busybox:1.28")]}),
    )
    .await;
    let run = finish_within(child, Duration::from_secs(30));
    run.assert_code(0);
    assert_eq!(run.stdout, "", "nothing after d: {}", run.stdout);
}

#[tokio::test]
async fn a_pod_deleted_mid_follow_ends_with_exit_code_4() {
    let ns = TestNs::new("logsdel").await;
    let (child, _rx) = follow_fetch(&ns).await;
    let deleted = common::kubectl(&["delete", "pod", "two-step", "-n", &ns.name, "--wait=false"]);
    deleted.assert_code(0);
    let run = finish_within(child, Duration::from_secs(30));
    run.assert_code(4);
    run.assert_stderr_has("deleted");
}

/// A 200 MB log streams through in flat memory, byte for byte.
#[tokio::test]
async fn a_200_mb_log_streams_in_flat_memory() {
    let ns = TestNs::new("logsbig").await;
    two_step(&ns, json!([state::completed("fetch", "busybox:1.28")])).await;
    let dir = env().container_logs.join(&ns.name).join("two-step");
    std::fs::create_dir_all(&dir).unwrap();
    let line = format!("{}\n", "x".repeat(99));
    let block = line.repeat(10_000); // 1 MB
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("fetch")).unwrap());
        for _ in 0..200 {
            f.write_all(block.as_bytes()).unwrap();
        }
    }
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_kubectl-initdoctor"))
        .args([
            "logs",
            "two-step",
            "-c",
            "fetch",
            "--prefix=false",
            "-n",
            &ns.name,
        ])
        .env("KUBECONFIG", &env().kubeconfig)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let output = out.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(output.stdout.len(), 200 * block.len());
    let peak_kb: u64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("peak memory from /usr/bin/time -v");
    assert!(
        // Flat, not collected: a 200 MB log read whole would need over 200 MB. The bound leaves
        // room for a loaded machine (32 MB was seen with other builds running beside it).
        peak_kb < 64 * 1024,
        "peak memory {peak_kb} kB for a 200 MB log"
    );
}

/// On the real node: a real init container that crashes once then succeeds, and a second one
/// after it, followed from the start (assumes busybox:1.35 and restartPolicy Always).
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_follow_across_a_real_restart_and_two_init_containers() {
    let node = common::real_node();
    let ns = TestNs::new("logsreal").await;
    common::realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: story}
spec:
  volumes: [{name: w, emptyDir: {}}]
  initContainers:
  - name: flaky
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    volumeMounts: [{name: w, mountPath: /w}]
    command: ['sh', '-c', 'if [ -e /w/once ]; then echo second try; else touch /w/once; echo first try; exit 3; fi']
  - name: second
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'echo step two; sleep 1; echo done']
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}
"#,
    )
    .await;
    let child = spawn_initdoctor(&["logs", "story", "-n", &ns.name, "-f", "--prefix=false"]);
    let run = finish_within(child, Duration::from_secs(120));
    run.assert_code(0);
    assert!(
        run.stdout.ends_with("second try\nstep two\ndone\n"),
        "{}",
        run.stdout
    );
    run.assert_stderr_has("exit code 3");
}
