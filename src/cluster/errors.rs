//! Turning kube's errors into the one-line [`Error`]s the user reads: what the server said
//! (its Status message, not its JSON), what the TLS or HTTP failure means in the user's words,
//! and never more than a line of anything the server sent.

use crate::error::Error;
use crate::sanitize;

/// The most of a server's message repeated in an error.
const MAX_MESSAGE_CHARS: usize = 300;

/// What kube's client sets as a Status's reason when the error body was not a Status.
const NOT_A_STATUS: &str = "Failed to parse error data";

/// Map `err`, met doing `verb resource` (in `namespace`) against `server`.
pub(super) fn map(
    err: kube::Error,
    server: &str,
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
) -> Error {
    if let Some(ours) = credential_failure(&err) {
        return ours;
    }
    match err {
        kube::Error::Api(status) => {
            let raw = status.reason == NOT_A_STATUS;
            match status.code {
                401 => Error::Unauthorized,
                403 => Error::Forbidden {
                    verb: verb.into(),
                    resource: resource.into(),
                    namespace: namespace.map(str::to_string),
                    message: String::new(),
                },
                404 if raw => Error::NotKubernetes {
                    server: server.into(),
                },
                404 => Error::NotFound {
                    kind: resource.into(),
                    name: status
                        .details
                        .as_ref()
                        .map(|d| d.name.clone())
                        .unwrap_or_default(),
                    namespace: namespace.map(str::to_string),
                    hint: None,
                },
                400 if raw && status.message.contains("HTTP request to an HTTPS server") => {
                    Error::Unreachable {
                        server: server.into(),
                        reason:
                            "the server speaks TLS: use https:// in the kubeconfig's server URL"
                                .into(),
                    }
                }
                code @ (429 | 503) => Error::Overloaded {
                    server: server.into(),
                    code,
                    reason: if code == 429 {
                        "Too Many Requests".into()
                    } else {
                        "Service Unavailable".into()
                    },
                },
                code => Error::Api {
                    verb: verb.into(),
                    resource: resource.into(),
                    code,
                    message: message(&status.message, raw),
                },
            }
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            let cause = root_cause(&err);
            if cause.contains(super::limits::LIMIT_ERROR) {
                Error::TooLarge {
                    server: server.into(),
                    what: format!("{verb} {resource}"),
                    limit_mib: super::limits::MAX_RESPONSE_BYTES >> 20,
                }
            } else {
                Error::Unreachable {
                    server: server.into(),
                    reason: plain_words(&cause),
                }
            }
        }
        kube::Error::SerdeError(_) | kube::Error::FromUtf8(_) => Error::NotKubernetes {
            server: server.into(),
        },
        other => Error::Api {
            verb: verb.into(),
            resource: resource.into(),
            code: 0,
            message: plain_words(&root_cause(&other)),
        },
    }
}

/// The failure to renew credentials ([`super::auth`]) that ended a request, as it was told.
fn credential_failure(err: &kube::Error) -> Option<Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = cause {
        match current.downcast_ref::<Error>() {
            Some(Error::Kubeconfig(message)) => return Some(Error::Kubeconfig(message.clone())),
            Some(Error::CredentialTimeout { command, timeout }) => {
                return Some(Error::CredentialTimeout {
                    command: command.clone(),
                    timeout: *timeout,
                });
            }
            _ => cause = current.source(),
        }
    }
    None
}

/// A Status message as one short line; a body that was not a Status is reduced to its
/// `message` field when it is JSON, else to its first words.
fn message(text: &str, raw: bool) -> String {
    let text = if raw {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| text.to_string())
    } else {
        text.to_string()
    };
    let line = super::config::one_line(&text);
    let mut short: String = line.chars().take(MAX_MESSAGE_CHARS).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    sanitize::line(&short).into_owned()
}

