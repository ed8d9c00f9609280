//! The parts of `logs` that know nothing of the cluster: what was asked for ([`target`]), the
//! stream as lines and where it has got to ([`lines`]), how lines are written ([`output`]) and
//! how a terminal is kept from interpreting them ([`crate::sanitize`]). The edge is [`stream`].

pub mod lines;
pub mod output;
pub mod stream;
pub mod target;
