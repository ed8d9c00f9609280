//! End to end: `explain --watch` rides out an API server restart and watches that expire (410
//! Gone): it re-lists and goes on, prints nothing again, and still prints the next real change.
//!
//! The shared API server is never touched (other tests run against it): each test starts a
//! second kube-apiserver of its own against the same etcd (`tests/controlplane/apiserver-extra.sh`,
//! another port, its own audit log) and points the tool at it. The restart is that process
//! stopped (SIGTERM, then SIGKILL) and started again on the same port. The expiry is the real
//! mechanism: that API server runs without a watch cache (`--watch-cache=false`), so a watch is
//! served by etcd, and etcd compacted past the watch's resourceVersion answers "required revision
//! has been compacted", which the API server sends as an ERROR event with Status 410 Expired
//! (checked first, by the test itself). The compactions touch only a key of the tests' own
//! outside `/registry`; the shared API server serves its watches from its watch cache, which a
//! compaction does not expire.

mod common;

use std::io::{Read, Write};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc::Receiver};
use std::time::{Duration, Instant};

use common::apiserver::ApiServer;
use common::{TestNs, env};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

// The pod whose init container waits for Service `db` (a name of its own: a Service of that
// name in another test's namespace would change the finding): `common::credentials::waiting_pod`.
use common::credentials::waiting_pod;

/// Wait for a line containing all of `needles`; the lines seen on the way.
fn line_with(
    lines: &Receiver<(Instant, String)>,
    needles: &[&str],
    within: Duration,
    seen: &mut Vec<String>,
) -> bool {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok((_, line)) => {
                let hit = needles.iter().all(|n| line.contains(n));
                seen.push(line);
                if hit {
                    return true;
                }
            }
            Err(_) => break,
        }
    }
    false
}

/// Start `explain -n NS --watch` through `api`, and read its first print (the table's row of
/// `api`, then the group).
fn watch_through(api: &ApiServer, ns: &TestNs, db: &str) -> (Child, Receiver<(Instant, String)>) {
    let kubeconfig = api.kubeconfig();
    let mut child = common::spawn_initdoctor(&[
        "--kubeconfig",
        &kubeconfig,
        "explain",
        "-n",
        &ns.name,
        "--watch",
        "--request-timeout",
        "5s",
    ]);
    let lines = common::lines_of(&mut child);
    let mut seen = Vec::new();
    assert!(
        line_with(
            &lines,
            &["api", "ServiceNotFound", db],
            Duration::from_secs(20),
            &mut seen
        ) && line_with(
            &lines,
            &["[error] ServiceNotFound"],
            Duration::from_secs(5),
            &mut seen
        ),
        "no first print: {seen:#?}"
    );
    // The rest of the first print (the group's fix): until the output is quiet for 1.5 s.
    while lines.recv_timeout(Duration::from_millis(1500)).is_ok() {}
    (child, lines)
}

/// After the disruption: nothing was printed again, and creating the awaited Service is printed
/// once, as a changed row and the group of its new finding, within 10 s (the reconnect back-off
/// included).
async fn prints_only_the_next_change(
    ns: &TestNs,
    db: &str,
    child: Child,
    lines: &Receiver<(Instant, String)>,
    what: &str,
) {
    let again: Vec<String> = lines.try_iter().map(|(_, l)| l).collect();
    assert!(again.is_empty(), "{what}: printed again: {again:#?}");
    ns.create::<Service>(
        &"apiVersion: v1\nkind: Service\nmetadata: {name: DB}\nspec: {selector: {app: DB}, ports: [{port: 5432}]}\n"
            .replace("DB", db),
    )
    .await;
    let mut after = Vec::new();
    let changed = line_with(
        lines,
        &["ServiceNotFound → ServiceNoEndpoints"],
        Duration::from_secs(10),
        &mut after,
    );
    std::thread::sleep(Duration::from_millis(1500));
    after.extend(lines.try_iter().map(|(_, l)| l));
    let mut child = child;
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        changed,
        "{what}: the Service's creation was not printed: {after:#?}\nstderr: {stderr}"
    );
    let rows: Vec<&String> = after.iter().filter(|l| l.contains("→")).collect();
    assert_eq!(rows.len(), 1, "{what}: one changed row, once: {after:#?}");
    // Under the row, the group of its new finding (with its fix), once; not the whole view.
    let groups: Vec<&String> = after.iter().filter(|l| l.starts_with("[error]")).collect();
    assert!(
        groups.len() == 1 && groups[0].starts_with("[error] ServiceNoEndpoints "),
        "{what}: the whole view again: {after:#?}"
    );
    assert!(!stderr.contains("error:"), "{what}: {stderr}");
}

