//! Bearer tokens that expire, kept as client-go keeps them, for every request the client makes
//! (reads, watches, followed logs, `debug`'s attach).
//!
//! kube keeps an exec plugin's token until 60 s before its `expirationTimestamp` and reads a
//! `tokenFile` again once a minute, but it runs the plugin synchronously and without a limit,
//! and neither a plugin's token nor a file's is renewed when the server answers 401. Here:
//!
//! - an exec plugin's token is kept until shortly before its `expirationTimestamp` (10 s, or a
//!   fifth of its life when that is shorter), then the plugin runs again, bounded by
//!   `--request-timeout` ([`super::exec`]); a token without an expiry is kept until a 401;
//! - a `tokenFile` (a kubeconfig's, or the service-account token in a pod) is read again when
//!   the file changes (its size or modification time), as projected tokens are rotated on disk;
//!   when it cannot be read again the last token is used, as client-go does;
//! - a request answered 401 renews the credentials once (unless another request renewed them
//!   meanwhile) and is sent again with the new token when the token changed, and when its body
//!   can be sent again (every request of this tool can). A second 401 is the answer.
//!
//! Concurrent requests wait for one renewal: the plugin never runs twice at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use http::{HeaderValue, Request, Response, StatusCode, header::AUTHORIZATION};
use kube::client::Body;
use kube::config::{AuthInfo, ExecConfig};
use secrecy::{ExposeSecret, SecretString};
use tower::{BoxError, Layer, Service, ServiceExt};

use super::exec;
use crate::error::{Error, Result};

/// The most of a token file read: a projected service-account token is about a kilobyte.
const MAX_TOKEN_FILE_BYTES: u64 = 1 << 20;

/// How long before its expiry a plugin's token is renewed, at most.
const RENEW_BEFORE: Duration = Duration::from_secs(10);

/// Where the token comes from.
enum Source {
    Exec(Box<ExecConfig>),
    File(PathBuf),
}

/// A file's identity as far as a change goes.
type Stamp = Option<(u64, SystemTime)>;

struct State {
    token: SecretString,
    /// When to renew it (exec: shortly before its expiry).
    renew_at: Option<jiff::Timestamp>,
    /// The token file as it was when read.
    stamp: Stamp,
    /// Bumped at every renewal, so that a 401 renews once for every request that saw it.
    generation: u64,
}

/// A bearer token that renews itself (see the module doc).
pub struct Credentials {
    source: Source,
    deadline: Duration,
    state: tokio::sync::Mutex<State>,
}

impl Credentials {
    /// Take over the credentials of `auth` that expire: its `tokenFile`, or the token its exec
    /// plugin returns (run now, within `deadline`). `None` when kube's own handling is what
    /// client-go does: a static token, basic auth, an auth provider, a client certificate (a
    /// plugin's certificate is put in `auth`, for the life of the command). The order is kube's
    /// and client-go's: an auth provider, then basic auth, a token, a token file, a plugin.
    pub async fn take(auth: &mut AuthInfo, deadline: Duration) -> Result<Option<Arc<Self>>> {
        if auth.auth_provider.is_some()
            || (auth.username.is_some() && auth.password.is_some())
            || auth.token.is_some()
        {
            // A plugin behind them is never used: kube must not run it either (unbounded).
            auth.exec = None;
            return Ok(None);
        }
        if let Some(path) = auth.token_file.take() {
            let path = PathBuf::from(path);
            let (token, stamp) = read_token_file(&path)?;
            auth.exec = None;
            return Ok(Some(Self::new(
                Source::File(path),
                deadline,
                token,
                None,
                stamp,
            )));
        }
        let Some(plugin) = auth.exec.take() else {
            return Ok(None);
        };
        match exec::issue(&plugin, deadline).await? {
            exec::Issued::Token { token, expires } => Ok(Some(Self::new(
                Source::Exec(Box::new(plugin)),
                deadline,
                token,
                renew_at(expires),
                None,
            ))),
            exec::Issued::Certificate { cert, key } => {
                exec::use_certificate(auth, &cert, &key);
                Ok(None)
            }
        }
    }

    fn new(
        source: Source,
        deadline: Duration,
        token: SecretString,
        renew_at: Option<jiff::Timestamp>,
        stamp: Stamp,
    ) -> Arc<Self> {
        Arc::new(Credentials {
            source,
            deadline,
            state: tokio::sync::Mutex::new(State {
                token,
                renew_at,
                stamp,
                generation: 0,
            }),
        })
    }

