//! kubectl-initdoctor: explains why a Pod is stuck in its init containers.
//!
//! - [`diagnosis`] and [`status`] are the pure core: Kubernetes objects in, findings out.
//!   [`command`] reads what a container runs (`$(VAR)` expansion, `sh -c` scripts, the tools) for
//!   both [`waits`] and the `InvalidInitSpec` check; it imports only leaves.
//! - [`cluster`] and [`gather`] are the edge: the only code that talks to the API.
//! - [`render`] turns diagnoses into tables or JSON; [`commands`] wires the three per subcommand.

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
