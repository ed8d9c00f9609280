//! The lifecycle hooks of a native sidecar or an app container: `PostStartHookFailed` (the
//! kubelet kills the container when its postStart fails, and restarts it per restartPolicy) and
//! `PreStopHookFailed` (a preStop that fails or runs past `terminationGracePeriodSeconds`).

use k8s_openapi::api::core::v1::LifecycleHandler;

use super::context::{Context, event_line, finding};
use crate::diagnosis::exits;
use crate::finding::{Finding, Severity};

/// A hook in one line: `exec sh -c exit 7`, `httpGet :8080/warm`, `sleep 20s`.
pub fn describe_hook(h: &LifecycleHandler) -> String {
    if let Some(e) = &h.exec {
        format!("exec {}", e.command.as_deref().unwrap_or(&[]).join(" "))
    } else if let Some(g) = &h.http_get {
        let port = match &g.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        };
        format!("httpGet :{port}{}", g.path.as_deref().unwrap_or("/"))
    } else if let Some(t) = &h.tcp_socket {
        let port = match &t.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        };
        format!("tcpSocket :{port}")
    } else if let Some(s) = &h.sleep {
        format!("sleep {}s", s.seconds)
    } else {
        "no action".into()
    }
}

/// How long a hook sleeps, when it visibly does: the `sleep` action, or an exec whose command
/// is (or whose shell script starts with) `sleep N`.
fn sleeps_for(h: &LifecycleHandler) -> Option<i64> {
    if let Some(s) = &h.sleep {
        return Some(s.seconds);
    }
    let command = h.exec.as_ref()?.command.as_deref()?;
    let text = command.join(" ");
    let at = text.find("sleep ")? + "sleep ".len();
    text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// The kubelet says the postStart hook failed (`FailedPostStartHook`): it kills the container
/// (exit 137) and restarts it per restartPolicy.
pub fn post_start_hook_failed(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in cx.long_running() {
        let events = cx.container_events(c.name(), &["FailedPostStartHook"]);
        let Some(last) = events.last() else { continue };
        let Some(hook) = c
            .spec
            .and_then(|s| s.lifecycle.as_ref())
            .and_then(|l| l.post_start.as_ref())
        else {
            continue;
        };
        let times: i64 = events.iter().map(|e| e.count).sum();
        // The kill ends it with 137; its rules, its own policy or the pod's decide.
        let decision = c
            .spec
            .map(|spec| crate::diagnosis::restart::decide(cx.pod, spec, 137));
        let again = if let Some(d) = decision.filter(|d| !d.restart) {
            format!("{}, so it does not run again", d.reason(137))
        } else {
            format!("restarted {} times so far", c.row.restarts)
        };
        let mut f = finding(
            "PostStartHookFailed",
            Severity::Error,
            Some(c.name()),
            format!(
                "its postStart hook failed {times} time{}, and each time the kubelet killed the container: {again}",
                if times == 1 { "" } else { "s" }
            ),
        );
        f.evidence
            .push(format!("lifecycle.postStart: {}", describe_hook(hook)));
        f.evidence.push(event_line(last));
        if let Some(t) = c
            .status
            .and_then(|s| s.last_state.as_ref())
            .and_then(|l| l.terminated.as_ref())
        {
            f.evidence
                .push(format!("last instance: {}", exits::explain(t.exit_code)));
        }
        if let Some(secs) = sleeps_for(hook) {
            f.evidence.push(format!(
                "the hook sleeps {secs}s: the container is not Running, and its probes do not start, until postStart returns"
            ));
        }
        f.hint = format!(
            "the hook runs beside the container's command, not after it: make {} succeed without relying on what the command has not yet set up, or remove it; try it by hand: kubectl exec {} -c {} -- {}",
            c.field("lifecycle.postStart"),
            cx.pod_args(),
            c.name(),
            hook.exec
                .as_ref()
                .and_then(|e| e.command.as_ref())
                .map(|c| c.join(" "))
                .unwrap_or_else(|| "sh".into())
        );
        out.push(f);
    }
    out
}

/// The kubelet says the preStop hook failed (`FailedPreStopHook`), or it runs longer than the
/// pod's `terminationGracePeriodSeconds`, which counts from the start of preStop.
pub fn pre_stop_hook_failed(cx: &Context) -> Vec<Finding> {
    let grace = cx.grace_seconds();
    let mut out = Vec::new();
    for c in cx.long_running() {
        let Some(hook) = c
            .spec
            .and_then(|s| s.lifecycle.as_ref())
            .and_then(|l| l.pre_stop.as_ref())
        else {
            continue;
        };
        let events = cx.container_events(c.name(), &["FailedPreStopHook"]);
        let sleeps = sleeps_for(hook);
        let too_long = sleeps.is_some_and(|s| s >= grace);
        let deleting = cx.pod.metadata.deletion_timestamp.is_some();
        if events.is_empty() && !(too_long && deleting) {
            continue;
        }
        let why = match sleeps {
            Some(s) if s >= grace => format!(
                ": it sleeps {s}s, but terminationGracePeriodSeconds ({grace}s) counts from the start of preStop, so the kubelet cuts it off and kills the container"
            ),
            _ => ": the container was stopped without it".to_string(),
        };
        let mut f = finding(
            "PreStopHookFailed",
            if events.is_empty() {
                Severity::Warning
            } else {
                Severity::Error
            },
            Some(c.name()),
            if events.is_empty() {
                format!("its preStop hook will not finish{why}")
            } else {
                format!("its preStop hook failed{why}")
            },
        );
        f.evidence
            .push(format!("lifecycle.preStop: {}", describe_hook(hook)));
        f.evidence.push(format!(
            "terminationGracePeriodSeconds {grace} (from the start of preStop)"
        ));
        if let Some(last) = events.last() {
            f.evidence.push(event_line(last));
        }
        f.hint = if too_long {
            format!(
                "raise spec.terminationGracePeriodSeconds above the hook's {}s plus the app's own shutdown, or shorten {}",
                sleeps.unwrap_or(0),
                c.field("lifecycle.preStop")
            )
        } else {
            format!(
                "make {} succeed in the image (a program it has, a port it serves while stopping)",
                c.field("lifecycle.preStop")
            )
        };
        out.push(f);
    }
    out
}
