//! Timed waits: `sleep N` in an init container (`TimedWait`).

use jiff::Timestamp;

use super::new;
use crate::command::{Check, Extraction};
use crate::finding::{Finding, Severity};
use crate::timeline::{InitContainerRow, InitState};

pub(super) fn timed_wait(
    ext: &Extraction,
    check: &Check,
    written: &str,
    seconds: Option<u64>,
    row: Option<&InitContainerRow>,
    now: Timestamp,
) -> Vec<Finding> {
    let running_for = row
        .filter(|r| r.state == InitState::Running)
        .and_then(|r| r.started_at)
        .map(|s| crate::timeline::seconds_between(s, now) as u64);
    let Some(total) = seconds else {
        let mut f = new(
            "TimedWait",
            Severity::Error,
            ext,
            check,
            format!("`sleep {written}` never ends: this init container never completes"),
        );
        f.hint = "an init container must exit: run this as an app container or a native sidecar (restartPolicy: Always)".into();
        return vec![f];
    };
    let message = match running_for {
        Some(elapsed) if elapsed < total => format!(
            "a timed wait: sleeps {total}s, about {}s left (running for {elapsed}s)",
            total - elapsed
        ),
        Some(elapsed) => format!(
            "a timed wait of {total}s, over by now (running for {elapsed}s): what runs after it holds the container"
        ),
        None => format!("a timed wait: sleeps {total}s"),
    };
    let mut f = new("TimedWait", Severity::Info, ext, check, message);
    f.hint = "nothing to do but wait; shorten the sleep in the spec if it is too long".into();
    vec![f]
}
