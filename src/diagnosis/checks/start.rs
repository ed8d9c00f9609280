//! Why the runtime could not start a container (its process never ran): the runtime's own
//! message, which the kubelet keeps as the waiting message (`RunContainerError`) and as the last
//! termination's (`StartError` with containerd, `ContainerCannotRun` with Docker; exit code 128,
//! which is then the runtime's, not the program's), or that an old runc left as the container's
//! log (`exec user process caused "permission denied"`). Each cause named from the pod:
//!
//! - `exec: "sh": executable file not found in $PATH` (or `stat …: no such file or directory`):
//!   the program is not in the image (or not in the volume mounted where it is looked for);
//! - `exec: "/scripts/run.sh": permission denied`: the file is not executable for the
//!   container's user — a file from a ConfigMap, Secret or projected volume has the volume's
//!   `defaultMode` (0644 unless set) or its item's `mode`;
//! - `error mounting "…/volumes/kubernetes.io~empty-dir/bin" to rootfs at "/opt/bin": … not a
//!   directory`: a volume is mounted where the image has a file (or the other way round).
//!
//! As seen on the real node (containerd 2.4, runc): `failed to create containerd task: failed to
//! create shim task: OCI runtime create failed: runc create failed: unable to start container
//! process: exec: "nosuchprog": executable file not found in $PATH`, the same with
//! `exec: "/scripts/run.sh": permission denied`, and `error during container init: error
//! mounting "<kubelet>/pods/<uid>/volumes/kubernetes.io~empty-dir/e" to rootfs at "/bin/busybox":
//! mount …: not a directory`.

use k8s_openapi::api::core::v1::{Container, Pod, Volume};

use super::context::{Blocker, one_line};
use super::permissions::lines_of;

/// Why the container did not start, for the crash findings.
pub struct StartFailure {
    /// What happened, as a message's clause.
    pub says: String,
    pub evidence: Vec<String>,
    pub hint: String,
}

/// The runtime's start failure of `b`, when its status or log holds one.
pub fn start_failure(pod: &Pod, b: &Blocker) -> Option<StartFailure> {
    let message = runtime_message(b)?;
    let spec = b.spec?;
    let image = spec.image.as_deref().unwrap_or("");
    let ran = b
        .status
        .and_then(|s| s.last_state.as_ref().or(s.state.as_ref()))
        .and_then(|s| s.terminated.as_ref())
        .is_some_and(|t| t.exit_code != 128);
    let mut evidence = vec![format!(
        "the runtime: {}{}",
        one_line(&message),
        if ran {
            ""
        } else {
            " (exit code 128 is the runtime's: the process never ran)"
        }
    )];
    if let Some(program) = quoted_exec(&message, "executable file not found")
        .or_else(|| quoted_exec(&message, "no such file or directory"))
    {
        let volume = mount_under(pod, spec, &program);
        let (says, hint) = match volume {
            Some((v, _)) => (
                format!("`{program}` is not in volume {} mounted there", v.name),
                format!(
                    "the command of {} runs `{program}`, which volume {} (mounted over that path) does not hold: put it there, or fix the command",
                    b.noun(),
                    v.name
                ),
            ),
            None => (
                format!("`{program}` is not in its image {image:?}"),
                format!(
                    "the command of {} runs `{program}`, which the image {image:?} does not have{}: use an image that has it, or call a program the image has",
                    b.noun(),
                    if matches!(program.as_str(), "sh" | "/bin/sh" | "bash" | "/bin/bash") {
                        " (a distroless or single-binary image has no shell)"
                    } else {
                        ""
                    }
                ),
            ),
        };
        evidence.push(format!("its command: {}", command_of(spec)));
        return Some(StartFailure {
            says: format!("the runtime cannot start it: {says}"),
            evidence,
            hint,
        });
    }
    if message.contains("permission denied") {
        let program = quoted_exec(&message, "permission denied")
            .or_else(|| first_word(spec))
            .unwrap_or_default();
        let (says, hint) = match mount_under(pod, spec, &program) {
            Some((v, key)) => {
                let mode = mode_of(v, key.as_deref());
                evidence.push(format!(
                    "{program} comes from volume {} ({}), whose files have mode {mode:04o}{}",
                    v.name,
                    kind_of(v),
                    if mode & 0o001 == 0 {
                        ": not executable for a user that neither owns it nor is in its group"
                    } else {
                        ""
                    }
                ));
                (
                    format!(
                        "`{program}` is not executable for its user: volume {} gives its files mode {mode:04o}",
                        v.name
                    ),
                    format!(
                        "{} runs {program}, which is not executable for its user: set defaultMode: 0755 (493 in JSON) on volume {} (or the item's mode), or run it through its interpreter (`sh {program}`)",
                        b.noun(),
                        v.name
                    ),
                )
            }
            None => (
                format!("`{program}` in the image {image:?} cannot be executed by its user"),
                format!(
                    "{} runs {program}: make it executable in the image (chmod +x when building it), or run it through its interpreter",
                    b.noun()
                ),
            ),
        };
        return Some(StartFailure {
            says: format!("the runtime cannot start it: {says}"),
            evidence,
            hint,
        });
    }
    if message.contains("not a directory") && message.contains("mounting") {
        // containerd: `to rootfs at "PATH"`; Docker: `to rootfs "DIR" at "DIR/PATH"`.
        let at = message
            .find("to rootfs")
            .and_then(|i| quoted_after(&message[i..], " at "))
            .unwrap_or_default();
        let path = mount_path_of(spec, &at).unwrap_or(at);
        let volume = spec
            .volume_mounts
            .iter()
            .flatten()
            .find(|m| m.mount_path.trim_end_matches('/') == path.trim_end_matches('/'))
            .map(|m| m.name.clone())
            .unwrap_or_else(|| "a volume".into());
        evidence.push(format!("volume {volume} is mounted at {path}"));
        return Some(StartFailure {
            says: format!(
                "the runtime cannot mount volume {volume} at {path}: the image {image:?} has a file there (not a directory)"
            ),
            evidence,
            hint: format!(
                "{} mounts {volume} at {path}, which the image {image:?} holds as a file: mount it elsewhere (a new image may have changed its layout: pin the image that worked, or move the mount)",
                b.noun()
            ),
        });
    }
    None
}

