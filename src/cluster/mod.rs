//! The edge: the only module that talks to the Kubernetes API. Every call has a timeout and its
//! errors become one-line [`Error`]s that name the verb and resource.

pub mod attach;
pub mod auth;
pub mod completion;
pub mod config;
pub mod creation;
pub mod ephemeral;
mod errors;
pub mod exec;
pub mod follow;
mod lenient;
pub mod limits;
pub mod lists;
pub mod live;
pub mod logs;
pub mod owners;
pub mod policies;
pub mod proxy;
pub mod samples;
pub mod tails;
pub mod throttle;
mod transport;
pub mod waits;
pub mod workloads;

pub use lists::{METADATA_PAGES, PAGE};

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Secret};
use kube::api::{Api, LogParams};
use kube::{Client, Config};
use tokio::sync::Semaphore;

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};

/// A connected client, with the namespace and timeout the user asked for.
#[derive(Clone)]
pub struct Cluster {
    client: Client,
    server: String,
    namespace: String,
    timeout: Duration,
    /// The cluster DNS domain waits are resolved in (`explain --cluster-domain`).
    pub(crate) cluster_domain: String,
    /// Permits for the reads in flight ([`REQUESTS_AT_ONCE`]), shared by every clone.
    inflight: Arc<Semaphore>,
}

/// How many reads ([`Cluster::read`]: gets, list pages, log tails) are in flight at once, across
/// everything one command does. Enough to overlap the round trips of one round of an `explain`
/// (a pod's events, logs and lookups; many pods' log tails), few enough not to crowd a shared
/// API server: client-go's default client allows a burst of 10 requests, and the API server's
/// default `--max-requests-inflight` of 400 is shared by every client of the cluster.
pub const REQUESTS_AT_ONCE: usize = 16;

/// How many requests may wait for the shared stack under [`auth::AuthLayer`] (they are sent as
/// soon as it is ready; a stream, once answered, does not hold its place).
const REQUEST_QUEUE: usize = 64;

/// Which namespaces a list covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Namespace(String),
    All,
}

impl Scope {
    fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Namespace(ns) => Some(ns),
            Scope::All => None,
        }
    }
}

