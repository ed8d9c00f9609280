//! `explain --watch`: repeat the round whenever a selected pod changes, or something its
//! blockers wait on does — the Services they name, those Services' EndpointSlices and backing
//! Pods, the Jobs they wait for ([`Follow`]: narrowed list-then-watch) — or the window ends.
//! Print only what changed: in the multi-pod view the changed rows (with the time and the
//! change) and the fixes of their new findings (`rows.rs`), in the one-pod view the full view
//! again; a line when initialization completed.
//! An expired version (410) or a lost connection (an API server restart) means a new round:
//! re-list and go on; what was printed is not printed again.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use futures::future::{BoxFuture, FutureExt, select_all};
use jiff::Timestamp;

use super::rows::{Rows, id};
use super::{
    Round, Selection, WatchSpec, exit_code, explain_round, layout, multi_pod, render_text, triaged,
};
use crate::cli::{ExplainArgs, OutputFormat};
use crate::cluster::Cluster;
use crate::cluster::follow::Follow;
use crate::diagnosis::{self, Evidence, PodDiagnosis};
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::render::Palette;

/// How long one watch request stays open before the round is repeated anyway (so events and
/// logs, which do not change the pod, are refreshed too).
const WATCH_WINDOW: Duration = Duration::from_secs(30);

/// The window when what blockers wait on cannot be watched (too many things, or a refused
/// list): a re-check this often.
const RECHECK: Duration = Duration::from_secs(5);

/// How many dependencies are watched at most; beyond, [`RECHECK`].
const MAX_FOLLOWS: usize = 24;

/// How many failed rounds in a row `--watch` rides out (reconnecting) before it gives up.
const WATCH_RETRIES: u32 = 5;

/// What the unsettled pods' blockers wait on: Services by name, their EndpointSlices, the
/// Pods their selectors pick, the Jobs waited for.
pub(super) fn follows(evidence: &[Evidence], diagnoses: &[PodDiagnosis]) -> Vec<Follow> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut out: BTreeSet<Follow> = BTreeSet::new();
    for (e, d) in evidence.iter().zip(diagnoses) {
        if diagnosis::settled(d) {
            continue;
        }
        let Some(needs) = crate::waits::needs(&e.pod) else {
            continue;
        };
        names.extend(needs.service_names.iter().cloned());
        for (namespace, name) in &needs.jobs {
            out.insert(Follow::Job {
                namespace: namespace.clone(),
                name: name.clone(),
            });
        }
        for service in e.waits.iter().flat_map(|w| &w.services_by_name) {
            let selector = service.spec.as_ref().and_then(|s| s.selector.as_ref());
            if let (Some(selector), Some(namespace)) = (selector, &service.metadata.namespace)
                && !selector.is_empty()
            {
                out.insert(Follow::PodsLabelled {
                    namespace: namespace.clone(),
                    labels: crate::waits::resolve::labels_text(selector),
                });
            }
        }
    }
    let names: Vec<String> = names.into_iter().collect();
    for chunk in names.chunks(crate::waits::shared::NAMES_PER_SLICE_LIST) {
        out.insert(Follow::SlicesOf(chunk.to_vec()));
    }
    out.extend(names.into_iter().map(Follow::ServicesNamed));
    out.into_iter().collect()
}

/// The diagnoses without what changes by the second (ages, time left), to tell real changes.
pub(super) fn stable_view(diagnoses: &[PodDiagnosis]) -> Vec<PodDiagnosis> {
    diagnoses
        .iter()
        .cloned()
        .map(|mut d| {
            d.age_seconds = 0;
            d.last_restart_seconds = d.last_restart_seconds.map(|_| 0);
            d.deadline_remaining_seconds = d.deadline_remaining_seconds.map(|r| r.min(1));
            d.findings.retain(|f| f.code != "DeadlineApproaching");
            d
        })
        .collect()
}

/// True when watching can stop: every selected pod is Ready or Completed, or failed for good
/// (with `init_only`: initialized or failed for good); for a selection without names, the pods
/// that still need attention, and none left ends it too.
pub(super) fn watch_is_over(diagnoses: &[PodDiagnosis], init_only: bool) -> bool {
    diagnoses
        .iter()
        .all(|d| diagnosis::watch_settled(d, init_only))
}

/// State kept across rounds.
#[derive(Default)]
struct Watching {
    /// The stable view last printed (JSON and the one-pod view).
    shown: Option<Vec<PodDiagnosis>>,
    /// The rows view (the multi-pod view).
    rows: Rows,
    /// The last round's diagnoses.
    last: Vec<PodDiagnosis>,
    /// Pods deleted while still blocked: they count as blocked for --exit-code.
    vanished: Vec<PodDiagnosis>,
    /// Pods that left the selection initialized.
    initialized: BTreeSet<(String, String)>,
    /// The fingerprint of each followed dependency at the last look.
    seen: BTreeMap<Follow, u64>,
}

