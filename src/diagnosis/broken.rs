//! A wait loop that can never pass, read from its own log: the command it repeats fails for a
//! reason of its own, not because of its target — the program is not in the image (the shell's
//! `sh: nslookupp: not found`, exit 127), it cannot be executed (`Permission denied`, exit 126),
//! or it refuses its options (`nc: invalid option -- 'z'`, a usage text). Whatever the target's
//! state, such a loop waits forever: `WaitCommandBroken`, an error naming the reason, replaces
//! the wait findings that would say it should pass.
//!
//! A line counts only when the program it names is one the container's command calls, so that
//! what the loop prints of its target (`HTTP/1.1 404 Not Found`) is never read as a broken
//! command.

use k8s_openapi::api::core::v1::Container;

use crate::finding::{Finding, Severity, finding};

/// Why the command cannot work, with the log line that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub reason: Reason,
    /// The log line that shows it, as written (trailing blanks removed).
    pub line: String,
    /// How many of the lines read say the same.
    pub times: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The shell found no such program (exit 127).
    NotFound {
        program: String,
        near: Option<&'static str>,
    },
    /// The program is there but cannot be run (exit 126).
    NotExecutable { program: String },
    /// The program refuses an option (`option`: `-z`, `--zero`, when the line names it).
    BadOption {
        program: String,
        option: Option<String>,
    },
    /// The program printed its usage text: its arguments are wrong.
    Usage { program: String },
}

impl Reason {
    fn program(&self) -> &str {
        match self {
            Reason::NotFound { program, .. }
            | Reason::NotExecutable { program }
            | Reason::BadOption { program, .. }
            | Reason::Usage { program } => program,
        }
    }

    /// The reason in a few words.
    pub fn words(&self, image: &str) -> String {
        match self {
            Reason::NotFound { program, .. } => {
                format!("`{program}` is not in the image {image:?} (command not found)")
            }
            Reason::NotExecutable { program } => {
                format!("`{program}` cannot be executed (permission denied)")
            }
            Reason::BadOption {
                program,
                option: Some(option),
            } => format!("this image's `{program}` has no option `{option}` (a usage error)"),
            Reason::BadOption {
                program,
                option: None,
            } => format!("`{program}` refuses one of its options (a usage error)"),
            Reason::Usage { program } => {
                format!("`{program}` does not accept its arguments: it prints its usage")
            }
        }
    }
}

