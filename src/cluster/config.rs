//! Turning kubectl's flags and kubeconfig files into a client configuration, as kubectl does.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};

/// The kubeconfig chosen by `--kubeconfig`, else every existing file of `$KUBECONFIG` merged,
/// else `~/.kube/config`. `None` when there is none at all (the caller may try in-cluster config).
pub fn load_kubeconfig(explicit: Option<&Path>) -> Result<Option<Kubeconfig>> {
    if let Some(path) = explicit {
        return read(path).map(Some);
    }
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !paths.is_empty() {
            // kubectl skips the files of the list that do not exist.
            let existing: Vec<&PathBuf> = paths.iter().filter(|p| p.exists()).collect();
            if existing.is_empty() {
                return Err(Error::Kubeconfig(format!(
                    "KUBECONFIG names no existing file ({}): fix KUBECONFIG or pass --kubeconfig",
                    std::env::join_paths(&paths)
                        .map(|j| j.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )));
            }
            let mut merged = Kubeconfig::default();
            for path in existing {
                merged = merged.merge(read(path)?).map_err(|e| {
                    Error::Kubeconfig(format!("cannot merge {}: {e}", path.display()))
                })?;
            }
            return Ok(Some(merged));
        }
    }
    match home_kubeconfig() {
        Some(path) if path.exists() => read(&path).map(Some),
        _ => Ok(None),
    }
}

fn home_kubeconfig() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".kube").join("config"))
}

fn read(path: &Path) -> Result<Kubeconfig> {
    if !path.exists() {
        return Err(Error::Kubeconfig(format!(
            "kubeconfig {} does not exist: pass an existing file to --kubeconfig",
            path.display()
        )));
    }
    Kubeconfig::read_from(path).map_err(|e| {
        Error::Kubeconfig(format!(
            "cannot read kubeconfig {}: {}",
            path.display(),
            one_line(&e.to_string())
        ))
    })
}

/// Check that the context, cluster and user asked for exist, with a useful message if not.
pub fn check_selection(kubeconfig: &Kubeconfig, global: &GlobalArgs) -> Result<()> {
    let context_names: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if let Some(wanted) = &global.context {
        if !context_names.contains(&wanted.as_str()) {
            return Err(Error::Kubeconfig(format!(
                "context {wanted:?} not found in kubeconfig (it has: {}); see `kubectl config get-contexts`",
                list_or_none(&context_names)
            )));
        }
    } else if kubeconfig
        .current_context
        .as_deref()
        .unwrap_or("")
        .is_empty()
    {
        return Err(Error::Kubeconfig(
            "the kubeconfig has no current-context: pass --context or run `kubectl config use-context NAME`".into(),
        ));
    } else if let Some(current) = &kubeconfig.current_context
        && !context_names.contains(&current.as_str())
    {
        return Err(Error::Kubeconfig(format!(
            "current-context {current:?} is not defined in the kubeconfig (it has: {}); run `kubectl config use-context NAME`",
            list_or_none(&context_names)
        )));
    }
    if let Some(wanted) = &global.cluster {
        let names: Vec<&str> = kubeconfig
            .clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if !names.contains(&wanted.as_str()) {
            return Err(Error::Kubeconfig(format!(
                "cluster {wanted:?} not found in kubeconfig (it has: {}); see `kubectl config get-clusters`",
                list_or_none(&names)
            )));
        }
    }
    if let Some(wanted) = &global.user {
        let names: Vec<&str> = kubeconfig
            .auth_infos
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if !names.contains(&wanted.as_str()) {
            return Err(Error::Kubeconfig(format!(
                "user {wanted:?} not found in kubeconfig (it has: {}); see `kubectl config get-users`",
                list_or_none(&names)
            )));
        }
    }
    Ok(())
}

/// The options kube-rs takes from `--context`, `--cluster` and `--user`.
pub fn options(global: &GlobalArgs) -> KubeConfigOptions {
    KubeConfigOptions {
        context: global.context.clone(),
        cluster: global.cluster.clone(),
        user: global.user.clone(),
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Fold a possibly multi-line message into one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    const TWO_CONTEXTS: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: admin
  user: {token: abc}
contexts:
- name: dev
  context: {cluster: c1, user: admin, namespace: shop}
- name: prod
  context: {cluster: c1, user: admin}
"#;

    fn global(args: &[&str]) -> GlobalArgs {
        let mut argv = vec!["kubectl-initdoctor"];
        argv.extend_from_slice(args);
        argv.push("version");
        crate::cli::Cli::try_parse_from(argv).unwrap().global
    }

    #[test]
    fn unknown_context_lists_the_known_ones() {
        let kc = Kubeconfig::from_yaml(TWO_CONTEXTS).unwrap();
        let err = check_selection(&kc, &global(&["--context", "staging"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "context \"staging\" not found in kubeconfig (it has: dev, prod); see `kubectl config get-contexts`"
        );
        assert!(check_selection(&kc, &global(&["--context", "prod"])).is_ok());
        assert!(check_selection(&kc, &global(&[])).is_ok());
    }

    #[test]
    fn unknown_user_is_refused() {
        let kc = Kubeconfig::from_yaml(TWO_CONTEXTS).unwrap();
        let err = check_selection(&kc, &global(&["--user", "viewer"])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("user \"viewer\" not found in kubeconfig (it has: admin)")
        );
    }

    #[test]
    fn one_line_folds_newlines() {
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }
}
