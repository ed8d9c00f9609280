//! `debug`: add an ephemeral container that shares the blocked init container's processes,
//! wait for it to run, and attach — like `kubectl debug -it POD --target=…`, aimed at init.
//! `--check` runs the blocker's checks from inside the pod (`check.rs`); `--copy-to` debugs a
//! copy of the pod (`copy.rs`); `--attach-to` goes back into a container that still runs.
//! Without `--copy-to --replace` it only ever adds: nothing that exists is edited or deleted.

mod check;
mod copy;
mod session;

use std::io::IsTerminal;

use k8s_openapi::api::core::v1::{EphemeralContainer, Pod};
use serde_json::json;

use crate::cli::{DebugArgs, DebugOutput, DryRun, GlobalArgs};
use crate::cluster::Cluster;
use crate::cluster::ephemeral::Refused;
use crate::debug::{self, DebugRequest, Profile, Session, profile};
use crate::error::{Error, Result};
use crate::exit::ExitCode;

/// Ephemeral containers went GA in Kubernetes 1.25.
const MIN_MINOR: u32 = 25;

/// Everything the flags say, checked before any I/O.
pub(crate) struct Inputs {
    pub session: Session,
    pub env: Vec<k8s_openapi::api::core::v1::EnvVar>,
    pub custom: Option<serde_json::Value>,
    pub set_images: Vec<(String, String)>,
    pub dry_run: Option<DryRun>,
}

/// Check the arguments before any I/O.
pub(crate) fn validate(args: &DebugArgs) -> Result<Inputs> {
    if args.image.trim().is_empty() {
        return Err(Error::Usage(format!(
            "--image must name an image, e.g. --image={}",
            crate::cli::DEFAULT_DEBUG_IMAGE
        )));
    }
    for name in [&args.name, &args.copy_to, &args.attach_to]
        .into_iter()
        .flatten()
    {
        if !is_dns_label(name) {
            return Err(Error::Usage(format!(
                "{name:?} is not a valid name: use lowercase letters, digits and '-', at most 63"
            )));
        }
    }
    let session = if args.check {
        Session {
            stdin: false,
            tty: false,
            attach: false,
        }
    } else {
        debug::session(args.stdin, args.tty, args.attach, !args.command.is_empty())
            .map_err(Error::Usage)?
    };
    let env = debug::parse_env(&args.env).map_err(Error::Usage)?;
    let set_images = debug::copy::parse_set_images(&args.set_image).map_err(Error::Usage)?;
    let custom = match &args.custom {
        Some(path) => {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::Usage(format!(
                    "must pass a container spec json file for custom profile: {shown}: {e}"
                ))
            })?;
            Some(debug::custom::parse(&text, &shown).map_err(Error::Usage)?)
        }
        None => None,
    };
    let dry_run = args.dry_run.filter(|d| *d != DryRun::None);
    if args.output.is_some() && dry_run.is_none() && !args.check {
        return Err(Error::Usage(
            "-o prints what would be sent with --dry-run, or the comparison of --check: add one of them".into(),
        ));
    }
    if args.check && args.output == Some(DebugOutput::Yaml) && dry_run.is_none() {
        return Err(Error::Usage("--check prints a table or -o json".into()));
    }
    if dry_run.is_some() && args.attach_to.is_some() {
        return Err(Error::Usage(
            "--attach-to sends nothing that --dry-run could show".into(),
        ));
    }
    Ok(Inputs {
        session,
        env,
        custom,
        set_images,
        dry_run,
    })
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
    let inputs = validate(args)?;
    let cluster = Cluster::connect(global).await?;
    let namespace = cluster.namespace().to_string();
    // Three independent reads, in one round.
    let (version, pod, level) = tokio::join!(
        check_server_version(&cluster),
        cluster.get_pod(&namespace, &args.pod),
        enforce_level(&cluster, &namespace),
    );
    version?;
    let pod = pod?;
    let (profile, why) = profile::resolve(level.as_ref().and_then(|l| l.as_deref()), args.profile);
    if let Some(why) = why {
        crate::say!("{}", crate::sanitize::line(&why));
    }
    if let Some(level) = &level {
        debug::check_pod_security(level.as_deref(), profile).map_err(Error::Usage)?;
    }
    let ctx = Ctx {
        cluster: &cluster,
        namespace: &namespace,
        args,
        inputs: &inputs,
        profile,
    };

    if let Some(name) = &args.attach_to {
        return session::attach_existing(&ctx, &pod, name).await;
    }
    if args.check {
        return check::run(&ctx, &pod).await;
    }
    if let Some(copy_name) = &args.copy_to {
        return copy::run(&ctx, &pod, copy_name).await;
    }
    debug_pod(&ctx, pod, args.target.as_deref()).await
}

