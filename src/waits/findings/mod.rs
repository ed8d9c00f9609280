//! Checks to findings: for each thing a pending init container waits on, what it resolves to and
//! why it is not there yet — with the evidence and the fix.
//!
//! Every finding of a target has `target` (as written) and `resolved` (the Service, Pod or Job it
//! names, found or not), and its evidence starts with `command: …` (the fragment) and, when
//! objects were followed, `chain: Service → EndpointSlice → Pods`; the table's "waits for"
//! section reads those two lines. Backing pods stuck in init are followed to what *they* wait on,
//! at most [`MAX_CHAIN_DEPTH`] hops and never twice through the same pod.

use std::cell::RefCell;
use std::collections::BTreeSet;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::DEFAULT_CLUSTER_DOMAIN;
use super::resolve::World;
use crate::command::{
    self, Check, Extraction, MAX_SCRIPT, Mode, TOO_COMPLEX, TOO_LARGE, Target, Tool,
};
use crate::finding::{Finding, Severity, finding};
use crate::timeline::{self, InitContainerRow};
use crate::waits::WaitObjects;

mod addresses;
mod backing;
mod local;
pub use local::LOOPBACK;
mod missing;
mod names;
mod once;
mod parts;
#[cfg(test)]
mod scenarios;
mod services;
mod timed;
mod waited;

use local::localhost;
pub use names::busybox_after_1_28;
use names::host_findings;
pub use once::CHECK_WILL_FAIL;
use timed::timed_wait;
use waited::{job_wait, pods_wait, workload_wait};

/// How many backing-pod hops are followed.
pub const MAX_CHAIN_DEPTH: usize = 3;
/// How many pods a finding names.
pub const MAX_PODS_SHOWN: usize = 5;
/// How many other namespaces with a Service of the name a finding lists.
const MAX_NAMESPACES_SHOWN: usize = 3;

/// What the findings of one container's checks are made from: the world it sees, its
/// extraction and timeline row, the time, and where the walk along backing pods is (how many
/// hops deep, and the pods it went through, never twice).
#[derive(Clone, Copy)]
pub(super) struct Walk<'w, 'a> {
    pub world: &'w World<'a>,
    pub ext: &'w Extraction,
    pub row: Option<&'w InitContainerRow>,
    pub now: Timestamp,
    pub depth: usize,
    pub visited: &'w RefCell<BTreeSet<String>>,
}

/// The findings about what `pod`'s pending init containers wait on: the blocker's at
/// full severity, the later ones' at most warnings ("once X is done: …").
pub fn findings(pod: &Pod, objects: Option<&WaitObjects>, now: Timestamp) -> Vec<Finding> {
    findings_of(pod, objects, now, true)
}

/// The findings of every pending init container of `pod` at full severity, each as if the
/// ones before it were done: what a pod not created yet will wait on (`preflight`).
pub fn findings_each(pod: &Pod, objects: Option<&WaitObjects>, now: Timestamp) -> Vec<Finding> {
    findings_of(pod, objects, now, false)
}

fn findings_of(
    pod: &Pod,
    objects: Option<&WaitObjects>,
    now: Timestamp,
    after_blocker: bool,
) -> Vec<Finding> {
    let domain = objects
        .map(|o| o.cluster_domain.as_str())
        .filter(|d| !d.is_empty())
        .unwrap_or(DEFAULT_CLUSTER_DOMAIN);
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    let world = World {
        pod,
        namespace,
        domain,
        objects: objects.filter(|o| o.fetched),
    };
    let rows = timeline::rows(pod);
    let blocking = timeline::blocking(pod, &rows);
    let mut out = Vec::new();
    for (index, container) in super::pending_init_containers(pod) {
        let mut extraction = command::extract(
            pod,
            container,
            world.objects.map(|o| o.config_maps.as_slice()),
        );
        // A native sidecar serves: only the connections its command makes are waits.
        if crate::status::is_sidecar(container) {
            if extraction.checks.is_empty() {
                continue;
            }
            extraction.not_understood.clear();
        }
        let visited = RefCell::new(BTreeSet::from([pod
            .metadata
            .name
            .clone()
            .unwrap_or_default()]));
        let mut found = container_findings(Walk {
            world: &world,
            ext: &extraction,
            row: rows.get(index),
            now,
            depth: 0,
            visited: &visited,
        });
        match &blocking {
            Some(b) if after_blocker && b.index != index => {
                for f in &mut found {
                    f.severity = f.severity.min(Severity::Warning);
                    // A native sidecar is never done: it only has to have started.
                    let once = if rows.get(b.index).is_some_and(|r| r.sidecar) {
                        "has started"
                    } else {
                        "is done"
                    };
                    f.message = format!("once {} {once}: {}", b.name, f.message);
                }
            }
            _ => {}
        }
        out.extend(found);
    }
    if let Some(objects) = world.objects
        && let Some(first) = out.first_mut()
    {
        first.evidence.extend(objects.problems.iter().cloned());
    }
    out
}

