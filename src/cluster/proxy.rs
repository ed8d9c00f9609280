//! Which proxy a request to the cluster goes through, decided as kubectl (Go's `net/http`) does:
//! the kubeconfig's `proxy-url` when the cluster has one; otherwise `HTTPS_PROXY` for an `https`
//! server and `HTTP_PROXY` for an `http` one (either case of the name), unless `NO_PROXY` names
//! the server (`*`, an IP, a CIDR, or a domain and its subdomains, with an optional port), or the
//! server is `localhost` or a loopback address.
//!
//! The environment is captured once at start ([`capture_env`]) and removed from the process
//! environment, so that kube's own reading of it (which matches `NO_PROXY` against the proxy
//! rather than the server, and refuses lists kubectl accepts) cannot disagree with this one.

use std::net::IpAddr;
use std::sync::OnceLock;

/// The proxy variables as the process started with them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    pub https_proxy: Option<String>,
    pub http_proxy: Option<String>,
    pub no_proxy: Option<String>,
}

const NAMES: [(&str, &str); 3] = [
    ("HTTPS_PROXY", "https_proxy"),
    ("HTTP_PROXY", "http_proxy"),
    ("NO_PROXY", "no_proxy"),
];

static CAPTURED: OnceLock<ProxyEnv> = OnceLock::new();

/// Read the proxy variables and remove them from the process environment. Call it first thing
/// in `main`, before any thread starts.
pub fn capture_env() {
    let read = |(upper, lower): (&str, &str)| {
        [upper, lower]
            .iter()
            .filter_map(|n| std::env::var(n).ok())
            .find(|v| !v.trim().is_empty())
    };
    let env = ProxyEnv {
        https_proxy: read(NAMES[0]),
        http_proxy: read(NAMES[1]),
        no_proxy: read(NAMES[2]),
    };
    for (upper, lower) in NAMES {
        // SAFETY: called from `main` before the async runtime or any other thread exists, so
        // nothing reads the environment concurrently.
        unsafe {
            std::env::remove_var(upper);
            std::env::remove_var(lower);
        }
    }
    let _ = CAPTURED.set(env);
}

/// The captured variables (read now when [`capture_env`] was not called, as in tests).
pub fn env() -> ProxyEnv {
    CAPTURED.get().cloned().unwrap_or_else(|| {
        let read = |(upper, lower): (&str, &str)| {
            [upper, lower]
                .iter()
                .filter_map(|n| std::env::var(n).ok())
                .find(|v| !v.trim().is_empty())
        };
        ProxyEnv {
            https_proxy: read(NAMES[0]),
            http_proxy: read(NAMES[1]),
            no_proxy: read(NAMES[2]),
        }
    })
}

/// The variables a credential plugin is given back (it may need the proxy to reach its issuer).
pub fn env_pairs() -> Vec<(&'static str, String)> {
    let env = env();
    [
        ("HTTPS_PROXY", env.https_proxy),
        ("HTTP_PROXY", env.http_proxy),
        ("NO_PROXY", env.no_proxy),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect()
}

/// The proxy for `server` (`scheme`, `host`, `port`), as a URL with a scheme, or `None` to go
/// direct. `Err` names a proxy URL that cannot be used.
pub fn choose(
    kubeconfig_proxy: Option<&str>,
    env: &ProxyEnv,
    scheme: &str,
    host: &str,
    port: u16,
) -> Result<Option<String>, String> {
    if let Some(url) = kubeconfig_proxy.filter(|u| !u.trim().is_empty()) {
        return normalise(url, "the kubeconfig's proxy-url").map(Some);
    }
    let (value, name) = if scheme == "https" {
        (env.https_proxy.as_deref(), "HTTPS_PROXY")
    } else {
        (env.http_proxy.as_deref(), "HTTP_PROXY")
    };
    let Some(value) = value else {
        return Ok(None);
    };
    if !use_proxy(env.no_proxy.as_deref(), host, port) {
        return Ok(None);
    }
    normalise(value, name).map(Some)
}

/// A proxy URL with its scheme: Go reads `proxy:3128` as `http://proxy:3128`.
fn normalise(url: &str, from: &str) -> Result<String, String> {
    let url = url.trim();
    let with_scheme = if url.contains("://") {
        url.to_string()
    } else {
        format!("http://{url}")
    };
    let parsed: http::Uri = with_scheme.parse().map_err(|_| {
        format!("{from} is not a URL: use http://HOST:PORT, https://… or socks5://…")
    })?;
    match parsed.scheme_str() {
        Some("http" | "https" | "socks5") => {}
        _ => {
            return Err(format!(
                "{from} has an unsupported scheme: use http://, https:// or socks5://"
            ));
        }
    }
    if parsed.host().is_none_or(str::is_empty) {
        return Err(format!("{from} names no host: use http://HOST:PORT"));
    }
    Ok(with_scheme)
}

/// False when `NO_PROXY` (or the loopback rule) says to go direct to `host:port`.
fn use_proxy(no_proxy: Option<&str>, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host == "localhost" {
        return false;
    }
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return false;
    }
    let Some(list) = no_proxy else {
        return true;
    };
    for entry in list.split(',').map(|e| e.trim().to_ascii_lowercase()) {
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return false;
        }
        if let Some((net, bits)) = entry.split_once('/')
            && let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u8>())
        {
            if ip.is_some_and(|ip| in_cidr(ip, net, bits)) {
                return false;
            }
            continue;
        }
        if let Ok(entry_ip) = entry.parse::<IpAddr>() {
            if ip == Some(entry_ip) {
                return false;
            }
            continue;
        }
        let (name, entry_port) = split_port(&entry);
        if entry_port.is_some_and(|p| p != port) {
            continue;
        }
        if let Ok(entry_ip) = name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            if ip == Some(entry_ip) {
                return false;
            }
            continue;
        }
        let name = name.strip_prefix('*').unwrap_or(name);
        let matches = match name.strip_prefix('.') {
            // `.example.com`: the subdomains only.
            Some(_) => host.ends_with(name),
            // `example.com`: the domain and its subdomains.
            None => host == name || host.ends_with(&format!(".{name}")),
        };
        if matches {
            return false;
        }
    }
    true
}

