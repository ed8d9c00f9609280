//! `--check`: each inside result next to what `explain` concluded from the API, and whether the
//! two agree. Pure: probes, outcomes and findings in, a report out.

use serde::Serialize;

use super::check::{Outcome, Probe, ProbeKind, Skipped};
use crate::diagnosis::Finding;

/// What the API's view (explain's findings about a target) predicts inside the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Expect {
    /// No such name: DNS fails.
    NoName,
    /// The name resolves, nothing ready behind it: connections fail.
    NoBackends,
    /// The name resolves, the port is not served: connections fail.
    NoPort,
    /// The name exists, but the blocker's busybox nslookup cannot resolve it short.
    ToolQuirk,
    /// Ready endpoints: the check should pass.
    Pass,
    /// No finding that predicts anything.
    Unknown,
}

/// The API's prediction for `target`, from the findings about it, with a short reason.
pub fn expectation(findings: &[Finding], target: &str) -> (Expect, String, Option<String>) {
    let about = findings
        .iter()
        .filter(|f| f.target.as_deref() == Some(target));
    let mut best = (Expect::Unknown, "no finding about it".to_string(), None);
    for f in about {
        let service = f
            .resolved
            .as_ref()
            .map(|r| format!("{}/{}", r.namespace, r.name))
            .unwrap_or_else(|| target.to_string());
        let (expect, text) = match f.code.as_str() {
            "ServiceNotFound" => (Expect::NoName, format!("no Service {target}")),
            "ServiceNameTypo" => (
                Expect::NoName,
                format!("no Service {target} (a near name exists)"),
            ),
            "ServiceInOtherNamespace" => (
                Expect::NoName,
                format!("no Service {target} here, one in another namespace"),
            ),
            "HeadlessNotResolvable" => (
                Expect::NoName,
                format!("headless Service {service} has no ready endpoint"),
            ),
            "ServiceNoEndpoints" => (
                Expect::NoBackends,
                format!("Service {service} has no endpoints"),
            ),
            "ServiceEndpointsNotReady" => (
                Expect::NoBackends,
                format!("Service {service} has no ready endpoint"),
            ),
            "ServicePortMismatch" => (
                Expect::NoPort,
                format!("Service {service} does not carry that port to one its pods declare"),
            ),
            "BusyboxNslookupQuirk" => (
                Expect::ToolQuirk,
                "busybox nslookup fails a short name (its other search domains answer NXDOMAIN)"
                    .to_string(),
            ),
            // The objects say it should pass; the blocker's log may already say why it does
            // not (`WaitLogShowsCause`): inside, the check tells which side is right.
            "ResolvesButWaits" | "WaitLogShowsCause" => (
                Expect::Pass,
                format!("Service {service} has ready endpoints"),
            ),
            _ => continue,
        };
        // The first predictive finding wins, except that a quirk is kept beside a pass and a
        // missing name, backend or port beats a quirk (the quirk matters only once the name
        // exists).
        let stronger = matches!(expect, Expect::NoName | Expect::NoBackends | Expect::NoPort);
        if best.0 == Expect::Unknown
            || (best.0 == Expect::Pass && expect == Expect::ToolQuirk)
            || (best.0 == Expect::ToolQuirk && stronger)
        {
            best = (expect, text, Some(f.code.clone()));
        }
    }
    best
}

/// Whether the inside view agrees with the API's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Agreement {
    Consistent,
    Disagree,
    /// The API predicts nothing here.
    NoApiView,
    /// The probe printed no result.
    NoResult,
}

/// One probe, inside and outside.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub target: String,
    /// `dns`, `tcp` or `http`.
    pub kind: String,
    /// What was asked: `mydb`, `mydb:5432`, a URL.
    pub asked: String,
    pub passed: bool,
    /// The inside result: `ok`, `nxdomain`, `refused`, `timeout`, `http-error`, …
    pub result: String,
    /// One line: what happened inside.
    pub inside: String,
    pub addresses: Vec<String>,
    /// How the name was resolved, or what was reached.
    pub detail: String,
    pub api: String,
    pub api_code: Option<String>,
    pub agreement: Agreement,
    /// What a disagreement (or a telling agreement) means.
    pub note: Option<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub image: String,
    pub rows: Vec<Row>,
    pub skipped: Vec<SkippedRow>,
    /// The script ran to its end.
    pub complete: bool,
    /// Every probe passed inside the pod: the blocker can proceed.
    pub can_proceed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRow {
    pub target: String,
    pub why: String,
}

