//! `InitPermissionDenied`: the blocking init container fails on a permission its security
//! context does not give — the log says `Operation not permitted`, `Permission denied`,
//! `Read-only file system` or `must be root`, and the spec says why: it runs as a non-root user
//! (chown, chmod, mkdir on a volume), drops a capability the tool needs (iptables: NET_ADMIN and
//! NET_RAW; chown: CHOWN), is not privileged (sysctl -w), or writes to a ConfigMap/Secret mount,
//! which is always read-only. A chown or chmod refused on a volume while the spec gives what it
//! needs (root or the image's user, CHOWN/FOWNER not dropped) is the volume's storage (NFS root
//! squash, CephFS) or the image's user: said so, with the volume. Nothing else is said when the
//! spec gives what the tool needs (a security module refused it: the crash finding shows the
//! log).
//!
//! `InitSettingIgnored`: an init container set a kernel setting with `sysctl -w`, completed, and
//! the app then fails on that very setting (`vm.max_map_count … too low`): busybox's and procps'
//! sysctl print a refused write and still exit 0.

use k8s_openapi::api::core::v1::{Container, SecurityContext};

use super::context::{Blocker, Context, finding};
use crate::finding::{Finding, Severity};

/// The log lines (previous run, current run, the kubelet's termination message) of a container.
pub fn lines_of(b: &Blocker) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    if let Some(logs) = b.logs {
        lines.extend(logs.previous.iter().cloned());
        lines.extend(logs.current.iter().cloned());
    }
    let status = b.status;
    for t in [
        status.and_then(|s| s.last_state.as_ref()?.terminated.as_ref()),
        status.and_then(|s| s.state.as_ref()?.terminated.as_ref()),
    ]
    .into_iter()
    .flatten()
    {
        lines.extend(t.message.iter().flat_map(|m| m.lines().map(str::to_string)));
    }
    lines
}

const DENIED: &[&str] = &[
    "operation not permitted",
    "permission denied",
    "read-only file system",
    "must be root",
];

/// What the failing tool needs, by the word its log line or command starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Chown,
    Chmod,
    Sysctl,
    Iptables,
    Write,
}

fn tool_of(line: &str, command: &str) -> Tool {
    let l = line.to_ascii_lowercase();
    let c = command.to_ascii_lowercase();
    if l.contains("iptables") {
        Tool::Iptables
    } else if l.contains("sysctl") {
        Tool::Sysctl
    } else if l.contains("chown") || l.contains("changing ownership") {
        Tool::Chown
    } else if l.contains("chmod") {
        Tool::Chmod
    } else if c.contains("iptables") {
        Tool::Iptables
    } else if c.contains("sysctl") {
        Tool::Sysctl
    } else {
        Tool::Write
    }
}

/// The effective user: the container's `runAsUser`, else the pod's (None: the image's).
fn run_as_user(cx: &Context, c: &Container) -> Option<(i64, String)> {
    if let Some(u) = c.security_context.as_ref().and_then(|s| s.run_as_user) {
        return Some((u, "securityContext.runAsUser".into()));
    }
    let pod = cx.pod.spec.as_ref()?.security_context.as_ref()?;
    pod.run_as_user
        .map(|u| (u, "the pod's securityContext.runAsUser".into()))
}

fn caps(sc: Option<&SecurityContext>, add: bool) -> Vec<String> {
    sc.and_then(|s| s.capabilities.as_ref())
        .and_then(|c| if add { c.add.clone() } else { c.drop.clone() })
        .unwrap_or_default()
        .iter()
        .map(|c| c.trim_start_matches("CAP_").to_ascii_uppercase())
        .collect()
}

