//! End to end on the real control plane: explaining one pod costs what it depends on, not the
//! size of its namespace. The audit log records every request; these tests assert which ones
//! `explain POD` makes in a namespace of many pods — by verb, resource and selectors — so that a
//! return to whole-namespace lists fails.

mod common;

use common::{TestNs, explain_one, finding_about};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use serde_json::{Value, json};
use std::time::Duration;

/// How many unrelated pods fill the namespace.
const FILLER: usize = 150;

/// One request as the audit log saw it: `verb resource [namespace] ?selectors`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Request {
    verb: String,
    resource: String,
    namespace: String,
    labels: String,
    fields: String,
}

impl Request {
    fn whole_namespace_list(&self) -> bool {
        self.verb == "list" && self.labels.is_empty() && self.fields.is_empty()
    }
}

/// The requests `admin` made after `mark`, in namespace `ns` or cluster-wide with `needle` in
/// their URI (a name of this test only), once the audit log has caught up.
fn requests_since(mark: usize, ns: &str, needle: &str) -> Vec<Request> {
    let read = || {
        let text = std::fs::read_to_string(&common::env().audit_log).unwrap_or_default();
        let mut out: Vec<Request> = text
            .lines()
            .skip(mark)
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| e["stage"] == "ResponseComplete" && e["user"]["username"] == "admin")
            .filter_map(|e| {
                let uri = e["requestURI"].as_str().unwrap_or_default().to_string();
                let namespace = e["objectRef"]["namespace"].as_str().unwrap_or_default();
                if namespace != ns && !(namespace.is_empty() && uri.contains(needle)) {
                    return None;
                }
                let query = |key: &str| -> String { url_query(&uri, key).unwrap_or_default() };
                let resource = e["objectRef"]["resource"].as_str().unwrap_or_default();
                let resource = match e["objectRef"]["subresource"].as_str() {
                    Some(sub) => format!("{resource}/{sub}"),
                    None => resource.to_string(),
                };
                Some(Request {
                    verb: e["verb"].as_str().unwrap_or_default().to_string(),
                    resource,
                    namespace: namespace.to_string(),
                    labels: query("labelSelector"),
                    fields: query("fieldSelector"),
                })
            })
            .collect();
        out.sort();
        out
    };
    let mut last = read();
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(250));
        let now = read();
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

/// A query parameter of a request URI, percent-decoded.
fn url_query(uri: &str, key: &str) -> Option<String> {
    let query = uri.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| decode(v))
    })
}

fn decode(text: &str) -> String {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                out.push(u8::from_str_radix(&hex, 16).unwrap_or(b'?'));
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A namespace of `FILLER` pods that nobody waits on, created concurrently.
async fn crowded(prefix: &str) -> TestNs {
    let ns = TestNs::new(prefix).await;
    let api = ns.api::<Pod>();
    let creates = (0..FILLER).map(|i| {
        let api = api.clone();
        let pod: Pod = common::from_json(json!({
            "metadata": {"name": format!("filler-{i}"), "namespace": ns.name,
                         "labels": {"app": "filler", "tier": format!("t{}", i % 7)}},
            "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}
        }));
        async move {
            api.create(&Default::default(), &pod)
                .await
                .unwrap_or_else(|e| panic!("create filler: {e}"))
        }
    });
    futures::stream::iter(creates)
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    ns
}

async fn blocked(ns: &TestNs, name: &str, script: &str) {
    ns.pod(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {name}}}}}
spec:
  containers: [{{name: app, image: busybox:1.36}}]
  initContainers:
  - name: wait
    image: busybox:1.36
    command: ['sh', '-c', '{script}']
"#
    ))
    .await;
    ns.set_initializing(name, "10.244.77.9").await;
}

