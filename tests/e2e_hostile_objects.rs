//! End to end: hostile objects on the control plane. A pod's status, its events and its logs
//! are writable by anyone who may create a pod; whatever they hold, `explain` shows it without
//! letting the terminal act on it (table and wide), keeps it exact in JSON, keeps evidence that
//! is not UTF-8, bounds what a log adds, and only reads (the audit log is the witness).

mod common;

use std::time::Duration;

use common::{TestNs, audit_mark, audit_since, env, from_json, initdoctor, random_suffix, state};
use k8s_openapi::api::core::v1::Event;
use kube::api::PostParams;
use serde_json::{Value, json};

/// What a hostile pod is made of.
struct Object {
    name: &'static str,
    /// The init container's command (`sh -c SCRIPT`).
    script: &'static str,
    /// The init container's status entry (built from `state::…`), and the pod-level extras.
    status: Value,
    pod_status: Value,
    /// Events: (reason, message, component).
    events: Vec<(&'static str, &'static str, &'static str)>,
    /// The previous instance's log, as bytes.
    previous_log: Option<Vec<u8>>,
    /// What the wide table must show, escaped.
    shows: Vec<&'static str>,
    /// A raw string the JSON output must keep exactly.
    json_keeps: Option<&'static str>,
}

fn crashing(reason: &str, message: &str, last_reason: &str, last_message: &str) -> Value {
    let mut s = state::waiting("step", "busybox:1.35", reason, message, 3);
    s["lastState"] = json!({"terminated": {"exitCode": 2, "reason": last_reason, "message": last_message,
        "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"}});
    s
}

fn plain_crash() -> Value {
    crashing("CrashLoopBackOff", "back-off 40s", "Error", "")
}

fn object(name: &'static str) -> Object {
    Object {
        name,
        script: "migrate-db",
        status: plain_crash(),
        pod_status: json!({}),
        events: Vec::new(),
        previous_log: None,
        shows: Vec::new(),
        json_keeps: None,
    }
}

fn objects() -> Vec<Object> {
    let big_line = {
        let mut v = b"start ".to_vec();
        v.extend(std::iter::repeat_n(b'x', 2 << 20));
        v.extend_from_slice(b"\n");
        v.repeat(3)
    };
    let many_lines: Vec<u8> = (0..50_000)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    vec![
        Object {
            status: crashing("Crash\x1b[31mLoop", "back-off", "Error", ""),
            shows: vec!["Crash^[[31mLoop"],
            json_keeps: Some("Crash\x1b[31mLoop"),
            ..object("waiting-reason-sgr")
        },
        Object {
            status: crashing(
                "CrashLoopBackOff",
                "back-off \x1b]0;pwned\x07 restarting",
                "Error",
                "",
            ),
            json_keeps: Some("\x1b]0;pwned\x07"),
            ..object("waiting-message-osc")
        },
        Object {
            status: crashing(
                "CrashLoopBackOff",
                "\x1b[2J\x1b[Hcleared\rover",
                "Error",
                "",
            ),
            ..object("waiting-message-clear")
        },
        Object {
            status: crashing("CrashLoopBackOff", "back-off", "Err\u{202e}rorr", ""),
            ..object("terminated-reason-bidi")
        },
        Object {
            status: crashing(
                "CrashLoopBackOff",
                "back-off",
                "Error",
                "bad \u{9b}31m c1 csi",
            ),
            ..object("terminated-message-c1")
        },
        Object {
            status: crashing(
                "CrashLoopBackOff",
                "back-off",
                "Error",
                "ok\n[error] a fake finding\r\n",
            ),
            ..object("terminated-message-newlines")
        },
        Object {
            status: {
                let mut s = plain_crash();
                s["image"] = json!("busybox\x1b]0;img\x07:1.35");
                s
            },
            ..object("status-image-osc")
        },
        Object {
            status: json!({"name": "step", "image": "busybox:1.35", "imageID": "", "ready": false,
                "restartCount": 0, "started": false,
                "state": {"waiting": {"reason": "ErrImagePull",
                    "message": "pull \x1b]8;;http://evil\x1b\\busybox\x1b]8;;\x1b\\ failed"}}}),
            ..object("image-pull-message-hyperlink")
        },
        Object {
            script: "until nslookup db\x1b]0;cmd\x07; do sleep 2; done",
            status: state::running("step", "busybox:1.35", "2026-01-01T00:00:00Z"),
            ..object("command-osc")
        },
        Object {
            script: "echo go\r\u{2066}sleep\u{2069} 1; exit 1",
            ..object("command-cr-bidi")
        },
        Object {
            events: vec![(
                "Back\x1b[5moff",
                "Back-off restarting failed container",
                "kubelet",
            )],
            shows: vec!["Back^[[5moff"],
            json_keeps: Some("Back\x1b[5moff"),
            ..object("event-reason-sgr")
        },
        Object {
            events: vec![(
                "BackOff",
                "see \x1b]8;;http://evil\x07here\x1b]8;;\x07",
                "kubelet",
            )],
            shows: vec!["see ^[]8;;http://evil^Ghere"],
            ..object("event-message-hyperlink")
        },
        Object {
            events: vec![("BackOff", "Back-off", "kube\u{9b}2Jlet")],
            shows: vec!["kube<U+009B>2Jlet"],
            ..object("event-source-c1")
        },
        Object {
            events: vec![("BackOff", "two\nlines\tand\u{2067}isolate", "kubelet")],
            ..object("event-message-newline-bidi")
        },
        Object {
            previous_log: Some(b"migrating\n\x1b]0;log title\x07\x1b[2Jfailed\rcovered\n".to_vec()),
            shows: vec!["^[]0;log title^G^[[2Jfailed\\rcovered"],
            ..object("log-escapes")
        },
        Object {
            previous_log: Some(
                b"migrating\nbad byte \xff\xfe here\nsh: migrate-db: not found\n".to_vec(),
            ),
            shows: vec!["bad byte \\xff\\xfe here"],
            json_keeps: Some("bad byte \\xff\\xfe here"),
            ..object("log-invalid-utf8")
        },
        Object {
            previous_log: Some(big_line),
            shows: vec!["start xxxx"],
            ..object("log-huge-lines")
        },
        Object {
            previous_log: Some(many_lines),
            shows: vec!["line 49999"],
            ..object("log-many-lines")
        },
        Object {
            pod_status: json!({"reason": "Evic\x1b[2Jted", "message": "The node \x1b]0;x\x07 was low"}),
            ..object("pod-reason-message")
        },
        Object {
            status: crashing(
                "CrashLoopBackOff",
                "back-off",
                "OOM\x1bKilled",
                "\x1bP+q\x1b\\dcs",
            ),
            ..object("terminated-reason-esc-dcs")
        },
        Object {
            status: crashing("\u{200f}\u{202a}CrashLoopBackOff", "back-off", "Error", ""),
            ..object("waiting-reason-marks")
        },
        Object {
            events: vec![(
                "Failed",
                "Error: \x07\x08\x08\x08bell and backspaces\x7f",
                "kubelet",
            )],
            shows: vec!["^G^H^H^Hbell and backspaces^?"],
            ..object("event-message-c0")
        },
    ]
}

fn pod_yaml(name: &str, script: &str) -> String {
    serde_json::to_string(&json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "initContainers": [{"name": "step", "image": "busybox:1.35", "command": ["sh", "-c", script]}],
            "containers": [{"name": "app", "image": "busybox:1.35"}]
        }
    }))
    .expect("pod JSON")
}

