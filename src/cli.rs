//! The command line: kubectl's global flags, accepted before or after the subcommand.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

/// kubectl's connection flags, plus output colour: listed under "Global options" in every
/// subcommand's help, after the subcommand's own.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<std::path::PathBuf>,

    /// The name of the kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// The name of the kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,

    /// The name of the kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,

    /// The namespace scope for this request (default: the context's namespace)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds)
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub request_timeout: Duration,

    /// When to colour the output: auto (a terminal, and NO_COLOR unset), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human tables
    Table,
    /// Human tables with more columns
    Wide,
    /// The stable JSON contract (see README)
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Say which init container blocks each pod, and why
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Show init container logs in spec order, following the running one
    #[command(after_help = LOGS_EXAMPLES)]
    Logs(LogsArgs),
    /// Attach an ephemeral debug container to the blocked init container
    #[command(after_help = DEBUG_EXAMPLES)]
    Debug(DebugArgs),
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

/// The `Examples:` section of each subcommand's help, as kubectl writes them.
const EXPLAIN_EXAMPLES: &str = "\
Examples:
  # Explain every pod of the current namespace whose initialization is not complete
  kubectl initdoctor explain

  # Explain one pod, in another namespace
  kubectl initdoctor explain myapp-pod -n shop

  # Pods by label in every namespace, as the JSON contract
  kubectl initdoctor explain -A -l app=web -o json

  # In CI: wait until the pod is initialized, exit 3 while it is blocked
  kubectl initdoctor explain myapp-pod --watch --exit-code";

const LOGS_EXAMPLES: &str = "\
Examples:
  # The logs of every init container of a pod, in spec order
  kubectl initdoctor logs myapp-pod

  # Follow the running init container, then the next as it starts
  kubectl initdoctor logs myapp-pod -f

  # The previous instance of each init container, last 20 lines
  kubectl initdoctor logs myapp-pod --previous --tail 20";

const DEBUG_EXAMPLES: &str = "\
Examples:
  # Attach a busybox to the blocked init container of a pod
  kubectl initdoctor debug myapp-pod

  # Share the processes of a given init container, with another image
  kubectl initdoctor debug myapp-pod --target init-db --image tutum/dnsutils

  # Only add the debug container, do not attach
  kubectl initdoctor debug myapp-pod --attach=false";

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
pub struct ExplainArgs {
    /// Pods to explain (default: every pod in scope whose initialization is not complete)
    #[arg(value_name = "POD")]
    pub pods: Vec<String>,

    /// Label selector to filter pods on (e.g. app=web,tier!=db)
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Look at pods in every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table, value_name = "FORMAT")]
    pub output: OutputFormat,

    /// Re-render when a pod changes, until it is initialized or interrupted
    #[arg(short = 'w', long)]
    pub watch: bool,

    /// Exit 3 when any selected pod is blocked in initialization, 0 when all are initialized
    #[arg(long)]
    pub exit_code: bool,

    /// The cluster's DNS domain, for resolving the names init containers wait on
    #[arg(long, default_value = "cluster.local", value_name = "DOMAIN")]
    pub cluster_domain: String,
}

#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// The pod whose init container logs to show
    #[arg(value_name = "POD")]
    pub pod: String,

    /// Follow the running init container, then the next as it starts
    #[arg(short = 'f', long)]
    pub follow: bool,

    /// Show the previous instance of each init container
    #[arg(short = 'p', long)]
    pub previous: bool,

    /// Lines of recent log to show per container (-1: all)
    #[arg(long, default_value_t = -1, allow_negative_numbers = true, value_name = "N")]
    pub tail: i64,

    /// Prefix each line with its timestamp
    #[arg(long)]
    pub timestamps: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DebugArgs {
    /// The pod to debug
    #[arg(value_name = "POD")]
    pub pod: String,

    /// The container whose processes the debug container shares (default: the blocked init container)
    #[arg(long, value_name = "CONTAINER")]
    pub target: Option<String>,

    /// The debug container's image
    #[arg(long, default_value = "busybox:1.36", value_name = "IMAGE")]
    pub image: String,

    /// Security profile of the debug container, as kubectl debug's
    #[arg(long, value_enum, default_value_t = crate::debug::Profile::General, value_name = "PROFILE")]
    pub profile: crate::debug::Profile,

    /// Name of the debug container (default: debugger-<5 random characters>)
    #[arg(short = 'c', long = "container", value_name = "NAME")]
    pub name: Option<String>,

    /// Attach to the debug container once it runs (--attach=false only adds it)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub attach: bool,

    /// How long to wait for the debug container to start
    #[arg(long, default_value = "2m", value_parser = parse_timeout, value_name = "DURATION")]
    pub timeout: Duration,
}

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

/// Parse a kubectl-style duration: `30s`, `1m30s`, `500ms`, or a bare number of seconds.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let duration = match text.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => humantime::parse_duration(text)
            .map_err(|e| format!("{e}: use a duration such as 30s, 1m or 500ms"))?,
    };
    if duration.is_zero() {
        return Err("must be more than zero: every request needs a timeout".into());
    }
    Ok(duration)
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

    #[test]
    fn timeouts_parse_like_kubectl() {
        assert_eq!(parse_timeout("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("7"), Ok(Duration::from_secs(7)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("soon").is_err());
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
