//! `ImagePullFailed`: the blocker's image cannot be pulled.

use super::context::{Blocker, Context, event_line, finding, one_line};
use super::pull_cause::{PullCause, for_image, pull_cause, registry_of, summary};
use crate::diagnosis::evidence::{IMAGE_PULL_REASONS, Lookup};
use crate::finding::{Finding, Severity};

/// The blocker waits on `ErrImagePull`, `ImagePullBackOff`, `InvalidImageName`, …
pub fn check_image_pull_failed(cx: &Context) -> Option<Finding> {
    image_pull_failed(cx, cx.blocker.as_ref()?)
}

/// [`check_image_pull_failed`] about any container (`AppImagePullFailed`).
pub fn image_pull_failed(cx: &Context, blocker: &Blocker) -> Option<Finding> {
    let reason = blocker
        .waiting_reason()
        .filter(|r| IMAGE_PULL_REASONS.contains(r))?;
    let spec = blocker.spec?;
    let image = spec.image.clone().unwrap_or_default();
    let policy = spec
        .image_pull_policy
        .clone()
        .unwrap_or_else(|| default_pull_policy(&image).to_string());
    let mut f = finding(
        &blocker.code("ImagePullFailed"),
        Severity::Error,
        Some(blocker.name()),
        format!("cannot pull image {image:?} ({reason})"),
    );
    f.evidence
        .push(format!("image {image:?}, imagePullPolicy {policy}"));
    if let Some(message) = blocker.waiting_message() {
        f.evidence.push(format!("kubelet: {}", one_line(message)));
    }
    let events = cx.events(
        Some(blocker.name()),
        &[
            "Failed",
            "BackOff",
            "ErrImagePull",
            "InspectFailed",
            "ErrImageNeverPull",
        ],
    );
    let pull_events: Vec<_> = events
        .iter()
        .filter(|e| e.is_warning())
        .rev()
        .take(3)
        .collect();
    for e in pull_events.iter().rev() {
        f.evidence.push(event_line(e));
    }
    let declared: Vec<String> = cx
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.image_pull_secrets.as_ref())
        .map(|list| list.iter().map(|r| r.name.clone()).collect())
        .unwrap_or_default();
    let missing = pull_secret_evidence(cx, &declared, &mut f.evidence);

    let text = format!(
        "{} {}",
        blocker.waiting_message().unwrap_or_default(),
        events
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    )
    .to_lowercase();
    let field = blocker.field("image");
    let left_out = super::registry::registry_left_out(cx.pod, blocker.name(), &image);
    if let Some(registry) = left_out {
        f.evidence.push(format!(
            "the image of {} names no registry, so it is pulled from docker.io, while every other image of the pod comes from {registry}",
            blocker.noun()
        ));
    }
    f.hint = if reason == "InvalidImageName" {
        let what = super::reference::problem(&image);
        if let Some(what) = &what {
            f.message = format!("{}: not an image reference: {what}", f.message);
        }
        format!(
            "fix the image reference {image:?} in {field} ({})",
            what.unwrap_or_else(|| "REGISTRY/REPOSITORY:TAG or @sha256:DIGEST".into())
        )
    } else if reason == "ErrImageNeverPull" {
        "imagePullPolicy is Never and the image is not on the node: load it there, or set imagePullPolicy: IfNotPresent".into()
    } else if let Some(name) = missing.first() {
        format!(
            "create the missing pull secret: kubectl create secret docker-registry {name} -n {} --docker-server=REGISTRY --docker-username=USER --docker-password=PASSWORD",
            cx.namespace()
        )
    } else if let Some(registry) = left_out {
        format!(
            "{} pulls {image:?} from docker.io, the pod's other images come from {registry}: give it the registry too ({registry}/{image} in {field}; a template that prefixes the other images forgot this one)",
            blocker.noun()
        )
    } else if let Some(cause) = pull_cause(&text).map(|c| for_image(c, &image)) {
        f.message = format!("{}: {}", f.message, summary(cause, &image));
        cause_hint(cx, cause, &image, &field, &declared)
    } else {
        format!(
            "check that {image:?} exists and the node can reach its registry; for a private registry add an imagePullSecret to the pod or its ServiceAccount; details: kubectl describe pod {}",
            cx.pod_args()
        )
    };
    Some(f)
}

