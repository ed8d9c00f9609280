//! How the blocker ended: `CrashLoop`, `ExitedNonZero`, `OOMKilled` (whether it runs again:
//! [`crate::diagnosis::restart`]).

use k8s_openapi::api::core::v1::ContainerStateTerminated;

use super::context::{Blocker, Context, event_line, finding, log_lines, one_line};
use crate::diagnosis::{exits, restart};
use crate::finding::{Finding, Severity};

/// How many log lines a finding shows.
const SHOWN_LOG_LINES: usize = 5;

/// The blocker waits in `CrashLoopBackOff`: it keeps failing and the kubelet keeps restarting it.
/// Also between two crashes: a real kubelet's back-off starts at 10 s, so the restarted instance
/// is often seen running (or being created) with the last one's non-zero exit in `lastState` and
/// the kubelet's `BackOff` event on record; that is the same crash loop, not a healthy container.
pub fn check_crash_loop(cx: &Context) -> Option<Finding> {
    crash_loop(cx, cx.blocker.as_ref()?)
}

/// [`check_crash_loop`] about any container: the blocker, or an app container (`AppCrashLoop`).
pub fn crash_loop(cx: &Context, blocker: &Blocker) -> Option<Finding> {
    let last = last_termination(blocker);
    let restarts = blocker.row.restarts;
    let between_crashes = restarts > 0
        && (blocker
            .status
            .and_then(|s| s.state.as_ref())
            .is_none_or(|s| s.terminated.is_none())
            || looping(cx, blocker))
        && last.is_some_and(|t| {
            (t.exit_code != 0 || ends_and_runs_again(cx, blocker))
                && !restart::removed_for_pod_restart(t)
        })
        && !cx.events(Some(blocker.name()), &["BackOff"]).is_empty()
        // A Ready app container has recovered: its past crashes are history, unless the loop
        // is going on (a container without a readiness probe is Ready as soon as it runs).
        && !((blocker.app || blocker.row.sidecar)
            && blocker.ready()
            && !super::looping::still_looping(cx, blocker));
    let start = super::start::start_failure(cx.pod, blocker);
    let cannot_start = start.is_some() && blocker.waiting_reason() == Some("RunContainerError");
    if blocker.waiting_reason() != Some("CrashLoopBackOff") && !between_crashes && !cannot_start {
        return None;
    }
    let ended = match last {
        Some(t) => format!(
            "exits {} ({})",
            t.exit_code,
            t.reason.as_deref().unwrap_or("Error")
        ),
        None => "fails".into(),
    };
    let times = format!(
        "the kubelet has restarted it {restarts} time{} with a growing back-off",
        if restarts == 1 { "" } else { "s" }
    );
    // An app container (or a sidecar) whose command ends, even successfully, is run again.
    let message = if let Some(s) = &start {
        format!("keeps failing to start: {}, and {times}", s.says)
    } else if last.is_some_and(|t| t.exit_code == 0) {
        format!(
            "keeps ending: its command exits 0 ({}) and is run again, and {times}",
            last.and_then(|t| t.reason.as_deref())
                .unwrap_or("Completed")
        )
    } else {
        format!("keeps failing: it {ended}, and {times}")
    };
    let cause = match &start {
        None => super::rerun::crash_cause(cx, blocker),
        Some(_) => None,
    };
    let message = match &cause {
        Some(c) => format!("{message}; {}", c.says),
        None => message,
    };
    let mut f = finding(
        &blocker.code("CrashLoop"),
        Severity::Error,
        Some(blocker.name()),
        message,
    );
    match &start {
        Some(s) => f.evidence.extend(s.evidence.iter().cloned()),
        None => {
            if let Some(t) = last {
                f.evidence.push(exits::explain(t.exit_code));
                push_killed(&mut f.evidence, cx, blocker, t.exit_code);
            }
            if let Some(message) = blocker.waiting_message() {
                f.evidence.push(format!("kubelet: {}", one_line(message)));
            }
        }
    }
    if let Some(e) = cx
        .events(Some(blocker.name()), &["BackOff"])
        .into_iter()
        .next_back()
    {
        f.evidence.push(event_line(e));
    }
    let (label, lines) = logs_of(blocker, true);
    push_log_evidence(&mut f.evidence, last.map(|t| t.exit_code), label, lines);
    push_log_note(&mut f.evidence, blocker);
    if let Some(c) = &cause {
        f.evidence.extend(c.evidence.iter().cloned());
    }
    f.hint = match (start, cause) {
        (Some(s), _) => s.hint,
        (None, Some(c)) => format!(
            "{}; {}",
            c.hint,
            exit_hint(cx, blocker, last.map(|t| t.exit_code), true)
        ),
        (None, None) => exit_hint(cx, blocker, last.map(|t| t.exit_code), true),
    };
    Some(f)
}

