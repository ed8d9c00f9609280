//! A native sidecar declared after the init container that needs it (`SidecarDeclaredAfter`):
//! init containers start in spec order, a native sidecar (`restartPolicy: Always`) included,
//! so a sidecar serves only the init containers declared after it. When the blocking init
//! container connects to the pod's own loopback (`127.0.0.1:5432`, `localhost:6379`, its
//! `WaitsOnLocalhost` wait) and a native sidecar declared after it listens on that port (a
//! declared `containerPort`, or the port in its command: `--port=5432`, `-p 5432`,
//! `0.0.0.0:5432`), that sidecar starts only once the blocker has finished: it never will.
//! The hint: move the sidecar before it.
//!
//! Pure: the pod, the blocker's name, its log lines and the findings so far. The blocker's
//! `WaitsOnLocalhost` on that port is replaced (it says nothing listens before the app starts;
//! here a sidecar would, declared earlier). Each log line is read once, its first
//! [`LINE_BYTES`] bytes.

use k8s_openapi::api::core::v1::{Container, Pod};

use crate::finding::{Finding, Severity, finding};

/// How much of a log line is read.
const LINE_BYTES: usize = 2048;

/// The ways a log writes a loopback address, each followed by `:PORT` or `", port PORT`.
const LOOPBACKS: &[&str] = &["127.0.0.1", "localhost", "[::1]"];

/// Add `SidecarDeclaredAfter` for `blocker` when its loopback connection is served by a
/// native sidecar declared after it.
pub fn reconcile(pod: &Pod, blocker: &str, logs: &[String], findings: &mut Vec<Finding>) {
    let inits = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let Some(at) = inits.iter().position(|c| c.name == blocker) else {
        return;
    };
    if crate::status::is_sidecar(&inits[at]) {
        return;
    }
    let later: Vec<&Container> = inits[at + 1..]
        .iter()
        .filter(|c| crate::status::is_sidecar(c))
        .collect();
    if later.is_empty() {
        return;
    }
    let from_wait = findings
        .iter()
        .filter(|f| f.container.as_deref() == Some(blocker) && f.code == "WaitsOnLocalhost")
        .find_map(wait_port);
    let from_log = logs.iter().find_map(|l| loopback_port(l).map(|p| (p, l)));
    let Some(port) = from_wait.or(from_log.map(|(p, _)| p)) else {
        return;
    };
    let Some((sidecar, how)) = later
        .iter()
        .find_map(|c| serves(c, port).map(|how| (c, how)))
    else {
        return;
    };
    findings.retain(|f| {
        !(f.container.as_deref() == Some(blocker)
            && f.code == "WaitsOnLocalhost"
            && wait_port(f) == Some(port))
    });
    let name = &sidecar.name;
    let mut f = finding(
        "SidecarDeclaredAfter",
        Severity::Error,
        Some(blocker),
        format!(
            "init container {blocker} connects to localhost:{port}, which native sidecar {name} serves ({how}), but {name} is declared after it: init containers start in order, so {name} starts only once {blocker} has finished — it never will"
        ),
    );
    f.target = Some(format!("localhost:{port}"));
    if let Some((_, line)) = from_log {
        f.evidence
            .push(format!("its log: {}", crate::text::cap(line, 200)));
    }
    f.evidence.push(format!(
        "spec.initContainers: {blocker} (#{}), then {name} (#{}, restartPolicy: Always)",
        at + 1,
        inits.iter().position(|c| c.name == *name).unwrap_or(at) + 1
    ));
    f.hint = format!(
        "move {name} before {blocker} in spec.initContainers: a native sidecar is running before the init containers declared after it start"
    );
    findings.push(f);
}

