//! bash's `/dev/tcp/HOST/PORT` redirections (`exec 3<>/dev/tcp/db/5432`, `9<>/dev/tcp/…`):
//! bash connects to HOST:PORT to open them. Other shells open a file that does not exist, so
//! they are read only in scripts bash runs.

use super::Call;
use crate::command::args::{Arg, host_target};
use crate::command::{HostTarget, Target};

/// Never named by a command: found by the shell reader in redirections.
pub(super) fn none(_: &mut Call) -> Vec<Target> {
    Vec::new()
}

/// The host and port of a `/dev/tcp/HOST/PORT` path.
pub fn dev_tcp(path: &Arg) -> Option<Target> {
    let rest = path.text.strip_prefix("/dev/tcp/")?;
    let written = path
        .written
        .strip_prefix("/dev/tcp/")
        .unwrap_or(&path.written);
    let (host, port) = rest.split_once('/')?;
    let (whost, wport) = written.split_once('/').unwrap_or((written, ""));
    if host.is_empty() || port.is_empty() || port.contains('/') {
        return None;
    }
    let arg = |text: &str, written: &str| Arg {
        written: written.to_string(),
        text: text.to_string(),
        unknowns: path.unknowns.clone(),
        notes: path.notes.clone(),
    };
    let t: HostTarget = host_target(&arg(host, whost), Some(&arg(port, wport)), None);
    Some(Target::Host(t))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Env, Seen, seen_in};

    #[test]
    fn dev_tcp_forms() {
        let cases: &[(&str, &str, Env, Vec<Seen>)] = &[
            (
                "bash",
                "until timeout 2 bash -c \"9<>/dev/tcp/${H}/${P}\"; do sleep 2; done",
                &[("H", "pg"), ("P", "5432")],
                vec![("bash", "pg", Some(5432), "Loop")],
            ),
            (
                "bash",
                "until exec 3<>/dev/tcp/db/3306; do sleep 1; done",
                &[],
                vec![("bash", "db", Some(3306), "Loop")],
            ),
            // sh opens a file named /dev/tcp/db/3306: no connection at all.
            (
                "sh",
                "until 3<>/dev/tcp/db/3306; do sleep 1; done",
                &[],
                vec![],
            ),
        ];
        for (shell, script, env, want) in cases {
            assert_eq!(seen_in(shell, script, env), *want, "{script}");
        }
    }
}
