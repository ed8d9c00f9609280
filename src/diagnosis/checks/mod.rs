//! The checks: each is a small `fn check_*(&Context) -> Option<Finding>` about one concern,
//! reading the pod, its events and logs through [`Context`]; [`evaluate`] runs them all and
//! sorts what they find deterministically (severity, then container order, then code).
//!
//! To add a check: write `fn check_something(cx: &Context) -> Option<Finding>` in the file of
//! its concern (or a new one), give its finding a new stable `code`, add it to [`CHECKS`], add
//! a unit test on real Pod JSON beside it and an end-to-end test in `tests/e2e_explain.rs`,
//! and list the code in `docs/explain.md`. A check returns `None` unless it is sure.

mod config;
mod crash;
mod image;
mod lifecycle;
mod schedule;
mod spec;
mod starting;

use std::cmp::Reverse;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};

use super::{
    ContainerLogs, Evidence, Finding, InitContainerRow, PodDiagnosis, PodEvent, Severity,
    init_spec, init_status,
};

/// What every check may read: the gathered evidence, the summary of the pod, and `now`.
pub struct Context<'a> {
    pub evidence: &'a Evidence,
    pub pod: &'a Pod,
    pub diagnosis: &'a PodDiagnosis,
    pub now: Timestamp,
    /// The init container that blocks, with its spec, status and logs.
    pub blocker: Option<Blocker<'a>>,
}

/// The blocking init container, everything known about it in one place.
pub struct Blocker<'a> {
    pub row: &'a InitContainerRow,
    pub spec: Option<&'a Container>,
    pub status: Option<&'a ContainerStatus>,
    pub logs: Option<&'a ContainerLogs>,
}

impl Blocker<'_> {
    pub fn name(&self) -> &str {
        &self.row.name
    }

    /// The waiting reason, if it waits with one.
    pub fn waiting_reason(&self) -> Option<&str> {
        self.status.and_then(super::waiting_reason)
    }

    /// The waiting message, if any.
    pub fn waiting_message(&self) -> Option<&str> {
        self.status
            .and_then(|s| s.state.as_ref())
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.message.as_deref())
            .filter(|m| !m.is_empty())
    }
}

/// A check: `Some` when it is sure of what it found.
pub type Check = fn(&Context) -> Option<Finding>;

/// Every check, in no particular order: [`evaluate`] sorts their findings.
pub const CHECKS: &[Check] = &[
    schedule::check_unschedulable,
    config::check_volume_mount_failed,
    config::check_config_missing,
    image::check_image_pull_failed,
    crash::check_crash_loop,
    crash::check_exited_non_zero,
    crash::check_oom_killed,
    crash::check_restart_never_failed,
    lifecycle::check_deadline_exceeded,
    lifecycle::check_deadline_approaching,
    starting::check_sidecar_not_started,
    starting::check_app_containers_starting,
    spec::check_invalid_init_spec,
];

/// Run every check on the pod summarized in `diagnosis`; the findings, sorted.
pub fn evaluate(evidence: &Evidence, diagnosis: &PodDiagnosis, now: Timestamp) -> Vec<Finding> {
    let pod = &evidence.pod;
    let blocker = diagnosis.blocking.as_ref().and_then(|b| {
        let row = diagnosis.init_containers.get(b.index)?;
        Some(Blocker {
            row,
            spec: init_spec(pod, &row.name),
            status: init_status(pod, &row.name),
            logs: evidence.logs.get(&row.name),
        })
    });
    let cx = Context {
        evidence,
        pod,
        diagnosis,
        now,
        blocker,
    };
    let mut findings: Vec<Finding> = CHECKS.iter().filter_map(|check| check(&cx)).collect();
    sort(&mut findings, pod);
    findings
}

/// Sort findings deterministically: errors first, then by container in the pod's order
/// (pod-wide findings first), then by code and message.
pub fn sort(findings: &mut [Finding], pod: &Pod) {
    let order = |name: &Option<String>| -> usize {
        let Some(name) = name else { return 0 };
        let spec = pod.spec.as_ref();
        let inits = spec
            .and_then(|s| s.init_containers.as_deref())
            .unwrap_or(&[]);
        let apps = spec.map(|s| s.containers.as_slice()).unwrap_or(&[]);
        inits
            .iter()
            .chain(apps)
            .position(|c| &c.name == name)
            .map(|i| i + 1)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        (
            Reverse(a.severity),
            order(&a.container),
            &a.code,
            &a.message,
        )
            .cmp(&(
                Reverse(b.severity),
                order(&b.container),
                &b.code,
                &b.message,
            ))
    });
}

