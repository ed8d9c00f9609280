//! The pure part of `debug`: which container to target, what ephemeral container to add, and
//! whether the namespace's Pod Security level lets it in. Like kubectl's `generateDebugContainer`,
//! it works on values and returns what to send; the random name suffix is injected.

pub mod check;
pub mod compare;
pub mod copy;
pub mod custom;
pub mod profile;
pub mod start;
pub mod written;

use k8s_openapi::api::core::v1::{EnvVar, EphemeralContainer, Pod};

use crate::diagnosis::timeline;
pub use profile::Profile;

/// What `debug` will do, computed before any write.
#[derive(Debug, Clone, PartialEq)]
pub struct DebugPlan {
    pub container: EphemeralContainer,
    pub target: String,
    /// Things the user should know (the target is not running, …), one line each.
    pub warnings: Vec<String>,
    /// The target's state when it is not running (`CrashLoopBackOff`): a container sharing its
    /// processes cannot start until it runs again.
    pub target_idle: Option<String>,
}

/// The inputs of a plan.
#[derive(Debug, Clone, Default)]
pub struct DebugRequest<'a> {
    pub target: Option<&'a str>,
    pub image: &'a str,
    pub profile: Profile,
    pub name: Option<&'a str>,
    /// `stdin` and `tty` of the container (a TTY cannot be added once it runs).
    pub stdin: bool,
    pub tty: bool,
    pub env: Vec<EnvVar>,
    /// `imagePullPolicy`; `None` leaves it to the server (as kubectl does).
    pub pull_policy: Option<&'a str>,
    /// The container's command; empty: the image's entrypoint.
    pub command: Vec<String>,
    /// A partial container spec merged last (`--custom`), already checked.
    pub custom: Option<serde_json::Value>,
    /// The name prefix when none is given (`debugger`, `initdoctor-check`).
    pub prefix: &'a str,
}

/// How a session uses the container's streams: decided once, from the flags, before the
/// container exists (its TTY is fixed at creation, and an attach must match it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub stdin: bool,
    pub tty: bool,
    pub attach: bool,
}

/// kubectl's `-i`, `-t` and `--attach`, with this tool's default: no flag and no command
/// means `-it` (a shell to look around in). `-t` needs `-i`; `--attach` defaults to `-i`.
pub fn session(
    stdin: bool,
    tty: bool,
    attach: Option<bool>,
    has_command: bool,
) -> Result<Session, String> {
    if tty && !stdin {
        return Err("-i/--stdin is required for containers with -t/--tty=true".into());
    }
    let (stdin, tty) = if !stdin && !tty && !has_command {
        (true, true)
    } else {
        (stdin, tty)
    };
    Ok(Session {
        stdin,
        tty,
        attach: attach.unwrap_or(stdin),
    })
}

/// The attach streams that match a container's spec, as the kubelet requires: the TTY comes
/// from the spec, and a TTY carries stderr on the same stream (asking for both is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachStreams {
    pub stdin: bool,
    pub tty: bool,
    pub stderr: bool,
    /// Put the local terminal in raw mode: only for a TTY session on a local terminal.
    pub raw: bool,
}

pub fn attach_streams(spec_stdin: bool, spec_tty: bool, local_terminal: bool) -> AttachStreams {
    AttachStreams {
        stdin: spec_stdin,
        tty: spec_tty,
        stderr: !spec_tty,
        raw: spec_tty && spec_stdin && local_terminal,
    }
}

/// A debug container of ours in `pod`, still running and sharing `target`'s processes, that a
/// new session can attach to instead of adding another: (name, started at).
pub fn reusable(pod: &Pod, target: &str) -> Vec<(String, String)> {
    let spec = pod.spec.as_ref();
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.ephemeral_container_statuses.as_deref())
        .unwrap_or(&[]);
    spec.and_then(|s| s.ephemeral_containers.as_deref())
        .unwrap_or(&[])
        .iter()
        .filter(|c| {
            c.name.starts_with("debugger-")
                && c.stdin == Some(true)
                && c.target_container_name.as_deref() == Some(target)
        })
        .filter_map(|c| {
            let status = statuses.iter().find(|s| s.name == c.name)?;
            let running = status.state.as_ref()?.running.as_ref()?;
            let since = running
                .started_at
                .as_ref()
                .map(|t| t.0.to_string())
                .unwrap_or_default();
            Some((c.name.clone(), since))
        })
        .collect()
}

