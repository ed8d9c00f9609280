//! Replays the incidents of public threads (tests/incidents/, see its README) on the control
//! plane and scores `explain -o json` against what each thread established. Each incident gets
//! its own namespace: its objects, its pod (statuses written through `pods/status` as the kubelet
//! would, events, logs), or for a failure before any pod exists its workload, whose controller
//! really tries to create pods (Pod Security labels, quotas, missing ServiceAccounts, a webhook
//! without endpoints are real refusals of the API server).
//!
//! Prints one line per incident and the score of each part of the split (`SPLIT`: the first
//! batch's `dev` and `heldout`, the second's `dev2` and `heldout2`, the third's — what a pod
//! inherits, Jobs, architectures — `dev3` and `heldout3`, the fourth's `dev4` and `heldout4`, the
//! fifth's `dev5` and `heldout5`, the sixth's `dev6` and `heldout6`), and writes that score
//! line to `CARGO_TARGET_TMPDIR/incidents-scores.txt` (which `make test` prints). Fails only when
//! a development part scores under its floor (`DEV_FLOORS`: the scores reached);
//! the held-out parts are reported, never asserted. `INCIDENTS=dev` replays only the
//! development parts; `INCIDENTS_BATCH=5` only the fifth batch's parts (any batch's number; 1 is
//! the first, whose parts have no number); `INCIDENTS_DUMP=DIR` writes each replayed incident's
//! `explain -o json` to `DIR/FILE.json`.

mod common;

use std::time::Duration;

use common::{TestNs, env, initdoctor, kubectl};
use futures::StreamExt;
use serde_json::{Value, json};

/// Development incidents explained right: the score reached, which may only go up.
/// One per batch: `dev`, `dev2`, `dev3`, `dev4`, `dev5`, `dev6`.
const DEV_FLOORS: [usize; 6] = [59, 21, 8, 20, 20, 19];

struct Incident {
    file: String,
    /// The part of the split: `dev`, `heldout`, `dev2`, `heldout2`, …, `dev6`, `heldout6`.
    part: String,
    doc: Value,
}

impl Incident {
    fn dev(&self) -> bool {
        self.part.starts_with("dev")
    }

    /// The batch's number: the part's suffix (`dev4` → `4`), `1` for the first batch's parts.
    fn batch(&self) -> &str {
        match self
            .part
            .trim_start_matches("dev")
            .trim_start_matches("heldout")
        {
            "" => "1",
            n => n,
        }
    }
}

fn load() -> Vec<Incident> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/incidents");
    let split = std::fs::read_to_string(dir.join("SPLIT")).expect("tests/incidents/SPLIT");
    split
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(part, file)| {
            let text = std::fs::read_to_string(dir.join(file)).expect("incident file");
            let doc: Value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{file}: not YAML: {e}"));
            Incident {
                file: file.to_string(),
                part: part.to_string(),
                doc,
            }
        })
        .collect()
}

/// `now - text` as RFC 3339, `text` like `26h`, `18m`, `40s`.
fn ago(text: &str) -> String {
    let (n, unit) = text.split_at(text.len() - 1);
    let n: i64 = n.parse().expect("a duration like 26h");
    let secs = n * match unit {
        "h" => 3600,
        "m" => 60,
        _ => 1,
    };
    (jiff::Timestamp::now() - jiff::SignedDuration::from_secs(secs)).to_string()
}

