//! Human output: a header per pod, the init timeline as a table, then the findings.

use comfy_table::{Cell, Color};
use jiff::Timestamp;

use crate::diagnosis::{
    InitContainerRow, InitState, PodDiagnosis, PodEvent, Severity, seconds_between,
};
use crate::render::Palette;

pub use crate::diagnosis::short_duration;

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
        out.push_str(&render_pod(
            &crate::render::safe::for_terminal(pod),
            now,
            palette,
            wide,
        ));
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
    let deadline = match (pod.active_deadline_seconds, pod.deadline_remaining_seconds) {
        (Some(_), Some(left)) => format!("  deadline {} left", short_duration(left)),
        (Some(d), None) => format!("  deadline {d}s"),
        _ => String::new(),
    };
    out.push_str(&format!(
        "{}  {}  phase {}  age {}  node {}  restarts {}{}\n",
        palette.bold(&format!("{}/{}", pod.namespace, pod.name)),
        status,
        pod.phase,
        short_duration(pod.age_seconds),
        pod.node.as_deref().unwrap_or("<none>"),
        pod.restarts,
        deadline
    ));
    if let Some(owner) = &pod.owner {
        out.push_str(&format!(
            "  Owner: {} (fix the pod template there: {})\n",
            crate::diagnosis::owner::short_name(owner),
            crate::diagnosis::owner::edit_command(owner)
        ));
    }
    if pod.init_containers.is_empty() {
        out.push_str("  no init containers\n");
        out.push_str(&findings_text(pod, palette));
        out.push_str(&events_text(&pod.events, now, palette, wide));
        return out;
    }
    out.push_str(&timeline_table(pod, now, palette, wide));
    out.push_str(&debug_containers_text(pod));
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
    out.push_str(&findings_text(pod, palette));
    out.push_str(&crate::render::waits::section(&pod.findings, palette));
    out.push_str(&events_text(&pod.events, now, palette, wide));
    if !pod.next_commands.is_empty() {
        out.push_str("Next:\n");
        for command in &pod.next_commands {
            out.push_str(&format!("  {command}\n"));
        }
    }
    out
}

fn findings_text(pod: &PodDiagnosis, palette: Palette) -> String {
    let mut out = String::new();
    // Findings about what a wait targets are printed in the "waits for" section.
    for finding in pod.findings.iter().filter(|f| !crate::waits::owns(f)) {
        let about = match (&finding.container, &finding.target) {
            (Some(c), Some(t)) => format!(" ({c} -> {t})"),
            (Some(c), None) => format!(" ({c})"),
            (None, Some(t)) => format!(" (-> {t})"),
            (None, None) => String::new(),
        };
        out.push_str(&format!(
            "  {} {}{}: {}\n",
            palette.severity(finding.severity, &format!("[{}]", finding.severity.word())),
            palette.bold(&finding.code),
            about,
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

/// The ephemeral (debug) containers under the timeline: they run in the pod beside its
/// containers, and stay in its spec.
fn debug_containers_text(pod: &PodDiagnosis) -> String {
    if pod.debug_containers.is_empty() {
        return String::new();
    }
    let mut out = String::from("   debug (ephemeral) containers:\n");
    for row in &pod.debug_containers {
        let target = row
            .target
            .as_deref()
            .map(|t| format!(", sharing the processes of {t}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "   -  {}  {}{target}: {}\n",
            row.name, row.image, row.state
        ));
    }
    out
}

/// The events as `kubectl describe` lists them: oldest first, `AGE (xN over AGE)`; a CONTAINER
/// column (from `involvedObject.fieldPath`) whenever an event is about one container, so that
/// the same reason for two containers reads as two rows, not one repeated.
fn events_text(events: &[PodEvent], now: Timestamp, palette: Palette, wide: bool) -> String {
    if events.is_empty() {
        return "Events: <none>\n".to_string();
    }
    let with_container = wide || events.iter().any(|e| e.container.is_some());
    let mut table = crate::render::bare_table(palette.enabled);
    let mut header = vec!["TYPE", "REASON", "AGE", "FROM", "CONTAINER", "MESSAGE"];
    if !with_container {
        header.remove(4);
    }
    table.set_header(header);
    for event in events {
        let mut type_cell = Cell::new(&event.type_);
        if palette.enabled && event.is_warning() {
            type_cell = type_cell.fg(Color::Yellow);
        }
        let mut cells = vec![
            type_cell,
            Cell::new(&event.reason),
            Cell::new(event_age(event, now)),
            Cell::new(&event.source),
            Cell::new(event.container.as_deref().unwrap_or("-")),
            Cell::new(
                event
                    .message
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ];
        if !with_container {
            cells.remove(4);
        }
        table.add_row(cells);
    }
    let mut out = String::from("Events:\n");
    for line in table.to_string().lines() {
        out.push_str(&format!("  {}\n", line.trim_end()));
    }
    out
}

/// `5s`, or `5s (x12 over 8m)` for a repeated event.
fn event_age(event: &PodEvent, now: Timestamp) -> String {
    let age = |t: Option<Timestamp>| {
        t.map(|t| short_duration(seconds_between(t, now)))
            .unwrap_or_else(|| "<unknown>".into())
    };
    if event.count > 1 {
        format!(
            "{} (x{} over {})",
            age(event.last_seen),
            event.count,
            age(event.first_seen)
        )
    } else {
        age(event.last_seen)
    }
}

fn timeline_table(pod: &PodDiagnosis, now: Timestamp, palette: Palette, wide: bool) -> String {
    let mut table = crate::render::bare_table(palette.enabled);
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
        // kubectl's HumanDuration: whole units drop the smaller one, long ages only the larger.
        let cases = [
            (120, "2m"),
            (7200, "120m"),
            (4 * 3600, "4h"),
            (9 * 3600 + 60, "9h"),
            (2 * 86400, "2d"),
            (10 * 86400 + 3600, "10d"),
            (3 * 365 * 86400 + 86400, "3y1d"),
            (-5, "0s"),
        ];
        for (seconds, want) in cases {
            assert_eq!(short_duration(seconds), want, "{seconds}s");
        }
    }
}