/// The blocker has terminated with a non-zero exit code (and was not OOM-killed).
pub fn check_exited_non_zero(cx: &Context) -> Option<Finding> {
    exited_non_zero(cx, cx.blocker.as_ref()?)
}

/// [`check_exited_non_zero`] about any container (`AppExitedNonZero`). For an app container
/// under `restartPolicy: Never` (or `OnFailure`, which restarts only failures) it says whether
/// the kubelet will run it again.
pub fn exited_non_zero(cx: &Context, blocker: &Blocker) -> Option<Finding> {
    let t = current_termination(blocker)?;
    if t.exit_code == 0
        || t.reason.as_deref() == Some("OOMKilled")
        || restart::removed_for_pod_restart(t)
        // A RestartAllContainers rule on this code: AllContainersRestarting says it.
        || blocker
            .spec
            .is_some_and(|s| restart::decide(cx.pod, s, t.exit_code).whole_pod())
        || looping(cx, blocker)
    {
        return None;
    }
    let start = super::start::start_failure(cx.pod, blocker);
    let mut f = finding(
        &blocker.code("ExitedNonZero"),
        Severity::Error,
        Some(blocker.name()),
        match &start {
            Some(s) => format!(
                "did not start: {}{}",
                s.says,
                runs_again(cx, blocker, t.exit_code)
            ),
            None => format!(
                "exited with code {} ({}){}",
                t.exit_code,
                t.reason.as_deref().unwrap_or("Error"),
                runs_again(cx, blocker, t.exit_code)
            ),
        },
    );
    match &start {
        Some(s) => f.evidence.extend(s.evidence.iter().cloned()),
        None => {
            f.evidence.push(exits::explain(t.exit_code));
            push_killed(&mut f.evidence, cx, blocker, t.exit_code);
        }
    }
    if let Some(message) = t.message.as_deref().filter(|m| !m.is_empty()) {
        f.evidence
            .push(format!("termination message: {}", one_line(message)));
    }
    let (label, lines) = logs_of(blocker, false);
    push_log_evidence(&mut f.evidence, Some(t.exit_code), label, lines);
    push_log_note(&mut f.evidence, blocker);
    f.hint = match start {
        Some(s) => s.hint,
        None => exit_hint(cx, blocker, Some(t.exit_code), false),
    };
    Some(f)
}

/// The blocker (now or last time) was killed by the out-of-memory killer.
pub fn check_oom_killed(cx: &Context) -> Option<Finding> {
    oom_killed(cx, cx.blocker.as_ref()?)
}