/// The runtime's message: the waiting message of `RunContainerError`/`StartError`, a
/// termination of reason `StartError`/`ContainerCannotRun`, or an old runc's line in the log.
fn runtime_message(b: &Blocker) -> Option<String> {
    let status = b.status?;
    if let Some(w) = status.state.as_ref().and_then(|s| s.waiting.as_ref())
        && matches!(
            w.reason.as_deref(),
            Some("RunContainerError" | "StartError")
        )
        && let Some(m) = w.message.as_deref().filter(|m| !m.is_empty())
    {
        return Some(m.to_string());
    }
    for t in [
        status.state.as_ref().and_then(|s| s.terminated.as_ref()),
        status
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref()),
    ]
    .into_iter()
    .flatten()
    {
        if matches!(
            t.reason.as_deref(),
            Some("StartError" | "ContainerCannotRun")
        ) && let Some(m) = t.message.as_deref().filter(|m| !m.is_empty())
        {
            return Some(m.to_string());
        }
    }
    lines_of(b)
        .into_iter()
        .find(|l| l.contains("exec user process caused"))
}

/// `exec: "PROG": … WHAT`: PROG (also `stat PROG: no such file or directory`).
fn quoted_exec(message: &str, what: &str) -> Option<String> {
    if !message.contains(what) {
        return None;
    }
    if let Some(p) = quoted_after(message, "exec: ") {
        return Some(p);
    }
    let stat = message.find("stat ")?;
    let rest = &message[stat + 5..];
    let end = rest.find(':')?;
    Some(rest[..end].trim().to_string()).filter(|p| !p.is_empty())
}

/// The text between the quotes after `marker` (`\"` unescaped).
fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let at = message.find(marker)? + marker.len();
    let rest = message[at..].trim_start_matches('\\');
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].trim_end_matches('\\').to_string()).filter(|p| !p.is_empty())
}

/// The container's mount path that the runtime's rootfs path ends with (Docker quotes the
/// path inside its own overlay directory: `…/merged/secrets-init/bin`).
fn mount_path_of(spec: &Container, at: &str) -> Option<String> {
    spec.volume_mounts
        .iter()
        .flatten()
        .map(|m| m.mount_path.trim_end_matches('/'))
        .filter(|p| !p.is_empty() && at.trim_end_matches('/').ends_with(p))
        .max_by_key(|p| p.len())
        .map(str::to_string)
}

fn command_of(spec: &Container) -> String {
    spec.command
        .iter()
        .chain(spec.args.iter())
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_word(spec: &Container) -> Option<String> {
    spec.command
        .as_ref()
        .or(spec.args.as_ref())
        .and_then(|c| c.first())
        .cloned()
}

/// The volume mounted over `path` in the container (the deepest mount), and the file's key in
/// it when the volume maps keys to files.
fn mount_under<'a>(
    pod: &'a Pod,
    spec: &Container,
    path: &str,
) -> Option<(&'a Volume, Option<String>)> {
    if !path.starts_with('/') {
        return None;
    }
    let mount = spec
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| {
            let p = m.mount_path.trim_end_matches('/');
            path == p || path.starts_with(&format!("{p}/"))
        })
        .max_by_key(|m| m.mount_path.len())?;
    let volume = pod
        .spec
        .as_ref()?
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == mount.name)?;
    let rest = path[mount.mount_path.trim_end_matches('/').len()..].trim_start_matches('/');
    let key = match mount.sub_path.as_deref().filter(|s| !s.is_empty()) {
        Some(sub) => Some(sub.to_string()),
        None => Some(rest.to_string()).filter(|k| !k.is_empty()),
    };
    Some((volume, key))
}

