//! `logs`: the start-up story of one pod or many — each pod's init containers in spec order
//! (sidecars beside them, app containers after them with `--app`), and with `-f` the running
//! one followed, then the next as it starts. Log lines go to stdout (prefixed, stamped or as
//! JSON), headers, footers and notes to stderr.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;

use crate::cli::{GlobalArgs, LogsArgs, LogsFormat};
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::logplan::{self, Attempts, Container, Progress, Read, Step};
use crate::logs::output::{self, Out, Style, Tag};
use crate::logs::stream::{self, End, Request};
use crate::logs::target::{self, OwnerKind, Target};
use crate::render::Palette;

/// How often to look at the pod while waiting for a container to start.
const POLL: Duration = Duration::from_secs(1);

struct Ctx {
    cluster: Cluster,
    namespace: String,
    args: LogsArgs,
    tx: Sender<Out>,
    streams: Semaphore,
    show_pod: bool,
}

pub async fn run(args: &LogsArgs, global: &GlobalArgs, palette: Palette) -> Result<ExitCode> {
    if args.tail < -1 {
        return Err(Error::Usage(
            "--tail takes -1 (all) or a number of lines".into(),
        ));
    }
    let target = args
        .target
        .as_deref()
        .map(target::parse)
        .transpose()
        .map_err(Error::Usage)?;
    let cluster = Cluster::connect(global).await?;
    let namespace = cluster.namespace().to_string();
    let (pods, several) = match (&target, &args.selector) {
        (Some(Target::Pod(name)), _) => (vec![cluster.get_pod(&namespace, name).await?], false),
        (Some(Target::Owner(kind, name)), _) => {
            let selector = owner_selector(&cluster, &namespace, *kind, name).await?;
            (list_pods(&cluster, &namespace, &selector).await?, true)
        }
        (None, Some(selector)) => (list_pods(&cluster, &namespace, selector).await?, true),
        (None, None) => {
            return Err(Error::Usage(
                "name a pod (or TYPE/NAME), or select pods with -l".into(),
            ));
        }
    };
    if pods.is_empty() {
        return Err(Error::NotFound {
            kind: "pod".into(),
            name: args
                .selector
                .clone()
                .or(args.target.clone())
                .unwrap_or_default(),
            namespace: Some(namespace),
            hint: Some("no pod matches; list them with `kubectl get pods --show-labels`".into()),
        });
    }
    let max = usize::from(args.max_log_requests);
    if args.follow && pods.len() > max {
        return Err(Error::Usage(format!(
            "you are attempting to follow {} log streams, but maximum allowed concurrency is {max}, use --max-log-requests to increase the limit",
            pods.len()
        )));
    }
    if let (false, Some(pod)) = (several, pods.first()) {
        // A container the pod does not have is a name not found (exit 4), as a missing pod is.
        let shown =
            logplan::containers(pod, args.app, args.container.as_deref()).map_err(|why| {
                Error::NotFound {
                    kind: "container".into(),
                    name: args.container.clone().unwrap_or_default(),
                    namespace: None,
                    hint: Some(format!("pod {:?}: {why}", pod_name(pod))),
                }
            })?;
        if shown.is_empty() {
            return Err(Error::NotFound {
                kind: "init container".into(),
                name: "any".into(),
                namespace: None,
                hint: Some(format!(
                    "pod {:?} has none; add --app for its app containers",
                    pod.metadata.name.as_deref().unwrap_or_default()
                )),
            });
        }
    }
    let terminal = std::io::stdout().is_terminal();
    let many_containers = several || args.container.is_none();
    let style = Style {
        prefix: args.prefix.unwrap_or(!terminal || many_containers),
        timestamps: args.timestamps,
        json: args.output == LogsFormat::Json,
        terminal,
        colour: palette.enabled,
    };
    // Few chunks in flight: memory stays flat whatever the log's size.
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let writer = tokio::task::spawn_blocking(move || output::write_all(style, rx));
    let ctx = Arc::new(Ctx {
        cluster,
        namespace,
        args: args.clone(),
        tx,
        streams: Semaphore::new(max),
        show_pod: several,
    });
    let mut runners = JoinSet::new();
    for pod in pods {
        let ctx = ctx.clone();
        runners.spawn(async move { run_pod(ctx, pod).await });
    }
    drop(ctx);
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    let mut outcome = Ok(());
    loop {
        tokio::select! {
            _ = &mut interrupted => {
                runners.abort_all();
                break;
            }
            next = runners.join_next() => match next {
                None => break,
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(err))) => {
                    runners.abort_all();
                    outcome = Err(err);
                    break;
                }
                Some(Err(join)) if join.is_cancelled() => {}
                Some(Err(join)) => {
                    outcome = Err(Error::Unavailable(format!("a log reader failed: {join}")));
                    break;
                }
            },
        }
    }
    while runners.join_next().await.is_some() {}
    // Every sender is gone now: the writer drains and ends.
    let written = writer
        .await
        .map_err(|e| Error::Unavailable(format!("the log writer failed: {e}")))?;
    match (outcome, written) {
        (Err(err), _) if !err.is_broken_pipe() => Err(err),
        (_, Err(e)) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("writing to stdout", e))
        }
        _ => Ok(ExitCode::Ok),
    }
}

