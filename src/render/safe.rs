//! The human output's copy of a diagnosis, with everything the cluster supplied made safe for a
//! terminal ([`crate::sanitize`]): names, images, reasons, messages, events, evidence, fixes and
//! the suggested commands. The JSON output renders the diagnosis itself, exact.
//!
//! Every piece is also bounded on screen ([`crate::text::cap`], with a marker saying how much
//! was cut): a name or cell at [`CELL_CHARS`], a message at [`MESSAGE_CHARS`], an evidence line
//! at [`EVIDENCE_CHARS`]. Tabs in evidence (log lines) stay tabs, as `kubectl logs` shows them.

use crate::diagnosis::{Finding, PodDiagnosis, PodEvent};
use crate::sanitize;

/// The most characters of a name, a table cell or a suggested command shown.
pub const CELL_CHARS: usize = 200;
/// The most characters of a finding's message or an event's message shown.
pub const MESSAGE_CHARS: usize = 600;
/// The most characters of one evidence line shown.
pub const EVIDENCE_CHARS: usize = 400;

/// `pod` with every text field shown safely; one-line fields stay one line.
pub fn for_terminal(pod: &PodDiagnosis) -> PodDiagnosis {
    let mut safe = pod.clone();
    for field in [
        &mut safe.namespace,
        &mut safe.name,
        &mut safe.status,
        &mut safe.phase,
    ] {
        one_line(field);
    }
    safe.node.as_mut().map(one_line);
    if let Some(blocking) = safe.blocking.as_mut() {
        one_line(&mut blocking.name);
    }
    for row in &mut safe.init_containers {
        one_line(&mut row.name);
        one_line(&mut row.image);
        row.reason.as_mut().map(one_line);
    }
    for row in &mut safe.debug_containers {
        one_line(&mut row.name);
        one_line(&mut row.image);
        one_line(&mut row.state);
        row.target.as_mut().map(one_line);
    }
    safe.findings.iter_mut().for_each(finding);
    safe.events.iter_mut().for_each(event);
    safe.next_commands.iter_mut().for_each(one_line);
    if let Some(owner) = safe.owner.as_mut() {
        one_line(&mut owner.kind);
        one_line(&mut owner.namespace);
        one_line(&mut owner.name);
    }
    safe
}

fn finding(f: &mut Finding) {
    one_line(&mut f.code);
    f.container.as_mut().map(one_line);
    f.target.as_mut().map(one_line);
    if let Some(r) = f.resolved.as_mut() {
        for field in [&mut r.kind, &mut r.namespace, &mut r.name] {
            one_line(field);
        }
    }
    one_line_capped(&mut f.message, MESSAGE_CHARS);
    f.evidence.iter_mut().for_each(evidence_line);
    // A fix may be a multi-line manifest: its newlines are ours and stay.
    multi_line(&mut f.hint);
}

fn event(e: &mut PodEvent) {
    for field in [&mut e.type_, &mut e.reason, &mut e.source] {
        one_line(field);
    }
    one_line_capped(&mut e.message, MESSAGE_CHARS);
    e.container.as_mut().map(one_line);
}

fn one_line(text: &mut String) {
    one_line_capped(text, CELL_CHARS);
}

fn one_line_capped(text: &mut String, max: usize) {
    if let std::borrow::Cow::Owned(safe) = sanitize::line(text) {
        *text = safe;
    }
    cap(text, max);
}

/// An evidence line (often a log line): controls shown, a newline as `\n`, tabs kept.
fn evidence_line(text: &mut String) {
    let safe = sanitize::terminal(text);
    if safe.contains('\n') {
        *text = safe.replace('\n', "\\n");
    } else if let std::borrow::Cow::Owned(safe) = safe {
        *text = safe;
    }
    cap(text, EVIDENCE_CHARS);
}

fn cap(text: &mut String, max: usize) {
    if text.len() > max {
        let capped = crate::text::cap(text, max);
        if capped.len() < text.len() {
            *text = capped;
        }
    }
}

