//! The pure part of `debug`: which container to target, what ephemeral container to add, and
//! whether the namespace's Pod Security level lets it in. Like kubectl's `generateDebugContainer`,
//! it works on values and returns what to send; the random name suffix is injected.

pub mod profile;

use k8s_openapi::api::core::v1::{EphemeralContainer, Pod};

use crate::diagnosis::timeline;
pub use profile::Profile;

/// What `debug` will do, computed before any write.
#[derive(Debug, Clone, PartialEq)]
pub struct DebugPlan {
    pub container: EphemeralContainer,
    pub target: String,
    /// Things the user should know (the target is not running, …), one line each.
    pub warnings: Vec<String>,
}

/// The inputs of a plan.
#[derive(Debug, Clone)]
pub struct DebugRequest<'a> {
    pub target: Option<&'a str>,
    pub image: &'a str,
    pub profile: Profile,
    pub name: Option<&'a str>,
    pub interactive: bool,
}

/// The alphabet kubectl's `utilrand.String` draws from (no vowels, no look-alikes).
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Five random characters from kubectl's alphabet.
pub fn random_suffix(mut next: impl FnMut(usize) -> usize) -> String {
    (0..5)
        .map(|_| ALPHABET[next(ALPHABET.len())] as char)
        .collect()
}

/// Every container name in the pod: init, app and ephemeral (names are unique across all three).
pub fn container_names(pod: &Pod) -> Vec<String> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone());
    let app = spec.containers.iter().map(|c| c.name.clone());
    let eph = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone());
    init.chain(app).chain(eph).collect()
}

/// `debugger-<5 chars>`, drawing again while the name is taken.
pub fn debugger_name(pod: &Pod, mut suffix: impl FnMut() -> String) -> String {
    let taken = container_names(pod);
    loop {
        let name = format!("debugger-{}", suffix());
        if !taken.contains(&name) {
            return name;
        }
    }
}