impl Cluster {
    /// Build the client from `--kubeconfig`, `$KUBECONFIG`, `--context`, `--cluster`, `--user`, `-n`.
    pub async fn connect(global: &GlobalArgs) -> Result<Self> {
        let mut config = match config::load_kubeconfig(global.kubeconfig.as_deref())? {
            Some(mut kubeconfig) => {
                config::check_selection(&kubeconfig, global)?;
                config::normalise_server(&mut kubeconfig, global)?;
                Config::from_custom_kubeconfig(kubeconfig, &config::options(global))
                    .await
                    .map_err(|e| {
                        Error::Kubeconfig(format!(
                            "the kubeconfig is not usable: {}; check it with `kubectl config view`",
                            crate::sanitize::line(&config::one_line(&e.to_string()))
                        ))
                    })?
            }
            None => config::in_cluster()?,
        };
        // kube read only the kubeconfig's proxy-url (the environment's was captured at start):
        // choose as kubectl does.
        let kubeconfig_proxy = config.proxy_url.take().map(|u| u.to_string());
        let url = &config.cluster_url;
        let scheme = url.scheme_str().unwrap_or("https").to_string();
        let port = url
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        let host = url.host().unwrap_or("").to_string();
        config.proxy_url = proxy::choose(
            kubeconfig_proxy.as_deref(),
            &proxy::env(),
            &scheme,
            &host,
            port,
        )
        .map_err(Error::Kubeconfig)?
        .map(|u| u.parse())
        .transpose()
        .map_err(|_| Error::Kubeconfig("the proxy URL is not a URL".into()))?;
        // Tokens that expire (a plugin's, a token file's) are kept by `auth`; the rest by kube.
        let credentials =
            auth::Credentials::take(&mut config.auth_info, global.request_timeout).await?;
        config.connect_timeout = Some(global.request_timeout);
        config.write_timeout = Some(global.request_timeout);
        // Reads are bounded per call by `call`; a followed log stream must be able to idle.
        config.read_timeout = None;
        // 429 and 503 are reported, not retried past the request timeout.
        config.default_retry = false;
        config
            .headers
            .push((http::header::USER_AGENT, limits::user_agent()));
        let namespace = global
            .namespace
            .clone()
            .unwrap_or_else(|| config.default_namespace.clone());
        let server = shown_server(&config.cluster_url);
        let client = transport::client_builder(config)
            .map(|builder| {
                let builder = builder
                    .with_layer(&limits::BodyLimitLayer {
                        limit: limits::MAX_RESPONSE_BYTES,
                    })
                    .with_layer(&throttle::RetryAfterLayer);
                match credentials {
                    // A request answered 401 is sent again: the stack below is shared (buffered).
                    Some(credentials) => builder
                        .with_layer(&tower::buffer::BufferLayer::new(REQUEST_QUEUE))
                        .with_layer(&auth::AuthLayer(credentials))
                        .build(),
                    None => builder.build(),
                }
            })
            .map_err(|e| {
                Error::Kubeconfig(format!(
                    "cannot build a client from the kubeconfig: {}",
                    crate::sanitize::line(&config::one_line(&e.to_string()))
                ))
            })?;
        Ok(Cluster {
            client,
            server,
            namespace,
            timeout: global.request_timeout,
            cluster_domain: crate::waits::DEFAULT_CLUSTER_DOMAIN.into(),
            inflight: Arc::new(Semaphore::new(REQUESTS_AT_ONCE)),
        })
    }

    /// The namespace from `-n`, else the context's, else `default`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The error of a request that did not end within the timeout.
    pub fn timed_out(&self, verb: &str, resource: &str) -> Error {
        Error::Timeout {
            server: self.server.clone(),
            what: format!("{verb} {resource}"),
            timeout: self.timeout,
        }
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The underlying kube client, for calls not wrapped here.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Run one API call under the request timeout, mapping its error.
    pub async fn call<T, F>(
        &self,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
        fut: F,
    ) -> Result<T>
    where
        F: Future<Output = Result<T, kube::Error>>,
    {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(self.map_error(err, verb, resource, namespace)),
            Err(_) => Err(Error::Timeout {
                server: self.server.clone(),
                what: format!("{verb} {resource}"),
                timeout: self.timeout,
            }),
        }
    }