/// The findings of one container's extraction.
pub(super) fn container_findings(w: Walk) -> Vec<Finding> {
    let Walk { world, ext, .. } = w;
    let mut out = Vec::new();
    for check in &ext.checks {
        // `sleep` inside a loop is its poll interval, not a wait of its own.
        if check.tool == Tool::Sleep && check.in_loop {
            continue;
        }
        let mut found = check_findings(w, check);
        for f in &mut found {
            let mut head = vec![command_line(check)];
            if check.times > 1 {
                head.push(format!(
                    "the script runs this same check {} times: one finding for them all",
                    check.times
                ));
            }
            head.extend(check.notes.iter().cloned());
            if let Some(err) = &ext.syntax_error {
                head.push(format!(
                    "the script never runs: {} rejects it ({}), see InvalidInitSpec",
                    ext.shell.as_deref().unwrap_or("sh"),
                    err.message
                ));
            }
            if ext.brace_range_in_sh && check.in_loop {
                head.push(format!(
                    "{} does not expand `{{1..N}}` (bash does): such a for loop runs once",
                    ext.shell.as_deref().unwrap_or("sh")
                ));
            }
            head.append(&mut f.evidence);
            f.evidence = head;
        }
        out.extend(found);
    }
    if !ext.not_understood.is_empty() {
        let first = &ext.not_understood[0];
        let severity = if ext.checks.is_empty() {
            Severity::Warning
        } else {
            Severity::Info
        };
        let message = if ext.too_complex {
            format!("{TOO_COMPLEX}: what it waits on is not known")
        } else if ext.too_large {
            format!("{TOO_LARGE}: what it waits on is not known")
        } else {
            format!(
                "not understood: `{}`: what it waits on is not known",
                one_line(first, 120)
            )
        };
        let mut f = finding("WaitNotUnderstood", severity, Some(&ext.container), message);
        f.evidence = if ext.too_complex {
            let mut e = vec![format!(
                "the command reader stopped at its budget ({} steps of reading, matching and \
                 copying): the script's patterns, nesting or values are built too large",
                crate::command::STEPS
            )];
            e.extend(
                ext.script
                    .iter()
                    .map(|s| format!("script: {}", one_line(s, 240))),
            );
            e
        } else if ext.too_large {
            let mut e = vec![format!(
                "its command is longer than the {} KiB the command reader reads: it is not read",
                MAX_SCRIPT / 1024
            )];
            e.extend(
                ext.script
                    .iter()
                    .map(|s| format!("script: {}", one_line(s, 240))),
            );
            e
        } else {
            ext.not_understood
                .iter()
                .map(|c| format!("not understood: {}", one_line(c, 240)))
                .collect()
        };
        f.evidence.push(format!("image: {}", ext.image));
        f.hint = format!(
            "read its logs: `kubectl logs {} -c {} -n {}`",
            world.pod.metadata.name.as_deref().unwrap_or("POD"),
            ext.container,
            world.namespace
        );
        out.push(f);
    }
    out
}

pub(super) fn command_line(check: &Check) -> String {
    let mut line = format!("command: {}", one_line(&check.fragment, 200));
    if let Some(t) = &check.timeout {
        line.push_str(&format!(" (under `timeout {t}`)"));
    }
    line
}

