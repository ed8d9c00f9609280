//! Cassandra's `cqlsh [OPTIONS] [HOST [PORT]]`, the host and port defaulting to `$CQLSH_HOST`
//! and `$CQLSH_PORT`, then to 127.0.0.1:9042.

use super::{Call, one};
use crate::command::Target;
use crate::command::args::{host_target, opts};

pub(super) fn cqlsh(call: &mut Call) -> Vec<Target> {
    let o = opts(
        call.args,
        "upkfeb",
        &[
            "--username",
            "--password",
            "--keyspace",
            "--file",
            "--execute",
            "--encoding",
            "--cqlshrc",
            "--cqlversion",
            "--protocol-version",
            "--connect-timeout",
            "--request-timeout",
            "--credentials",
            "--secure-connect-bundle",
        ],
    );
    let host = o
        .positional
        .first()
        .cloned()
        .or_else(|| call.env_arg("CQLSH_HOST"));
    let port = o
        .positional
        .get(1)
        .cloned()
        .or_else(|| call.env_arg("CQLSH_PORT"));
    match host {
        Some(h) if !matches!(h.known(), Some("localhost" | "127.0.0.1")) => {
            one(host_target(&h, port.as_ref(), Some(9042)))
        }
        _ => vec![Target::Local {
            port: port
                .and_then(|p| p.known().and_then(|t| t.parse().ok()))
                .or(Some(9042)),
            what: "127.0.0.1:9042 (no host)".into(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Env, Seen, seen};

    #[test]
    fn cqlsh_forms() {
        let cases: &[(&str, Env, Seen)] = &[
            (
                "until cqlsh cassandra 9042 -e 'describe keyspaces'; do sleep 2; done",
                &[],
                ("cqlsh", "cassandra", Some(9042), "Loop"),
            ),
            (
                "until cqlsh -u u -p p cassandra; do sleep 2; done",
                &[],
                ("cqlsh", "cassandra", Some(9042), "Loop"),
            ),
            (
                "cqlsh -u $U -e 'SELECT 1'",
                &[("CQLSH_HOST", "cass"), ("CQLSH_PORT", "9043"), ("U", "x")],
                ("cqlsh", "cass", Some(9043), "Once"),
            ),
            (
                "cqlsh -e 'SELECT 1'",
                &[],
                ("cqlsh", "local", Some(9042), "Once"),
            ),
        ];
        for (script, env, want) in cases {
            assert_eq!(seen(script, env).first(), Some(want), "{script}");
        }
    }
}
