//! The parts of `logs` that know nothing of the cluster: what was asked for ([`target`]), the
//! stream as lines and where it has got to ([`lines`]), how lines are written ([`output`]) and
//! how a terminal is kept from interpreting them ([`crate::sanitize`]). [`stream`] reads one
//! container's log through the request [`crate::cluster::logs`] opens, and resumes it.

pub mod lines;
pub mod output;
pub mod stream;
pub mod target;
