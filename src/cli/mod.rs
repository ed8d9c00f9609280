//! The command line: kubectl's global flags, accepted before or after the subcommand
//! (`global.rs`), each subcommand's flags in its own file, and the durations they take
//! (`durations.rs`).

mod debug;
mod durations;
mod explain;
mod global;
mod logs;
mod preflight;

use clap::{Args, Parser, Subcommand};

pub use debug::{DEFAULT_DEBUG_IMAGE, DebugArgs, DebugOutput, DryRun, PullPolicy};
pub use durations::{MAX_DURATION, NO_TIMEOUT, parse_request_timeout, parse_timeout};
pub use explain::{ExplainArgs, OutputFormat};
pub use global::{ColorChoice, GlobalArgs};
pub use logs::{LogsArgs, LogsFormat};
pub use preflight::{PreflightArgs, PreflightFormat};

/// Explain why a Pod is stuck in its init containers.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-initdoctor",
    bin_name = "kubectl initdoctor",
    version,
    about = "Explain why a Pod is stuck in its init containers (Init:0/2, Init:CrashLoopBackOff, …)",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Say which init container blocks each pod, and why
    #[command(after_help = explain::EXAMPLES)]
    Explain(ExplainArgs),
    /// Show init container logs in spec order, following the running one
    #[command(after_help = logs::EXAMPLES)]
    Logs(LogsArgs),
    /// Attach an ephemeral debug container to the blocked init container
    #[command(after_help = debug::EXAMPLES)]
    Debug(DebugArgs),
    /// Say which init containers will block, from manifests, before they are applied
    #[command(after_help = preflight::EXAMPLES)]
    Preflight(PreflightArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETION_EXAMPLES)]
    Completion(CompletionArgs),
    /// Print the version
    #[command(after_help = VERSION_EXAMPLES)]
    Version,
    /// Completion candidates for kubectl's plugin completion (run by kubectl_complete-initdoctor)
    #[command(name = "__complete", hide = true)]
    Complete(CompleteArgs),
}

/// The `Examples:` section of each subcommand's help, as kubectl writes them (the others' are
/// beside their flags).
const COMPLETION_EXAMPLES: &str = "\
Examples:
  # Load completion for the current bash session
  source <(kubectl initdoctor completion bash)

  # Write the zsh script to a directory of $fpath
  kubectl initdoctor completion zsh > \"${fpath[1]}/_kubectl-initdoctor\"";

const VERSION_EXAMPLES: &str = "\
Examples:
  # Print the plugin's version
  kubectl initdoctor version";

#[derive(Debug, Clone, Args)]
pub struct CompletionArgs {
    /// The shell to print a completion script for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `__complete -- WORDS…`: the words after `kubectl initdoctor`, the last one being completed.
#[derive(Debug, Clone, Args)]
pub struct CompleteArgs {
    /// The words on the command line after `kubectl initdoctor` (the last may be empty)
    #[arg(raw = true, value_name = "WORD")]
    pub words: Vec<String>,
}

/// A command-line error as one line, as every error is: clap's first line (without its
/// `error: `), sanitised, and where to read more.
pub fn usage_line(err: &clap::Error) -> String {
    let text = err.to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    format!(
        "{}; see `kubectl initdoctor --help`",
        crate::sanitize::line(first).trim_end_matches('.')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_errors_are_one_line() {
        let cases: &[&[&str]] = &[
            &["kubectl-initdoctor", "explain", "--bogus"],
            &["kubectl-initdoctor", "frobnicate"],
            &["kubectl-initdoctor", "explain", "--request-timeout", "soon"],
            &[
                "kubectl-initdoctor",
                "explain",
                "--request-timeout",
                "\x1b[2J",
            ],
        ];
        for argv in cases {
            let err = Cli::try_parse_from(*argv).unwrap_err();
            let line = usage_line(&err);
            assert!(
                !line.contains('\n') && !line.contains('\x1b'),
                "{argv:?}: {line}"
            );
            assert!(line.ends_with("see `kubectl initdoctor --help`"), "{line}");
        }
    }

    #[test]
    fn global_flags_before_or_after_the_subcommand() {
        let before = Cli::try_parse_from([
            "kubectl-initdoctor",
            "-n",
            "shop",
            "--context",
            "prod",
            "explain",
            "web",
        ])
        .unwrap();
        let after = Cli::try_parse_from([
            "kubectl-initdoctor",
            "explain",
            "web",
            "-n",
            "shop",
            "--context=prod",
        ])
        .unwrap();
        for cli in [before, after] {
            assert_eq!(cli.global.namespace.as_deref(), Some("shop"));
            assert_eq!(cli.global.context.as_deref(), Some("prod"));
        }
    }

    /// Each subcommand's help: its own flags under "Options", then kubectl's global flags under
    /// "Global options", then an "Examples:" section.
    #[test]
    fn help_lists_own_flags_then_global_options_then_examples() {
        let mut cli = Cli::command();
        cli.build();
        for (name, own) in [
            ("explain", "--selector"),
            ("logs", "--follow"),
            ("debug", "--image"),
            ("completion", "<SHELL>"),
            ("version", "--help"),
        ] {
            let sub = cli.find_subcommand_mut(name).expect(name);
            let help = sub.render_help().to_string();
            let own_at = help
                .find(own)
                .unwrap_or_else(|| panic!("{name}: no {own} in {help}"));
            let global_at = help
                .find("Global options:")
                .unwrap_or_else(|| panic!("{name}: no Global options in {help}"));
            let namespace_at = help.find("--namespace").expect("--namespace");
            let examples_at = help.find("Examples:").expect("Examples:");
            assert!(own_at < global_at, "{name}: own flags first:\n{help}");
            assert!(
                global_at < namespace_at,
                "{name}: --namespace is global:\n{help}"
            );
            assert!(namespace_at < examples_at, "{name}: examples last:\n{help}");
            assert!(
                help[examples_at..].contains(&format!("kubectl initdoctor {name}")),
                "{name}: an example runs it:\n{help}"
            );
        }
    }
}
