//! What a container runs when its spec gives no `command`: its image's ENTRYPOINT, followed by
//! `args`. A small table of images whose entrypoint is known, each with where it was read; an
//! image not listed is not guessed.

/// An image's entrypoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entrypoint {
    /// `ENTRYPOINT [argv…]`: `args` follow it.
    Argv(&'static [&'static str]),
    /// No ENTRYPOINT (only a `CMD`): `args` replace the CMD and are the command themselves.
    None,
    /// No ENTRYPOINT and a `CMD` running a known program: `args`, when given, replace it and are
    /// the command; without them the program runs (named here by the tool that reads it).
    Cmd(&'static [&'static str]),
    /// An entrypoint script that runs `args` as the command when their first word is one, and
    /// otherwise runs its program with them (curl's image: `set -- curl "$@"` when `$1` is an
    /// option or not a command on the PATH; see [`runs_itself`]).
    PassThrough(&'static [&'static str]),
}

/// Under a [`Entrypoint::PassThrough`] script: true when `first`, the first of `args`, is run as
/// the command. The script asks the shell whether `$1` is a command on the PATH; the reader takes
/// a path or a word that is neither an option nor a URL or `host:port` (which no PATH holds).
pub fn runs_itself(first: Option<&str>) -> bool {
    first.is_some_and(|w| {
        !w.is_empty() && !w.starts_with('-') && (w.starts_with('/') || !w.contains(':'))
    })
}

/// One known image: its repository (the path after the registry, without tag), its entrypoint,
/// and where that was read.
pub struct Known {
    pub repository: &'static str,
    pub entrypoint: Entrypoint,
    pub source: &'static str,
}

/// The images whose entrypoint is known.
pub const KNOWN: &[Known] = &[
    Known {
        repository: "bitnami/kubectl",
        entrypoint: Entrypoint::Argv(&["kubectl"]),
        source: "bitnami/containers bitnami/kubectl/1.33/debian-12/Dockerfile: ENTRYPOINT [ \"kubectl\" ]",
    },
    Known {
        repository: "rancher/kubectl",
        entrypoint: Entrypoint::Argv(&["kubectl"]),
        source: "rancher/kubectl package/Dockerfile: ENTRYPOINT [\"/bin/kubectl\"]",
    },
    Known {
        repository: "groundnuty/k8s-wait-for",
        entrypoint: Entrypoint::Argv(&["wait_for.sh"]),
        source: "groundnuty/k8s-wait-for Dockerfile: ENTRYPOINT [\"wait_for.sh\"]",
    },
    Known {
        repository: "airshipit/kubernetes-entrypoint",
        entrypoint: Entrypoint::Argv(&["kubernetes-entrypoint"]),
        source: "airshipit/kubernetes-entrypoint images/Dockerfile.ubuntu_*: ENTRYPOINT [ \"/usr/local/bin/kubernetes-entrypoint\" ]",
    },
    Known {
        repository: "stackanetes/kubernetes-entrypoint",
        entrypoint: Entrypoint::Argv(&["kubernetes-entrypoint"]),
        source: "the same program under its first repository (openstack-helm's dep_check image)",
    },
    Known {
        repository: "curlimages/curl",
        entrypoint: Entrypoint::PassThrough(&["curl"]),
        source: "curl/curl-container etc/entrypoint.sh: `if [ \"${1#-}\" != \"${1}\" ] || [ -z \"$(command -v \"${1}\")\" ]; then set -- curl \"$@\"; fi; exec \"$@\"`",
    },
    Known {
        repository: "rancher/curlimages-curl",
        entrypoint: Entrypoint::PassThrough(&["curl"]),
        source: "rancher/image-mirror regsync.yaml: curlimages/curl mirrored as rancher/curlimages-curl",
    },
    Known {
        repository: "element-hq/ess-helm/matrix-tools",
        entrypoint: Entrypoint::Argv(&["matrix-tools"]),
        source: "element-hq/ess-helm matrix-tools/Dockerfile: ENTRYPOINT [\"/matrix-tools\"]",
    },
    Known {
        repository: "onap/oom/readiness",
        entrypoint: Entrypoint::Argv(&["readiness"]),
        source: "onap/oom-readiness Dockerfile: ENTRYPOINT [\"./readiness\"] (the Go program of 7.0.x)",
    },
    Known {
        repository: "galaxyproject/galaxy-min",
        entrypoint: Entrypoint::Argv(&["tini", "--"]),
        source: "galaxyproject/galaxy .github/workflows/build_container_image.yaml builds it from .k8s_ci.Dockerfile: ENTRYPOINT [\"tini\", \"--\"] (tini runs its arguments)",
    },
    Known {
        repository: "kyverno/readiness-checker",
        entrypoint: Entrypoint::Argv(&["readiness-checker"]),
        source: "kyverno/kyverno .ko.yaml: id readiness-checker, main ./cmd/readiness-checker (ko makes the binary the image's entrypoint)",
    },
    Known {
        repository: "ylonkar/pod-dependency-init-container",
        entrypoint: Entrypoint::Cmd(&["pod-dependency-init-container"]),
        source: "yogeshlonkar/pod-dependency-init-container Dockerfile: CMD [\"npm\", \"start\"], no ENTRYPOINT; package.json: start is `node src/index.js`",
    },
    Known {
        repository: "alpine/k8s",
        entrypoint: Entrypoint::None,
        source: "alpine-docker/k8s Dockerfile: FROM alpine, no ENTRYPOINT (args run as the command)",
    },
    Known {
        repository: "busybox",
        entrypoint: Entrypoint::None,
        source: "the official busybox image: CMD [\"sh\"], no ENTRYPOINT",
    },
    Known {
        repository: "alpine",
        entrypoint: Entrypoint::None,
        source: "the official alpine image: CMD [\"/bin/sh\"], no ENTRYPOINT",
    },
];