fn inside_text(kind: &str, o: &Outcome, asked: &str) -> String {
    let word = kind.to_uppercase();
    match (kind, o.result.as_str()) {
        ("dns", "ok") => format!("DNS resolves ({})", o.addresses.join(", ")),
        ("dns", "nxdomain") => "DNS NXDOMAIN".into(),
        ("http", "ok") => format!(
            "HTTP {}",
            o.detail.split_whitespace().next().unwrap_or("ok")
        ),
        ("http", "http-error") => format!(
            "HTTP {}",
            o.detail.split_whitespace().next().unwrap_or("error")
        ),
        (_, "ok") => format!("{word} connects ({asked})"),
        (_, "dns-failed") => format!("{word} cannot resolve the name"),
        (_, "usage") => format!("{word} not tried: the command as written is a usage error"),
        // The error's own words (`Network is unreachable`), after the `host:port: ` it names.
        (_, "error") => {
            let own = o
                .detail
                .split_once(": ")
                .map_or(o.detail.as_str(), |(_, rest)| rest)
                .trim();
            if own.is_empty() {
                format!("{word} error")
            } else {
                format!("{word} error: {}", crate::text::cap(own, 120))
            }
        }
        (_, r) => format!("{word} {r}"),
    }
}

/// Compare one probe's outcome with the API's view of its target.
pub fn row(
    probe: &Probe,
    outcome: Option<&Outcome>,
    dns: Option<&Outcome>,
    findings: &[Finding],
) -> Row {
    let (expect, api, api_code) = expectation(findings, &probe.target);
    let (kind, asked) = match &probe.kind {
        ProbeKind::Dns { .. } => ("dns", probe.host.clone()),
        ProbeKind::Tcp { port } => ("tcp", format!("{}:{port}", probe.host)),
        ProbeKind::Http { url } => ("http", url.clone()),
    };
    let Some(o) = outcome else {
        return Row {
            target: probe.target.clone(),
            kind: kind.into(),
            asked,
            passed: false,
            result: "none".into(),
            inside: "no result (the check container ended first)".into(),
            addresses: Vec::new(),
            detail: String::new(),
            api,
            api_code,
            agreement: Agreement::NoResult,
            note: None,
        };
    };
    let passed = o.ok();
    let resolved = dns.is_none_or(super::check::Outcome::ok);
    let (agreement, note) = match (kind, expect) {
        (_, _) if o.result == "usage" => {
            let (command, said) = super::written::split_detail(&o.detail);
            (
                Agreement::Disagree,
                Some(format!(
                    "the blocker's command as written (`{command}`) is refused by the debug image's tool ({said}): where the blocker's image has the same tool, its wait can never pass, whatever the API says of {}",
                    probe.target
                )),
            )
        }
        (_, Expect::Unknown) => (Agreement::NoApiView, None),
        ("dns", Expect::NoName) if passed => (
            Agreement::Disagree,
            Some(format!(
                "{} resolves inside the pod although the API has no such Service: a hostAlias, another search domain or an outside name answers",
                probe.host
            )),
        ),
        ("dns", Expect::NoName) => (Agreement::Consistent, None),
        ("dns", Expect::ToolQuirk) if passed => (
            Agreement::Consistent,
            Some(
                "the name exists; only the blocker's busybox nslookup of the short name fails"
                    .into(),
            ),
        ),
        ("dns", _) if passed => (Agreement::Consistent, None),
        ("dns", _) => (
            Agreement::Disagree,
            Some(format!(
                "the API has the Service, but {} does not resolve inside the pod: look at the pod's DNS (dnsPolicy, CoreDNS)",
                probe.host
            )),
        ),
        (_, Expect::NoName) if !resolved || !passed => (Agreement::Consistent, None),
        (_, Expect::NoName) => (
            Agreement::Disagree,
            Some(format!(
                "{asked} answers although the API has no such Service"
            )),
        ),
        (_, Expect::NoBackends | Expect::NoPort) if !passed => {
            let port = match &probe.kind {
                ProbeKind::Tcp { port } => port.to_string(),
                _ => asked.clone(),
            };
            let note = if resolved && expect == Expect::NoPort {
                // Its pods may well listen on `port`: it is the Service that does not send
                // it there (not one of its ports, or a targetPort nothing listens on).
                format!(
                    "DNS resolves, {} {}: the Service exists but does not carry {port} to a port its pods listen on (not one of its ports, or the wrong targetPort)",
                    kind.to_uppercase(),
                    o.result
                )
            } else if resolved {
                format!(
                    "DNS resolves, {} {}: the Service exists but nothing listens on {port}",
                    kind.to_uppercase(),
                    o.result
                )
            } else {
                format!("{} does not resolve inside the pod", probe.host)
            };
            (Agreement::Consistent, Some(note))
        }
        (_, Expect::NoBackends | Expect::NoPort) => (
            Agreement::Disagree,
            Some(format!(
                "{asked} answers inside the pod although the API sees nothing ready behind it: something outside the Service answers"
            )),
        ),
        (_, Expect::Pass | Expect::ToolQuirk) if passed => (Agreement::Consistent, None),
        (_, _) => (
            Agreement::Disagree,
            Some(format!(
                "the API sees ready endpoints, yet inside the pod {} {}: a NetworkPolicy, the Service proxy, or the app not answering on its targetPort",
                kind.to_uppercase(),
                o.result
            )),
        ),
    };
    Row {
        target: probe.target.clone(),
        kind: kind.into(),
        inside: inside_text(kind, o, &asked),
        asked,
        passed,
        result: o.result.clone(),
        addresses: o.addresses.clone(),
        detail: o.detail.clone(),
        api,
        api_code,
        agreement,
        note,
    }
}

