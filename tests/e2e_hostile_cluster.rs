//! End to end: what one object in a namespace can still do to everyone who looks at it. Pods
//! built to make the command reader slow or large (patterns that backtrack, variables that
//! double each other, `$(…)` nested deep, one check repeated a hundred thousand times), an
//! Event from year 9999, names that are not Kubernetes names in commands and owner references,
//! a log line longer than the evidence read, a pod status and kubeconfig names with escapes in
//! completion: each degrades only itself, in bounded time, and sends nothing it should not.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::hostile_pods::{self, blocked, pathological, sh};
use common::{TestNs, audit_mark, env, initdoctor, random_suffix, state};
use kube::api::{Api, ApiResource, DynamicObject, PostParams};
use serde_json::{Value, json};

/// The pod of [`hostile_pods::pod_json`], without labels.
fn pod_json(name: &str, command: Value, env: Value) -> String {
    hostile_pods::pod_json(name, command, env, json!({}))
}

/// `explain -n NS -o json`.
fn explain_ns(ns: &str) -> common::Run {
    initdoctor(&[
        "explain",
        "-n",
        ns,
        "-o",
        "json",
        "--request-timeout",
        "30s",
    ])
}

fn pod_of<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["pods"]
        .as_array()
        .and_then(|pods| pods.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{name} not in the output"))
}

/// The pathological pods beside an ordinary blocked one: `explain -n` reads each in bounded
/// work, says which value is too large or which script too complex, keeps one finding for a
/// check repeated 1,000 times, and explains the ordinary pod as without them (what that costs
/// in time: `e2e_hostile_time.rs`).
#[tokio::test]
async fn pathological_pods_cost_bounded_work() {
    let plain = TestNs::new("work-plain").await;
    let hostile = TestNs::new("work-hostile").await;
    for ns in [&plain, &hostile] {
        blocked(
            ns,
            "ordinary",
            sh("until nc -z db 5432; do sleep 2; done"),
            json!([]),
        )
        .await;
    }
    for (name, command, env) in pathological() {
        blocked(&hostile, name, command, env).await;
    }

    let run = explain_ns(&hostile.name);
    run.assert_code(0);
    assert!(
        run.stdout.len() < 2 << 20,
        "{} bytes of output",
        run.stdout.len()
    );
    let doc = run.json();
    let text = |name: &str| pod_of(&doc, name).to_string();
    for name in ["doubling-env", "doubling-argv", "doubling-shell"] {
        assert!(
            text(name).contains("too large to read"),
            "{name}: {}",
            text(name)
        );
    }
    // 20,000 characters: past the reader's budget, said so; 1.3 MB: past the size it reads,
    // said so; the report's 60 characters: read.
    for (name, said) in [
        ("backtracking", "too complex to read"),
        ("megabyte-script", "too large to read"),
    ] {
        assert!(text(name).contains(said), "{name}: {}", text(name));
    }
    assert!(
        !text("backtracking-60").contains("too complex to read"),
        "{}",
        text("backtracking-60")
    );
    // 1,000 times: the last one ends the script (its own finding), the 999 others are one.
    assert!(
        text("repeated-lookups").contains("runs this same check 999 times"),
        "{}",
        text("repeated-lookups")
    );
    // The ordinary pod is explained as in a namespace of its own.
    let ordinary = |doc: &Value| {
        let mut codes: Vec<String> = pod_of(doc, "ordinary")["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["code"].as_str().map(str::to_string))
            .collect();
        codes.sort();
        codes
    };
    let alone = explain_ns(&plain.name);
    alone.assert_code(0);
    assert_eq!(ordinary(&doc), ordinary(&alone.json()));
}

/// An Event stamped 9999-12-31 (valid for the API server, beyond the tool's time type): the
/// pod is still explained, that event's time is unknown, the rest is read.
#[tokio::test]
async fn an_event_from_year_9999_degrades_its_time_only() {
    let ns = TestNs::new("y9999").await;
    blocked(
        &ns,
        "web",
        sh("until nc -z db 5432; do sleep 2; done"),
        json!([]),
    )
    .await;
    let uid = ns
        .api::<k8s_openapi::api::core::v1::Pod>()
        .get("web")
        .await
        .expect("pod")
        .metadata
        .uid
        .unwrap_or_default();
    let resource = ApiResource::erase::<k8s_openapi::api::core::v1::Event>(&());
    let events: Api<DynamicObject> = Api::namespaced_with(ns.client.clone(), &ns.name, &resource);
    let event: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("web.{}", random_suffix()), "namespace": ns.name},
        "involvedObject": {"kind": "Pod", "namespace": ns.name, "name": "web", "uid": uid, "apiVersion": "v1"},
        "type": "Warning", "reason": "FarFuture", "message": "stamped in year 9999",
        "source": {"component": "kubelet"},
        "firstTimestamp": "9999-12-31T23:59:59Z", "lastTimestamp": "9999-12-31T23:59:59Z", "count": 1
    }))
    .expect("event");
    events
        .create(&PostParams::default(), &event)
        .await
        .expect("the API server takes a year-9999 event");
    for args in [
        vec!["explain", "web", "-n", &ns.name],
        vec!["explain", "-n", &ns.name, "--details"],
        vec!["explain", "-A", "-l", "no-such-label=x"],
    ] {
        let run = initdoctor(&args);
        run.assert_code(0);
    }
    let run = initdoctor(&["explain", "web", "-n", &ns.name]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("FarFuture") && l.contains("<unknown>")),
        "{}",
        run.stdout
    );
}

