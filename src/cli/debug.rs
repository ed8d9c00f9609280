//! `debug`'s flags.

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::durations::parse_timeout;

/// The `Examples:` section of the help, as kubectl writes them.
pub(super) const EXAMPLES: &str = "\
Examples:
  # Attach a busybox to the blocked init container of a pod
  kubectl initdoctor debug myapp-pod

  # Share the processes of a given init container, with another image
  kubectl initdoctor debug myapp-pod --target init-db --image tutum/dnsutils

  # Only add the debug container, do not attach
  kubectl initdoctor debug myapp-pod --attach=false";

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

    /// The debug container's image (its nslookup fails short names on search domains that lack them: --check resolves names fully qualified)
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
