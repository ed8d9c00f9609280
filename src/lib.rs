//! kubectl-initdoctor: explains why a Pod is stuck in its init containers.
//!
//! - [`diagnosis`] and [`status`] are the pure core: Kubernetes objects in, findings out.
//!   [`command`] reads what a container runs (`$(VAR)` expansion, `sh -c` scripts, the tools) for
//!   both [`waits`] and the `InvalidInitSpec` check; it imports only leaves.
//! - [`cluster`] and [`gather`] are the edge: the only code that talks to the API, every request
//!   in a function of [`cluster`] named for what it does (`cluster/logs.rs` the log stream of
//!   `logs`, `ephemeral.rs` and `attach.rs` what `debug` sends, `completion.rs` what TAB
//!   completion lists, …). `tests/lint_layers.rs` fails on a kube `Api` anywhere else, and on an
//!   import circle between these modules.
//! - [`render`] turns diagnoses into tables or JSON; [`commands`] wires the three per subcommand;
//!   [`logs`] reads one container's log through [`cluster`] and writes it.

/// `eprintln!` that never panics: a closed or full stderr (`2>/dev/full`) loses the message,
/// never the exit code.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that never panics (see [`say!`]).
#[macro_export]
macro_rules! say_inline {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut err = std::io::stderr();
        let _ = write!(err, $($arg)*);
        let _ = err.flush();
    }};
}

pub mod app;
pub mod cli;
pub mod cluster;
pub mod command;
pub mod commands;
pub mod debug;
pub mod diagnosis;
pub mod error;
pub mod exit;
pub mod finding;
pub mod gather;
pub mod logplan;
pub mod logs;
pub mod palette;
pub mod pipe;
pub mod preflight;
pub mod render;
pub mod sanitize;
pub mod status;
pub mod text;
pub mod timeline;
pub mod validate;
pub mod waits;

/// The Kubernetes API version the k8s-openapi types are compiled for (its `v1_37` feature).
pub const KUBERNETES_API: &str = "v1.37";