    /// [`Cluster::call`] for a read that can be made again: when the server answers 429 (Too
    /// Many Requests), made again after the wait it asks for (its `Retry-After` header or its
    /// Status's `retryAfterSeconds`: [`throttle`]; 1 s when absent; at most [`RETRY_AFTER_MAX`]
    /// and at most the request timeout), and at once when the server ended its HTTP/2
    /// connection before answering it ([`errors::connection_ended`]); at most [`RETRIES`] times. Each attempt has the whole
    /// request timeout, and holds one of the [`REQUESTS_AT_ONCE`] permits while it is in flight
    /// (not while it waits to be made again).
    pub async fn read<T, F, Fut>(
        &self,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
        make: F,
    ) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let mut attempt = 0;
        loop {
            let permit = self.inflight.acquire().await;
            let outcome = tokio::time::timeout(self.timeout, make()).await;
            drop(permit);
            match outcome {
                Ok(Err(kube::Error::Api(status))) if status.code == 429 && attempt < RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(retry_after(&status).min(self.timeout)).await;
                }
                // The connection it was on was ended by the server before it was answered: made
                // again at once, on a new one.
                Ok(Err(err)) if errors::connection_ended(&err) && attempt < RETRIES => {
                    attempt += 1;
                }
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) => return Err(self.map_error(err, verb, resource, namespace)),
                Err(_) => {
                    return Err(Error::Timeout {
                        server: self.server.clone(),
                        what: format!("{verb} {resource}"),
                        timeout: self.timeout,
                    });
                }
            }
        }
    }

    /// Translate a kube error into a one-line error naming what was being done.
    pub fn map_error(
        &self,
        err: kube::Error,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Error {
        errors::map(err, &self.server, verb, resource, namespace)
    }

    /// Get one pod; a 404 says whether the namespace itself is missing.
    pub async fn get_pod(&self, namespace: &str, name: &str) -> Result<Pod> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let found = self
            .read("get", "pods", Some(namespace), || api.get_opt(name))
            .await?;
        match found {
            Some(pod) => Ok(pod),
            None => Err(self.not_found("pod", name, namespace).await),
        }
    }

    /// Build the not-found error for `kind/name`, naming a missing namespace when that is the cause.
    pub async fn not_found(&self, kind: &str, name: &str, namespace: &str) -> Error {
        let namespaces: Api<Namespace> = Api::all(self.client.clone());
        let ns_missing = matches!(
            self.call("get", "namespaces", None, namespaces.get_opt(namespace))
                .await,
            Ok(None)
        );
        if ns_missing {
            Error::NotFound {
                kind: "namespace".into(),
                name: namespace.into(),
                namespace: None,
                hint: Some("list namespaces with `kubectl get namespaces`".into()),
            }
        } else {
            Error::NotFound {
                kind: kind.into(),
                name: name.into(),
                namespace: Some(namespace.into()),
                hint: Some(format!(
                    "list them with `kubectl get {kind}s -n {namespace}`"
                )),
            }
        }
    }

    /// The last `tail_lines` lines of a container's log (its previous instance with `previous`),
    /// through `pods/log`: at most [`limits::LOG_LIMIT_BYTES`] (`limitBytes`), each line cut to
    /// [`limits::LOG_LINE_CHARS`], bytes that are not UTF-8 kept as `\xNN`.
    pub async fn pod_log(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
        tail_lines: i64,
    ) -> Result<Vec<String>> {
        use futures::AsyncReadExt;
        let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let params = LogParams {
            container: Some(container.to_string()),
            previous,
            tail_lines: Some(tail_lines),
            limit_bytes: Some(limits::LOG_LIMIT_BYTES),
            ..Default::default()
        };
        let read = |params: LogParams| {
            let api = api.clone();
            async move {
                let stream = api.log_stream(pod, &params).await?;
                let mut raw = Vec::new();
                // The server honours limitBytes; a server that does not is cut off here.
                Box::pin(stream)
                    .take(limits::LOG_LIMIT_BYTES.unsigned_abs())
                    .read_to_end(&mut raw)
                    .await
                    .map_err(|e| kube::Error::Service(Box::new(e)))?;
                Ok(raw)
            }
        };
        let raw = self
            .read("get", "pods/log", Some(namespace), || read(params.clone()))
            .await?;
        let mut lines = limits::log_lines(&raw, tail_lines);
        // limitBytes counts from the first line of the tail: a very long line there hides the
        // lines after it, and the last one usually says what failed. Read it on its own.
        if u64::try_from(raw.len()).unwrap_or(u64::MAX) >= limits::LOG_LIMIT_BYTES.unsigned_abs()
            && tail_lines > 1
        {
            let last = LogParams {
                tail_lines: Some(1),
                ..params.clone()
            };
            if let Ok(end) = self
                .read("get", "pods/log", Some(namespace), || read(last.clone()))
                .await
            {
                let end = limits::log_lines(&end, 1);
                if !end.is_empty() && lines.last() != end.last() {
                    lines.push(format!(
                        "… (the log's last {tail_lines} lines hold more than {} KiB: cut here)",
                        limits::LOG_LIMIT_BYTES / 1024
                    ));
                    lines.extend(end);
                }
            }
        }
        Ok(lines)
    }

    /// The names of the Secrets in a namespace: metadata only (no secret data is read), paged.
    pub async fn secret_names(&self, namespace: &str) -> Result<Vec<String>> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let metadata = self.list_metadata(&api, "secrets", Some(namespace)).await?;
        Ok(metadata.into_iter().filter_map(|m| m.name).collect())
    }

    /// Watch the pods of `scope` matching the selectors from `resource_version`, for at most
    /// `window`: `true` on a change or an expired version, `false` when quiet (see
    /// [`follow`]'s `changed_after`, the one watch loop).
    pub async fn pods_changed(
        &self,
        scope: &Scope,
        fields: Option<&str>,
        labels: Option<&str>,
        resource_version: &str,
        window: Duration,
    ) -> Result<bool> {
        let api: Api<Pod> = match scope {
            Scope::Namespace(ns) => Api::namespaced(self.client.clone(), ns),
            Scope::All => Api::all(self.client.clone()),
        };
        let target = follow::Target {
            api,
            resource: "pods",
            namespace: scope.namespace().map(str::to_string),
            fields: fields.map(str::to_string),
            labels: labels.map(str::to_string),
        };
        self.changed_after(target, resource_version, window).await
    }

    /// The events whose involved object is this pod.
    pub async fn pod_events(&self, pod_namespace: &str, pod_name: &str) -> Result<Vec<Event>> {
        let api: Api<Event> = Api::namespaced(self.client.clone(), pod_namespace);
        let fields = format!("involvedObject.kind=Pod,involvedObject.name={pod_name}");
        self.list_all(&api, "events", Some(pod_namespace), None, Some(&fields))
            .await
    }

    /// The events of the pods of a namespace named in `pods`, in one list of the namespace's pod
    /// events (for explaining many of its pods), read a page at a time: the events of other
    /// pods are dropped as each page comes.
    pub async fn namespace_pod_events(
        &self,
        namespace: &str,
        pods: &std::collections::BTreeSet<&str>,
    ) -> Result<Vec<Event>> {
        let api: Api<Event> = Api::namespaced(self.client.clone(), namespace);
        let mut kept = Vec::new();
        self.pages(
            &api,
            "events",
            Some(namespace),
            None,
            Some("involvedObject.kind=Pod"),
            |page| {
                kept.extend(page.into_iter().filter(|e| {
                    e.involved_object
                        .name
                        .as_deref()
                        .is_some_and(|name| pods.contains(name))
                }));
            },
        )
        .await?;
        Ok(kept)
    }
}

