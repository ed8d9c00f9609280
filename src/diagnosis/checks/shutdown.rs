//! How a pod with native sidecars ends: `SidecarsStopped`. Once every main container has
//! terminated (a Job's pod completing), the kubelet stops the native sidecars, the last
//! declared first, each after the ones declared after it have ended, within the pod's grace
//! period (kubernetes/pkg/kubelet/kuberuntime/kuberuntime_termination_order.go). A sidecar's
//! exit on the way down (143 after SIGTERM, 137 when it outlived the grace period, 0 when it
//! handled the signal) is not a failure: the pod's phase comes from the main containers.

use jiff::Timestamp;

use super::context::{Blocker, Context, finding};
use crate::diagnosis::exits;
use crate::finding::{Finding, Severity};
use crate::timeline::{InitState, seconds_between};

/// Every main container has terminated and the kubelet has stopped the native sidecars: in
/// which order, with which exit codes, and whether one outlived the grace period.
pub fn check_sidecars_stopped(cx: &Context) -> Option<Finding> {
    if cx.sidecars.is_empty() || cx.apps.is_empty() {
        return None;
    }
    let main_ended: Vec<Timestamp> = cx
        .apps
        .iter()
        .map(|c| {
            (c.row.state == InitState::Terminated)
                .then_some(c.row.finished_at)
                .flatten()
        })
        .collect::<Option<_>>()?;
    let last_main = main_ended.into_iter().max()?;
    let mut stopped: Vec<&Blocker> = cx
        .sidecars
        .iter()
        .filter(|s| s.row.state == InitState::Terminated)
        .filter(|s| s.row.finished_at.is_some_and(|at| at >= last_main))
        .collect();
    if stopped.is_empty() {
        return None;
    }
    // The order they ended in; the same second, the later declared first (the kubelet's order).
    stopped.sort_by_key(|s| (s.row.finished_at, std::cmp::Reverse(s.row.index)));
    let grace = cx.grace_seconds();
    let outlived: Vec<&str> = stopped
        .iter()
        .filter(|s| {
            s.row.exit_code == Some(137)
                && s.row
                    .finished_at
                    .is_some_and(|at| seconds_between(last_main, at) >= grace)
        })
        .map(|s| s.name())
        .collect();
    let names: Vec<&str> = stopped.iter().map(|s| s.name()).collect();
    let how = if cx.diagnosis.phase == "Succeeded" {
        "completed"
    } else {
        "ended"
    };
    let mut f = finding(
        "SidecarsStopped",
        Severity::Info,
        None,
        format!(
            "the main containers {how}, so the kubelet stopped {}: exit codes on the way down (143 after SIGTERM, 137 past the grace period) are not failures",
            if let [one] = names.as_slice() {
                format!("the native sidecar {one} after them")
            } else {
                format!(
                    "the native sidecars after them, the last declared first ({})",
                    names.join(", then ")
                )
            }
        ),
    );
    f.evidence.push(format!(
        "the last main container ended at {last_main}; pod phase {}",
        cx.diagnosis.phase
    ));
    for s in &stopped {
        let code = s.row.exit_code.unwrap_or_default();
        let after = s
            .row
            .finished_at
            .map(|at| seconds_between(last_main, at))
            .unwrap_or_default();
        f.evidence.push(format!(
            "{} (init container {}/{}): {}, {after}s after the main containers",
            s.name(),
            s.row.index + 1,
            cx.diagnosis.init_containers.len(),
            exits::explain(code)
        ));
    }
    f.hint = if outlived.is_empty() {
        "nothing to fix: this is how a pod with native sidecars ends".into()
    } else {
        f.evidence.push(format!(
            "{} did not end on SIGTERM: the kubelet killed {} after terminationGracePeriodSeconds ({grace}s), which delayed the pod's end",
            outlived.join(", "),
            if outlived.len() == 1 { "it" } else { "them" }
        ));
        format!(
            "nothing is broken, but {} holds the pod's end back by the grace period: make it exit on SIGTERM (a container's PID 1 ignores the signals it has no handler for: trap TERM in a shell script, or run the program under an init such as tini)",
            outlived.join(", ")
        )
    };
    Some(f)
}
