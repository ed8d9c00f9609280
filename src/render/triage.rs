//! The multi-pod view of `explain`: a kubectl-style table, one row per pod (severity, then
//! age), then the findings grouped across pods with one fix each; in `--watch`, the rows that
//! changed.

use jiff::Timestamp;

use crate::diagnosis::groups::{self, Group};
use crate::diagnosis::owner::short_name;
use crate::diagnosis::{PodDiagnosis, short_duration};
use crate::render::{Palette, fixline};

/// How the table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// `-o wide`: OWNER, NODE, RESTARTS, IMAGE.
    pub wide: bool,
    /// `-A`: a NAMESPACE column first.
    pub namespaces: bool,
    /// `--no-headers`: the table without its header line (as `kubectl get --no-headers`).
    pub no_headers: bool,
    /// `--init-only`: only pods blocked in initialization were selected (what an empty
    /// selection says).
    pub init_only: bool,
}

/// What an empty selection prints: what was looked for, found nowhere.
pub fn nothing_selected(init_only: bool) -> &'static str {
    if init_only {
        "No pods are blocked in initialization.\n"
    } else {
        "No pods are blocked in initialization or not Ready.\n"
    }
}

/// How many of the evidence lines a group's pods share it shows: a group stays three lines
/// (what, why, one fix), four with the line that says why.
const GROUP_EVIDENCE_SHOWN: usize = 1;

/// The evidence a group shows (when all its pods have it; a log line, the first pod's when
/// theirs differ): what says why, not how the wait was read — the label set closest to a
/// selector that matches nothing, the log line that shows the cause. The rest is in each pod's view and in `-o json`'s `groups[].evidence`.
const TELLING: &[&str] = &["closest:", "log says:"];

/// How many pod names a group lists before "+N more".
pub const NAMES_SHOWN: usize = 3;

/// The longest TARGET cell, in characters, when it is a cause rather than a target.
const CAUSE_CHARS: usize = 40;

/// The table and the groups of `pods` (already made safe for a terminal, in triage order).
pub fn render(pods: &[PodDiagnosis], palette: Palette, layout: Layout) -> String {
    if pods.is_empty() {
        return nothing_selected(layout.init_only).to_string();
    }
    let mut out = table(pods, layout, None);
    let groups = groups::group(pods);
    if !groups.is_empty() {
        out.push('\n');
        out.push_str(&groups_text(&groups, palette));
    }
    out
}

/// The header of the table.
fn header(layout: Layout) -> Vec<&'static str> {
    let mut header = Vec::new();
    if layout.namespaces {
        header.push("NAMESPACE");
    }
    header.extend(["POD", "STATUS", "BLOCKER", "FINDING", "TARGET", "AGE"]);
    if layout.wide {
        header.extend(["OWNER", "NODE", "RESTARTS", "IMAGE"]);
    }
    header
}

/// One row's cells.
fn row(pod: &PodDiagnosis, layout: Layout) -> Vec<String> {
    let top = pod.findings.first();
    let blocker = pod
        .blocking
        .as_ref()
        .map(|b| format!("{}/{} {}", b.index + 1, pod.init_containers.len(), b.name));
    let mut cells = Vec::new();
    if layout.namespaces {
        cells.push(pod.namespace.clone());
    }
    cells.extend([
        pod.name.clone(),
        pod.status.clone(),
        blocker.unwrap_or_else(|| "<none>".into()),
        top.map(|f| f.code.clone())
            .unwrap_or_else(|| "<none>".into()),
        top.map(|f| cause(f, &pod.namespace))
            .unwrap_or_else(|| "<none>".into()),
        short_duration(pod.age_seconds),
    ]);
    if layout.wide {
        let image = pod
            .blocking
            .as_ref()
            .and_then(|b| pod.init_containers.get(b.index))
            .map(|r| r.image.clone());
        cells.extend([
            pod.owner
                .as_ref()
                .map(short_name)
                .unwrap_or_else(|| "<none>".into()),
            pod.node.clone().unwrap_or_else(|| "<none>".into()),
            restarts_cell(pod),
            image.unwrap_or_else(|| "<none>".into()),
        ]);
    }
    cells
}

