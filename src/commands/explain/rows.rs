//! `explain --watch` in the multi-pod view: the whole view the first time, then only the rows
//! that changed, each with its change, and under them the groups of the findings the changed
//! pods did not have before, each with its fix (as the first print gives them). A pod that left
//! the selection (Ready, initialized, Completed) and comes back is no "new" pod: its row says
//! what it was and what it is now (`was Ready, now CrashLoopBackOff`).

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::diagnosis::PodDiagnosis;
use crate::finding::{Finding, Severity};
use crate::render::triage::Layout;
use crate::render::{self, Palette};

/// `namespace/name`.
pub(super) type PodId = (String, String);

pub(super) fn id(d: &PodDiagnosis) -> PodId {
    (d.namespace.clone(), d.name.clone())
}

/// What the rows view remembers across rounds.
#[derive(Default)]
pub(super) struct Rows {
    /// The rows last printed, by pod (`None` before the first print).
    shown: Option<BTreeMap<PodId, PodDiagnosis>>,
    /// The pods that left the selection still readable, and how (`Ready`, `initialized`…).
    left: BTreeMap<PodId, &'static str>,
}

/// What a row of the triage table shows that can change (not the age).
type RowKey = (String, String, Option<String>, Option<String>, bool);

fn row_key(d: &PodDiagnosis) -> RowKey {
    let top = d.findings.first();
    (
        d.status.clone(),
        d.blocking
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        top.map(|f| f.code.clone()),
        top.and_then(|f| f.target.clone()),
        d.initialized,
    )
}

/// The top finding's code, or `<none>`.
fn code(d: &PodDiagnosis) -> String {
    d.findings
        .first()
        .map(|f| f.code.clone())
        .unwrap_or_else(|| "<none>".into())
}

/// The change of one row: `ServiceNotFound → ServiceNoEndpoints`, or of the status; for a pod
/// not in the last print, how it left the selection before (`was Ready, now …`), else `new`.
pub(super) fn change_text(
    before: Option<&PodDiagnosis>,
    left: Option<&str>,
    after: &PodDiagnosis,
) -> String {
    let Some(before) = before else {
        return match left {
            Some(how) => format!("was {how}, now {}", after.status),
            None => "new".into(),
        };
    };
    if after.initialized && !before.initialized {
        format!("{} → initialized", code(before))
    } else if code(before) != code(after) {
        format!("{} → {}", code(before), code(after))
    } else if before.status != after.status {
        format!("{} → {}", before.status, after.status)
    } else {
        "updated".into()
    }
}

/// What a finding is about, to tell one seen before.
fn about(f: &Finding) -> (&str, Option<&str>, Option<&str>) {
    (&f.code, f.container.as_deref(), f.target.as_deref())
}

/// `after` with only the findings the multi-pod view groups (its warnings and errors, or its top
/// finding when nothing is worse than information) that `before` did not have.
fn fresh(before: Option<&PodDiagnosis>, after: &PodDiagnosis) -> PodDiagnosis {
    let known =
        |f: &Finding| before.is_some_and(|b| b.findings.iter().any(|o| about(o) == about(f)));
    let serious = after
        .findings
        .iter()
        .any(|f| f.severity >= Severity::Warning);
    let mut pod = after.clone();
    pod.findings = after
        .findings
        .iter()
        .enumerate()
        .filter(|(i, f)| (f.severity >= Severity::Warning || (!serious && *i == 0)) && !known(f))
        .map(|(_, f)| f.clone())
        .collect();
    pod
}

