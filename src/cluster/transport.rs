//! How the client reaches the API server: kube's own stack (what kube 5's
//! `ClientBuilder::try_from(Config)` builds: the server's base URI, the retry kube adds when
//! asked, the credentials of the kubeconfig, its extra headers and impersonation, the connect and
//! write timeouts, the proxy) over connections that negotiate HTTP/2 by ALPN, as kubectl's do.
//!
//! kube's builder offers HTTP/1.1 only, where every request in flight needs a connection of its
//! own: each concurrent request beyond the connections already open waited for a new TCP and
//! TLS handshake. Over HTTP/2 one connection carries them all at once (kube-apiserver allows
//! 100 streams on a connection unless `--http2-max-streams-per-connection` says otherwise; the
//! reads of a command are at most [`super::REQUESTS_AT_ONCE`] at once).
//!
//! Some requests still go over HTTP/1.1, each on a connection of its own as before:
//!
//! - upgrades (`pods/attach`, `pods/exec`: a WebSocket, which HTTP/2 does not carry here);
//! - responses the server holds open without end (`watch=true`, `follow=true`): hyper, unlike
//!   Go's transport, opens no second connection when the server's stream limit is reached, so
//!   enough followed logs (`logs -f --max-log-requests`) would otherwise wait forever.
//!
//! A server or proxy that does not speak HTTP/2 answers ALPN with HTTP/1.1 (or nothing), and the
//! client speaks HTTP/1.1 to it. An HTTP or SOCKS proxy carries either: the TLS session, and so
//! the protocol, is the client's and the server's.
//!
//! What kube's builder adds and this one leaves out: `tracing` spans (nothing here reads them)
//! and the client's `valid_until`, which kube sets only for a credential plugin that returns a
//! client certificate (here [`super::auth`] runs such a plugin before the client is built, and
//! nothing reads the client's expiry).

use std::task::{Context, Poll};

use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper::rt::{Read, Write};
use hyper_timeout::TimeoutConnector;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connect, Connection, HttpConnector};
use hyper_util::client::legacy::{self, ResponseFuture};
use hyper_util::rt::TokioExecutor;
use kube::client::retry::RetryPolicy;
use kube::client::{Body, ClientBuilder, ConfigExt, DynBody};
use kube::{Config, Error};
use tower::retry::RetryLayer;
use tower::{BoxError, Service, ServiceBuilder, ServiceExt};

/// The service kube's builder builds (its `GenericService`).
pub type Stack = tower::util::BoxService<Request<Body>, Response<Box<DynBody>>, BoxError>;

/// kube's client stack, as `ClientBuilder::try_from(config)` builds it, over connections that
/// negotiate HTTP/2 (see the module doc).
pub fn client_builder(config: Config) -> Result<ClientBuilder<Stack>, Error> {
    let mut connector = HttpConnector::new();
    connector.enforce_http(false);
    match config.proxy_url.clone() {
        Some(proxy) if proxy.scheme_str() == Some("socks5") => {
            stack(SocksV5::new(proxy, connector), config)
        }
        Some(proxy) if proxy.scheme_str() == Some("http") => {
            let tunnel = Tunnel::new(proxy.clone(), connector);
            stack(with_basic_auth(&proxy, tunnel), config)
        }
        Some(proxy) if proxy.scheme_str() == Some("https") => {
            // The proxy itself is reached over TLS (HTTP/1.1: it is asked to CONNECT).
            let to_proxy = config.rustls_https_connector_with_connector(connector)?;
            let tunnel = Tunnel::new(proxy.clone(), to_proxy);
            stack(with_basic_auth(&proxy, tunnel), config)
        }
        Some(proxy) => Err(Error::ProxyProtocolUnsupported {
            proxy_url: Box::new(proxy),
        }),
        None => stack(connector, config),
    }
}

/// The layers of kube's stack, in kube's order, over [`Route`].
fn stack<H>(connector: H, config: Config) -> Result<ClientBuilder<Stack>, Error>
where
    H: Service<Uri> + Clone + Send + Sync + 'static,
    H::Response: Connection + Read + Write + Send + Unpin + 'static,
    H::Future: Send + 'static,
    H::Error: std::error::Error + Send + Sync + 'static,
{
    let route = Route {
        negotiated: hyper_client(&config, negotiating(&config, connector.clone())?),
        // kube's own connector: no ALPN, so HTTP/1.1.
        http1: hyper_client(
            &config,
            config.rustls_https_connector_with_connector(connector)?,
        ),
    };
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(
            config
                .default_retry
                .then(|| RetryLayer::new(RetryPolicy::server_retry())),
        )
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(BoxError::from)
        .service(route)
        .map_response(|response: Response<Incoming>| {
            response.map(|body| {
                Box::new(http_body_util::BodyExt::map_err(body, BoxError::from)) as Box<DynBody>
            })
        })
        .boxed();
    Ok(ClientBuilder::new(service, config.default_namespace))
}

/// kube's TLS connector (its CA, client certificate, server name, skip-verify, a CA file read
/// again as it rotates), offering HTTP/2 and HTTP/1.1 by ALPN.
fn negotiating<H>(config: &Config, connector: H) -> Result<hyper_rustls::HttpsConnector<H>, Error> {
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config.rustls_client_config()?)
        .https_or_http();
    let builder = match &config.tls_server_name {
        Some(name) => builder.with_server_name_resolver(
            hyper_rustls::FixedServerNameResolver::new(name.clone().try_into().map_err(|e| {
                Error::RustlsTls(kube::client::RustlsTlsError::InvalidServerName(e))
            })?),
        ),
        None => builder,
    };
    Ok(builder
        .enable_http1()
        .enable_http2()
        .wrap_connector(connector))
}