/// The mount a log line's path is under, when it is a ConfigMap, Secret, projected or
/// downward-API volume (always read-only).
fn read_only_mount(cx: &Context, c: &Container, line: &str) -> Option<(String, String)> {
    let volumes = cx.pod.spec.as_ref()?.volumes.as_ref()?;
    for m in c.volume_mounts.iter().flatten() {
        if !line.contains(&m.mount_path) {
            continue;
        }
        let v = volumes.iter().find(|v| v.name == m.name)?;
        let kind = if v.config_map.is_some() {
            "ConfigMap"
        } else if v.secret.is_some() {
            "Secret"
        } else if v.projected.is_some() {
            "projected"
        } else if v.downward_api.is_some() {
            "downwardAPI"
        } else {
            continue;
        };
        return Some((
            m.mount_path.clone(),
            format!("a {kind} volume ({:?})", v.name),
        ));
    }
    None
}

pub fn check_init_permission_denied(cx: &Context) -> Option<Finding> {
    let b = cx.blocker.as_ref()?;
    let spec = b.spec?;
    let lines = lines_of(b);
    let line = lines.iter().rev().find(|l| {
        let l = l.to_ascii_lowercase();
        DENIED.iter().any(|d| l.contains(d))
    })?;
    let command = spec
        .command
        .iter()
        .chain(spec.args.iter())
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let tool = tool_of(line, &command);
    let sc = spec.security_context.as_ref();
    let user = run_as_user(cx, spec);
    let privileged = sc.and_then(|s| s.privileged) == Some(true);
    let dropped = caps(sc, false);
    let added = caps(sc, true);
    let field = |rest: &str| b.field(&format!("securityContext.{rest}"));
    let (why, hint) = if let Some((path, what)) = read_only_mount(cx, spec, line) {
        (
            format!(
                "{path} is {what}, which the kubelet mounts read-only: nothing can chown, chmod or write there"
            ),
            format!(
                "do not change files under {path}: point the init container at the data volume, or copy the files to an emptyDir first (ConfigMap/Secret modes are set with defaultMode)"
            ),
        )
    } else if tool == Tool::Sysctl && !privileged {
        (
            format!(
                "sysctl -w needs a privileged container and {} does not set privileged: true (/proc/sys is read-only otherwise)",
                b.field("securityContext")
            ),
            format!(
                "set {}: true (and runAsUser: 0) on this init container, or set the value on the nodes; namespaced sysctls go in the pod's securityContext.sysctls instead",
                field("privileged")
            ),
        )
    } else if tool == Tool::Iptables
        && let Some(missing) = ["NET_ADMIN", "NET_RAW"].iter().find(|cap| {
            !privileged
                && !added.iter().any(|a| a == **cap)
                && (dropped.iter().any(|d| d == "ALL" || d == **cap))
        })
    {
        (
            format!(
                "iptables needs NET_ADMIN and NET_RAW, and {} drops {} ({}) without adding {missing} back",
                b.name(),
                dropped.join(", "),
                field("capabilities.drop")
            ),
            format!(
                "add {missing} to {} (or stop dropping it for this container)",
                field("capabilities.add")
            ),
        )
    } else if let Some((uid, from)) = user.clone().filter(|(u, _)| *u != 0)
        && matches!(
            tool,
            Tool::Chown | Tool::Chmod | Tool::Write | Tool::Sysctl | Tool::Iptables
        )
    {
        let verb = match tool {
            Tool::Chown => "chown needs root (or CAP_CHOWN)",
            Tool::Chmod => "chmod of files it does not own needs root (or CAP_FOWNER)",
            Tool::Sysctl => "sysctl -w needs root and privileged",
            Tool::Iptables => "iptables needs root with NET_ADMIN and NET_RAW",
            Tool::Write => "it cannot write where the volume's owner is another user",
        };
        (
            format!("it runs as user {uid} ({from}), and {verb}"),
            format!(
                "run this init container as root: set {}: 0 (a pod that requires runAsNonRoot needs an exception for it); or drop the init container and let the kubelet set the volume's group: the pod's securityContext.fsGroup",
                field("runAsUser")
            ),
        )
    } else if tool == Tool::Chown
        && !privileged
        && dropped.iter().any(|d| d == "ALL" || d == "CHOWN")
        && !added.iter().any(|a| a == "CHOWN")
    {
        (
            format!(
                "chown needs CAP_CHOWN and {} drops {}",
                b.name(),
                dropped.join(", ")
            ),
            format!(
                "add CHOWN (and FOWNER for chmod) to {}",
                field("capabilities.add")
            ),
        )
    } else if let Some(why) = storage_refuses(cx, spec, line, tool, user.as_ref(), privileged) {
        let mut f = finding("InitPermissionDenied", Severity::Error, Some(b.name()), why);
        f.evidence.push(format!("log: {}", line.trim()));
        f.hint = "set the owner on the storage itself (an NFS export without root squash, or the directory created with the owner the app needs), or drop this chown and let the kubelet set the volume's group with the pod's securityContext.fsGroup where the volume's driver supports it; if the image's own user is not root, it cannot change owners either".into();
        return Some(f);
    } else {
        return None;
    };
    let mut f = finding(
        "InitPermissionDenied",
        Severity::Error,
        Some(b.name()),
        format!("fails on a permission its security context does not give: {why}"),
    );
    f.evidence.push(format!("log: {}", line.trim()));
    f.hint = hint;
    Some(f)
}

