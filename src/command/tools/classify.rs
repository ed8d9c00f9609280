//! Which tool a command names: its name, and for kubectl its subcommand after kubectl's own
//! global options (`kubectl -n NS rollout status …`).

use super::{Spec, TOOLS};
use crate::command::args::Arg;

/// The tool a command name denotes (`args[1]`, the first argument, for `kubectl wait`; for
/// kubectl, the first after its global options: `kubectl -n NS rollout status …`).
pub(in crate::command) fn classify(name: &str, args: &[Arg]) -> Option<&'static Spec> {
    let sub = match name {
        "kubectl" => kubectl_subcommand(args),
        _ => args.get(1).and_then(|a| a.known()),
    };
    TOOLS.iter().find(|s| {
        s.commands.iter().any(|c| match c.split_once(' ') {
            Some((command, first)) => command == name && sub == Some(first),
            None => *c == name,
        })
    })
}

/// kubectl's global options that take a value in the next word (kubectl's `--help`).
const KUBECTL_VALUED: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--kubeconfig",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "--token",
    "--request-timeout",
    "--as",
    "--as-group",
    "--cache-dir",
];

/// kubectl's subcommand: its first argument that is not a global option or an option's value.
fn kubectl_subcommand(args: &[Arg]) -> Option<&str> {
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        let t = a.known()?;
        if !t.starts_with('-') {
            return Some(t);
        }
        if KUBECTL_VALUED.contains(&t) {
            rest.next();
        }
    }
    None
}
