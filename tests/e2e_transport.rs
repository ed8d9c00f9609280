//! End to end on the real control plane: the client speaks HTTP/2 to the API server — an
//! `explain` whose rounds send many requests at once makes them all over one connection — and
//! keeps HTTP/1.1 where HTTP/2 cannot go: `debug`'s attach (a WebSocket upgrade) works, over a
//! connection that does not offer HTTP/2.
//!
//! A TCP relay on loopback stands between the binary and the API server. It forwards the bytes
//! untouched (TLS is the client's and the server's) and records, for each connection, the
//! protocols the client offered in its TLS ClientHello (ALPN, which is sent in clear).
//! kube-apiserver answers an offer of `h2` with `h2` (Go's server prefers it; checked against
//! this control plane with a client that reads the answer), and a connection that carries
//! several requests at once is HTTP/2: HTTP/1.1 carries one at a time.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use common::debug::added_name;
use common::{TestNs, initdoctor, initdoctor_with_stdin};
use k8s_openapi::api::core::v1::Service;
use serde_json::Value;

/// The protocols each connection offered, in the order the connections came.
type Offers = Arc<Mutex<Vec<Vec<String>>>>;

/// A relay to the control plane's API server; what its connections offered.
struct Relay {
    /// Holds the kubeconfig; removed with the relay.
    _dir: tempfile::TempDir,
    kubeconfig: String,
    offers: Offers,
}

impl Relay {
    fn start() -> Relay {
        let main = std::fs::read_to_string(&common::env().kubeconfig).unwrap();
        let server = main
            .lines()
            .find_map(|l| l.trim().strip_prefix("server: "))
            .expect("a server in the kubeconfig")
            .to_string();
        let upstream: u16 = server.rsplit(':').next().unwrap().parse().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let offers = Offers::default();
        let seen = offers.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || relay(client, upstream, &seen));
            }
        });
        let dir = common::scratch("relay");
        let kubeconfig = dir.path().join("kubeconfig");
        // The API server's certificate names 127.0.0.1, which the relay is on too.
        std::fs::write(
            &kubeconfig,
            main.replace(&server, &format!("https://127.0.0.1:{port}")),
        )
        .unwrap();
        Relay {
            kubeconfig: kubeconfig.display().to_string(),
            _dir: dir,
            offers,
        }
    }

    fn offers(&self) -> Vec<Vec<String>> {
        self.offers.lock().unwrap().clone()
    }
}

/// Read the client's first TLS record, note its ALPN offer, then forward both ways.
fn relay(mut client: TcpStream, upstream: u16, seen: &Offers) {
    let mut head = [0u8; 5];
    if client.read_exact(&mut head).is_err() {
        return;
    }
    let mut hello = vec![0u8; usize::from(u16::from_be_bytes([head[3], head[4]]))];
    if client.read_exact(&mut hello).is_err() {
        return;
    }
    let offered = if head[0] == 0x16 {
        alpn_offer(&hello).unwrap_or_else(|| vec!["(unreadable ClientHello)".into()])
    } else {
        vec!["(not TLS)".into()]
    };
    seen.lock().unwrap().push(offered);
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    if server.write_all(&head).is_err() || server.write_all(&hello).is_err() {
        return;
    }
    let (mut to_server, mut from_server) = (server.try_clone().unwrap(), server);
    let mut from_client = client.try_clone().unwrap();
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut from_server, &mut client);
    let _ = client.shutdown(Shutdown::Write);
    let _ = up.join();
}

/// The protocols a ClientHello (the handshake message) offers by ALPN: empty without the
/// extension; `None` when it is cut short.
fn alpn_offer(hello: &[u8]) -> Option<Vec<String>> {
    let u16_at = |at: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes([
            *hello.get(at)?,
            *hello.get(at + 1)?,
        ])))
    };
    if *hello.first()? != 1 {
        return None;
    }
    // Type, length (4), version (2), random (32), then the session id, cipher suites and
    // compression methods, each with its length.
    let mut at = 4 + 2 + 32;
    at += 1 + usize::from(*hello.get(at)?);
    at += 2 + u16_at(at)?;
    at += 1 + usize::from(*hello.get(at)?);
    let end = at + 2 + u16_at(at)?;
    at += 2;
    while at + 4 <= end {
        let (kind, len) = (u16_at(at)?, u16_at(at + 2)?);
        at += 4;
        if kind == 16 {
            let list = hello.get(at + 2..at + len)?;
            let mut names = Vec::new();
            let mut i = 0;
            while i < list.len() {
                let n = usize::from(list[i]);
                names.push(String::from_utf8_lossy(list.get(i + 1..i + 1 + n)?).into_owned());
                i += 1 + n;
            }
            return Some(names);
        }
        at += len;
    }
    Some(Vec::new())
}

