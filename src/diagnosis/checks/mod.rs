//! The check families and the runner over them. Each family is a file here of small
//! `fn check_*(&Context) -> Option<Finding>` about one concern, reading the pod, its events and
//! logs through [`Context`]; [`crate::waits`] is one more family, of many findings per pod.
//! [`FAMILIES`] names them all behind one interface, [`Family`]; [`evaluate`] runs them and
//! sorts what they find deterministically (severity, then container order, then code).
//!
//! To add a check: write `fn check_something(cx: &Context) -> Option<Finding>` in the file of
//! its concern (or a new one), give its finding a new stable `code`, add it to its family's
//! line in [`FAMILIES`], add a unit test on real Pod JSON beside it and an end-to-end case in
//! `tests/e2e_explain.rs`, and list the code in `docs/findings.md`. A check returns `None`
//! unless it is sure.

mod app;
mod arch;
mod config;
mod context;
mod crash;
mod forbidden;
mod hooks;
mod image;
mod jobs;
mod lifecycle;
#[cfg(test)]
mod lifecycle_tests;
mod limits;
mod looping;
mod mesh;
mod meshes;
mod netpol;
mod network;
mod nonroot;
mod permissions;
mod probe_targets;
mod probes;
mod pull_cause;
mod readiness;
mod reference;
mod registry;
mod rerun;
mod restarts;
#[cfg(test)]
mod restarts_tests;
mod schedule;
mod shutdown;
mod spec;
mod start;
mod starting;
mod volumes;

use std::cmp::Reverse;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::evidence::{app_spec, app_status};
use super::{Evidence, Finding, PodDiagnosis, init_spec, init_status};
pub use config::{CONFIG_OBJECTS_READ, to_look_up as config_objects_to_look_up};
pub use context::{
    Blocker, Check, Context, event_line, finding, log_lines, one_line, quoted_after,
};

/// A family of checks: every finding it is sure of about one pod. The one interface the
/// runner knows.
pub type Family = fn(&Context) -> Vec<Finding>;

/// Every family, by name; [`evaluate`] sorts their findings.
pub const FAMILIES: &[(&str, Family)] = &[
    ("schedule", |cx| sure(cx, &[schedule::check_unschedulable])),
    ("config", |cx| {
        sure(
            cx,
            &[
                config::check_volume_mount_failed,
                config::check_config_missing,
            ],
        )
    }),
    ("image", |cx| sure(cx, &[image::check_image_pull_failed])),
    ("permissions", |cx| {
        sure(
            cx,
            &[
                permissions::check_init_permission_denied,
                permissions::check_init_setting_ignored,
                forbidden::check_api_access_forbidden,
                mesh::check_mesh_blocks_init_traffic,
            ],
        )
    }),
    ("crash", |cx| {
        sure(
            cx,
            &[
                crash::check_crash_loop,
                crash::check_exited_non_zero,
                crash::check_oom_killed,
            ],
        )
    }),
    ("restarts", |cx| {
        let mut found = sure(
            cx,
            &[
                restarts::check_restart_never_failed,
                restarts::check_all_containers_restarting,
                shutdown::check_sidecars_stopped,
            ],
        );
        found.extend(restarts::restarted_by_rule(cx));
        found
    }),
    ("states", |cx| {
        sure(
            cx,
            &[
                lifecycle::check_deadline_exceeded,
                lifecycle::check_deadline_approaching,
            ],
        )
    }),
    ("sidecar", |cx| {
        sure(
            cx,
            &[
                starting::check_sidecar_not_started,
                starting::check_app_containers_starting,
            ],
        )
    }),
    ("spec", |cx| sure(cx, &[spec::check_invalid_init_spec])),
    ("network", |cx| {
        let mut found = sure(
            cx,
            &[
                network::check_sandbox_not_ready,
                network::check_host_port_conflict,
            ],
        );
        found.extend(network::port_conflict_in_pod(cx));
        found
    }),
    ("app", app::app_containers),
    ("probes", |cx| {
        [
            probes::readiness_probe_failing,
            readiness::readiness_probe_pending,
            probes::liveness_probe_restarting,
            probes::startup_probe_never_passed,
            probe_targets::probe_command_not_found,
            probe_targets::probe_port_not_declared,
        ]
        .iter()
        .flat_map(|check| check(cx))
        .collect()
    }),
    ("hooks", |cx| {
        let mut found = hooks::post_start_hook_failed(cx);
        found.extend(hooks::pre_stop_hook_failed(cx));
        found
    }),
    ("waits", |cx| cx.evidence.wait_findings(cx.now)),
    ("jobs", |cx| {
        sure(cx, &[jobs::check_sidecar_keeps_job_running])
    }),
    ("arch", arch::exec_format_errors),
];

