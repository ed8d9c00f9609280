//! `kubectl-initdoctor`: parse the command line, run it, turn the outcome into an exit code.

use clap::Parser;
use initdoctor::{app, cli::Cli, exit::ExitCode};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::Error.into();
        }
    };
    let outcome = runtime.block_on(app::run(cli));
    // A blocking read of stdin (debug's attach) must not hold the process open.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match outcome {
        Ok(code) => code.into(),
        Err(err) if err.is_broken_pipe() => ExitCode::Ok.into(),
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code().into()
        }
    }
}
