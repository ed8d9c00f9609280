//! What a probe points at: `ProbeCommandNotFound` (an exec probe whose program is not in the
//! image) and `ProbePortNotDeclared` (a failing probe on a port no container declares).

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::context::{Context, event_line, finding};
use super::probes::{
    ProbeKind, describe_probe, missing_command, port_text, probe_events, probe_port,
};
use crate::finding::{Finding, Severity};

/// An exec probe whose program is not in the image: it can never pass.
pub fn probe_command_not_found(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in cx.long_running() {
        for kind in ProbeKind::ALL {
            let Some(event) = missing_command(cx, c, kind) else {
                continue;
            };
            let Some(exec) = kind.of(c).and_then(|p| p.exec.as_ref()) else {
                continue;
            };
            let command = exec.command.as_deref().unwrap_or(&[]);
            let program = command.first().cloned().unwrap_or_default();
            let image = c.spec.and_then(|s| s.image.clone()).unwrap_or_default();
            let effect = match kind {
                ProbeKind::Readiness => "the container is never Ready",
                ProbeKind::Liveness => "the kubelet keeps killing the container",
                ProbeKind::Startup => "the container never counts as started and is killed",
            };
            let mut f = finding(
                "ProbeCommandNotFound",
                Severity::Error,
                Some(c.name()),
                format!(
                    "its {} runs {program:?}, which the image {image:?} does not have: the probe can never pass, so {effect}",
                    kind.field()
                ),
            );
            f.evidence
                .push(format!("{}: exec {}", kind.field(), command.join(" ")));
            f.evidence.push(event_line(event));
            f.hint = format!(
                "use a program the image has in {}.exec.command (check: kubectl exec {} -c {} -- which {program}), or an httpGet/tcpSocket probe",
                c.field(kind.field()),
                cx.pod_args(),
                c.name()
            );
            out.push(f);
        }
    }
    out
}

/// A failing httpGet/tcpSocket probe on a port that no container of the pod declares (while
/// some ports are declared), or on which nothing listens (connection refused).
pub fn probe_port_not_declared(cx: &Context) -> Vec<Finding> {
    let declared: Vec<(i32, Option<&str>, &str)> = cx
        .long_running()
        .flat_map(|c| {
            c.spec
                .and_then(|s| s.ports.as_deref())
                .unwrap_or(&[])
                .iter()
                .map(move |p| (p.container_port, p.name.as_deref(), c.name()))
        })
        .collect();
    let mut out = Vec::new();
    if declared.is_empty() {
        return out;
    }
    for c in cx.long_running() {
        for kind in ProbeKind::ALL {
            let Some(p) = kind.of(c) else { continue };
            let Some(port) = probe_port(p) else { continue };
            let known = match port {
                IntOrString::Int(n) => declared.iter().any(|(d, _, _)| d == n),
                IntOrString::String(s) => declared
                    .iter()
                    .any(|(_, name, owner)| *name == Some(s.as_str()) && *owner == c.name()),
            };
            if known {
                continue;
            }
            let events = probe_events(cx, c.name(), kind);
            let Some(last) = events.last() else { continue };
            let listed = declared
                .iter()
                .map(|(n, name, owner)| match name {
                    Some(name) => format!("{n} ({name}, {owner})"),
                    None => format!("{n} ({owner})"),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let mut f = finding(
                "ProbePortNotDeclared",
                Severity::Warning,
                Some(c.name()),
                format!(
                    "its {} probes port {}, which no container of the pod declares (declared: {listed}): probably the wrong port",
                    kind.field(),
                    port_text(port)
                ),
            );
            f.evidence
                .push(format!("{}: {}", kind.field(), describe_probe(p)));
            f.evidence.push(event_line(last));
            f.hint = format!(
                "point {}.{} at the port the app listens on, or declare it in ports",
                c.field(kind.field()),
                if p.http_get.is_some() {
                    "httpGet.port"
                } else {
                    "tcpSocket.port"
                }
            );
            out.push(f);
        }
    }
    out
}