/// One `initContainerStatuses`/`containerStatuses` entry from the incident's shorthand.
fn container_status(entry: &Value, image: &str) -> Value {
    let name = entry["name"].as_str().expect("status name");
    let restarts = entry["restarts"].as_i64().unwrap_or(0);
    let mut s = json!({"name": name, "image": image, "imageID": "", "ready": false,
                       "restartCount": restarts, "started": false});
    if let Some(reason) = entry["waiting"].as_str() {
        s["state"] = json!({"waiting": {"reason": reason}});
        if let Some(m) = entry["message"].as_str() {
            s["state"]["waiting"]["message"] = json!(m);
        }
    } else if entry["running"].as_bool() == Some(true) {
        let since = entry["since"].as_str().unwrap_or("5m");
        s["state"] = json!({"running": {"startedAt": ago(since)}});
        s["started"] = json!(true);
        s["ready"] = json!(entry["ready"].as_bool() == Some(true));
    } else if entry["done"].as_bool() == Some(true) {
        s["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed",
                            "startedAt": ago("10m"), "finishedAt": ago("9m")}});
        s["ready"] = json!(true);
    } else if let Some(t) = entry.get("terminated") {
        let mut term = json!({"exitCode": t["exit"].as_i64().unwrap_or(1),
                              "reason": t["reason"].as_str().unwrap_or("Error"),
                              "startedAt": ago("2m"), "finishedAt": ago("1m")});
        if let Some(m) = t["message"].as_str() {
            term["message"] = json!(m);
        }
        s["state"] = json!({ "terminated": term });
    }
    if let Some(last) = entry.get("last") {
        let mut t = json!({"exitCode": last["exit"].as_i64().unwrap_or(1),
                           "reason": last["reason"].as_str().unwrap_or("Error"),
                           "startedAt": ago("40s"), "finishedAt": ago("38s")});
        if let Some(m) = last["message"].as_str() {
            t["message"] = json!(m);
        }
        s["lastState"] = json!({"terminated": t});
    }
    s
}

fn image_of(spec: &Value, list: &str, name: &str) -> String {
    spec[list]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == name)
        .and_then(|c| c["image"].as_str())
        .unwrap_or("")
        .to_string()
}

/// The pod's whole status, as the kubelet (or, unscheduled, the scheduler) would write it.
fn pod_status(doc: &Value, spec: &Value, ip: &str) -> Value {
    if let Some(message) = doc["unscheduled"].as_str() {
        return json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                      "reason": "Unschedulable", "message": message}]});
    }
    let list = |key: &str, speckey: &str| -> Vec<Value> {
        doc[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                container_status(
                    e,
                    &image_of(spec, speckey, e["name"].as_str().unwrap_or("")),
                )
            })
            .collect()
    };
    let init = list("init", "initContainers");
    let apps = list("apps", "containers");
    let initialized = doc["initialized"].as_bool().unwrap_or_else(|| {
        doc["init"].as_array().into_iter().flatten().all(|e| {
            e["done"].as_bool() == Some(true)
                || e["running"].as_bool() == Some(true) && is_sidecar(spec, e)
        }) || doc["ready"].as_bool() == Some(true)
    });
    let ready = doc["ready"].as_bool() == Some(true);
    let word = |b: bool| if b { "True" } else { "False" };
    let running = initialized || ready;
    let phase = doc["phase"]
        .as_str()
        .unwrap_or(if running { "Running" } else { "Pending" });
    json!({
        "phase": phase,
        "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "127.0.0.1",
        "startTime": ago(doc["apps"][0]["since"].as_str().unwrap_or("20m")),
        "conditions": [
            {"type": "PodReadyToStartContainers", "status": "True"},
            {"type": "Initialized", "status": word(initialized)},
            {"type": "Ready", "status": word(ready)},
            {"type": "ContainersReady", "status": word(ready)},
            {"type": "PodScheduled", "status": "True"}
        ],
        "initContainerStatuses": init,
        "containerStatuses": apps
    })
}

