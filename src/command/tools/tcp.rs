//! TCP tools: a host and a port (`nc -z`, `telnet`), and `ping`, which only needs the name to
//! resolve and the host to answer ICMP.

use super::{Call, one};
use crate::command::Target;
use crate::command::args::{host_target, opts};

pub(super) fn ping(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(args, "cWwisItlQSMp", &[]);
    o.positional
        .first()
        .map(|a| {
            let mut t = host_target(a, None, None);
            t.port = None;
            one(t)
        })
        .unwrap_or_default()
}

pub(super) fn nc(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(
        args,
        "wipsqWXxTIOPeg",
        &[
            "--wait",
            "--source-port",
            "--source",
            "--proxy",
            "--proxy-type",
            "--idle-timeout",
        ],
    );
    match o.positional.as_slice() {
        [h, p, ..] => one(host_target(h, Some(p), None)),
        [h] => one(host_target(h, None, None)),
        [] => Vec::new(),
    }
}

pub(super) fn telnet(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(args, "bleknX", &[]);
    match o.positional.as_slice() {
        [h, p, ..] => one(host_target(h, Some(p), None)),
        [h] => one(host_target(h, None, Some(23))),
        [] => Vec::new(),
    }
}