/// The programs `spec`'s command and args name: every word, by its last path component.
fn programs_named(spec: &Container) -> Vec<String> {
    spec.command
        .iter()
        .flatten()
        .chain(spec.args.iter().flatten())
        .take(64)
        .flat_map(|arg| {
            arg.split(|c: char| c.is_whitespace() || ";|&()`\"'$<>{}".contains(c))
                .filter(|w| !w.is_empty())
                .take(4096)
                .map(|w| w.rsplit('/').next().unwrap_or(w).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The program a shell complains about on `line` (`sh: 1: X: Permission denied`): the last
/// `: `-separated field before the complaint, one word.
fn shell_subject(line: &str, complaint: &str) -> Option<String> {
    let head = line.trim().strip_suffix(complaint)?;
    let name = head.rsplit(": ").next()?.trim();
    (!name.is_empty() && !name.contains(' ')).then(|| name.to_string())
}

/// `prog: invalid option -- 'z'`, `prog: illegal option -- z`, `prog: unrecognized option
/// '--zero'`: the program and the option.
fn bad_option(line: &str) -> Option<(String, Option<String>)> {
    let lower = line.to_ascii_lowercase();
    let at = [
        "invalid option",
        "illegal option",
        "unrecognized option",
        "unknown option",
    ]
    .iter()
    .find_map(|n| lower.find(n))?;
    let program = line[..at].trim().trim_end_matches(':').trim();
    let program = program.rsplit(": ").next().unwrap_or(program).trim();
    if program.is_empty() || program.contains(' ') {
        return None;
    }
    let rest = &line[at..];
    let option = rest
        .split_once("-- ")
        .map(|(_, o)| format!("-{}", o.trim().trim_matches(['\'', '"', '`'])))
        .or_else(|| {
            rest.split(['\'', '"', '`'])
                .nth(1)
                .filter(|o| o.starts_with('-'))
                .map(str::to_string)
        })
        .filter(|o| o.len() > 1 && o.len() <= 40 && !o.contains(' '));
    Some((program.to_string(), option))
}

/// What one log line says of the command, if anything.
fn reason_of(line: &str) -> Option<Reason> {
    let trimmed = line.trim();
    if let Some(program) = crate::diagnosis::notfound::missing_program(&[trimmed.to_string()]) {
        return Some(Reason::NotFound {
            near: crate::diagnosis::notfound::near_tool(&program),
            program,
        });
    }
    for complaint in [
        ": Permission denied",
        ": cannot execute binary file",
        ": Exec format error",
    ] {
        if let Some(program) = shell_subject(trimmed, complaint) {
            return Some(Reason::NotExecutable { program });
        }
    }
    if let Some((program, option)) = bad_option(trimmed) {
        return Some(Reason::BadOption { program, option });
    }
    let usage = trimmed
        .strip_prefix("Usage: ")
        .or_else(|| trimmed.strip_prefix("usage: "))?;
    let program = usage.split_whitespace().next()?;
    Some(Reason::Usage {
        program: program.rsplit('/').next().unwrap_or(program).to_string(),
    })
}

/// The reason the log of a loop running `spec` gives for its command never working: the last
/// such line (an option or not-found line beats the usage text printed after it).
pub fn read(spec: &Container, lines: &[String]) -> Option<Broken> {
    let named = programs_named(spec);
    let mut found: Option<(Reason, &String)> = None;
    for line in lines
        .iter()
        .rev()
        .take(crate::diagnosis::LOG_TAIL_LINES as usize)
    {
        let Some(reason) = reason_of(line) else {
            continue;
        };
        let program = reason.program();
        let program = program.rsplit('/').next().unwrap_or(program);
        if !named.iter().any(|p| p == program) {
            continue;
        }
        let better = match (&found, &reason) {
            (None, _) => true,
            // A usage text follows the line that says what was wrong: that line wins.
            (Some((Reason::Usage { .. }, _)), r) => !matches!(r, Reason::Usage { .. }),
            _ => false,
        };
        if better {
            found = Some((reason, line));
        }
    }
    let (reason, line) = found?;
    let times = lines
        .iter()
        .filter(|l| l.trim_end() == line.trim_end())
        .count();
    Some(Broken {
        reason,
        line: line.trim_end().to_string(),
        times,
    })
}

/// The finding for init container `name` (image `image`) whose loop is `broken`.
pub fn finding_for(name: &str, image: &str, broken: &Broken) -> Finding {
    let mut f = finding(
        "WaitCommandBroken",
        Severity::Error,
        Some(name),
        format!(
            "init container {name} waits in a loop that can never pass: {}",
            broken.reason.words(image)
        ),
    );
    let times = if broken.times > 1 {
        format!(
            " ({} times in the last {} lines)",
            broken.times,
            crate::diagnosis::LOG_TAIL_LINES
        )
    } else {
        String::new()
    };
    f.evidence.push(format!("log says: {}{times}", broken.line));
    f.evidence
        .push("whatever its target's state, the command fails the same way each time".into());
    f.hint = match &broken.reason {
        Reason::NotFound {
            program,
            near: Some(near),
        } => format!(
            "a typo of `{near}`? Fix `{program}` in the command of {name} (or use an image that has it) and recreate the pod"
        ),
        Reason::NotFound { program, .. } => format!(
            "use an image that has `{program}`, or fix the command of {name}, and recreate the pod"
        ),
        Reason::NotExecutable { program } => format!(
            "make `{program}` executable in the image (or call it through `sh`), and recreate the pod"
        ),
        Reason::BadOption { program, option } => format!(
            "use only options this image's `{program}` has (its usage is in the log){}, or an image whose `{program}` has {}; then recreate the pod",
            if program == "nc" && option.as_deref() == Some("-z") {
                "; busybox's small nc has no `-z`"
            } else {
                ""
            },
            option
                .as_deref()
                .map(|o| format!("`{o}`"))
                .unwrap_or_else(|| "it".into())
        ),
        Reason::Usage { program } => format!(
            "fix the arguments of `{program}` in the command of {name} (its usage is in the log) and recreate the pod"
        ),
    };
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(script: &str) -> Container {
        Container {
            name: "wait".into(),
            command: Some(vec!["sh".into(), "-c".into(), script.into()]),
            ..Default::default()
        }
    }

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    /// Debian's busybox 1.35 `nc -z` (run here: it has no `-z`): the option line, then usage.
    const NC_NO_Z: &str = "nc: invalid option -- 'z'\nBusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: nc [-iN] [-wN] [-l] [-p PORT] [-f FILE|IPADDR PORT] [-e PROG]\n\nOpen a pipe to IP:PORT or FILE\n\n\t-l\tListen mode, for inbound connects\n\t-e PROG\tRun PROG after connect";

    #[test]
    fn what_a_loops_log_says_of_its_command() {
        // (script, log, expected reason, the line shown)
        let cases: Vec<(&str, String, Option<Reason>, &str)> = vec![
            (
                "until nslookupp db; do sleep 2; done",
                "sh: nslookupp: not found\nsh: nslookupp: not found".into(),
                Some(Reason::NotFound {
                    program: "nslookupp".into(),
                    near: Some("nslookup"),
                }),
                "sh: nslookupp: not found",
            ),
            (
                "until nc -z -w 2 db 5432; do sleep 2; done",
                format!("{NC_NO_Z}\n{NC_NO_Z}"),
                Some(Reason::BadOption {
                    program: "nc".into(),
                    option: Some("-z".into()),
                }),
                "nc: invalid option -- 'z'",
            ),
            (
                "until /scripts/wait.sh; do sleep 2; done",
                "sh: /scripts/wait.sh: Permission denied".into(),
                Some(Reason::NotExecutable {
                    program: "/scripts/wait.sh".into(),
                }),
                "sh: /scripts/wait.sh: Permission denied",
            ),
            (
                "until nc db; do sleep 2; done",
                "BusyBox v1.35.0 multi-call binary.\n\nUsage: nc [-iN] [-wN] [-l] [-p PORT]".into(),
                Some(Reason::Usage {
                    program: "nc".into(),
                }),
                "Usage: nc [-iN] [-wN] [-l] [-p PORT]",
            ),
            (
                "until curl --zero http://db; do sleep 2; done",
                "curl: option --zero: is unknown\ncurl: unrecognized option '--zero'".into(),
                Some(Reason::BadOption {
                    program: "curl".into(),
                    option: Some("--zero".into()),
                }),
                "curl: unrecognized option '--zero'",
            ),
            // What the target answers is not the command's fault.
            (
                "until wget -q http://db/health; do sleep 2; done",
                "wget: server returned error: HTTP/1.1 404 Not Found\nError: not found".into(),
                None,
                "",
            ),
            (
                "until nslookup db; do sleep 2; done",
                "** server can't find db: NXDOMAIN\nnslookup: can't resolve 'db'".into(),
                None,
                "",
            ),
            // A program the command does not call.
            (
                "until nslookup db; do sleep 2; done",
                "sh: other: not found".into(),
                None,
                "",
            ),
        ];
        for (script, log, want, line) in cases {
            let got = read(&spec(script), &lines(&log));
            assert_eq!(got.as_ref().map(|b| &b.reason), want.as_ref(), "{script}");
            if let Some(b) = got {
                assert_eq!(b.line, line, "{script}");
            }
        }
    }

    #[test]
    fn the_finding_names_the_reason_and_the_fix() {
        let log = lines(&format!("{NC_NO_Z}\n{NC_NO_Z}"));
        let b = read(&spec("until nc -z -w 2 db 5432; do sleep 2; done"), &log).unwrap();
        assert_eq!(b.times, 2);
        let f = finding_for("wait-db", "busybox:1.35", &b);
        assert_eq!(f.severity, Severity::Error);
        assert!(f.message.contains("can never pass"), "{}", f.message);
        assert!(f.message.contains("no option `-z`"), "{}", f.message);
        assert_eq!(
            f.evidence[0],
            "log says: nc: invalid option -- 'z' (2 times in the last 50 lines)"
        );
        assert!(
            f.hint.contains("busybox's small nc has no `-z`"),
            "{}",
            f.hint
        );
    }
}