/// The findings of checks that each find one thing at most.
fn sure(cx: &Context, checks: &[Check]) -> Vec<Finding> {
    checks.iter().filter_map(|check| check(cx)).collect()
}

/// Run every family on the pod summarized in `diagnosis`; the findings, sorted.
pub fn evaluate(evidence: &Evidence, diagnosis: &PodDiagnosis, now: Timestamp) -> Vec<Finding> {
    let pod = &evidence.pod;
    let init_blocker = |row| Blocker {
        row,
        spec: init_spec(pod, &row.name),
        status: init_status(pod, &row.name),
        logs: evidence.logs.get(&row.name),
        app: false,
    };
    let blocker = diagnosis
        .blocking
        .as_ref()
        .and_then(|b| diagnosis.init_containers.get(b.index))
        .map(init_blocker);
    let app_rows = crate::timeline::app_rows(pod);
    let apps = app_rows
        .iter()
        .map(|row| Blocker {
            row,
            spec: app_spec(pod, &row.name),
            status: app_status(pod, &row.name),
            logs: evidence.logs.get(&row.name),
            app: true,
        })
        .collect();
    let sidecars = diagnosis
        .init_containers
        .iter()
        .filter(|row| row.sidecar)
        .map(init_blocker)
        .collect();
    let cx = Context {
        evidence,
        pod,
        diagnosis,
        now,
        blocker,
        apps,
        sidecars,
    };
    let mut findings: Vec<Finding> = FAMILIES
        .iter()
        .flat_map(|(_, family)| family(&cx))
        .collect();
    arch::superseded(&mut findings);
    limits::from_namespace(&cx, &mut findings);
    volumes::claims_lack(&cx, &mut findings);
    netpol::blocked_egress(&cx, &mut findings);
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

    /// A pod and its events recorded on the real node (`tests/data/lifecycle/NAME.json`, as
    /// the kubelet wrote them), with the given container logs (current instance).
    pub fn recorded(name: &str, logs: &[(&str, &str)]) -> Evidence {
        let path = format!(
            "{}/tests/data/lifecycle/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("recorded pod");
        let doc: Value = serde_json::from_str(&text).expect("recorded JSON");
        let mut e = with_events(
            evidence(doc["pod"].clone()),
            doc["events"].as_array().cloned().unwrap_or_default(),
        );
        for (container, text) in logs {
            e = with_logs(e, container, text, "");
        }
        e
    }

    pub fn findings(evidence: &Evidence) -> Vec<Finding> {
        diagnose(evidence, NOW.parse().expect("now")).findings
    }

    /// Check the one finding of a recorded pod (`file`) with `code` about `container`: its
    /// severity, that its message, evidence or hint says each of `says`, and that none of `not`
    /// stands beside it; the finding, and all the findings.
    pub fn check_recorded(
        evidence: &Evidence,
        file: &str,
        code: &str,
        container: Option<&str>,
        severity: crate::finding::Severity,
        says: &[&str],
        not: &[&str],
    ) -> (Finding, Vec<Finding>) {
        let all = findings(evidence);
        let found: Vec<&Finding> = all
            .iter()
            .filter(|f| f.code == code && f.container.as_deref() == container)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{file}: {code} of {container:?} in {all:#?}"
        );
        let f = found[0].clone();
        assert_eq!(f.severity, severity, "{file}: {f:#?}");
        let text = format!("{}\n{}\n{}", f.message, f.evidence.join("\n"), f.hint);
        for needle in says {
            assert!(text.contains(needle), "{file}: no {needle:?} in\n{text}");
        }
        for other in not {
            assert!(
                all.iter().all(|g| g.code != *other),
                "{file}: {other} beside {code}: {all:#?}"
            );
        }
        (f, all)
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
