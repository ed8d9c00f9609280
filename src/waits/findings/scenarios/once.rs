//! One-shot checks: a missing target makes them fail (`CheckWillFail`), not wait; a loop on the
//! same check waits; a one-shot check whose target is there keeps the finding it had.
use super::*;
use serde_json::json;

struct Case {
    name: &'static str,
    script: &'static str,
    services: Value,
    code: &'static str,
    cause: Option<&'static str>,
}

fn db_service() -> Value {
    json!([service(
        "db",
        "shop",
        json!({"clusterIP": "10.96.0.7",
        "ports": [{"port": 5432, "targetPort": 5432, "protocol": "TCP"}]})
    )])
}

#[test]
fn one_shot_checks_will_fail_where_loops_wait() {
    let cases = [
        Case {
            name: "nc once, no Service",
            script: "set -e; nc -z -w 2 db 5432; echo ok",
            services: json!([]),
            code: "CheckWillFail",
            cause: Some("ServiceNotFound"),
        },
        Case {
            name: "nslookup once, no Service",
            script: "nslookup db.shop.svc.cluster.local",
            services: json!([]),
            code: "CheckWillFail",
            cause: Some("ServiceNotFound"),
        },
        Case {
            name: "nc once, Service without endpoints",
            script: "nc -z db 5432",
            services: db_service(),
            code: "CheckWillFail",
            cause: Some("ServiceNoEndpoints"),
        },
        Case {
            name: "nc in a loop, no Service",
            script: "until nc -z db 5432; do sleep 2; done",
            services: json!([]),
            code: "ServiceNotFound",
            cause: None,
        },
        Case {
            name: "nc in a loop, Service without endpoints",
            script: "until nc -z db 5432; do sleep 2; done",
            services: db_service(),
            code: "ServiceNoEndpoints",
            cause: None,
        },
    ];
    for case in cases {
        let pod = pod_json(
            "api",
            json!([{"name": "init-db", "image": "busybox:1.36",
                    "command": ["sh", "-c", case.script]}]),
            json!({}),
        );
        let found = explain(
            pod,
            Objects {
                services: case.services.clone(),
                ..Default::default()
            },
        );
        let f = found
            .iter()
            .find(|f| f.code == case.code)
            .unwrap_or_else(|| panic!("{}: no {} in {:?}", case.name, case.code, codes(&found)));
        assert_eq!(f.severity, Severity::Error, "{}", case.name);
        match case.cause {
            Some(cause) => {
                assert!(
                    f.message.starts_with("will fail: "),
                    "{}: {}",
                    case.name,
                    f.message
                );
                assert!(!f.message.contains("until"), "{}: {}", case.name, f.message);
                assert!(
                    f.evidence.contains(&format!("cause: {cause}")),
                    "{}: {:?}",
                    case.name,
                    f.evidence
                );
                assert!(
                    f.evidence
                        .iter()
                        .any(|e| e.contains("init-db exits non-zero")),
                    "{}: {:?}",
                    case.name,
                    f.evidence
                );
                assert!(
                    f.hint.contains("retry it: `until "),
                    "{}: {}",
                    case.name,
                    f.hint
                );
            }
            None => {
                assert!(
                    !f.message.starts_with("will fail"),
                    "{}: {}",
                    case.name,
                    f.message
                );
                assert!(!codes(&found).contains(&"CheckWillFail"), "{}", case.name);
            }
        }
    }
}

/// A one-shot check whose failure cannot fail the container is not `CheckWillFail`: handled
/// (`||`, `if`) it is at most info; followed by more commands without `set -e`, a warning.
#[test]
fn one_shot_checks_that_cannot_fail_the_container() {
    let cases: &[(&str, Severity, &str)] = &[
        (
            "nc -z db 5432 || true",
            Severity::Info,
            "its failure is handled",
        ),
        (
            "if nc -z db 5432; then echo up; fi; exec app",
            Severity::Info,
            "its failure is handled",
        ),
        (
            "nc -z db 5432; echo checked",
            Severity::Warning,
            "the script goes on when it fails",
        ),
    ];
    for (script, severity, note) in cases {
        let pod = pod_json(
            "api",
            json!([{"name": "init-db", "image": "busybox:1.36", "command": ["sh", "-c", script]}]),
            json!({}),
        );
        let found = explain(pod, Objects::default());
        assert!(
            !codes(&found).contains(&"CheckWillFail"),
            "{script}: {:?}",
            codes(&found)
        );
        let f = one(&found, "ServiceNotFound");
        assert_eq!(f.severity, *severity, "{script}");
        assert!(
            f.evidence.iter().any(|e| e.contains(note)),
            "{script}: {:?}",
            f.evidence
        );
    }
    // The same check as the container's own command (no shell) fails it.
    let pod = pod_json(
        "api",
        json!([{"name": "init-db", "image": "busybox:1.36", "command": ["nc", "-z", "db", "5432"]}]),
        json!({}),
    );
    assert!(codes(&explain(pod, Objects::default())).contains(&"CheckWillFail"));
}

/// Where the failure of a one-shot check is the script's, it is `CheckWillFail`; where the
/// script goes on, or handles it, it is not (the shell walk decides, not the command's text).
#[test]
fn one_shot_checks_that_end_the_script() {
    let cases: &[(&str, bool)] = &[
        ("echo start; timeout 5 nc -z db 5432", true),
        ("echo start; nc -z db 5432 && echo reachable", true),
        ("echo start; sh -c 'nc -z db 5432'", true),
        ("echo start; nc -z db 5432 | cat", false),
        ("nc -z db 5432; echo checked; nc -z db 5432 || true", false),
        ("echo start; sh -c 'nc -z db 5432; echo done'", false),
        ("echo start; { nc -z db 5432; echo in a group; }", false),
        ("echo start; sh -c 'nc -z db 5432' || echo down", false),
    ];
    for (script, fails) in cases {
        let pod = pod_json(
            "api",
            json!([{"name": "init-db", "image": "busybox:1.36", "command": ["sh", "-c", script]}]),
            json!({}),
        );
        let found = explain(pod, Objects::default());
        assert_eq!(
            codes(&found).contains(&"CheckWillFail"),
            *fails,
            "{script}: {:?}",
            codes(&found)
        );
    }
}

#[test]
fn one_shot_check_of_a_missing_service_keeps_its_fix() {
    let pod = pod_json(
        "api",
        json!([{"name": "init-db", "image": "busybox:1.36",
                "command": ["sh", "-c", "nc -z db 5432"]}]),
        json!({}),
    );
    let found = explain(pod, Objects::default());
    let f = one(&found, "CheckWillFail");
    assert_eq!(f.target.as_deref(), Some("db"));
    assert_eq!(
        f.message,
        "will fail: no Service db in namespace shop: it cannot connect"
    );
    assert!(
        f.hint.contains("kind: Service\nmetadata:\n  name: db"),
        "{}",
        f.hint
    );
    assert!(
        f.hint
            .ends_with("retry it: `until nc -z db 5432; do sleep 2; done`"),
        "{}",
        f.hint
    );
}
