//! `preflight`'s flags.

use clap::{Args, ValueEnum};

/// The `Examples:` section of the help, as kubectl writes them.
pub(super) const EXAMPLES: &str = "\
Examples:
  # A chart, as helm renders it, against the live namespace it will be installed in
  helm template myrel ./chart -n shop | kubectl initdoctor preflight -f - -n shop

  # A directory of manifests, without reading any cluster; in CI, exit 3 when one will block
  kubectl initdoctor preflight -f k8s/ -R --offline --exit-code

  # The findings as JSON
  kubectl initdoctor preflight -f app.yaml -f db.yaml -o json";

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
