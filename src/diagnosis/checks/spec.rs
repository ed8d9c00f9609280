//! `InvalidInitSpec`: what the API accepts but can never work, read from the spec alone. Today:
//! an `sh -c` script the shell cannot parse (`donel` for `done`), which exits 2 at once instead
//! of waiting.

use super::context::{Context, finding};
use crate::command::shell;
use crate::finding::{Finding, Severity};

/// The first unfinished init container whose `sh -c` script the shell certainly rejects (the
/// reader in [`crate::command::shell`] says so only when it is certain: never a false alarm).
pub fn check_invalid_init_spec(cx: &Context) -> Option<Finding> {
    let spec = cx.pod.spec.as_ref()?;
    let inits = spec.init_containers.as_deref().unwrap_or(&[]);
    cx.diagnosis
        .init_containers
        .iter()
        .filter(|row| !row.done)
        .find_map(|row| {
            let container = inits.get(row.index)?;
            let argv: Vec<String> = container
                .command
                .iter()
                .flatten()
                .chain(container.args.iter().flatten())
                .cloned()
                .collect();
            let (program, script) = shell::script_of(&argv)?;
            // Longer than the command reader reads: not parsed here either.
            if script.len() > crate::command::MAX_SCRIPT {
                return None;
            }
            let error = shell::parse_text(script).error?;
            let mut f = finding(
                "InvalidInitSpec",
                Severity::Error,
                Some(&row.name),
                format!("its `{program} -c` script cannot run: {}", error.explanation),
            );
            f.evidence.push(format!("script: {}", crate::waits::findings::one_line(script, 240)));
            f.evidence.push(format!(
                "{program} stops with a syntax error (exit code 2) before running anything, so the container fails at once instead of doing its work"
            ));
            let field = format!("spec.initContainers[{}].command", row.index);
            f.hint = match &error.suspect {
                Some((word, keyword)) => format!(
                    "replace `{word}` with `{keyword}` in {field}, then recreate the pod (or fix the workload's template); check a script with `sh -n -c '…'`"
                ),
                None => format!(
                    "fix the script in {field}, then recreate the pod (or fix the workload's template); check a script with `sh -n -c '…'`"
                ),
            };
            Some(f)
        })
}

#[cfg(test)]
mod tests {
    use crate::diagnosis::Severity;
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    fn with_scripts(first: &str, second: &str) -> crate::diagnosis::Evidence {
        evidence(pod(
            json!([init("init-myservice", first), init("init-mydb", second)]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"running": {}}},
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}}]}),
        ))
    }

    #[test]
    fn donel_is_found_even_before_the_container_runs() {
        let e = with_scripts(
            "until nslookup myservice; do echo waiting for myservice; sleep 2; done",
            "until nslookup mydb; do echo waiting for mydb; sleep 2; donel",
        );
        let f = only(&e, "InvalidInitSpec");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.container.as_deref(), Some("init-mydb"));
        assert!(
            f.message.contains("`donel` looks like a typo of `done`"),
            "{}",
            f.message
        );
        assert!(
            f.hint
                .starts_with("replace `donel` with `done` in spec.initContainers[1].command")
        );
    }

    #[test]
    fn valid_scripts_give_nothing() {
        let e = with_scripts(
            "until nslookup myservice; do echo waiting; sleep 2; done",
            "case $X in a) exit 0;; esac",
        );
        assert!(codes(&e).is_empty(), "{:?}", codes(&e));
    }
}