fn split_port(entry: &str) -> (&str, Option<u16>) {
    match entry.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.parse::<u16>().is_ok() => {
            (name, port.parse().ok())
        }
        _ => (entry, None),
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(https: Option<&str>, http: Option<&str>, no: Option<&str>) -> ProxyEnv {
        ProxyEnv {
            https_proxy: https.map(str::to_string),
            http_proxy: http.map(str::to_string),
            no_proxy: no.map(str::to_string),
        }
    }

    #[test]
    fn the_proxy_is_chosen_as_kubectl_chooses_it() {
        let p = Some("http://127.0.0.1:3128");
        #[allow(clippy::type_complexity)]
        let cases: &[(Option<&str>, ProxyEnv, &str, &str, u16, Option<&str>)] = &[
            (
                None,
                env(None, None, None),
                "https",
                "k8s.example",
                443,
                None,
            ),
            (None, env(p, None, None), "https", "k8s.example", 443, p),
            (None, env(p, None, None), "http", "k8s.example", 80, None),
            (None, env(None, p, None), "http", "k8s.example", 80, p),
            (None, env(None, p, None), "https", "k8s.example", 443, None),
            (
                None,
                env(Some("127.0.0.1:3128"), None, None),
                "https",
                "k8s.example",
                443,
                p,
            ),
            (None, env(p, None, None), "https", "127.0.0.1", 6443, None),
            (None, env(p, None, None), "https", "127.8.0.3", 6443, None),
            (None, env(p, None, None), "https", "localhost", 6443, None),
            (None, env(p, None, None), "https", "[::1]", 6443, None),
            (
                None,
                env(p, None, Some("*")),
                "https",
                "k8s.example",
                443,
                None,
            ),
            (
                None,
                env(p, None, Some("10.0.0.0/8")),
                "https",
                "10.1.2.3",
                443,
                None,
            ),
            (
                None,
                env(p, None, Some("10.0.0.0/8")),
                "https",
                "11.1.2.3",
                443,
                p,
            ),
            (
                None,
                env(p, None, Some("10.1.2.3")),
                "https",
                "10.1.2.3",
                443,
                None,
            ),
            (
                None,
                env(p, None, Some("a.test, example,,")),
                "https",
                "k8s.example",
                443,
                None,
            ),
            (
                None,
                env(p, None, Some(".example")),
                "https",
                "example",
                443,
                p,
            ),
            (
                None,
                env(p, None, Some("*.example")),
                "https",
                "k8s.example",
                443,
                None,
            ),
            (
                None,
                env(p, None, Some("k8s.example:6443")),
                "https",
                "k8s.example",
                443,
                p,
            ),
            (
                None,
                env(p, None, Some("K8S.example:443")),
                "https",
                "k8s.example",
                443,
                None,
            ),
            (
                None,
                env(p, None, Some("ample")),
                "https",
                "k8s.example",
                443,
                p,
            ),
            // The kubeconfig's proxy-url wins, and NO_PROXY does not apply to it.
            (
                Some("socks5://127.0.0.1:1080"),
                env(p, None, Some("*")),
                "https",
                "127.0.0.1",
                6443,
                Some("socks5://127.0.0.1:1080"),
            ),
        ];
        for (i, (kc, env, scheme, host, port, want)) in cases.iter().enumerate() {
            assert_eq!(
                choose(*kc, env, scheme, host, *port),
                Ok(want.map(str::to_string)),
                "case {i}: {kc:?} {env:?} {scheme}://{host}:{port}"
            );
        }
    }

    proptest::proptest! {
        /// No NO_PROXY list, proxy value or host makes the choice panic.
        #[test]
        fn any_environment_is_judged_without_panic(
            no_proxy in "[a-z0-9.*:/,\\[\\] ]{0,40}",
            proxy in "\\PC{0,30}",
            host in "[a-z0-9.:\\[\\]]{0,20}",
            port in proptest::prelude::any::<u16>(),
        ) {
            let env = ProxyEnv { https_proxy: Some(proxy), http_proxy: None, no_proxy: Some(no_proxy) };
            let _ = choose(None, &env, "https", &host, port);
        }
    }

    #[test]
    fn unusable_proxies_are_named() {
        let cases = [
            ("ftp://127.0.0.1:21", "unsupported scheme"),
            ("http://", "not a URL"),
            ("http://exa mple", "not a URL"),
        ];
        for (url, want) in cases {
            let err = choose(Some(url), &ProxyEnv::default(), "https", "h", 443).unwrap_err();
            assert!(err.contains(want), "{url}: {err}");
            assert!(err.starts_with("the kubeconfig's proxy-url"), "{err}");
        }
    }
}
