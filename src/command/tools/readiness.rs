//! ONAP's readiness image (onap/oom-readiness, the Go program of 7.0.x, main.go and client/*.go),
//! run as its entrypoint with `args` by every ONAP chart (common/readinessCheck): it waits, in
//! turn, for
//! - `--service-name S`: every pod the Service's selector picks Ready (without a selector, the
//!   pods behind its endpoints);
//! - `--job-name J`: the Job complete;
//! - `--pod-name P`: the pods whose name starts with P Ready.
//!
//! Each flag is read once, by Go's `flag` package: when one is given twice, the last wins (the
//! earlier names are not waited on). `--namespace` (else `$NAMESPACE`) names their namespace.

use super::Call;
use super::probes::go_flag;
use crate::command::{HostTarget, Target};

pub(super) fn readiness(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let namespace = go_flag(args, "namespace").and_then(|a| a.known().map(str::to_string));
    let mut out = Vec::new();
    if let Some(s) = go_flag(args, "service-name") {
        let host = match &namespace {
            Some(n) if n != call.reader.namespace => s.part(&format!("{}.{n}", s.text)),
            _ => s.part(&s.text),
        };
        out.push(Target::Host(HostTarget {
            written: s.written.clone(),
            host,
            port: None,
            scheme: None,
        }));
    }
    if let Some(j) = go_flag(args, "job-name").and_then(|a| a.known().map(str::to_string)) {
        out.push(Target::Job {
            written: j.clone(),
            namespace: namespace.clone(),
            name: j,
            condition: "condition=complete".into(),
        });
    }
    if let Some(p) = go_flag(args, "pod-name").and_then(|a| a.known().map(str::to_string)) {
        out.push(Target::Pods {
            written: format!("{p}*"),
            namespace,
            selector: None,
            names: vec![p],
            condition: "condition=Ready (every pod whose name starts so)".into(),
        });
    }
    out
}