/// What every step needs.
pub(crate) struct Ctx<'a> {
    pub cluster: &'a Cluster,
    pub namespace: &'a str,
    pub args: &'a DebugArgs,
    pub inputs: &'a Inputs,
    pub profile: Profile,
}

/// Add an ephemeral container to `pod` (or reuse one of ours), wait for it, attach.
pub(crate) async fn debug_pod(ctx: &Ctx<'_>, pod: Pod, target: Option<&str>) -> Result<ExitCode> {
    let args = ctx.args;
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let request = DebugRequest {
        target,
        image: &args.image,
        profile: ctx.profile,
        name: args.name.as_deref(),
        stdin: ctx.inputs.session.stdin,
        tty: ctx.inputs.session.tty,
        env: ctx.inputs.env.clone(),
        pull_policy: args
            .image_pull_policy
            .map(super::super::cli::PullPolicy::as_api),
        command: args.command.clone(),
        custom: ctx.inputs.custom.clone(),
        prefix: "debugger",
    };
    let plan = debug::plan(&pod, &request, || {
        debug::random_suffix(|n| fastrand::usize(..n))
    })
    .map_err(Error::Usage)?;
    for warning in &plan.warnings {
        crate::say!("warning: {}", crate::sanitize::line(warning));
    }

    // A debugger of ours still running on the target: offer it rather than add another.
    if ctx.inputs.dry_run.is_none() && args.name.is_none() && ctx.inputs.session.attach {
        let running = debug::reusable(&pod, &plan.target);
        if let Some((name, since)) = running.last()
            && choose_reuse(args.reuse, name, since)?
        {
            return session::attach_existing(ctx, &pod, name).await;
        }
    }

    if let Some(mode) = ctx.inputs.dry_run {
        return dry_run_patch(ctx, &pod_name, &plan.container, mode).await;
    }
    if let Some(state) = &plan.target_idle
        && !args.force
    {
        let copy_name = format!("{pod_name}-debug");
        if offer_copy(&plan.target, state, &pod_name, &copy_name, ctx.namespace)? {
            // Boxed: the copy is debugged with `debug_pod` in turn (its target runs there).
            return Box::pin(copy::run(ctx, &pod, &copy_name)).await;
        }
    }
    add_ephemeral(ctx, &pod_name, &plan.container, false).await?;
    let name = plan.container.name.clone();
    crate::say!(
        "Added ephemeral container {name} (image {}, profile {}) to pod {}/{pod_name}, sharing the processes of {}.",
        crate::sanitize::line(&args.image),
        ctx.profile,
        ctx.namespace,
        plan.target
    );
    if let session::Started::Ended { exit_code, reason } =
        session::wait_started(ctx, &pod_name, &name).await?
    {
        return session::report_ended(ctx, &pod_name, &name, exit_code, &reason).await;
    }
    if !ctx.inputs.session.attach {
        let how = session::attach_hint(ctx, &pod_name, &name);
        crate::say!("{name} is running. {how}");
        return Ok(ExitCode::Ok);
    }
    session::attach_and_report(ctx, &pod_name, &name, ctx.inputs.session).await
}

