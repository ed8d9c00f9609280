//! The errors a command can end with: each renders as one actionable line.

use std::time::Duration;

use crate::exit::ExitCode;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No kubeconfig could be read, or it does not hold what was asked for.
    #[error("{0}")]
    Kubeconfig(String),

    /// The cluster did not answer: connection refused, DNS, TLS.
    #[error(
        "cannot reach the cluster at {server}: {reason}; check that it is running and that --context/--kubeconfig point at it"
    )]
    Unreachable { server: String, reason: String },

    /// The cluster did not answer within `--request-timeout`.
    #[error("the cluster at {server} did not answer {what} within {}; raise --request-timeout or check the connection", humantime::format_duration(*.timeout))]
    Timeout {
        server: String,
        what: String,
        timeout: Duration,
    },

    /// The kubeconfig user's exec credential plugin did not return in time (it was killed).
    #[error("the kubeconfig's credential plugin {command:?} did not return within {}: run it by hand to see why, or raise --request-timeout", humantime::format_duration(*.timeout))]
    CredentialTimeout { command: String, timeout: Duration },

    /// The cluster kept answering 429 or 503: it is overloaded or not ready.
    #[error(
        "the cluster at {server} is overloaded or not ready ({code} {reason}): try again later"
    )]
    Overloaded {
        server: String,
        code: u16,
        reason: String,
    },

    /// The server answered, but not as a Kubernetes API server (a wrong URL or path prefix).
    #[error(
        "the server at {server} did not answer as a Kubernetes API server: check the server URL (and its path) in the kubeconfig, e.g. with `kubectl cluster-info`"
    )]
    NotKubernetes { server: String },

    /// A response was larger than any legitimate one: it was cut off.
    #[error(
        "the cluster at {server} sent more than {limit_mib} MiB for {what}; it was cut off: narrow the request (-n, -l) or check the server"
    )]
    TooLarge {
        server: String,
        what: String,
        limit_mib: usize,
    },

    /// 401: the credentials were refused.
    #[error(
        "the cluster rejected the credentials of this kubeconfig user (401 Unauthorized): refresh the token or certificate, or pick another --user/--context"
    )]
    Unauthorized,

    /// 403: RBAC denied a verb on a resource.
    #[error("permission denied: cannot {verb} {resource}{}{}: ask for an RBAC Role granting '{verb}' on '{resource}'", scope_phrase(.namespace.as_ref()), server_detail(.message))]
    Forbidden {
        verb: String,
        resource: String,
        namespace: Option<String>,
        message: String,
    },

    /// A named object does not exist.
    #[error("{kind} {name:?} not found{}{}", scope_phrase(.namespace.as_ref()), .hint.as_deref().map(|h| format!(": {h}")).unwrap_or_default())]
    NotFound {
        kind: String,
        name: String,
        namespace: Option<String>,
        hint: Option<String>,
    },

    /// The server is older than what the command needs.
    #[error("the cluster runs Kubernetes {found}, but {what} needs {needed} or newer")]
    ServerTooOld {
        found: String,
        needed: String,
        what: String,
    },

    /// The command or feature exists but does not work yet, or not here.
    #[error("{0}")]
    Unavailable(String),

    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),

    /// Any other answer of the API.
    #[error("the cluster refused to {verb} {resource}: {message}{}", if *.code == 0 { String::new() } else { format!(" ({code})") })]
    Api {
        verb: String,
        resource: String,
        code: u16,
        message: String,
    },

    /// A manifest that cannot be read as Kubernetes objects (`preflight -f`).
    #[error("{0}")]
    Manifest(String),

    /// Reading or writing the terminal or a file.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn scope_phrase(namespace: Option<&String>) -> String {
    match namespace {
        Some(ns) => format!(" in namespace {ns:?}"),
        None => String::new(),
    }
}

fn server_detail(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" (server said: {message})")
    }
}

impl Error {
    /// The exit code this error ends the process with.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Kubeconfig(_) => ExitCode::Config,
            Error::Unreachable { .. }
            | Error::Timeout { .. }
            | Error::CredentialTimeout { .. }
            | Error::Overloaded { .. }
            | Error::NotKubernetes { .. } => ExitCode::Unreachable,
            Error::Unauthorized | Error::Forbidden { .. } => ExitCode::Denied,
            Error::NotFound { .. } => ExitCode::NotFound,
            Error::ServerTooOld { .. } | Error::Unavailable(_) => ExitCode::Unavailable,
            Error::Usage(_) => ExitCode::Usage,
            Error::Api { .. } | Error::Io { .. } | Error::TooLarge { .. } | Error::Manifest(_) => {
                ExitCode::Error
            }
        }
    }

    /// True when the error is only that stdout was closed (`| head`): not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// Wrap an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result with this crate's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_verb_and_resource_on_one_line() {
        let err = Error::Forbidden {
            verb: "patch".into(),
            resource: "pods/ephemeralcontainers".into(),
            namespace: Some("shop".into()),
            message: String::new(),
        };
        let line = err.to_string();
        assert_eq!(
            line,
            "permission denied: cannot patch pods/ephemeralcontainers in namespace \"shop\": ask for an RBAC Role granting 'patch' on 'pods/ephemeralcontainers'"
        );
        assert!(!line.contains('\n'));
        assert_eq!(err.exit_code(), ExitCode::Denied);
    }

    #[test]
    fn not_found_with_hint() {
        let err = Error::NotFound {
            kind: "pod".into(),
            name: "web".into(),
            namespace: Some("default".into()),
            hint: Some("list pods with `kubectl get pods -n default`".into()),
        };
        assert_eq!(
            err.to_string(),
            "pod \"web\" not found in namespace \"default\": list pods with `kubectl get pods -n default`"
        );
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let err = Error::io(
            "writing",
            std::io::Error::from(std::io::ErrorKind::BrokenPipe),
        );
        assert!(err.is_broken_pipe());
        assert!(!Error::Unauthorized.is_broken_pipe());
    }
}