/// Plan the ephemeral container for `pod`. `suffix` makes the default name.
pub fn plan(
    pod: &Pod,
    request: &DebugRequest,
    suffix: impl FnMut() -> String,
) -> Result<DebugPlan, String> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("");
    if phase == "Succeeded" || phase == "Failed" {
        return Err(format!(
            "pod {pod_name:?} has phase {phase}: its containers no longer run, so an ephemeral container would never start; recreate the pod or debug a copy with `kubectl debug {pod_name} --copy-to=NAME`"
        ));
    }
    let rows = timeline::rows(pod);
    let mut warnings = Vec::new();
    let target = match request.target {
        Some(t) => {
            let spec = pod.spec.as_ref();
            let in_init = spec
                .and_then(|s| s.init_containers.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.name == t));
            let in_app = spec.is_some_and(|s| s.containers.iter().any(|c| c.name == t));
            if !in_init && !in_app {
                let names: Vec<String> = spec
                    .map(|s| {
                        s.init_containers
                            .iter()
                            .flatten()
                            .chain(s.containers.iter())
                            .map(|c| c.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                return Err(format!(
                    "container {t:?} not found in pod {pod_name:?}: --target takes one of {}",
                    names.join(", ")
                ));
            }
            t.to_string()
        }
        None => match timeline::blocking(pod, &rows) {
            Some(b) => b.name,
            None => {
                return Err(format!(
                    "pod {pod_name:?} has finished initialization, so no init container blocks it: pass --target CONTAINER"
                ));
            }
        },
    };
    if let Some(row) = rows.iter().find(|r| r.name == target)
        && row.state != timeline::InitState::Running
    {
        let state = row
            .reason
            .clone()
            .unwrap_or_else(|| format!("{:?}", row.state).to_lowercase());
        warnings.push(format!(
            "init container {target:?} is not running ({state}): the debug container starts, but has no process of it to look at until it runs again"
        ));
    }
    let name = match request.name {
        Some(n) => {
            if container_names(pod).iter().any(|c| c == n) {
                return Err(format!(
                    "a container named {n:?} already exists in pod {pod_name:?}: pick another --container name"
                ));
            }
            n.to_string()
        }
        None => debugger_name(pod, suffix),
    };
    let mut container = EphemeralContainer {
        name,
        image: Some(request.image.to_string()),
        image_pull_policy: Some("IfNotPresent".into()),
        target_container_name: Some(target.clone()),
        stdin: Some(request.interactive),
        tty: Some(request.interactive),
        termination_message_policy: Some("File".into()),
        ..Default::default()
    };
    request.profile.apply(&mut container);
    Ok(DebugPlan {
        container,
        target,
        warnings,
    })
}

/// Refuse early what the namespace's `pod-security.kubernetes.io/enforce` label would reject.
pub fn check_pod_security(enforce_level: Option<&str>, profile: Profile) -> Result<(), String> {
    match enforce_level {
        Some("restricted") if profile != Profile::Restricted => Err(format!(
            "the namespace enforces Pod Security \"restricted\", which rejects the {profile} profile: pass --profile=restricted"
        )),
        Some("baseline") if profile == Profile::Sysadmin || profile == Profile::Netadmin => {
            Err(format!(
                "the namespace enforces Pod Security \"baseline\", which rejects the {profile} profile: pass --profile=general or --profile=restricted"
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn blocked_pod() -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "myapp-pod", "namespace": "default"},
            "spec": {
                "initContainers": [
                    {"name": "init-myservice", "image": "busybox:1.28"},
                    {"name": "init-mydb", "image": "busybox:1.28"}
                ],
                "containers": [{"name": "myapp-container", "image": "busybox:1.28"}],
                "ephemeralContainers": [{"name": "debugger-bbbbb", "image": "busybox"}]
            },
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}},
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}}
            ]}
        }))
        .unwrap()
    }

    fn request(target: Option<&str>) -> DebugRequest<'_> {
        DebugRequest {
            target,
            image: "busybox:1.36",
            profile: Profile::General,
            name: None,
            interactive: true,
        }
    }

    #[test]
    fn defaults_to_the_blocked_init_container_and_avoids_taken_names() {
        let pod = blocked_pod();
        let mut draws = vec!["ccccc".to_string(), "bbbbb".to_string()];
        let plan = plan(&pod, &request(None), || draws.pop().unwrap_or_default()).unwrap();
        let expected: EphemeralContainer = serde_json::from_value(json!({
            "name": "debugger-ccccc",
            "image": "busybox:1.36",
            "imagePullPolicy": "IfNotPresent",
            "targetContainerName": "init-myservice",
            "stdin": true,
            "tty": true,
            "terminationMessagePolicy": "File",
            "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}}
        }))
        .unwrap();
        assert_eq!(plan.container, expected);
        assert_eq!(plan.target, "init-myservice");
        assert!(plan.warnings.is_empty());
    }

    #[test]
    fn a_target_that_is_not_running_is_warned_about() {
        let plan = plan(&blocked_pod(), &request(Some("init-mydb")), || {
            "zzzzz".into()
        })
        .unwrap();
        assert_eq!(plan.target, "init-mydb");
        assert_eq!(plan.warnings.len(), 1);
        assert!(
            plan.warnings[0].contains("PodInitializing"),
            "{:?}",
            plan.warnings
        );
    }

    #[test]
    fn unknown_target_lists_the_containers() {
        let err = plan(&blocked_pod(), &request(Some("nope")), || "zzzzz".into()).unwrap_err();
        assert_eq!(
            err,
            "container \"nope\" not found in pod \"myapp-pod\": --target takes one of init-myservice, init-mydb, myapp-container"
        );
    }

    #[test]
    fn finished_pods_are_refused() {
        let mut pod = blocked_pod();
        pod.status.as_mut().unwrap().phase = Some("Failed".into());
        assert!(
            plan(&pod, &request(None), || "zzzzz".into())
                .unwrap_err()
                .contains("phase Failed")
        );
    }

    #[test]
    fn suffix_uses_kubectls_alphabet() {
        let mut i = 0;
        let s = random_suffix(|n| {
            i += 1;
            (i * 7) % n
        });
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn restricted_namespaces_accept_only_the_restricted_profile() {
        assert!(check_pod_security(Some("restricted"), Profile::General).is_err());
        assert!(check_pod_security(Some("restricted"), Profile::Restricted).is_ok());
        assert!(check_pod_security(Some("baseline"), Profile::Sysadmin).is_err());
        assert!(check_pod_security(None, Profile::Sysadmin).is_ok());
    }
}
