//! Why an image pull failed, from the pull error's own words (the kubelet's message and its
//! `Failed` events, as containerd, CRI-O or dockerd wrote them): no build for the node's
//! platform, the registry's rate limit, a repository that does not exist or is private, refused
//! credentials, a registry the node cannot reach, an image or tag that does not exist. The words
//! decide; a guess from the image's name never does.

/// What the registry (or the way to it) answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullCause {
    /// The image exists, but not for the node's OS/architecture.
    Platform,
    /// 429 / `toomanyrequests`: the registry limits pulls.
    RateLimited,
    /// dockerd's `pull access denied … repository does not exist or may require 'docker login'`,
    /// containerd's `… may require authorization`, Docker Hub's `requested access to the
    /// resource is denied`: the registry does not say which.
    MissingOrPrivate,
    /// 401/403, `unauthorized:`, `denied:`, no credentials: the registry wants valid credentials.
    Refused,
    /// The node could not talk to the registry: refused, timed out, no route; `dns` when the
    /// registry's name did not resolve on the node.
    Unreachable { dns: bool },
    /// 404, `manifest unknown`, `not found`: no such image or tag.
    Missing,
    /// [`MissingOrPrivate`](Self::MissingOrPrivate) for a Docker Hub official image
    /// (`busybox`, `docker.io/library/x`): that namespace holds only official images, all of
    /// them public, so the repository does not exist (a wrong name, a placeholder).
    NoSuchOfficialImage,
}

/// The cause in a (lowercased) pull error. HTTP statuses count only as containerd writes them,
/// the code followed by its reason phrase (`…/manifests/1.2: 401 Unauthorized`), so that a `401`
/// in an image's tag or digest is not taken for one.
pub fn pull_cause(text: &str) -> Option<PullCause> {
    const PLATFORM: &[&str] = &[
        "no match for platform in manifest",
        "no matching manifest for",
        "does not match the specified platform",
    ];
    const RATE: &[&str] = &[
        "429 too many requests",
        "toomanyrequests",
        "pull rate limit",
    ];
    const EITHER: &[&str] = &[
        "repository does not exist or may require",
        "requested access to the resource is denied",
    ];
    const REFUSED: &[&str] = &[
        "401 unauthorized",
        "403 forbidden",
        "unauthorized: ",
        "denied: ",
        "authentication required",
        "authorization failed",
        "pull access denied",
        "insufficient_scope",
        "no basic auth credentials",
    ];
    const DNS: &[&str] = &[
        "no such host",
        "server misbehaving",
        "temporary failure in name resolution",
    ];
    const UNREACHABLE: &[&str] = &[
        "i/o timeout",
        "connect: connection refused",
        "connection refused",
        "no route to host",
        "network is unreachable",
        "connection timed out",
        "client.timeout exceeded",
        "request canceled while waiting for connection",
        "tls handshake timeout",
        "context deadline exceeded",
    ];
    const MISSING: &[&str] = &[
        "404 not found",
        ": not found",
        "manifest unknown",
        "name unknown",
    ];
    let has = |list: &[&str]| list.iter().any(|n| text.contains(n));
    if has(PLATFORM) {
        Some(PullCause::Platform)
    } else if has(RATE) {
        Some(PullCause::RateLimited)
    } else if has(EITHER) {
        Some(PullCause::MissingOrPrivate)
    } else if has(REFUSED) {
        Some(PullCause::Refused)
    } else if has(DNS) {
        Some(PullCause::Unreachable { dns: true })
    } else if has(UNREACHABLE) {
        Some(PullCause::Unreachable { dns: false })
    } else if has(MISSING) {
        Some(PullCause::Missing)
    } else {
        None
    }
}

/// `cause` for `image`: a repository that does not exist or is private, when the image is in
/// Docker Hub's official-image namespace (no organisation: `controller:latest`,
/// `docker.io/library/nginx`), which has no private repositories, does not exist.
pub fn for_image(cause: PullCause, image: &str) -> PullCause {
    if cause == PullCause::MissingOrPrivate && is_official_image(image) {
        PullCause::NoSuchOfficialImage
    } else {
        cause
    }
}

/// An image of Docker Hub's official namespace: no registry host and no organisation
/// (`busybox`, `busybox:1.36`), or `library/…` on Docker Hub.
pub fn is_official_image(image: &str) -> bool {
    let rest = image
        .strip_prefix("docker.io/")
        .or_else(|| image.strip_prefix("index.docker.io/"))
        .or_else(|| image.strip_prefix("registry-1.docker.io/"))
        .unwrap_or(image);
    match rest.split_once('/') {
        None => registry_of(image) == "docker.io" && !rest.is_empty(),
        Some((first, _)) => first == "library",
    }
}

/// The registry an image reference pulls from: its first part when that names a host (has a
/// `.` or `:`, or is `localhost`), else Docker Hub.
pub fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first.to_string(),
        _ => "docker.io".to_string(),
    }
}

