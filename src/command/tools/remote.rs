//! Reachability through other clients: `ssh [user@]HOST` (the port from `-p`, `-o Port=N` or
//! `ssh://user@host:port`, else 22), and `python -c` scripts that open a socket
//! (`socket.create_connection(("db", 5432))`, `s.connect(('redis', 6379))`) with literal
//! values — anything else in the script stays not understood.

use super::{Call, one};
use crate::command::Target;
use crate::command::args::{Arg, host_target, opts, split_url};

pub(super) fn ssh(call: &mut Call) -> Vec<Target> {
    let o = opts(call.args, "BbcDEeFIiJLlmOopQRSWw", &[]);
    let Some(dest) = o.positional.first() else {
        return Vec::new();
    };
    let port_opt = o.valued.iter().rev().find_map(|(k, v)| match k.as_str() {
        "-p" => Some(v.clone()),
        "-o" => v
            .text
            .strip_prefix("Port=")
            .or_else(|| v.text.strip_prefix("Port "))
            .map(Arg::literal),
        _ => None,
    });
    let (scheme, host, url_port) = split_url(&dest.text);
    let host = match scheme.as_deref() {
        Some("ssh") => host,
        _ => dest
            .text
            .rsplit_once('@')
            .map_or(dest.text.clone(), |(_, h)| h.to_string()),
    };
    let mut h = dest.clone();
    h.written = dest
        .written
        .rsplit_once('@')
        .map_or(dest.written.clone(), |(_, w)| w.to_string());
    h.text = host;
    let port = port_opt.or_else(|| url_port.map(|p| Arg::literal(&p)));
    one(host_target(&h, port.as_ref(), Some(22)))
}

pub(super) fn python(call: &mut Call) -> Vec<Target> {
    let o = opts(call.args, "cmWX", &[]);
    let Some(code) = o.get(&["-c"]) else {
        return Vec::new();
    };
    socket_targets(&code.text)
        .into_iter()
        .flat_map(|(host, port)| {
            one(host_target(
                &Arg::literal(&host),
                Some(&Arg::literal(&port)),
                None,
            ))
        })
        .collect()
}

/// `(host, port)` of every `create_connection((H, P)` / `.connect((H, P)` with a quoted host
/// and a number.
fn socket_targets(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for call in ["create_connection(", ".connect("] {
        let mut rest = code;
        while let Some(i) = rest.find(call) {
            rest = &rest[i + call.len()..];
            if let Some(pair) = address(rest) {
                out.push(pair);
            }
        }
    }
    out
}

/// `("db", 5432)` at the start of `text` (spaces allowed).
fn address(text: &str) -> Option<(String, String)> {
    let t = text.trim_start().strip_prefix('(')?.trim_start();
    let quote = t.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let t = &t[1..];
    let end = t.find(quote)?;
    let host = &t[..end];
    let t = t[end + 1..].trim_start().strip_prefix(',')?.trim_start();
    let port: String = t.chars().take_while(char::is_ascii_digit).collect();
    let after = t[port.len()..].trim_start();
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c));
    (valid_host && !port.is_empty() && after.starts_with(')')).then(|| (host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Env, Seen, seen};

    #[test]
    fn ssh_and_python_sockets() {
        let cases: &[(&str, Env, &[Seen])] = &[
            (
                "until ssh -p 2222 -o ConnectTimeout=2 git@gitea true; do sleep 2; done",
                &[],
                &[("ssh", "gitea", Some(2222), "Loop")],
            ),
            (
                "until ssh -o BatchMode=yes -o Port=2200 $H exit; do sleep 2; done",
                &[("H", "deploy@bastion.infra")],
                &[("ssh", "bastion.infra", Some(2200), "Loop")],
            ),
            (
                "ssh -q ssh://git@forge:7999 exit",
                &[],
                &[("ssh", "forge", Some(7999), "Once")],
            ),
            (
                "until ssh backup true; do sleep 5; done",
                &[],
                &[("ssh", "backup", Some(22), "Loop")],
            ),
            (
                r#"until python -c 'import socket; socket.create_connection(("db", 5432), 2)'; do sleep 2; done"#,
                &[],
                &[("python", "db", Some(5432), "Loop")],
            ),
            (
                r#"until python3 -c "import socket; s=socket.socket(); s.settimeout(2); s.connect(('redis', 6379))"; do sleep 1; done"#,
                &[],
                &[("python", "redis", Some(6379), "Loop")],
            ),
            ("python3 -c 'print(1)'", &[], &[]),
            (
                "until python -c 'import os, socket; socket.create_connection((os.environ[\"H\"], 1))'; do sleep 1; done",
                &[],
                &[],
            ),
        ];
        for (script, env, want) in cases {
            assert_eq!(seen(script, env).as_slice(), *want, "{script}");
        }
    }
}
