//! `wait4x CHECKER TARGET… [flags] [-- CMD]`, which waits by itself (wait4x/wait4x,
//! internal/cmd/*.go): `tcp HOST:PORT`, `http URL`, and the services' checkers, each given its
//! server the way the service's own client names it — `mysql` a Go MySQL DSN
//! (`user:pass@tcp(HOST:PORT)/db`), `postgresql`, `redis`, `mongodb`, `rabbitmq`, `kafka` and
//! `influxdb` a URL (`postgres://user@HOST:PORT/db`, `mongodb://a:27017,b:27017`). Other checkers
//! (`dns`, `temporal`, `exec`) are not read.

use super::Call;
use crate::command::Target;
use crate::command::args::{Arg, host_target, opts, url_target, url_targets};

/// The flags taking a value (root.go and the checkers').
const VALUED: &[&str] = &[
    "--timeout",
    "--interval",
    "--expect-status-code",
    "--expect-body-regex",
    "--expect-body-json",
    "--expect-body-xpath",
    "--expect-header",
    "--request-header",
    "--request-body",
    "--connection-timeout",
    "--backoff-policy",
    "--backoff-exponential-max-interval",
    "--expect-key",
    "--expect-table",
    "--log-level",
];

pub(super) fn wait4x(call: &mut Call) -> Vec<Target> {
    let o = opts(call.args, "til", VALUED);
    let Some((kind, rest)) = o.positional.split_first() else {
        return Vec::new();
    };
    match kind.known() {
        Some("http" | "influxdb") => rest
            .iter()
            .filter_map(url_target)
            .map(Target::Host)
            .collect(),
        Some("tcp") => rest
            .iter()
            .map(|a| Target::Host(host_target(a, None, None)))
            .collect(),
        Some("mysql") => rest.iter().filter_map(mysql_dsn).collect(),
        Some("postgresql" | "redis" | "mongodb" | "rabbitmq" | "kafka") => rest
            .iter()
            .flat_map(url_targets)
            .map(Target::Host)
            .collect(),
        _ => Vec::new(),
    }
}

/// The server of a Go MySQL DSN, `[user[:password]@][net[(addr)]]/dbname[?params]`
/// (go-sql-driver/mysql's ParseDSN: the last `/` ends the address, the last `@` before it
/// starts it); `tcp` with no address, or a unix socket, is the local server.
fn mysql_dsn(arg: &Arg) -> Option<Target> {
    let net_addr = |text: &str| -> Option<String> {
        let head = &text[..text.rfind('/')?];
        Some(head.rsplit_once('@').map_or(head, |(_, n)| n).to_string())
    };
    let text = net_addr(&arg.text)?;
    match text
        .strip_prefix("tcp(")
        .and_then(|a| a.strip_suffix(')'))
        .filter(|a| !a.is_empty())
    {
        Some(addr) => {
            let written = net_addr(&arg.written)
                .and_then(|w| Some(w.strip_prefix("tcp(")?.strip_suffix(')')?.to_string()))
                .unwrap_or_else(|| addr.to_string());
            let addr = Arg {
                written,
                text: addr.to_string(),
                unknowns: arg.unknowns.clone(),
                notes: arg.notes.clone(),
            };
            Some(Target::Host(host_target(&addr, None, Some(3306))))
        }
        None if text.is_empty() || text == "tcp" || text.starts_with("unix") => {
            Some(Target::Local {
                port: (!text.starts_with("unix")).then_some(3306),
                what: format!("{} (the DSN names no server)", arg.written),
            })
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Env, Seen, seen};

    #[test]
    fn wait4x_checkers() {
        let cases: Vec<(&str, Env, Vec<Seen>)> = vec![
            // zitadel/zitadel-charts' login wait.
            (
                "wait4x http http://zitadel:8080/debug/ready --expect-status-code 200 --timeout 5m",
                &[],
                vec![("wait4x", "zitadel", Some(8080), "ToolWaits")],
            ),
            (
                "wait4x tcp db:5432 --timeout 60s",
                &[],
                vec![("wait4x", "db", Some(5432), "ToolWaits")],
            ),
            // cowboysysop/charts' flowise, dolibarr and lighthouse-ci waits.
            (
                r#"wait4x mysql "${MARIADB_USERNAME}:${MARIADB_PASSWORD}@tcp(${MARIADB_HOST}:${MARIADB_PORT})/${MARIADB_DATABASE}" --timeout 0"#,
                &[
                    ("MARIADB_HOST", "myrel-mariadb"),
                    ("MARIADB_PORT", "3306"),
                    ("MARIADB_USERNAME", "flowise"),
                ],
                vec![("wait4x", "myrel-mariadb", Some(3306), "ToolWaits")],
            ),
            (
                r#"wait4x postgresql "postgres://${POSTGRESQL_USERNAME}:${POSTGRESQL_PASSWORD}@${POSTGRESQL_HOST}:${POSTGRESQL_PORT}/${POSTGRESQL_DATABASE}?sslmode=disable" --timeout 0"#,
                &[
                    ("POSTGRESQL_HOST", "myrel-postgresql"),
                    ("POSTGRESQL_PORT", "5432"),
                ],
                vec![("wait4x", "myrel-postgresql", Some(5432), "ToolWaits")],
            ),
            (
                r#"wait4x redis "redis://default:${REDIS_PASSWORD}@${REDIS_HOST}:${REDIS_PORT}" --timeout 0"#,
                &[("REDIS_HOST", "myrel-redis-master"), ("REDIS_PORT", "6379")],
                vec![("wait4x", "myrel-redis-master", Some(6379), "ToolWaits")],
            ),
            // wait4x's own examples (internal/cmd/mysql.go, mongodb.go, rabbitmq.go).
            (
                "wait4x mysql 'user:password@tcp(localhost:5555)/dbname?tls=skip-verify'",
                &[],
                vec![("wait4x", "localhost", Some(5555), "ToolWaits")],
            ),
            (
                "wait4x mysql 'root@tcp(db)/app'",
                &[],
                vec![("wait4x", "db", Some(3306), "ToolWaits")],
            ),
            (
                "wait4x mysql 'user:pw@/app'",
                &[],
                vec![("wait4x", "local", Some(3306), "ToolWaits")],
            ),
            (
                "wait4x mongodb 'mongodb://user:pass@m0:27017,m1:27017/?w=majority'",
                &[],
                vec![
                    ("wait4x", "m0", Some(27017), "ToolWaits"),
                    ("wait4x", "m1", Some(27017), "ToolWaits"),
                ],
            ),
            (
                "wait4x rabbitmq 'amqp://guest:guest@rabbit/vhost' --expect-key x",
                &[],
                vec![("wait4x", "rabbit", Some(5672), "ToolWaits")],
            ),
        ];
        for (script, env, want) in cases {
            assert_eq!(seen(script, env), want, "{script}");
        }
    }
}
