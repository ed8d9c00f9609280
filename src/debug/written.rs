//! `--check` runs the blocker's own command as written, before probing its target the
//! debug image's way: a tool that refuses the command (`nc: invalid option -- 'z'` from an `nc`
//! without `-z`, a usage text) is a disagreement with any view that the wait should pass —
//! such a loop never passes, whatever its target's state. Pure: no I/O.
//!
//! Only plain words are ever pasted into the script (a tool's name, its options, hosts and
//! ports); a command with anything else (a quote, a variable, a substitution) is not run as
//! written. Redirections are dropped (the script sends its output where it reads it).

use crate::command::Check;

/// The most words of a command run as written.
const MAX_WORDS: usize = 24;

/// A word safe to paste into the script, quoted: letters, digits and `.-_:/=@%+,`.
fn plain(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= 256
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:/=@%+,".contains(c))
}

/// A redirection word (`>/dev/null`, `2>&1`, `</dev/null`, `&>x`).
fn redirection(word: &str) -> bool {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit() || c == '&');
    rest.starts_with('>') || rest.starts_with('<')
}

/// The words of `check`'s command to run as written, when it is a command of its own tool made
/// of plain words only.
pub fn words(check: &Check) -> Option<Vec<String>> {
    let words: Vec<&str> = check
        .fragment
        .split_whitespace()
        .filter(|w| !redirection(w))
        .collect();
    if words.is_empty() || words.len() > MAX_WORDS || !words.iter().all(|w| plain(w)) {
        return None;
    }
    let program = words[0].rsplit('/').next().unwrap_or(words[0]);
    if program != check.tool.name() {
        return None;
    }
    Some(words.iter().map(|w| (*w).to_string()).collect())
}

/// The shell function: run the words, bounded; a usage error prints the probe's line with the
/// result `usage` and the line that says so, and returns 0 (the probe is done); otherwise 1.
pub const FUNCTION: &str = r#"written() {
  id=$1; kind=$2; shift 2
  command -v "$1" >/dev/null 2>&1 || return 1
  out=$(to "$@" 2>&1 </dev/null)
  bad=$(printf '%s\n' "$out" | grep -i -m 1 -E 'invalid option|illegal option|unrecognized option|unknown option|option requires an argument')
  [ -n "$bad" ] || bad=$(printf '%s\n' "$out" | grep -m 1 -E '^[Uu]sage: ')
  [ -n "$bad" ] || return 1
  line "$id" "$kind" usage "$* | $bad"
  return 0
}
"#;

/// The script's call for a probe: `written ID KIND 'w1' 'w2' … || ` before its own call.
pub fn call(id: usize, kind: &str, words: &[String], quote: impl Fn(&str) -> String) -> String {
    let quoted: Vec<String> = words.iter().map(|w| quote(w)).collect();
    format!("written {id} {kind} {} || ", quoted.join(" "))
}

/// The command and the tool's complaint, from a `usage` outcome's detail (`nc -z … | nc: …`).
pub fn split_detail(detail: &str) -> (&str, &str) {
    match detail.split_once(" | ") {
        Some((command, said)) => (command.trim(), said.trim()),
        None => ("", detail.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command;
    use k8s_openapi::api::core::v1::Pod;

    fn checks(script: &str) -> Vec<Check> {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "busybox"}],
                     "initContainers": [{"name": "wait", "image": "busybox:1.35",
                                         "command": ["sh", "-c", script]}]}
        }))
        .unwrap();
        let spec = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
        command::extract(&pod, spec, None).checks
    }

    #[test]
    fn plain_commands_run_as_written_others_never() {
        let cases: [(&str, Option<&[&str]>); 4] = [
            (
                "until nc -z -w 2 db 5432; do sleep 2; done",
                Some(&["nc", "-z", "-w", "2", "db", "5432"]),
            ),
            (
                "until nc -z db 5432 >/dev/null 2>&1; do sleep 2; done",
                Some(&["nc", "-z", "db", "5432"]),
            ),
            ("until nc -z \"$DB_HOST\" 5432; do sleep 2; done", None),
            ("until nc -z db$(id) 5432; do sleep 2; done", None),
        ];
        for (script, want) in cases {
            let got = checks(script)
                .iter()
                .find(|c| c.tool.name() == "nc")
                .and_then(words);
            let want: Option<Vec<String>> =
                want.map(|w| w.iter().map(|s| (*s).to_string()).collect());
            assert_eq!(got, want, "{script}");
        }
    }

    #[test]
    fn the_function_reports_a_usage_error_under_sh() {
        // Debian's busybox `nc` has no -z (checked on this machine): the function says so.
        let Ok(busybox) = std::fs::canonicalize("/bin/busybox") else {
            return;
        };
        let script = format!(
            "to() {{ \"$@\"; }}\nline() {{ printf '%s\\t%s\\t%s\\t%s\\n' \"$1\" \"$2\" \"$3\" \"$4\"; }}\n{FUNCTION}\nwritten 0 tcp nc -z -w 1 127.0.0.1 9 || echo ran\n"
        );
        let dir = std::env::temp_dir().join(format!("initdoctor-written-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::os::unix::fs::symlink(&busybox, dir.join("nc"));
        let out = std::process::Command::new(&busybox)
            .args(["sh", "-c", &script])
            .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
            .output()
            .expect("run busybox sh");
        let _ = std::fs::remove_dir_all(&dir);
        let text = String::from_utf8_lossy(&out.stdout);
        let has_z = !text.contains("usage");
        if has_z {
            // A busybox built with nc's -z: the command ran as written.
            assert!(text.contains("ran"), "{text}");
        } else {
            assert_eq!(
                text.trim_end(),
                "0\ttcp\tusage\tnc -z -w 1 127.0.0.1 9 | nc: invalid option -- 'z'"
            );
        }
    }
}