/// The target does not run: a debug container sharing its processes cannot start until it runs
/// again, and an ephemeral container is never removed. On a terminal, offer a copy first (true:
/// debug the copy); without one, refuse (exit 8) unless `--force`.
fn offer_copy(
    target: &str,
    state: &str,
    pod: &str,
    copy_name: &str,
    namespace: &str,
) -> Result<bool> {
    let state = crate::sanitize::line(state);
    let why = format!(
        "init container {target} is not running ({state}): a debug container sharing its processes cannot start until it runs again, and an ephemeral container can never be removed from the pod"
    );
    let copy = format!("kubectl initdoctor debug {pod} --copy-to {copy_name} -n {namespace}");
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::Unavailable(format!(
            "{why}; nothing was added. Debug a copy instead: `{copy}`, or pass --force to add it anyway"
        )));
    }
    eprint!("{why}.\nDebug a copy of the pod instead ({copy})? [Y/n] ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::io("reading the answer", e))?;
    Ok(!matches!(answer.trim(), "n" | "N" | "no" | "No"))
}

/// Ask on a terminal whether to reuse `name`; without one, follow `--reuse` (reuse by default).
fn choose_reuse(flag: Option<bool>, name: &str, since: &str) -> Result<bool> {
    if let Some(choice) = flag {
        return Ok(choice);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        crate::say!(
            "Reusing {name}, a debug container of ours running since {since} (--reuse=false adds another)."
        );
        return Ok(true);
    }
    crate::say_inline!(
        "{name}, a debug container of ours, is running since {since}. Attach to it instead of adding another? [Y/n] "
    );
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::io("reading the answer", e))?;
    Ok(!matches!(answer.trim(), "n" | "N" | "no" | "No"))
}

/// Print the patch `debug` would send; with `server`, have the API server check it first.
pub(crate) async fn dry_run_patch(
    ctx: &Ctx<'_>,
    pod: &str,
    container: &EphemeralContainer,
    mode: DryRun,
) -> Result<ExitCode> {
    let body = json!({"spec": {"ephemeralContainers": [container]}});
    if mode == DryRun::Server {
        add_ephemeral(ctx, pod, container, true).await?;
    }
    print_object(&body, ctx.args.output)?;
    crate::say!(
        "(dry run: {} — pods/ephemeralcontainers of {}/{pod} not changed)",
        if mode == DryRun::Server {
            "checked by the API server"
        } else {
            "nothing sent"
        },
        ctx.namespace
    );
    Ok(ExitCode::Ok)
}

/// Print an object as YAML (the default) or JSON.
pub(crate) fn print_object(value: &serde_json::Value, output: Option<DebugOutput>) -> Result<()> {
    let text = match output {
        Some(DebugOutput::Json) => {
            let mut t = serde_json::to_string_pretty(value).unwrap_or_default();
            t.push('\n');
            t
        }
        _ => serde_saphyr::to_string(value).unwrap_or_default(),
    };
    crate::commands::print(&text)
}

/// Patch the pod's ephemeral containers with one more; map what can go wrong to one line.
pub(crate) async fn add_ephemeral(
    ctx: &Ctx<'_>,
    pod: &str,
    container: &EphemeralContainer,
    dry_run: bool,
) -> Result<()> {
    let refused = match ctx
        .cluster
        .add_ephemeral_container(ctx.namespace, pod, container, dry_run)
        .await
    {
        Ok(()) => return Ok(()),
        Err(refused) => refused,
    };
    match refused {
        Refused::PodSecurity { level, message } => {
            let level = level.as_deref().unwrap_or("restricted");
            let passing = debug::check_pod_security(Some(level), ctx.profile)
                .err()
                .unwrap_or_default();
            Err(Error::Usage(if passing.is_empty() {
                format!(
                    "Pod Security admission refused the debug container ({})",
                    crate::sanitize::line(&crate::cluster::config::one_line(&message))
                )
            } else {
                passing
            }))
        }
        Refused::NotServed => Err(Error::Unavailable(
            "ephemeral containers are disabled for this cluster (it does not serve pods/ephemeralcontainers): use `kubectl initdoctor debug POD --copy-to NAME` instead".into(),
        )),
        Refused::Failed(err) => Err(err),
    }
}

