//! Running a kubeconfig user's exec credential plugin (`users[].user.exec`) under a deadline.
//!
//! kube runs the plugin itself, synchronously and without a limit, so a plugin that never
//! returns would hang the command past `--request-timeout` (and TAB completion past its 2 s).
//! Here the plugin runs as a child process that is killed when the deadline passes; its output
//! is read up to a bound. It runs once before the client is built: a client certificate and key
//! it returns become the user's static credentials, a token is kept by [`super::auth`], which
//! runs the plugin again before the token's `expirationTimestamp` and after a 401. Its failures are told
//! in one line that names the command and its exit status, never its output or environment
//! (which hold credentials).

use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use kube::config::{AuthInfo, ExecConfig, ExecInteractiveMode};
use secrecy::SecretString;
use serde::Deserialize;
use tokio::io::AsyncReadExt;

use crate::error::{Error, Result};

/// The most of a plugin's stdout read: an ExecCredential is a few kilobytes.
const MAX_OUTPUT: u64 = 1 << 20;

#[derive(Debug, Deserialize)]
struct ExecCredential {
    status: Option<Status>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    token: Option<String>,
    expiration_timestamp: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
}

/// What a plugin handed out.
pub enum Issued {
    /// A bearer token, and when it expires when the plugin said.
    Token {
        token: SecretString,
        expires: Option<jiff::Timestamp>,
    },
    /// A client certificate and key (PEM), for the life of the command.
    Certificate { cert: String, key: String },
}

/// Run `exec` within `deadline`: the credentials it printed.
pub async fn issue(exec: &ExecConfig, deadline: Duration) -> Result<Issued> {
    let status = run(exec, deadline).await?;
    let expires = match status.expiration_timestamp.as_deref() {
        Some(text) => Some(text.parse::<jiff::Timestamp>().map_err(|_| {
            plugin_error(
                exec,
                "printed an expirationTimestamp that is not an RFC 3339 time",
            )
        })?),
        None => None,
    };
    match (
        status.token.filter(|t| !t.is_empty()),
        status.client_certificate_data,
        status.client_key_data,
    ) {
        (Some(token), _, _) => Ok(Issued::Token {
            token: SecretString::from(token),
            expires,
        }),
        (None, Some(cert), Some(key)) if !cert.is_empty() && !key.is_empty() => {
            Ok(Issued::Certificate { cert, key })
        }
        _ => Err(plugin_error(
            exec,
            "returned neither a token nor a client certificate and key",
        )),
    }
}

/// Put a client certificate and key a plugin returned into `auth`, as kube reads them.
pub fn use_certificate(auth: &mut AuthInfo, cert: &str, key: &str) {
    let b64 = base64::engine::general_purpose::STANDARD;
    auth.client_certificate_data = Some(b64.encode(cert));
    auth.client_key_data = Some(SecretString::from(b64.encode(key)));
    auth.client_certificate = None;
    auth.client_key = None;
}

async fn run(exec: &ExecConfig, deadline: Duration) -> Result<Status> {
    let Some(program) = exec.command.as_deref().filter(|c| !c.is_empty()) else {
        return Err(Error::Kubeconfig(
            "the kubeconfig user's exec plugin has no command: set users[].user.exec.command"
                .into(),
        ));
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(exec.args.iter().flatten());
    for (name, value) in super::proxy::env_pairs() {
        cmd.env(name, value);
    }
    for pair in exec.env.iter().flatten() {
        if let (Some(name), Some(value)) = (pair.get("name"), pair.get("value")) {
            cmd.env(name, value);
        }
    }
    for name in exec.drop_env.iter().flatten() {
        cmd.env_remove(name);
    }
    // A plugin may talk to the user (a device code, a browser prompt) on stderr and read stdin
    // when stdin is a terminal, unless it must not (`interactiveMode: Never`), as kubectl does.
    let interactive = exec.interactive_mode != Some(ExecInteractiveMode::Never)
        && std::io::IsTerminal::is_terminal(&std::io::stdin());
    let info = serde_json::json!({
        "apiVersion": exec.api_version.clone()
            .unwrap_or_else(|| "client.authentication.k8s.io/v1".into()),
        "kind": "ExecCredential",
        "spec": {"interactive": interactive},
    });
    cmd.env("KUBERNETES_EXEC_INFO", info.to_string())
        .stdin(if interactive {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(if interactive {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        let hint = exec
            .install_hint
            .as_deref()
            .map(|h| format!(" ({})", crate::sanitize::line(h.trim())))
            .unwrap_or_default();
        plugin_error(exec, &format!("cannot be started: {}{hint}", e.kind()))
    })?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let work = async {
        let mut out = Vec::new();
        (&mut stdout)
            .take(MAX_OUTPUT + 1)
            .read_to_end(&mut out)
            .await
            .map_err(|e| plugin_error(exec, &format!("output cannot be read: {}", e.kind())))?;
        if out.len() as u64 > MAX_OUTPUT {
            // It would block on a full pipe forever: stop it.
            let _ = child.start_kill();
            return Err(plugin_error(exec, "printed more than 1 MiB"));
        }
        let status = child
            .wait()
            .await
            .map_err(|e| plugin_error(exec, &format!("cannot be waited for: {}", e.kind())))?;
        Ok::<_, Error>((out, status))
    };
    let (out, status) = match tokio::time::timeout(deadline, work).await {
        Ok(result) => result?,
        Err(_) => {
            // `kill_on_drop` ends the child when `cmd`'s future is dropped; be explicit too.
            let _ = child.start_kill();
            return Err(Error::CredentialTimeout {
                command: command_name(exec),
                timeout: deadline,
            });
        }
    };
    if !status.success() {
        let code = status
            .code()
            .map(|c| format!("exit code {c}"))
            .unwrap_or_else(|| "a signal".into());
        return Err(plugin_error(exec, &format!("failed with {code}")));
    }
    let credential: ExecCredential = serde_json::from_slice(&out).map_err(|_| {
        plugin_error(
            exec,
            "did not print an ExecCredential as JSON on its stdout",
        )
    })?;
    credential
        .status
        .ok_or_else(|| plugin_error(exec, "printed an ExecCredential without a status"))
}

fn command_name(exec: &ExecConfig) -> String {
    crate::sanitize::line(exec.command.as_deref().unwrap_or("")).into_owned()
}

pub(super) fn plugin_error(exec: &ExecConfig, what: &str) -> Error {
    Error::Kubeconfig(format!(
        "the kubeconfig's credential plugin {:?} {what}: run it by hand to see why, or pick another --user/--context",
        command_name(exec)
    ))
}
