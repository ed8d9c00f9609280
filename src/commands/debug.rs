//! `debug`: add an ephemeral container that shares the blocked init container's processes,
//! wait for it to run, and attach — like `kubectl debug -it POD --target=…`, aimed at init.
//! It only ever adds an ephemeral container: nothing that exists is edited or deleted.

use std::io::IsTerminal;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, AttachParams, Patch, PatchParams};
use kube::runtime::wait::await_condition;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::cli::{DebugArgs, GlobalArgs};
use crate::cluster::Cluster;
use crate::debug::{self, DebugRequest};
use crate::error::{Error, Result};
use crate::exit::ExitCode;

/// Ephemeral containers went GA in Kubernetes 1.25.
const MIN_MINOR: u32 = 25;

/// Check the arguments before any I/O.
pub fn validate(args: &DebugArgs) -> Result<()> {
    if args.image.trim().is_empty() {
        return Err(Error::Usage(
            "--image must name an image, e.g. --image=busybox:1.36".into(),
        ));
    }
    if let Some(name) = &args.name
        && !is_dns_label(name)
    {
        return Err(Error::Usage(format!(
            "--container {name:?} is not a valid container name: use lowercase letters, digits and '-', at most 63"
        )));
    }
    Ok(())
}

fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

pub async fn run(args: &DebugArgs, global: &GlobalArgs) -> Result<ExitCode> {
    validate(args)?;
    let cluster = Cluster::connect(global).await?;
    let namespace = cluster.namespace().to_string();
    // Three independent reads, in one round.
    let (version, pod, security) = tokio::join!(
        check_server_version(&cluster),
        cluster.get_pod(&namespace, &args.pod),
        check_pod_security(&cluster, &namespace, args),
    );
    version?;
    let pod = pod?;
    security?;

    let interactive = args.attach;
    let request = DebugRequest {
        target: args.target.as_deref(),
        image: &args.image,
        profile: args.profile,
        name: args.name.as_deref(),
        interactive,
    };
    let plan = debug::plan(&pod, &request, || {
        debug::random_suffix(|n| fastrand::usize(..n))
    })
    .map_err(Error::Usage)?;
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    let name = plan.container.name.clone();
    let pods: Api<Pod> = Api::namespaced(cluster.client(), &namespace);
    let patch = json!({"spec": {"ephemeralContainers": [plan.container]}});
    let added = cluster
        .call(
            "patch",
            "pods/ephemeralcontainers",
            Some(&namespace),
            pods.patch_ephemeral_containers(
                &args.pod,
                &PatchParams::default(),
                &Patch::Strategic(patch),
            ),
        )
        .await;
    match added {
        Ok(_) => {}
        Err(Error::NotFound { .. }) => {
            return Err(Error::Unavailable(
                "this cluster does not serve pods/ephemeralcontainers (ephemeral containers are disabled): use `kubectl debug --copy-to` instead".into(),
            ));
        }
        Err(other) => return Err(other),
    }
    eprintln!(
        "Added ephemeral container {name} (image {}, profile {}) to pod {}/{}, sharing the processes of {}.",
        args.image, args.profile, namespace, args.pod, plan.target
    );

    eprintln!(
        "Waiting for {name} to start (up to {})...",
        humantime::format_duration(args.timeout)
    );
    let started = tokio::time::timeout(
        args.timeout,
        await_condition(pods.clone(), &args.pod, ephemeral_started(name.clone())),
    )
    .await;
    match started {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            return Err(Error::Api {
                verb: "watch".into(),
                resource: "pods".into(),
                code: 0,
                message: e.to_string(),
            });
        }
        Err(_) => {
            let why = waiting_reason(&cluster, &namespace, &args.pod, &name).await;
            return Err(Error::Unavailable(format!(
                "{name} did not start within {}{why}: check `kubectl describe pod {} -n {namespace}`; attach later with `kubectl attach -it {} -c {name} -n {namespace}`",
                humantime::format_duration(args.timeout),
                args.pod,
                args.pod
            )));
        }
    }

    if !args.attach {
        eprintln!(
            "{name} is running. Attach with: kubectl attach -it {} -c {name} -n {namespace}",
            args.pod
        );
        return Ok(ExitCode::Ok);
    }
    attach(&cluster, &pods, &namespace, &args.pod, &name).await?;
    eprintln!(
        "Session ended. {name} stays in the pod's spec (ephemeral containers cannot be removed); it stops when its shell exits."
    );
    Ok(ExitCode::Ok)
}