async fn check_server_version(cluster: &Cluster) -> Result<()> {
    let info = cluster.server_version().await?;
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

/// The namespace's Pod Security `enforce` level: `Some(None)` when it has no label, `None`
/// when the namespace cannot be read (a namespaced Role rarely grants it: then the server
/// decides, and its refusal is mapped in [`add_ephemeral`]).
async fn enforce_level(cluster: &Cluster, namespace: &str) -> Option<Option<String>> {
    let ns = cluster.get_namespace(namespace).await.ok().flatten()?;
    Some(
        ns.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(profile::ENFORCE_LABEL))
            .cloned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

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

    fn args(words: &[&str]) -> DebugArgs {
        let mut all = vec!["kubectl-initdoctor", "debug", "web"];
        all.extend_from_slice(words);
        match crate::cli::Cli::try_parse_from(all).unwrap().command {
            crate::cli::Command::Debug(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn flags_are_checked_before_any_io() {
        let refused = [
            (
                vec!["-t"],
                "-i/--stdin is required for containers with -t/--tty=true",
            ),
            (vec!["--env", "X"], "--env \"X\" is not NAME=VALUE"),
            (
                vec!["-o", "json"],
                "-o prints what would be sent with --dry-run",
            ),
            (vec!["--copy-to", "Web"], "\"Web\" is not a valid name"),
            (
                vec!["--copy-to", "c", "--set-image", "x"],
                "--set-image \"x\" is not NAME=IMAGE",
            ),
            (
                vec!["--custom", "/nonexistent/p.json"],
                "must pass a container spec json file for custom profile",
            ),
            (vec!["--image", " "], "--image must name an image"),
        ];
        for (words, want) in refused {
            let err = match validate(&args(&words)) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{words:?} accepted"),
            };
            assert!(err.starts_with(want), "{words:?}: {err}");
        }
        let ok = validate(&args(&["--dry-run", "-o", "yaml", "--", "sleep", "1"])).unwrap();
        assert_eq!(ok.dry_run, Some(DryRun::Client));
        assert!(!ok.session.stdin && !ok.session.attach);
        assert!(
            validate(&args(&["--check", "-o", "json"])).unwrap().session
                == Session {
                    stdin: false,
                    tty: false,
                    attach: false
                }
        );
    }

    #[test]
    fn kubectl_flag_spellings_parse() {
        let a = args(&[
            "-it",
            "--attach=false",
            "--image-pull-policy",
            "IfNotPresent",
            "--env",
            "A=1",
            "--",
            "sh",
            "-l",
        ]);
        assert!(a.stdin && a.tty);
        assert_eq!(a.attach, Some(false));
        assert_eq!(
            a.image_pull_policy.map(crate::cli::PullPolicy::as_api),
            Some("IfNotPresent")
        );
        assert_eq!(a.command, ["sh", "-l"]);
        assert_eq!(a.image, "busybox:1.35");
        let b = args(&["--reuse", "--dry-run"]);
        assert_eq!((b.reuse, b.dry_run), (Some(true), Some(DryRun::Client)));
        for conflict in [
            vec!["--check", "--copy-to", "x"],
            vec!["--attach-to", "x", "--check"],
            vec!["--same-node"],
        ] {
            let mut all = vec!["kubectl-initdoctor", "debug", "web"];
            all.extend_from_slice(&conflict);
            assert!(
                crate::cli::Cli::try_parse_from(all).is_err(),
                "{conflict:?}"
            );
        }
    }
}
