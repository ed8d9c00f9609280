//! `version`: the client's version.

use crate::error::Result;

/// The version line.
pub fn text() -> String {
    format!(
        "kubectl-initdoctor v{} (Kubernetes API {})\n",
        env!("CARGO_PKG_VERSION"),
        crate::KUBERNETES_API
    )
}

pub fn run() -> Result<()> {
    super::print(&text())
}