/// Why a chown (or chmod) that the spec allows is refused: the log line's path is on a volume
/// (named, with its kind) whose storage refuses a change of owner — NFS with root squash,
/// CephFS, SMB. Only when nothing in the spec explains it: root or the image's user (no user
/// set), CHOWN and FOWNER not dropped, not a read-only mount.
fn storage_refuses(
    cx: &Context,
    c: &Container,
    line: &str,
    tool: Tool,
    user: Option<&(i64, String)>,
    privileged: bool,
) -> Option<String> {
    if !matches!(tool, Tool::Chown | Tool::Chmod) || user.is_some_and(|(u, _)| *u != 0) {
        return None;
    }
    let dropped = caps(c.security_context.as_ref(), false);
    let needed = if tool == Tool::Chown {
        "CHOWN"
    } else {
        "FOWNER"
    };
    if !privileged && dropped.iter().any(|d| d == "ALL" || d == needed) {
        return None;
    }
    let volumes = cx.pod.spec.as_ref()?.volumes.as_deref().unwrap_or(&[]);
    let (path, volume) = c
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| line.contains(&m.mount_path))
        .max_by_key(|m| m.mount_path.len())
        .and_then(|m| {
            Some((
                m.mount_path.clone(),
                volumes.iter().find(|v| v.name == m.name)?,
            ))
        })?;
    let kind = if let Some(claim) = &volume.persistent_volume_claim {
        format!("the claim {}", claim.claim_name)
    } else if volume.nfs.is_some() {
        "an NFS volume".into()
    } else if volume.host_path.is_some() {
        "a hostPath volume".into()
    } else if volume.empty_dir.is_some() {
        "an emptyDir".into()
    } else {
        "a volume".into()
    };
    let who = match user {
        Some(_) => "it runs as root",
        None => "no user is set (the image's own user runs it)",
    };
    let verb = if tool == Tool::Chown {
        "chown"
    } else {
        "chmod"
    };
    Some(format!(
        "{verb} is refused on {path}, the volume {:?} ({kind}), while the security context gives it what it needs ({who}, {needed} is not dropped): the volume's storage refuses the change (NFS with root squash, CephFS and SMB volumes do), or the image's user is not root",
        volume.name
    ))
}

