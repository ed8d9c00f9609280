//! The table's "waits for" section: per target, the command fragment, the object chain and the
//! verdict, from the findings of [`super::findings()`] (their `command:` and `chain:` evidence).

use crate::finding::{Finding, Severity};
use crate::palette::Palette;

/// A group of findings: (container, target).
type Key<'a> = (Option<&'a str>, Option<&'a str>);

/// The section for a pod's findings; empty when none is about a wait.
pub fn section(findings: &[Finding], palette: Palette) -> String {
    let ours: Vec<&Finding> = findings.iter().filter(|f| super::owns(f)).collect();
    if ours.is_empty() {
        return String::new();
    }
    // Group by (container, target), in order of first appearance.
    let mut groups: Vec<(Key, Vec<&Finding>)> = Vec::new();
    for f in ours {
        let key = (f.container.as_deref(), f.target.as_deref());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(f),
            None => groups.push((key, vec![f])),
        }
    }
    let mut out = format!("{}\n", palette.bold("Waits for:"));
    for ((container, target), list) in groups {
        let worst = list
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info);
        let head = match target {
            Some(t) => format!(
                "{} → {}",
                container.unwrap_or("?"),
                palette.severity(worst, t)
            ),
            None => format!("{} → (commands not understood)", container.unwrap_or("?")),
        };
        out.push_str(&format!("  {head}\n"));
        let first = list[0];
        let mut shown: Vec<&str> = Vec::new();
        for prefix in ["command: ", "chain: "] {
            if let Some(line) = first.evidence.iter().find(|e| e.starts_with(prefix)) {
                out.push_str(&format!("    {}\n", palette.dim(line)));
                shown.push(line);
            }
        }
        for f in list {
            out.push_str(&format!(
                "    {} {}: {}\n",
                palette.severity(f.severity, &format!("[{}]", f.severity.word())),
                palette.bold(&f.code),
                f.message
            ));
            for line in &f.evidence {
                if shown.contains(&line.as_str()) || line.starts_with("command: ") {
                    continue;
                }
                out.push_str(&format!("        {}\n", palette.dim(line)));
            }
            // A manifest is printed flush left in a heredoc, so that a copy of it pastes.
            out.push_str(&crate::render::triage::fix_text(&f.hint, "        "));
        }
    }
    out
}