/// [`check_oom_killed`] about any container (`AppOOMKilled`).
pub fn oom_killed(cx: &Context, blocker: &Blocker) -> Option<Finding> {
    let oom = |t: &&ContainerStateTerminated| t.reason.as_deref() == Some("OOMKilled");
    let t = current_termination(blocker).filter(oom).or_else(|| {
        // A Ready app container has recovered from its last OOM kill.
        last_termination(blocker)
            .filter(oom)
            .filter(|_| !(blocker.app && blocker.ready()))
    })?;
    let resources = blocker.spec.and_then(|s| s.resources.as_ref());
    let limit = resources
        .and_then(|r| r.limits.as_ref())
        .and_then(|l| l.get("memory"))
        .map(|q| q.0.clone());
    let request = resources
        .and_then(|r| r.requests.as_ref())
        .and_then(|l| l.get("memory"))
        .map(|q| q.0.clone());
    let who = blocker.noun();
    let message = match &limit {
        Some(limit) => {
            format!("{who} was killed for using more memory than its limit of {limit} (OOMKilled)")
        }
        None => format!(
            "{who} was killed by the out-of-memory killer (OOMKilled); it has no memory limit of its own, so the node or the pod's cgroup ran out"
        ),
    };
    let mut f = finding(
        &blocker.code("OOMKilled"),
        Severity::Error,
        Some(blocker.name()),
        message,
    );
    f.evidence.push(format!(
        "resources.limits.memory {}, resources.requests.memory {}",
        limit.as_deref().unwrap_or("(none)"),
        request.as_deref().unwrap_or("(none)")
    ));
    f.evidence.push(exits::explain(t.exit_code));
    f.evidence
        .push(format!("restarts {}", blocker.row.restarts));
    let field = blocker.field("resources.limits.memory");
    f.hint = match limit {
        Some(limit) => format!(
            "raise {field} above the container's peak use (now {limit}), or make it use less memory"
        ),
        None => format!(
            "set {field} and requests to the container's real need, and check the node's memory: kubectl describe node {}",
            cx.diagnosis.node.as_deref().unwrap_or("NODE")
        ),
    };
    Some(f)
}

/// An app container or a sidecar that the kubelet runs again when its command ends with 0 (the
/// pod's `restartPolicy: Always`, a sidecar's own): exiting 0 is how it loops.
fn ends_and_runs_again(cx: &Context, blocker: &Blocker) -> bool {
    (blocker.app || blocker.row.sidecar)
        && blocker
            .spec
            .is_some_and(|spec| restart::decide(cx.pod, spec, 0).restart)
}

/// A container (app or init) seen terminated between two restarts of a crash loop (the kubelet shows
/// the exited instance until the back-off ends): it has restarted, the kubelet's BackOff is on
/// record, and restartPolicy restarts it. [`crash_loop`] says it, not [`exited_non_zero`].
fn looping(cx: &Context, blocker: &Blocker) -> bool {
    current_termination(blocker)
        .zip(blocker.spec)
        .is_some_and(|(t, spec)| restart::decide(cx.pod, spec, t.exit_code).restart)
        && blocker.row.restarts > 0
        && current_termination(blocker).is_some()
        && !cx.events(Some(blocker.name()), &["BackOff"]).is_empty()
}

/// Whether the kubelet runs it again after `code`, for an app container (the pod's, or its own
/// `restartPolicy`, or a rule: `: restartPolicyRules[0] (…) matches exit code 42, so the kubelet
/// runs it again`), and for an init container whose own rules or policy decide.
fn runs_again(cx: &Context, blocker: &Blocker, code: i32) -> String {
    let Some(spec) = blocker.spec else {
        return String::new();
    };
    if !blocker.app && !restart::has_own_rules(spec, true) {
        return String::new();
    }
    let decision = restart::decide(cx.pod, spec, code);
    match (decision.restart, decision.because) {
        (false, _) => format!(": {}, so it will not run again", decision.reason(code)),
        (true, restart::Because::Pod(policy)) => {
            format!(": the kubelet will restart it (restartPolicy {policy})")
        }
        (true, _) => format!(": {}, so the kubelet runs it again", decision.reason(code)),
    }
}

