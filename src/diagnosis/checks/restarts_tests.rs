//! The restart findings (`RestartNeverFailed`, `RestartedByRule`, `AllContainersRestarting`,
//! `SidecarsStopped`) and the crash findings' "runs again" under restart rules, on Pod JSON.
//! The pods recorded on the real node are in `lifecycle_tests.rs`.

use crate::diagnosis::Severity;
use crate::diagnosis::checks::testing::*;
use serde_json::json;

#[test]
fn restart_never_means_failed_for_good() {
    let mut p = pod(
        json!([init("init-mydb", "exit 1")]),
        json!({"phase": "Failed", "initContainerStatuses": [
            {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}),
    );
    p["spec"]["restartPolicy"] = json!("Never");
    let e = evidence(p);
    let f = only(&e, "RestartNeverFailed");
    assert_eq!(f.container.as_deref(), Some("init-mydb"));
    assert!(
        f.message
            .starts_with("restartPolicy is Never, so the failure"),
        "{}",
        f.message
    );
    assert!(f.hint.contains("kubectl delete pod myapp-pod -n shop"));
    assert!(codes(&e).contains(&"ExitedNonZero".to_string()));

    p = pod(
        json!([init("init-mydb", "exit 1")]),
        json!({"phase": "Pending", "initContainerStatuses": [
            {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}),
    );
    assert!(!codes(&evidence(p)).contains(&"RestartNeverFailed".to_string()));
}

/// An init container that exited 42 under the pod's Never, seen between the exit and the
/// restart: a rule on 42 retries it, so the pod has not failed; the ExitedNonZero finding says
/// the rule runs it again.
#[test]
fn a_rule_on_the_exit_code_is_no_failure_for_good() {
    let mut p = pod(
        json!([init("migrate", "exit 42")]),
        json!({"phase": "Pending", "initContainerStatuses": [
            {"name": "migrate", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"terminated": {"exitCode": 42, "reason": "Error"}}}]}),
    );
    p["spec"]["restartPolicy"] = json!("Never");
    p["spec"]["initContainers"][0]["restartPolicy"] = json!("Never");
    p["spec"]["initContainers"][0]["restartPolicyRules"] =
        json!([{"action": "Restart", "exitCodes": {"operator": "In", "values": [42]}}]);
    let e = evidence(p.clone());
    assert!(
        !codes(&e).contains(&"RestartNeverFailed".to_string()),
        "{:?}",
        codes(&e)
    );
    let f = only(&e, "ExitedNonZero");
    assert!(
        f.message.ends_with(
            ": restartPolicyRules[0] (Restart when the exit code is In [42]) matches exit code 42, so the kubelet runs it again"
        ),
        "{}",
        f.message
    );
    // Exit 1: no rule matches, its own Never decides (even if the pod said Always).
    p["spec"]["restartPolicy"] = json!("Always");
    p["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] = json!(1);
    let e = evidence(p);
    let f = only(&e, "RestartNeverFailed");
    assert!(
        f.message.starts_with(
            "its own restartPolicy is Never and none of its restartPolicyRules matches exit code 1, so the failure"
        ),
        "{}",
        f.message
    );
    assert!(
        f.evidence
            .contains(&"its restartPolicy Never, restartPolicyRules[0] (Restart when the exit code is In [42])".to_string()),
        "{:?}",
        f.evidence
    );
    assert_eq!(f.severity, Severity::Error);
}

/// One pod recorded on the real node (`tests/data/lifecycle/FILE.json`, kubelet v1.37.2 with
/// its default gates): the finding it must give, words it must say, codes that must not stand
/// beside it, and whether every other finding must be info (nothing called a fault).
struct Case {
    file: &'static str,
    code: &'static str,
    container: Option<&'static str>,
    severity: Severity,
    says: &'static [&'static str],
    not: &'static [&'static str],
    only_info: bool,
}

const CASES: &[Case] = &[
    // restartPolicy Never; a rule on 42 retried the init container and the app container once.
    Case {
        file: "ruleretry",
        code: "RestartedByRule",
        container: Some("migrate"),
        severity: Severity::Info,
        says: &[
            "restarted 1 time because restartPolicyRules[0] (Restart when the exit code is In [42]) matches exit code 42",
            "although the pod's restartPolicy is Never: these restarts are expected",
            "last exit: code 42 (Error)",
            "spec.initContainers[0].restartPolicyRules",
        ],
        not: &["RestartNeverFailed", "ExitedNonZero", "CrashLoop"],
        only_info: true,
    },
    Case {
        file: "ruleretry",
        code: "RestartedByRule",
        container: Some("app"),
        severity: Severity::Info,
        says: &[
            "spec.containers[0].restartPolicyRules",
            "matches exit code 42",
        ],
        not: &["AppExitedNonZero", "AppCrashLoop"],
        only_info: true,
    },
    // A rule on 42 and a container that always exits 42: retried with the kubelet's back-off;
    // the crash loop stays an error, the rule says why a Never pod restarts at all.
    Case {
        file: "ruleloop",
        code: "RestartedByRule",
        container: Some("app"),
        severity: Severity::Info,
        says: &[
            "restarted 3 times because restartPolicyRules[0] (Restart when the exit code is In [42]) matches exit code 42",
            "it keeps exiting 42, so the kubelet keeps retrying it, with its back-off",
            "kubectl logs ruleloop -n scratch -c app --previous",
        ],
        not: &["AppExitedNonZero"],
        only_info: false,
    },
    Case {
        file: "ruleloop",
        code: "AppCrashLoop",
        container: Some("app"),
        severity: Severity::Error,
        says: &["exits 42 (Error)", "restarted it 3 times"],
        not: &[],
        only_info: false,
    },
    // The same rule, exit 3: its own restartPolicy Never fails the pod (the pod's is Always).
    Case {
        file: "rulenomatch",
        code: "RestartNeverFailed",
        container: Some("migrate"),
        severity: Severity::Error,
        says: &[
            "its own restartPolicy is Never and none of its restartPolicyRules matches exit code 3, so the failure",
            "pod phase Failed, restartPolicy Always",
            "restartPolicyRules[0] (Restart when the exit code is In [42])",
        ],
        not: &["RestartedByRule"],
        only_info: false,
    },
    Case {
        file: "rulenomatch",
        code: "ExitedNonZero",
        container: Some("migrate"),
        severity: Severity::Error,
        says: &["none of its restartPolicyRules matches exit code 3, so it will not run again"],
        not: &[],
        only_info: false,
    },
    // A RestartAllContainers rule on 88: the four states the kubelet wrote, one after another.
    Case {
        file: "inplace-restarting",
        code: "AllContainersRestarting",
        container: Some("app"),
        severity: Severity::Info,
        says: &[
            "the pod is restarting in place: app container app exited with code 88, which its restartPolicyRules[0] (RestartAllContainers when the exit code is In [88]) matches",
            "condition AllContainersRestarting True (RestartAllContainersStarted): container exited with restart policy rule",
            "the Initialized condition stays True",
        ],
        not: &["AppExitedNonZero", "RestartedByRule"],
        only_info: true,
    },
    Case {
        file: "inplace-removed",
        code: "AllContainersRestarting",
        container: Some("app"),
        severity: Severity::Info,
        says: &[
            "the pod has restarted in place: the restartPolicyRules[0] (RestartAllContainers when the exit code is In [88]) of app container app asked for it",
            "removed for the restart (RestartingAllContainers, exit 137 as their last state): setup, app",
            "the exit code that asked for it is not kept",
        ],
        not: &["AppContainersStarting", "AppExitedNonZero", "ExitedNonZero"],
        only_info: true,
    },
    Case {
        file: "inplace-rerun",
        code: "AllContainersRestarting",
        container: Some("app"),
        severity: Severity::Info,
        says: &["ran the init containers again", "removed for the restart"],
        not: &["AppContainersStarting", "AppCrashLoop", "CrashLoop"],
        only_info: true,
    },
    Case {
        file: "inplace-done",
        code: "AllContainersRestarting",
        container: Some("app"),
        severity: Severity::Info,
        says: &[
            "the pod has restarted in place",
            "the Initialized condition stayed True",
        ],
        not: &["AppCrashLoop", "AppOOMKilled", "RestartedByRule"],
        only_info: true,
    },
    // A Job's pod: main completed, the kubelet stopped the sidecars (shipper, then proxy: 143).
    Case {
        file: "jobsidecars",
        code: "SidecarsStopped",
        container: None,
        severity: Severity::Info,
        says: &[
            "the main containers completed, so the kubelet stopped the native sidecars after them, the last declared first (shipper, then proxy)",
            "proxy (init container 1/2): exit code 143: SIGTERM",
            "shipper (init container 2/2): exit code 0",
            "nothing to fix",
        ],
        not: &["ExitedNonZero", "CrashLoop", "SidecarNotStarted"],
        only_info: true,
    },
    // A sidecar whose PID 1 ignores SIGTERM: killed (137) after the grace period (3s).
    Case {
        file: "jobsidecar-killed",
        code: "SidecarsStopped",
        container: None,
        severity: Severity::Info,
        says: &[
            "stopped the native sidecar proxy after them",
            "proxy did not end on SIGTERM: the kubelet killed it after terminationGracePeriodSeconds (3s)",
            "trap TERM",
        ],
        not: &["ExitedNonZero", "OOMKilled"],
        only_info: true,
    },
];

#[test]
fn restart_findings_on_pods_recorded_on_the_real_node() {
    for case in CASES {
        let e = recorded(case.file, &[]);
        let (_, all) = check_recorded(
            &e,
            case.file,
            case.code,
            case.container,
            case.severity,
            case.says,
            case.not,
        );
        if case.only_info {
            assert!(
                all.iter().all(|g| g.severity == Severity::Info),
                "{}: a fault called: {all:#?}",
                case.file
            );
        }
    }
}

/// A container's own `restartPolicy` without rules (ContainerRestartRules): it overrides the
/// pod's both ways, as `ContainerShouldRestart` decides (the kubelet's states, written by hand).
#[test]
fn a_containers_own_restart_policy_overrides_the_pods() {
    // (pod policy, the app's own, its exit code, restarts) → the finding and its words
    let cases = [
        (
            "Never",
            "OnFailure",
            1,
            1,
            "RestartedByRule",
            "because its own restartPolicy is OnFailure, so the kubelet runs it again, although the pod's restartPolicy is Never",
        ),
        (
            "Always",
            "Never",
            1,
            0,
            "AppExitedNonZero",
            "exited with code 1 (Error): its own restartPolicy is Never, so it will not run again",
        ),
        (
            "Never",
            "Always",
            1,
            0,
            "AppExitedNonZero",
            ": its own restartPolicy is Always, so the kubelet runs it again",
        ),
    ];
    for (pods, own, code, restarts, want, says) in cases {
        let mut p = pod(
            json!([]),
            json!({"phase": "Running", "containerStatuses": [
            {"name": "myapp-container", "image": "busybox:1.28", "imageID": "", "ready": restarts > 0,
             "restartCount": restarts,
             "lastState": if restarts > 0 { json!({"terminated": {"exitCode": code, "reason": "Error"}}) } else { json!({}) },
             "state": if restarts > 0 { json!({"running": {"startedAt": "2026-01-01T00:09:00Z"}}) }
                      else { json!({"terminated": {"exitCode": code, "reason": "Error"}}) }}]}),
        );
        p["spec"]["restartPolicy"] = json!(pods);
        p["spec"]["containers"][0]["restartPolicy"] = json!(own);
        let e = evidence(p);
        let f = only(&e, want);
        assert!(f.message.contains(says), "{pods}/{own}: {}", f.message);
    }
}
