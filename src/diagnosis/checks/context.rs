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
    /// The app containers in spec order, in the same shape (`app` true), for the checks that
    /// look at them as they look at the blocker (crash, image) and the lifecycle checks.
    pub apps: Vec<Blocker<'a>>,
    /// The native sidecars (init containers with `restartPolicy: Always`), which may have
    /// probes and hooks as app containers do.
    pub sidecars: Vec<Blocker<'a>>,
}

/// One container examined by the checks, everything known about it in one place: the blocking
/// init container, or an app container.
pub struct Blocker<'a> {
    pub row: &'a InitContainerRow,
    pub spec: Option<&'a Container>,
    pub status: Option<&'a ContainerStatus>,
    pub logs: Option<&'a ContainerLogs>,
    /// An app container (`spec.containers`), not an init container.
    pub app: bool,
}

impl Blocker<'_> {
    pub fn name(&self) -> &str {
        &self.row.name
    }

    /// `init` or `app`, for messages.
    pub fn kind(&self) -> &'static str {
        if self.app { "app" } else { "init" }
    }

    /// How a message names it: `init container wait`, `sidecar proxy` (a native sidecar),
    /// `container app`.
    pub fn noun(&self) -> String {
        let what = if self.app {
            "container"
        } else if self
            .spec
            .is_some_and(|s| s.restart_policy.as_deref() == Some("Always"))
        {
            "sidecar"
        } else {
            "init container"
        };
        format!("{what} {}", self.name())
    }

    /// The path of one of its fields in the pod: `spec.containers[1].image`.
    pub fn field(&self, rest: &str) -> String {
        let list = if self.app {
            "containers"
        } else {
            "initContainers"
        };
        format!("spec.{list}[{}].{rest}", self.row.index)
    }

    /// A finding code for this container: `base` for the blocker, `App` + `base` for an app
    /// container (`CrashLoop`, `AppCrashLoop`).
    pub fn code(&self, base: &str) -> String {
        if self.app {
            format!("App{base}")
        } else {
            base.to_string()
        }
    }

    /// True when it runs now and is ready.
    pub fn ready(&self) -> bool {
        self.status.is_some_and(|s| s.ready)
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

    /// The pod's `terminationGracePeriodSeconds` (default 30).
    pub fn grace_seconds(&self) -> i64 {
        self.pod
            .spec
            .as_ref()
            .and_then(|s| s.termination_grace_period_seconds)
            .unwrap_or(30)
    }

    /// The pod-level `restartPolicy` (default `Always`).
    pub fn restart_policy(&self) -> &str {
        self.pod
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref())
            .unwrap_or("Always")
    }

    /// The containers that may have probes and hooks: native sidecars, then app containers.
    pub fn long_running(&self) -> impl Iterator<Item = &Blocker<'_>> {
        self.sidecars.iter().chain(self.apps.iter())
    }

    /// The events with one of `reasons` about exactly `container` (not the pod as a whole).
    pub fn container_events(&self, container: &str, reasons: &[&str]) -> Vec<&PodEvent> {
        self.diagnosis
            .events
            .iter()
            .filter(|e| reasons.contains(&e.reason.as_str()))
            .filter(|e| e.container.as_deref() == Some(container))
            .collect()
    }

    /// True when the pod has terminated for good or is being deleted.
    pub fn finished(&self) -> bool {
        matches!(self.diagnosis.phase.as_str(), "Succeeded" | "Failed")
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
