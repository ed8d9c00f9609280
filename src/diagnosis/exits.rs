//! What an exit code says about how a container ended, and which log line shows it.

/// A one-line explanation of a container's exit code.
pub fn explain(code: i32) -> String {
    let text = match code {
        0 => "success",
        1 => "a general error: the command itself failed (its last log lines say why)",
        2 => "a shell usage or syntax error: the script cannot even run",
        126 => {
            "the command was found but cannot be executed (not executable, or built for another platform)"
        }
        127 => "command not found: the image lacks the program, or PATH is wrong",
        128 => "an invalid argument to exit",
        130 => "SIGINT: interrupted",
        134 => "SIGABRT: the program aborted itself",
        137 => {
            "SIGKILL: killed, usually by the out-of-memory killer at the memory limit, or after a stop timed out"
        }
        139 => "SIGSEGV: the program crashed with a segmentation fault",
        143 => "SIGTERM: asked to stop (pod deletion, deadline, node drain) and exited",
        c if c > 128 && c < 160 => return format!("exit code {c}: killed by signal {}", c - 128),
        _ => {
            return format!(
                "exit code {code}: a failure particular to the program; its log says more"
            );
        }
    };
    format!("exit code {code}: {text}")
}

/// What programs print when given an option they do not have, whatever code they then exit
/// with. Seen here: busybox 1.35's `nc` (Debian's build) `invalid option -- 'k'`, its usage, 1;
/// GNU `cat -Z` `invalid option -- 'Z'`, 1, and `ls --bogus` `unrecognized option '--bogus'`, 2;
/// kubectl (cobra) `error: unknown flag: --bogus` and `unknown shorthand flag: 'Z' in -Z`, 1;
/// Go's flag package `flag provided but not defined: -bogus`, 2; Python's argparse
/// `error: unrecognized arguments: --bogus`, 2. BSD getopt's wording is `illegal option -- k`.
const OPTION_ERRORS: &[&str] = &[
    "invalid option",
    "unrecognized option",
    "illegal option",
    "unknown option",
    "unknown flag",
    "unknown shorthand flag",
    "flag provided but not defined",
    "unrecognized arguments",
];

/// The last log line that says the program was given an option it does not have: the line a
/// usage text printed after it would otherwise hide.
pub fn option_error(lines: &[String]) -> Option<&str> {
    lines
        .iter()
        .rev()
        .find(|l| {
            let l = l.to_lowercase();
            OPTION_ERRORS.iter().any(|n| l.contains(n))
        })
        .map(|l| l.trim_end())
}

/// The log line that best shows why the container ended with `code`: for 2 the shell's syntax
/// or usage error, for 126/127 the shell's complaint; else the last non-empty line.
pub fn telling_line(code: i32, lines: &[String]) -> Option<&str> {
    if code == 2
        && let Some(line) = option_error(lines)
    {
        return Some(line);
    }
    let needles: &[&str] = match code {
        2 => &["syntax error", "unexpected", "usage:"],
        126 => &["permission denied", "exec format error", "cannot execute"],
        127 => &["not found", "no such file"],
        _ => &[],
    };
    let lower = |l: &str| l.to_lowercase();
    lines
        .iter()
        .rev()
        .find(|l| needles.iter().any(|n| lower(l).contains(n)))
        .or_else(|| lines.iter().rev().find(|l| !l.trim().is_empty()))
        .map(|l| l.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_the_issue_names_are_explained() {
        assert!(explain(1).contains("general error"));
        assert!(explain(2).contains("syntax error"));
        assert!(explain(126).contains("cannot be executed"));
        assert!(explain(127).contains("command not found"));
        assert!(explain(137).contains("SIGKILL"));
        assert!(explain(137).contains("out-of-memory"));
        assert!(explain(139).contains("SIGSEGV"));
        assert!(explain(143).contains("SIGTERM"));
        assert_eq!(explain(131), "exit code 131: killed by signal 3");
        assert!(explain(42).starts_with("exit code 42:"));
    }

    #[test]
    fn the_telling_line_is_the_shells_complaint() {
        let lines: Vec<String> = [
            "waiting for mydb",
            "sh: syntax error: unexpected end of file (expecting \"done\")",
            "",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            telling_line(2, &lines),
            Some("sh: syntax error: unexpected end of file (expecting \"done\")")
        );
        let lines = vec![
            "starting".to_string(),
            "sh: nslookupp: not found".to_string(),
            "bye".to_string(),
        ];
        assert_eq!(telling_line(127, &lines), Some("sh: nslookupp: not found"));
        assert_eq!(telling_line(1, &lines), Some("bye"));
        assert_eq!(telling_line(1, &[]), None);
    }

    /// The option error is found above the usage text printed after it; nothing else is one.
    /// The busybox lines are the real node's `busybox:1.35` (`nc -lk -p 5432`, exit 1).
    #[test]
    fn an_option_error_is_found_above_the_usage_text() {
        let rows: &[(&[&str], Option<&str>)] = &[
            (
                &[
                    "nc: invalid option -- 'k'",
                    "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.",
                    "",
                    "Usage: nc [-iN] [-wN] [-l] [-p PORT] [-f FILE|IPADDR PORT] [-e PROG]",
                    "",
                    "Open a pipe to IP:PORT or FILE",
                    "\t-e PROG\tRun PROG after connect",
                ],
                Some("nc: invalid option -- 'k'"),
            ),
            (
                &[
                    "error: unknown flag: --bogus",
                    "See 'kubectl get --help' for usage.",
                ],
                Some("error: unknown flag: --bogus"),
            ),
            (
                &["flag provided but not defined: -bogus", "Usage of ./gf:"],
                Some("flag provided but not defined: -bogus"),
            ),
            (
                &["connecting to db:5432", "connection refused", "giving up"],
                None,
            ),
        ];
        for (lines, want) in rows {
            let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
            assert_eq!(option_error(&lines), *want, "{lines:?}");
            if want.is_some() {
                assert_eq!(telling_line(2, &lines), *want, "{lines:?}");
            }
        }
    }
}
