//! Findings across pods, grouped: the pods whose blockers have the same finding for the same
//! target (five replicas waiting on `orders-db`) make one [`Group`] with one fix. Generic over
//! finding codes: the key is the code, the namespace and the target; a finding without a target
//! (a crash, a pull error) groups the pods of one owner with the same container.
//!
//! A group keeps the evidence lines all its pods' findings have. The log line that says why
//! (`log says: …`) is kept even when each pod logs its own: a group whose pods share none gets
//! the first pod's (its `log says:` line, else the last line of the log its finding shows), with
//! that pod's name when the others' differ.

use std::cmp::Reverse;

use serde::Serialize;

use super::PodDiagnosis;
use crate::finding::{Finding, ObjectRef, Severity};

/// One finding shared by several pods.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub code: String,
    pub severity: Severity,
    pub namespace: String,
    /// What the blockers wait on, as their commands write it.
    pub target: Option<String>,
    /// The container the finding is about, when the pods share it.
    pub container: Option<String>,
    /// The owner to edit, when every pod of the group has the same one.
    pub owner: Option<ObjectRef>,
    /// The pods, by name.
    pub pods: Vec<String>,
    /// The message of the first pod's finding (by name).
    pub message: String,
    /// The evidence lines every pod's finding has (the selector and its closest label set of
    /// a Service that selects no pod, one log line they all print), in the first pod's order;
    /// when they share no `log says:` line, the first pod's (see the module's doc).
    pub evidence: Vec<String>,
    /// One fix for all of them: the one most of them have (the first pod's on a tie).
    pub fix: String,
}

/// The findings a multi-pod view groups for one pod: its warnings and errors, or its top
/// finding when it has nothing worse than information.
fn worth_grouping(pod: &PodDiagnosis) -> Vec<&Finding> {
    let serious: Vec<&Finding> = pod
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    if serious.is_empty() {
        pod.findings.first().into_iter().collect()
    } else {
        serious
    }
}

/// The grouping key of one finding of one pod.
fn key(pod: &PodDiagnosis, f: &Finding) -> (String, String, String, String) {
    let (target, rest) = match &f.target {
        Some(t) => (t.clone(), String::new()),
        // No target: the pods of one owner with the same container, else the pod alone.
        None => (
            String::new(),
            match &pod.owner {
                Some(o) => format!(
                    "{}/{}/{}",
                    o.kind,
                    o.name,
                    f.container.as_deref().unwrap_or("")
                ),
                // Without an owner: pods that say the same (their own name aside).
                None => format!(
                    "{}/{}/{}",
                    f.container.as_deref().unwrap_or(""),
                    f.message.replace(&pod.name, "<pod>"),
                    f.hint.replace(&pod.name, "<pod>")
                ),
            },
        ),
    };
    (pod.namespace.clone(), f.code.clone(), target, rest)
}

