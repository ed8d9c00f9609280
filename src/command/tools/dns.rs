//! DNS tools: they ask a name server (`nslookup`, `dig`, `host`) or the resolver
//! (`getent hosts`).

use super::{Call, one};
use crate::command::Target;
use crate::command::args::{Arg, host_target, opts};

pub(super) fn nslookup(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(args, "", &[]);
    o.positional
        .first()
        .map(|a| one(host_target(a, None, None)))
        .unwrap_or_default()
}

pub(super) fn dig(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let args: Vec<Arg> = args
        .iter()
        .filter(|a| !a.text.starts_with('@') && !a.text.starts_with('+'))
        .cloned()
        .collect();
    let o = opts(&args, "bcfkpqtxy", &[]);
    const TYPES: &[&str] = &[
        "a", "aaaa", "srv", "mx", "txt", "cname", "ns", "any", "ptr", "soa", "in", "caa", "ds",
        "dnskey",
    ];
    let name = o.get(&["-q"]).or_else(|| {
        o.positional
            .iter()
            .find(|a| !TYPES.contains(&a.text.to_ascii_lowercase().as_str()))
    });
    name.map(|a| one(host_target(a, None, None)))
        .unwrap_or_default()
}

pub(super) fn host(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(args, "ctmNRW", &[]);
    o.positional
        .first()
        .map(|a| one(host_target(a, None, None)))
        .unwrap_or_default()
}

pub(super) fn getent(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(args, "s", &["--service"]);
    match (
        o.positional.first().and_then(|a| a.known()),
        o.positional.get(1),
    ) {
        (Some("hosts" | "ahosts" | "ahostsv4" | "ahostsv6"), Some(a)) => {
            one(host_target(a, None, None))
        }
        _ => Vec::new(),
    }
}
