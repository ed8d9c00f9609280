//! Dispatch a parsed command line to its subcommand.

use std::io::IsTerminal;

use crate::cli::{Cli, Command};
use crate::commands;
use crate::error::Result;
use crate::exit::ExitCode;
use crate::render::{Palette, use_color};

/// Run the command line; the exit code on success, the error otherwise.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let palette = Palette {
        enabled: use_color(
            cli.global.color.forced(),
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        ),
    };
    match &cli.command {
        Command::Explain(args) => commands::explain::run(args, &cli.global, palette).await,
        Command::Logs(args) => commands::logs::run(args, &cli.global, palette).await,
        Command::Debug(args) => commands::debug::run(args, &cli.global).await,
        Command::Preflight(args) => commands::preflight::run(args, &cli.global, palette).await,
        Command::Completion(args) => commands::completion::run(args.shell).map(|_| ExitCode::Ok),
        Command::Version => commands::version::run().map(|_| ExitCode::Ok),
        Command::Complete(args) => commands::completion::complete(&args.words)
            .await
            .map(|_| ExitCode::Ok),
    }
}
