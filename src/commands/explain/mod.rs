//! `explain`: which init container blocks each selected pod, and why.
//!
//! Complete (namespace, selection), validate (flags, no I/O), run: read the pods, gather the
//! evidence of each (concurrently), diagnose with the pure core, render: one pod named gives
//! its full view; several, or none (every blocked pod of the scope), the triage table and the
//! grouped findings ([`crate::render::triage`]), with `--details` the full view of each too.
//! `--watch` is in `watch.rs`.

mod rows;
mod watch;

use futures::future::try_join_all;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use crate::cli::{ExplainArgs, GlobalArgs, OutputFormat};
use crate::cluster::tails::Tails;
use crate::cluster::{Cluster, Scope};
use crate::diagnosis::{self, PodDiagnosis};
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::finding::ObjectRef;
use crate::gather;
use crate::logs::target::{OwnerKind, Target};
use crate::render::triage::Layout;
use crate::render::{self, Palette};

/// What to explain, once the environment is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// These pods, by name, in one namespace.
    Named {
        namespace: String,
        names: Vec<String>,
    },
    /// Every pod of the scope (matching the selector) whose initialization is not complete, or
    /// (unless `init_only`) that is not Ready.
    Blocked {
        scope: Scope,
        selector: Option<String>,
        init_only: bool,
    },
}

/// Check flag combinations before any I/O.
pub fn validate(args: &ExplainArgs) -> Result<()> {
    if args.all_namespaces && !args.pods.is_empty() {
        return Err(Error::Usage(
            "pod names cannot be combined with --all-namespaces: pass -n NAMESPACE instead".into(),
        ));
    }
    if args.selector.is_some() && !args.pods.is_empty() {
        return Err(Error::Usage(
            "pod names cannot be combined with --selector: pass one or the other".into(),
        ));
    }
    for name in &args.pods {
        if !name.contains('/') {
            crate::validate::pod_name(name)?;
            continue;
        }
        match crate::logs::target::parse(name) {
            Ok(Target::Pod(pod)) => crate::validate::pod_name(&pod)?,
            Ok(Target::Owner(..)) if args.pods.len() == 1 => {}
            Ok(Target::Owner(..)) => {
                return Err(Error::Usage(format!(
                    "{name} cannot be combined with other names: explain one workload (TYPE/NAME) at a time"
                )));
            }
            Err(why) => {
                return Err(Error::Usage(
                    why.replace("cannot show logs of", "cannot explain"),
                ));
            }
        }
    }
    if let Some(selector) = &args.selector {
        crate::validate::label_selector(selector)?;
    }
    Ok(())
}

/// Resolve the selection against the namespace the environment gives.
#[allow(clippy::if_not_else)] // named pods first, as the usage line has them
pub fn complete(args: &ExplainArgs, namespace: &str) -> Selection {
    if !args.pods.is_empty() {
        Selection::Named {
            namespace: namespace.to_string(),
            names: args
                .pods
                .iter()
                .map(|n| match crate::logs::target::parse(n) {
                    Ok(Target::Pod(pod)) => pod,
                    _ => n.clone(),
                })
                .collect(),
        }
    } else {
        Selection::Blocked {
            scope: if args.all_namespaces {
                Scope::All
            } else {
                Scope::Namespace(namespace.to_string())
            },
            selector: args.selector.clone(),
            init_only: args.init_only,
        }
    }
}

