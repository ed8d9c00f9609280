//! End to end: one payload of everything a terminal or a bidi-aware viewer acts on — ESC with a
//! CSI and an OSC sequence, BEL, a C1 CSI, a bidi override and isolate, zero-width characters
//! and a tag character — written where anyone who may create a pod can write (an init
//! container's status message, an event, its current and previous logs, a debug container's
//! output), then read back through every command's output paths: `explain` (the one-pod view,
//! wide, the namespace's triage, `--watch`), `logs` on a terminal (current and previous) and
//! `debug`. Each shows the payload as the one sanitiser (`initdoctor::sanitize`) shows it, and
//! lets none of it through raw; `-o json` keeps it exact, and `logs` on a pipe passes it
//! through unchanged, as kubectl does.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{TestNs, env, initdoctor, lines_of, state};
use serde_json::json;

/// No whitespace in it (the fake node's `echo` splits on it, Unicode spaces included).
const PAYLOAD: &str =
    "x\u{1b}[2J\u{1b}]0;t\u{7}\u{9b}31m\u{202e}\u{2066}\u{200b}\u{feff}\u{e0041}y";
const SHOWN: &str = "x^[[2J^[]0;t^G<U+009B>31m<U+202E><U+2066><U+200B><U+FEFF><U+E0041>y";

/// The first character of `text` a terminal would act on (a pty's `\r` aside).
fn raw(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
            || initdoctor::sanitize::is_format_control(c)
    })
}

/// `args` run on a terminal (a pty, through `script`): what it printed, `\r\n` as `\n`.
fn on_terminal(args: &[&str]) -> String {
    let quoted: Vec<String> = std::iter::once(common::binary().display().to_string())
        .chain(args.iter().map(|a| (*a).to_string()))
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let out = Command::new("script")
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", std::env::temp_dir())
        .env("KUBECONFIG", &env().kubeconfig)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

#[tokio::test]
async fn every_output_path_shows_cluster_text_through_the_one_sanitiser() {
    let ns = TestNs::new("sanitize").await;
    ns.pod(
        r"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - {name: step, image: busybox:1.35, command: ['sh', '-c', 'migrate-db']}
  containers:
  - {name: app, image: busybox:1.35}
",
    )
    .await;
    let mut step = state::waiting("step", "busybox:1.35", "CrashLoopBackOff", PAYLOAD, 3);
    step["lastState"] = json!({"terminated": {"exitCode": 2, "reason": "Error", "message": PAYLOAD,
        "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"}});
    ns.set_status(
        "web",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [step],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.event("web", "Warning", "BackOff", PAYLOAD, "kubelet", 2)
        .await;
    // A second pod whose waiting reason is the payload: the STATUS column of the triage shows it.
    ns.pod(
        r"
apiVersion: v1
kind: Pod
metadata: {name: odd}
spec:
  initContainers:
  - {name: step, image: busybox:1.35, command: ['sh', '-c', 'migrate-db']}
  containers:
  - {name: app, image: busybox:1.35}
",
    )
    .await;
    ns.set_status(
        "odd",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::waiting("step", "busybox:1.35", PAYLOAD, PAYLOAD, 0)],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.write_log("web", "step", &format!("{PAYLOAD}\n"), true);
    ns.write_log("web", "step", &format!("{PAYLOAD}\n"), false);

    // (what, its output; whether it must show the payload)
    let mut outputs: Vec<(String, String, bool)> = Vec::new();
    for extra in [&[][..], &["-o", "wide"], &["--details"]] {
        let run = initdoctor(&[&["explain", "web", "-n", &ns.name][..], extra].concat());
        run.assert_code(0);
        outputs.push((format!("explain web {extra:?}"), run.stdout.clone(), true));
        outputs.push((
            format!("explain web {extra:?} (stderr)"),
            run.stderr.clone(),
            false,
        ));
    }
    let run = initdoctor(&["explain", "-n", &ns.name, "-o", "wide"]);
    run.assert_code(0);
    outputs.push(("explain -n (triage)".into(), run.stdout.clone(), true));
    // The watch's first print.
    let mut child = common::spawn_initdoctor(&["explain", "-n", &ns.name, "--watch"]);
    let lines = lines_of(&mut child);
    let mut first = String::new();
    while let Ok((_, line)) = lines.recv_timeout(Duration::from_secs(5)) {
        first.push_str(&line);
        first.push('\n');
    }
    let _ = child.kill();
    let _ = child.wait();
    outputs.push(("explain --watch".into(), first, true));
    for previous in [false, true] {
        let mut args = vec!["logs", "web", "-c", "step", "-n", &ns.name];
        if previous {
            args.push("--previous");
        }
        outputs.push((
            format!("logs on a terminal {args:?}"),
            on_terminal(&args),
            true,
        ));
    }
    // `debug` of a pod whose blocker runs (a debug container shares its processes).
    ns.pod(
        r"
apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  initContainers:
  - {name: step, image: busybox:1.35, command: ['sh', '-c', 'migrate-db']}
  containers:
  - {name: app, image: busybox:1.35}
",
    )
    .await;
    ns.set_status(
        "live",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("step", "busybox:1.35", "2026-01-01T00:00:00Z")],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
    let run = initdoctor(&[
        "debug",
        "live",
        "-n",
        &ns.name,
        "--timeout",
        "30s",
        "--",
        "sh",
        "-c",
        // The fake node's shell ends a command at `;`.
        &format!("echo {}", PAYLOAD.replace(';', ":")),
    ]);
    let shown = SHOWN.replace(';', ":");
    assert!(
        run.stdout.contains(&shown),
        "debug: its container's log does not show {shown:?}: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    outputs.push((
        "debug (its container's log)".into(),
        run.stdout.clone(),
        false,
    ));
    outputs.push(("debug (stderr)".into(), run.stderr.clone(), false));

    let mut failures = Vec::new();
    for (what, text, shows) in &outputs {
        if let Some(c) = raw(text) {
            failures.push(format!("{what}: {c:?} reached the terminal:\n{text}"));
        }
        if *shows && !text.contains(SHOWN) {
            failures.push(format!("{what}: does not show {SHOWN:?}:\n{text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    // Exact where a program reads it: JSON, and logs on a pipe (as kubectl).
    let run = initdoctor(&["explain", "web", "-n", &ns.name, "-o", "json"]);
    assert!(
        run.json()
            .to_string()
            .contains(&serde_json::to_string(PAYLOAD).unwrap()[1..30])
    );
    let run = initdoctor(&[
        "logs",
        "web",
        "-c",
        "step",
        "-n",
        &ns.name,
        "--prefix=false",
    ]);
    assert_eq!(run.stdout, format!("{PAYLOAD}\n"));
}
