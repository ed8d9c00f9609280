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
