//! `explain`'s flags.

use clap::{Args, ValueEnum};

/// The `Examples:` section of the help, as kubectl writes them.
pub(super) const EXAMPLES: &str = "\
Examples:
  # Explain every pod of the current namespace whose initialization is not complete
  kubectl initdoctor explain

  # Explain one pod, in another namespace
  kubectl initdoctor explain myapp-pod -n shop

  # Pods by label in every namespace, as the JSON contract
  kubectl initdoctor explain -A -l app=web -o json

  # In CI: wait until the pod is initialized, exit 3 while it is blocked
  kubectl initdoctor explain myapp-pod --watch --exit-code";

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