/// The port a `WaitsOnLocalhost` waits on: its target's (`localhost:5432`), or its message's
/// (`` `localhost` (port 5432) ``).
fn wait_port(f: &Finding) -> Option<u16> {
    f.target.as_deref().and_then(port_after_colon).or_else(|| {
        let (_, after) = f.message.split_once("(port ")?;
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

/// The port of a written target: `localhost:5432`, `http://localhost:5432/`.
fn port_after_colon(target: &str) -> Option<u16> {
    let (_, after) = target.rsplit_once(':')?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The port a log line connects to on the loopback: `127.0.0.1:5432`, `localhost:6379`,
/// `[::1]:8080`, or psycopg's `server at "127.0.0.1", port 5432`.
fn loopback_port(line: &str) -> Option<u16> {
    let mut end = line.len().min(LINE_BYTES);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let line = &line[..end];
    LOOPBACKS.iter().find_map(|lo| {
        line.match_indices(lo).find_map(|(i, _)| {
            let rest = &line[i + lo.len()..];
            let rest = rest
                .strip_prefix(':')
                .or_else(|| rest.strip_prefix("\", port "))
                .or_else(|| rest.strip_prefix(" port "))?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
    })
}

/// How `c` shows it listens on `port`: a declared `containerPort`, or the port in its command.
fn serves(c: &Container, port: u16) -> Option<String> {
    if c.ports
        .iter()
        .flatten()
        .any(|p| p.container_port == i32::from(port))
    {
        return Some(format!("containerPort {port}"));
    }
    let words = c.command.iter().flatten().chain(c.args.iter().flatten());
    let p = port.to_string();
    let mut previous = "";
    for w in words {
        let hit = match w.split_once('=') {
            Some((k, v)) if k.starts_with('-') && k.contains("port") => v == p,
            _ => {
                (previous.starts_with('-') && previous.contains("port") || previous == "-p")
                    && *w == p
                    || w.rsplit_once(':').is_some_and(|(_, q)| q == p)
            }
        };
        if hit {
            return Some(format!("`{}`", crate::text::cap(w, 60)));
        }
        previous = w;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(inits: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"initContainers": inits, "containers": [{"name": "app"}]}
        }))
        .unwrap()
    }

    fn wait() -> serde_json::Value {
        json!({"name": "wait", "image": "airflow", "args": ["airflow", "db", "check-migrations"]})
    }

    #[test]
    fn a_loopback_connection_served_by_a_later_sidecar_is_named() {
        let proxy =
            json!({"name": "proxy", "restartPolicy": "Always", "args": ["--port=5432", "db"]});
        let declared =
            json!({"name": "proxy", "restartPolicy": "Always", "ports": [{"containerPort": 6379}]});
        let plain = json!({"name": "proxy", "args": ["--port=5432"]});
        let psycopg = "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused";
        // (case, init containers, log line, the sidecar named)
        let cases = [
            (
                "psycopg's line, --port=",
                json!([wait(), proxy]),
                psycopg,
                Some("proxy"),
            ),
            (
                "HOST:PORT, a declared port",
                json!([wait(), declared]),
                "dial tcp localhost:6379: connect: connection refused",
                Some("proxy"),
            ),
            (
                "the sidecar serves another port",
                json!([wait(), proxy]),
                "dial tcp 127.0.0.1:6379: refused",
                None,
            ),
            (
                "the sidecar is declared before",
                json!([proxy, wait()]),
                psycopg,
                None,
            ),
            (
                "a plain init container after it is no sidecar",
                json!([wait(), plain]),
                psycopg,
                None,
            ),
            (
                "no loopback in the log",
                json!([wait(), proxy]),
                "db:5432 refused",
                None,
            ),
        ];
        for (case, inits, line, want) in cases {
            let mut findings = Vec::new();
            reconcile(&pod(inits), "wait", &[line.to_string()], &mut findings);
            let got = findings.iter().find(|f| f.code == "SidecarDeclaredAfter");
            assert_eq!(got.is_some(), want.is_some(), "{case}: {findings:?}");
            if let (Some(f), Some(name)) = (got, want) {
                assert!(f.message.contains(name), "{case}: {}", f.message);
                assert!(
                    f.hint.contains(&format!("move {name} before wait")),
                    "{case}: {}",
                    f.hint
                );
            }
        }
    }

    #[test]
    fn a_waits_on_localhost_on_that_port_gives_way() {
        let inits =
            json!([wait(), {"name": "proxy", "restartPolicy": "Always", "args": ["-p", "5432"]}]);
        // (the wait's target, its message)
        let cases = [
            ("http://localhost:5432/", "m"),
            ("localhost", "`localhost` (port 5432) is this pod itself"),
        ];
        for (target, message) in cases {
            let mut local = finding(
                "WaitsOnLocalhost",
                Severity::Error,
                Some("wait"),
                message.into(),
            );
            local.target = Some(target.into());
            let mut findings = vec![local];
            reconcile(&pod(inits.clone()), "wait", &[], &mut findings);
            let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
            assert_eq!(codes, ["SidecarDeclaredAfter"], "{target}");
        }
    }
}
