//! The stable `-o json` contract: `{"pods": [PodDiagnosis…]}`. Fields may be added, never renamed.

use serde::Serialize;

use crate::diagnosis::PodDiagnosis;

#[derive(Serialize)]
struct Document<'a> {
    pods: &'a [PodDiagnosis],
}

/// The JSON document for these diagnoses, pretty-printed, ending in a newline.
pub fn render(pods: &[PodDiagnosis]) -> String {
    let mut text = serde_json::to_string_pretty(&Document { pods })
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}

/// The same document on one line, for `--watch` (one document per change, JSON Lines).
pub fn render_line(pods: &[PodDiagnosis]) -> String {
    let mut text = serde_json::to_string(&Document { pods })
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}