use errors::shown_server;

/// The pause before a list again after a watch answered 410 (its version expired).
pub const EXPIRED_PAUSE: Duration = Duration::from_secs(1);

/// How many times a read answered 429, or whose connection the server ended, is made again.
pub const RETRIES: u32 = 3;

/// The longest wait a 429's `Retry-After` is honoured for.
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(10);

/// How long a 429 asks to wait.
fn retry_after(status: &kube::core::Status) -> Duration {
    let seconds = status
        .details
        .as_ref()
        .map(|d| d.retry_after_seconds)
        .filter(|s| *s > 0)
        .unwrap_or(1);
    Duration::from_secs(seconds.into()).min(RETRY_AFTER_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_is_retried_after_what_the_server_asks_within_bounds() {
        let status = |seconds: u32| -> kube::core::Status {
            serde_json::from_value(serde_json::json!({
                "code": 429, "message": "too many requests", "reason": "TooManyRequests",
                "details": {"retryAfterSeconds": seconds}
            }))
            .unwrap()
        };
        let cases = [(0, 1), (1, 1), (4, 4), (600, 10)];
        for (asked, waited) in cases {
            assert_eq!(
                retry_after(&status(asked)),
                Duration::from_secs(waited),
                "Retry-After {asked}"
            );
        }
    }
}
