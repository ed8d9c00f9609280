//! Golden files: the table and the JSON of recorded pods (`tests/data/*-pod.json` and
//! `*-events.json`, as the API server returned them) must stay as reviewed. After an intended
//! change, regenerate with `UPDATE_GOLDEN=1 cargo test --lib golden`, and review the diff.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Pod};
use serde_json::Value;

use crate::diagnosis::{ContainerLogs, Evidence, PodDiagnosis, diagnose};
use crate::render::{Palette, json, table};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap_or_else(|e| panic!("read tests/data/{name}: {e}"))
}

/// The recorded crash-looping pod, its events and its previous log, diagnosed at 10:05:10.
fn crashloop() -> (PodDiagnosis, Timestamp) {
    let pod: Pod = serde_json::from_str(&read("crashloop-pod.json")).expect("pod JSON");
    let list: Value =
        serde_json::from_str(&read("crashloop-events.json")).expect("event list JSON");
    let events: Vec<Event> = serde_json::from_value(list["items"].clone()).expect("events");
    let mut evidence = Evidence {
        pod,
        events,
        ..Default::default()
    };
    evidence.logs.insert(
        "migrate".into(),
        ContainerLogs {
            current: Vec::new(),
            previous: vec![
                "migrating shop database to latest".into(),
                "sh: migrate-db: not found".into(),
            ],
            note: None,
        },
    );
    let now: Timestamp = "2026-11-23T10:05:10Z".parse().expect("now");
    (diagnose(&evidence, now), now)
}

fn check_golden(name: &str, actual: &str) {
    let path = data(name);
    // Regenerated only when asked for with exactly `UPDATE_GOLDEN=1`; a missing file fails.
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): create it with `UPDATE_GOLDEN=1 cargo test --lib golden`",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs; if the change is intended, run `UPDATE_GOLDEN=1 cargo test --lib golden` and review the diff.\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn golden_crashloop_table() {
    let (diagnosis, now) = crashloop();
    let text = table::render(&[diagnosis], now, Palette { enabled: false }, false);
    check_golden("crashloop.table.txt", &text);
}

#[test]
fn golden_crashloop_json() {
    let (diagnosis, _) = crashloop();
    check_golden("crashloop.json", &json::render(&[diagnosis]));
}

/// The documented fields of the JSON contract are all there, with their types: fields may be
/// added, never renamed or removed.
#[test]
fn json_contract_fields_are_present() {
    let (diagnosis, _) = crashloop();
    let doc: Value = serde_json::from_str(&json::render(&[diagnosis])).expect("JSON");
    let pod = &doc["pods"][0];
    for key in [
        "namespace",
        "name",
        "status",
        "phase",
        "ageSeconds",
        "node",
        "restarts",
        "initialized",
        "blocking",
        "initContainers",
        "findings",
        "events",
        "activeDeadlineSeconds",
        "deadlineRemainingSeconds",
        "nextCommands",
    ] {
        assert!(pod.get(key).is_some(), "pod lacks {key}");
    }
    assert_eq!(
        pod["blocking"],
        serde_json::json!({"name": "migrate", "index": 1})
    );
    for key in [
        "index", "name", "image", "sidecar", "state", "reason", "exitCode", "restarts",
    ] {
        assert!(
            pod["initContainers"][1].get(key).is_some(),
            "init container lacks {key}"
        );
    }
    let finding = &pod["findings"][0];
    for key in [
        "code",
        "severity",
        "container",
        "target",
        "message",
        "evidence",
        "hint",
    ] {
        assert!(finding.get(key).is_some(), "finding lacks {key}");
    }
    let event = &pod["events"][0];
    for key in [
        "type",
        "reason",
        "message",
        "count",
        "firstSeen",
        "lastSeen",
        "source",
        "container",
    ] {
        assert!(event.get(key).is_some(), "event lacks {key}");
    }
    assert!(pod["ageSeconds"].is_i64() && pod["findings"].is_array() && pod["events"].is_array());
}