pub(super) async fn watch(
    cluster: &Cluster,
    selection: &Selection,
    args: &ExplainArgs,
    palette: Palette,
) -> Result<ExitCode> {
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    let mut state = Watching::default();
    let mut failures = 0u32;
    let rows_view = multi_pod(selection) && args.output != OutputFormat::Json;
    loop {
        let round = tokio::select! {
            _ = &mut interrupted => return Ok(ended(args, &state)),
            round = explain_round(cluster, selection) => round,
        };
        let round = match round {
            Ok(round) => round,
            Err(err) if retryable(&err) && failures < WATCH_RETRIES => {
                failures += 1;
                tokio::select! {
                    _ = &mut interrupted => return Ok(ended(args, &state)),
                    _ = tokio::time::sleep(backoff(failures)) => continue,
                }
            }
            Err(err) => return Err(err),
        };
        let gone = gone_pods(cluster, &state.last, &round).await;
        // A pod selected again has not left the selection (it was Ready, and crashed since).
        for d in &round.diagnoses {
            state.initialized.remove(&id(d));
        }
        let text = if rows_view {
            let gone: Vec<(PodDiagnosis, Option<&'static str>)> = gone
                .iter()
                .map(|(pod, readable)| {
                    let how = readable.then(|| left_as(pod, args.init_only));
                    (pod.clone(), how)
                })
                .collect();
            let pods = triaged(&round.diagnoses);
            state
                .rows
                .text(&pods, &gone, round.now, palette, layout(args))
        } else {
            view_text(&mut state, &round, selection, args, palette)
        };
        for (pod, readable) in gone {
            if readable && left_well(&pod, args.init_only) {
                state.initialized.insert(id(&pod));
            } else if !left_well(&pod, args.init_only) {
                state.vanished.push(pod);
            }
        }
        super::super::print(&text)?;
        state.last = round.diagnoses.clone();
        if watch_is_over(&state.last, args.init_only) {
            if args.output != OutputFormat::Json {
                super::super::print(&completed_line(&state, round.now, args.init_only))?;
            }
            return Ok(ended(args, &state));
        }
        let changed = tokio::select! {
            _ = &mut interrupted => return Ok(ended(args, &state)),
            changed = any_change(cluster, &round, &mut state.seen) => changed,
        };
        match changed {
            Ok(_) => failures = 0,
            Err(err) if retryable(&err) && failures < WATCH_RETRIES => {
                failures += 1;
                tokio::select! {
                    _ = &mut interrupted => return Ok(ended(args, &state)),
                    _ = tokio::time::sleep(backoff(failures)) => {}
                }
            }
            Err(err) => return Err(err),
        }
    }
}

/// True when a pod that left the selection left it well: initialized (with `init_only`), else
/// Ready or Completed — not `Failed`, not deleted.
fn left_well(d: &PodDiagnosis, init_only: bool) -> bool {
    if init_only {
        d.initialized
    } else {
        (d.initialized && d.ready) || d.phase == "Succeeded"
    }
}

/// How a pod still there left the selection, for its row: `initialized`, `Ready`,
/// `Completed`, `Failed` (a pod that could not be read is `deleted`).
fn left_as(d: &PodDiagnosis, init_only: bool) -> &'static str {
    match d.phase.as_str() {
        "Succeeded" if !init_only => "Completed",
        "Failed" if !init_only => "Failed",
        _ if !init_only && d.ready => "Ready",
        _ if d.initialized => "initialized",
        _ => "not selected",
    }
}

/// The pods of the last round missing from this one, each as it is now and `true`, or as it
/// was and `false` when it is gone (deleted, or could not be read).
async fn gone_pods(
    cluster: &Cluster,
    last: &[PodDiagnosis],
    round: &Round,
) -> Vec<(PodDiagnosis, bool)> {
    let now_ids: BTreeSet<(String, String)> = round.diagnoses.iter().map(id).collect();
    let missing: Vec<&PodDiagnosis> = last.iter().filter(|d| !now_ids.contains(&id(d))).collect();
    futures::stream::iter(missing.into_iter().map(|old| async move {
        match cluster.get_pod(&old.namespace, &old.name).await {
            Ok(pod) => {
                let evidence = Evidence {
                    pod,
                    ..Default::default()
                };
                (diagnosis::summarize(&evidence, round.now), true)
            }
            Err(_) => (old.clone(), false),
        }
    }))
    .buffered(8)
    .collect()
    .await
}

/// The one-pod view (and JSON): the whole view again when it changed.
fn view_text(
    state: &mut Watching,
    round: &Round,
    selection: &Selection,
    args: &ExplainArgs,
    palette: Palette,
) -> String {
    let view = stable_view(&round.diagnoses);
    if state.shown.as_ref() == Some(&view) {
        return String::new();
    }
    let mut text = String::new();
    if state.shown.is_some() && args.output != OutputFormat::Json {
        text.push_str(&format!(
            "\n--- {} ---\n",
            round.now.strftime("%H:%M:%S UTC")
        ));
    }
    text.push_str(&render_text(
        args,
        selection,
        &round.diagnoses,
        round.now,
        palette,
        true,
    ));
    state.shown = Some(view);
    text
}

