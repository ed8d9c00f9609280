//! After the start: what the probes of a native sidecar or an app container say.
//! `ReadinessProbeFailing` (running, not Ready, no restart), `LivenessProbeRestarting` (killed and
//! restarted by its livenessProbe), `StartupProbeNeverPassed` (liveness and readiness wait on it),
//! and the helpers `probe_targets.rs` shares (`ProbeCommandNotFound`, `ProbePortNotDeclared`).

use k8s_openapi::api::core::v1::{ContainerStatus, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::context::{Blocker, Context, event_line, finding};
use crate::diagnosis::events::PodEvent;
use crate::finding::{Finding, Severity};

/// The three probes, as the kubelet names them in its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    Readiness,
    Liveness,
    Startup,
}

impl ProbeKind {
    pub(super) const ALL: [ProbeKind; 3] = [
        ProbeKind::Startup,
        ProbeKind::Liveness,
        ProbeKind::Readiness,
    ];

    /// `readinessProbe`, as in the spec.
    pub fn field(self) -> &'static str {
        match self {
            ProbeKind::Readiness => "readinessProbe",
            ProbeKind::Liveness => "livenessProbe",
            ProbeKind::Startup => "startupProbe",
        }
    }

    /// `Readiness`, as the kubelet's events start.
    fn word(self) -> &'static str {
        match self {
            ProbeKind::Readiness => "Readiness",
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Startup => "Startup",
        }
    }

    pub(super) fn of<'a>(self, c: &Blocker<'a>) -> Option<&'a Probe> {
        let spec = c.spec?;
        match self {
            ProbeKind::Readiness => spec.readiness_probe.as_ref(),
            ProbeKind::Liveness => spec.liveness_probe.as_ref(),
            ProbeKind::Startup => spec.startup_probe.as_ref(),
        }
    }
}

/// The kubelet's `Unhealthy` events about this probe of `container`, newest last: `Readiness
/// probe failed: …` and `Readiness probe errored …` (an error it could not classify).
pub fn probe_events<'a>(cx: &'a Context, container: &str, kind: ProbeKind) -> Vec<&'a PodEvent> {
    let prefix = format!("{} probe", kind.word());
    cx.container_events(container, &["Unhealthy"])
        .into_iter()
        .filter(|e| probe_message(&e.message).starts_with(&prefix))
        .collect()
}

/// The message without the `(combined from similar events): ` the event recorder prepends.
fn probe_message(message: &str) -> &str {
    message
        .strip_prefix("(combined from similar events): ")
        .unwrap_or(message)
}

/// The kubelet's `Killing` events that say the probe made it restart the container:
/// `Container app failed liveness probe, will be restarted`.
fn kill_events<'a>(cx: &'a Context, container: &str, kind: ProbeKind) -> Vec<&'a PodEvent> {
    let needle = format!("failed {} probe", kind.word().to_lowercase());
    cx.container_events(container, &["Killing"])
        .into_iter()
        .filter(|e| e.message.contains(&needle))
        .collect()
}

/// The port a probe connects to, as written.
pub(super) fn probe_port(p: &Probe) -> Option<&IntOrString> {
    p.http_get
        .as_ref()
        .map(|h| &h.port)
        .or(p.tcp_socket.as_ref().map(|t| &t.port))
}

