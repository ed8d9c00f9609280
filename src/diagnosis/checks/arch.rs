//! A container that cannot even start: `ExecFormatError` (`AppExecFormatError`), the kernel's
//! `exec format error` when runc starts the container's process — a binary built for another
//! CPU architecture than the node's (`kubernetes.io/arch`), or a script without a `#!` line.
//! The kubelet shows it as an ordinary exit (`Error`, exit code 1 with runc, 255 with older
//! runtimes) and the runtime's line is the container's whole log (`exec /app: exec format
//! error`, older runc: `standard_init_linux.go:228: exec user process caused: exec format
//! error`). Such a container never runs its command, so what the command waits on is not
//! reported ([`superseded`]), nor the crash it looks like.

use super::context::{Blocker, Context, finding, one_line};
use crate::diagnosis::Lookup;
use crate::finding::{Finding, Severity};

/// What the runtime writes when the kernel refuses the executable.
const SIGNATURE: &str = "exec format error";

/// Every `ExecFormatError` of the pod: the blocker, the native sidecars, the app containers.
pub fn exec_format_errors(cx: &Context) -> Vec<Finding> {
    let mut seen = std::collections::BTreeSet::new();
    cx.blocker
        .iter()
        .chain(cx.sidecars.iter())
        .chain(cx.apps.iter())
        .filter(|c| seen.insert((c.app, c.name().to_string())))
        .filter_map(|c| exec_format_error(cx, c))
        .collect()
}

/// The runtime's line about `c`, from its logs (previous instance first), its termination
/// message or its waiting message (a runtime that fails the start itself).
fn signature_line(c: &Blocker) -> Option<String> {
    let has = |t: &str| t.to_ascii_lowercase().contains(SIGNATURE);
    let logs = c
        .logs
        .into_iter()
        .flat_map(|l| l.previous.iter().chain(l.current.iter()));
    let status = c.status;
    let terminated = status
        .into_iter()
        .flat_map(|s| [s.state.as_ref(), s.last_state.as_ref()])
        .flatten()
        .filter_map(|st| st.terminated.as_ref())
        .filter_map(|t| t.message.as_ref());
    logs.chain(terminated)
        .map(String::as_str)
        .chain(c.waiting_message())
        .find(|t| has(t))
        .map(one_line)
}

fn exec_format_error(cx: &Context, c: &Blocker) -> Option<Finding> {
    let line = signature_line(c)?;
    let node = cx.diagnosis.node.as_deref().unwrap_or("NODE");
    let arch = match &cx.evidence.node_arch {
        Lookup::Found(arch) => Some(arch.as_str()),
        _ => None,
    };
    let node_is = match arch {
        Some(arch) => format!("node {node:?} (kubernetes.io/arch={arch})"),
        None => format!("node {node:?} (its kubernetes.io/arch)"),
    };
    let image = c.spec.and_then(|s| s.image.as_deref()).unwrap_or("");
    let mut f = finding(
        &c.code("ExecFormatError"),
        Severity::Error,
        Some(c.name()),
        format!(
            "cannot start: the kernel refuses its executable (exec format error) — image {image:?} is built for another CPU architecture than {node_is}, or the command is a script without a #! line"
        ),
    );
    f.evidence.push(format!("runtime: {line}"));
    match &cx.evidence.node_arch {
        Lookup::Found(arch) => f
            .evidence
            .push(format!("node {node}: kubernetes.io/arch={arch}")),
        Lookup::Denied => f.evidence.push(format!(
            "node {node}'s architecture: could not check (RBAC)"
        )),
        Lookup::Failed(why) => f.evidence.push(format!(
            "node {node}'s architecture: could not check ({})",
            one_line(why)
        )),
        Lookup::NotChecked => {}
    }
    let platform = arch.map_or_else(
        || format!("the node's architecture (kubectl get node {node} -L kubernetes.io/arch)"),
        |a| format!("linux/{a}"),
    );
    f.hint = format!(
        "use an image built for {platform} (a multi-arch image lists its platforms: docker manifest inspect {image}), or place the pod on nodes of the image's architecture with nodeSelector kubernetes.io/arch; if the command is a script, start it with #!/bin/sh"
    );
    Some(f)
}

/// Findings an `ExecFormatError` makes wrong: the crash it looks like and the waits of a
/// command that never runs, about the same container.
pub fn superseded(findings: &mut Vec<Finding>) {
    let cannot_start: Vec<String> = findings
        .iter()
        .filter(|f| f.code.ends_with("ExecFormatError"))
        .filter_map(|f| f.container.clone())
        .collect();
    if cannot_start.is_empty() {
        return;
    }
    const LOOKS_LIKE: [&str; 4] = [
        "CrashLoop",
        "ExitedNonZero",
        "AppCrashLoop",
        "AppExitedNonZero",
    ];
    findings.retain(|f| {
        let about = f
            .container
            .as_ref()
            .is_some_and(|c| cannot_start.contains(c));
        !(about && (LOOKS_LIKE.contains(&f.code.as_str()) || crate::waits::owns(f)))
    });
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::checks::testing::*;
    use crate::diagnosis::{Evidence, Lookup};
    use serde_json::json;

    /// An init container that waits on `db` and whose executable the kernel refuses.
    fn refused(log: &str, arch: Lookup<String>) -> Evidence {
        let p = pod(
            json!([init("wait-db", "until nslookup db; do sleep 2; done")]),
            json!({"phase": "Pending", "initContainerStatuses": [{
                "name": "wait-db", "ready": false, "restartCount": 3, "image": "busybox", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                    "startedAt": "2026-01-01T00:09:00Z", "finishedAt": "2026-01-01T00:09:00Z"}}}]}),
        );
        let mut e = evidence(p);
        e.node_arch = arch;
        with_logs(e, "wait-db", "", log)
    }

    #[test]
    fn the_runtimes_line_names_the_architecture_and_nothing_waits() {
        let cases = [
            (
                "exec /bin/sh: exec format error",
                Lookup::Found("amd64".into()),
                "kubernetes.io/arch=amd64",
                "linux/amd64",
            ),
            (
                "standard_init_linux.go:228: exec user process caused: exec format error",
                Lookup::NotChecked,
                "its kubernetes.io/arch",
                "kubectl get node",
            ),
            (
                "exec /bin/sh: exec format error",
                Lookup::Denied,
                "could not check (RBAC)",
                "kubectl get node",
            ),
        ];
        for (log, arch, says, hint) in cases {
            let e = refused(log, arch);
            let f = only(&e, "ExecFormatError");
            let text = format!("{}\n{}", f.message, f.evidence.join("\n"));
            assert!(text.contains(says), "{says:?} in {text}");
            assert!(f.hint.contains(hint), "{hint:?} in {}", f.hint);
            assert!(f.evidence.iter().any(|l| l.contains("exec format error")));
            let all = codes(&e);
            for gone in ["CrashLoop", "ExitedNonZero"] {
                assert!(!all.contains(&gone.to_string()), "{gone} in {all:?}");
            }
            assert!(
                all.iter()
                    .all(|c| !crate::waits::CODES.contains(&c.as_str())),
                "a wait finding in {all:?}"
            );
        }
    }

    #[test]
    fn an_ordinary_failure_is_not_an_exec_format_error() {
        let e = refused("nslookup: can't resolve 'db'", Lookup::NotChecked);
        assert!(!codes(&e).contains(&"ExecFormatError".to_string()));
    }
}
