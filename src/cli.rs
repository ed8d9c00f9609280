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

    /// How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is
    /// seconds; 0 means no timeout, as kubectl)
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s", value_parser = parse_request_timeout)]
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

impl ColorChoice {
    /// What the renderer is told: `Some` when colour is forced on or off, `None` for auto.
    pub fn forced(self) -> Option<bool> {
        match self {
            ColorChoice::Auto => None,
            ColorChoice::Always => Some(true),
            ColorChoice::Never => Some(false),
        }
    }
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
    /// Say which init containers will block, from manifests, before they are applied
    #[command(after_help = PREFLIGHT_EXAMPLES)]
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

const PREFLIGHT_EXAMPLES: &str = "\
Examples:
  # A chart, as helm renders it, against the live namespace it will be installed in
  helm template myrel ./chart -n shop | kubectl initdoctor preflight -f - -n shop

  # A directory of manifests, without reading any cluster; in CI, exit 3 when one will block
  kubectl initdoctor preflight -f k8s/ -R --offline --exit-code

  # The findings as JSON
  kubectl initdoctor preflight -f app.yaml -f db.yaml -o json";

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
    /// Pods to explain (default: every pod in scope that is not Ready or whose initialization is
    /// not complete)
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

    /// Exit 3 when any selected pod is blocked in initialization or not Ready (Completed pods
    /// are fine), 0 otherwise; with --init-only, 3 only for pods blocked in initialization
    #[arg(long)]
    pub exit_code: bool,

    /// With several pods: after the table and the grouped findings, the full view of each pod
    #[arg(long)]
    pub details: bool,

    /// With several pods: print the table without its header line (as kubectl get)
    #[arg(long)]
    pub no_headers: bool,

    /// Only what blocks initialization: without pod names, select only the pods whose
    /// initialization is not complete (not those that are initialized but not Ready); with
    /// --watch, end once they are initialized, Ready or not
    #[arg(long)]
    pub init_only: bool,

    /// The cluster's DNS domain, for resolving the names init containers wait on
    #[arg(long, default_value = "cluster.local", value_name = "DOMAIN")]
    pub cluster_domain: String,
}

/// `preflight -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreflightFormat {
    /// The findings grouped by workload, with the fix
    Table,
    /// The stable JSON contract (see docs/json.md)
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct PreflightArgs {
    /// Manifests: a file, a directory (its .yaml, .yml and .json files), or - for stdin; repeat
    /// for several
    #[arg(short = 'f', long = "filename", value_name = "FILE", required = true, value_hint = clap::ValueHint::AnyPath)]
    pub filenames: Vec<std::path::PathBuf>,

    /// Read the directories given with -f and their subdirectories
    #[arg(short = 'R', long)]
    pub recursive: bool,

    /// Check against the manifests alone: read no cluster (the namespace is -n, else default)
    #[arg(long)]
    pub offline: bool,

    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = PreflightFormat::Table, value_name = "FORMAT")]
    pub output: PreflightFormat,

    /// Exit 3 when an init container will block, 0 otherwise
    #[arg(long)]
    pub exit_code: bool,

    /// The cluster's DNS domain, for resolving the names init containers wait on
    #[arg(long, default_value = "cluster.local", value_name = "DOMAIN")]
    pub cluster_domain: String,
}

