//! Waiting for a debug container, attaching to it with the streams its spec allows, and
//! saying how to get back in.

use std::io::IsTerminal;
use std::time::Instant;

use k8s_openapi::api::core::v1::Pod;
use tokio::io::AsyncWriteExt;

use super::Ctx;
use crate::cluster::attach::Streams;
use crate::debug::start::{self, Progress};
use crate::debug::{self, Session};
use crate::error::{Error, Result};
use crate::exit::ExitCode;

/// How often the pod is read while waiting.
const POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// How long, after a session ends, the node may take to report that the container exited.
const EXIT_SETTLE: std::time::Duration = std::time::Duration::from_secs(8);

/// How many lines of an ended debug container's log are shown.
const ENDED_LOG_LINES: i64 = 200;

/// What the wait for a debug container ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Started {
    /// Its process runs.
    Running,
    /// Its process ended before anything attached (a command that exits).
    Ended { exit_code: i32, reason: String },
}

/// Wait until container `name` runs or has ended; each new waiting reason is reported as it
/// comes. A start the node refuses for good (the target does not run, the pod is being deleted
/// or has finished) ends the wait at once, and `--timeout` with the last reason: both exit 8.
pub(crate) async fn wait_started(ctx: &Ctx<'_>, pod: &str, name: &str) -> Result<Started> {
    let timeout = ctx.args.timeout;
    crate::say!(
        "Waiting for {name} to start (up to {})...",
        humantime::format_duration(timeout)
    );
    let deadline = Instant::now() + timeout;
    let mut last_reason = String::new();
    loop {
        let current = match ctx.cluster.get_pod(ctx.namespace, pod).await {
            Err(Error::NotFound { kind, .. }) if kind == "pod" => {
                return Err(Error::NotFound {
                    kind: "pod".into(),
                    name: pod.into(),
                    namespace: Some(ctx.namespace.into()),
                    hint: Some(format!("it was deleted while waiting for {name} to start")),
                });
            }
            other => other?,
        };
        match start::progress(&current, name) {
            Progress::Running => return Ok(Started::Running),
            Progress::Ended { exit_code, reason } => {
                return Ok(Started::Ended { exit_code, reason });
            }
            Progress::Blocked(why) => {
                return Err(Error::Unavailable(crate::sanitize::line(&why).into_owned()));
            }
            Progress::Waiting(Some(reason)) if reason != last_reason => {
                crate::say!("{name}: {}", crate::sanitize::line(&reason));
                last_reason = reason;
            }
            Progress::Waiting(_) => {}
        }
        if Instant::now() >= deadline {
            let why = if last_reason.is_empty() {
                "no status reported by the node yet".to_string()
            } else {
                format!("waiting: {last_reason}")
            };
            return Err(Error::Unavailable(format!(
                "{name} did not start within {} ({}): check `kubectl describe pod {pod} -n {}`",
                humantime::format_duration(timeout),
                crate::sanitize::line(&why),
                ctx.namespace
            )));
        }
        tokio::time::sleep(POLL.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}

/// A debug container whose process ended before anything attached (a command that exits): its
/// log (the last lines, as kubectl debug falls back to the logs), then its exit. Exit 0 when the
/// command did, else 1.
pub(crate) async fn report_ended(
    ctx: &Ctx<'_>,
    pod: &str,
    name: &str,
    exit_code: i32,
    reason: &str,
) -> Result<ExitCode> {
    match ctx
        .cluster
        .pod_log(ctx.namespace, pod, name, false, ENDED_LOG_LINES)
        .await
    {
        Ok(lines) => {
            let mut out = String::new();
            for line in &lines {
                out.push_str(&crate::sanitize::line(line));
                out.push('\n');
            }
            super::super::print(&out)?;
        }
        Err(err) => crate::say!(
            "(its log could not be read: {})",
            crate::sanitize::line(&err.to_string())
        ),
    }
    let reason = if reason.is_empty() {
        String::new()
    } else {
        format!(", {}", crate::sanitize::line(reason))
    };
    crate::say!(
        "{name} has ended (exit {exit_code}{reason}) before anything attached; above is its log. It stays in the pod's spec (ephemeral containers cannot be removed or restarted): run `kubectl initdoctor debug {pod}` for a new one."
    );
    Ok(if exit_code == 0 {
        ExitCode::Ok
    } else {
        ExitCode::Error
    })
}

/// How to attach to `name` later (kubectl's command, and ours).
pub(crate) fn attach_hint(ctx: &Ctx<'_>, pod: &str, name: &str) -> String {
    let flags = match (ctx.inputs.session.stdin, ctx.inputs.session.tty) {
        (true, true) => " -it",
        (true, false) => " -i",
        _ => "",
    };
    format!(
        "Attach with: kubectl attach{flags} {pod} -c {name} -n {ns} (or kubectl initdoctor debug {pod} --attach-to {name} -n {ns})",
        ns = ctx.namespace
    )
}

/// `--attach-to NAME` (or a reused debugger): attach to an ephemeral container in the pod.
pub(crate) async fn attach_existing(ctx: &Ctx<'_>, pod: &Pod, name: &str) -> Result<ExitCode> {
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let spec = pod
        .spec
        .as_ref()
        .and_then(|s| s.ephemeral_containers.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == name));
    let Some(spec) = spec else {
        let names: Vec<String> = pod
            .spec
            .as_ref()
            .and_then(|s| s.ephemeral_containers.as_ref())
            .map(|cs| cs.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        return Err(Error::NotFound {
            kind: "ephemeral container".into(),
            name: name.into(),
            namespace: Some(ctx.namespace.into()),
            hint: Some(if names.is_empty() {
                format!(
                    "pod {pod_name} has none: run `kubectl initdoctor debug {pod_name}` to add one"
                )
            } else {
                format!("pod {pod_name} has {}", names.join(", "))
            }),
        });
    };
    match start::progress(pod, name) {
        Progress::Running => {}
        Progress::Ended { exit_code, .. } => {
            return Err(Error::Unavailable(format!(
                "{name} is terminated (exit {exit_code}), and an ephemeral container cannot be restarted: run `kubectl initdoctor debug {pod_name}` for a new one"
            )));
        }
        Progress::Blocked(why) => {
            return Err(Error::Unavailable(crate::sanitize::line(&why).into_owned()));
        }
        Progress::Waiting(_) => {
            if let Started::Ended { exit_code, reason } = wait_started(ctx, &pod_name, name).await?
            {
                return report_ended(ctx, &pod_name, name, exit_code, &reason).await;
            }
        }
    }
    let session = Session {
        stdin: spec.stdin == Some(true),
        tty: spec.tty == Some(true),
        attach: true,
    };
    if !session.stdin {
        crate::say!("{name} has no stdin: showing its output only.");
    }
    attach_and_report(ctx, &pod_name, name, session).await
}

/// Attach, then say whether the container still runs and how to get back in, or that it
/// exited (with its code) and how to start a new one. The node reports an exit a moment after
/// the session ends (the real kubelet within a second or two): it is waited for, at most
/// [`EXIT_SETTLE`].
pub(crate) async fn attach_and_report(
    ctx: &Ctx<'_>,
    pod: &str,
    name: &str,
    session: Session,
) -> Result<ExitCode> {
    attach(ctx, pod, name, session).await?;
    let deadline = Instant::now() + EXIT_SETTLE;
    let progress = loop {
        let progress = ctx
            .cluster
            .get_pod(ctx.namespace, pod)
            .await
            .ok()
            .map(|p| start::progress(&p, name));
        if !matches!(progress, Some(Progress::Running)) || Instant::now() >= deadline {
            break progress;
        }
        tokio::time::sleep(POLL.min(deadline.saturating_duration_since(Instant::now()))).await;
    };
    let ns = ctx.namespace;
    match progress {
        Some(Progress::Running) => crate::say!(
            "Session ended; {name} is still running. Get back in with: kubectl initdoctor debug {pod} --attach-to {name} -n {ns}"
        ),
        Some(Progress::Ended { exit_code, reason }) => {
            let reason = if reason.is_empty() || reason == "Completed" || reason == "Error" {
                String::new()
            } else {
                format!(", {}", crate::sanitize::line(&reason))
            };
            crate::say!(
                "Session ended: {name} exited with code {exit_code}{reason}. An ephemeral container cannot be restarted or attached to again; start a new one with: kubectl initdoctor debug {pod} -n {ns}"
            );
        }
        Some(_) => {
            let state = ctx
                .cluster
                .get_pod(ns, pod)
                .await
                .ok()
                .and_then(|p| debug::ephemeral_state(&p, name))
                .map_or_else(
                    || "not running".into(),
                    |s| crate::sanitize::line(&s).into_owned(),
                );
            crate::say!(
                "Session ended; {name} is {state}. It stays in the pod's spec (ephemeral containers cannot be removed or restarted): run `kubectl initdoctor debug {pod} -n {ns}` for a new one."
            );
        }
        None => crate::say!("Session ended."),
    }
    Ok(ExitCode::Ok)
}

/// Attach the terminal (or the piped stdin) to the container with the streams its spec allows:
/// its TTY decides, and a TTY carries stderr on the same stream.
async fn attach(ctx: &Ctx<'_>, pod: &str, name: &str, session: Session) -> Result<()> {
    let local = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let streams = debug::attach_streams(session.stdin, session.tty, local);
    let wanted = Streams {
        stdin: streams.stdin,
        stderr: streams.stderr,
        tty: streams.tty,
    };
    let mut process = ctx.cluster.attach(ctx.namespace, pod, name, wanted).await?;
    let mode = match (streams.tty, streams.raw) {
        (true, true) => "",
        (true, false) => " (a TTY session, input from a pipe)",
        (false, _) => " (no TTY: line mode)",
    };
    crate::say!("Attached to {name}{mode}. If you don't see a command prompt, try pressing enter.");
    let raw = if streams.raw { RawMode::enable() } else { None };
    if streams.raw
        && let Ok((width, height)) = crossterm::terminal::size()
    {
        process.resize(width, height).await;
    }

    let mut remote_in = process.stdin();
    let remote_out = process.stdout();
    let remote_err = process.stderr();
    let copy_out = async move {
        if let Some(mut out) = remote_out {
            let mut stdout = tokio::io::stdout();
            let _ = tokio::io::copy(&mut out, &mut stdout).await;
            let _ = stdout.flush().await;
        }
    };
    let copy_err = async move {
        if let Some(mut err) = remote_err {
            let mut stderr = tokio::io::stderr();
            let _ = tokio::io::copy(&mut err, &mut stderr).await;
        }
    };
    let copy_in = async move {
        if let Some(remote) = remote_in.as_mut() {
            let mut stdin = tokio::io::stdin();
            let _ = tokio::io::copy(&mut stdin, remote).await;
            let _ = remote.shutdown().await;
        }
        // Input closed: keep showing output until the remote side ends.
        std::future::pending::<()>().await;
    };
    tokio::select! {
        _ = async { tokio::join!(copy_out, copy_err) } => {}
        _ = copy_in => {}
        // In raw mode Ctrl-C is a byte for the remote shell; a signal from elsewhere (the
        // terminal closing, `kill`) ends the session, and the terminal is given back as it was.
        signal = ending_signal() => {
            drop(raw);
            std::process::exit(128 + signal);
        }
    }
    drop(raw);
    process.end().await
}

/// The first of SIGTERM, SIGHUP, SIGINT to arrive (its number); never, when none can be
/// listened for.
async fn ending_signal() -> i32 {
    use tokio::signal::unix::{SignalKind, signal};
    let listen = |kind: SignalKind| signal(kind).ok();
    let (mut term, mut hup, mut int) = (
        listen(SignalKind::terminate()),
        listen(SignalKind::hangup()),
        listen(SignalKind::interrupt()),
    );
    tokio::select! {
        () = next(&mut term) => 15,
        () = next(&mut hup) => 1,
        () = next(&mut int) => 2,
    }
}

/// The next delivery of `signal`; never, when it is not listened for.
async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

/// Raw terminal mode for an interactive session, restored on drop.
struct RawMode;

impl RawMode {
    fn enable() -> Option<RawMode> {
        crossterm::terminal::enable_raw_mode().ok().map(|_| RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}