/// The selector of an owner's `spec.selector`.
pub(crate) async fn owner_selector(
    cluster: &Cluster,
    namespace: &str,
    kind: OwnerKind,
    name: &str,
) -> Result<String> {
    let (group, kind_name) = match kind {
        OwnerKind::Deployment => ("apps", "Deployment"),
        OwnerKind::StatefulSet => ("apps", "StatefulSet"),
        OwnerKind::DaemonSet => ("apps", "DaemonSet"),
        OwnerKind::ReplicaSet => ("apps", "ReplicaSet"),
        OwnerKind::Job => ("batch", "Job"),
    };
    let selector = cluster
        .workload_selector(namespace, group, kind_name, kind.resource(), name)
        .await?;
    target::selector_string(&selector).map_err(|why| {
        Error::Usage(format!(
            "cannot show the pods of {kind_name} {name:?}: {why}"
        ))
    })
}

/// The pods matching a selector, in name order.
async fn list_pods(cluster: &Cluster, namespace: &str, selector: &str) -> Result<Vec<Pod>> {
    let mut pods = cluster.pods_matching(namespace, selector).await?;
    pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(pods)
}

fn pod_name(pod: &Pod) -> String {
    pod.metadata.name.clone().unwrap_or_default()
}

fn pod_gone(ctx: &Ctx, pod: &str) -> Error {
    Error::NotFound {
        kind: "pod".into(),
        name: pod.into(),
        namespace: Some(ctx.namespace.clone()),
        hint: Some("it was deleted while its logs were followed".into()),
    }
}

async fn note(ctx: &Ctx, text: String) {
    let _ = ctx.tx.send(Out::Note(text)).await;
}

fn attempts(args: &LogsArgs) -> Attempts {
    if args.previous {
        Attempts::Previous
    } else if args.all_attempts {
        Attempts::All
    } else {
        Attempts::Default
    }
}

/// One pod's story: its containers in order, or with `-f` the sequence as it happens.
async fn run_pod(ctx: Arc<Ctx>, pod: Pod) -> Result<()> {
    let containers = match logplan::containers(&pod, ctx.args.app, ctx.args.container.as_deref()) {
        Ok(containers) => containers,
        Err(why) => {
            note(&ctx, format!("{}: {why}", pod_name(&pod))).await;
            return Ok(());
        }
    };
    if !ctx.args.follow || ctx.args.previous || ctx.args.container.is_some() {
        let _permit = ctx.streams.acquire().await;
        for container in &containers {
            show(
                &ctx,
                &pod,
                container,
                attempts(&ctx.args),
                true,
                ctx.args.follow,
            )
            .await?;
        }
        return Ok(());
    }
    follow_pod(ctx, pod, containers).await
}

/// Show the attempts of one container; `follow`: a running current attempt is followed.
async fn show(
    ctx: &Ctx,
    pod: &Pod,
    container: &Container,
    attempts: Attempts,
    with_previous: bool,
    follow: bool,
) -> Result<()> {
    let name = pod_name(pod);
    for read in logplan::reads(pod, &container.name, attempts, with_previous) {
        let header = logplan::header(container, &read);
        let (previous, attempt, ended, running) = match &read {
            Read::Nothing { .. } => {
                note(ctx, prefixed(ctx, &name, header)).await;
                continue;
            }
            Read::Previous { attempt, ended } => (true, *attempt, ended.clone(), false),
            Read::Current {
                attempt,
                ended,
                running,
            } => (false, *attempt, ended.clone(), *running),
        };
        note(ctx, prefixed(ctx, &name, header)).await;
        let tag = Arc::new(Tag {
            namespace: ctx.namespace.clone(),
            pod: name.clone(),
            container: container.clone(),
            attempt,
            show_pod: ctx.show_pod,
        });
        let request = Request {
            pod: name.clone(),
            container: container.name.clone(),
            restarts: attempt,
            previous,
            follow: follow && running,
            tail: Some(ctx.args.tail),
            since_seconds: ctx.args.since.map(|d| d.as_secs().max(1) as i64),
            since_time: ctx.args.since_time,
        };
        let end = stream::read(&ctx.cluster, &ctx.namespace, &request, tag, &ctx.tx).await?;
        let of = &container.name;
        let said = match end {
            End::PodGone => return Err(pod_gone(ctx, &name)),
            End::NotStarted(why) => Some(format!("({of}: {why})")),
            End::Unavailable { notice, .. } => Some(format!(
                "({of}: no log to show; the kubelet says: {notice})"
            )),
            End::Done { bytes: 0 } if !previous && attempt > 0 => Some(format!(
                "(no output from {of} yet; the previous attempt: `-p`)"
            )),
            End::Done { bytes: 0 } => Some(format!("(no output from {of})")),
            End::Done { .. } => None,
        };
        if let Some(said) = said {
            note(ctx, prefixed(ctx, &name, said)).await;
        }
        let ended = if request.follow {
            match ctx.cluster.get_pod(&ctx.namespace, &name).await {
                Ok(now) => logplan::end_of_attempt(&now, &container.name, attempt),
                Err(Error::NotFound { .. }) => return Err(pod_gone(ctx, &name)),
                Err(err) => return Err(err),
            }
        } else {
            ended
        };
        if let Some(ended) = ended {
            note(
                ctx,
                prefixed(ctx, &name, logplan::footer(container, &ended)),
            )
            .await;
        }
    }
    Ok(())
}

