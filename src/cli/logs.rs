//! `logs`' flags.

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::durations::parse_timeout;

/// The `Examples:` section of the help, as kubectl writes them.
pub(super) const EXAMPLES: &str = "\
Examples:
  # The logs of every init container of a pod, in spec order
  kubectl initdoctor logs myapp-pod

  # Follow the running init container, then the next as it starts
  kubectl initdoctor logs myapp-pod -f

  # The previous instance of each init container, last 20 lines
  kubectl initdoctor logs myapp-pod --previous --tail 20";

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
    /// POD, pod/NAME, or TYPE/NAME (deployment/, statefulset/, daemonset/, replicaset/, job/):
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

/// Parse an RFC 3339 time, as kubectl's `--since-time`.
fn parse_time(text: &str) -> Result<jiff::Timestamp, String> {
    text.trim()
        .parse()
        .map_err(|_| "use an RFC 3339 time such as 2026-01-01T10:00:00Z".to_string())
}