fn kind_of(v: &Volume) -> &'static str {
    if v.config_map.is_some() {
        "a ConfigMap"
    } else if v.secret.is_some() {
        "a Secret"
    } else if v.projected.is_some() {
        "a projected volume"
    } else {
        "a volume"
    }
}

/// The mode of `key`'s file in a ConfigMap, Secret or projected volume: its item's `mode`, else
/// the volume's `defaultMode`, else 0644; 0755 for other volumes (not set by Kubernetes).
fn mode_of(v: &Volume, key: Option<&str>) -> i32 {
    let item_mode = |items: Option<&Vec<k8s_openapi::api::core::v1::KeyToPath>>| {
        items
            .into_iter()
            .flatten()
            .find(|i| key.is_some_and(|k| i.path == k || i.key == k))
            .and_then(|i| i.mode)
    };
    if let Some(c) = &v.config_map {
        return item_mode(c.items.as_ref())
            .or(c.default_mode)
            .unwrap_or(0o644);
    }
    if let Some(s) = &v.secret {
        return item_mode(s.items.as_ref())
            .or(s.default_mode)
            .unwrap_or(0o644);
    }
    if let Some(p) = &v.projected {
        return p.default_mode.unwrap_or(0o644);
    }
    0o755
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use serde_json::{Value, json};

    /// A pod whose init container `setup` (`container`) failed to start with the runtime's
    /// `message` (containerd: `StartError`, 128), now in back-off; `volumes` for the pod.
    fn failed_to_start(container: Value, volumes: Value, message: &str) -> crate::finding::Finding {
        let mut p = pod(
            json!([container]),
            json!({"phase": "Pending", "initContainerStatuses": [{
                "name": "setup", "image": "x", "imageID": "", "ready": false, "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 128, "reason": "StartError", "message": message}}}]}),
        );
        p["spec"]["volumes"] = volumes;
        only(&evidence(p), "CrashLoop")
    }

    const TASK: &str = "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ";

    #[test]
    fn the_runtimes_reason_is_named_from_the_pod() {
        let scripts = json!([{"name": "scripts", "configMap": {"name": "scripts"}}]);
        let scripts_exec =
            json!([{"name": "scripts", "configMap": {"name": "scripts", "defaultMode": 420}}]);
        let bin = json!([{"name": "bin", "emptyDir": {}}]);
        // (case, container, volumes, the runtime's message after TASK, words the finding says)
        let cases: Vec<(&str, Value, Value, &str, &[&str])> = vec![
            (
                "no shell in the image",
                json!({"name": "setup", "image": "ghcr.io/jqlang/jq:1.7.1", "command": ["sh", "-c", "jq . /a"]}),
                json!([]),
                "exec: \"sh\": executable file not found in $PATH",
                &[
                    "`sh` is not in its image",
                    "ghcr.io/jqlang/jq:1.7.1",
                    "no shell",
                    "init container setup",
                ],
            ),
            (
                "a script from a ConfigMap with the default mode",
                json!({"name": "setup", "image": "busybox", "command": ["/scripts/run.sh"],
                       "volumeMounts": [{"name": "scripts", "mountPath": "/scripts"}]}),
                scripts,
                "exec: \"/scripts/run.sh\": permission denied",
                &["mode 0644", "defaultMode: 0755", "volume scripts"],
            ),
            (
                "defaultMode 420 written out",
                json!({"name": "setup", "image": "busybox", "command": ["/scripts/run.sh"],
                       "volumeMounts": [{"name": "scripts", "mountPath": "/scripts"}]}),
                scripts_exec,
                "exec: \"/scripts/run.sh\": permission denied",
                &["mode 0644"],
            ),
            (
                "a volume over a file of the image",
                json!({"name": "setup", "image": "busybox", "command": ["sh", "-c", "true"],
                       "volumeMounts": [{"name": "bin", "mountPath": "/bin/busybox"}]}),
                bin,
                "error during container init: error mounting \"/var/lib/kubelet/pods/u1/volumes/kubernetes.io~empty-dir/bin\" to rootfs at \"/bin/busybox\": mount /var/lib/kubelet/pods/u1/volumes/kubernetes.io~empty-dir/bin:/bin/busybox (via /proc/self/fd/6), flags: 0x5000: not a directory",
                &[
                    "volume bin at /bin/busybox",
                    "has a file there",
                    "mount it elsewhere",
                ],
            ),
        ];
        for (case, container, volumes, message, words) in cases {
            let f = failed_to_start(container, volumes, &format!("{TASK}{message}"));
            let text = format!("{} {} {}", f.message, f.hint, f.evidence.join(" "));
            for w in words {
                assert!(text.contains(w), "{case}: {w:?} not in {text}");
            }
            assert!(
                !text.contains("an invalid argument to exit"),
                "{case}: 128 is the runtime's here: {text}"
            );
        }
    }
}