#[tokio::test]
async fn explain_pod_asks_only_for_what_it_depends_on_in_a_crowded_namespace() {
    let ns = crowded("scale").await;
    let suffix = ns.name.rsplit('-').next().unwrap_or("x").to_string();
    let db = format!("db-{suffix}");
    ns.create::<Service>(&format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {db}}}\nspec:\n  selector: {{app: {db}}}\n  ports: [{{port: 5432}}]\n"
    ))
    .await;
    for i in 0..2 {
        ns.pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {db}-{i}, labels: {{app: {db}}}}}\nspec:\n  containers: [{{name: db, image: postgres:16}}]\n"
        ))
        .await;
        ns.set_ready(&format!("{db}-{i}"), &format!("10.244.78.{}", i + 1))
            .await;
    }
    ns.await_endpoints(&db, 2, 2).await;
    blocked(
        &ns,
        "app",
        &format!("until nc -z {db} 6543; do sleep 2; done"),
    )
    .await;

    let mark = common::audit_mark();
    let pod = explain_one(&ns, "app", &[]);
    let requests = requests_since(mark, &ns.name, &db);

    // The diagnosis is the one a whole-namespace read gave: the port is wrong, the pods are Ready.
    let f = finding_about(&pod, "ServicePortMismatch", &db);
    assert_eq!(f["resolved"]["name"], db.as_str(), "{f:#}");

    let service_name = "kubernetes.io/service-name";
    let expected = [
        ("get", "pods", ns.name.as_str(), "", ""),
        ("get", "pods/log", &ns.name, "", ""),
        (
            "list",
            "endpointslices",
            "",
            &format!("{service_name} in ({db})") as &str,
            "",
        ),
        (
            "list",
            "events",
            &ns.name,
            "",
            "involvedObject.kind=Pod,involvedObject.name=app",
        ),
        ("list", "pods", &ns.name, &format!("app={db}"), ""),
        ("list", "services", "", "", &format!("metadata.name={db}")),
    ];
    let expected: Vec<Request> = expected
        .iter()
        .map(|(verb, resource, namespace, labels, fields)| Request {
            verb: verb.to_string(),
            resource: resource.to_string(),
            namespace: namespace.to_string(),
            labels: labels.to_string(),
            fields: fields.to_string(),
        })
        .collect();
    assert_eq!(
        requests, expected,
        "explain POD in a namespace of {FILLER} pods: one targeted request each"
    );
}

/// The pods of a namespace's requests in `requests`: their label selectors, sorted.
fn pod_lists(requests: &[Request]) -> Vec<&str> {
    let mut out: Vec<&str> = requests
        .iter()
        .filter(|r| r.verb == "list" && r.resource == "pods")
        .map(|r| r.labels.as_str())
        .collect();
    out.sort_unstable();
    out
}