fn is_sidecar(spec: &Value, entry: &Value) -> bool {
    spec["initContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["name"] == entry["name"] && c["restartPolicy"] == "Always")
}

/// Apply `objects` in `ns`; one whose `metadata.owner` names `Kind/name` (an object applied
/// before it) is applied after the others, owned by that object (its uid looked up), as a
/// controller would have made it (a CronJob's Job).
fn apply_owned(ns: &str, objects: &[Value]) {
    let (owned, free): (Vec<&Value>, Vec<&Value>) = objects
        .iter()
        .partition(|o| o["metadata"].get("owner").is_some());
    apply(ns, &free.into_iter().cloned().collect::<Vec<_>>());
    for o in owned {
        let mut o = o.clone();
        let owner = o["metadata"]["owner"]
            .as_str()
            .expect("owner Kind/name")
            .to_string();
        let (kind, name) = owner.split_once('/').expect("owner Kind/name");
        let owner_api = owner_api_version(objects, kind, name);
        let run = kubectl(&[
            "get",
            kind,
            name,
            "-n",
            ns,
            "-o",
            "jsonpath={.metadata.uid}",
        ]);
        assert_eq!(run.code, 0, "owner {owner} in {ns}: {}", run.stderr);
        let meta = o["metadata"].as_object_mut().expect("metadata");
        meta.remove("owner");
        meta.insert(
            "ownerReferences".into(),
            json!([{"apiVersion": owner_api, "kind": kind, "name": name,
                "uid": run.stdout.trim(), "controller": true, "blockOwnerDeletion": true}]),
        );
        apply(ns, &[o]);
    }
}

/// The `apiVersion` of the object `kind`/`name` among `objects`.
fn owner_api_version(objects: &[Value], kind: &str, name: &str) -> String {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .and_then(|o| o["apiVersion"].as_str())
        .unwrap_or_else(|| panic!("owner {kind}/{name} is not among the objects"))
        .to_string()
}

fn apply(ns: &str, objects: &[Value]) {
    if objects.is_empty() {
        return;
    }
    let file = std::env::temp_dir().join(format!("incident-{ns}.json"));
    let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
    std::fs::write(&file, list.to_string()).expect("write objects");
    let run = kubectl(&["apply", "-n", ns, "-f", file.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 0, "apply in {ns}: {}", run.stderr);
    let _ = std::fs::remove_file(file);
}

/// An admission webhook on pods of `ns` whose Service has no endpoints.
fn webhook(ns: &str, hook: &Value) -> String {
    let config = format!("incident-{ns}");
    let service = hook["service"].as_str().expect("webhook service");
    apply(
        ns,
        &[
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": service},
                       "spec": {"ports": [{"port": 443, "targetPort": 9443}]}}),
        ],
    );
    let object = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": config},
        "webhooks": [{"name": hook["name"], "admissionReviewVersions": ["v1"], "sideEffects": "None",
            "failurePolicy": "Fail", "timeoutSeconds": 5,
            "clientConfig": {"service": {"namespace": ns, "name": service, "path": "/validate", "port": 443}},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}]});
    apply(ns, &[object]);
    config
}

