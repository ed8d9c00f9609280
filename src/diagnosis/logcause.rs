//! Why a wait that should pass does not, read from its own log: the errors its client prints
//! about its target. The wait findings judge the target from the cluster (the Service exists,
//! its endpoints are ready) and may conclude that the loop should be over
//! (`ResolvesButWaits`); when the loop's log says why its check keeps failing, that log
//! decides: the name does not resolve from this pod, the connection is refused or times out,
//! or busybox's `nslookup` found the name and still failed on the other search domains.
//!
//! Only the last [`super::LOG_TAIL_LINES`] lines are read (the edge fetches no more), each
//! once: bounded by the tail's size.

use crate::finding::{Finding, Severity, finding};

/// What the log says about the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The client could not resolve a name (`bad address 'db'`, `Could not resolve host: db`,
    /// `no such host`, …); `name` when the line quotes it.
    NoSuchName { name: Option<String> },
    /// busybox `nslookup` printed an answer (`Name:`) and then NXDOMAIN / no answer for the
    /// other search domains: it exits non-zero although the name resolved.
    NslookupSearchFailures,
    /// The address answered with a refusal: nothing listens on the port.
    Refused,
    /// The connection timed out or the host is unreachable.
    Timeout,
}

/// The cause the log shows, with the line that shows it (the most telling one: an nslookup
/// answer followed by failures first, then the last matching line).
pub fn read(lines: &[String]) -> Option<(Cause, String)> {
    let answered = lines
        .iter()
        .position(|l| l.trim_start().starts_with("Name:"));
    if let Some(at) = answered
        && let Some(line) = lines[at..].iter().find(|l| {
            let l = l.to_ascii_lowercase();
            (l.contains("can't find") && (l.contains("nxdomain") || l.contains("no answer")))
                || (l.contains("server can't find") && l.contains("nxdomain"))
        })
    {
        return Some((Cause::NslookupSearchFailures, line.trim().to_string()));
    }
    lines.iter().rev().find_map(|l| {
        let cause = classify(l)?;
        Some((cause, l.trim().to_string()))
    })
}

fn classify(line: &str) -> Option<Cause> {
    let lower = line.to_ascii_lowercase();
    const NAME: &[&str] = &[
        "bad address",
        "can't resolve",
        "could not resolve host",
        "could not resolve hostname",
        "name or service not known",
        "no such host",
        "temporary failure in name resolution",
        "enotfound",
        "unknownhostexception",
        "nodename nor servname",
        "name does not resolve",
    ];
    if NAME.iter().any(|p| lower.contains(p)) {
        return Some(Cause::NoSuchName {
            name: quoted_name(line),
        });
    }
    if lower.contains("connection refused") || lower.contains("econnrefused") {
        return Some(Cause::Refused);
    }
    const TIMEOUT: &[&str] = &[
        "i/o timeout",
        "timed out",
        "etimedout",
        "no route to host",
        "network is unreachable",
    ];
    if TIMEOUT.iter().any(|p| lower.contains(p)) {
        return Some(Cause::Timeout);
    }
    None
}

/// The first quoted word of `line` (`'db'`, `"db"`), or the word after `host:` (curl).
fn quoted_name(line: &str) -> Option<String> {
    for q in ['\'', '"'] {
        if let Some((_, rest)) = line.split_once(q)
            && let Some((name, _)) = rest.split_once(q)
            && !name.is_empty()
            && !name.contains(' ')
        {
            return Some(name.to_string());
        }
    }
    let lower = line.to_ascii_lowercase();
    let at = lower.find("resolve host:")?;
    line[at + "resolve host:".len()..]
        .split_whitespace()
        .next()
        .map(str::to_string)
}

