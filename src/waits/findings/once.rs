//! A check that runs once is not a wait: when what it needs is missing it fails, the init
//! container exits non-zero and the kubelet restarts it with back-off. Such findings become
//! `CheckWillFail` ("will fail: no Service db …"), keeping the cause's code in the evidence and
//! its fix, plus the loop that would make it a wait.

use super::one_line;
use crate::finding::{Finding, Severity};
use crate::waits::command::{Check, Mode, Target};

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

/// `f`, about one-shot `check`, as the failure it will be when its cause is a missing target;
/// unchanged otherwise.
pub(super) fn will_fail(check: &Check, container: &str, f: &mut Finding) {
    if !runs_once(check) || f.severity != Severity::Error || !MISSING.contains(&f.code.as_str()) {
        return;
    }
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