/// The last line of a watch that ends by itself. With `init_only` it counts the pods
/// initialized; else the pods Ready or Completed (a pod that left the selection did so for
/// being one or the other), and the others, `Failed` ones and the deleted.
fn completed_line(state: &Watching, now: Timestamp, init_only: bool) -> String {
    let good = |d: &&PodDiagnosis| left_well(d, init_only);
    let fine = state
        .last
        .iter()
        .filter(good)
        .map(id)
        .chain(state.initialized.iter().cloned())
        .collect::<BTreeSet<_>>()
        .len();
    let failed = state.last.iter().filter(|d| !good(d)).count() + state.vanished.len();
    let time = now.strftime("%H:%M:%S UTC");
    let pods = |n: usize| if n == 1 { "pod" } else { "pods" };
    let (done, each) = if init_only {
        ("initialization completed", "initialized")
    } else {
        ("every pod is Ready or Completed", "Ready or Completed")
    };
    if failed == 0 && fine == 0 {
        if init_only {
            format!("{time}  no pod is blocked in initialization; watch ended\n")
        } else {
            format!("{time}  no pod is blocked or not Ready; watch ended\n")
        }
    } else if failed == 0 {
        format!(
            "{time}  {done} ({fine} {} {each}); watch ended\n",
            pods(fine)
        )
    } else {
        format!(
            "{time}  no pod is still on its way ({fine} {each}, {failed} failed or deleted); watch ended\n"
        )
    }
}

/// The exit code of a watch that ends: as [`exit_code`], counting the pods that were deleted
/// while still blocked as blocked (they never initialized).
fn ended(args: &ExplainArgs, state: &Watching) -> ExitCode {
    let all: Vec<PodDiagnosis> = state.last.iter().chain(&state.vanished).cloned().collect();
    exit_code(args, &all)
}

/// Wait for the first of: a change of a selected pod, a change of something followed (seen
/// by its list differing from the last look, or by its watch), or the window's end.
async fn any_change(
    cluster: &Cluster,
    round: &Round,
    seen: &mut BTreeMap<Follow, u64>,
) -> Result<bool> {
    let started = tokio::time::Instant::now();
    let mut window = WATCH_WINDOW;
    let mut follows: Vec<(Follow, String)> = Vec::new();
    if round.follows.len() > MAX_FOLLOWS {
        window = RECHECK;
    } else {
        let looks: Vec<(Follow, Result<crate::cluster::follow::Seen>)> = futures::stream::iter(
            round
                .follows
                .iter()
                .map(|f| async move { (f.clone(), cluster.follow_seen(f).await) }),
        )
        .buffered(8)
        .collect()
        .await;
        let mut moved = false;
        for (follow, look) in looks {
            match look {
                Ok(look) => {
                    // Changed since the last look; or looked at for the first time, after the
                    // round read it: a change in between (the awaited Service created while
                    // the round ran) would be in this list and never in the watch from it, so
                    // one more round sees it (and prints only if something changed).
                    if seen
                        .insert(follow.clone(), look.fingerprint)
                        .is_none_or(|before| before != look.fingerprint)
                    {
                        moved = true;
                    }
                    follows.push((follow, look.resource_version));
                }
                Err(err) if retryable(&err) => return Err(err),
                // Refused (RBAC) or not understood: re-check instead of watching it.
                Err(_) => window = RECHECK,
            }
        }
        if moved {
            return Ok(true);
        }
    }
    let mut waits: Vec<BoxFuture<'_, Result<bool>>> = round
        .watches
        .iter()
        .map(|w: &WatchSpec| {
            cluster
                .pods_changed(
                    &w.scope,
                    w.fields.as_deref(),
                    w.labels.as_deref(),
                    &w.resource_version,
                    window,
                )
                .boxed()
        })
        .collect();
    waits.extend(follows.iter().map(|(follow, version)| {
        async move {
            match cluster.follow_changed(follow, version, window).await {
                Err(err) if !retryable(&err) => {
                    tokio::time::sleep(RECHECK).await;
                    Ok(true)
                }
                other => other,
            }
        }
        .boxed()
    }));
    let changed = if waits.is_empty() {
        tokio::time::sleep(window).await;
        Ok(false)
    } else {
        select_all(waits).await.0
    };
    // A watch the server ends at once is no reason to spin.
    if matches!(changed, Ok(false)) && started.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    changed
}

/// Errors worth reconnecting after: the connection, a timeout, a server hiccup.
pub(super) fn retryable(err: &Error) -> bool {
    match err {
        // A restarting API server answers 429 or 503 ("not ready") before it serves again.
        Error::Unreachable { .. } | Error::Timeout { .. } | Error::Overloaded { .. } => true,
        Error::Api { code, .. } => *code == 0 || *code >= 500 || *code == 429,
        _ => false,
    }
}

pub(super) fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.min(3))
}
