//! The stable `-o json` contract: `{"pods": [PodDiagnosis…]}`. Fields may be added, never renamed.

use serde::Serialize;

use crate::diagnosis::PodDiagnosis;
use crate::diagnosis::groups::{self, Group};

#[derive(Serialize)]
struct Document<'a> {
    pods: &'a [PodDiagnosis],
    /// The pods' findings grouped by (code, target), one fix each (added with the triage view).
    groups: Vec<Group>,
}

/// The groups of the pods, taken in the triage order (as the table shows them).
fn triaged_groups(pods: &[PodDiagnosis]) -> Vec<Group> {
    let mut ordered = pods.to_vec();
    groups::triage_order(&mut ordered);
    groups::group(&ordered)
}

/// The JSON document for these diagnoses, pretty-printed, ending in a newline.
pub fn render(pods: &[PodDiagnosis]) -> String {
    let mut text = serde_json::to_string_pretty(&Document {
        pods,
        groups: triaged_groups(pods),
    })
    .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}

/// The same document on one line, for `--watch` (one document per change, JSON Lines).
pub fn render_line(pods: &[PodDiagnosis]) -> String {
    let mut text = serde_json::to_string(&Document {
        pods,
        groups: triaged_groups(pods),
    })
    .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}

/// The document for a workload that has no pod (`explain deployment/NAME`): no pods, no
/// groups, and `owners`, what each workload's controller said (added with `explain TYPE/NAME`).
pub fn render_owners(owners: &[crate::diagnosis::creation::OwnerDiagnosis]) -> String {
    #[derive(Serialize)]
    struct OwnersDocument<'a> {
        pods: [PodDiagnosis; 0],
        groups: [Group; 0],
        owners: &'a [crate::diagnosis::creation::OwnerDiagnosis],
    }
    let mut text = serde_json::to_string_pretty(&OwnersDocument {
        pods: [],
        groups: [],
        owners,
    })
    .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}