/// A few words on the cause, for the finding's message.
pub fn summary(cause: PullCause, image: &str) -> String {
    let registry = registry_of(image);
    match cause {
        PullCause::Platform => {
            "no build of the image for the node's platform (architecture)".into()
        }
        PullCause::RateLimited => format!("{registry} is rate-limiting pulls (429)"),
        PullCause::MissingOrPrivate => {
            "the repository does not exist, or it is private and the pull had no credentials".into()
        }
        PullCause::Refused => format!("{registry} refused the pull's credentials (unauthorized)"),
        PullCause::Unreachable { dns: true } => {
            format!("the node cannot reach {registry}: its name does not resolve on the node")
        }
        PullCause::Unreachable { dns: false } => format!("the node cannot reach {registry}"),
        PullCause::Missing => "the image or tag does not exist".into(),
        PullCause::NoSuchOfficialImage => format!(
            "no such repository: {image:?} names a Docker Hub official image (library/), and those are all public, so the repository does not exist"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_decide() {
        let cases: &[(&str, Option<PullCause>)] = &[
            (
                "failed to pull and unpack image \"docker.io/x/op:v2\": no match for platform in manifest: not found",
                Some(PullCause::Platform),
            ),
            (
                "unexpected status code https://registry-1.docker.io/v2/library/busybox/manifests/latest: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.",
                Some(PullCause::RateLimited),
            ),
            (
                "Error response from daemon: toomanyrequests: You have reached your pull rate limit.",
                Some(PullCause::RateLimited),
            ),
            (
                "pull access denied for praqma/jira, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
                Some(PullCause::MissingOrPrivate),
            ),
            (
                "rpc error: code = Unknown desc = reading manifest 2.11.9 in docker.io/vectorim/op: requested access to the resource is denied",
                Some(PullCause::MissingOrPrivate),
            ),
            (
                "failed with status code [manifests 1.0]: 401 Unauthorized",
                Some(PullCause::Refused),
            ),
            (
                "Error response from daemon: unauthorized: authentication required",
                Some(PullCause::Refused),
            ),
            (
                "Get http://nexus3:8083/v2/a/manifests/1: no basic auth credentials",
                Some(PullCause::Refused),
            ),
            (
                "dial tcp 34.226.69.105:443: i/o timeout",
                Some(PullCause::Unreachable { dns: false }),
            ),
            (
                "Head \"http://localhost:5000/v2/a/manifests/t\": dial tcp 127.0.0.1:5000: connect: connection refused",
                Some(PullCause::Unreachable { dns: false }),
            ),
            (
                "net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)",
                Some(PullCause::Unreachable { dns: false }),
            ),
            (
                "dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving",
                Some(PullCause::Unreachable { dns: true }),
            ),
            (
                "dial tcp: lookup regsitry.example.com: no such host",
                Some(PullCause::Unreachable { dns: true }),
            ),
            (
                "failed to resolve reference \"r.example/t/app:1.2\": r.example/t/app:1.2: not found",
                Some(PullCause::Missing),
            ),
            (
                "unexpected status from HEAD request to https://r.example/v2/t/app/manifests/1.2: 404 Not Found",
                Some(PullCause::Missing),
            ),
            (
                "failed to resolve reference \"r.example/t/app:401\": r.example/t/app:401: not found",
                Some(PullCause::Missing),
            ),
            ("Back-off pulling image \"busybox\"", None),
        ];
        for (text, want) in cases {
            assert_eq!(pull_cause(&text.to_lowercase()), *want, "{text}");
        }
    }

    #[test]
    fn an_official_image_is_never_private() {
        let denied = PullCause::MissingOrPrivate;
        let cases: &[(&str, PullCause)] = &[
            ("controller:latest", PullCause::NoSuchOfficialImage),
            ("headscale-api-key", PullCause::NoSuchOfficialImage),
            ("docker.io/library/nginx:1", PullCause::NoSuchOfficialImage),
            ("library/redis", PullCause::NoSuchOfficialImage),
            ("praqma/jira", denied),
            ("docker.io/vectorim/op:2.11.9", denied),
            ("r.example/app:1", denied),
            ("localhost:5000/app", denied),
            ("localhost/app", denied),
        ];
        for (image, want) in cases {
            assert_eq!(for_image(denied, image), *want, "{image}");
        }
        // Other causes are left as the words gave them.
        assert_eq!(
            for_image(PullCause::RateLimited, "busybox"),
            PullCause::RateLimited
        );
        assert_eq!(for_image(PullCause::Refused, "busybox"), PullCause::Refused);
    }

    #[test]
    fn registry_is_the_host_part() {
        assert_eq!(registry_of("busybox"), "docker.io");
        assert_eq!(registry_of("praqma/jira"), "docker.io");
        assert_eq!(registry_of("localhost:5000/api:t"), "localhost:5000");
        assert_eq!(
            registry_of("ugsampleacr.azurecr.io/app:v1"),
            "ugsampleacr.azurecr.io"
        );
        assert_eq!(registry_of("nexus3:8083/com.panov/ci-cd:1"), "nexus3:8083");
    }
}