/// TLS and connection failures in the user's words instead of rustls' and hyper's.
fn plain_words(cause: &str) -> String {
    let table: &[(&[&str], &str)] = &[
        (
            &[
                "UnknownIssuer",
                "BadSignature",
                "CaUsedAsEndEntity",
                "UnsupportedCertVersion",
                "invalid peer certificate: Other",
            ],
            "the server's certificate is not trusted by the kubeconfig's CA: fix certificate-authority(-data) for this cluster",
        ),
        (
            &["NotValidForName", "not valid for name"],
            "the server's certificate is not valid for the server's name: use the name it was issued for, or set tls-server-name",
        ),
        (
            &["Expired", "certificate expired", "NotValidYet"],
            "the server's certificate has expired or is not valid yet",
        ),
        (
            &["InvalidContentType", "corrupt message", "InvalidMessage"],
            "the server does not speak TLS: use http:// in the server URL if it is plain HTTP, or check the port",
        ),
        (
            &[
                "CertificateRequired",
                "BadCertificate",
                "certificate required",
            ],
            "the server refused the client certificate: refresh the kubeconfig user's certificate",
        ),
        (
            &["HandshakeFailure", "handshake failure"],
            "the TLS handshake failed: the server and this tool share no TLS version or cipher",
        ),
    ];
    for (needles, words) in table {
        if needles.iter().any(|n| cause.contains(n)) {
            return (*words).to_string();
        }
    }
    let line: String = cause.chars().take(MAX_MESSAGE_CHARS).collect();
    sanitize::line(&line).into_owned()
}

/// The innermost cause of an error, which is the useful part ("Connection refused").
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    super::config::one_line(&current.to_string())
}

/// The server URL as errors show it: without a password in it, and safe for a terminal.
pub(super) fn shown_server(url: &http::Uri) -> String {
    let text = match url.authority() {
        Some(auth) if auth.as_str().contains('@') => {
            let host = auth.as_str().rsplit('@').next().unwrap_or("");
            format!(
                "{}://{}{}",
                url.scheme_str().unwrap_or("https"),
                host,
                url.path()
            )
        }
        _ => url.to_string(),
    };
    sanitize::line(text.trim_end_matches('/')).into_owned()
}

/// True when the server ended the HTTP/2 connection a request was on before answering it: a
/// GOAWAY that is no error (`NO_ERROR`), the server's way of taking no more requests on it. The
/// API server does this after answering a request it could not authenticate
/// (`UnauthenticatedHTTP2DOSMitigation`, on by default), so the other requests on that
/// connection end this way: a read made again gets its own answer (the 401).
pub(crate) fn connection_ended(err: &kube::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    // A chain is a few errors deep; bounded all the same.
    for _ in 0..16 {
        let Some(e) = source else {
            return false;
        };
        if let Some(h2) = e.downcast_ref::<h2::Error>() {
            return h2.is_go_away() && h2.is_remote() && h2.reason() == Some(h2::Reason::NO_ERROR);
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_told_in_plain_words() {
        let cases = [
            (
                "invalid peer certificate: UnknownIssuer",
                "not trusted by the kubeconfig's CA",
            ),
            (
                "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
                "not trusted by the kubeconfig's CA",
            ),
            (
                "received corrupt message of type InvalidContentType",
                "does not speak TLS",
            ),
            (
                "certificate not valid for name \"x\"",
                "set tls-server-name",
            ),
            (
                "Connection refused (os error 111)",
                "Connection refused (os error 111)",
            ),
            ("bad\x1b]0;x\x07", "bad^[]0;x^G"),
        ];
        for (cause, want) in cases {
            assert!(
                plain_words(cause).contains(want),
                "{cause}: {}",
                plain_words(cause)
            );
        }
    }

    #[test]
    fn messages_are_one_short_safe_line() {
        let cases = [
            (
                r#"{"kind":"Status","message":"etcd is down"}"#,
                true,
                "etcd is down".to_string(),
            ),
            ("plain\ntext", false, "plain text".to_string()),
            ("\x1b[2J", false, "^[[2J".to_string()),
            (&"x".repeat(1000), false, format!("{}…", "x".repeat(300))),
        ];
        for (text, raw, want) in cases {
            assert_eq!(message(text, raw), want);
        }
    }

    #[test]
    fn a_password_in_the_server_url_is_not_shown() {
        let url: http::Uri = "https://user:pw@127.0.0.1:6443/".parse().unwrap();
        assert_eq!(shown_server(&url), "https://127.0.0.1:6443");
        let url: http::Uri = "https://127.0.0.1:6443/prefix".parse().unwrap();
        assert_eq!(shown_server(&url), "https://127.0.0.1:6443/prefix");
    }
}