/// The groups of `pods`: most severe first, then the largest, then by code and target; the
/// pods of each by name. Independent of the order `pods` come in.
pub fn group(pods: &[PodDiagnosis]) -> Vec<Group> {
    let mut by_name: Vec<&PodDiagnosis> = pods.iter().collect();
    by_name.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let mut keys: Vec<(String, String, String, String)> = Vec::new();
    let mut groups: Vec<(Group, Vec<String>)> = Vec::new();
    // Per group: the first pod's log line, and whether every pod's is the same.
    let mut says: Vec<(Option<String>, bool)> = Vec::new();
    for pod in by_name {
        for f in worth_grouping(pod) {
            let k = key(pod, f);
            match keys.iter().position(|x| *x == k) {
                Some(at) => {
                    let (g, fixes) = &mut groups[at];
                    if !g.pods.contains(&pod.name) {
                        g.pods.push(pod.name.clone());
                        fixes.push(f.hint.clone());
                        g.evidence.retain(|line| f.evidence.contains(line));
                        let (first, same) = &mut says[at];
                        *same &= log_says(f) == *first;
                    }
                    if g.container.as_ref() != f.container.as_ref() {
                        g.container = None;
                    }
                    if g.owner.as_ref() != pod.owner.as_ref() {
                        g.owner = None;
                    }
                }
                None => {
                    keys.push(k);
                    let group = Group {
                        code: f.code.clone(),
                        severity: f.severity,
                        namespace: pod.namespace.clone(),
                        target: f.target.clone(),
                        container: f.container.clone(),
                        owner: pod.owner.clone(),
                        pods: vec![pod.name.clone()],
                        message: f.message.clone(),
                        evidence: f.evidence.clone(),
                        fix: String::new(),
                    };
                    groups.push((group, vec![f.hint.clone()]));
                    says.push((log_says(f), true));
                }
            }
        }
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .zip(says)
        .map(|((mut g, fixes), (line, same))| {
            g.fix = most_common(&fixes);
            let shared = g.evidence.iter().any(|l| l.starts_with(LOG_SAYS));
            if let Some(line) = line.filter(|_| !shared) {
                g.evidence.push(if same {
                    format!("{LOG_SAYS} {line}")
                } else {
                    format!("{LOG_SAYS} {line} (pod {}; the others' differ)", g.pods[0])
                });
            }
            g
        })
        .collect();
    out.sort_by(|a, b| {
        (
            Reverse(a.severity),
            Reverse(a.pods.len()),
            &a.namespace,
            &a.code,
            &a.target,
        )
            .cmp(&(
                Reverse(b.severity),
                Reverse(b.pods.len()),
                &b.namespace,
                &b.code,
                &b.target,
            ))
    });
    out
}

/// How a finding's evidence starts the log line that says why.
const LOG_SAYS: &str = "log says:";

/// The log line that says why `f` happened: its `log says:` line, else the last line of the
/// log it shows (`log (last N lines):`, `log of the previous instance (last line):`, then
/// `| LINE`s). `None` when it shows no log.
fn log_says(f: &Finding) -> Option<String> {
    if let Some(line) = f.evidence.iter().find_map(|l| l.strip_prefix(LOG_SAYS)) {
        return Some(line.trim().to_string());
    }
    let label = f.evidence.iter().rposition(|l| {
        (l.starts_with("log (") || l.starts_with("log of the previous instance ("))
            && l.ends_with(':')
    })?;
    f.evidence[label + 1..]
        .iter()
        .map_while(|l| l.strip_prefix("| "))
        .last()
        .map(str::to_string)
}

/// The text most of `texts` are, the first of them on a tie.
fn most_common(texts: &[String]) -> String {
    let mut best: Option<(&String, usize)> = None;
    for t in texts {
        let n = texts.iter().filter(|x| *x == t).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((t, n));
        }
    }
    best.map(|(t, _)| t.clone()).unwrap_or_default()
}