/// The evidence lines of the finding about `target` that start with `prefix`.
fn evidence_about(pod: &Value, target: &str, prefix: &str) -> Vec<String> {
    pod["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["target"] == target)
        .flat_map(|f| f["evidence"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e.as_str().map(str::to_string))
        .filter(|e| e.starts_with(prefix))
        .collect()
}

#[tokio::test]
async fn a_selector_that_matches_nothing_costs_bounded_samples_not_the_namespace() {
    let ns = crowded("scale-need").await;
    let suffix = ns.name.rsplit('-').next().unwrap_or("x").to_string();
    // A Service whose selector matches nothing, sharing a pair with every filler pod.
    let api = format!("api-{suffix}");
    ns.create::<Service>(&format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {api}}}\nspec:\n  selector: {{app: filler, tier: t9}}\n  ports: [{{port: 80}}]\n"
    ))
    .await;
    blocked(
        &ns,
        "lonely",
        &format!("until nc -z {api} 80; do sleep 2; done"),
    )
    .await;
    // A Service whose only near miss is a key typo in a ReplicaSet's pods: found through the
    // ReplicaSet's template, not by reading the pods.
    let ghost = format!("ghost-{suffix}");
    ns.create::<Service>(&format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {ghost}}}\nspec:\n  selector: {{app: {ghost}}}\n  ports: [{{port: 80}}]\n"
    ))
    .await;
    ns.create::<ReplicaSet>(&format!(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: cache}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{ap: {ghost}}}}}\n  template:\n    metadata: {{labels: {{ap: {ghost}, role: cache}}}}\n    spec: {{containers: [{{name: c, image: busybox:1.36}}]}}\n"
    ))
    .await;
    let cache_pod = rs_pod(&ns, &format!("ap={ghost}")).await;
    blocked(
        &ns,
        "haunted",
        &format!("until nc -z {ghost} 80; do sleep 2; done"),
    )
    .await;
    // A missing Service: the namespace's Service names (near misses), no pod list.
    let missing = format!("cache-{suffix}");
    blocked(
        &ns,
        "typo",
        &format!("until nslookup {missing}; do sleep 2; done"),
    )
    .await;

    let owners = ["daemonsets", "jobs", "replicasets", "statefulsets"];
    let lonely_samples = [
        "app,app!=filler",
        "app=filler",
        "app=filler,tier=t9",
        "tier,tier!=t9",
        "tier=t9",
    ];
    let ghost_samples = [
        format!("ap={ghost},role=cache"),
        format!("app,app!={ghost}"),
        format!("app={ghost}"),
    ];
    let ghost_samples: Vec<&str> = ghost_samples.iter().map(String::as_str).collect();
    let closest_fillers = [
        "closest: pod filler-0 has labels app=filler,tier=t0",
        "closest: pod filler-1 has labels app=filler,tier=t1",
        "closest: pod filler-10 has labels app=filler,tier=t3",
    ];
    let closest_cache = [format!(
        "closest: pod {cache_pod} has labels ap={ghost},role=cache"
    )];
    let closest_cache: Vec<&str> = closest_cache.iter().map(String::as_str).collect();
    // A missing Service: the pods a manifest for it would select.
    let manifest = [
        format!("app.kubernetes.io/name={missing}"),
        format!("app={missing}"),
    ];
    let manifest: Vec<&str> = manifest.iter().map(String::as_str).collect();
    // The pod, its Service, the namespace-wide lists, the pod lists' selectors, the evidence.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [&'a str],
        &'a [&'a str],
        &'a [&'a str],
    );
    let cases: [Case; 3] = [
        ("lonely", &api, &owners, &lonely_samples, &closest_fillers),
        ("haunted", &ghost, &owners, &ghost_samples, &closest_cache),
        ("typo", &missing, &["services"], &manifest, &[]),
    ];
    for (pod_name, needle, wide_lists, pod_selectors, closest) in cases {
        let mark = common::audit_mark();
        let pod = explain_one(&ns, pod_name, &[]);
        let requests = requests_since(mark, &ns.name, needle);
        let mut wide: Vec<&str> = requests
            .iter()
            .filter(|r| r.whole_namespace_list())
            .map(|r| r.resource.as_str())
            .collect();
        wide.sort_unstable();
        assert_eq!(
            wide, wide_lists,
            "{pod_name}: no namespace-wide list of pods: {requests:#?}"
        );
        assert_eq!(
            pod_lists(&requests),
            pod_selectors,
            "{pod_name}: {requests:#?}"
        );
        assert_eq!(
            evidence_about(&pod, needle, "closest: "),
            closest,
            "{pod_name}: the closest label sets, as from every pod: {pod:#}"
        );
    }
}

/// The name of the pod a ReplicaSet made, once it exists.
async fn rs_pod(ns: &TestNs, selector: &str) -> String {
    let api = ns.api::<Pod>();
    for _ in 0..120 {
        let pods = api
            .list(&kube::api::ListParams::default().labels(selector))
            .await
            .expect("list pods");
        if let Some(name) = pods.items.first().and_then(|p| p.metadata.name.clone()) {
            return name;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no pod of {selector} in {}", ns.name);
}