/// `logs -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogsFormat {
    /// The log lines as they are (with the prefix when it is on)
    Text,
    /// One JSON object per line: namespace, pod, container, index, kind, attempt, time, line
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// POD, pod/NAME, or TYPE/NAME (deployment/, statefulset/, daemonset/, replicaset/, job/, cronjob/):
    /// an owner shows every one of its pods, as -l does
    #[arg(
        value_name = "POD",
        required_unless_present = "selector",
        conflicts_with = "selector"
    )]
    pub target: Option<String>,

    /// Show the pods matching this label selector, each pod's containers in order, pods
    /// interleaved by line
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Only this container (init, sidecar or app)
    #[arg(short = 'c', long, value_name = "CONTAINER")]
    pub container: Option<String>,

    /// Follow the running init container, then the next as it starts, until initialization ends
    #[arg(short = 'f', long)]
    pub follow: bool,

    /// Show the previous attempt of each container
    #[arg(short = 'p', long, conflicts_with = "all_attempts")]
    pub previous: bool,

    /// Show every attempt the API still has (the previous one, then the current one)
    #[arg(long)]
    pub all_attempts: bool,

    /// After the init containers, show (and with -f follow) the app containers
    #[arg(long)]
    pub app: bool,

    /// Lines of recent log to show per container (-1: all)
    #[arg(long, default_value_t = -1, allow_negative_numbers = true, value_name = "N")]
    pub tail: i64,

    /// Only lines newer than this duration (e.g. 5s, 2m, 3h)
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout, conflicts_with = "since_time")]
    pub since: Option<Duration>,

    /// Only lines after this time (RFC 3339, e.g. 2026-01-01T10:00:00Z)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since_time: Option<jiff::Timestamp>,

    /// Prefix each line with its timestamp
    #[arg(long)]
    pub timestamps: bool,

    /// Prefix each line with its container ([init 2/3 wait-db]); default: on when stdout is
    /// not a terminal or several containers are shown (--prefix=false turns it off)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub prefix: Option<bool>,

    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = LogsFormat::Text, value_name = "FORMAT")]
    pub output: LogsFormat,

    /// The most log streams open at once (pods read or followed concurrently)
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_log_requests: u16,
}

/// The image `debug` uses unless `--image` says otherwise.
pub const DEFAULT_DEBUG_IMAGE: &str = "busybox:1.35";

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # A shell sharing the processes of the blocked init container
  kubectl initdoctor debug web
  # Run the blocker's own checks from inside the pod and compare with the API's view
  kubectl initdoctor debug web --check
  # A copy of a pod that crash-loops too fast, its blocked init container replaced by a wait
  kubectl initdoctor debug web --copy-to web-debug --same-node
  # Get back into a debug container that still runs
  kubectl initdoctor debug web --attach-to debugger-x2b4c")]
pub struct DebugArgs {
    /// The pod to debug
    #[arg(value_name = "POD")]
    pub pod: String,

    /// The container whose processes the debug container shares (default: the blocked init container)
    #[arg(long, value_name = "CONTAINER")]
    pub target: Option<String>,

    /// The debug container's image (its nslookup ignores search domains: --check resolves names fully qualified)
    #[arg(long, default_value = DEFAULT_DEBUG_IMAGE, value_name = "IMAGE")]
    pub image: String,

    /// The image pull policy of the debug container (default: left to the server)
    #[arg(long, value_enum, value_name = "POLICY")]
    pub image_pull_policy: Option<PullPolicy>,

    /// Environment variables to set in the debug container (repeatable)
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,

    /// Security profile of the debug container, as kubectl debug's; auto: the most capable one the namespace's Pod Security enforce label admits
    #[arg(long, value_enum, default_value_t = crate::debug::Profile::General, value_name = "PROFILE")]
    pub profile: crate::debug::Profile,

    /// A JSON or YAML file holding a partial container spec, merged into the debug container as kubectl's --custom
    #[arg(long, value_name = "FILE")]
    pub custom: Option<std::path::PathBuf>,

    /// Name of the debug container (default: debugger-<5 random characters>)
    #[arg(short = 'c', long = "container", value_name = "NAME")]
    pub name: Option<String>,

    /// Keep stdin open on the debug container (the default, with -t, unless a command is given)
    #[arg(short = 'i', long = "stdin")]
    pub stdin: bool,

    /// Allocate a TTY for the debug container (needs -i)
    #[arg(short = 't', long = "tty")]
    pub tty: bool,

    /// Attach once the container runs (default: true when stdin is kept open); --attach=false only adds it
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub attach: Option<bool>,

    /// Attach to an ephemeral container already in the pod instead of adding one
    #[arg(long, value_name = "NAME", conflicts_with_all = ["check", "copy_to", "name", "custom", "command"])]
    pub attach_to: Option<String>,

    /// Reuse a debug container of ours that still runs on the target (default: ask on a terminal, reuse otherwise); --reuse=false adds another
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub reuse: Option<bool>,

    /// Add the debug container even when its target is not running (it cannot start until the
    /// target runs again, and an ephemeral container can never be removed); without it, a run
    /// without a terminal refuses (exit 8) and a terminal is offered --copy-to first
    #[arg(long, conflicts_with_all = ["copy_to", "check", "attach_to"])]
    pub force: bool,