    /// The `Authorization` header to send now (renewing first when due), and the generation of
    /// the token in it.
    pub async fn header(&self) -> Result<(HeaderValue, u64)> {
        let mut state = self.state.lock().await;
        let due = match &self.source {
            Source::Exec(_) => state
                .renew_at
                .is_some_and(|at| jiff::Timestamp::now() >= at),
            Source::File(path) => stamp(path) != state.stamp,
        };
        if due {
            self.renew(&mut state).await?;
        }
        Ok((bearer(&state.token)?, state.generation))
    }

    /// After a 401 to a request sent with `generation`: renew, unless that was done since. True
    /// when there is another token to try.
    pub async fn unauthorized(&self, generation: u64) -> Result<bool> {
        let mut state = self.state.lock().await;
        if state.generation != generation {
            return Ok(true);
        }
        let before = state.token.expose_secret().to_string();
        self.renew(&mut state).await?;
        Ok(state.token.expose_secret() != before)
    }

    async fn renew(&self, state: &mut State) -> Result<()> {
        match &self.source {
            Source::Exec(plugin) => match exec::issue(plugin, self.deadline).await? {
                exec::Issued::Token { token, expires } => {
                    state.token = token;
                    state.renew_at = renew_at(expires);
                }
                exec::Issued::Certificate { .. } => {
                    return Err(exec::plugin_error(
                        plugin,
                        "returned a client certificate where it had returned a token",
                    ));
                }
            },
            Source::File(path) => {
                // A file that cannot be read again keeps its last token (client-go's rule: a
                // file may be removed once read).
                if let Ok((token, stamp)) = read_token_file(path) {
                    state.token = token;
                    state.stamp = stamp;
                }
            }
        }
        state.generation += 1;
        Ok(())
    }
}

/// When to renew a token that expires at `expires`.
fn renew_at(expires: Option<jiff::Timestamp>) -> Option<jiff::Timestamp> {
    let expires = expires?;
    let now = jiff::Timestamp::now();
    let life = expires.duration_since(now).unsigned_abs();
    let before = RENEW_BEFORE.min(life / 5);
    let before = jiff::SignedDuration::try_from(before).unwrap_or(jiff::SignedDuration::ZERO);
    Some(expires.checked_sub(before).unwrap_or(expires))
}

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

fn read_token_file(path: &Path) -> Result<(SecretString, Stamp)> {
    use std::io::Read;
    let shown = crate::sanitize::line(&path.display().to_string()).into_owned();
    let before = stamp(path);
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_TOKEN_FILE_BYTES).read_to_string(&mut text))
        .map_err(|e| {
            Error::Kubeconfig(format!(
                "cannot read the token file {shown}: {}; check the user's tokenFile in the kubeconfig",
                e.kind()
            ))
        })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Error::Kubeconfig(format!(
            "the token file {shown} is empty; check the user's tokenFile in the kubeconfig"
        )));
    }
    Ok((SecretString::from(token.to_string()), before))
}

fn bearer(token: &SecretString) -> Result<HeaderValue> {
    let mut value =
        HeaderValue::try_from(format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::Kubeconfig(
                "the token holds characters a header cannot carry: check the kubeconfig user's token"
                    .into(),
            )
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Sets the `Authorization` header of every request from [`Credentials`], and sends a request
/// again once after a 401 with renewed credentials.
#[derive(Clone)]
pub struct AuthLayer(pub Arc<Credentials>);

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Auth<S> {
        Auth {
            inner,
            credentials: self.0.clone(),
        }
    }
}

/// The service of [`AuthLayer`].
#[derive(Clone)]
pub struct Auth<S> {
    inner: S,
    credentials: Arc<Credentials>,
}

impl<S, B> Service<Request<Body>> for Auth<S>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = Response<B>;
    type Error = BoxError;
    type Future = BoxFuture<'static, std::result::Result<Response<B>, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The service that was polled ready answers first; a clone sends again.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let credentials = self.credentials.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let again = body.try_clone().map(|body| (parts.clone(), body));
            let (header, generation) = credentials.header().await?;
            let mut first = Request::from_parts(parts, body);
            first.headers_mut().insert(AUTHORIZATION, header);
            let response = inner.call(first).await.map_err(Into::into)?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let Some((parts, body)) = again else {
                return Ok(response);
            };
            if !credentials.unauthorized(generation).await? {
                return Ok(response);
            }
            drop(response);
            let (header, _) = credentials.header().await?;
            let mut second = Request::from_parts(parts, body);
            second.headers_mut().insert(AUTHORIZATION, header);
            inner.ready().await.map_err(Into::into)?;
            inner.call(second).await.map_err(Into::into)
        })
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
