//! The table's "waits for" section: per target, the command fragment, the object chain and the
//! verdict, from the findings of [`crate::waits::findings()`] (their `command:` and `chain:`
//! evidence).

use super::triage::fix_text;
use crate::finding::{Finding, Severity};
use crate::palette::Palette;
use crate::waits;

/// A group of findings: (container, target).
type Key<'a> = (Option<&'a str>, Option<&'a str>);

/// The section for a pod's findings; empty when none is about a wait.
pub fn section(findings: &[Finding], palette: Palette) -> String {
    let ours: Vec<&Finding> = findings.iter().filter(|f| waits::owns(f)).collect();
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
            out.push_str(&fix_text(&f.hint, "        "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use k8s_openapi::api::core::v1::Pod;
    use proptest::prelude::*;
    use serde_json::json;

    use super::section;
    use crate::finding::Finding;
    use crate::palette::Palette;
    use crate::waits::{WaitObjects, findings};

    /// Pod `test-initc` in namespace `shop` whose one init container runs `command`, explained
    /// against a namespace holding `services` and no other object.
    fn explained(command: &[&str], services: serde_json::Value) -> Vec<Finding> {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "test-initc", "namespace": "shop"},
            "spec": {"initContainers": [{"name": "init-mysvc", "image": "tutum/dnsutils", "command": command}],
                     "containers": [{"name": "app", "image": "busybox"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [{"name": "init-mysvc", "image": "tutum/dnsutils",
                "imageID": "", "ready": false, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-01-01T00:09:30Z"}}}]}
        }))
        .unwrap();
        let objects = WaitObjects {
            fetched: true,
            services: Arc::new(serde_json::from_value(services).unwrap()),
            pods: Arc::new(vec![pod.clone()]),
            ..Default::default()
        };
        findings(
            &pod,
            Some(&objects),
            "2026-01-01T00:10:00Z".parse().unwrap(),
        )
    }

    #[test]
    fn the_table_section_groups_by_target() {
        let found = explained(
            &[
                "sh",
                "-c",
                "until nslookup mysvc; do echo waiting; sleep 2; done",
            ],
            json!([]),
        );
        let text = section(&found, Palette { enabled: false });
        assert!(
            text.starts_with("Waits for:\n  init-mysvc → mysvc\n    command: nslookup mysvc\n"),
            "{text}"
        );
        assert!(
            text.contains("[error] ServiceNotFound: no Service mysvc in namespace shop"),
            "{text}"
        );
        assert!(
            text.contains(
                "        fix: apply the Service:\nkubectl apply -f - <<'EOF'\napiVersion: v1\n"
            ),
            "{text}"
        );
        // `nslookup` awaits no port: the manifest says so, and where the target port comes from.
        assert!(
            text.contains("  - port: 80   # any port: the command needs only the name\n    targetPort: 80   # the containerPort the pods listen on\nEOF\n"),
            "{text}"
        );
    }

    const SHELLISH: &str = "[a-z0-9 $(){}'\"`;|&<>\\\\#=:/.@\n\t!*?~,+-]{0,160}";

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever a script makes of the findings, the section renders them.
        #[test]
        fn any_script_renders(script in SHELLISH) {
            let services = json!([{"metadata": {"name": "db", "namespace": "shop"},
                                   "spec": {"clusterIP": "None", "selector": {"app": "db"}}}]);
            let found = explained(&["sh", "-c", &script], services);
            let _ = section(&found, Palette { enabled: false });
        }
    }
}
