//! The app containers as the init blocker is examined: `AppCrashLoop`, `AppExitedNonZero`,
//! `AppOOMKilled`, `AppImagePullFailed`, `AppConfigMissing` (`AppContainerConfigError`) are the crash and image checks run on each app
//! container (and native sidecar that is not the blocker), unless a lifecycle finding already
//! says why it ended (killed by a probe, by a failed postStart, or a port already bound).

use super::context::{Blocker, Context};
use super::{config, crash, image, network, probes};
use crate::finding::Finding;

/// The checks run on each container, as on the blocker.
const CHECKS: [fn(&Context, &Blocker) -> Option<Finding>; 5] = [
    config::config_missing,
    crash::crash_loop,
    crash::exited_non_zero,
    crash::oom_killed,
    image::image_pull_failed,
];

/// Every App* finding of the pod, and the same findings about the native sidecars that have
/// started and are not the blocker (about an init container: the codes without `App`).
pub fn app_containers(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let blocker = cx.blocker.as_ref().map(Blocker::name);
    let started_sidecars = cx
        .sidecars
        .iter()
        .filter(|s| Some(s.name()) != blocker && s.row.started == Some(true));
    for c in started_sidecars.chain(&cx.apps) {
        if explained_elsewhere(cx, c) {
            continue;
        }
        out.extend(CHECKS.iter().filter_map(|check| check(cx, c)));
    }
    out
}

/// True when a lifecycle finding says why this container ended: a crash finding would repeat it.
fn explained_elsewhere(cx: &Context, c: &Blocker) -> bool {
    probes::killed_by_probe(cx, c.name())
        || !cx
            .container_events(c.name(), &["FailedPostStartHook"])
            .is_empty()
        || network::bind_failed(c)
}
