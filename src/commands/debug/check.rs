//! `--check`: run the blocker's checks in a one-shot ephemeral container, read the results from
//! its log, and compare them with what `explain` concludes from the API.

use std::time::Instant;

use k8s_openapi::api::core::v1::Pod;

use super::{Ctx, add_ephemeral, print_object};
use crate::cli::DebugOutput;
use crate::command;
use crate::debug::{self, DebugRequest, check, compare};
use crate::diagnosis::timeline;
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::waits;

/// How many log lines of the check container are read (a few per probe).
const LOG_LINES: i64 = 2000;

pub(crate) async fn run(ctx: &Ctx<'_>, pod: &Pod) -> Result<ExitCode> {
    let args = ctx.args;
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    // What explain says from the API, gathered as explain gathers it.
    let now = jiff::Timestamp::now();
    let evidence = crate::gather::evidence_for_all(ctx.cluster, vec![pod.clone()], now)
        .await?
        .pop()
        .unwrap_or_default();
    let diagnosis = crate::diagnosis::diagnose(&evidence, now);
    let rows = timeline::rows(pod);
    let blocker = match args.target.as_deref() {
        Some(t) => t.to_string(),
        None => match timeline::blocking(pod, &rows) {
            Some(b) => b.name,
            None => {
                return Err(Error::Usage(format!(
                    "pod {pod_name:?} has finished initialization: there is no blocked init container to check (pass --target INIT_CONTAINER)"
                )));
            }
        },
    };
    let container = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == blocker))
        .ok_or_else(|| {
            Error::Usage(format!(
                "--check runs an init container's checks, and {blocker:?} is not an init container of pod {pod_name:?}"
            ))
        })?;
    let config_maps = evidence.waits.as_ref().map(|w| w.config_maps.as_slice());
    let extraction = command::extract(pod, container, config_maps);
    let domain = evidence
        .waits
        .as_ref()
        .map(|w| w.cluster_domain.as_str())
        .filter(|d| !d.is_empty())
        .unwrap_or(waits::DEFAULT_CLUSTER_DOMAIN);
    let (probes, skipped) = check::probes(&extraction, ctx.namespace, domain);
    if probes.is_empty() {
        let why = skipped
            .iter()
            .map(|s| format!("{}: {}", s.target, s.why))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Error::Unavailable(format!(
            "{blocker}'s command names no host, port or URL to check from inside the pod{}: see `kubectl initdoctor explain {pod_name} -n {}`",
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", crate::sanitize::line(&why))
            },
            ctx.namespace
        )));
    }
    let script = check::script(&probes);
    let request = DebugRequest {
        target: Some(&blocker),
        image: &args.image,
        profile: ctx.profile,
        name: args.name.as_deref(),
        stdin: false,
        tty: false,
        env: ctx.inputs.env.clone(),
        pull_policy: args.image_pull_policy.map(crate::cli::PullPolicy::as_api),
        command: vec!["sh".into(), "-c".into(), script],
        custom: ctx.inputs.custom.clone(),
        prefix: "initdoctor-check",
    };
    let plan = debug::plan(pod, &request, || {
        debug::random_suffix(|n| fastrand::usize(..n))
    })
    .map_err(Error::Usage)?;
    if let Some(mode) = ctx.inputs.dry_run {
        return super::dry_run_patch(ctx, &pod_name, &plan.container, mode).await;
    }
    add_ephemeral(ctx, &pod_name, &plan.container, false).await?;
    let name = plan.container.name.clone();
    crate::say!(
        "Running {} check(s) of {blocker} in ephemeral container {name} (image {})...",
        probes.len(),
        crate::sanitize::line(&args.image)
    );
    wait_terminated(ctx, &pod_name, &name).await?;
    let log = ctx
        .cluster
        .pod_log(ctx.namespace, &pod_name, &name, false, LOG_LINES)
        .await?
        .join("\n");
    let (outcomes, complete) = check::parse(&log);
    let report = compare::report(
        ctx.namespace,
        &pod_name,
        &blocker,
        &args.image,
        &probes,
        &skipped,
        &outcomes,
        complete,
        &diagnosis.findings,
    );
    match args.output {
        Some(DebugOutput::Json) => {
            let value = serde_json::to_value(&report).unwrap_or_default();
            print_object(&value, Some(DebugOutput::Json))?;
        }
        _ => crate::commands::print(&compare::render(&report))?,
    }
    Ok(if report.can_proceed {
        ExitCode::Ok
    } else {
        ExitCode::Blocked
    })
}

/// Wait for the one-shot check container to end, reporting waiting reasons as they come.
async fn wait_terminated(ctx: &Ctx<'_>, pod: &str, name: &str) -> Result<()> {
    let timeout = ctx.args.timeout;
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    loop {
        let current = ctx.cluster.get_pod(ctx.namespace, pod).await?;
        let state = debug::ephemeral_state(&current, name).unwrap_or_default();
        if state.starts_with("terminated") {
            return Ok(());
        }
        if state != last && state.starts_with("waiting") {
            crate::say!("{name}: {}", crate::sanitize::line(&state));
        }
        last = state;
        if Instant::now() >= deadline {
            return Err(Error::Unavailable(format!(
                "the check container {name} did not finish within {} ({}): raise --timeout, or see `kubectl logs {pod} -c {name} -n {}`",
                humantime::format_duration(timeout),
                if last.is_empty() {
                    "no status reported by the node yet"
                } else {
                    &last
                },
                ctx.namespace
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