impl Context<'_> {
    /// `POD -n NAMESPACE`, for the commands in hints.
    pub fn pod_args(&self) -> String {
        format!("{} -n {}", self.diagnosis.name, self.diagnosis.namespace)
    }

    pub fn namespace(&self) -> &str {
        &self.diagnosis.namespace
    }

    /// The deduplicated events with one of `reasons` (any when empty), about `container` or the
    /// pod as a whole when `container` is `Some`, else all.
    pub fn events(&self, container: Option<&str>, reasons: &[&str]) -> Vec<&PodEvent> {
        self.diagnosis
            .events
            .iter()
            .filter(|e| reasons.is_empty() || reasons.contains(&e.reason.as_str()))
            .filter(|e| match container {
                Some(name) => e.container.as_deref().is_none_or(|c| c == name),
                None => true,
            })
            .collect()
    }

    /// The pod-level `restartPolicy` (default `Always`).
    pub fn restart_policy(&self) -> &str {
        self.pod
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref())
            .unwrap_or("Always")
    }

    /// The index of an init container in spec order.
    pub fn init_index(&self, name: &str) -> Option<usize> {
        self.diagnosis
            .init_containers
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.index)
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

/// An event as one evidence line: `Warning BackOff (x5, kubelet): Back-off restarting …`.
pub fn event_line(event: &PodEvent) -> String {
    let count = if event.count > 1 {
        format!("x{}, ", event.count)
    } else {
        String::new()
    };
    format!(
        "event {} {} ({count}{}): {}",
        event.type_,
        event.reason,
        if event.source.is_empty() {
            "unknown"
        } else {
            &event.source
        },
        one_line(&event.message)
    )
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

#[cfg(test)]
pub(crate) mod testing {
    //! Building evidence from Pod JSON for the checks' tests.

    use serde_json::{Value, json};

    use crate::diagnosis::{ContainerLogs, Evidence, Finding, diagnose};

    /// A timestamp all tests use as "now".
    pub const NOW: &str = "2026-01-01T00:10:00Z";

    pub fn evidence(pod: Value) -> Evidence {
        Evidence {
            pod: serde_json::from_value(pod).expect("pod JSON"),
            ..Default::default()
        }
    }

    /// A pod of the seeds' shape with `inits` as init containers and the given status.
    pub fn pod(inits: Value, status: Value) -> Value {
        json!({
            "metadata": {"name": "myapp-pod", "namespace": "shop", "uid": "u1",
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {
                "nodeName": "node-1",
                "initContainers": inits,
                "containers": [{"name": "myapp-container", "image": "busybox:1.28",
                                "command": ["sh", "-c", "echo The app is running! && sleep 3600"]}]
            },
            "status": status
        })
    }

    pub fn init(name: &str, script: &str) -> Value {
        json!({"name": name, "image": "busybox:1.28", "command": ["sh", "-c", script]})
    }

    pub fn event(
        container: Option<&str>,
        type_: &str,
        reason: &str,
        message: &str,
        count: i32,
    ) -> Value {
        let mut e = json!({
            "metadata": {"name": format!("myapp-pod.{reason}"), "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "myapp-pod", "namespace": "shop", "uid": "u1"},
            "type": type_, "reason": reason, "message": message,
            "source": {"component": "kubelet"},
            "firstTimestamp": "2026-01-01T00:01:00Z", "lastTimestamp": "2026-01-01T00:09:00Z",
            "count": count
        });
        if let Some(c) = container {
            e["involvedObject"]["fieldPath"] = json!(format!("spec.initContainers{{{c}}}"));
        }
        e
    }

    pub fn with_events(mut evidence: Evidence, events: Vec<Value>) -> Evidence {
        evidence.events = events
            .into_iter()
            .map(|e| serde_json::from_value(e).expect("event JSON"))
            .collect();
        evidence
    }

    pub fn with_logs(
        mut evidence: Evidence,
        container: &str,
        current: &str,
        previous: &str,
    ) -> Evidence {
        let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
        evidence.logs.insert(
            container.to_string(),
            ContainerLogs {
                current: lines(current),
                previous: lines(previous),
                note: None,
            },
        );
        evidence
    }

    pub fn findings(evidence: &Evidence) -> Vec<Finding> {
        diagnose(evidence, NOW.parse().expect("now")).findings
    }

    /// The one finding with `code`; panics listing what was found otherwise.
    pub fn only(evidence: &Evidence, code: &str) -> Finding {
        let all = findings(evidence);
        let mut matching = all.iter().filter(|f| f.code == code);
        match (matching.next(), matching.next()) {
            (Some(f), None) => f.clone(),
            _ => panic!("expected exactly one {code}, found: {all:#?}"),
        }
    }

    pub fn codes(evidence: &Evidence) -> Vec<String> {
        findings(evidence).into_iter().map(|f| f.code).collect()
    }
}
