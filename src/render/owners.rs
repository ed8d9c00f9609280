//! The view of a workload that has no pod (`explain deployment/NAME`): what its controller
//! said, one finding per refusal, sanitised for the terminal.

use crate::diagnosis::creation::OwnerDiagnosis;
use crate::sanitize;

/// `deployment/api has no pod`, then each finding: severity, code, message, evidence, fix.
pub fn render(owner: &OwnerDiagnosis) -> String {
    let name = format!("{}/{}", owner.kind.to_lowercase(), owner.name);
    let mut out = String::new();
    if owner.findings.is_empty() {
        out.push_str(&format!(
            "{} has no pod, and its controller recorded no error creating one (replicas 0, or not created yet): kubectl describe {} -n {}\n",
            sanitize::line(&name),
            sanitize::line(&name),
            sanitize::line(&owner.namespace)
        ));
        return out;
    }
    for f in &owner.findings {
        out.push_str(&format!(
            "{} {}: {}\n",
            f.severity.word(),
            f.code,
            sanitize::line(&f.message)
        ));
        for line in &f.evidence {
            out.push_str(&format!("  {}\n", sanitize::line(line)));
        }
        if !f.hint.is_empty() {
            out.push_str(&format!("  fix: {}\n", sanitize::line(&f.hint)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Severity, finding};

    #[test]
    fn says_why_and_what_to_do_without_escapes() {
        let mut f = finding(
            "PodCreationFailed",
            Severity::Error,
            None,
            "deployment/api has no pod: \u{1b}[31mx".into(),
        );
        f.hint = "create it".into();
        let owner = OwnerDiagnosis {
            kind: "Deployment".into(),
            namespace: "shop".into(),
            name: "api".into(),
            findings: vec![f],
        };
        let text = render(&owner);
        assert!(text.starts_with("error PodCreationFailed: deployment/api has no pod"));
        assert!(text.contains("  fix: create it"));
        assert!(!text.contains('\u{1b}'));
        let empty = OwnerDiagnosis {
            findings: vec![],
            ..owner
        };
        assert!(render(&empty).contains("recorded no error"));
    }
}
