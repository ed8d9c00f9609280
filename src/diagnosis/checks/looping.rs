//! Whether a Ready container is still in its crash loop. A Ready container has usually
//! recovered and its past crashes are history; but a container without a readiness probe is
//! Ready whenever it runs, so one that exits every few seconds is Ready between its crashes
//! (seen on the real node: a native sidecar restarted every few seconds, the pod Ready). The
//! loop goes on while its last restart and the kubelet's last `BackOff` are more recent than
//! the longest back-off.

use super::context::{Blocker, Context};

/// The kubelet's longest back-off between two restarts (5 minutes).
const MAX_BACK_OFF_SECONDS: i64 = 300;

/// True when `c` has restarted at least twice, its current instance started within the longest
/// back-off, and the kubelet's `BackOff` about it was seen within it too.
pub fn still_looping(cx: &Context, c: &Blocker) -> bool {
    let recent = |t: Option<jiff::Timestamp>| {
        t.is_some_and(|t| crate::timeline::seconds_between(t, cx.now) <= MAX_BACK_OFF_SECONDS)
    };
    let started = c
        .status
        .and_then(|s| s.state.as_ref()?.running.as_ref()?.started_at.as_ref())
        .map(|t| t.0);
    c.row.restarts >= 2
        && recent(started)
        && cx
            .events(Some(c.name()), &["BackOff"])
            .iter()
            .any(|e| recent(e.last_seen))
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    /// A Ready pod whose native sidecar `agent` runs since `started`, restarted `restarts`
    /// times, its last exit 3; the kubelet's BackOff about it last seen at 00:09:00.
    fn codes(started: &str, restarts: i32) -> Vec<String> {
        let p = pod(
            json!([{"name": "agent", "image": "busybox", "restartPolicy": "Always", "command": ["sh", "-c", "exit 3"]}]),
            json!({"phase": "Running",
                   "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
                   "initContainerStatuses": [{"name": "agent", "image": "busybox", "imageID": "", "ready": true,
                       "started": true, "restartCount": restarts, "state": {"running": {"startedAt": started}},
                       "lastState": {"terminated": {"exitCode": 3, "reason": "Error",
                           "startedAt": "2026-01-01T00:08:50Z", "finishedAt": "2026-01-01T00:08:52Z"}}}],
                   "containerStatuses": [{"name": "myapp-container", "image": "busybox:1.28", "imageID": "",
                       "ready": true, "started": true, "restartCount": 0, "state": {"running": {}}}]}),
        );
        let e = with_events(
            evidence(p),
            vec![event(
                Some("agent"),
                "Warning",
                "BackOff",
                "Back-off restarting failed container agent",
                4,
            )],
        );
        findings(&e)
            .into_iter()
            .filter(|f| f.container.as_deref() == Some("agent"))
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn a_ready_sidecar_restarted_within_the_back_off_is_still_looping() {
        // (case, current instance started at, restarts, a crash loop named)
        let cases = [
            (
                "restarted 10 s ago, the fourth time",
                "2026-01-01T00:09:50Z",
                4,
                true,
            ),
            (
                "restarted once: not yet a loop",
                "2026-01-01T00:09:50Z",
                1,
                false,
            ),
            (
                "started long before the last BackOff's window",
                "2025-12-31T23:00:00Z",
                4,
                false,
            ),
        ];
        for (case, started, restarts, looping) in cases {
            let got = codes(started, restarts);
            assert_eq!(
                got.iter().any(|c| c == "CrashLoop"),
                looping,
                "{case}: {got:?}"
            );
        }
    }
}