/// Names read from a command (`kubectl wait job/NAME`, `-n NS`) or an owner reference that are
/// not Kubernetes names are never part of a request: no query string, no `..` path.
#[tokio::test]
async fn names_that_are_not_kubernetes_names_are_never_sent() {
    let ns = TestNs::new("names").await;
    blocked(
        &ns,
        "query",
        sh("kubectl wait --for=condition=complete job/hjob?watch=1 --timeout=-1s"),
        json!([]),
    )
    .await;
    blocked(
        &ns,
        "dotdot",
        sh("kubectl wait --for=condition=complete job/a/../../../api/v1/namespaces/kube-system/secrets/s"),
        json!([]),
    )
    .await;
    blocked(
        &ns,
        "bad-namespace",
        sh("kubectl wait --for=condition=complete -n ../../secrets job/x"),
        json!([]),
    )
    .await;
    // An owner reference naming a path.
    let mut owned: Value = serde_json::from_str(&pod_json(
        "owned",
        sh("until nc -z db 5432; do sleep 2; done"),
        json!([]),
    ))
    .expect("pod");
    owned["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "name": "rs/../../../../api/v1/namespaces/kube-system/secrets/s", "uid": "0e2c4b8a-0000-4000-8000-000000000001", "controller": true}]);
    ns.pod(&owned.to_string()).await;
    ns.set_status(
        "owned",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("step", "busybox:1.36", "2026-01-01T00:00:00Z")]}),
    )
    .await;

    let mark = audit_mark();
    let start = Instant::now();
    let run = initdoctor(&[
        "explain",
        "-n",
        &ns.name,
        "-o",
        "json",
        "--request-timeout",
        "20s",
    ]);
    run.assert_code(0);
    // A `?watch=1` sent as written would be a watch, held open to the request timeout.
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    let doc = run.json();
    for name in ["query", "dotdot", "bad-namespace"] {
        let text = pod_of(&doc, name).to_string();
        assert!(text.contains("is not a valid name"), "{name}: {text}");
    }
    // The Job waits say why they never end, not that the Job is missing.
    for name in ["query", "dotdot", "bad-namespace"] {
        let pod = pod_of(&doc, name);
        let job = common::finding(pod, "WaitingOnJob")["message"].to_string();
        assert!(job.contains("so no Job can have it"), "{name}: {job}");
    }
    common::audit_flush();
    let audit = std::fs::read_to_string(&env().audit_log).unwrap_or_default();
    let sent: Vec<String> = audit
        .lines()
        .skip(mark)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["user"]["username"] == "admin")
        .filter_map(|e| e["requestURI"].as_str().map(str::to_string))
        .filter(|uri| {
            uri.contains("hjob")
                || uri.contains("secrets")
                || uri.contains("..")
                || uri.contains("rs%2F")
        })
        .collect();
    assert!(sent.is_empty(), "sent: {sent:?}");
}

/// A log line longer than the evidence read (64 KiB) before the last line: the last line, the
/// error, is still in the evidence.
#[tokio::test]
async fn a_huge_log_line_does_not_hide_the_error_after_it() {
    let ns = TestNs::new("bigline").await;
    ns.pod(&pod_json("web", json!(["migrate-db"]), json!([])))
        .await;
    hostile_pods::crash_loop_after_a_huge_line(
        &ns,
        "web",
        "Error: relation \"users\" does not exist (the last line)",
    )
    .await;
    let run = initdoctor(&["explain", "web", "-n", &ns.name, "-o", "json"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("does not exist (the last line)"),
        "{}",
        run.stdout.chars().take(3000).collect::<String>()
    );
}

/// Completion candidates: a pod's STATUS and kubeconfig names with escapes never reach the
/// terminal raw through `__complete`.
#[tokio::test]
async fn completion_candidates_are_sanitised() {
    let ns = TestNs::new("complete").await;
    ns.pod(&pod_json("web", json!(["migrate-db"]), json!([])))
        .await;
    hostile_pods::waiting_with_escapes(&ns, "web").await;
    // A kubeconfig whose context and cluster names carry escapes.
    let kc = std::fs::read_to_string(&env().kubeconfig).expect("kubeconfig");
    let scratch = common::scratch("complete");
    let dir = scratch.path();
    let mut doc: Value = serde_saphyr::from_str(&kc).expect("kubeconfig YAML");
    let evil = "ctx\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}";
    if let Some(contexts) = doc["contexts"].as_array_mut() {
        let mut extra = contexts[0].clone();
        extra["name"] = json!(evil);
        contexts.push(extra);
    }
    if let Some(clusters) = doc["clusters"].as_array_mut() {
        let mut extra = clusters[0].clone();
        extra["name"] = json!(format!("{evil}-cluster"));
        clusters.push(extra);
    }
    let path = dir.join("config");
    std::fs::write(&path, doc.to_string()).expect("write kubeconfig");
    let complete = |words: &[&str]| -> String {
        let out = Command::new(common::binary())
            .arg("__complete")
            .arg("--")
            .args(words)
            .env_clear()
            .env("HOME", dir)
            .env("PATH", "/usr/bin:/bin")
            .env("KUBECONFIG", &path)
            .stdin(Stdio::null())
            .output()
            .expect("run __complete");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let raw = |text: &str| {
        text.chars().find(|c| {
            (c.is_control() && *c != '\n' && *c != '\t')
                || matches!(*c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
    };
    for words in [
        vec!["explain", "-n", &ns.name, ""],
        vec!["explain", "--context", ""],
        vec!["explain", "--cluster", ""],
    ] {
        let out = complete(&words);
        assert_eq!(raw(&out), None, "{words:?}: {out:?}");
        assert!(
            out.lines().any(|l| l.starts_with(':')),
            "{words:?}: {out:?}"
        );
    }
    // The pod is still offered, its status shown escaped.
    let pods = complete(&["explain", "-n", &ns.name, ""]);
    assert!(pods.lines().any(|l| l.starts_with("web\t")), "{pods:?}");
}