/// The condition: the ephemeral container is running or has already terminated.
fn ephemeral_started(name: String) -> impl Fn(Option<&Pod>) -> bool {
    move |pod| {
        pod.and_then(|p| p.status.as_ref())
            .and_then(|s| s.ephemeral_container_statuses.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.name == name))
            .and_then(|c| c.state.as_ref())
            .is_some_and(|s| s.running.is_some() || s.terminated.is_some())
    }
}

async fn waiting_reason(cluster: &Cluster, namespace: &str, pod: &str, name: &str) -> String {
    let Ok(pod) = cluster.get_pod(namespace, pod).await else {
        return String::new();
    };
    pod.status
        .and_then(|s| s.ephemeral_container_statuses)
        .and_then(|cs| cs.into_iter().find(|c| c.name == name))
        .and_then(|c| c.state)
        .and_then(|s| s.waiting)
        .map(|w| {
            format!(
                " (waiting: {}{})",
                w.reason.unwrap_or_default(),
                w.message.map(|m| format!(", {m}")).unwrap_or_default()
            )
        })
        .unwrap_or_else(|| " (no status reported by the node yet)".into())
}

async fn check_server_version(cluster: &Cluster) -> Result<()> {
    let info = cluster
        .call("get", "version", None, cluster.client().apiserver_version())
        .await?;
    if !serves_ephemeral_containers(&info.major, &info.minor) {
        return Err(Error::ServerTooOld {
            found: info.git_version,
            needed: format!("v1.{MIN_MINOR}"),
            what: "debug (ephemeral containers)".into(),
        });
    }
    Ok(())
}

/// True for a server version (`/version`'s major and minor, e.g. "1" and "27+") that serves
/// ephemeral containers. An unparsable minor (a distribution's own scheme) is given the benefit.
fn serves_ephemeral_containers(major: &str, minor: &str) -> bool {
    let minor: u32 = minor
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(u32::MAX);
    major != "1" || minor >= MIN_MINOR
}

/// Refuse before writing what Pod Security admission would reject; skip when the namespace
/// cannot be read (a namespaced Role rarely grants it).
async fn check_pod_security(cluster: &Cluster, namespace: &str, args: &DebugArgs) -> Result<()> {
    let namespaces: Api<Namespace> = Api::all(cluster.client());
    let Ok(Some(ns)) = cluster
        .call("get", "namespaces", None, namespaces.get_opt(namespace))
        .await
    else {
        return Ok(());
    };
    let level = ns
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("pod-security.kubernetes.io/enforce"))
        .cloned();
    debug::check_pod_security(level.as_deref(), args.profile).map_err(Error::Usage)
}

/// Attach the terminal (or the piped stdin) to the debug container until its shell exits.
async fn attach(
    cluster: &Cluster,
    pods: &Api<Pod>,
    namespace: &str,
    pod: &str,
    name: &str,
) -> Result<()> {
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let params = AttachParams::default()
        .container(name)
        .stdin(true)
        .stdout(true)
        .stderr(!tty)
        .tty(tty);
    let mut process = cluster
        .call(
            "get and create",
            "pods/attach",
            Some(namespace),
            pods.attach(pod, &params),
        )
        .await?;
    eprintln!(
        "Attached to {name}{}",
        if tty { "" } else { " (no terminal: line mode)" }
    );
    let _raw = if tty { RawMode::enable() } else { None };

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
    }
    let _ = process.join().await;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ephemeral_containers_need_1_25() {
        assert!(!serves_ephemeral_containers("1", "24"));
        assert!(!serves_ephemeral_containers("1", "22+"));
        assert!(serves_ephemeral_containers("1", "25"));
        assert!(serves_ephemeral_containers("1", "37"));
        assert!(serves_ephemeral_containers("1", ""));
    }

    #[test]
    fn container_names_must_be_dns_labels() {
        assert!(is_dns_label("debugger-x2b4c"));
        assert!(!is_dns_label("Debugger"));
        assert!(!is_dns_label("-x"));
        assert!(!is_dns_label(&"a".repeat(64)));
    }
}