fn current_termination<'a>(blocker: &Blocker<'a>) -> Option<&'a ContainerStateTerminated> {
    blocker.status?.state.as_ref()?.terminated.as_ref()
}

fn last_termination<'a>(blocker: &Blocker<'a>) -> Option<&'a ContainerStateTerminated> {
    blocker.status?.last_state.as_ref()?.terminated.as_ref()
}

/// The log lines of the instance that failed: the previous one for a crash loop (falling back
/// to the current), the current one for a terminated container (falling back to the previous).
fn logs_of<'a>(blocker: &Blocker<'a>, prefer_previous: bool) -> (&'static str, &'a [String]) {
    let Some(logs) = blocker.logs else {
        return ("log", &[]);
    };
    let previous = ("log of the previous instance", logs.previous.as_slice());
    let current = ("log", logs.current.as_slice());
    let (first, second) = if prefer_previous {
        (previous, current)
    } else {
        (current, previous)
    };
    // The kubelet answers a log it no longer has (the runtime removed that instance) with one
    // line of its own, `unable to retrieve container logs for containerd://…`: no log at all.
    let usable = |lines: &[String]| {
        lines.iter().any(|l| {
            !l.trim().is_empty() && !l.starts_with("unable to retrieve container logs for ")
        })
    };
    if usable(first.1) || !usable(second.1) {
        first
    } else {
        second
    }
}

/// The log line that shows the cause (`log says: …`: for 2, 126 and 127 the shell's complaint,
/// for any code an option the program lacks), then the log's last lines, unless they are only
/// that line again.
fn push_log_evidence(evidence: &mut Vec<String>, code: Option<i32>, label: &str, lines: &[String]) {
    let telling = match code {
        Some(c @ (2 | 126 | 127)) => exits::telling_line(c, lines),
        _ => exits::option_error(lines),
    };
    if let Some(line) = telling {
        evidence.push(format!("log says: {line}"));
    }
    let substantive: Vec<&String> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
    let only_that =
        matches!((telling, substantive.as_slice()), (Some(t), [one]) if one.trim_end() == t);
    if !only_that {
        evidence.extend(log_lines(label, lines, SHOWN_LOG_LINES));
    }
}

fn push_log_note(evidence: &mut Vec<String>, blocker: &Blocker) {
    if let Some(note) = blocker.logs.and_then(|l| l.note.as_deref()) {
        evidence.push(note.to_string());
    }
}

/// Why the kubelet killed the container, when its events say (liveness, startup probe,
/// deadline, preStop, a stop): then a 137 is not the memory killer's.
fn killed_by_kubelet(cx: &Context, blocker: &Blocker) -> Option<(String, String)> {
    let events = cx.events(
        Some(blocker.name()),
        &["Killing", "DeadlineExceeded", "FailedPreStopHook"],
    );
    crate::diagnosis::killed::by_kubelet(&events)
}

/// The evidence line of a 137 the kubelet caused, beside the exit code's meaning.
fn push_killed(evidence: &mut Vec<String>, cx: &Context, blocker: &Blocker, code: i32) {
    if code == 137
        && let Some((why, _)) = killed_by_kubelet(cx, blocker)
    {
        evidence.push(format!(
            "the kubelet killed it: {why} (not the out-of-memory killer)"
        ));
    }
}