/// What to do about a pull that failed for `cause`, from the pull error's words.
fn cause_hint(
    cx: &Context,
    cause: PullCause,
    image: &str,
    field: &str,
    declared: &[String],
) -> String {
    let ns = cx.namespace();
    let registry = registry_of(image);
    let create = format!(
        "kubectl create secret docker-registry regcred -n {ns} --docker-server={registry} --docker-username=USER --docker-password=PASSWORD, then list it under imagePullSecrets (of the pod template or its ServiceAccount)"
    );
    let secrets = if declared.is_empty() {
        "the pod has no imagePullSecrets".to_string()
    } else {
        format!(
            "the pod's imagePullSecrets ({}) did not give valid credentials",
            declared.join(", ")
        )
    };
    match cause {
        PullCause::Platform => format!(
            "the image exists but has no build for the node's platform (OS/architecture): use a multi-arch tag or one built for the node's architecture (kubectl get node NODE -o jsonpath='{{.status.nodeInfo.architecture}}'), or schedule the pod on nodes of the image's architecture (nodeSelector kubernetes.io/arch); fix {field}"
        ),
        PullCause::RateLimited => format!(
            "{registry} is rate-limiting pulls (429 Too Many Requests): the image is fine; pull with credentials (an imagePullSecret raises the rate limit: {create}), use a mirror or a copy in your own registry, or wait for the limit to reset"
        ),
        PullCause::MissingOrPrivate => format!(
            "the registry refused the pull: the repository does not exist, or it is private and the pull had no credentials ({secrets}); check the name {image:?} in {field} (an image built only on your machine is not in any registry the node can pull from), and for a private repository give the pod credentials: {create}"
        ),
        PullCause::Refused => format!(
            "the registry refused the pull: it wants valid credentials and {secrets}; give the pod credentials for {registry}: {create}"
        ),
        PullCause::Unreachable { dns } => format!(
            "check that the node can reach its registry ({registry}): {} — the image is not at fault; check the node's network, proxy and DNS, or the runtime's mirror configuration (an air-gapped node needs the image preloaded or a mirror it can reach; localhost is the node itself)",
            if dns {
                "its name does not resolve on the node"
            } else {
                "the connection failed (refused or timed out)"
            }
        ),
        PullCause::Missing => format!(
            "the image or its tag does not exist where the kubelet looked: check {image:?} (registry, repository and tag) and fix {field}"
        ),
        PullCause::NoSuchOfficialImage => format!(
            "Docker Hub has no official image {image:?} (credentials cannot help: official images are public): fix the name in {field} — the image's organisation or registry is missing, or it is a placeholder (a kustomize base's, a name built only on your machine) never replaced by the real image"
        ),
    }
}

/// Evidence on the pod's `imagePullSecrets`; the names that are missing from the namespace.
fn pull_secret_evidence(
    cx: &Context,
    declared: &[String],
    evidence: &mut Vec<String>,
) -> Vec<String> {
    let ns = cx.namespace();
    match &cx.evidence.secret_names {
        Lookup::Found(names) => {
            if declared.is_empty() {
                evidence.push(
                    "imagePullSecrets: none on the pod (a private registry needs one)".into(),
                );
                return Vec::new();
            }
            let missing: Vec<String> = declared
                .iter()
                .filter(|d| !names.contains(d))
                .cloned()
                .collect();
            for name in declared {
                if missing.contains(name) {
                    evidence.push(format!(
                        "imagePullSecret {name:?} does not exist in namespace {ns}"
                    ));
                } else {
                    evidence.push(format!("imagePullSecret {name:?} exists in namespace {ns}"));
                }
            }
            missing
        }
        Lookup::Denied => {
            evidence.push(format!(
                "imagePullSecrets {}: could not check whether they exist (RBAC: cannot list secrets in namespace {ns})",
                names_or_none(declared)
            ));
            Vec::new()
        }
        Lookup::Failed(why) => {
            evidence.push(format!(
                "imagePullSecrets {}: could not check whether they exist ({why})",
                names_or_none(declared)
            ));
            Vec::new()
        }
        Lookup::NotChecked => {
            evidence.push(format!("imagePullSecrets {}", names_or_none(declared)));
            Vec::new()
        }
    }
}

