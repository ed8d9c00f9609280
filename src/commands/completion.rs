//! `completion SHELL`: a completion script generated from the CLI definition.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Result;

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, "kubectl-initdoctor", &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}

pub fn run(shell: clap_complete::Shell) -> Result<()> {
    super::print(&script(shell))
}
