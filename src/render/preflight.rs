//! `preflight`'s output: the workloads whose init containers have findings (those that will
//! block first), each finding with its evidence and fix as `explain` prints them, then one
//! summary line; or the JSON document ([`crate::preflight::Report`]). The human output shows
//! manifest text made safe for a terminal; the JSON is exact.

use crate::preflight::{Report, WorkloadReport};
use crate::render::Palette;
use crate::render::triage::fix_text;
use crate::sanitize;

/// The JSON document, pretty-printed, ending in a newline.
pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}

fn line(text: &str) -> String {
    sanitize::line(text).into_owned()
}

/// The human output.
pub fn text(report: &Report, palette: Palette) -> String {
    let mut out = String::new();
    let mut shown: Vec<&WorkloadReport> = report
        .workloads
        .iter()
        .filter(|w| !w.findings.is_empty())
        .collect();
    // Those that will block first; the bundle's order otherwise (a stable sort).
    shown.sort_by_key(|w| !w.will_block);
    for w in &shown {
        let head = format!("{} {}/{}", w.kind, w.namespace, w.name);
        let verdict = match &w.blocking {
            Some(c) => palette.severity(
                crate::finding::Severity::Error,
                &format!("will block at init container {}", line(c)),
            ),
            None => "will not block".to_string(),
        };
        out.push_str(&format!(
            "{} ({}): {verdict}\n",
            palette.bold(&line(&head)),
            line(&w.source)
        ));
        for f in &w.findings {
            let about = match (&f.container, &f.target) {
                (Some(c), Some(t)) => format!(" ({} -> {})", line(c), line(t)),
                (Some(c), None) => format!(" ({})", line(c)),
                (None, Some(t)) => format!(" (-> {})", line(t)),
                (None, None) => String::new(),
            };
            out.push_str(&format!(
                "  {} {}{about}: {}\n",
                palette.severity(f.severity, &format!("[{}]", f.severity.word())),
                palette.bold(&line(&f.code)),
                line(&f.message)
            ));
            for e in &f.evidence {
                out.push_str(&format!("      {}\n", palette.dim(&line(e))));
            }
            out.push_str(&fix_text(&sanitize::terminal(&f.hint), "      "));
        }
        out.push('\n');
    }
    for p in &report.problems {
        out.push_str(&format!(
            "{} {}\n",
            palette.severity(crate::finding::Severity::Warning, "note:"),
            line(p)
        ));
    }
    let total = report.workloads.len();
    let blocking = report.workloads.iter().filter(|w| w.will_block).count();
    let against = if report.cluster {
        format!("the bundle and namespace {}", line(&report.namespace))
    } else {
        format!(
            "the bundle alone (--offline, namespace {})",
            line(&report.namespace)
        )
    };
    let plural = if total == 1 { "" } else { "s" };
    let verdict = if blocking == 0 {
        palette.good("none will block")
    } else {
        palette.severity(
            crate::finding::Severity::Error,
            &format!("{blocking} will block"),
        )
    };
    out.push_str(&format!(
        "{total} workload{plural} with init containers checked against {against}: {verdict}\n"
    ));
    out
}
