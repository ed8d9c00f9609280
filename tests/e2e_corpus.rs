//! End to end on the control plane: every corpus entry (tests/data/corpus/) runs as the
//! blocking init container of a pod on the fake node (running, as the kubelet reports it),
//! with the ConfigMaps it needs, and `explain -o json` must report what the entry waits on:
//! a waits finding naming each expected target, none for an entry that waits on nothing, and
//! `WaitNotUnderstood` for one whose command cannot say. Scored like `corpus.rs`, with its
//! own thresholds on the development part (the score reached; it may only go up).

mod common;
mod corpus_data;

use common::{TestNs, explain_one};
use corpus_data::{Entry, Expect, Score};
use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::{Value, json};

const MIN_TARGETS: usize = 256;
const MIN_NEGATIVES: usize = 146;
const MIN_UNKNOWN: usize = 80;

/// The pod's waits findings other than `WaitNotUnderstood`.
fn waits(pod: &Value) -> Vec<&Value> {
    pod["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            let code = f["code"].as_str().unwrap_or("");
            initdoctor::waits::CODES.contains(&code) && code != "WaitNotUnderstood"
        })
        .collect()
}

fn not_understood(pod: &Value) -> bool {
    pod["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["code"] == "WaitNotUnderstood")
}

async fn run(ns: &TestNs, index: usize, entry: &Entry) -> Value {
    for map in &entry.config_maps {
        let name = map["metadata"]["name"].as_str().expect("ConfigMap name");
        let exists = ns.api::<ConfigMap>().get_opt(name).await.ok().flatten();
        if exists.is_none() {
            ns.create::<ConfigMap>(&serde_json::to_string(map).unwrap())
                .await;
        }
    }
    let pod = format!("corpus-{index}");
    // The entry's command is what is scored: its mounts name volumes of a pod not copied.
    let mut container = entry.container.clone();
    if let Some(fields) = container.as_object_mut() {
        fields.remove("volumeMounts");
        fields.remove("volumeDevices");
    }
    let spec = json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": pod},
        "spec": {"initContainers": [container],
                 "containers": [{"name": "app", "image": "busybox:1.35"}]}
    });
    ns.pod(&serde_json::to_string(&spec).unwrap()).await;
    ns.set_initializing(&pod, &format!("10.244.9.{}", index % 250 + 1))
        .await;
    explain_one(ns, &pod, &[])
}

#[tokio::test]
async fn explain_scores_on_the_corpus() {
    let entries = corpus_data::load();
    let ns = TestNs::new("corpus").await;
    let mut s = Score::default();
    // The held-out part is scored apart, its misses never printed (tests/data/corpus/README.md).
    let mut held = Score::default();
    for (i, entry) in entries.iter().enumerate() {
        let s = if entry.held_out { &mut held } else { &mut s };
        let pod = run(&ns, i, entry).await;
        let found = waits(&pod);
        let shown = || {
            let codes: Vec<String> = pod["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| format!("{} {}", f["code"], f["target"]))
                .collect();
            codes.join("; ")
        };
        match &entry.expect {
            Expect::Targets(want) => {
                for w in want {
                    s.targets += 1;
                    let needle = w.needle().unwrap_or_default();
                    // A timed wait names no object: its TimedWait finding's target is the
                    // seconds slept.
                    let timed = |f: &&Value| {
                        w.kind == "timed"
                            && f["code"] == "TimedWait"
                            && w.seconds.map(|s| s.to_string()).as_deref() == f["target"].as_str()
                    };
                    let named = found.iter().any(|f| {
                        timed(f)
                            || (!needle.is_empty()
                                && serde_json::to_string(f).unwrap().contains(&needle))
                    });
                    if named {
                        s.targets_found += 1;
                    } else {
                        s.misses.push(format!(
                            "{}: no finding names {}: {}",
                            entry.name,
                            w.show(),
                            shown()
                        ));
                    }
                }
            }
            Expect::Nothing => {
                s.negatives += 1;
                if found.is_empty() {
                    s.negatives_clean += 1;
                } else {
                    s.misses
                        .push(format!("{}: waits on nothing: {}", entry.name, shown()));
                }
            }
            Expect::Unknown => {
                s.unknown += 1;
                if found.is_empty() && not_understood(&pod) {
                    s.unknown_reported += 1;
                } else {
                    s.misses.push(format!(
                        "{}: should be not understood: {}",
                        entry.name,
                        shown()
                    ));
                }
            }
        }
    }
    for miss in &s.misses {
        println!("  {miss}");
    }
    println!("{}", s.line("e2e corpus, development"));
    println!("{}", held.line("e2e corpus, held-out"));
    assert!(
        s.targets_found >= MIN_TARGETS
            && s.negatives_clean >= MIN_NEGATIVES
            && s.unknown_reported >= MIN_UNKNOWN,
        "{} is below the threshold ({MIN_TARGETS} targets, {MIN_NEGATIVES} negatives, {MIN_UNKNOWN} not understood)",
        s.line("e2e corpus, development")
    );
}
