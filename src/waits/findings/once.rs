//! A check that runs once is not a wait: when what it needs is missing it fails, the init
//! container exits non-zero and the kubelet restarts it with back-off. Such findings become
//! `CheckWillFail` ("will fail: no Service db …"), keeping the cause's code in the evidence and
//! its fix, plus the loop that would make it a wait.

use super::one_line;
use crate::command::{Check, Extraction, Mode, Target};
use crate::finding::{Finding, Severity};

/// The code of a one-shot check whose target is not there.
pub const CHECK_WILL_FAIL: &str = "CheckWillFail";

/// Causes a one-shot check fails on: the target is missing or has nothing behind it. Other
/// findings (it resolves, it is external, the value is unknown) keep their code.
const MISSING: &[&str] = &[
    "ServiceNotFound",
    "ServiceInOtherNamespace",
    "ServiceNameTypo",
    "ServiceNoEndpoints",
    "ServiceEndpointsNotReady",
    "HeadlessNotResolvable",
    "ServicePortMismatch",
    "DnsPolicyBypassesClusterDns",
    "BusyboxNslookupQuirk",
    "PingClusterIp",
    "WaitsOnLocalhost",
];

/// Whether `check` runs once against a host or a local port (not a loop, not a timed wait).
pub(super) fn runs_once(check: &Check) -> bool {
    check.mode == Mode::Once && matches!(check.target, Target::Host(_) | Target::Local { .. })
}

/// Whether a failure of one-shot `check` fails the container: nothing handles it (`||`, `if`,
/// `!`), and it is the container's command, ends the script (its last and-or list: `X` and
/// `X && Y` last), or the shell stops at the first failure (`set -e`).
fn fails_container(ext: &Extraction, check: &Check) -> bool {
    !check.handled && (ext.script.is_none() || ext.errexit || check.ends_script)
}

/// `f`, about `check`, as what a check run once does: the failure it will be when its cause
/// is a missing target (`CheckWillFail`); a note, and a lower severity, when its failure is
/// handled or the script goes on; unchanged for checks that are retried.
pub(super) fn annotate(ext: &Extraction, check: &Check, f: &mut Finding) {
    if !runs_once(check) {
        return;
    }
    if check.handled {
        f.severity = f.severity.min(Severity::Info);
        f.evidence.push(
            "it runs once and its failure is handled (`||`, `if`): the container goes on either way".into(),
        );
        return;
    }
    if !fails_container(ext, check) {
        f.severity = f.severity.min(Severity::Warning);
        f.evidence.push(
            "it runs once and the script goes on when it fails (no `set -e`): it holds nothing back, but what follows may need it".into(),
        );
        return;
    }
    if f.severity != Severity::Error || !MISSING.contains(&f.code.as_str()) {
        f.evidence.push(
            "it runs once: when it fails the container exits non-zero and is restarted with back-off".into(),
        );
        return;
    }
    let container = &ext.container;
    let cause = std::mem::replace(&mut f.code, CHECK_WILL_FAIL.to_string());
    f.evidence.insert(0, format!("cause: {cause}"));
    f.evidence.push(format!(
        "it runs once, not in a loop: it fails, {container} exits non-zero and is restarted with back-off"
    ));
    f.message = format!("will fail: {}", f.message);
    let retry = format!(
        "if it should wait instead, retry it: `until {}; do sleep 2; done`",
        one_line(&check.fragment, 120)
    );
    f.hint = if f.hint.is_empty() {
        retry
    } else {
        format!("{}\n\n{retry}", f.hint)
    };
}
