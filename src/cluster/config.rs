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

/// Without a kubeconfig, the configuration of a pod, as kubectl takes it: the API server from
/// `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`, the service account's token (read
/// again as it is rotated: `cluster::auth`) and CA from
/// `/var/run/secrets/kubernetes.io/serviceaccount/`, the namespace from `POD_NAMESPACE`, else
/// the service account's.
pub fn in_cluster() -> Result<kube::Config> {
    let in_pod = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
    let mut config = kube::Config::incluster().map_err(|e| {
        if in_pod {
            Error::Kubeconfig(format!(
                "no kubeconfig found, and the pod's service account cannot be used ({}): mount its token (automountServiceAccountToken) or pass --kubeconfig",
                crate::sanitize::line(&one_line(&e.to_string()))
            ))
        } else {
            Error::Kubeconfig(
                "no kubeconfig found: set KUBECONFIG or pass --kubeconfig (looked for ~/.kube/config)"
                    .into(),
            )
        }
    })?;
    if let Some(namespace) = std::env::var("POD_NAMESPACE")
        .ok()
        .filter(|n| !n.trim().is_empty())
    {
        config.default_namespace = namespace;
    }
    Ok(config)
}

/// The largest kubeconfig read: real ones with embedded certificates are tens of kilobytes.
const MAX_KUBECONFIG_BYTES: u64 = 16 << 20;

fn read(path: &Path) -> Result<Kubeconfig> {
    let shown = crate::sanitize::line(&path.display().to_string()).into_owned();
    let meta = std::fs::metadata(path).map_err(|_| {
        Error::Kubeconfig(format!(
            "kubeconfig {shown} does not exist: pass an existing file to --kubeconfig"
        ))
    })?;
    if !meta.is_file() {
        return Err(Error::Kubeconfig(format!(
            "kubeconfig {shown} is not a regular file: pass a kubeconfig file to --kubeconfig"
        )));
    }
    if meta.len() > MAX_KUBECONFIG_BYTES {
        return Err(Error::Kubeconfig(format!(
            "kubeconfig {shown} is larger than 16 MiB, which no kubeconfig is: pass the right file to --kubeconfig"
        )));
    }
    Kubeconfig::read_from(path).map_err(|e| {
        Error::Kubeconfig(format!(
            "cannot read kubeconfig {shown}: {}; check it with `kubectl config view`",
            read_error(&e)
        ))
    })
}

/// A kubeconfig from its text (one or more YAML documents), with the error [`load_kubeconfig`]
/// gives for a file that does not parse. Pure: relative certificate paths stay as written.
pub fn parse_kubeconfig(text: &str) -> Result<Kubeconfig> {
    Kubeconfig::from_yaml(text).map_err(|e| {
        Error::Kubeconfig(format!(
            "cannot read the kubeconfig: {}; check it with `kubectl config view`",
            read_error(&e)
        ))
    })
}

