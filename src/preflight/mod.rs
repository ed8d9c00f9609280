//! `preflight`: which init containers will block, read from manifests before they are applied.
//!
//! Pure, like the rest of the core: objects in, findings out.
//!
//! 1. [`load`] reads manifests as `kubectl apply -f` does (multi-document YAML, JSON, `List`s);
//! 2. [`bundle`] keeps what a wait can need: each workload's pod template as the pod it will
//!    create, Services, ConfigMaps, Secrets (names and keys only), Jobs;
//! 3. [`world`] lays the bundle over the live namespace ([`Live`], empty with `--offline`) as
//!    [`crate::waits::WaitObjects`], with what applying it brings about: a Service with a
//!    selector has endpoints when a workload matches it, ready when that workload's pods will be;
//! 4. [`check`] runs the waits' own findings ([`crate::waits::findings_each`]) on every init
//!    container, with the checks only manifests need ([`refs`]: ConfigMap and Secret keys the
//!    env reads; [`server`]: a server declared as a plain init container), and decides each
//!    workload's fate: a workload is Ready once nothing its init containers wait on blocks,
//!    given the workloads already Ready — so waits that form a loop ([`graph`]) never are.
//!
//! A finding at `error` severity is an init container that will block; the rest say what could
//! not be checked or what may go wrong. Codes: those of [`crate::waits::CODES`], `ConfigMissing`,
//! and [`CODES`].

pub mod bundle;
pub mod check;
pub mod graph;
pub mod load;
pub mod refs;
#[cfg(test)]
mod scenarios;
pub mod server;
pub mod world;

use serde::Serialize;

pub use bundle::{Bundle, SecretKeys, Workload};
pub use check::{Options, run};
pub use world::Live;

use crate::finding::Finding;

/// The codes only `preflight` gives.
pub const CODES: &[&str] = &["ServerAsInitContainer", "WaitsOnItself", "WaitCycle"];

/// The most workloads one run checks (each round of the fate computation checks each once).
pub const MAX_WORKLOADS: usize = 2_000;

/// What `preflight` found, the JSON document of `-o json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The namespace objects without one are applied to.
    pub namespace: String,
    /// True when the live namespace was read (not `--offline`).
    pub cluster: bool,
    /// Every workload with init containers, in the bundle's order.
    pub workloads: Vec<WorkloadReport>,
    /// What could not be read or checked, one line each.
    pub problems: Vec<String>,
}

/// One workload and the findings about its init containers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadReport {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The file (and document) it was read from.
    pub source: String,
    /// The pod the findings speak of (a StatefulSet's first, `name-0`).
    pub pod: String,
    /// True when an init container will block (a finding at `error` severity).
    pub will_block: bool,
    /// The first init container that will block.
    pub blocking: Option<String>,
    /// The findings, errors first (the same shape as `explain`'s).
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when some init container will block (`--exit-code` exits 3).
    pub fn will_block(&self) -> bool {
        self.workloads.iter().any(|w| w.will_block)
    }
}