fn names_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "(none on the pod)".into()
    } else {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The API server's default: `Always` for `:latest` or no tag (and no digest), else `IfNotPresent`.
pub fn default_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    fn pulling(reason: &str, secrets: serde_json::Value) -> crate::diagnosis::Evidence {
        let mut pod = pod(
            json!([{"name": "init-myservice", "image": "registry.example/private/tool:1.2"}]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init-myservice", "image": "registry.example/private/tool:1.2", "imageID": "",
                 "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": reason,
                    "message": "Back-off pulling image \"registry.example/private/tool:1.2\""}}}]}),
        );
        pod["spec"]["imagePullSecrets"] = secrets;
        with_events(
            evidence(pod),
            vec![event(
                Some("init-myservice"),
                "Warning",
                "Failed",
                "Failed to pull image \"registry.example/private/tool:1.2\": unauthorized: authentication required",
                4,
            )],
        )
    }

    #[test]
    fn names_image_policy_and_missing_secret() {
        let mut e = pulling("ImagePullBackOff", json!([{"name": "regcred"}]));
        e.secret_names = Lookup::Found(vec!["default-token".into()]);
        let f = only(&e, "ImagePullFailed");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.container.as_deref(), Some("init-myservice"));
        assert!(f.message.contains("ImagePullBackOff"));
        assert!(
            f.evidence.contains(
                &"image \"registry.example/private/tool:1.2\", imagePullPolicy IfNotPresent"
                    .to_string()
            )
        );
        assert!(
            f.evidence
                .iter()
                .any(|l| l.contains("Failed (x4, kubelet): Failed to pull image"))
        );
        assert!(
            f.evidence.contains(
                &"imagePullSecret \"regcred\" does not exist in namespace shop".to_string()
            )
        );
        assert!(
            f.hint
                .contains("kubectl create secret docker-registry regcred -n shop")
        );
    }

    #[test]
    fn rbac_refusal_is_evidence_not_failure() {
        let mut e = pulling("ErrImagePull", json!([{"name": "regcred"}]));
        e.secret_names = Lookup::Denied;
        let f = only(&e, "ImagePullFailed");
        assert!(
            f.evidence
                .iter()
                .any(|l| l.contains("could not check") && l.contains("RBAC"))
        );
        assert!(f.hint.contains("the registry refused the pull"));
    }

    /// The hint follows what the registry answered, as the kubelet writes it; a 401 or 404 in an
    /// image's tag is not an answer.
    #[test]
    fn hint_follows_the_registry_answer() {
        const REFUSED: &str = "the registry refused the pull";
        const MISSING: &str = "the image or its tag does not exist";
        const UNKNOWN: &str = "check that";
        let cases: &[(&str, &str, &str)] = &[
            (
                "containerd, token refused",
                "failed to pull and unpack image \"r.example/t/app:1.2\": failed to resolve reference \"r.example/t/app:1.2\": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://r.example/token?scope=repository%3At%2Fapp%3Apull: 401 Unauthorized",
                REFUSED,
            ),
            (
                "containerd, manifest forbidden",
                "failed to resolve reference \"r.example/t/app:1.2\": unexpected status from HEAD request to https://r.example/v2/t/app/manifests/1.2: 403 Forbidden",
                REFUSED,
            ),
            (
                "registry error code",
                "Error response from daemon: pull access denied for r.example/t/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
                REFUSED,
            ),
            (
                "containerd, no such tag",
                "failed to resolve reference \"r.example/t/app:1.2\": r.example/t/app:1.2: not found",
                MISSING,
            ),
            (
                "404 from the registry",
                "unexpected status from HEAD request to https://r.example/v2/t/app/manifests/1.2: 404 Not Found",
                MISSING,
            ),
            (
                "a tag that reads 401, the registry unreachable",
                "failed to pull and unpack image \"r.example/t/app:401\": failed to do request: Head \"https://r.example/v2/t/app/manifests/401\": dial tcp 127.0.0.1:443: connect: connection refused",
                UNKNOWN,
            ),
            (
                "a digest with 403 in it, not found",
                "failed to resolve reference \"r.example/t/app@sha256:403f0000\": r.example/t/app@sha256:403f0000: not found",
                MISSING,
            ),
        ];
        for (case, message, hint) in cases {
            let mut e = pulling("ErrImagePull", json!(null));
            e.events[0].message = Some(format!("Failed to pull image: {message}"));
            e.secret_names = Lookup::Found(Vec::new());
            let f = only(&e, "ImagePullFailed");
            assert!(f.hint.starts_with(hint), "{case}: {}", f.hint);
        }
    }

    #[test]
    fn invalid_name_and_default_policy() {
        let e = pulling("InvalidImageName", json!(null));
        assert!(
            only(&e, "ImagePullFailed")
                .hint
                .contains("spec.initContainers[0].image")
        );
        assert_eq!(default_pull_policy("busybox"), "Always");
        assert_eq!(default_pull_policy("busybox:latest"), "Always");
        assert_eq!(default_pull_policy("localhost:5000/busybox"), "Always");
        assert_eq!(
            default_pull_policy("localhost:5000/busybox:1.28"),
            "IfNotPresent"
        );
        assert_eq!(default_pull_policy("busybox@sha256:abc"), "IfNotPresent");
    }

    #[test]
    fn a_running_container_has_no_pull_finding() {
        let e = evidence(pod(
            json!([init("init-myservice", "sleep 1")]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false,
                 "restartCount": 0, "state": {"running": {}}}]}),
        ));
        assert!(!codes(&e).contains(&"ImagePullFailed".to_string()));
    }
}