/// The report for a blocker's probes.
#[allow(clippy::too_many_arguments)]
pub fn report(
    namespace: &str,
    pod: &str,
    container: &str,
    image: &str,
    probes: &[Probe],
    skipped: &[Skipped],
    outcomes: &[Outcome],
    complete: bool,
    findings: &[Finding],
) -> Report {
    let find = |id: usize| outcomes.iter().find(|o| o.id == id);
    let rows: Vec<Row> = probes
        .iter()
        .map(|p| row(p, find(p.id), p.resolved_by.and_then(find), findings))
        .collect();
    let can_proceed = complete && !rows.is_empty() && rows.iter().all(|r| r.passed);
    Report {
        namespace: namespace.into(),
        pod: pod.into(),
        container: container.into(),
        image: image.into(),
        rows,
        skipped: skipped
            .iter()
            .map(|s| SkippedRow {
                target: s.target.clone(),
                why: s.why.clone(),
            })
            .collect(),
        complete,
        can_proceed,
    }
}

/// The report as lines for a terminal (the caller sanitises nothing more: every piece of
/// cluster text in it goes through [`crate::sanitize::line`]).
pub fn render(report: &Report) -> String {
    let mut out = format!(
        "Checks of {} run inside pod {}/{} (debug image {}):\n",
        crate::sanitize::line(&report.container),
        crate::sanitize::line(&report.namespace),
        crate::sanitize::line(&report.pod),
        crate::sanitize::line(&report.image)
    );
    for r in &report.rows {
        let mark = match r.agreement {
            Agreement::Consistent => "✓ consistent",
            Agreement::Disagree => "✗ disagrees",
            Agreement::NoApiView => "· no API view",
            Agreement::NoResult => "? no result",
        };
        out.push_str(&format!(
            "  {}: {} (API: {}) {mark}",
            crate::sanitize::line(&r.asked),
            crate::sanitize::line(&r.inside),
            crate::sanitize::line(&r.api)
        ));
        if let Some(note) = &r.note {
            out.push_str(&format!(": {}", crate::sanitize::line(note)));
        }
        out.push('\n');
        if r.kind == "dns" && !r.detail.is_empty() {
            out.push_str(&format!("      {}\n", crate::sanitize::line(&r.detail)));
        }
    }
    for s in &report.skipped {
        out.push_str(&format!(
            "  {}: not checked: {}\n",
            crate::sanitize::line(&s.target),
            crate::sanitize::line(&s.why)
        ));
    }
    let failed = report.rows.iter().filter(|r| !r.passed).count();
    if !report.complete {
        out.push_str("The check script did not run to its end: its results are partial.\n");
    }
    if report.can_proceed {
        out.push_str("From inside the pod every check passes: the blocker can proceed.\n");
    } else {
        out.push_str(&format!(
            "From inside the pod {failed} of {} checks fail: the blocker cannot proceed.\n",
            report.rows.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Tool;
    use crate::diagnosis::Severity;
    use crate::waits::ObjectRef;

    fn finding(code: &str, target: &str) -> Finding {
        Finding {
            code: code.into(),
            severity: Severity::Error,
            container: Some("wait".into()),
            target: Some(target.into()),
            message: String::new(),
            evidence: Vec::new(),
            hint: String::new(),
            resolved: Some(ObjectRef::new("Service", "shop", target)),
        }
    }

    fn probe(id: usize, kind: ProbeKind) -> Probe {
        let resolved_by = (!matches!(kind, ProbeKind::Dns { .. })).then_some(0);
        Probe {
            id,
            target: "mydb".into(),
            host: "mydb".into(),
            tool: Tool::Nc,
            kind,
            resolved_by,
            written: None,
        }
    }

    fn outcome(id: usize, kind: &str, result: &str) -> Outcome {
        Outcome {
            id,
            kind: kind.into(),
            result: result.into(),
            addresses: if kind == "dns" && result == "ok" {
                vec!["10.96.0.7".into()]
            } else {
                vec![]
            },
            detail: String::new(),
        }
    }

    #[test]
    fn a_tcp_error_keeps_its_own_words_and_a_usage_error_disagrees() {
        let tcp = probe(1, ProbeKind::Tcp { port: 5432 });
        let mut o = outcome(1, "tcp", "error");
        o.detail =
            "10.96.3.4:5432: nc: can't connect to remote host (10.96.3.4): Network is unreachable"
                .into();
        let r = row(&tcp, Some(&o), None, &[finding("ResolvesButWaits", "mydb")]);
        assert_eq!(
            r.inside,
            "TCP error: nc: can't connect to remote host (10.96.3.4): Network is unreachable"
        );
        let mut u = outcome(1, "tcp", "usage");
        u.detail = "nc -z -w 2 mydb 5432 | nc: invalid option -- 'z'".into();
        for findings in [vec![finding("ResolvesButWaits", "mydb")], vec![]] {
            let r = row(&tcp, Some(&u), None, &findings);
            assert_eq!(r.agreement, Agreement::Disagree);
            assert!(!r.passed);
            let note = r.note.unwrap_or_default();
            assert!(
                note.contains("(`nc -z -w 2 mydb 5432`)")
                    && note.contains("nc: invalid option -- 'z'"),
                "{note}"
            );
        }
    }

    #[test]
    fn inside_and_api_views_compared() {
        let dns = || probe(0, ProbeKind::Dns { candidates: vec![] });
        let tcp = || probe(1, ProbeKind::Tcp { port: 5432 });
        // (API code, probe, inside result, DNS result) -> agreement, note contains
        type Case = (
            Option<&'static str>,
            Probe,
            &'static str,
            &'static str,
            Agreement,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (
                Some("ServiceNotFound"),
                dns(),
                "nxdomain",
                "nxdomain",
                Agreement::Consistent,
                "",
            ),
            (
                Some("ServiceNotFound"),
                dns(),
                "ok",
                "ok",
                Agreement::Disagree,
                "resolves inside the pod although",
            ),
            (
                Some("ServiceNoEndpoints"),
                tcp(),
                "refused",
                "ok",
                Agreement::Consistent,
                "DNS resolves, TCP refused: the Service exists but nothing listens on 5432",
            ),
            (
                Some("ServiceNoEndpoints"),
                tcp(),
                "ok",
                "ok",
                Agreement::Disagree,
                "although the API sees nothing ready",
            ),
            (
                Some("ResolvesButWaits"),
                tcp(),
                "ok",
                "ok",
                Agreement::Consistent,
                "",
            ),
            (
                Some("ServicePortMismatch"),
                tcp(),
                "refused",
                "ok",
                Agreement::Consistent,
                "the Service exists but does not carry 5432 to a port its pods listen on",
            ),
            (
                Some("ResolvesButWaits"),
                tcp(),
                "timeout",
                "ok",
                Agreement::Disagree,
                "a NetworkPolicy",
            ),
            (
                Some("WaitLogShowsCause"),
                tcp(),
                "refused",
                "ok",
                Agreement::Disagree,
                "the API sees ready endpoints, yet inside the pod TCP refused",
            ),
            (
                Some("ResolvesButWaits"),
                dns(),
                "nxdomain",
                "nxdomain",
                Agreement::Disagree,
                "look at the pod's DNS",
            ),
            (
                Some("BusyboxNslookupQuirk"),
                dns(),
                "ok",
                "ok",
                Agreement::Consistent,
                "busybox nslookup",
            ),
            (None, tcp(), "ok", "ok", Agreement::NoApiView, ""),
            (
                Some("ServiceNotFound"),
                tcp(),
                "dns-failed",
                "nxdomain",
                Agreement::Consistent,
                "",
            ),
        ];
        for (code, p, result, dns_result, agreement, note) in cases {
            let findings: Vec<Finding> = code.map(|c| finding(c, "mydb")).into_iter().collect();
            let o = outcome(p.id, if p.id == 0 { "dns" } else { "tcp" }, result);
            let d = outcome(0, "dns", dns_result);
            let r = row(&p, Some(&o), Some(&d), &findings);
            assert_eq!(r.agreement, agreement, "{code:?} {result}");
            assert!(
                r.note.clone().unwrap_or_default().contains(note),
                "{code:?} {result}: {:?}",
                r.note
            );
            assert_eq!(r.passed, result == "ok");
        }
    }

    #[test]
    fn the_blocker_proceeds_only_when_every_probe_passes_and_the_script_ended() {
        let probes = vec![
            probe(0, ProbeKind::Dns { candidates: vec![] }),
            probe(1, ProbeKind::Tcp { port: 5432 }),
        ];
        let findings = vec![finding("ServiceNoEndpoints", "mydb")];
        let all_ok = [outcome(0, "dns", "ok"), outcome(1, "tcp", "ok")];
        let cases: [(&[Outcome], bool, bool); 4] = [
            (&all_ok, true, true),
            (&all_ok, false, false),
            (&all_ok[..1], true, false),
            (
                &[outcome(0, "dns", "ok"), outcome(1, "tcp", "refused")],
                true,
                false,
            ),
        ];
        for (outcomes, complete, proceed) in cases {
            let r = report(
                "shop",
                "web",
                "wait",
                "busybox:1.35",
                &probes,
                &[],
                outcomes,
                complete,
                &findings,
            );
            assert_eq!(r.can_proceed, proceed, "{outcomes:?} {complete}");
        }
        let r = report(
            "shop",
            "web",
            "wait",
            "busybox:1.35",
            &probes,
            &[],
            &[outcome(0, "dns", "ok"), outcome(1, "tcp", "refused")],
            true,
            &findings,
        );
        let text = render(&r);
        assert!(text.contains("  mydb:5432: TCP refused (API: Service shop/mydb has no endpoints) ✓ consistent: DNS resolves, TCP refused: the Service exists but nothing listens on 5432\n"), "{text}");
        assert!(
            text.ends_with("From inside the pod 1 of 2 checks fail: the blocker cannot proceed.\n")
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["canProceed"], false);
        assert_eq!(json["rows"][1]["agreement"], "consistent");
        assert_eq!(json["rows"][1]["apiCode"], "ServiceNoEndpoints");
    }
}
