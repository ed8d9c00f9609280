//! Human output: a header per pod, the init timeline as a table, then the findings.

use comfy_table::{Cell, Color, ContentArrangement, Table, presets::NOTHING};
use jiff::Timestamp;

use crate::diagnosis::{InitContainerRow, InitState, PodDiagnosis, Severity, seconds_between};
use crate::render::Palette;

/// Render diagnoses for a terminal (or a pipe, without colour).
pub fn render(pods: &[PodDiagnosis], now: Timestamp, palette: Palette, wide: bool) -> String {
    if pods.is_empty() {
        return "No pods are blocked in initialization.\n".to_string();
    }
    let mut out = String::new();
    for (i, pod) in pods.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&render_pod(pod, now, palette, wide));
    }
    out
}

fn render_pod(pod: &PodDiagnosis, now: Timestamp, palette: Palette, wide: bool) -> String {
    let mut out = String::new();
    let status = if pod.initialized {
        palette.good(&pod.status)
    } else {
        palette.severity(Severity::Error, &pod.status)
    };
    out.push_str(&format!(
        "{}  {}  phase {}  age {}  node {}  restarts {}\n",
        palette.bold(&format!("{}/{}", pod.namespace, pod.name)),
        status,
        pod.phase,
        short_duration(pod.age_seconds),
        pod.node.as_deref().unwrap_or("<none>"),
        pod.restarts
    ));
    if pod.init_containers.is_empty() {
        out.push_str("  no init containers\n");
        return out;
    }
    out.push_str(&timeline_table(pod, now, palette, wide));
    out.push('\n');
    match &pod.blocking {
        Some(b) => out.push_str(&format!(
            "Blocked at init container {}/{}: {}\n",
            b.index + 1,
            pod.init_containers.len(),
            palette.bold(&b.name)
        )),
        None => out.push_str(&format!(
            "{}\n",
            palette.good("Initialization is complete.")
        )),
    }
    for finding in &pod.findings {
        out.push_str(&format!(
            "  {} {}: {}\n",
            palette.severity(
                finding.severity,
                &format!("[{}]", severity_word(finding.severity))
            ),
            palette.bold(&finding.code),
            finding.message
        ));
        for line in &finding.evidence {
            out.push_str(&format!("      {}\n", palette.dim(line)));
        }
        if !finding.hint.is_empty() {
            out.push_str(&format!("      fix: {}\n", finding.hint));
        }
    }
    out
}

fn timeline_table(pod: &PodDiagnosis, now: Timestamp, palette: Palette, wide: bool) -> String {
    let mut table = Table::new();
    table.load_style(NOTHING);
    table.set_content_arrangement(ContentArrangement::Disabled);
    if palette.enabled {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    let mut header = vec!["#", "INIT CONTAINER", "KIND", "STATE", "RESTARTS", ""];
    if wide {
        header.insert(2, "IMAGE");
    }
    table.set_header(header);
    for row in &pod.init_containers {
        let blocking = pod.blocking.as_ref().is_some_and(|b| b.index == row.index);
        let mut state = Cell::new(state_text(row, now));
        if palette.enabled {
            state = state.fg(if row.done {
                Color::Green
            } else if blocking {
                Color::Red
            } else {
                Color::Reset
            });
        }
        let mut cells = vec![
            Cell::new(row.index + 1),
            Cell::new(&row.name),
            Cell::new(if row.sidecar { "sidecar" } else { "init" }),
            state,
            Cell::new(row.restarts),
            Cell::new(if blocking { "<- blocking" } else { "" }),
        ];
        if wide {
            cells.insert(2, Cell::new(&row.image));
        }
        table.add_row(cells);
    }
    let mut text = table.to_string();
    // Indent the table under the pod header and trim the preset's trailing blanks.
    text = text
        .lines()
        .map(|l| format!("  {}", l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n");
    text
}

/// "Completed in 3s", "Running for 2m", "Waiting: CrashLoopBackOff (last exit 1)", …
pub fn state_text(row: &InitContainerRow, now: Timestamp) -> String {
    match row.state {
        InitState::Terminated => {
            let took = match (row.started_at, row.finished_at) {
                (Some(s), Some(f)) => format!(" in {}", short_duration(seconds_between(s, f))),
                _ => String::new(),
            };
            if row.exit_code == Some(0) {
                format!("Completed{took}")
            } else {
                format!(
                    "Terminated: {}, exit code {}",
                    row.reason.as_deref().unwrap_or("Error"),
                    row.exit_code.unwrap_or_default()
                )
            }
        }
        InitState::Running => {
            let mut text = match row.started_at {
                Some(s) => format!("Running for {}", short_duration(seconds_between(s, now))),
                None => "Running".to_string(),
            };
            if row.sidecar {
                text.push_str(if row.started == Some(true) {
                    " (started)"
                } else {
                    " (not started)"
                });
            }
            text
        }
        InitState::Waiting => {
            let mut text = match &row.reason {
                Some(reason) => format!("Waiting: {reason}"),
                None => "Waiting".to_string(),
            };
            if let Some(code) = row.exit_code {
                text.push_str(&format!(" (last exit {code})"));
            }
            text
        }
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// kubectl-style short durations: 45s, 3m12s, 2h5m, 4d3h.
pub fn short_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=599 => format!("{}m{}s", s / 60, s % 60),
        600..=10799 => format!("{}m", s / 60),
        10800..=172_799 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86400, (s % 86400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(short_duration(5), "5s");
        assert_eq!(short_duration(150), "2m30s");
        assert_eq!(short_duration(900), "15m");
        assert_eq!(short_duration(3 * 3600 + 120), "3h2m");
        assert_eq!(short_duration(3 * 86400 + 7200), "3d2h");
    }
}
