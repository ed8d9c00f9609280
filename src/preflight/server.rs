//! A server (or anything that never exits) declared as a plain init container: the kubelet runs
//! init containers one at a time, each to completion, so the ones after it and the app
//! containers never start (`ServerAsInitContainer`). Run as a native sidecar
//! (`restartPolicy: Always`) it would be started and left running.

use k8s_openapi::api::core::v1::{Container, Pod};

use crate::finding::{Finding, Severity, finding};
use crate::status::is_sidecar;

/// Programs that serve until stopped.
const SERVERS: &[&str] = &[
    "nginx",
    "httpd",
    "apache2",
    "haproxy",
    "envoy",
    "caddy",
    "redis-server",
    "postgres",
    "mysqld",
    "mariadbd",
    "mongod",
    "memcached",
    "cloud-sql-proxy",
    "cloud_sql_proxy",
];

/// Images whose default command is a server (when the container sets no command).
const SERVER_IMAGES: &[&str] = &[
    "nginx",
    "httpd",
    "haproxy",
    "envoy",
    "caddy",
    "redis",
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "memcached",
];

/// Why `c` never exits, when it is plain to see from its command (or image).
fn never_exits(c: &Container) -> Option<String> {
    let words: Vec<&str> = c
        .command
        .iter()
        .flatten()
        .chain(c.args.iter().flatten())
        .map(String::as_str)
        .collect();
    if c.command.as_ref().is_none_or(Vec::is_empty) {
        let image = c.image.as_deref().unwrap_or_default();
        let repo = image.split(['@']).next().unwrap_or_default();
        let last = repo.rsplit('/').next().unwrap_or_default();
        let base = last.split(':').next().unwrap_or_default();
        // No arguments, or options to the server: not another program to run.
        let flags_only = c
            .args
            .as_ref()
            .and_then(|a| a.first())
            .is_none_or(|a| a.starts_with('-'));
        if SERVER_IMAGES.contains(&base) && flags_only {
            return Some(format!("image {image} runs its server by default"));
        }
    }
    // A command longer than the command reader reads is not read here either.
    if words.iter().any(|w| w.len() > crate::command::MAX_SCRIPT) {
        return None;
    }
    // The command itself, or the last command of an `sh -c` script (after `exec`).
    let program: Vec<&str> = match words.as_slice() {
        [sh, flag, script, ..]
            if matches!(base(sh), "sh" | "bash" | "ash" | "dash")
                && flag.starts_with('-')
                && flag.contains('c') =>
        {
            let last = script
                .lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty() && !l.starts_with('#'))
                .unwrap_or_default();
            let last = last.strip_prefix("exec ").unwrap_or(last);
            last.split_whitespace().collect()
        }
        _ => words.clone(),
    };
    let first = program.first().map(|w| base(w))?;
    let rest = &program[1..];
    if SERVERS.contains(&first) {
        return Some(format!("`{first}` serves until it is stopped"));
    }
    match (first, rest) {
        ("sleep", ["infinity" | "inf"]) => Some("`sleep infinity` never ends".into()),
        ("tail", [.., "/dev/null"]) if rest.contains(&"-f") => {
            Some("`tail -f /dev/null` never ends".into())
        }
        ("python" | "python3", ["-m", "http.server", ..]) => {
            Some("`python -m http.server` serves until it is stopped".into())
        }
        ("nc" | "ncat" | "netcat", _)
            if rest
                .iter()
                .any(|a| a.starts_with("-l") || a.starts_with("-kl")) =>
        {
            Some(format!("`{first} -l` listens until it is stopped"))
        }
        _ => None,
    }
}

fn base(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// `ServerAsInitContainer` for each plain init container of `pod` that never exits.
pub fn servers(pod: &Pod) -> Vec<Finding> {
    let inits = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let mut out = Vec::new();
    for c in inits.iter().filter(|c| !is_sidecar(c)) {
        let Some(why) = never_exits(c) else { continue };
        let mut f = finding(
            "ServerAsInitContainer",
            Severity::Error,
            Some(&c.name),
            format!(
                "never finishes: {why}, and an init container must exit before the next one (and the app) starts"
            ),
        );
        let ports: Vec<String> = c
            .ports
            .iter()
            .flatten()
            .map(|p| p.container_port.to_string())
            .collect();
        if !ports.is_empty() {
            f.evidence
                .push(format!("it declares port(s) {}", ports.join(", ")));
        }
        f.hint = format!(
            "run it as a native sidecar: add `restartPolicy: Always` to init container {} (Kubernetes 1.29 and later), or move it to `containers`",
            c.name
        );
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn servers_and_endless_commands_are_told_from_one_shot_ones() {
        let cases = [
            (json!({"name": "i", "image": "nginx:1.27"}), true),
            (
                json!({"name": "i", "image": "docker.io/library/redis:7", "args": ["--port", "6380"]}),
                true,
            ),
            (
                json!({"name": "i", "image": "redis:7", "command": ["redis-cli", "-h", "db", "ping"]}),
                false,
            ),
            (
                json!({"name": "i", "image": "x", "command": ["/usr/sbin/nginx", "-g", "daemon off;"]}),
                true,
            ),
            (
                json!({"name": "i", "image": "busybox", "command": ["sh", "-c", "echo hi\nexec sleep infinity\n"]}),
                true,
            ),
            (
                json!({"name": "i", "image": "busybox", "command": ["sleep", "5"]}),
                false,
            ),
            (
                json!({"name": "i", "image": "busybox", "command": ["tail", "-f", "/dev/null"]}),
                true,
            ),
            (
                json!({"name": "i", "image": "busybox", "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]}),
                false,
            ),
            (
                json!({"name": "i", "image": "busybox", "command": ["nc", "-lk", "-p", "8080"]}),
                true,
            ),
            (
                json!({"name": "i", "image": "nginx", "restartPolicy": "Always"}),
                false,
            ),
            (
                json!({"name": "i", "image": "postgres:16", "command": ["pg_isready", "-h", "db"]}),
                false,
            ),
            // Longer than the command reader reads: not read here either.
            (
                json!({"name": "i", "image": "busybox", "command": ["sh", "-c",
                    format!("{}\nexec sleep infinity\n", "#".repeat(crate::command::MAX_SCRIPT))]}),
                false,
            ),
        ];
        for (container, want) in cases {
            let pod: Pod = serde_json::from_value(json!({
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "app"}], "initContainers": [container.clone()]}
            }))
            .unwrap();
            let got = servers(&pod);
            assert_eq!(got.len(), usize::from(want), "{container}: {got:?}");
            if want {
                assert_eq!(got[0].code, "ServerAsInitContainer");
                assert!(got[0].hint.contains("restartPolicy: Always"));
            }
        }
    }
}