impl Rows {
    /// The text of this round: the whole view the first time, then the rows that changed and
    /// the groups of their new findings; `gone` are the pods of the last round not selected
    /// now, each with how it left (`left_as`) when it could be read, else `None` (deleted).
    pub(super) fn text(
        &mut self,
        pods: &[PodDiagnosis],
        gone: &[(PodDiagnosis, Option<&'static str>)],
        now: Timestamp,
        palette: Palette,
        layout: Layout,
    ) -> String {
        let current: BTreeMap<PodId, PodDiagnosis> =
            pods.iter().map(|d| (id(d), d.clone())).collect();
        let Some(before) = self.shown.replace(current) else {
            return render::triage::render(pods, palette, layout);
        };
        let mut changed: Vec<PodDiagnosis> = Vec::new();
        let mut what: Vec<String> = Vec::new();
        let mut new_findings: Vec<PodDiagnosis> = Vec::new();
        for pod in pods {
            let old = before.get(&id(pod));
            let left = self.left.remove(&id(pod));
            if old.is_none_or(|o| row_key(o) != row_key(pod)) {
                what.push(change_text(old, left, pod));
                changed.push(pod.clone());
                new_findings.push(fresh(old, pod));
            }
        }
        for (pod, how) in gone {
            let old = before.get(&id(pod));
            let was = old.map_or_else(|| "<none>".into(), code);
            what.push(format!("{was} → {}", how.unwrap_or("deleted")));
            changed.push(render::safe::for_terminal(pod));
            if let Some(how) = how {
                self.left.insert(id(pod), how);
            }
        }
        if changed.is_empty() {
            return String::new();
        }
        let mut text = render::triage::changed_rows(&changed, &what, now, layout);
        text.push_str(&render::triage::groups_of(&new_findings, palette));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(status: &str, findings: &[(&str, Severity)]) -> PodDiagnosis {
        PodDiagnosis {
            namespace: "ns".into(),
            name: "api".into(),
            status: status.into(),
            findings: findings
                .iter()
                .map(|(code, severity)| {
                    crate::finding::finding(code, *severity, Some("wait"), format!("{code} says"))
                })
                .collect(),
            phase: "Pending".into(),
            age_seconds: 60,
            node: None,
            restarts: 0,
            last_restart_seconds: None,
            initialized: false,
            ready: false,
            blocking: None,
            init_containers: Vec::new(),
            debug_containers: Vec::new(),
            events: Vec::new(),
            active_deadline_seconds: None,
            deadline_remaining_seconds: None,
            next_commands: Vec::new(),
            owner: None,
        }
    }

    #[test]
    fn a_pod_back_in_the_selection_says_what_it_was() {
        let now = pod("CrashLoopBackOff", &[("CrashLoop", Severity::Error)]);
        let cases = [
            (None, None, "new"),
            (None, Some("Ready"), "was Ready, now CrashLoopBackOff"),
            (
                Some(pod("Init:0/1", &[("ServiceNotFound", Severity::Error)])),
                None,
                "ServiceNotFound → CrashLoop",
            ),
            (
                Some(pod("Init:Error", &[("CrashLoop", Severity::Error)])),
                None,
                "Init:Error → CrashLoopBackOff",
            ),
        ];
        for (before, left, want) in cases {
            assert_eq!(change_text(before.as_ref(), left, &now), want);
        }
    }

    #[test]
    fn only_findings_not_seen_before_are_grouped_again() {
        let before = pod("Init:0/1", &[("ServiceNotFound", Severity::Error)]);
        let after = pod(
            "Init:0/1",
            &[
                ("ServiceNoEndpoints", Severity::Error),
                ("ServiceNotFound", Severity::Error),
                ("Late", Severity::Info),
            ],
        );
        let codes = |p: PodDiagnosis| p.findings.into_iter().map(|f| f.code).collect::<Vec<_>>();
        assert_eq!(codes(fresh(Some(&before), &after)), ["ServiceNoEndpoints"]);
        assert_eq!(
            codes(fresh(None, &after)),
            ["ServiceNoEndpoints", "ServiceNotFound"]
        );
        let info = pod(
            "Running",
            &[("Late", Severity::Info), ("Other", Severity::Info)],
        );
        assert_eq!(codes(fresh(None, &info)), ["Late"]);
        assert!(codes(fresh(Some(&info), &info)).is_empty());
    }
}
