//! What every check reads ([`Context`], [`Blocker`]) and the helpers their findings share.
//! The families import this, never the runner ([`super::evaluate`]).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};

use crate::diagnosis::events::PodEvent;
use crate::diagnosis::evidence::{ContainerLogs, Evidence, waiting_reason};
use crate::diagnosis::summary::PodDiagnosis;
use crate::finding::Finding;
pub use crate::finding::{finding, log_lines, one_line, quoted_after};
use crate::timeline::InitContainerRow;

/// What every check may read: the gathered evidence, the summary of the pod, and `now`.
pub struct Context<'a> {
    pub evidence: &'a Evidence,
    pub pod: &'a Pod,
    pub diagnosis: &'a PodDiagnosis,
    pub now: Timestamp,
    /// The init container that blocks, with its spec, status and logs.
    pub blocker: Option<Blocker<'a>>,
}

/// The blocking init container, everything known about it in one place.
pub struct Blocker<'a> {
    pub row: &'a InitContainerRow,
    pub spec: Option<&'a Container>,
    pub status: Option<&'a ContainerStatus>,
    pub logs: Option<&'a ContainerLogs>,
}

impl Blocker<'_> {
    pub fn name(&self) -> &str {
        &self.row.name
    }

    /// The waiting reason, if it waits with one.
    pub fn waiting_reason(&self) -> Option<&str> {
        self.status.and_then(waiting_reason)
    }

    /// The waiting message, if any.
    pub fn waiting_message(&self) -> Option<&str> {
        self.status
            .and_then(|s| s.state.as_ref())
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.message.as_deref())
            .filter(|m| !m.is_empty())
    }
}

/// A check: `Some` when it is sure of what it found.
pub type Check = fn(&Context) -> Option<Finding>;

impl Context<'_> {
    /// `POD -n NAMESPACE`, for the commands in hints.
    pub fn pod_args(&self) -> String {
        format!("{} -n {}", self.diagnosis.name, self.diagnosis.namespace)
    }

    pub fn namespace(&self) -> &str {
        &self.diagnosis.namespace
    }

    /// The deduplicated events with one of `reasons` (any when empty), about `container` or the
    /// pod as a whole when `container` is `Some`, else all.
    pub fn events(&self, container: Option<&str>, reasons: &[&str]) -> Vec<&PodEvent> {
        self.diagnosis
            .events
            .iter()
            .filter(|e| reasons.is_empty() || reasons.contains(&e.reason.as_str()))
            .filter(|e| match container {
                Some(name) => e.container.as_deref().is_none_or(|c| c == name),
                None => true,
            })
            .collect()
    }

    /// The pod-level `restartPolicy` (default `Always`).
    pub fn restart_policy(&self) -> &str {
        self.pod
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref())
            .unwrap_or("Always")
    }

    /// The index of an init container in spec order.
    pub fn init_index(&self, name: &str) -> Option<usize> {
        self.diagnosis
            .init_containers
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.index)
    }
}

/// An event as one evidence line: `Warning BackOff (x5, kubelet): Back-off restarting …`.
pub fn event_line(event: &PodEvent) -> String {
    let count = if event.count > 1 {
        format!("x{}, ", event.count)
    } else {
        String::new()
    };
    format!(
        "event {} {} ({count}{}): {}",
        event.type_,
        event.reason,
        if event.source.is_empty() {
            "unknown"
        } else {
            &event.source
        },
        one_line(&event.message)
    )
}
