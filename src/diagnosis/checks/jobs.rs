//! Pods that run to completion (a Job's, or any pod with `restartPolicy: Never`/`OnFailure`)
//! and never do: `SidecarKeepsJobRunning`, an ordinary container (a mesh proxy, a log shipper,
//! a database proxy) still running after the main container has completed. The pod is
//! `Succeeded` only once every container has ended, so the Job waits forever. A native sidecar
//! (an init container with `restartPolicy: Always`) is stopped by the kubelet once the app
//! containers end, which is the fix.

use k8s_openapi::api::core::v1::ContainerStatus;

use super::context::{Context, finding, one_line};
use crate::finding::{Finding, Severity};

/// Known proxies' own ways to stop when the main container is done, by image substring.
const QUIT: &[(&str, &str)] = &[
    (
        "istio/proxy",
        "or have the main container stop Istio's agent when it is done: curl -fsS -X POST http://localhost:15020/quitquitquit",
    ),
    (
        "cloud-sql-proxy",
        "or start the proxy with --quitquitquit and have the main container POST to http://localhost:9091/quitquitquit when it is done",
    ),
    (
        "linkerd",
        "or have the main container stop the proxy when it is done (linkerd-await --shutdown -- CMD)",
    ),
];

/// `SidecarKeepsJobRunning`: in a pod that runs to completion, an app container has completed
/// (exit 0) while another ordinary container still runs.
pub fn check_sidecar_keeps_job_running(cx: &Context) -> Option<Finding> {
    if !matches!(cx.restart_policy(), "Never" | "OnFailure") || cx.finished() {
        return None;
    }
    let statuses: Vec<&ContainerStatus> = cx.apps.iter().filter_map(|c| c.status).collect();
    let completed: Vec<(&str, Option<jiff::Timestamp>)> = statuses
        .iter()
        .filter_map(|s| {
            let t = s.state.as_ref()?.terminated.as_ref()?;
            (t.exit_code == 0).then_some((s.name.as_str(), t.finished_at.as_ref().map(|f| f.0)))
        })
        .collect();
    let running: Vec<&ContainerStatus> = statuses
        .iter()
        .copied()
        .filter(|s| s.state.as_ref().is_some_and(|st| st.running.is_some()))
        .collect();
    let (main, finished) = completed.first()?;
    let sidecar = running.first()?;
    let since = finished
        .map(|t| {
            format!(
                " for {}",
                crate::diagnosis::short_duration(crate::diagnosis::seconds_between(t, cx.now))
            )
        })
        .unwrap_or_default();
    let job = job_name(cx);
    let whole = match &job {
        Some(job) => format!("Job {job:?} never completes"),
        None => "the pod never completes".to_string(),
    };
    let mut f = finding(
        "SidecarKeepsJobRunning",
        Severity::Error,
        Some(&sidecar.name),
        format!(
            "keeps running after {main:?} completed{since}: a pod with restartPolicy {} ends only when every container has ended, so {whole} while it runs (a proxy or other sidecar never exits on its own)",
            cx.restart_policy()
        ),
    );
    for s in &statuses {
        let state = s.state.as_ref();
        let line = match (
            state.and_then(|st| st.terminated.as_ref()),
            state.and_then(|st| st.running.as_ref()),
        ) {
            (Some(t), _) => format!(
                "container {:?}: terminated, exit code {} ({})",
                s.name,
                t.exit_code,
                t.reason.as_deref().unwrap_or("")
            ),
            (None, Some(r)) => format!(
                "container {:?}: running since {}",
                s.name,
                r.started_at
                    .as_ref()
                    .map_or("?".into(), |t| t.0.to_string())
            ),
            _ => continue,
        };
        f.evidence.push(one_line(&line));
    }
    if let Some(job) = &job {
        f.evidence.push(format!("owned by Job {job:?}"));
    }
    let image = cx
        .apps
        .iter()
        .find(|c| c.name() == sidecar.name)
        .and_then(|c| c.spec)
        .and_then(|s| s.image.as_deref())
        .unwrap_or("");
    let quit = QUIT
        .iter()
        .find(|(part, _)| image.contains(part))
        .map_or_else(
            || "or have the main container tell it to exit when it is done".to_string(),
            |(_, how)| (*how).to_string(),
        );
    f.hint = format!(
        "make {:?} a native sidecar: move it from spec.containers to spec.initContainers with restartPolicy: Always (Kubernetes 1.29+; the kubelet stops it once the app containers end), {quit}",
        sidecar.name
    );
    Some(f)
}

/// The pod's Job: its controller reference, else the Job controller's labels.
fn job_name(cx: &Context) -> Option<String> {
    let meta = &cx.pod.metadata;
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.kind == "Job")
        .map(|r| r.name.clone())
        .or_else(|| {
            let labels = meta.labels.as_ref()?;
            labels
                .get("batch.kubernetes.io/job-name")
                .or_else(|| labels.get("job-name"))
                .cloned()
        })
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use serde_json::{Value, json};

    fn job_pod(policy: &str, proxy_image: &str, main: Value, proxy: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "backup-1-x", "namespace": "shop", "uid": "u1",
                "labels": {"batch.kubernetes.io/job-name": "backup-1"}},
            "spec": {"restartPolicy": policy, "nodeName": "n1", "containers": [
                {"name": "backup", "image": "backup:1"},
                {"name": "istio-proxy", "image": proxy_image}]},
            "status": {"phase": "Running", "conditions": [
                    {"type": "Initialized", "status": "True"},
                    {"type": "Ready", "status": "False"}],
                "containerStatuses": [
                    {"name": "backup", "ready": false, "restartCount": 0, "image": "backup:1", "imageID": "", "state": main},
                    {"name": "istio-proxy", "ready": true, "restartCount": 0, "image": proxy_image, "imageID": "", "state": proxy}]}
        })
    }

    fn done(code: i32) -> Value {
        json!({"terminated": {"exitCode": code, "reason": if code == 0 { "Completed" } else { "Error" },
            "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:01:00Z"}})
    }

    fn running() -> Value {
        json!({"running": {"startedAt": "2026-01-01T00:00:00Z"}})
    }

    #[test]
    fn a_proxy_running_after_the_main_container_completed() {
        let cases = [
            // (restartPolicy, proxy image, main, proxy, found, words in the hint)
            (
                "Never",
                "docker.io/istio/proxyv2:1.20",
                done(0),
                running(),
                true,
                "15020/quitquitquit",
            ),
            (
                "OnFailure",
                "envoy:1",
                done(0),
                running(),
                true,
                "tell it to exit",
            ),
            ("Always", "envoy:1", done(0), running(), false, ""),
            ("Never", "envoy:1", running(), running(), false, ""),
            ("Never", "envoy:1", done(1), running(), false, ""),
            ("Never", "envoy:1", done(0), done(0), false, ""),
        ];
        for (policy, image, main, proxy, found, hint) in cases {
            let e = evidence(job_pod(policy, image, main, proxy));
            let got = findings(&e)
                .into_iter()
                .find(|f| f.code == "SidecarKeepsJobRunning");
            assert_eq!(got.is_some(), found, "{policy} {image}");
            if let Some(f) = got {
                assert_eq!(f.container.as_deref(), Some("istio-proxy"));
                assert!(f.message.contains("\"backup\" completed"), "{}", f.message);
                assert!(
                    f.message.contains("Job \"backup-1\" never completes"),
                    "{}",
                    f.message
                );
                assert!(f.hint.contains("restartPolicy: Always"), "{}", f.hint);
                assert!(f.hint.contains(hint), "{}", f.hint);
            }
        }
    }
}