/// The finding that replaces `should_pass` (a `ResolvesButWaits` of container `name`) when its
/// log shows `cause` in `line`: it keeps the target, what it resolved to and the chain of
/// evidence, and says why the loop does not end instead of that it should.
pub fn finding_for(should_pass: &Finding, cause: &Cause, line: &str) -> Finding {
    let name = should_pass.container.as_deref().unwrap_or("");
    let target = should_pass.target.as_deref().unwrap_or("its target");
    let (code, message, hint) = match cause {
        Cause::NslookupSearchFailures => (
            "BusyboxNslookupQuirk",
            format!(
                "init container {name} waits forever: its nslookup found `{target}` (the `Name:` answer) but exits non-zero because the lookups through the other search domains failed — busybox's nslookup after 1.28 does this, whatever the image is called"
            ),
            format!(
                "test the name with `getent hosts {target}` (or the full name with a trailing dot), or pin busybox:1.28 for the wait"
            ),
        ),
        Cause::NoSuchName { .. } => (
            "WaitLogShowsCause",
            format!(
                "init container {name} waits forever: its log says `{target}` does not resolve in this pod although the cluster has it — the pod's DNS lookups fail"
            ),
            "check the cluster DNS from this pod: the kube-dns Service and its CoreDNS pods, a NetworkPolicy that blocks port 53 (UDP and TCP), the pod's dnsPolicy and dnsConfig".to_string(),
        ),
        Cause::Refused => (
            "WaitLogShowsCause",
            format!(
                "init container {name} waits: its log says connections to `{target}` are refused — the address answers but nothing listens on that port"
            ),
            "check the port the wait uses against the Service's targetPort and the port the server listens on (its log shows whether it started)".to_string(),
        ),
        Cause::Timeout => (
            "WaitLogShowsCause",
            format!(
                "init container {name} waits: its log says connections to `{target}` time out — packets are dropped on the way"
            ),
            "look for a NetworkPolicy that selects this pod (egress) or the server (ingress), and check the pod network between the two nodes".to_string(),
        ),
    };
    let mut f = finding(
        code,
        Severity::Error,
        should_pass.container.as_deref(),
        message,
    );
    f.target = should_pass.target.clone();
    f.resolved = should_pass.resolved.clone();
    f.evidence.push(format!("log says: {line}"));
    f.evidence.extend(
        should_pass
            .evidence
            .iter()
            .filter(|l| !l.contains("should"))
            .cloned(),
    );
    f.hint = hint;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn causes_are_read_from_client_errors() {
        let name = |n: &str| Cause::NoSuchName {
            name: Some(n.into()),
        };
        let cases: &[(&str, Option<Cause>)] = &[
            (
                "nc: bad address 'superset-postgresql'\nwaiting for db",
                Some(name("superset-postgresql")),
            ),
            ("curl: (6) Could not resolve host: api", Some(name("api"))),
            (
                "dial tcp: lookup db on 10.96.0.10:53: no such host",
                Some(Cause::NoSuchName { name: None }),
            ),
            (
                "nc: can't connect to remote host (10.0.0.7): Connection refused",
                Some(Cause::Refused),
            ),
            ("wget: download timed out", Some(Cause::Timeout)),
            (
                "Server: 10.43.0.10\nAddress: 10.43.0.10:53\n\nName: redis.ns.svc.cluster.local\nAddress: 10.43.1.2\n\n** server can't find redis.cluster.local: NXDOMAIN",
                Some(Cause::NslookupSearchFailures),
            ),
            ("waiting for db\nwaiting for db", None),
            // An answer alone is no failure.
            ("Name: redis.ns.svc.cluster.local\nAddress: 10.43.1.2", None),
        ];
        for (text, want) in cases {
            let got = read(&lines(text)).map(|(c, _)| c);
            assert_eq!(&got, want, "{text}");
        }
    }

    #[test]
    fn the_line_that_shows_it_is_kept() {
        let (_, line) = read(&lines("waiting\nnc: bad address 'db'\nwaiting")).unwrap();
        assert_eq!(line, "nc: bad address 'db'");
    }
}