/// `text` on one line (runs of white space as one space), cut at `max` characters with `…`:
/// reads no more of `text` than it shows.
pub fn one_line(text: &str, max: usize) -> String {
    let mut one = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        for c in (!one.is_empty())
            .then_some(' ')
            .into_iter()
            .chain(word.chars())
        {
            if count == max {
                one.push('…');
                return one;
            }
            one.push(c);
            count += 1;
        }
    }
    one
}

/// A finding about `check` of `ext`.
pub(super) fn new(
    code: &str,
    severity: Severity,
    ext: &Extraction,
    check: &Check,
    message: String,
) -> Finding {
    let mut f = finding(code, severity, Some(&ext.container), message);
    f.target = Some(check.target.written());
    f
}

pub(super) fn pod_name<'a>(world: &'a World) -> &'a str {
    world.pod.metadata.name.as_deref().unwrap_or("POD")
}

pub(super) fn logs_hint(world: &World, ext: &Extraction) -> String {
    format!(
        "read its logs: `kubectl logs {} -c {} -n {}`",
        pod_name(world),
        ext.container,
        world.namespace
    )
}

/// The findings of one check.
pub(super) fn check_findings(w: Walk, check: &Check) -> Vec<Finding> {
    let Walk {
        world,
        ext,
        row,
        now,
        ..
    } = w;
    let mut out = Vec::new();
    let never_waits = check.tool == Tool::Dig
        && check.decides
        && matches!(check.mode, Mode::Loop | Mode::LoopWhileSucceeds);
    if never_waits {
        let mut f = new(
            "CheckNeverWaits",
            Severity::Warning,
            ext,
            check,
            format!(
                "`{}` exits 0 even when the name does not exist (NXDOMAIN), so this check passes at once and guards nothing",
                one_line(&check.fragment, 80)
            ),
        );
        f.hint = format!(
            "use a check that fails on a missing name: `nslookup {t}`, `getent hosts {t}` or `dig +short {t} | grep -q .`",
            t = check.target.written()
        );
        out.push(f);
    }
    let mut targets = match &check.target {
        Target::Sleep { written, seconds } => timed_wait(ext, check, written, *seconds, row, now),
        Target::Local { port, what } => localhost(world, ext, check, what, *port),
        Target::Pods {
            namespace,
            selector,
            names,
            condition,
            ..
        } => pods_wait(
            w,
            check,
            namespace.as_deref(),
            selector.as_deref(),
            names,
            condition,
        ),
        Target::Job {
            namespace, name, ..
        } => job_wait(w, check, namespace.as_deref(), name),
        Target::Workload {
            namespace,
            kind,
            name,
            selector,
            ..
        } => workload_wait(
            w,
            check,
            namespace.as_deref(),
            kind,
            name.as_deref(),
            selector.as_deref(),
        ),
        Target::Host(h) => host_findings(w, check, h),
    };
    for f in &mut targets {
        once::annotate(ext, check, f);
        if check.mode == Mode::LoopWhileSucceeds {
            f.evidence.push(
                "the loop repeats while the check succeeds: it waits for it to fail (`until` or `while !` was probably meant)".into(),
            );
        }
        if check.http_errors_pass && f.code == "ResolvesButWaits" {
            f.evidence.push(
                "curl without --fail exits 0 on HTTP errors: only a failed connection makes it fail".into(),
            );
        }
        if never_waits {
            f.severity = Severity::Info;
            f.evidence
                .push("dig exits 0 either way, so this does not hold the container back".into());
        }
    }
    out.extend(targets);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busybox_versions() {
        assert_eq!(busybox_after_1_28("busybox"), Some("latest".into()));
        assert_eq!(busybox_after_1_28("busybox:1.35"), Some("1.35".into()));
        assert_eq!(
            busybox_after_1_28("busybox:1.36.1-musl"),
            Some("1.36.1-musl".into())
        );
        assert_eq!(busybox_after_1_28("busybox:1.28"), None);
        assert_eq!(busybox_after_1_28("busybox:1.28.4"), None);
        assert_eq!(busybox_after_1_28("busybox:1.27"), None);
        assert_eq!(busybox_after_1_28("tutum/dnsutils"), None);
        assert_eq!(busybox_after_1_28("busybox@sha256:abc"), None);
    }
}