/// Wait (at most 30 s) until a controller in `ns` recorded `FailedCreate`.
async fn failed_create(ns: &str) {
    for _ in 0..60 {
        let run = kubectl(&["get", "events", "-n", ns, "-o", "json"]);
        if run.stdout.contains("\"FailedCreate\"") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("no FailedCreate in {ns}");
}

/// Create the incident in its namespace and run `explain -o json`; the document.
async fn replay(index: usize, incident: &Incident) -> Value {
    let ns = TestNs::new("inc").await;
    let doc: Value = serde_json::from_str(&incident.doc.to_string().replace("NAMESPACE", &ns.name))
        .expect("incident JSON");
    if let Some(labels) = doc["namespace_labels"].as_object() {
        for (k, v) in labels {
            let label = format!("{k}={}", v.as_str().unwrap_or(""));
            kubectl(&["label", "namespace", &ns.name, &label, "--overwrite"]);
        }
    }
    let hook = doc.get("webhook").map(|h| webhook(&ns.name, h));
    apply_owned(
        &ns.name,
        doc["objects"].as_array().map_or(&[], Vec::as_slice),
    );
    for (i, p) in doc["ready_pods"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = p["name"].as_str().expect("ready pod name");
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": p["labels"]}, "spec": {"containers": p["containers"]}});
        ns.pod(&pod.to_string()).await;
        ns.set_ready(name, &format!("10.245.{}.{}", index % 250, i + 10))
            .await;
    }
    let target = if let Some(target) = doc["target"].as_str() {
        failed_create(&ns.name).await;
        target.to_string()
    } else {
        let p = &doc["pod"];
        let name = p["name"].as_str().expect("pod name").to_string();
        let mut spec = p["spec"].clone();
        if doc.get("unscheduled").is_some() {
            spec["nodeName"] = json!("");
        }
        let mut meta = json!({"name": name});
        if let Some(l) = p.get("labels") {
            meta["labels"] = l.clone();
        }
        if let Some(a) = p["metadata"].get("annotations") {
            meta["annotations"] = a.clone();
        }
        ns.pod(
            &json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}).to_string(),
        )
        .await;
        let stored = serde_json::to_value(ns.spec_of(&name).await).expect("spec JSON");
        let ip = format!("10.244.{}.{}", index % 250, 7);
        ns.set_status(&name, pod_status(&doc, &stored, &ip)).await;
        for e in doc["events"].as_array().into_iter().flatten() {
            let (t, r, m) = (
                e["type"].as_str().unwrap_or("Warning"),
                e["reason"].as_str().unwrap_or(""),
                e["message"].as_str().unwrap_or(""),
            );
            let count = i32::try_from(e["count"].as_i64().unwrap_or(1)).unwrap_or(1);
            match e["container"].as_str() {
                Some(c) => {
                    let list = if image_of(&stored, "initContainers", c).is_empty() {
                        "containers"
                    } else {
                        "initContainers"
                    };
                    let path = format!("spec.{list}{{{c}}}");
                    ns.container_event(&name, &path, t, r, m, count).await;
                }
                None => {
                    let component = e["component"].as_str().unwrap_or("kubelet");
                    ns.event(&name, t, r, m, component, count).await;
                }
            }
        }
        for (key, previous) in [("logs", false), ("previous", true)] {
            for (c, text) in doc[key].as_object().into_iter().flatten() {
                ns.write_log(&name, c, text.as_str().unwrap_or(""), previous);
            }
        }
        name
    };
    let args = [
        "explain".to_string(),
        target,
        "-n".into(),
        ns.name.clone(),
        "-o".into(),
        "json".into(),
    ];
    let run = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        initdoctor(&refs)
    })
    .await
    .expect("explain ran");
    if let Some(config) = hook {
        kubectl(&[
            "delete",
            "validatingwebhookconfiguration",
            &config,
            "--ignore-not-found",
        ]);
    }
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|_| json!({"error": format!("exit {}: {}", run.code, run.stderr.trim())}))
}

/// Every finding of the document: the pods' and the owners' (a workload without pods).
fn findings(doc: &Value) -> Vec<&Value> {
    ["pods", "owners"]
        .iter()
        .flat_map(|k| doc[*k].as_array().into_iter().flatten())
        .flat_map(|o| o["findings"].as_array().into_iter().flatten())
        .collect()
}

fn text_of(f: &Value, with_evidence: bool) -> String {
    let mut t = format!(
        "{} {}",
        f["message"].as_str().unwrap_or(""),
        f["hint"].as_str().unwrap_or("")
    );
    if with_evidence {
        for l in f["evidence"].as_array().into_iter().flatten() {
            t.push(' ');
            t.push_str(l.as_str().unwrap_or(""));
        }
    }
    t.to_lowercase()
}