/// What is wrong with a kubeconfig, without quoting it: a YAML error's own text shows the lines
/// around it, which may hold a token or a key.
fn read_error(err: &kube::config::KubeconfigError) -> String {
    use kube::config::KubeconfigError as K;
    match err {
        K::Parse(yaml) => match yaml.location() {
            Some(at) => format!(
                "it is not valid YAML (line {}, column {})",
                at.line(),
                at.column()
            ),
            None => "it is not valid YAML".into(),
        },
        K::ReadConfig(source, _) => format!("{}", source.kind()),
        _ => "it is not a kubeconfig".into(),
    }
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
    let context = global
        .context
        .as_deref()
        .or(kubeconfig.current_context.as_deref())
        .and_then(|name| kubeconfig.contexts.iter().find(|c| c.name == name));
    let context_name = context.map(|c| c.name.as_str()).unwrap_or("");
    let inner = context.and_then(|c| c.context.as_ref());
    if global.cluster.is_none() {
        let cluster = inner.map(|c| c.cluster.as_str()).unwrap_or("");
        if cluster.is_empty() {
            return Err(Error::Kubeconfig(format!(
                "context {context_name:?} names no cluster: set one with `kubectl config set-context {context_name} --cluster=NAME` or pass --cluster"
            )));
        }
        if !kubeconfig.clusters.iter().any(|c| c.name == cluster) {
            return Err(Error::Kubeconfig(format!(
                "cluster {cluster:?} of context {context_name:?} is not defined in the kubeconfig (it has: {}); see `kubectl config get-clusters`",
                list_or_none(
                    &kubeconfig
                        .clusters
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                )
            )));
        }
    }
    if global.user.is_none()
        && let Some(user) = inner
            .and_then(|c| c.user.as_deref())
            .filter(|u| !u.is_empty())
        && !kubeconfig.auth_infos.iter().any(|u| u.name == user)
    {
        // kube would go on as system:anonymous; kubectl refuses too.
        return Err(Error::Kubeconfig(format!(
            "user {user:?} of context {context_name:?} is not defined in the kubeconfig (it has: {}); see `kubectl config get-users`",
            list_or_none(
                &kubeconfig
                    .auth_infos
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
            )
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

/// Make the selected cluster's `server:` a URL kube can use, as client-go does: without a
/// scheme it gets `https://` when the cluster has TLS settings (a CA or skip-verify) or the user
/// a client certificate, else `http://`. An empty, unparsable or host-less URL, or another
/// scheme, is refused with what to do.
pub fn normalise_server(kubeconfig: &mut Kubeconfig, global: &GlobalArgs) -> Result<()> {
    let context = global
        .context
        .as_deref()
        .or(kubeconfig.current_context.as_deref())
        .and_then(|name| kubeconfig.contexts.iter().find(|c| c.name == name))
        .and_then(|c| c.context.clone());
    let cluster_name = global
        .cluster
        .clone()
        .or_else(|| context.as_ref().map(|c| c.cluster.clone()))
        .unwrap_or_default();
    let user_name = global
        .user
        .clone()
        .or_else(|| context.as_ref().and_then(|c| c.user.clone()));
    let has_cert = user_name
        .and_then(|u| kubeconfig.auth_infos.iter().find(|a| a.name == u))
        .and_then(|a| a.auth_info.as_ref())
        .is_some_and(|a| a.client_certificate.is_some() || a.client_certificate_data.is_some());
    let Some(cluster) = kubeconfig
        .clusters
        .iter_mut()
        .find(|c| c.name == cluster_name)
        .and_then(|c| c.cluster.as_mut())
    else {
        return Err(Error::Kubeconfig(format!(
            "cluster {cluster_name:?} has no settings in the kubeconfig: set its server with `kubectl config set-cluster {cluster_name} --server=https://HOST:PORT`"
        )));
    };
    let tls = cluster.certificate_authority.is_some()
        || cluster.certificate_authority_data.is_some()
        || cluster.insecure_skip_tls_verify == Some(true)
        || has_cert;
    let server = cluster.server.as_deref().unwrap_or("");
    let fixed = server_url(server, tls).map_err(|why| {
        Error::Kubeconfig(format!(
            "the server of cluster {:?} {why}: fix it with `kubectl config set-cluster {} --server=https://HOST:PORT`",
            crate::sanitize::line(&cluster_name),
            crate::sanitize::line(&cluster_name)
        ))
    })?;
    cluster.server = Some(fixed);
    Ok(())
}

/// `server`, with a scheme, checked; `Err` says what is wrong with it (without repeating it,
/// since it may carry a password).
pub fn server_url(server: &str, tls: bool) -> std::result::Result<String, &'static str> {
    let server = server.trim();
    if server.is_empty() {
        return Err("is not set");
    }
    let with_scheme = if server.contains("://") {
        server.to_string()
    } else if tls {
        format!("https://{server}")
    } else {
        format!("http://{server}")
    };
    let uri: http::Uri = with_scheme
        .parse()
        .map_err(|_| "is not a URL (expected https://HOST:PORT)")?;
    match uri.scheme_str() {
        Some("https" | "http") => {}
        _ => return Err("has a scheme other than https:// or http://"),
    }
    match uri.host() {
        None | Some("") => return Err("names no host"),
        Some(_) => {}
    }
    if let Some(authority) = uri.authority()
        && let Some((_, port)) = authority
            .as_str()
            .rsplit('@')
            .next()
            .and_then(|host| host.rsplit_once(':'))
        && !port.ends_with(']')
        && port.parse::<u16>().is_err()
    {
        return Err("has a port that is not a number from 1 to 65535");
    }
    if uri.query().is_some() {
        return Err("has a query (?…), which a server URL cannot have");
    }
    Ok(with_scheme)
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
    fn server_urls_are_made_usable_or_refused() {
        let cases: &[(&str, bool, Result<&str, &str>)] = &[
            ("https://127.0.0.1:6443", true, Ok("https://127.0.0.1:6443")),
            ("127.0.0.1:6443", true, Ok("https://127.0.0.1:6443")),
            ("127.0.0.1:6443", false, Ok("http://127.0.0.1:6443")),
            ("localhost", true, Ok("https://localhost")),
            (
                "https://h:1/prefix/path",
                true,
                Ok("https://h:1/prefix/path"),
            ),
            ("[::1]:6443", true, Ok("https://[::1]:6443")),
            ("https://u:p@h", true, Ok("https://u:p@h")),
            ("", true, Err("is not set")),
            ("   ", true, Err("is not set")),
            (
                "https://",
                true,
                Err("is not a URL (expected https://HOST:PORT)"),
            ),
            ("https://:6443", true, Err("names no host")),
            (
                "ftp://h:21",
                true,
                Err("has a scheme other than https:// or http://"),
            ),
            (
                "https://h:99999",
                true,
                Err("has a port that is not a number from 1 to 65535"),
            ),
            (
                "https://a b",
                true,
                Err("is not a URL (expected https://HOST:PORT)"),
            ),
            (
                "https://h/?x=1",
                true,
                Err("has a query (?…), which a server URL cannot have"),
            ),
            (
                "https://[::1",
                true,
                Err("is not a URL (expected https://HOST:PORT)"),
            ),
            (
                "https://h\u{1b}]0;x",
                true,
                Err("is not a URL (expected https://HOST:PORT)"),
            ),
        ];
        for (server, tls, want) in cases {
            assert_eq!(
                server_url(server, *tls).as_deref().map_err(|e| *e),
                *want,
                "{server:?}"
            );
        }
    }

    #[test]
    fn a_context_naming_a_missing_user_or_cluster_is_refused() {
        let yaml = TWO_CONTEXTS.replace("user: admin, namespace", "user: ghost, namespace");
        let kc = Kubeconfig::from_yaml(&yaml).unwrap();
        let err = check_selection(&kc, &global(&[])).unwrap_err().to_string();
        assert!(
            err.starts_with("user \"ghost\" of context \"dev\" is not defined"),
            "{err}"
        );
        assert!(check_selection(&kc, &global(&["--context", "prod"])).is_ok());
        let yaml = TWO_CONTEXTS.replace(
            "{cluster: c1, user: admin, namespace",
            "{cluster: c9, user: admin, namespace",
        );
        let kc = Kubeconfig::from_yaml(&yaml).unwrap();
        let err = check_selection(&kc, &global(&[])).unwrap_err().to_string();
        assert!(
            err.starts_with("cluster \"c9\" of context \"dev\" is not defined"),
            "{err}"
        );
    }

    #[test]
    fn a_yaml_error_does_not_echo_the_file() {
        let dir = std::env::temp_dir().join(format!("initdoctor-kc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nusers:\n- name: a\n  user:\n    token: SECRET-TOKEN-123\n   bad: [\n",
        )
        .unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(!err.contains("SECRET"), "{err}");
        assert!(err.contains("is not valid YAML"), "{err}");
        let err = read(Path::new("/dev/null")).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }

    proptest::proptest! {
        /// No server string makes the URL check panic, and what it accepts kube can parse.
        #[test]
        fn any_server_is_checked_without_panic(server in "\\PC{0,40}|[a-z:/\\[\\]0-9.@?#% ]{0,30}", tls in proptest::prelude::any::<bool>()) {
            if let Ok(url) = server_url(&server, tls) {
                let uri: http::Uri = url.parse().expect("accepted URLs parse");
                proptest::prop_assert!(uri.host().is_some_and(|h| !h.is_empty()));
            }
        }
    }

    #[test]
    fn kubeconfig_text_is_parsed_or_refused_without_quoting_it() {
        let parsed = parse_kubeconfig(TWO_CONTEXTS).unwrap();
        assert_eq!(parsed.current_context.as_deref(), Some("dev"));
        assert_eq!(parsed.clusters.len(), 1);
        let err = parse_kubeconfig("users:\n- name: a\n  user:\n    token: SECRET-1\n   bad: [\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("SECRET"), "{err}");
        assert!(err.contains("is not valid YAML (line"), "{err}");
    }

    #[test]
    fn one_line_folds_newlines() {
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }
}