/// The requests of the audit log after `mark` in `ns` or naming `needle` (cluster-wide lists
/// with a selector of this test): `(received, completed)` microsecond stamps of each.
fn requests_since(mark: usize, ns: &str, needle: &str) -> Vec<(String, String)> {
    common::audit_flush();
    let text = std::fs::read_to_string(&common::env().audit_log).unwrap_or_default();
    text.lines()
        .skip(mark)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["stage"] == "ResponseComplete" && e["user"]["username"] == "admin")
        .filter(|e| {
            e["objectRef"]["namespace"] == ns
                || e["requestURI"].as_str().is_some_and(|u| u.contains(needle))
        })
        .map(|e| {
            let stamp = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (stamp("requestReceivedTimestamp"), stamp("stageTimestamp"))
        })
        .collect()
}

#[tokio::test]
async fn explain_sends_a_round_of_concurrent_requests_over_one_http2_connection() {
    let ns = TestNs::new("h2").await;
    let suffix = ns.name.rsplit('-').next().unwrap_or("x").to_string();
    // A Service whose selector matches no pod: its near misses are looked for in one round of
    // label-selected lists (pods, ReplicaSets, StatefulSets, DaemonSets, Jobs), all at once.
    let ghost = format!("ghost-{suffix}");
    ns.create::<Service>(&format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {ghost}}}\nspec:\n  selector: {{app: {ghost}, tier: backend}}\n  ports: [{{port: 80}}]\n"
    ))
    .await;
    ns.pod(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: web, labels: {{app: web}}}}
spec:
  containers: [{{name: app, image: busybox:1.36}}]
  initContainers:
  - name: wait
    image: busybox:1.36
    command: ['sh', '-c', 'until nc -z {ghost} 80; do sleep 2; done']
"#
    ))
    .await;
    ns.set_initializing("web", "10.244.77.19").await;

    let relay = Relay::start();
    let mark = common::audit_mark();
    let run = initdoctor(&[
        "--kubeconfig",
        &relay.kubeconfig,
        "explain",
        "web",
        "-n",
        &ns.name,
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pod = &run.json()["pods"][0];
    assert!(
        common::codes_about(pod, &ghost).contains(&"ServiceNoEndpoints".to_string()),
        "the diagnosis is the usual one: {pod:#}"
    );
    let requests = requests_since(mark, &ns.name, &ghost);
    let overlapping = requests
        .iter()
        .filter(|(start, end)| {
            requests
                .iter()
                .filter(|(s, e)| s < end && start < e)
                .count()
                > 1
        })
        .count();
    assert!(
        requests.len() >= 10 && overlapping >= 2,
        "a hard case: many requests, some at once: {requests:?}"
    );
    assert_eq!(
        relay.offers(),
        vec![vec!["h2".to_string(), "http/1.1".to_string()]],
        "one connection, offering HTTP/2, for {} requests ({overlapping} of them in flight beside another)",
        requests.len()
    );
}

#[tokio::test]
async fn attach_upgrades_over_a_connection_of_its_own_that_does_not_offer_http2() {
    let ns = TestNs::new("h2-attach").await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.28
    command: ['sh', '-c', 'until nc -z db 5432; do sleep 2; done']
  containers:
  - name: app
    image: nginx:1.27
"#,
    )
    .await;
    ns.set_initializing("web", "10.244.77.20").await;

    let relay = Relay::start();
    let run = initdoctor_with_stdin(
        &[
            "--kubeconfig",
            &relay.kubeconfig,
            "debug",
            "web",
            "-n",
            &ns.name,
            "--timeout",
            "30s",
        ],
        "hostname\nexit 3\n",
    );
    run.assert_code(0);
    let name = added_name(&run.stderr);
    run.assert_stderr_has(&format!("Attached to {name}"));
    run.assert_stderr_has(&format!("Session ended: {name} exited with code 3."));
    // The reads and the write offer HTTP/2 (several connections when the first requests go
    // out together, before any is open); the attach offers no ALPN: HTTP/1.1.
    let offers = relay.offers();
    let h2 = vec!["h2".to_string(), "http/1.1".to_string()];
    assert!(offers.contains(&h2), "{offers:?}");
    assert!(offers.contains(&Vec::new()), "{offers:?}");
    assert!(
        offers.iter().all(|o| *o == h2 || o.is_empty()),
        "{offers:?}"
    );
}