pub async fn run(args: &ExplainArgs, global: &GlobalArgs, palette: Palette) -> Result<ExitCode> {
    validate(args)?;
    if let Some(namespace) = &global.namespace {
        crate::validate::namespace(namespace)?;
    }
    let cluster = Cluster::connect(global)
        .await?
        .with_cluster_domain(&args.cluster_domain);
    let (selection, owner) = match owner_target(args) {
        Some((kind, name)) => {
            let namespace = cluster.namespace().to_string();
            let selector = super::logs::owner_selector(&cluster, &namespace, kind, &name).await?;
            let owner = ObjectRef::new(owner_kind(kind), &namespace, &name);
            let selection = Selection::Blocked {
                scope: Scope::Namespace(namespace),
                selector: Some(selector),
                init_only: args.init_only,
            };
            (selection, Some(owner))
        }
        None => (complete(args, cluster.namespace()), None),
    };
    if args.watch {
        return watch::watch(&cluster, &selection, args, palette).await;
    }
    let round = explain_round(&cluster, &selection).await?;
    if let (Some(owner), true) = (&owner, round.diagnoses.is_empty()) {
        return explain_owner(&cluster, args, &selection, owner).await;
    }
    super::print(&render_text(
        args,
        &selection,
        &round.diagnoses,
        round.now,
        palette,
        false,
    ))?;
    Ok(exit_code(args, &round.diagnoses))
}

/// The one workload named (`deployment/api`), if that is what was asked.
fn owner_target(args: &ExplainArgs) -> Option<(OwnerKind, String)> {
    match args.pods.as_slice() {
        [one] => match crate::logs::target::parse(one) {
            Ok(Target::Owner(kind, name)) => Some((kind, name)),
            _ => None,
        },
        _ => None,
    }
}

fn owner_kind(kind: OwnerKind) -> &'static str {
    match kind {
        OwnerKind::Deployment => "Deployment",
        OwnerKind::StatefulSet => "StatefulSet",
        OwnerKind::DaemonSet => "DaemonSet",
        OwnerKind::ReplicaSet => "ReplicaSet",
        OwnerKind::Job => "Job",
        OwnerKind::CronJob => "CronJob",
    }
}

/// A workload with no pod selected: what its controller said when it tried to create them.
async fn explain_owner(
    cluster: &Cluster,
    args: &ExplainArgs,
    selection: &Selection,
    owner: &ObjectRef,
) -> Result<ExitCode> {
    let selector = match selection {
        Selection::Blocked { selector, .. } => selector.clone().unwrap_or_default(),
        Selection::Named { .. } => String::new(),
    };
    // A refused read leaves nothing to say, never a failed command.
    let events = cluster
        .creation_events(&owner.namespace, &owner.kind, &owner.name, &selector)
        .await
        .unwrap_or_default();
    let mut diagnosis = diagnosis::creation::pods_not_created(owner, &events);
    if owner.kind == "CronJob" && diagnosis.findings.is_empty() {
        // A refused read leaves nothing to say, never a failed command.
        if let Ok(Some(state)) = cronjob_state(cluster, &owner.namespace, &owner.name).await {
            diagnosis
                .findings
                .push(diagnosis::cronjob::without_pods(owner, &state));
        }
    }
    let text = match args.output {
        OutputFormat::Json => render::json::render_owners(std::slice::from_ref(&diagnosis)),
        OutputFormat::Table | OutputFormat::Wide => render::owners::render(&diagnosis),
    };
    super::print(&text)?;
    let blocked = !diagnosis.findings.is_empty();
    Ok(if args.exit_code && blocked {
        ExitCode::Blocked
    } else {
        ExitCode::Ok
    })
}