/// The characters a terminal acts on, none of which may reach it.
fn raw_control(text: &str) -> Option<char> {
    text.chars().find(|c| {
        (c.is_control() && *c != '\n')
            || matches!(*c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    })
}

fn json_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| json_strings(v, out)),
        Value::Object(o) => o.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn hostile_objects_are_shown_safely_and_only_read() {
    let ns = TestNs::new("hostile").await;
    let objects = objects();
    for o in &objects {
        ns.pod(&pod_yaml(o.name, o.script)).await;
        let mut status = json!({"phase": "Pending", "conditions": state::initializing_conditions(),
            "initContainerStatuses": [o.status.clone()],
            "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]});
        if let Value::Object(extra) = &o.pod_status {
            for (k, v) in extra {
                status[k] = v.clone();
            }
        }
        ns.set_status(o.name, status).await;
        for (reason, message, component) in &o.events {
            ns.event(o.name, "Warning", reason, message, component, 2)
                .await;
        }
        if let Some(log) = &o.previous_log {
            let dir = env().container_logs.join(&ns.name).join(o.name);
            std::fs::create_dir_all(&dir).expect("log dir");
            std::fs::write(dir.join("step.previous"), log).expect("write log");
        }
    }
    // An event without any time: aged `<unknown>`, as kubectl shows it.
    let uid = ns
        .api::<k8s_openapi::api::core::v1::Pod>()
        .get("log-escapes")
        .await
        .expect("get pod")
        .metadata
        .uid
        .unwrap_or_default();
    let untimed: Event = from_json(json!({
        "metadata": {"name": format!("untimed.{}", random_suffix()), "namespace": ns.name},
        "involvedObject": {"kind": "Pod", "namespace": ns.name, "name": "log-escapes", "uid": uid, "apiVersion": "v1"},
        "type": "Warning", "reason": "Untimed", "message": "no timestamps at all",
        "source": {"component": "kubelet"}
    }));
    ns.api::<Event>()
        .create(&PostParams::default(), &untimed)
        .await
        .expect("create an untimed event");

    let mark = audit_mark();
    let mut failures = Vec::new();
    for o in &objects {
        for output in ["table", "wide"] {
            let run = initdoctor(&["explain", o.name, "-n", &ns.name, "-o", output]);
            if run.code != 0 {
                failures.push(format!(
                    "{} -o {output}: exit {}: {}",
                    o.name, run.code, run.stderr
                ));
                continue;
            }
            if let Some(c) = raw_control(&run.stdout) {
                failures.push(format!(
                    "{} -o {output}: {c:?} reached the terminal:\n{}",
                    o.name, run.stdout
                ));
            }
            if output == "wide" {
                for want in &o.shows {
                    if !run.stdout.contains(want) {
                        failures.push(format!(
                            "{} -o wide does not show {want:?}:\n{}",
                            o.name, run.stdout
                        ));
                    }
                }
            }
            if run.stdout.len() > 64 * 1024 {
                failures.push(format!(
                    "{} -o {output}: {} bytes of output",
                    o.name,
                    run.stdout.len()
                ));
            }
        }
        let run = initdoctor(&["explain", o.name, "-n", &ns.name, "-o", "json"]);
        if run.code != 0 {
            failures.push(format!(
                "{} -o json: exit {}: {}",
                o.name, run.code, run.stderr
            ));
            continue;
        }
        if let Some(raw) = o.json_keeps {
            let mut strings = Vec::new();
            json_strings(&run.json(), &mut strings);
            if !strings.iter().any(|s| s.contains(raw)) {
                failures.push(format!("{} -o json does not keep {raw:?} exactly", o.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // The whole namespace at once (the triage table, then each pod's view), and the untimed
    // event's age.
    let run = initdoctor(&["explain", "-n", &ns.name, "-o", "wide", "--details"]);
    run.assert_code(0);
    assert_eq!(raw_control(&run.stdout), None, "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("Untimed") && l.contains("<unknown>")),
        "an event without timestamps is aged <unknown>:\n{}",
        run.stdout
    );

    // Reads only: every request of these runs was a get, a list or a watch.
    let verbs = audit_since(mark, "admin", &ns.name);
    assert!(!verbs.is_empty(), "the audit log saw the reads");
    for seen in &verbs {
        let verb = seen.split_whitespace().next().unwrap_or("");
        assert!(
            matches!(verb, "get" | "list" | "watch"),
            "explain wrote to the cluster: {seen} (all: {verbs:?})"
        );
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// `--watch --exit-code` on a selector: the blocked pod is force-deleted; the watch ends, and
/// says the pod never initialized (exit 3), instead of "all initialized" (0).
#[tokio::test]
async fn a_watched_blocked_pod_deleted_is_not_success() {
    use kube::api::DeleteParams;
    let ns = TestNs::new("vanish").await;
    let mut yaml: Value = serde_json::from_str(&pod_yaml("doomed", "migrate-db")).expect("pod");
    yaml["metadata"]["labels"] = json!({"app": "doomed"});
    ns.pod(&yaml.to_string()).await;
    ns.set_status(
        "doomed",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [plain_crash()]}),
    )
    .await;
    let child = common::spawn_initdoctor(&[
        "explain",
        "-n",
        &ns.name,
        "-l",
        "app=doomed",
        "--watch",
        "--exit-code",
    ]);
    // Deleted once the tool watches the namespace's pods (the API server logs a watch when its
    // response starts).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !common::audit_entries(&ns.name)
        .iter()
        .any(|e| e["verb"] == "watch" && e["objectRef"]["resource"] == "pods")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "explain --watch never watched the pods"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ns.api::<k8s_openapi::api::core::v1::Pod>()
        .delete("doomed", &DeleteParams::default().grace_period(0))
        .await
        .expect("delete the pod");
    let run = common::finish_within(child, Duration::from_secs(40));
    run.assert_code(3);
    assert!(run.stdout.contains("doomed"), "{}", run.stdout);
}
