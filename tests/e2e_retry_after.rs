//! End to end: a read answered 429 is made again after the wait the server asked for in its
//! `Retry-After` header, bounded by `--request-timeout`. The server is a stand-in on loopback
//! (`hostile::throttled`) that answers as the API server's own throttling does (a plain-text
//! 429 whose wait is only in the header) twice, then lists no pods; it records when each
//! request came, so the test counts them and measures the waits between them.

mod common;
mod hostile;

use std::time::Duration;

use hostile::{run, scratch, throttled};
use serde_json::json;

const NO_PODS: &str =
    r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]}"#;

#[test]
fn a_429_is_made_again_after_its_retry_after_bounded_by_the_request_timeout() {
    // (Retry-After asked, --request-timeout, the wait wanted between two requests)
    let cases = [
        (2, "10s", Duration::from_secs(2)),
        (3, "10s", Duration::from_secs(3)),
        (30, "1s", Duration::from_secs(1)),
    ];
    let dir = scratch("retry-after");
    for (asked, timeout, wait) in cases {
        let server = throttled(2, asked, NO_PODS);
        let kubeconfig = json!({
            "apiVersion": "v1", "kind": "Config", "current-context": "t",
            "clusters": [{"name": "t", "cluster": {"server": format!("http://127.0.0.1:{}", server.port)}}],
            "users": [{"name": "t", "user": {"token": "t"}}],
            "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}],
        });
        let path = dir.join(format!("kubeconfig-{asked}"));
        std::fs::write(&path, kubeconfig.to_string()).unwrap();
        let args: Vec<String> = [
            "--kubeconfig",
            &path.display().to_string(),
            "explain",
            "-n",
            "default",
            "--request-timeout",
            timeout,
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
        let out = run(&args, &[], Duration::from_secs(30));
        let what = format!("Retry-After {asked}, --request-timeout {timeout}");
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        assert_eq!(
            out.stdout, "No pods are blocked in initialization or not Ready.\n",
            "{what}"
        );
        let arrivals = server.arrivals();
        let lists: Vec<_> = arrivals
            .iter()
            .filter(|(_, line)| line.starts_with("GET /api/v1/namespaces/default/pods?"))
            .collect();
        assert_eq!(
            lists.len(),
            3,
            "{what}: two refused, one answered: {arrivals:?}"
        );
        for pair in lists.windows(2) {
            let gap = pair[1].0 - pair[0].0;
            assert!(
                gap >= wait && gap < wait + Duration::from_millis(900),
                "{what}: waited {gap:?}, wanted {wait:?}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
