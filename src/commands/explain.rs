//! `explain`: which init container blocks each selected pod, and why.

use futures::future::try_join_all;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use crate::cli::{ExplainArgs, GlobalArgs, OutputFormat};
use crate::cluster::{Cluster, Scope};
use crate::diagnosis::{self, PodDiagnosis};
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::gather;
use crate::render::{self, Palette};

/// What to explain, once the environment is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// These pods, by name, in one namespace.
    Named {
        namespace: String,
        names: Vec<String>,
    },
    /// Every pod of the scope (matching the selector) whose initialization is not complete.
    Blocked {
        scope: Scope,
        selector: Option<String>,
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
    if args.watch {
        return Err(Error::Unavailable(
            "explain --watch is not available yet: run explain again, or use `kubectl get pod -w`"
                .into(),
        ));
    }
    Ok(())
}

/// Resolve the selection against the namespace the environment gives.
pub fn complete(args: &ExplainArgs, namespace: &str) -> Selection {
    if !args.pods.is_empty() {
        Selection::Named {
            namespace: namespace.to_string(),
            names: args.pods.clone(),
        }
    } else {
        Selection::Blocked {
            scope: if args.all_namespaces {
                Scope::All
            } else {
                Scope::Namespace(namespace.to_string())
            },
            selector: args.selector.clone(),
        }
    }
}

pub async fn run(args: &ExplainArgs, global: &GlobalArgs, palette: Palette) -> Result<ExitCode> {
    validate(args)?;
    let cluster = Cluster::connect(global).await?;
    let selection = complete(args, cluster.namespace());
    let pods = select(&cluster, &selection).await?;
    let evidence = gather::evidence_for_all(&cluster, pods).await?;
    let now = Timestamp::now();
    let diagnoses: Vec<PodDiagnosis> = evidence
        .iter()
        .map(|e| diagnosis::diagnose(e, now))
        .collect();
    let text = match args.output {
        OutputFormat::Json => render::json::render(&diagnoses),
        OutputFormat::Table => render::table::render(&diagnoses, now, palette, false),
        OutputFormat::Wide => render::table::render(&diagnoses, now, palette, true),
    };
    super::print(&text)?;
    let blocked = diagnoses.iter().any(|d| !d.initialized);
    Ok(if args.exit_code && blocked {
        ExitCode::Blocked
    } else {
        ExitCode::Ok
    })
}

async fn select(cluster: &Cluster, selection: &Selection) -> Result<Vec<Pod>> {
    match selection {
        Selection::Named { namespace, names } => {
            try_join_all(names.iter().map(|name| cluster.get_pod(namespace, name))).await
        }
        Selection::Blocked { scope, selector } => {
            let mut pods: Vec<Pod> = cluster
                .list_pods(scope, selector.as_deref())
                .await?
                .into_iter()
                .filter(diagnosis::needs_attention)
                .collect();
            pods.sort_by_key(|p| {
                (
                    p.metadata.creation_timestamp.as_ref().map(|t| t.0),
                    p.metadata.namespace.clone(),
                    p.metadata.name.clone(),
                )
            });
            Ok(pods)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

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
                selector: Some("app=web".into())
            }
        );
        assert_eq!(
            complete(&args(&[]), "shop"),
            Selection::Blocked {
                scope: Scope::Namespace("shop".into()),
                selector: None
            }
        );
    }
}