fn prefixed(ctx: &Ctx, pod: &str, text: String) -> String {
    if ctx.show_pod {
        format!("{pod}: {text}")
    } else {
        text
    }
}

/// The followed streams, each ending with its (container, attempt) key.
type Follows = JoinSet<((String, i32), Result<()>)>;

/// Follow attempt `key` of `container` in a task of its own, marked active (and touched: its
/// previous attempt is shown only the first time).
fn spawn_follow(
    tasks: &mut Follows,
    ctx: &Arc<Ctx>,
    pod: &Pod,
    container: Container,
    key: (String, i32),
    progress: &mut Progress,
) {
    let with_previous = progress.touched.insert(key.0.clone());
    progress.active.insert(key.clone());
    let (snapshot, task_ctx) = (pod.clone(), Arc::clone(ctx));
    tasks.spawn(async move {
        let done = show(
            &task_ctx,
            &snapshot,
            &container,
            Attempts::Default,
            with_previous,
            true,
        );
        (key, done.await)
    });
}

/// Follow a pod: finished init containers printed, the running one followed, the next waited
/// for; started sidecars (and app containers with `--app`) followed beside them.
async fn follow_pod(ctx: Arc<Ctx>, mut pod: Pod, containers: Vec<Container>) -> Result<()> {
    let ctx = &ctx;
    let name = pod_name(&pod);
    let mut progress = Progress::default();
    let mut announced: HashSet<String> = HashSet::new();
    let mut tasks: Follows = JoinSet::new();
    let mut init_done = false;
    let find = |n: &str| containers.iter().find(|c| c.name == n).cloned();
    loop {
        for key in logplan::side_streams(&pod, &progress, ctx.args.app && init_done) {
            let Some(container) = find(&key.0) else {
                continue;
            };
            spawn_follow(&mut tasks, ctx, &pod, container, key, &mut progress);
        }
        match logplan::next_step(&pod, &progress) {
            Step::Print { name: c, restarts } => {
                if let Some(container) = find(&c) {
                    let with_previous = progress.touched.insert(c.clone());
                    show(
                        ctx,
                        &pod,
                        &container,
                        Attempts::Default,
                        with_previous,
                        false,
                    )
                    .await?;
                }
                progress.shown.insert((c, restarts));
                continue;
            }
            Step::Follow { name: c, restarts } => {
                let key = (c.clone(), restarts);
                if let Some(container) = find(&c) {
                    spawn_follow(&mut tasks, ctx, &pod, container, key, &mut progress);
                } else {
                    progress.shown.insert(key);
                }
            }
            Step::Wait { name: c, why } => {
                if announced.insert(format!("{c}/{why}")) {
                    note(
                        ctx,
                        prefixed(ctx, &name, format!("waiting for {c} to start ({why})...")),
                    )
                    .await;
                }
            }
            Step::Busy => {}
            Step::Done if !ctx.args.app => {
                tasks.abort_all();
                note(
                    ctx,
                    prefixed(ctx, &name, "All init containers have completed.".into()),
                )
                .await;
                return Ok(());
            }
            Step::Done => {
                if !init_done {
                    init_done = true;
                    note(
                        ctx,
                        prefixed(ctx, &name, "All init containers have completed.".into()),
                    )
                    .await;
                    continue;
                }
                if tasks.is_empty() && logplan::pod_over(&pod) {
                    return Ok(());
                }
            }
            Step::Over { why } => {
                while let Some(joined) = tasks.join_next().await {
                    finished(&mut progress, joined)?;
                }
                note(
                    ctx,
                    prefixed(ctx, &name, format!("Stopped following: {why}.")),
                )
                .await;
                if pod.metadata.deletion_timestamp.is_some() {
                    return Err(pod_gone(ctx, &name));
                }
                return Ok(());
            }
        }
        tokio::select! {
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => finished(&mut progress, joined)?,
            _ = tokio::time::sleep(POLL) => {}
        }
        pod = match ctx.cluster.get_pod(&ctx.namespace, &name).await {
            Ok(pod) => pod,
            Err(Error::NotFound { .. }) => {
                tasks.abort_all();
                return Err(pod_gone(ctx, &name));
            }
            Err(err) => return Err(err),
        };
    }
}

fn finished(
    progress: &mut Progress,
    joined: std::result::Result<((String, i32), Result<()>), tokio::task::JoinError>,
) -> Result<()> {
    match joined {
        Ok((key, outcome)) => {
            progress.active.remove(&key);
            progress.shown.insert(key);
            outcome
        }
        Err(join) if join.is_cancelled() => Ok(()),
        Err(join) => Err(Error::Unavailable(format!("a log reader failed: {join}"))),
    }
}
