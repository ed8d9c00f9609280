//! Who killed a container that ended with 137 (SIGKILL) when the events say: the kubelet, for a
//! failed liveness or startup probe (`Killing` "… failed liveness probe, will be restarted"),
//! for the pod's `activeDeadlineSeconds` (`DeadlineExceeded`), after a `preStop` hook that
//! failed or outlived the grace period (`FailedPreStopHook`), or when it stopped a sidecar once
//! the main containers ended (`Killing` "Stopping container"). Then the exit is not the memory
//! killer's, and the fix is not a memory limit. Pure: the container's events in.

use super::events::PodEvent;

/// Why the kubelet killed the container, and what to change; `None` when no event says so.
pub fn by_kubelet(events: &[&PodEvent]) -> Option<(String, String)> {
    let said = |reason: &str, needle: &str| {
        events.iter().find(|e| {
            e.reason == reason
                && (needle.is_empty() || e.message.to_ascii_lowercase().contains(needle))
        })
    };
    if let Some(e) = said("Killing", "failed liveness probe") {
        return Some((
            format!("its liveness probe failed (\"{}\")", e.message.trim()),
            "fix the liveness probe (initialDelaySeconds, timeoutSeconds, failureThreshold) or what makes the app fail it: the Unhealthy events say what the probe got".into(),
        ));
    }
    if let Some(e) = said("Killing", "failed startup probe") {
        return Some((
            format!("its startup probe never passed (\"{}\")", e.message.trim()),
            "give the startup probe time (failureThreshold × periodSeconds) or fix what it checks"
                .into(),
        ));
    }
    if let Some(e) = said("DeadlineExceeded", "") {
        return Some((
            format!("the pod's activeDeadlineSeconds ran out (\"{}\")", e.message.trim()),
            "raise activeDeadlineSeconds (it counts from the pod's start, init containers included) or make the work shorter".into(),
        ));
    }
    if let Some(e) = said("FailedPreStopHook", "") {
        return Some((
            format!("its preStop hook failed or ran past the grace period (\"{}\")", e.message.trim()),
            "fix the preStop hook, or raise terminationGracePeriodSeconds above the hook's run time".into(),
        ));
    }
    if let Some(e) = said("Killing", "stopping container") {
        return Some((
            format!("the kubelet stopped it (\"{}\") and it did not exit on SIGTERM within the grace period", e.message.trim()),
            "let the program exit on SIGTERM (a shell script: `trap 'exit 0' TERM`, or run the program with exec)".into(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(reason: &str, message: &str) -> PodEvent {
        PodEvent {
            type_: "Normal".into(),
            reason: reason.into(),
            message: message.into(),
            count: 1,
            first_seen: None,
            last_seen: None,
            source: "kubelet".into(),
            container: Some("api".into()),
        }
    }

    #[test]
    fn the_events_name_the_killer() {
        let cases = [
            (
                event(
                    "Killing",
                    "Container api failed liveness probe, will be restarted",
                ),
                Some("liveness probe failed"),
            ),
            (
                event(
                    "Killing",
                    "Container api failed startup probe, will be restarted",
                ),
                Some("startup probe"),
            ),
            (
                event(
                    "DeadlineExceeded",
                    "Pod was active on the node longer than the specified deadline",
                ),
                Some("activeDeadlineSeconds"),
            ),
            (
                event("FailedPreStopHook", "PreStopHook failed"),
                Some("preStop"),
            ),
            (event("Killing", "Stopping container api"), Some("SIGTERM")),
            (
                event("Pulled", "Container image \"x\" already present"),
                None,
            ),
        ];
        for (e, want) in cases {
            let got = by_kubelet(&[&e]).map(|(why, _)| why);
            match want {
                Some(w) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(w)),
                    "{e:?}: {got:?}"
                ),
                None => assert!(got.is_none(), "{e:?}: {got:?}"),
            }
        }
    }
}
