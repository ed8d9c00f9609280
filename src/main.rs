//! `kubectl-initdoctor`: parse the command line, run it, turn the outcome into an exit code.

use clap::Parser;
use initdoctor::{app, cli::Cli, exit::ExitCode};

fn main() -> std::process::ExitCode {
    // Before any thread exists: the proxy variables are read once, as kubectl reads them.
    initdoctor::cluster::proxy::capture_env();
    // A reader that closed its end (`| head`) ends the command at once, as a closed pipe ends
    // the command's output (exit 0, as a broken pipe does below).
    initdoctor::pipe::watch_stdout(|| std::process::exit(0));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help, --version and a bare command print as clap prints them.
        Err(err)
            if !err.use_stderr()
                || err.kind()
                    == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::Usage
            } else {
                ExitCode::Ok
            }
            .into();
        }
        Err(err) => {
            initdoctor::say!("error: {}", initdoctor::cli::usage_line(&err));
            return ExitCode::Usage.into();
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            initdoctor::say!("error: cannot start the async runtime: {err}");
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
            initdoctor::say!("error: {}", initdoctor::sanitize::line(&err.to_string()));
            err.exit_code().into()
        }
    }
}