#[tokio::test]
async fn watch_rides_out_api_server_restarts_without_printing_again() {
    let ns = TestNs::new("wrestart").await;
    let db = format!("db-{}", common::random_suffix());
    waiting_pod(&ns, &db).await;
    let mut api = ApiServer::start(&[]);
    let (child, lines) = watch_through(&api, &ns, &db);
    for signal in ["TERM", "KILL"] {
        let lists = api.tool_requests("list", &ns.name);
        api.stop(signal);
        // Down for a while: its watch is cut, its rounds fail and are retried.
        std::thread::sleep(Duration::from_secs(3));
        api.spawn();
        // Back: the tool lists again (a new round) through the restarted server.
        let deadline = Instant::now() + Duration::from_secs(30);
        while api.tool_requests("list", &ns.name) <= lists {
            assert!(
                Instant::now() < deadline,
                "{signal}: the tool never listed again"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        std::thread::sleep(Duration::from_secs(1));
        let again: Vec<String> = lines.try_iter().map(|(_, l)| l).collect();
        assert!(again.is_empty(), "{signal}: printed again: {again:#?}");
    }
    prints_only_the_next_change(&ns, &db, child, &lines, "after the restarts").await;
}

/// etcd's JSON gateway (`/v3/…`): POST `body` to `path`, the answer's JSON.
fn etcd(path: &str, body: &Value) -> Value {
    let text = std::fs::read_to_string(env().state_dir.join("env")).unwrap();
    let url = text
        .lines()
        .find_map(|l| l.strip_prefix("export INITDOCTOR_ETCD_URL="))
        .expect("INITDOCTOR_ETCD_URL in the control plane's env (restart it with this up.sh)");
    let addr = url.trim_start_matches("http://");
    let body = body.to_string();
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to etcd");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let json = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("etcd answered {answer:?}: {e}"))
}

/// Move etcd's revision on by two (writes to the tests' own key) and compact up to it: every
/// resourceVersion older than that expires for a watch served by etcd.
fn compact_past_now() {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.encode("/initdoctor-tests/compaction");
    let value = base64::engine::general_purpose::STANDARD.encode("x");
    let mut revision = String::new();
    for _ in 0..2 {
        let put = etcd("/v3/kv/put", &json!({"key": key, "value": value}));
        revision = put["header"]["revision"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    }
    etcd("/v3/kv/compaction", &json!({"revision": revision}));
}

#[tokio::test]
async fn watch_survives_watches_that_expire() {
    let ns = TestNs::new("wexpire").await;
    let db = format!("db-{}", common::random_suffix());
    waiting_pod(&ns, &db).await;
    let api = ApiServer::start(&["--watch-cache=false"]);

    // The mechanism, first: a watch from a compacted resourceVersion is answered 410 Expired.
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(api.kubeconfig()).unwrap(),
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    let pods: Api<Pod> = Api::namespaced(kube::Client::try_from(config).unwrap(), &ns.name);
    let version = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    compact_past_now();
    let mut stream = Box::pin(
        pods.watch(&WatchParams::default().timeout(5), &version)
            .await
            .unwrap(),
    );
    match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
        Ok(Some(Ok(WatchEvent::Error(status)))) => {
            assert_eq!(
                (status.code, status.reason.as_str()),
                (410, "Expired"),
                "{status:?}"
            );
        }
        other => panic!("a watch from a compacted version should be answered 410: {other:?}"),
    }

    let (child, lines) = watch_through(&api, &ns, &db);
    let watches = api.tool_requests("watch", &ns.name);
    // Compact on and on: each watch the tool starts from the version of its last list expires.
    let stop = Arc::new(AtomicBool::new(false));
    let compactor = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                compact_past_now();
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    // The watch open now started before the compactions, and lasts: a change of the pod that
    // changes nothing shown ends it, and starts a new round whose watch comes after a compaction.
    ns.api::<Pod>()
        .patch(
            "api",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(json!({"metadata": {"annotations": {"poke": "1"}}})),
        )
        .await
        .unwrap();
    // A quiet watch lasts 30 s: four more within 20 s means they ended early — expired — and the
    // tool went on with a new round each time.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut expired = 0;
    while Instant::now() < deadline {
        expired = api.tool_requests("watch", &ns.name) - watches;
        if expired >= 4 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    compactor.join().unwrap();
    assert!(
        expired >= 4,
        "only {expired} new watches in 20 s of compactions"
    );
    prints_only_the_next_change(&ns, &db, child, &lines, "after the expired watches").await;
}