pub(super) fn port_text(port: &IntOrString) -> String {
    match port {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// A probe in one line: `httpGet :8080/healthz, every 10s, gives up after 3 failures (about 30s)`.
pub fn describe_probe(p: &Probe) -> String {
    let action = if let Some(h) = &p.http_get {
        format!(
            "httpGet :{}{}",
            port_text(&h.port),
            h.path.as_deref().unwrap_or("/")
        )
    } else if let Some(t) = &p.tcp_socket {
        format!("tcpSocket :{}", port_text(&t.port))
    } else if let Some(e) = &p.exec {
        format!("exec {}", e.command.as_deref().unwrap_or(&[]).join(" "))
    } else if let Some(g) = &p.grpc {
        format!("grpc :{}", g.port)
    } else {
        "no action".into()
    };
    let period = p.period_seconds.unwrap_or(10);
    let failures = p.failure_threshold.unwrap_or(3);
    let first = match p.initial_delay_seconds.unwrap_or(0) {
        0 => String::new(),
        initial => format!(", first after {initial}s"),
    };
    format!(
        "{action}, every {period}s{first}, gives up after {failures} failures (about {})",
        crate::diagnosis::short_duration(budget(p)),
    )
}

/// Seconds from the container's start until a probe that never passes gives up:
/// `initialDelaySeconds + periodSeconds × failureThreshold`.
pub(super) fn budget(p: &Probe) -> i64 {
    i64::from(p.initial_delay_seconds.unwrap_or(0))
        + i64::from(p.period_seconds.unwrap_or(10)) * i64::from(p.failure_threshold.unwrap_or(3))
}

/// What a probe failure message means, in one line.
fn meaning(message: &str, p: &Probe) -> Option<String> {
    let m = message.to_lowercase();
    let port = probe_port(p).map(port_text).unwrap_or_default();
    if let Some(code) = status_code(&m) {
        let path = p
            .http_get
            .as_ref()
            .and_then(|h| h.path.as_deref())
            .unwrap_or("/");
        return Some(match code {
            404 => format!(
                "404: the server answers on port {port} but has nothing at {path}: the probe's path is wrong or the content is missing"
            ),
            401 | 403 => format!(
                "{code}: the server refuses the probe: probe a path that needs no authentication"
            ),
            500..=599 => {
                format!("{code}: the app answers but reports itself unhealthy: its log says why")
            }
            _ => format!("{code}: only 200-399 counts as success"),
        });
    }
    if m.contains("connection refused") {
        return Some(format!(
            "connection refused: nothing listens on port {port} in the pod (the app has not started listening, listens on another port, or only on 127.0.0.1)"
        ));
    }
    if m.contains("context deadline exceeded") || m.contains("timeout") || m.contains("timed out") {
        return Some(format!(
            "timeout: no answer within timeoutSeconds ({}s): the app is too slow or stuck, or something drops the probe's packets",
            p.timeout_seconds.unwrap_or(1)
        ));
    }
    if m.contains("no route to host") || m.contains("network is unreachable") {
        return Some("the kubelet cannot reach the pod's address: a node network problem".into());
    }
    None
}

fn status_code(lower: &str) -> Option<u16> {
    let at = lower.find("statuscode: ")? + "statuscode: ".len();
    lower[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// True when an exec probe's failure says its program is not in the image: the runtime's
/// `executable file not found in $PATH` / `no such file or directory` (the probe "errored"), or a
/// shell's `not found` (exit 127) / `permission denied` (exit 126).
fn command_missing(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("executable file not found")
        || (m.contains("exec failed") && m.contains("no such file or directory"))
        || m.ends_with(": not found")
        || m.contains("exit code 127")
        || m.contains("exit code 126")
        || (m.contains("exec failed") && m.contains("permission denied"))
}

/// The last `n` distinct events as evidence lines, oldest first.
fn last_events(events: &[&PodEvent], n: usize) -> Vec<String> {
    let start = events.len().saturating_sub(n);
    events[start..].iter().map(|e| event_line(e)).collect()
}

fn running(status: Option<&ContainerStatus>) -> bool {
    status
        .and_then(|s| s.state.as_ref())
        .is_some_and(|s| s.running.is_some())
}

/// A container's probe of `kind` whose events say its command is missing.
pub(super) fn missing_command<'a>(
    cx: &'a Context,
    c: &Blocker,
    kind: ProbeKind,
) -> Option<&'a PodEvent> {
    kind.of(c)?.exec.as_ref()?;
    probe_events(cx, c.name(), kind)
        .into_iter()
        .rev()
        .find(|e| command_missing(&e.message))
}

/// The container runs but its readinessProbe fails: not Ready, no traffic from Services; the
/// kubelet never restarts a container for readiness.
pub fn readiness_probe_failing(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in cx.long_running() {
        let Some(p) = ProbeKind::Readiness.of(c) else {
            continue;
        };
        if c.ready() || !running(c.status) || cx.finished() {
            continue;
        }
        // A startup probe that has not passed holds readiness back: that is its finding.
        if ProbeKind::Startup.of(c).is_some() && c.status.and_then(|s| s.started) != Some(true) {
            continue;
        }
        if missing_command(cx, c, ProbeKind::Readiness).is_some() {
            continue;
        }
        let events = probe_events(cx, c.name(), ProbeKind::Readiness);
        let Some(last) = events.last() else { continue };
        let mut f = finding(
            "ReadinessProbeFailing",
            Severity::Error,
            Some(c.name()),
            format!(
                "runs but is not Ready: its readinessProbe fails ({}), so the pod gets no traffic from Services; a readiness failure never restarts it",
                describe_probe(p).split(',').next().unwrap_or_default()
            ),
        );
        f.evidence
            .push(format!("readinessProbe: {}", describe_probe(p)));
        f.evidence.extend(last_events(&events, 2));
        let meant = meaning(&last.message, p);
        if let Some(m) = &meant {
            f.evidence.push(m.clone());
        }
        let field = c.field("readinessProbe");
        let lower = last.message.to_lowercase();
        f.hint = if let (Some(h), Some(404)) = (&p.http_get, status_code(&lower)) {
            format!(
                "serve {path} on port {port}, or point {field}.httpGet.path at a page the app has; try it: kubectl exec {pod} -c {name} -- wget -qO- http://127.0.0.1:{port}{path}",
                path = h.path.as_deref().unwrap_or("/"),
                port = port_text(&h.port),
                pod = cx.pod_args(),
                name = c.name()
            )
        } else if lower.contains("connection refused") {
            format!(
                "make the app listen on that port on all addresses (0.0.0.0), or point {field} at the port it listens on; see what it does: kubectl logs {} -c {}",
                cx.pod_args(),
                c.name()
            )
        } else if meant.as_deref().is_some_and(|m| m.starts_with("timeout")) {
            format!(
                "raise {field}.timeoutSeconds, or find out why the app answers slowly: kubectl logs {} -c {}",
                cx.pod_args(),
                c.name()
            )
        } else {
            format!(
                "see why the probe fails: kubectl describe pod {} (Events), and kubectl logs {} -c {}",
                cx.pod_args(),
                cx.pod_args(),
                c.name()
            )
        };
        out.push(f);
    }
    out
}

/// The kubelet killed the container because its livenessProbe failed, and restarts it per the
/// pod's restartPolicy; with the probe's timing against how long the last instance lived.
pub fn liveness_probe_restarting(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in cx.long_running() {
        let Some(p) = ProbeKind::Liveness.of(c) else {
            continue;
        };
        let kills = kill_events(cx, c.name(), ProbeKind::Liveness);
        let failures = probe_events(cx, c.name(), ProbeKind::Liveness);
        if kills.is_empty() && (failures.is_empty() || c.row.restarts == 0) {
            continue;
        }
        let times = kills.iter().map(|e| e.count).sum::<i64>().max(1);
        // The kubelet's kill ends it with 137; its rules, its own policy or the pod's decide.
        let decision = c
            .spec
            .map(|spec| crate::diagnosis::restart::decide(cx.pod, spec, 137));
        let again = if let Some(d) = decision.filter(|d| !d.restart) {
            format!("{}, so it is not restarted", d.reason(137))
        } else {
            format!("restarted {} times so far", c.row.restarts)
        };
        let mut f = finding(
            "LivenessProbeRestarting",
            Severity::Error,
            Some(c.name()),
            format!(
                "the kubelet killed it {times} time{} because its livenessProbe failed; {again}",
                if times == 1 { "" } else { "s" }
            ),
        );
        f.evidence
            .push(format!("livenessProbe: {}", describe_probe(p)));
        let lived = c
            .status
            .and_then(|s| s.last_state.as_ref())
            .and_then(|l| l.terminated.as_ref())
            .and_then(|t| Some((t.started_at.as_ref()?.0, t.finished_at.as_ref()?.0)))
            .map(|(from, to)| crate::diagnosis::seconds_between(from, to));
        let limit = budget(p);
        let early = lived.is_some_and(|l| l <= limit + i64::from(p.period_seconds.unwrap_or(10)));
        if let Some(lived) = lived {
            f.evidence.push(if early {
                format!(
                    "the last instance lived {}; the probe gives up {} after the start (initialDelaySeconds {} + periodSeconds {} × failureThreshold {}): restarted before it could ever become healthy",
                    crate::diagnosis::short_duration(lived),
                    crate::diagnosis::short_duration(limit),
                    p.initial_delay_seconds.unwrap_or(0),
                    p.period_seconds.unwrap_or(10),
                    p.failure_threshold.unwrap_or(3)
                )
            } else {
                format!(
                    "the last instance lived {}, longer than the probe's {} from the start: it was healthy, then stopped answering",
                    crate::diagnosis::short_duration(lived),
                    crate::diagnosis::short_duration(limit)
                )
            });
        }
        f.evidence.extend(last_events(&failures, 1));
        if let Some(m) = failures.last().and_then(|e| meaning(&e.message, p)) {
            f.evidence.push(m);
        }
        f.evidence.extend(last_events(&kills, 1));
        let field = c.field("livenessProbe");
        f.hint = if early {
            format!(
                "the app needs longer to become healthy than the probe allows: add a startupProbe (failureThreshold × periodSeconds above its start time) or raise {field}.initialDelaySeconds; or fix what the probe checks"
            )
        } else {
            format!(
                "see what the killed instance did last: kubectl logs {} -c {} --previous; then fix the app or loosen {field}",
                cx.pod_args(),
                c.name()
            )
        };
        out.push(f);
    }
    out
}

/// The container's startupProbe has not passed: liveness and readiness wait on it, the kubelet
/// kills it when it gives up; a native sidecar holds the next init container meanwhile.
pub fn startup_probe_never_passed(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in cx.long_running() {
        let Some(p) = ProbeKind::Startup.of(c) else {
            continue;
        };
        if c.status.and_then(|s| s.started) == Some(true) || cx.finished() {
            continue;
        }
        if missing_command(cx, c, ProbeKind::Startup).is_some() {
            continue;
        }
        let failures = probe_events(cx, c.name(), ProbeKind::Startup);
        let kills = kill_events(cx, c.name(), ProbeKind::Startup);
        if failures.is_empty() && kills.is_empty() {
            continue;
        }
        let holds = if c.app {
            "liveness and readiness wait for it, so the container is not Ready".to_string()
        } else {
            let next = cx
                .diagnosis
                .init_containers
                .get(c.row.index + 1)
                .map(|r| format!("init container {:?}", r.name))
                .unwrap_or_else(|| "the app containers".into());
            format!("it is a native sidecar, so {next} cannot start until it passes")
        };
        let mut f = finding(
            "StartupProbeNeverPassed",
            Severity::Error,
            Some(c.name()),
            format!(
                "its startupProbe has not passed: {holds}; the kubelet kills and restarts it about {} after each start",
                crate::diagnosis::short_duration(budget(p))
            ),
        );
        f.evidence
            .push(format!("startupProbe: {}", describe_probe(p)));
        f.evidence.extend(last_events(&failures, 2));
        if let Some(m) = failures.last().and_then(|e| meaning(&e.message, p)) {
            f.evidence.push(m);
        }
        f.evidence.extend(last_events(&kills, 1));
        f.evidence.push(format!("restarts {}", c.row.restarts));
        f.hint = format!(
            "if the app only needs longer, raise {}.failureThreshold (failureThreshold × periodSeconds above its start time); else see why it never answers: kubectl logs {} -c {}",
            c.field("startupProbe"),
            cx.pod_args(),
            c.name()
        );
        out.push(f);
    }
    out
}

/// True when the kubelet's events say it killed this container for a failed liveness or
/// startup probe: a crash finding about it would only repeat that.
pub fn killed_by_probe(cx: &Context, container: &str) -> bool {
    !kill_events(cx, container, ProbeKind::Liveness).is_empty()
        || !kill_events(cx, container, ProbeKind::Startup).is_empty()
}