/// The repository of an image reference: `docker.io/bitnami/kubectl:1.29@sha256:…` →
/// `bitnami/kubectl`; `busybox:1.36` → `busybox`; `library/busybox` → `busybox`.
pub fn repository(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = no_digest.split('/').collect();
    if parts.len() > 1 {
        let first = parts[0];
        if first.contains('.') || first.contains(':') || first == "localhost" {
            parts.remove(0);
        }
    }
    if parts.first() == Some(&"library") && parts.len() > 1 {
        parts.remove(0);
    }
    let path = parts.join("/");
    // A tag follows the last ':' of the last component.
    let (dir, last) = path
        .rsplit_once('/')
        .map_or(("", path.as_str()), |(d, l)| (d, l));
    let last = last.split(':').next().unwrap_or(last);
    let repo = if dir.is_empty() {
        last.to_string()
    } else {
        format!("{dir}/{last}")
    };
    repo.to_ascii_lowercase()
}

/// The entrypoint of `image` when it is known: an exact repository, or a namespaced one under a
/// registry's own path (`myregistry/groundnuty/k8s-wait-for`; an official image's name alone,
/// `alpine`, only as itself); any image named `k8s-wait-for` runs wait_for.sh.
pub fn entrypoint(image: &str) -> Option<&'static Known> {
    let repo = repository(image);
    KNOWN
        .iter()
        .find(|k| {
            repo == k.repository
                || (k.repository.contains('/') && repo.ends_with(&format!("/{}", k.repository)))
        })
        .or_else(|| {
            repo.rsplit('/')
                .next()
                .filter(|n| *n == "k8s-wait-for")
                .and_then(|_| {
                    KNOWN
                        .iter()
                        .find(|k| k.repository == "groundnuty/k8s-wait-for")
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_pass_through_entrypoint_runs() {
        // (first of args, run as the command)
        let cases: &[(Option<&str>, bool)] = &[
            (Some("/bin/sh"), true),
            (Some("sh"), true),
            (Some("-sSf"), false),
            (Some("http://web:8080/health"), false),
            (Some("web:8080"), false),
            (None, false),
        ];
        for (first, want) in cases {
            assert_eq!(runs_itself(*first), *want, "{first:?}");
        }
    }

    #[test]
    fn images_and_their_entrypoints() {
        let cases: &[(&str, Option<Entrypoint>)] = &[
            ("bitnami/kubectl:1.29", Some(Entrypoint::Argv(&["kubectl"]))),
            (
                "docker.io/bitnami/kubectl",
                Some(Entrypoint::Argv(&["kubectl"])),
            ),
            (
                "rancher/kubectl:v1.30.2",
                Some(Entrypoint::Argv(&["kubectl"])),
            ),
            ("alpine/k8s:1.30.2", Some(Entrypoint::None)),
            (
                "ghcr.io/groundnuty/k8s-wait-for:v2.0",
                Some(Entrypoint::Argv(&["wait_for.sh"])),
            ),
            (
                "acme.azurecr.io/groundnuty/k8s-wait-for:v1.3",
                Some(Entrypoint::Argv(&["wait_for.sh"])),
            ),
            (
                "registry.local:5000/tools/k8s-wait-for:no-root-v1.7",
                Some(Entrypoint::Argv(&["wait_for.sh"])),
            ),
            (
                "quay.io/airshipit/kubernetes-entrypoint:latest-ubuntu_noble",
                Some(Entrypoint::Argv(&["kubernetes-entrypoint"])),
            ),
            ("busybox:1.36", Some(Entrypoint::None)),
            (
                "rancher/curlimages-curl:7.73.0",
                Some(Entrypoint::PassThrough(&["curl"])),
            ),
            (
                "docker.io/curlimages/curl:8.13.0",
                Some(Entrypoint::PassThrough(&["curl"])),
            ),
            (
                "ghcr.io/element-hq/ess-helm/matrix-tools:0.8.1",
                Some(Entrypoint::Argv(&["matrix-tools"])),
            ),
            (
                "nexus3.onap.org:10001/onap/oom/readiness:7.0.1",
                Some(Entrypoint::Argv(&["readiness"])),
            ),
            ("docker.io/library/alpine:3.20", Some(Entrypoint::None)),
            // Not listed: never guessed.
            ("bitnami/os-shell:12", None),
            ("postgres:16", None),
            ("myorg/alpine", None),
        ];
        for (image, want) in cases {
            assert_eq!(entrypoint(image).map(|k| k.entrypoint), *want, "{image}");
        }
    }
}