/// The RESTARTS cell as kubectl prints it: `3`, or `3 (5m ago)` when the time of the last
/// restart is known (`lastState.terminated.finishedAt`).
fn restarts_cell(pod: &PodDiagnosis) -> String {
    match pod.last_restart_seconds {
        Some(since) if pod.restarts != 0 => {
            format!("{} ({} ago)", pod.restarts, short_duration(since))
        }
        _ => pod.restarts.to_string(),
    }
}

/// The TARGET cell: what the blocker waits on, else the cause in a few words. A target written
/// with the shell's expansions (`cache.$(cat …/namespace).svc.cluster.local`) is shown as what
/// it resolved to (`cache`, `cache.other-ns` in another namespace) when that is known.
fn cause(f: &crate::finding::Finding, namespace: &str) -> String {
    if let Some(t) = &f.target {
        return match &f.resolved {
            Some(r) if t.contains('$') && r.namespace == namespace => r.name.clone(),
            Some(r) if t.contains('$') => format!("{}.{}", r.name, r.namespace),
            _ => t.clone(),
        };
    }
    let first = f
        .message
        .split([':', ';'])
        .next()
        .unwrap_or_default()
        .trim();
    if first.chars().count() <= CAUSE_CHARS {
        first.to_string()
    } else {
        let cut: String = first.chars().take(CAUSE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// kubectl's table: no borders, columns three spaces apart, no trailing blanks. With `changes`,
/// a first TIME column and a last CHANGE column.
fn table(pods: &[PodDiagnosis], layout: Layout, changes: Option<(&str, &[String])>) -> String {
    let mut t = crate::render::bare_table(false);
    let mut head: Vec<&str> = header(layout);
    if changes.is_some() {
        head.insert(0, "TIME");
        head.push("CHANGE");
    }
    if !layout.no_headers {
        t.set_header(head);
    }
    for (i, pod) in pods.iter().enumerate() {
        let mut cells = row(pod, layout);
        if let Some((time, what)) = changes {
            cells.insert(0, time.to_string());
            cells.push(what.get(i).cloned().unwrap_or_default());
        }
        t.add_row(cells);
    }
    for column in t.column_iter_mut() {
        column.set_padding((0, 3));
    }
    let mut out = String::new();
    for line in t.to_string().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The rows of pods that changed in a watch, with the time and the change of each
/// (`ServiceNotFound → ServiceNoEndpoints`).
pub fn changed_rows(
    pods: &[PodDiagnosis],
    changes: &[String],
    now: Timestamp,
    layout: Layout,
) -> String {
    let time = now.strftime("%H:%M:%S").to_string();
    table(pods, layout, Some((&time, changes)))
}

/// The groups of `pods`' findings, each with its fix, as [`render`] prints them under the table
/// (in a watch: the findings new to the pods whose rows changed).
pub fn groups_of(pods: &[PodDiagnosis], palette: Palette) -> String {
    groups_text(&groups::group(pods), palette)
}

/// The findings, grouped: one entry per (finding, target), with its pods and one fix.
fn groups_text(groups: &[Group], palette: Palette) -> String {
    let mut out = String::new();
    for g in groups {
        let about = match (&g.container, &g.target) {
            (Some(c), Some(t)) => format!(" ({c} -> {t})"),
            (None, Some(t)) => format!(" (-> {t})"),
            (Some(c), None) => format!(" ({c})"),
            (None, None) => String::new(),
        };
        let count = g.pods.len();
        let mut names = g
            .pods
            .iter()
            .take(NAMES_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if count > NAMES_SHOWN {
            names.push_str(&format!(", +{} more", count - NAMES_SHOWN));
        }
        let owner = g
            .owner
            .as_ref()
            .map(|o| format!(" of {}", short_name(o)))
            .unwrap_or_default();
        out.push_str(&format!(
            "{} {}{}: {} {}{}: {}\n",
            palette.severity(g.severity, &format!("[{}]", g.severity.word())),
            palette.bold(&g.code),
            about,
            count,
            if count == 1 { "pod" } else { "pods" },
            owner,
            names
        ));
        out.push_str(&format!("    {}\n", g.message));
        let telling = g
            .evidence
            .iter()
            .filter(|l| TELLING.iter().any(|t| l.starts_with(t)));
        for line in telling.take(GROUP_EVIDENCE_SHOWN) {
            out.push_str(&format!("    {line}\n"));
        }
        // One fix stands for many pods here: one line (a manifest in full is in each pod's view).
        match fixline::one_line(&g.fix) {
            Some(line) => out.push_str(&format!("    fix: {line}\n")),
            None => out.push_str(&fix_text(&g.fix, "    ")),
        }
    }
    out
}

/// A fix, printed so that a copy of it pastes: one line indented; a manifest (the lines after
/// the first) flush left inside `kubectl apply -f - <<'EOF' … EOF`.
pub fn fix_text(fix: &str, indent: &str) -> String {
    if fix.is_empty() {
        return String::new();
    }
    let mut lines = fix.lines();
    let first = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    if rest.is_empty() {
        return format!("{indent}fix: {first}\n");
    }
    let body = dedent(&rest);
    let mut out = format!("{indent}fix: {first}\n");
    if body.first().is_some_and(|l| l.starts_with("apiVersion:")) {
        out.push_str("kubectl apply -f - <<'EOF'\n");
        for l in &body {
            out.push_str(l);
            out.push('\n');
        }
        out.push_str("EOF\n");
    } else {
        for l in &body {
            out.push_str(&format!("{indent}     {l}\n"));
        }
    }
    out
}

/// The lines without the indentation they share.
fn dedent<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::Severity;

    #[test]
    fn a_manifest_fix_pastes_as_a_heredoc() {
        let fix = "apply the Service (`kubectl apply -f -`):\n  apiVersion: v1\n  kind: Service\n  metadata:\n    name: db\n";
        assert_eq!(
            fix_text(fix, "    "),
            "    fix: apply the Service (`kubectl apply -f -`):\nkubectl apply -f - <<'EOF'\napiVersion: v1\nkind: Service\nmetadata:\n  name: db\nEOF\n"
        );
        assert_eq!(fix_text("one line", "  "), "  fix: one line\n");
        assert_eq!(fix_text("", "  "), "");
    }

    #[test]
    fn a_long_cause_is_cut_to_a_few_words() {
        let mut f = crate::finding::finding(
            "CrashLoop",
            Severity::Error,
            Some("c"),
            "init container migrate keeps failing with exit code 127 and will retry: x".into(),
        );
        assert_eq!(
            cause(&f, "shop"),
            "init container migrate keeps failing wi…"
        );
        f.target = Some("orders-db".into());
        assert_eq!(cause(&f, "shop"), "orders-db");
        // A target written with expansions: what it resolved to.
        let written = "cache.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local";
        f.target = Some(written.into());
        assert_eq!(cause(&f, "shop"), written);
        f.resolved = Some(crate::finding::ObjectRef::new("Service", "shop", "cache"));
        assert_eq!(cause(&f, "shop"), "cache");
        assert_eq!(cause(&f, "web"), "cache.shop");
    }

    #[test]
    fn columns_follow_kubectl_flags() {
        let cases = [
            (false, false, "POD STATUS BLOCKER FINDING TARGET AGE"),
            (
                false,
                true,
                "NAMESPACE POD STATUS BLOCKER FINDING TARGET AGE",
            ),
            (
                true,
                true,
                "NAMESPACE POD STATUS BLOCKER FINDING TARGET AGE OWNER NODE RESTARTS IMAGE",
            ),
        ];
        for (wide, namespaces, want) in cases {
            let layout = Layout {
                wide,
                namespaces,
                no_headers: false,
                init_only: false,
            };
            assert_eq!(header(layout).join(" "), want);
        }
    }
}