/// A kernel setting named in an app's log that an init container set with `sysctl -w`.
pub fn check_init_setting_ignored(cx: &Context) -> Option<Finding> {
    let spec = cx.pod.spec.as_ref()?;
    for init in spec.init_containers.iter().flatten() {
        let command = init
            .command
            .iter()
            .chain(init.args.iter())
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let Some(at) = command.find("sysctl -w ") else {
            continue;
        };
        let key = command[at + "sysctl -w ".len()..]
            .split(['=', ' '])
            .next()
            .unwrap_or("")
            .to_string();
        if key.is_empty() {
            continue;
        }
        for app in &cx.apps {
            if app.row.restarts == 0 {
                continue;
            }
            let lines = lines_of(app);
            let Some(line) = lines.iter().rev().find(|l| l.contains(&key)) else {
                continue;
            };
            let user = run_as_user(cx, init).map(|(u, _)| u);
            let privileged =
                init.security_context.as_ref().and_then(|s| s.privileged) == Some(true);
            let mut f = finding(
                "InitSettingIgnored",
                Severity::Error,
                Some(app.name()),
                format!(
                    "fails on {key}, which init container {} sets with sysctl -w: the setting did not take (sysctl reports a refused write and still exits 0)",
                    init.name
                ),
            );
            f.evidence
                .push(format!("{} runs: {}", init.name, command.trim()));
            f.evidence
                .push(format!("log of {}: {}", app.name(), line.trim()));
            f.evidence.push(format!(
                "{}: privileged {}, runAsUser {}",
                init.name,
                privileged,
                user.map_or_else(|| "unset (the image's user)".to_string(), |u| u.to_string())
            ));
            f.hint = format!(
                "run {} privileged and as root: securityContext {{privileged: true, runAsUser: 0}} (an image that runs as non-root ignores privileged for sysctl); or set {key} on the nodes",
                init.name
            );
            return Some(f);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use serde_json::{Value, json};

    /// A pod whose only init container crash-loops with `log` as its previous log.
    fn denied(
        container: Value,
        pod_security: Value,
        volumes: Value,
        log: &str,
    ) -> Vec<crate::finding::Finding> {
        let mut p = pod(
            json!([container]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init", "image": "busybox", "imageID": "", "ready": false, "restartCount": 3,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}),
        );
        p["spec"]["securityContext"] = pod_security;
        p["spec"]["volumes"] = volumes;
        findings(&with_logs(evidence(p), "init", "", log))
    }

    /// case, container, pod securityContext, volumes, log, what the finding says (None: none).
    type Case<'a> = (&'a str, Value, Value, Value, &'a str, Option<&'a [&'a str]>);

    #[test]
    fn names_the_field_and_the_capability_or_says_nothing() {
        let data = json!([{"name": "data", "emptyDir": {}}]);
        let cm = json!([{"name": "cfg", "configMap": {"name": "c"}}]);
        let mount = |path: &str, vol: &str| json!([{"name": vol, "mountPath": path}]);
        // (case, container, pod securityContext, volumes, log, says (None: no finding))
        let cases: Vec<Case> = vec![
            (
                "non-root chown",
                json!({"name": "init", "image": "busybox", "command": ["sh", "-c", "chown -R 1001 /d"], "securityContext": {"runAsUser": 1001}, "volumeMounts": mount("/d", "data")}),
                json!(null),
                data.clone(),
                "chown: changing ownership of '/d': Permission denied",
                Some(&[
                    "runs as user 1001",
                    "spec.initContainers[0].securityContext.runAsUser: 0",
                    "fsGroup",
                ]),
            ),
            (
                "the pod's user",
                json!({"name": "init", "image": "busybox", "command": ["chown", "100", "/d"], "volumeMounts": mount("/d", "data")}),
                json!({"runAsUser": 100}),
                data.clone(),
                "chown: /d: Operation not permitted",
                Some(&["the pod's securityContext.runAsUser"]),
            ),
            (
                "configmap mount",
                json!({"name": "init", "image": "busybox", "command": ["chown", "-R", "1:1", "/cfg"], "volumeMounts": mount("/cfg", "cfg")}),
                json!(null),
                cm,
                "chown: /cfg/a: Read-only file system",
                Some(&["ConfigMap volume", "read-only"]),
            ),
            (
                "sysctl unprivileged",
                json!({"name": "init", "image": "busybox", "command": ["sysctl", "-w", "vm.max_map_count=262144"]}),
                json!(null),
                json!(null),
                "sysctl: error setting key 'vm.max_map_count': Read-only file system",
                Some(&["privileged: true"]),
            ),
            (
                "iptables without NET_RAW",
                json!({"name": "init", "image": "proxy-init", "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}, "runAsUser": 0}}),
                json!(null),
                json!(null),
                "iptables v1.6.0: can't initialize iptables table `nat': Permission denied (you must be root)",
                Some(&["add NET_RAW", "capabilities.add"]),
            ),
            (
                "iptables with both: SELinux, not the spec",
                json!({"name": "init", "image": "proxy-init", "securityContext": {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}, "runAsUser": 0}}),
                json!(null),
                json!(null),
                "iptables-save v1.8.7 (legacy): Cannot initialize: Permission denied",
                None,
            ),
            (
                "the image's user on a root-squashed share: the storage, with the volume",
                json!({"name": "init", "image": "busybox", "command": ["chown", "-R", "1001", "/d"], "volumeMounts": mount("/d", "data")}),
                json!(null),
                data.clone(),
                "chown: /d/x: Operation not permitted",
                Some(&[
                    "the volume \"data\" (an emptyDir)",
                    "no user is set",
                    "root squash",
                    "fsGroup",
                ]),
            ),
            (
                "root on an NFS volume",
                json!({"name": "init", "image": "busybox", "command": ["chown", "-R", "1001", "/d"], "securityContext": {"runAsUser": 0}, "volumeMounts": mount("/d", "share")}),
                json!(null),
                json!([{"name": "share", "nfs": {"server": "nas", "path": "/x"}}]),
                "chown: changing ownership of '/d': Operation not permitted",
                Some(&["an NFS volume", "it runs as root"]),
            ),
            (
                "a root chown on no volume: nothing to say",
                json!({"name": "init", "image": "busybox", "command": ["chown", "1001", "/etc/x"], "volumeMounts": mount("/d", "data")}),
                json!(null),
                data.clone(),
                "chown: /etc/x: Operation not permitted",
                None,
            ),
            (
                "no permission error",
                json!({"name": "init", "image": "busybox", "command": ["false"], "securityContext": {"runAsUser": 1001}}),
                json!(null),
                json!(null),
                "connection refused",
                None,
            ),
        ];
        for (case, container, sc, volumes, log, says) in cases {
            let all = denied(container, sc, volumes, log);
            let found = all.iter().find(|f| f.code == "InitPermissionDenied");
            match (says, found) {
                (None, None) => {}
                (None, Some(f)) => panic!("{case}: unexpected {f:?}"),
                (Some(_), None) => panic!("{case}: no InitPermissionDenied in {all:?}"),
                (Some(words), Some(f)) => {
                    let text = format!("{} {}", f.message, f.hint);
                    for w in words {
                        assert!(text.contains(w), "{case}: {w:?} not in {text}");
                    }
                    assert!(f.evidence.iter().any(|l| l.contains(log)), "{case}");
                }
            }
        }
    }

    #[test]
    fn a_sysctl_that_did_not_take_is_named_where_the_app_fails() {
        let mut p = pod(
            json!([{"name": "sysctl", "image": "es:8", "command": ["sh", "-c", "sysctl -w vm.max_map_count=262144"], "securityContext": {"privileged": true}}]),
            json!({"phase": "Running", "initContainerStatuses": [
                    {"name": "sysctl", "image": "es:8", "imageID": "", "ready": true, "restartCount": 0,
                     "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
                   "containerStatuses": [
                    {"name": "myapp-container", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 4,
                     "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                     "lastState": {"terminated": {"exitCode": 78, "reason": "Error"}}}]}),
        );
        p["status"]["conditions"] = json!([{"type": "Initialized", "status": "True"}]);
        let e = with_logs(
            evidence(p),
            "myapp-container",
            "",
            "bootstrap check failure [1] of [1]: max virtual memory areas vm.max_map_count [65530] is too low, increase to at least [262144]",
        );
        let f = only(&e, "InitSettingIgnored");
        assert!(f.message.contains("vm.max_map_count"));
        assert!(f.hint.contains("runAsUser: 0"));
        let mut quiet = e.clone();
        quiet.logs.clear();
        assert!(!codes(&quiet).contains(&"InitSettingIgnored".to_string()));
    }
}