/// Whether the document says what the incident's thread established; why not.
fn score(doc: &Value, expect: &Value) -> Result<(), String> {
    if let Some(e) = doc.get("error") {
        return Err(e.as_str().unwrap_or("").chars().take(200).collect());
    }
    let all = findings(doc);
    let serious: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|f| f["severity"] != "info")
        .collect();
    let list = |k: &str| -> Vec<String> {
        expect[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|w| w.as_str())
            .map(str::to_string)
            .collect()
    };
    for word in list("forbid") {
        if let Some(f) = serious
            .iter()
            .find(|f| text_of(f, false).contains(&word.to_lowercase()))
        {
            return Err(format!("{} says {word:?}", f["code"]));
        }
    }
    if expect["clean"].as_bool() == Some(true) && !serious.is_empty() {
        return Err(format!(
            "not clean: {}",
            serious
                .iter()
                .map(|f| f["code"].to_string())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    let codes = list("codes");
    if codes.is_empty() {
        return Ok(());
    }
    let words = list("words");
    // A code names the finding about an init container; `App` + code is the same finding
    // about an app container (`AppConfigMissing`).
    let matches = |f: &Value, c: &str| f["code"] == c || f["code"] == format!("App{c}").as_str();
    let candidates: Vec<&Value> = serious
        .iter()
        .copied()
        .filter(|f| codes.iter().any(|c| matches(f, c)))
        .collect();
    if candidates.is_empty() {
        let got: Vec<String> = all
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["code"].as_str().unwrap_or(""),
                    f["severity"].as_str().unwrap_or("")
                )
            })
            .collect();
        return Err(format!("no {} (got {})", codes.join("|"), got.join(",")));
    }
    for f in &candidates {
        let text = text_of(f, true);
        if words.iter().all(|w| text.contains(&w.to_lowercase())) {
            return Ok(());
        }
    }
    let text = text_of(candidates[0], true);
    let missing: Vec<&String> = words
        .iter()
        .filter(|w| !text.contains(&w.to_lowercase()))
        .collect();
    Err(format!("{} lacks {missing:?}", candidates[0]["code"]))
}

#[tokio::test]
async fn incidents_score() {
    let only_dev = std::env::var("INCIDENTS").as_deref() == Ok("dev");
    let batch_only = std::env::var("INCIDENTS_BATCH").ok();
    let incidents: Vec<Incident> = load()
        .into_iter()
        .filter(|i| i.dev() || !only_dev)
        .filter(|i| batch_only.as_deref().is_none_or(|b| i.batch() == b))
        .collect();
    let _ = env();
    let results: Vec<(usize, Result<(), String>)> =
        futures::stream::iter(incidents.iter().enumerate())
            .map(|(i, inc)| async move {
                let doc = replay(i, inc).await;
                if let Ok(dir) = std::env::var("INCIDENTS_DUMP") {
                    let file = std::path::Path::new(&dir).join(format!("{}.json", inc.file));
                    let _ = std::fs::write(file, format!("{doc:#}"));
                }
                (i, score(&doc, &inc.doc["expect"]))
            })
            .buffer_unordered(6)
            .collect()
            .await;
    let mut results = results;
    results.sort_by_key(|(i, _)| *i);
    let parts = [
        "dev", "heldout", "dev2", "heldout2", "dev3", "heldout3", "dev4", "heldout4", "dev5",
        "heldout5", "dev6", "heldout6",
    ];
    let mut scores = [(0usize, 0usize); 12];
    for (i, r) in &results {
        let inc = &incidents[*i];
        match r {
            Ok(()) => println!("right  {:8} {}", inc.part, inc.file),
            Err(why) => println!("wrong  {:8} {}: {why}", inc.part, inc.file),
        }
        let k = parts
            .iter()
            .position(|p| *p == inc.part)
            .unwrap_or_else(|| panic!("{}: unknown part {}", inc.file, inc.part));
        scores[k].0 += 1;
        scores[k].1 += usize::from(r.is_ok());
    }
    let batch = |b: usize| {
        let ((dev, dev_ok), (held, held_ok)) = (scores[2 * b], scores[2 * b + 1]);
        format!("development {dev_ok}/{dev}, held-out {held_ok}/{held}")
    };
    let line = format!(
        "incidents: {}; second batch: {}; third batch: {}; fourth batch: {}; fifth batch: {}; \
         sixth batch: {}",
        batch(0),
        batch(1),
        batch(2),
        batch(3),
        batch(4),
        batch(5)
    );
    println!("{line}");
    // `make test` prints this file after the tests (their output is captured).
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("incidents-scores.txt");
    let _ = std::fs::write(&file, format!("{line}\n"));
    for (b, floor) in DEV_FLOORS.iter().enumerate() {
        let (dev, dev_ok) = scores[2 * b];
        assert!(
            dev == 0 || dev_ok >= *floor,
            "batch {}: development score {dev_ok} fell under {floor}",
            b + 1
        );
    }
}
