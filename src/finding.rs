//! What every check produces: a [`Finding`] with its [`Severity`], its evidence lines and its
//! hint, and the [`ObjectRef`] a target resolved to. A leaf: it imports nothing of this crate,
//! so every family of checks (the [`crate::diagnosis`] checks, [`crate::waits`]) and every
//! renderer can use it without importing one another.

use serde::Serialize;

/// How serious a finding is; the order is the rank (errors first when sorted descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// The word the table and the JSON show: `error`, `warning`, `info`.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One thing found, with its evidence and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// A stable code (`CrashLoop`, `ServiceNotFound`, …): scripts match on it.
    pub code: String,
    pub severity: Severity,
    /// The container it is about.
    pub container: Option<String>,
    /// What the container waits on, as written in its command.
    pub target: Option<String>,
    /// One line: what is wrong.
    pub message: String,
    /// The facts it rests on: event texts, exit codes, log lines.
    pub evidence: Vec<String>,
    /// What to do next: a command or a manifest change.
    pub hint: String,
    /// What `target` resolved to (the Service, Pod or Job it names), when there is a target.
    pub resolved: Option<ObjectRef>,
}

/// The object a target resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> ObjectRef {
        ObjectRef {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// A finding with no evidence and no hint yet.
pub fn finding(
    code: &str,
    severity: Severity,
    container: Option<&str>,
    message: String,
) -> Finding {
    Finding {
        code: code.to_string(),
        severity,
        container: container.map(str::to_string),
        target: None,
        message,
        evidence: Vec::new(),
        hint: String::new(),
        resolved: None,
    }
}

/// The last `n` non-empty lines of a log, as evidence lines prefixed with `| `.
pub fn log_lines(label: &str, lines: &[String], n: usize) -> Vec<String> {
    let kept: Vec<&String> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
    if kept.is_empty() {
        return Vec::new();
    }
    let start = kept.len().saturating_sub(n);
    let shown = kept.len() - start;
    let mut out = vec![if shown == 1 {
        format!("{label} (last line):")
    } else {
        format!("{label} (last {shown} lines):")
    }];
    out.extend(kept[start..].iter().map(|l| format!("| {}", l.trim_end())));
    out
}

/// Fold a message onto one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text between the first `"` after `prefix` and the next `"`: `configmap "x" not found` → `x`.
pub fn quoted_after<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find(&prefix.to_ascii_lowercase())? + prefix.len();
    let rest = &text[at..];
    let open = rest.find('"')?;
    let rest = &rest[open + 1..];
    let close = rest.find('"')?;
    Some(&rest[..close])
}