/// A pool of connections through `connector`, with kube's connect, read and write timeouts.
fn hyper_client<C>(config: &Config, connector: C) -> legacy::Client<TimeoutConnector<C>, Body>
where
    C: Service<Uri> + Send,
    C::Response: Read + Write + Connection + Send + Unpin,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
    TimeoutConnector<C>: Connect + Clone + Send + Sync + 'static,
{
    let mut connector = TimeoutConnector::new(connector);
    connector.set_connect_timeout(config.connect_timeout);
    connector.set_read_timeout(config.read_timeout);
    connector.set_write_timeout(config.write_timeout);
    connector.set_reset_reader_on_write(config.reset_reader_on_write);
    legacy::Builder::new(TokioExecutor::new()).build(connector)
}

/// Sends each request through the pool its kind needs (see the module doc).
#[derive(Clone)]
struct Route<A, B> {
    negotiated: legacy::Client<A, Body>,
    http1: legacy::Client<B, Body>,
}

impl<A, B> Service<Request<Body>> for Route<A, B>
where
    A: Connect + Clone + Send + Sync + 'static,
    B: Connect + Clone + Send + Sync + 'static,
{
    type Response = Response<Incoming>;
    type Error = legacy::Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Both pools take a request at any time (as hyper's own client says).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> ResponseFuture {
        if over_http1(&request) {
            self.http1.request(request)
        } else {
            self.negotiated.request(request)
        }
    }
}

/// Whether a request keeps HTTP/1.1: an upgrade, or a response held open without end.
fn over_http1<T>(request: &Request<T>) -> bool {
    request.headers().contains_key(http::header::UPGRADE) || held_open(request.uri().query())
}

/// Whether a query asks the server to hold the response open: `watch` or `follow` true, in any
/// spelling the API server reads as true (Go's `strconv.ParseBool`).
fn held_open(query: Option<&str>) -> bool {
    query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter_map(|pair| pair.split_once('='))
        .any(|(key, value)| {
            matches!(key, "watch" | "follow")
                && matches!(value, "1" | "t" | "T" | "true" | "TRUE" | "True")
        })
}

/// A proxy URL's `user:password@` as a `Proxy-Authorization` header.
fn with_basic_auth<C>(proxy: &Uri, tunnel: Tunnel<C>) -> Tunnel<C> {
    match basic_auth(proxy).and_then(|v| http::HeaderValue::from_str(&v).ok()) {
        Some(header) => tunnel.with_auth(header),
        None => tunnel,
    }
}

/// `Basic` and the proxy URL's user info, decoded (kube's rule: `http::Uri` keeps
/// percent-escapes, a proxy expects them decoded); `None` without user info.
fn basic_auth(proxy: &Uri) -> Option<String> {
    use base64::Engine;
    let (userinfo, _) = proxy.authority()?.as_str().split_once('@')?;
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(userinfo).collect();
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(decoded)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrades_and_endless_responses_keep_http1() {
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("/api/v1/namespaces/a/pods?limit=100", None, false),
            (
                "/api/v1/namespaces/a/pods/p/log?container=c&tailLines=20",
                None,
                false,
            ),
            (
                "/api/v1/namespaces/a/pods/p/log?container=c&follow=true",
                None,
                true,
            ),
            (
                "/api/v1/namespaces/a/pods?watch=true&resourceVersion=1",
                None,
                true,
            ),
            ("/api/v1/namespaces/a/pods?watch=1", None, true),
            ("/api/v1/namespaces/a/pods?watch=false", None, false),
            (
                "/api/v1/namespaces/a/pods?labelSelector=follow%3Dtrue",
                None,
                false,
            ),
            (
                "/api/v1/namespaces/a/pods?fieldSelector=x&allowWatchBookmarks=true",
                None,
                false,
            ),
            (
                "/api/v1/namespaces/a/pods/p/attach?container=c&stdout=true",
                Some("websocket"),
                true,
            ),
            ("/api/v1/namespaces/a/pods/p", None, false),
        ];
        for (uri, upgrade, want) in cases {
            let mut request = Request::get(*uri);
            if let Some(protocol) = upgrade {
                request = request.header(http::header::UPGRADE, *protocol);
            }
            let request = request.body(()).unwrap();
            assert_eq!(over_http1(&request), *want, "{uri} upgrade={upgrade:?}");
        }
    }

    #[test]
    fn a_proxy_password_is_sent_decoded() {
        use base64::Engine;
        let basic = |plain: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(plain)
            )
        };
        let cases = [
            ("http://127.0.0.1:3128", None),
            ("http://u:p@127.0.0.1:3128", Some(basic("u:p"))),
            (
                "http://u:pa%40ss%3Aw@127.0.0.1:3128",
                Some(basic("u:pa@ss:w")),
            ),
            // Not an escape: kept as written.
            ("http://u:p%+A@127.0.0.1:3128", Some(basic("u:p%+A"))),
        ];
        for (url, want) in cases {
            assert_eq!(basic_auth(&url.parse().unwrap()), want, "{url}");
        }
    }
}