/// The state of an ephemeral container in one word (`running`, `terminated (exit 0)`,
/// `waiting (ImagePullBackOff)`), or `None` before the node reports it.
pub fn ephemeral_state(pod: &Pod, name: &str) -> Option<String> {
    let status = pod
        .status
        .as_ref()?
        .ephemeral_container_statuses
        .as_ref()?
        .iter()
        .find(|s| s.name == name)?;
    let state = status.state.as_ref()?;
    if state.running.is_some() {
        Some("running".into())
    } else if let Some(t) = &state.terminated {
        Some(format!("terminated (exit {})", t.exit_code))
    } else {
        state
            .waiting
            .as_ref()
            .map(|w| format!("waiting ({})", w.reason.as_deref().unwrap_or("")))
    }
}

/// `NAME=VALUE` pairs of `--env`.
pub fn parse_env(pairs: &[String]) -> Result<Vec<EnvVar>, String> {
    pairs
        .iter()
        .map(|p| match p.split_once('=') {
            Some((name, value)) if !name.is_empty() => Ok(EnvVar {
                name: name.to_string(),
                value: Some(value.to_string()),
                value_from: None,
            }),
            _ => Err(format!("--env {p:?} is not NAME=VALUE")),
        })
        .collect()
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
pub fn debugger_name(pod: &Pod, suffix: impl FnMut() -> String) -> String {
    prefixed_name(pod, "debugger", suffix)
}

/// `<prefix>-<5 chars>` (`debugger` when the prefix is empty), drawing again while taken.
pub fn prefixed_name(pod: &Pod, prefix: &str, mut suffix: impl FnMut() -> String) -> String {
    let prefix = if prefix.is_empty() {
        "debugger"
    } else {
        prefix
    };
    let taken = container_names(pod);
    loop {
        let name = format!("{prefix}-{}", suffix());
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
            "pod {pod_name:?} has phase {phase}: its containers no longer run, so an ephemeral container would never start; debug a copy with `kubectl initdoctor debug {pod_name} --copy-to NAME`"
        ));
    }
    if pod.metadata.deletion_timestamp.is_some() {
        return Err(format!(
            "pod {pod_name:?} is being deleted (Terminating): the kubelet starts no new container in it, so an ephemeral container would never start; debug a copy with `kubectl initdoctor debug {pod_name} --copy-to NAME`"
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
    let mut target_idle = None;
    if let Some(row) = rows.iter().find(|r| r.name == target)
        && row.state != timeline::InitState::Running
    {
        let state = row
            .reason
            .clone()
            .unwrap_or_else(|| format!("{:?}", row.state).to_lowercase());
        warnings.push(format!(
            "init container {target:?} is not running ({state}): the node starts a debug container that shares its processes only while it runs"
        ));
        target_idle = Some(state);
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
        None => prefixed_name(pod, request.prefix, suffix),
    };
    let mut container = EphemeralContainer {
        name,
        image: Some(request.image.to_string()),
        image_pull_policy: request.pull_policy.map(str::to_string),
        target_container_name: Some(target.clone()),
        stdin: Some(request.stdin),
        tty: Some(request.tty),
        env: (!request.env.is_empty()).then(|| request.env.clone()),
        command: (!request.command.is_empty()).then(|| request.command.clone()),
        termination_message_policy: Some("File".into()),
        ..Default::default()
    };
    request.profile.apply(&mut container);
    if let Some(custom) = &request.custom {
        container = custom::apply(&container, custom)?;
    }
    Ok(DebugPlan {
        container,
        target,
        warnings,
        target_idle,
    })
}

/// Refuse early what the namespace's `pod-security.kubernetes.io/enforce` label would reject,
/// naming the label and a profile that passes.
pub fn check_pod_security(enforce_level: Option<&str>, profile: Profile) -> Result<(), String> {
    if profile::admitted(enforce_level, profile) {
        return Ok(());
    }
    let level = enforce_level.unwrap_or("privileged");
    let passing = [Profile::Baseline, Profile::Restricted]
        .into_iter()
        .filter(|p| profile::admitted(enforce_level, *p))
        .map(|p| format!("--profile={p}"))
        .collect::<Vec<_>>()
        .join(" or ");
    Err(format!(
        "the namespace's {} label enforces Pod Security {level:?}, which rejects the {profile} profile: pass {passing} (or --profile=auto)",
        profile::ENFORCE_LABEL
    ))
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
            image: "busybox:1.35",
            profile: Profile::General,
            stdin: true,
            tty: true,
            ..Default::default()
        }
    }

    #[test]
    fn defaults_to_the_blocked_init_container_and_avoids_taken_names() {
        let pod = blocked_pod();
        let mut draws = vec!["ccccc".to_string(), "bbbbb".to_string()];
        let plan = plan(&pod, &request(None), || draws.pop().unwrap_or_default()).unwrap();
        let expected: EphemeralContainer = serde_json::from_value(json!({
            "name": "debugger-ccccc",
            "image": "busybox:1.35",
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
    fn pod_security_refusals_name_the_label_and_a_passing_profile() {
        assert_eq!(
            check_pod_security(Some("baseline"), Profile::General).unwrap_err(),
            "the namespace's pod-security.kubernetes.io/enforce label enforces Pod Security \"baseline\", which rejects the general profile: pass --profile=baseline or --profile=restricted (or --profile=auto)"
        );
        assert!(
            check_pod_security(Some("restricted"), Profile::Baseline)
                .unwrap_err()
                .contains("pass --profile=restricted (or")
        );
        assert!(check_pod_security(Some("restricted"), Profile::Restricted).is_ok());
        assert!(check_pod_security(None, Profile::Sysadmin).is_ok());
    }

    #[test]
    fn sessions_follow_kubectls_flags() {
        // (stdin, tty, attach, has command) -> (stdin, tty, attach)
        let cases = [
            ((false, false, None, false), (true, true, true)),
            ((false, false, Some(false), false), (true, true, false)),
            ((true, false, None, false), (true, false, true)),
            ((true, true, None, true), (true, true, true)),
            ((false, false, None, true), (false, false, false)),
            ((false, false, Some(true), true), (false, false, true)),
        ];
        for ((i, t, a, c), (stdin, tty, attach)) in cases {
            assert_eq!(
                session(i, t, a, c),
                Ok(Session { stdin, tty, attach }),
                "{i} {t} {a:?} {c}"
            );
        }
        assert_eq!(
            session(false, true, None, false).unwrap_err(),
            "-i/--stdin is required for containers with -t/--tty=true"
        );
    }

    #[test]
    fn attach_matches_the_container_spec() {
        // A TTY container: no separate stderr, whether or not stdin is a terminal here.
        let piped = attach_streams(true, true, false);
        assert_eq!(
            piped,
            AttachStreams {
                stdin: true,
                tty: true,
                stderr: false,
                raw: false
            }
        );
        assert!(attach_streams(true, true, true).raw);
        let plain = attach_streams(true, false, true);
        assert!(!plain.tty && plain.stderr && !plain.raw);
    }

    #[test]
    fn running_debuggers_on_the_target_are_offered_for_reuse() {
        let mut pod = blocked_pod();
        pod.spec.as_mut().unwrap().ephemeral_containers = Some(
            serde_json::from_value(json!([
                {"name": "debugger-bbbbb", "image": "busybox", "stdin": true, "targetContainerName": "init-myservice"},
                {"name": "debugger-ccccc", "image": "busybox", "stdin": true, "targetContainerName": "init-myservice"},
                {"name": "debugger-ddddd", "image": "busybox", "stdin": true, "targetContainerName": "init-mydb"},
                {"name": "mine", "image": "busybox", "stdin": true, "targetContainerName": "init-myservice"}
            ]))
            .unwrap(),
        );
        let status = |name: &str, state: serde_json::Value| json!({"name": name, "image": "busybox", "imageID": "", "ready": false, "restartCount": 0, "state": state});
        pod.status.as_mut().unwrap().ephemeral_container_statuses = Some(
            serde_json::from_value(json!([
                status("debugger-bbbbb", json!({"terminated": {"exitCode": 0}})),
                status(
                    "debugger-ccccc",
                    json!({"running": {"startedAt": "2026-01-01T00:00:00Z"}})
                ),
                status(
                    "debugger-ddddd",
                    json!({"running": {"startedAt": "2026-01-01T00:00:00Z"}})
                ),
                status(
                    "mine",
                    json!({"running": {"startedAt": "2026-01-01T00:00:00Z"}})
                )
            ]))
            .unwrap(),
        );
        let found = reusable(&pod, "init-myservice");
        assert_eq!(
            found,
            vec![(
                "debugger-ccccc".to_string(),
                "2026-01-01T00:00:00Z".to_string()
            )]
        );
        assert_eq!(
            ephemeral_state(&pod, "debugger-bbbbb").as_deref(),
            Some("terminated (exit 0)")
        );
        assert_eq!(ephemeral_state(&pod, "nope"), None);
    }

    #[test]
    fn env_pairs_parse_like_kubectl() {
        let env = parse_env(&["A=1".into(), "B=x=y".into(), "C=".into()]).unwrap();
        let pairs: Vec<(String, String)> = env
            .into_iter()
            .map(|e| (e.name, e.value.unwrap()))
            .collect();
        assert_eq!(
            pairs,
            [("A", "1"), ("B", "x=y"), ("C", "")].map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert!(parse_env(&["nope".into()]).is_err());
        assert!(parse_env(&["=x".into()]).is_err());
    }
}