/// What `explain cronjob/NAME` says of a CronJob without pods: its spec and status, and how
/// many Jobs it controls (one GET, one list of the namespace's Jobs).
async fn cronjob_state(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<diagnosis::cronjob::CronJobState>> {
    let Some(cj) = cluster.cronjob(namespace, name).await? else {
        return Ok(None);
    };
    let jobs = cluster.jobs_of_cronjob(namespace, name).await?.len();
    let spec = cj.spec;
    Ok(Some(diagnosis::cronjob::CronJobState {
        suspended: spec.suspend.unwrap_or(false),
        schedule: spec.schedule,
        last_schedule: cj
            .status
            .and_then(|s| s.last_schedule_time)
            .map(|t| t.0.to_string()),
        jobs,
    }))
}

/// True for the multi-pod view: no pod named, or several.
pub fn multi_pod(selection: &Selection) -> bool {
    match selection {
        Selection::Named { names, .. } => names.len() > 1,
        Selection::Blocked { .. } => true,
    }
}

/// The table's layout for these flags.
fn layout(args: &ExplainArgs) -> Layout {
    Layout {
        wide: args.output == OutputFormat::Wide,
        namespaces: args.all_namespaces,
        no_headers: args.no_headers,
        init_only: args.init_only,
    }
}

/// The diagnoses made safe for a terminal, in triage order.
fn triaged(diagnoses: &[PodDiagnosis]) -> Vec<PodDiagnosis> {
    let mut pods: Vec<PodDiagnosis> = diagnoses.iter().map(render::safe::for_terminal).collect();
    diagnosis::groups::triage_order(&mut pods);
    pods
}

/// `--exit-code`: 3 when any selected pod is blocked in initialization or (unless
/// `--init-only`) not Ready and not Completed, else 0.
pub fn exit_code(args: &ExplainArgs, diagnoses: &[PodDiagnosis]) -> ExitCode {
    let blocked = diagnoses
        .iter()
        .any(|d| diagnosis::exits_blocked(d, args.init_only));
    if args.exit_code && blocked {
        ExitCode::Blocked
    } else {
        ExitCode::Ok
    }
}

fn render_text(
    args: &ExplainArgs,
    selection: &Selection,
    diagnoses: &[PodDiagnosis],
    now: Timestamp,
    palette: Palette,
    watching: bool,
) -> String {
    let wide = args.output == OutputFormat::Wide;
    match args.output {
        OutputFormat::Json if watching => render::json::render_line(diagnoses),
        OutputFormat::Json => render::json::render(diagnoses),
        OutputFormat::Table | OutputFormat::Wide if multi_pod(selection) => {
            let pods = triaged(diagnoses);
            let mut text = render::triage::render(&pods, palette, layout(args));
            if args.details && !pods.is_empty() {
                text.push('\n');
                text.push_str(&render::table::render(&pods, now, palette, wide));
            }
            text
        }
        OutputFormat::Table | OutputFormat::Wide => {
            render::table::render(diagnoses, now, palette, wide)
        }
    }
}

/// One round: the selected pods, diagnosed, and where to watch them from.
struct Round {
    diagnoses: Vec<PodDiagnosis>,
    now: Timestamp,
    watches: Vec<WatchSpec>,
    /// What the blockers wait on, to follow in a watch.
    follows: Vec<crate::cluster::follow::Follow>,
}

/// One watch request: pods of a scope matching selectors, from a resourceVersion.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WatchSpec {
    scope: Scope,
    fields: Option<String>,
    labels: Option<String>,
    resource_version: String,
}

async fn explain_round(cluster: &Cluster, selection: &Selection) -> Result<Round> {
    let tails = Tails::new(cluster);
    let (pods, watches) = select(cluster, selection, &tails).await?;
    // One moment for the round: the reads a pod inherits and its findings are worked out at it.
    let now = Timestamp::now();
    let evidence = gather::evidence_read_ahead(cluster, pods, &tails, now).await?;
    let diagnoses: Vec<PodDiagnosis> = evidence
        .iter()
        .map(|e| diagnosis::diagnose(e, now))
        .collect();
    let follows = watch::follows(&evidence, &diagnoses);
    Ok(Round {
        diagnoses,
        now,
        watches,
        follows,
    })
}

/// The field selector of the pods that may need attention: every phase but Succeeded.
const SELECTABLE_PHASES: &str = "status.phase!=Succeeded";