/// A fix: controls shown, its own newlines kept, each line bounded.
fn multi_line(text: &mut String) {
    if let std::borrow::Cow::Owned(safe) = sanitize::terminal(text) {
        *text = safe;
    }
    if text.lines().any(|l| l.len() > MESSAGE_CHARS) {
        *text = text
            .lines()
            .map(|l| crate::text::cap(l, MESSAGE_CHARS))
            .collect::<Vec<_>>()
            .join("\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::{InitContainerRow, InitState, Severity};

    const HOSTILE: &str = "a\x1b]0;t\x07\x1b[2J\rb\u{202e}\u{9b}c\n";

    fn hostile_pod() -> PodDiagnosis {
        let h = HOSTILE.to_string();
        PodDiagnosis {
            namespace: h.clone(),
            name: h.clone(),
            status: h.clone(),
            phase: h.clone(),
            age_seconds: 1,
            node: Some(h.clone()),
            restarts: 0,
            last_restart_seconds: None,
            initialized: false,
            ready: false,
            blocking: None,
            init_containers: vec![InitContainerRow {
                index: 0,
                name: h.clone(),
                image: h.clone(),
                sidecar: false,
                state: InitState::Waiting,
                reason: Some(h.clone()),
                exit_code: None,
                restarts: 0,
                started: None,
                started_at: None,
                finished_at: None,
                done: false,
            }],
            findings: vec![Finding {
                code: "X".into(),
                severity: Severity::Error,
                container: Some(h.clone()),
                target: Some(h.clone()),
                message: h.clone(),
                evidence: vec![h.clone()],
                hint: format!("apply:\n  name: {h}"),
                resolved: Some(crate::finding::ObjectRef::new(&h, &h, &h)),
            }],
            debug_containers: vec![crate::timeline::DebugContainerRow {
                name: h.clone(),
                image: h.clone(),
                target: Some(h.clone()),
                state: h.clone(),
            }],
            events: vec![PodEvent {
                type_: h.clone(),
                reason: h.clone(),
                message: h.clone(),
                count: 1,
                first_seen: None,
                last_seen: None,
                source: h.clone(),
                container: Some(h.clone()),
            }],
            active_deadline_seconds: None,
            deadline_remaining_seconds: None,
            next_commands: vec![h.clone()],
            owner: Some(crate::finding::ObjectRef::new(&h, &h, &h)),
        }
    }

    #[test]
    fn no_control_survives_in_any_field() {
        let safe = for_terminal(&hostile_pod());
        let text = serde_json::to_string(&safe).expect("serialise");
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        fn walk(v: &serde_json::Value, path: &str) {
            match v {
                serde_json::Value::String(s) => {
                    let bad = s.chars().find(|c| {
                        (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c)
                    });
                    assert!(bad.is_none(), "{path}: {s:?}");
                }
                serde_json::Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .for_each(|(i, v)| walk(v, &format!("{path}[{i}]"))),
                serde_json::Value::Object(o) => {
                    o.iter().for_each(|(k, v)| walk(v, &format!("{path}.{k}")));
                }
                _ => {}
            }
        }
        walk(&value, "pod");
        assert_eq!(safe.name, "a^[]0;t^G^[[2J\\rb<U+202E><U+009B>c\\n");
        // The fix keeps its own newlines; only the hint shows a newline unescaped.
        assert!(safe.findings[0].hint.starts_with("apply:\n  name: a^[]0;t"));
    }

    #[test]
    fn the_table_shows_no_escape_from_the_cluster() {
        let text = crate::render::table::render(
            &[hostile_pod()],
            jiff::Timestamp::now(),
            crate::render::Palette { enabled: false },
            true,
        );
        assert!(!text.contains('\x1b') && !text.contains('\r') && !text.contains('\u{202e}'));
        assert!(text.contains("^[]0;t^G"), "{text}");
    }
}
