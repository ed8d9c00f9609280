//! One module per subcommand: each completes its inputs, validates them without I/O, then runs.

pub mod completion;
pub mod debug;
pub mod explain;
pub mod logs;
pub mod preflight;
pub mod version;

use std::io::Write;

use crate::error::{Error, Result};

/// Write to stdout; a closed pipe surfaces as an error that `main` treats as a clean exit.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::io("writing to stdout", e))
}