/// The pods of `selection`; of those kept from a list, their log tails start in `tails` as
/// soon as their page has arrived.
async fn select(
    cluster: &Cluster,
    selection: &Selection,
    tails: &Tails,
) -> Result<(Vec<Pod>, Vec<WatchSpec>)> {
    match selection {
        Selection::Named { namespace, names } => {
            let pods =
                try_join_all(names.iter().map(|name| cluster.get_pod(namespace, name))).await?;
            let watches = pods
                .iter()
                .zip(names)
                .map(|(pod, name)| WatchSpec {
                    scope: Scope::Namespace(namespace.clone()),
                    fields: Some(format!("metadata.name={name}")),
                    labels: None,
                    resource_version: pod.metadata.resource_version.clone().unwrap_or_default(),
                })
                .collect();
            Ok((pods, watches))
        }
        Selection::Blocked {
            scope,
            selector,
            init_only,
        } => {
            // Page by page, keeping only the pods that need attention. The server drops the
            // Succeeded ones; not the Running ones: a pod whose sandbox was recreated re-runs its
            // init containers and stays Running while one crash-loops (see README).
            let (mut pods, version) = cluster
                .select_pods(
                    scope,
                    selector.as_deref(),
                    Some(SELECTABLE_PHASES),
                    |head| diagnosis::selected_by_status(head, *init_only),
                    |pod| {
                        let kept = if *init_only {
                            diagnosis::needs_attention(pod)
                        } else {
                            diagnosis::needs_attention_or_not_ready(pod)
                        };
                        if kept {
                            tails.start(pod);
                        }
                        kept
                    },
                )
                .await?;
            tails.listed();
            // Nothing to show in a namespace that does not exist is a typo, not "nothing blocked".
            if pods.is_empty()
                && let Scope::Namespace(ns) = scope
                && let missing @ Error::NotFound { .. } = cluster.not_found("pod", "", ns).await
                && matches!(&missing, Error::NotFound { kind, .. } if kind == "namespace")
            {
                return Err(missing);
            }
            pods.sort_by_key(|p| {
                (
                    p.metadata.creation_timestamp.as_ref().map(|t| t.0),
                    p.metadata.namespace.clone(),
                    p.metadata.name.clone(),
                )
            });
            let watch = WatchSpec {
                scope: scope.clone(),
                fields: None,
                labels: selector.clone(),
                resource_version: version,
            };
            Ok((pods, vec![watch]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::watch::{backoff, retryable, stable_view, watch_is_over};
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use std::time::Duration;

    fn args(argv: &[&str]) -> ExplainArgs {
        let mut full = vec!["kubectl-initdoctor", "explain"];
        full.extend_from_slice(argv);
        match Cli::try_parse_from(full).unwrap().command {
            Command::Explain(a) => a,
            _ => unreachable!("explain parses as explain"),
        }
    }

    #[test]
    fn names_and_all_namespaces_conflict() {
        let err = validate(&args(&["web", "-A"])).unwrap_err();
        assert!(err.to_string().contains("--all-namespaces"));
        assert_eq!(err.exit_code(), ExitCode::Usage);
    }

    #[test]
    fn selection_follows_the_flags() {
        assert_eq!(
            complete(&args(&["web", "db"]), "shop"),
            Selection::Named {
                namespace: "shop".into(),
                names: vec!["web".into(), "db".into()]
            }
        );
        assert_eq!(
            complete(&args(&["-A", "-l", "app=web"]), "shop"),
            Selection::Blocked {
                scope: Scope::All,
                selector: Some("app=web".into()),
                init_only: false,
            }
        );
        assert_eq!(
            complete(&args(&[]), "shop"),
            Selection::Blocked {
                scope: Scope::Namespace("shop".into()),
                selector: None,
                init_only: false,
            }
        );
        assert_eq!(
            complete(&args(&["--init-only"]), "shop"),
            Selection::Blocked {
                scope: Scope::Namespace("shop".into()),
                selector: None,
                init_only: true,
            }
        );
    }

    fn diagnosis(age: i64, initialized: bool, phase: &str) -> PodDiagnosis {
        PodDiagnosis {
            namespace: "shop".into(),
            name: "web".into(),
            status: "Init:0/1".into(),
            phase: phase.into(),
            age_seconds: age,
            node: None,
            restarts: 0,
            last_restart_seconds: None,
            initialized,
            ready: initialized && phase == "Running",
            blocking: None,
            init_containers: Vec::new(),
            debug_containers: Vec::new(),
            findings: Vec::new(),
            events: Vec::new(),
            active_deadline_seconds: Some(600),
            deadline_remaining_seconds: Some(600 - age),
            next_commands: Vec::new(),
            owner: None,
        }
    }

    #[test]
    fn watch_is_allowed_and_exit_codes_follow_the_pods() {
        assert!(validate(&args(&["web", "--watch", "--exit-code"])).is_ok());
        let with = args(&["--exit-code"]);
        let without = args(&[]);
        let blocked = [diagnosis(5, false, "Pending")];
        let done = [diagnosis(5, true, "Running")];
        assert_eq!(exit_code(&with, &blocked), ExitCode::Blocked);
        assert_eq!(exit_code(&with, &done), ExitCode::Ok);
        assert_eq!(exit_code(&without, &blocked), ExitCode::Ok);
        assert_eq!(exit_code(&with, &[]), ExitCode::Ok);
        // Initialized but not Ready (0/1 Running, a Failed pod): 3, unless --init-only.
        let mut not_ready = diagnosis(5, true, "Running");
        not_ready.ready = false;
        let failed = diagnosis(5, true, "Failed");
        let completed = diagnosis(5, true, "Succeeded");
        let init_only = args(&["--exit-code", "--init-only"]);
        for (pods, code, init_only_code) in [
            (vec![not_ready], ExitCode::Blocked, ExitCode::Ok),
            (vec![failed], ExitCode::Blocked, ExitCode::Ok),
            (vec![completed], ExitCode::Ok, ExitCode::Ok),
        ] {
            assert_eq!(exit_code(&with, &pods), code, "{}", pods[0].phase);
            assert_eq!(
                exit_code(&init_only, &pods),
                init_only_code,
                "{}",
                pods[0].phase
            );
        }
    }

    #[test]
    fn ticking_ages_are_no_change_but_state_is() {
        let a = stable_view(&[diagnosis(5, false, "Pending")]);
        let b = stable_view(&[diagnosis(65, false, "Pending")]);
        assert_eq!(a, b);
        let c = stable_view(&[diagnosis(65, true, "Pending")]);
        assert_ne!(a, c);
    }

    #[test]
    fn watching_ends_when_every_pod_is_settled() {
        let mut not_ready = diagnosis(1, true, "Running");
        not_ready.ready = false;
        // (pods, over without --init-only, over with it)
        let cases = [
            (vec![diagnosis(1, false, "Pending")], false, false),
            (vec![diagnosis(1, true, "Running")], true, true),
            (vec![diagnosis(1, false, "Failed")], true, true),
            (vec![diagnosis(1, true, "Succeeded")], true, true),
            // Initialized but 0/1 Running: part 3's selection watches on until it is Ready.
            (vec![not_ready.clone()], false, true),
            (
                vec![
                    diagnosis(1, true, "Running"),
                    diagnosis(1, false, "Pending"),
                ],
                false,
                false,
            ),
            (vec![diagnosis(1, true, "Running"), not_ready], false, true),
            (vec![], true, true),
        ];
        for (pods, over, over_init_only) in cases {
            assert_eq!(watch_is_over(&pods, false), over, "{pods:?}");
            assert_eq!(watch_is_over(&pods, true), over_init_only, "{pods:?}");
        }
    }

    #[test]
    fn only_connection_trouble_is_retried() {
        assert!(retryable(&Error::Unreachable {
            server: "https://x".into(),
            reason: "refused".into()
        }));
        assert!(retryable(&Error::Api {
            verb: "watch".into(),
            resource: "pods".into(),
            code: 503,
            message: String::new()
        }));
        // What a 429 or 503 becomes (cluster/errors.rs): a restarting server says so.
        for code in [429, 503] {
            assert!(retryable(&Error::Overloaded {
                server: "https://x".into(),
                code,
                reason: "not ready".into()
            }));
        }
        assert!(!retryable(&Error::NotFound {
            kind: "pod".into(),
            name: "web".into(),
            namespace: None,
            hint: None
        }));
        assert!(!retryable(&Error::Unauthorized));
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(9), Duration::from_secs(8));
    }
}