/// The order of the triage table: the most severe top finding first, then the oldest, then
/// by namespace and name.
pub fn triage_order(pods: &mut [PodDiagnosis]) {
    pods.sort_by(|a, b| {
        let rank = |p: &PodDiagnosis| p.findings.first().map(|f| f.severity);
        (
            Reverse(rank(a)),
            Reverse(a.age_seconds),
            &a.namespace,
            &a.name,
        )
            .cmp(&(
                Reverse(rank(b)),
                Reverse(b.age_seconds),
                &b.namespace,
                &b.name,
            ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::finding;

    fn pod(name: &str, age: i64, owner: Option<&str>, findings: Vec<Finding>) -> PodDiagnosis {
        PodDiagnosis {
            namespace: "shop".into(),
            name: name.into(),
            status: "Init:0/1".into(),
            phase: "Pending".into(),
            age_seconds: age,
            node: None,
            restarts: 0,
            last_restart_seconds: None,
            initialized: false,
            ready: false,
            blocking: None,
            init_containers: Vec::new(),
            debug_containers: Vec::new(),
            findings,
            events: Vec::new(),
            active_deadline_seconds: None,
            deadline_remaining_seconds: None,
            next_commands: Vec::new(),
            owner: owner.map(|o| ObjectRef::new("Deployment", "shop", o)),
        }
    }

    fn about(code: &str, severity: Severity, target: Option<&str>, hint: &str) -> Finding {
        let mut f = finding(code, severity, Some("wait"), format!("{code} message"));
        f.target = target.map(str::to_string);
        f.hint = hint.into();
        f
    }

    #[test]
    fn same_finding_same_target_is_one_group_with_one_fix() {
        let missing =
            |hint: &str| about("ServiceNotFound", Severity::Error, Some("orders-db"), hint);
        let crash = || about("CrashLoop", Severity::Error, None, "read its logs");
        let note = || about("WaitsOnService", Severity::Info, Some("orders-db"), "");
        let mut pods = vec![
            pod("api-1", 10, Some("api"), vec![missing("apply A"), note()]),
            pod("api-2", 30, Some("api"), vec![missing("apply B")]),
            pod("web-1", 20, Some("web"), vec![missing("apply B")]),
            pod("job-1", 5, None, vec![crash()]),
            pod("job-2", 5, None, vec![crash()]),
            pod("ok-1", 99, None, vec![note()]),
        ];
        triage_order(&mut pods);
        let order: Vec<&str> = pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(order, ["api-2", "web-1", "api-1", "job-1", "job-2", "ok-1"]);
        let groups = group(&pods);
        let shown: Vec<(&str, Vec<&str>, &str, Option<&str>)> = groups
            .iter()
            .map(|g| {
                (
                    g.code.as_str(),
                    g.pods.iter().map(String::as_str).collect(),
                    g.fix.as_str(),
                    g.owner.as_ref().map(|o| o.name.as_str()),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "ServiceNotFound",
                    vec!["api-1", "api-2", "web-1"],
                    // Two of the three have this fix.
                    "apply B",
                    None
                ),
                ("CrashLoop", vec!["job-1", "job-2"], "read its logs", None),
                ("WaitsOnService", vec!["ok-1"], "", None),
            ]
        );
    }

    #[test]
    fn one_owner_keeps_its_name_on_the_group() {
        let crash = || about("CrashLoop", Severity::Error, None, "fix it");
        let pods = vec![
            pod("api-1", 1, Some("api"), vec![crash()]),
            pod("api-2", 1, Some("api"), vec![crash()]),
        ];
        let groups = group(&pods);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].pods, ["api-1", "api-2"]);
        assert_eq!(
            groups[0].owner.as_ref().map(|o| o.name.as_str()),
            Some("api")
        );
    }

    #[test]
    fn a_group_keeps_the_evidence_every_pod_shows() {
        let empty = |pod_line: &str| {
            let mut f = about(
                "ServiceNoEndpoints",
                Severity::Error,
                Some("postgres"),
                "fix",
            );
            f.evidence = vec![
                "selector: app=postgresql".into(),
                pod_line.into(),
                "closest: pod pg-0 has labels app=postgres".into(),
            ];
            f
        };
        let pods = vec![
            pod("web-1", 1, Some("web"), vec![empty("waited 3m")]),
            pod("web-2", 1, Some("web"), vec![empty("waited 5m")]),
        ];
        let groups = group(&pods);
        assert_eq!(
            groups[0].evidence,
            [
                "selector: app=postgresql",
                "closest: pod pg-0 has labels app=postgres"
            ]
        );
        // One pod alone keeps all of its own.
        assert_eq!(group(&pods[..1])[0].evidence.len(), 3);
    }

    #[test]
    fn a_crash_group_says_what_the_first_pods_log_says() {
        let crash = |evidence: &[&str]| {
            let mut f = about("CrashLoop", Severity::Error, None, "fix");
            f.evidence = evidence.iter().map(ToString::to_string).collect();
            f
        };
        let log = |line: &str| {
            crash(&[
                "exit code 1: a failure particular to the program; its log says more",
                "log of the previous instance (last 2 lines):",
                "| connecting",
                line,
            ])
        };
        // (each pod's finding, the group's `log says:` lines)
        let cases: Vec<(Vec<Finding>, Vec<&str>)> = vec![
            // A generic exit code, each pod logging its own line: the first pod's.
            (
                vec![
                    log("| api-1: connection to db refused"),
                    log("| api-2: connection to db refused"),
                ],
                vec!["log says: api-1: connection to db refused (pod api-1; the others' differ)"],
            ),
            // The same last line: said once, without a pod.
            (
                vec![log("| db refused"), log("| db refused")],
                vec!["log says: db refused"],
            ),
            // A `log says:` line they share stays as it is.
            (
                vec![
                    crash(&["log says: sh: migrate: not found", "| x"]),
                    crash(&["log says: sh: migrate: not found", "| y"]),
                ],
                vec!["log says: sh: migrate: not found"],
            ),
            // Their own `log says:` lines: the first pod's.
            (
                vec![
                    crash(&["log says: nc: bad option -q1"]),
                    crash(&["log says: nc: bad option -q2"]),
                ],
                vec!["log says: nc: bad option -q1 (pod api-1; the others' differ)"],
            ),
            // No log shown: nothing.
            (
                vec![crash(&["exit code 1"]), crash(&["exit code 1"])],
                vec![],
            ),
        ];
        for (findings, want) in cases {
            let pods: Vec<PodDiagnosis> = findings
                .into_iter()
                .enumerate()
                .map(|(i, f)| pod(&format!("api-{}", i + 1), 1, Some("api"), vec![f]))
                .collect();
            let groups = group(&pods);
            assert_eq!(groups.len(), 1, "{groups:#?}");
            let says: Vec<&str> = groups[0]
                .evidence
                .iter()
                .filter(|l| l.starts_with("log says:"))
                .map(String::as_str)
                .collect();
            assert_eq!(says, want, "{:#?}", groups[0].evidence);
        }
    }
}