    /// Run the blocked init container's checks from inside the pod and compare with what the API says (exit 0: it can proceed, 3: it cannot)
    #[arg(long, conflicts_with_all = ["copy_to", "stdin", "tty", "command"])]
    pub check: bool,

    /// Create a copy of the pod with this name, its blocked init container's command replaced by a wait
    #[arg(long, value_name = "NAME")]
    pub copy_to: Option<String>,

    /// With --copy-to: leave out the init containers that already completed in the original
    #[arg(long, requires = "copy_to")]
    pub skip_done_init: bool,

    /// With --copy-to: keep the copy on the original's node
    #[arg(long, requires = "copy_to")]
    pub same_node: bool,

    /// With --copy-to: delete the original pod once the copy exists
    #[arg(long, requires = "copy_to")]
    pub replace: bool,

    /// With --copy-to: NAME=IMAGE for any container, init containers included (* for all; repeatable)
    #[arg(long = "set-image", value_name = "NAME=IMAGE", requires = "copy_to")]
    pub set_image: Vec<String>,

    /// Print what would be sent instead of sending it: client (nothing leaves), server (the API server checks it, nothing is stored)
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "client", value_name = "MODE")]
    pub dry_run: Option<DryRun>,

    /// Output format: with --dry-run the object (yaml or json), with --check the comparison (json)
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<DebugOutput>,

    /// How long to wait for the debug container (or the copy) to start, and for --check to finish
    #[arg(long, default_value = "2m", value_parser = parse_timeout, value_name = "DURATION")]
    pub timeout: Duration,

    /// The command to run in the debug container instead of the image's default
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `--image-pull-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullPolicy {
    #[value(name = "Always")]
    Always,
    #[value(name = "IfNotPresent")]
    IfNotPresent,
    #[value(name = "Never")]
    Never,
}

impl PullPolicy {
    /// The API's spelling.
    pub fn as_api(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// `--dry-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    /// Send everything (the same as no --dry-run)
    None,
    Client,
    Server,
}

/// `debug -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DebugOutput {
    Json,
    Yaml,
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

/// Parse an RFC 3339 time, as kubectl's `--since-time`.
fn parse_time(text: &str) -> Result<jiff::Timestamp, String> {
    text.trim()
        .parse()
        .map_err(|_| "use an RFC 3339 time such as 2026-01-01T10:00:00Z".to_string())
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

/// The longest duration kubectl reads (Go's `time.Duration`: int64 nanoseconds).
pub const MAX_DURATION: Duration = Duration::from_nanos(i64::MAX.unsigned_abs());

/// Parse a kubectl-style duration: `30s`, `1m30s`, `500ms`, or a bare number of seconds
/// (`--request-timeout`, `--since`, `--timeout`). Pure; `Err` is the message clap shows.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err("must be more than zero: every request needs a timeout".into());
    }
    // kubectl's durations are int64 nanoseconds: anything longer is refused, not wrapped.
    if duration > MAX_DURATION {
        return Err("too long: a duration is at most 2562047h47m16s".into());
    }
    Ok(duration)
}

/// `--request-timeout`: [`parse_timeout`], except that 0 means no timeout, as kubectl reads it
/// ([`NO_TIMEOUT`]).
pub fn parse_request_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    Ok(if duration.is_zero() {
        NO_TIMEOUT
    } else {
        duration
    })
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(seconds) => Ok(Duration::from_secs(seconds)),
        Err(_) => humantime::parse_duration(text)
            .map_err(|e| format!("{e}: use a duration such as 30s, 1m or 500ms")),
    }
}

/// `--request-timeout 0`: no timeout, as kubectl reads it. A request still ends after this
/// long (a day), so that every wait stays bounded and no deadline overflows.
pub const NO_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

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

    #[test]
    fn timeouts_parse_like_kubectl() {
        assert_eq!(parse_timeout("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("7"), Ok(Duration::from_secs(7)));
        assert!(parse_timeout("0").is_err());
        for zero in ["0", "0s", "0ms"] {
            assert_eq!(parse_request_timeout(zero), Ok(NO_TIMEOUT), "{zero}");
        }
        assert_eq!(parse_request_timeout("5s"), Ok(Duration::from_secs(5)));
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