/// What to do about a container that ended with `code`.
fn exit_hint(cx: &Context, blocker: &Blocker, code: Option<i32>, previous: bool) -> String {
    let logs = format!(
        "kubectl logs {} -c {}{}",
        cx.pod_args(),
        blocker.name(),
        if previous { " --previous" } else { "" }
    );
    let program = blocker
        .spec
        .and_then(|s| s.command.as_ref().or(s.args.as_ref()))
        .and_then(|c| c.first())
        .cloned()
        .unwrap_or_else(|| "its entrypoint".into());
    let image = blocker
        .spec
        .and_then(|s| s.image.clone())
        .unwrap_or_default();
    match code {
        Some(0) => format!(
            "the command of {} ({}) ends at once, and the restart policy (the pod's Always, a sidecar's own) runs again a container that ends, even successfully: give it a command that keeps running (its server in the foreground; for a bare OS image, one that waits), or run one-off work as a Job or an init container",
            blocker.noun(),
            blocker
                .spec
                .and_then(|s| s.command.as_ref().or(s.args.as_ref()))
                .map_or("the image's own".to_string(), |c| format!(
                    "{:?}",
                    c.join(" ")
                ))
        ),
        Some(2) => format!(
            "the command cannot run as written: fix the script of {} container {} (a shell syntax error or a wrong option; see the log line) and recreate the pod",
            blocker.kind(),
            blocker.name()
        ),
        Some(126) => format!(
            "make the program executable in the image, or use an image built for the node's platform; read: {logs}"
        ),
        Some(127) => {
            let lines: Vec<String> = blocker
                .logs
                .map(|l| l.previous.iter().chain(&l.current).cloned().collect())
                .unwrap_or_default();
            match crate::diagnosis::notfound::missing_program(&lines) {
                Some(missing) => match crate::diagnosis::notfound::near_tool(&missing) {
                    Some(near) => format!(
                        "`{missing}` is not in the image {image:?}: a typo of `{near}`? Fix the command, or use an image that has it"
                    ),
                    None => format!(
                        "`{missing}` is not in the image {image:?}: use an image that has it, or fix the command"
                    ),
                },
                None => format!(
                    "the image {image:?} lacks a program the command calls (started with {program:?}): use an image that has it, or fix the command"
                ),
            }
        }
        Some(137) => match killed_by_kubelet(cx, blocker) {
            Some((why, fix)) => {
                format!("not memory: the kubelet killed it because {why}; {fix}")
            }
            None if current_termination(blocker)
                .or_else(|| last_termination(blocker))
                .is_some_and(|t| t.reason.as_deref() == Some("OOMKilled")) =>
            {
                format!(
                    "the out-of-memory killer ended it (OOMKilled): raise {} above its peak use, or make it use less memory",
                    blocker.field("resources.limits.memory")
                )
            }
            None => format!(
                "it was killed (SIGKILL): if OOMKilled, raise its memory limit; else check what stops it: {logs}"
            ),
        },
        _ => format!("read why it fails: {logs}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::Severity;
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    fn crash_looping(exit_code: i32, reason: &str) -> crate::diagnosis::Evidence {
        let e = evidence(pod(
            json!([
                init("init-myservice", "true"),
                init("init-mydb", "until nslookup mydb; do sleep 2; done")
            ]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 4,
                 "lastState": {"terminated": {"exitCode": exit_code, "reason": reason,
                    "startedAt": "2026-01-01T00:08:00Z", "finishedAt": "2026-01-01T00:08:01Z"}},
                 "state": {"waiting": {"reason": "CrashLoopBackOff",
                    "message": "back-off 1m20s restarting failed container=init-mydb pod=myapp-pod_shop(u1)"}}}
            ]}),
        ));
        with_events(
            e,
            vec![event(
                Some("init-mydb"),
                "Warning",
                "BackOff",
                "Back-off restarting failed container init-mydb in pod myapp-pod_shop(u1)",
                12,
            )],
        )
    }

    /// A crash-looping blocker seen between two crashes, as the real kubelet shows it (seen on
    /// the real node, `tests/e2e_realnode.rs`): the restarted instance running or being created,
    /// the last exit in `lastState`, the BackOff event on record.
    fn between_crashes(
        state: serde_json::Value,
        backoff_event: bool,
    ) -> crate::diagnosis::Evidence {
        let e = evidence(pod(
            json!([init("migrate", "echo failed; exit 3")]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "migrate", "image": "busybox:1.35", "imageID": "", "ready": false, "restartCount": 2,
                 "lastState": {"terminated": {"exitCode": 3, "reason": "Error",
                    "startedAt": "2026-01-01T00:08:00Z", "finishedAt": "2026-01-01T00:08:01Z"}},
                 "state": state}
            ]}),
        ));
        let events = if backoff_event {
            vec![event(
                Some("migrate"),
                "Warning",
                "BackOff",
                "Back-off restarting failed container migrate in pod crasher_ns(u1)",
                2,
            )]
        } else {
            vec![]
        };
        with_logs(with_events(e, events), "migrate", "", "migration failed\n")
    }

    #[test]
    fn crash_loop_between_two_crashes_is_still_a_crash_loop() {
        let running = json!({"running": {"startedAt": "2026-01-01T00:08:11Z"}});
        let creating = json!({"waiting": {"reason": "PodInitializing"}});
        let exited = json!({"terminated": {"exitCode": 3, "reason": "Error",
            "startedAt": "2026-01-01T00:08:11Z", "finishedAt": "2026-01-01T00:08:12Z"}});
        let cases = [
            (running.clone(), true, true),
            (creating, true, true),
            // No BackOff from the kubelet: a restart, not (yet) a loop.
            (running, false, false),
            // Terminated now, restarted before, the BackOff on record: still the loop (the real
            // kubelet showed an init container `terminated` through its back-off here).
            (exited, true, true),
        ];
        for (state, backoff, expected) in cases {
            let e = between_crashes(state.clone(), backoff);
            let found = codes(&e).iter().any(|c| c == "CrashLoop");
            assert_eq!(
                found,
                expected,
                "{state} backoff={backoff}: {:?}",
                codes(&e)
            );
            if expected {
                let f = only(&e, "CrashLoop");
                assert!(f.message.contains("exits 3 (Error)"), "{}", f.message);
                assert!(
                    f.evidence.iter().any(|l| l.contains("migration failed")),
                    "{:?}",
                    f.evidence
                );
            }
        }
    }

    /// Seen on the real node: between two crashes the previous instance's log may be gone, and
    /// the kubelet answers with a line of its own; the current (exited) instance has the log.
    #[test]
    fn crash_loop_reads_the_current_log_when_the_previous_is_gone() {
        let running = json!({"running": {"startedAt": "2026-01-01T00:08:11Z"}});
        let mut e = between_crashes(running, true);
        e.logs.get_mut("migrate").unwrap().previous =
            vec!["unable to retrieve container logs for containerd://87c9d0c39bac".to_string()];
        e.logs.get_mut("migrate").unwrap().current = vec!["migration failed".to_string()];
        let f = only(&e, "CrashLoop");
        assert!(
            f.evidence.contains(&"| migration failed".to_string()),
            "{:?}",
            f.evidence
        );
        assert!(!f.evidence.iter().any(|l| l.contains("unable to retrieve")));
    }

    #[test]
    fn crash_loop_explains_exit_127_with_the_log_line() {
        let e = with_logs(
            crash_looping(127, "Error"),
            "init-mydb",
            "",
            "starting\nsh: nslookupp: not found\n",
        );
        let f = only(&e, "CrashLoop");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.container.as_deref(), Some("init-mydb"));
        assert!(f.message.contains("exits 127 (Error)"), "{}", f.message);
        assert!(f.message.contains("restarted it 4 times"));
        assert!(f.evidence[0].starts_with("exit code 127: command not found"));
        assert!(f.evidence.iter().any(|l| l.contains("back-off 1m20s")));
        assert!(
            f.evidence
                .iter()
                .any(|l| l.contains("BackOff (x12, kubelet)"))
        );
        assert!(
            f.evidence
                .contains(&"log says: sh: nslookupp: not found".to_string())
        );
        assert!(
            f.evidence
                .contains(&"log of the previous instance (last 2 lines):".to_string())
        );
        // The program the log names, and the tool it is a typo of; not the shell.
        assert!(
            f.hint.contains("`nslookupp` is not in the image")
                && f.hint.contains("a typo of `nslookup`?"),
            "{}",
            f.hint
        );
        assert!(!f.hint.contains("\"sh\""), "{}", f.hint);
        // Not terminated now, so not ExitedNonZero; not OOM.
        let codes = codes(&e);
        assert!(!codes.contains(&"ExitedNonZero".to_string()), "{codes:?}");
        assert!(!codes.contains(&"OOMKilled".to_string()));
    }

    /// An app container whose command ends (exit 0) under restartPolicy Always is run again:
    /// its loop is no failure of the program, and the fix is a command that keeps running.
    #[test]
    fn an_app_container_whose_command_ends_is_run_again() {
        let e = evidence(pod(
            json!([]),
            json!({"phase": "Running",
                   "containerStatuses": [{"name": "myapp-container", "image": "busybox:1.28",
                       "imageID": "", "ready": false, "restartCount": 6,
                       "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                       "lastState": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}),
        ));
        let f = only(&e, "AppCrashLoop");
        assert_eq!(
            f.message,
            "keeps ending: its command exits 0 (Completed) and is run again, and the kubelet has restarted it 6 times with a growing back-off"
        );
        assert!(
            f.hint.starts_with("the command of container myapp-container (\"sh -c echo The app is running! && sleep 3600\") ends at once"),
            "{}",
            f.hint
        );
        assert!(
            f.hint.contains("a command that keeps running"),
            "{}",
            f.hint
        );
    }

    #[test]
    fn crash_loop_after_oom_also_says_oom() {
        let mut e = crash_looping(137, "OOMKilled");
        e.pod
            .spec
            .as_mut()
            .unwrap()
            .init_containers
            .as_mut()
            .unwrap()[1]
            .resources = Some(
            serde_json::from_value(
                json!({"limits": {"memory": "64Mi"}, "requests": {"memory": "32Mi"}}),
            )
            .unwrap(),
        );
        let f = only(&e, "OOMKilled");
        assert!(f.message.contains("limit of 64Mi"), "{}", f.message);
        assert!(
            f.evidence.contains(
                &"resources.limits.memory 64Mi, resources.requests.memory 32Mi".to_string()
            )
        );
        assert!(
            f.hint
                .contains("spec.initContainers[1].resources.limits.memory")
        );
        assert!(only(&e, "CrashLoop").evidence[0].contains("SIGKILL"));
    }

    #[test]
    fn exited_non_zero_with_a_syntax_error_line() {
        let e = with_logs(
            evidence(pod(
                json!([init("init-mydb", "until nslookup mydb; do sleep 2; donel")]),
                json!({"phase": "Pending", "initContainerStatuses": [
                    {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}]}),
            )),
            "init-mydb",
            "sh: syntax error: unexpected end of file (expecting \"done\")\n",
            "",
        );
        let f = only(&e, "ExitedNonZero");
        assert_eq!(f.message, "exited with code 2 (Error)");
        assert!(f.evidence[0].contains("syntax error"));
        assert!(f.evidence.contains(
            &"log says: sh: syntax error: unexpected end of file (expecting \"done\")".to_string()
        ));
        assert!(codes(&e).contains(&"InvalidInitSpec".to_string()));
    }

    #[test]
    fn exit_codes_1_126_139_143() {
        for (code, words) in [
            (1, "general error"),
            (126, "cannot be executed"),
            (139, "SIGSEGV"),
            (143, "SIGTERM"),
        ] {
            let e = evidence(pod(
                json!([init("init-mydb", "run")]),
                json!({"phase": "Pending", "initContainerStatuses": [
                    {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"terminated": {"exitCode": code}}}]}),
            ));
            let f = only(&e, "ExitedNonZero");
            assert!(f.evidence[0].contains(words), "{code}: {:?}", f.evidence);
        }
    }
}
