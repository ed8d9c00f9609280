//! A server (a proxy, a database) declared as a plain init container (`ServerAsInitContainer`):
//! it runs and never exits, so the init containers after it and the app never start. The
//! reading of the command is preflight's ([`crate::preflight::server`]); here it is applied to
//! the init container a pod is stuck on while it runs, and it replaces the wait findings that
//! would read the server's command as a wait it does not understand.

use k8s_openapi::api::core::v1::Pod;

use crate::finding::Finding;
use crate::timeline::InitState;

/// Add `ServerAsInitContainer` for the running blocker `row_name` of `pod` when its command
/// serves until stopped; drop its `WaitNotUnderstood`.
pub fn reconcile(pod: &Pod, row_name: &str, state: InitState, findings: &mut Vec<Finding>) {
    if state != InitState::Running {
        return;
    }
    let Some(server) = crate::preflight::server::servers(pod)
        .into_iter()
        .find(|f| f.container.as_deref() == Some(row_name))
    else {
        return;
    };
    findings.retain(|f| {
        !(f.container.as_deref() == Some(row_name)
            && matches!(
                f.code.as_str(),
                "WaitNotUnderstood" | "ServerAsInitContainer"
            ))
    });
    findings.push(server);
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use crate::diagnosis::diagnose;
    use serde_json::json;

    #[test]
    fn a_running_server_in_init_containers_is_named_and_a_finished_one_is_not() {
        let proxy = json!({"name": "cloudsql-proxy", "image": "gcr.io/cloudsql-docker/gce-proxy:1.11",
            "command": ["/cloud_sql_proxy", "-instances=p:r:db=tcp:3306"]});
        let running = json!({"name": "cloudsql-proxy", "image": "gce-proxy", "imageID": "", "ready": false,
            "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}}});
        let done = json!({"name": "cloudsql-proxy", "image": "gce-proxy", "imageID": "", "ready": true,
            "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed",
              "startedAt": "2026-01-01T00:00:01Z", "finishedAt": "2026-01-01T00:00:02Z"}}});
        for (status, want) in [(running, true), (done, false)] {
            let e = evidence(pod(
                json!([proxy.clone()]),
                json!({"phase": "Pending", "initContainerStatuses": [status]}),
            ));
            let d = diagnose(&e, NOW.parse().unwrap());
            let found = d
                .findings
                .iter()
                .find(|f| f.code == "ServerAsInitContainer");
            assert_eq!(found.is_some(), want, "{:#?}", d.findings);
            if let Some(f) = found {
                assert!(f.hint.contains("restartPolicy: Always"), "{}", f.hint);
                assert!(!d.findings.iter().any(|f| f.code == "WaitNotUnderstood"));
            }
        }
    }
}
