//! `--copy-to`: create the copy ([`crate::debug::copy`]), delete the original only with
//! `--replace`, wait for the copy's init container to reach its wait, then debug the copy.

use std::time::Instant;

use k8s_openapi::api::core::v1::Pod;

use super::{Ctx, debug_pod, print_object};
use crate::cli::DryRun;
use crate::debug::copy;
use crate::diagnosis::{InitState, timeline};
use crate::error::{Error, Result};
use crate::exit::ExitCode;

pub(crate) async fn run(ctx: &Ctx<'_>, pod: &Pod, copy_name: &str) -> Result<ExitCode> {
    let args = ctx.args;
    let request = copy::CopyRequest {
        name: copy_name,
        target: args.target.as_deref(),
        skip_done_init: args.skip_done_init,
        same_node: args.same_node,
        set_images: ctx.inputs.set_images.clone(),
    };
    let plan = copy::copy_pod(pod, &request).map_err(Error::Usage)?;
    if let Some(mode) = ctx.inputs.dry_run {
        if mode == DryRun::Server {
            ctx.cluster
                .create_pod(ctx.namespace, &plan.pod, true)
                .await?;
        }
        let value = serde_json::to_value(&plan.pod).unwrap_or_default();
        print_object(&value, args.output)?;
        crate::say!(
            "(dry run: pod {copy_name} not created{})",
            if args.replace {
                format!(", pod {} not deleted", args.pod)
            } else {
                String::new()
            }
        );
        return Ok(ExitCode::Ok);
    }
    let created = ctx
        .cluster
        .create_pod(ctx.namespace, &plan.pod, false)
        .await;
    match created {
        Err(Error::Api { code: 409, .. }) => {
            return Err(Error::Usage(format!(
                "a pod named {copy_name:?} already exists in namespace {:?}: pick another --copy-to name",
                ctx.namespace
            )));
        }
        other => other?,
    };
    let skipped = if plan.skipped.is_empty() {
        String::new()
    } else {
        format!(", without {}", plan.skipped.join(", "))
    };
    crate::say!(
        "Created pod {}/{copy_name}, a copy of {} in which {} waits instead of running its command{skipped} (no labels, no probes{}).",
        ctx.namespace,
        args.pod,
        plan.target,
        if args.same_node { ", same node" } else { "" }
    );
    if args.replace {
        ctx.cluster.delete_pod(ctx.namespace, &args.pod).await?;
        crate::say!("Deleted pod {}/{} (--replace).", ctx.namespace, args.pod);
    }
    if !ctx.inputs.session.attach {
        crate::say!(
            "Debug it with: kubectl initdoctor debug {copy_name} --target {} -n {}",
            plan.target,
            ctx.namespace
        );
        return Ok(ExitCode::Ok);
    }
    let running = wait_init_running(ctx, copy_name, &plan.target).await?;
    debug_pod(ctx, running, Some(&plan.target)).await
}

/// Wait for the copy's init container to run (its wait), reporting what holds it.
async fn wait_init_running(ctx: &Ctx<'_>, pod: &str, target: &str) -> Result<Pod> {
    let timeout = ctx.args.timeout;
    crate::say!(
        "Waiting for {target} of {pod} to run (up to {})...",
        humantime::format_duration(timeout)
    );
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    loop {
        let current = ctx.cluster.get_pod(ctx.namespace, pod).await?;
        let rows = timeline::rows(&current);
        let row = rows.iter().find(|r| r.name == target);
        if row.is_some_and(|r| r.state == InitState::Running) {
            return Ok(current);
        }
        let now = match row {
            Some(r) => r
                .reason
                .clone()
                .unwrap_or_else(|| format!("{:?}", r.state).to_lowercase()),
            None => "not started".into(),
        };
        let scheduled = current
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_ref())
            .is_some();
        let now = if scheduled {
            now
        } else {
            "not scheduled yet".to_string()
        };
        if now != last {
            crate::say!("{pod}: {target} {}", crate::sanitize::line(&now));
            last = now;
        }
        if Instant::now() >= deadline {
            return Err(Error::Unavailable(format!(
                "{target} of the copy {pod} did not run within {} ({}): check `kubectl initdoctor explain {pod} -n {}`",
                humantime::format_duration(timeout),
                crate::sanitize::line(&last),
                ctx.namespace
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
