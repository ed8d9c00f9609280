//! What is read, made honest: checks that are not waits dropped (a one-shot download from
//! outside the cluster; a request to the API server, said not understood), discovery scripts
//! settled (see [`super::discovery`]), and a loop that waits on nothing read said.

use super::shell;
use super::{Check, Extraction, Mode, Target};

/// Drop what is not a wait: one-shot downloads from outside the cluster; requests to the API
/// server are said not understood (what they wait on is in the API's answer).
pub(super) fn settle(out: &mut Extraction) {
    let api: Vec<String> = out
        .checks
        .iter()
        .filter(|c| api_server_request(c))
        .map(|c| format!("{} (a request to the Kubernetes API)", c.fragment))
        .collect();
    for a in api {
        if !out.not_understood.contains(&a) {
            out.not_understood.push(a);
        }
    }
    let dropped: Vec<Target> = out
        .checks
        .iter()
        .filter(|c| external_download(c) || api_server_request(c))
        .map(|c| c.target.clone())
        .collect();
    out.connects.extend(dropped);
    out.checks
        .retain(|c| !external_download(c) && !api_server_request(c));
    super::discovery::settle(out);
}

/// A script that waits in a loop yet gave no check and nothing not understood: the loop's
/// condition is said not read, so that no waiting container goes without a word.
pub(super) fn never_silent(commands: &[shell::SimpleCommand], out: &mut Extraction) {
    // A `sleep` inside the loop is its poll interval, not what it waits on.
    let polls_only = out
        .checks
        .iter()
        .all(|c| c.in_loop && matches!(c.target, Target::Sleep { .. }));
    if !polls_only || !out.not_understood.is_empty() {
        return;
    }
    if let Some(c) = loop_condition(commands, 0) {
        out.not_understood
            .push(format!("{} (the condition of a loop)", c.raw));
    }
}

/// The first loop condition of a script (a `while`/`until` test, or an `if` test in such a
/// loop's body), or of a here-document it feeds to a shell
/// (`bash <<'EOF' … EOF`), at most 8 here-documents deep.
fn loop_condition(
    commands: &[shell::SimpleCommand],
    depth: usize,
) -> Option<&shell::SimpleCommand> {
    commands
        .iter()
        .find(|c| {
            let trivial = matches!(c.raw.trim(), "true" | ":" | "false");
            match c.ctx.guard {
                Some(shell::Guard::Until | shell::Guard::While) => {
                    c.ctx.in_loop.is_some() && !trivial
                }
                // `while true; do if TEST; then exit 0; fi; …; done`: the test in the body is
                // what ends the loop.
                Some(shell::Guard::If) => {
                    matches!(c.ctx.in_loop, Some(shell::Loop::While | shell::Loop::Until))
                        && !trivial
                }
                None => false,
            }
        })
        .or_else(|| {
            if depth >= 8 {
                return None;
            }
            commands
                .iter()
                .filter_map(|c| c.stdin_script.as_deref())
                .find_map(|body| loop_condition(body, depth + 1))
        })
}

/// True for a request to the Kubernetes API server (`https://kubernetes.default.svc/api/…`):
/// what such a script waits on is in the API's answer, not in the server being up.
fn api_server_request(c: &Check) -> bool {
    use super::{Part, Target, Tool};
    if !matches!(c.tool, Tool::Curl | Tool::Wget) {
        return false;
    }
    let Target::Host(h) = &c.target else {
        return false;
    };
    matches!(&h.host, Part::Known(host) if matches!(
        host.trim_end_matches('.'),
        "kubernetes" | "kubernetes.default" | "kubernetes.default.svc" | "kubernetes.default.svc.cluster.local"
    ))
}

/// True for a check that runs once and downloads from outside the cluster: not a wait.
pub(super) fn external_download(c: &Check) -> bool {
    use super::{Part, Target, Tool};
    if c.mode != Mode::Once || !matches!(c.tool, Tool::Curl | Tool::Wget) {
        return false;
    }
    let Target::Host(h) = &c.target else {
        return false;
    };
    let Part::Known(host) = &h.host else {
        return false;
    };
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    // In-cluster names: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`, pod hostnames under a
    // Service; an address is never called external.
    labels.len() >= 3
        && labels[2] != "svc"
        && !labels.contains(&"svc")
        && !labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit()))
}
