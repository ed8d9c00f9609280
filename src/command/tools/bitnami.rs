//! The clients that bitnami's shell libraries run for the charts' wait scripts (the images
//! source them from `/opt/bitnami/scripts/`), read as the client each function runs:
//!
//! - `postgresql_execute DB USER PASS [OPTS…]` (`libpostgresql.sh`): `psql -U USER -p
//!   ${POSTGRESQL_PORT_NUMBER:-5432} -h 127.0.0.1 [-d DB] OPTS…`, the options re-split into
//!   words (`read -r -a opts <<<"${@:4}"`), so a later `-h HOST` among them wins;
//! - `postgresql_remote_execute HOST PORT DB USER PASS [OPTS…]` (`libpostgresql.sh`): the same
//!   with `-h HOST -p PORT` last;
//! - `appsmith_wait_for_mongodb_connection URL` (`libappsmith.sh`): `mongosh URL --eval
//!   'db.stats()'` under `retry_while` (12 tries, 5 s apart), then fails;
//! - `mastodon_wait_for_redis_connection URL` (`libmastodon.sh`): `redis-cli -u URL PING`
//!   under `retry_while`, then fails.
//!
//! Read from bitnami/containers (`bitnami/IMAGE/…/rootfs/opt/bitnami/scripts/`):
//! `postgresql/17/debian-12/…/libpostgresql.sh` at commit
//! 31d942599f19e514dda1856bbc64b31e9606bc7d, `appsmith/1/debian-12/…/libappsmith.sh` at
//! a02d3b85381d32fe83559dec44b7c609ec815434 and `mastodon/4/debian-12/…/libmastodon.sh` at
//! e73ee35f111e0d96df31593c7e5f1509439fc8b0.
//!
//! psql takes the last `-h`; `psql -h` with no value (an empty host re-split away) stops with
//! "option requires an argument -- 'h'" (both seen with psql 15): it never connects. It is kept
//! as an empty host, so the check says so (`EmptyTarget`).

use super::Call;
use super::db;
use crate::command::Target;
use crate::command::args::Arg;

/// Calls `read` (a client's reader) with `args` in place of the call's arguments.
fn as_client(call: &mut Call, args: &[Arg], read: fn(&mut Call) -> Vec<Target>) -> Vec<Target> {
    read(&mut Call {
        reader: call.reader,
        tool: call.tool,
        args,
        env: call.env,
        ctx: call.ctx,
        out: &mut *call.out,
        depth: call.depth,
        timeout: call.timeout.clone(),
    })
}

/// `read -r -a opts <<<"${@:N}"`: the arguments joined and split into words again; an empty
/// value after `-h` is kept (see the module's doc).
fn resplit(args: &[Arg]) -> Vec<Arg> {
    let mut out: Vec<Arg> = Vec::new();
    for a in args {
        match a.known() {
            Some(t) if t.trim().is_empty() => {
                if out.last().is_some_and(|l| l.text == "-h") {
                    out.push(a.clone());
                }
            }
            Some(t) if t.contains(char::is_whitespace) => {
                out.extend(t.split_whitespace().map(Arg::literal));
            }
            _ => out.push(a.clone()),
        }
    }
    out
}

/// psql's arguments for `postgresql_execute DB USER PASS OPTS…`.
fn psql_args(call: &Call, args: &[Arg]) -> Vec<Arg> {
    let port = call
        .env_arg("POSTGRESQL_PORT_NUMBER")
        .filter(|p| !p.text.is_empty())
        .unwrap_or_else(|| Arg::literal("5432"));
    let mut argv = vec![
        Arg::literal("-p"),
        port,
        Arg::literal("-h"),
        Arg::literal("127.0.0.1"),
    ];
    if let Some(db) = args.first().filter(|d| !d.text.is_empty()) {
        argv.extend([Arg::literal("-d"), db.clone()]);
    }
    argv.extend(resplit(args.get(3..).unwrap_or_default()));
    argv
}

pub(super) fn postgresql_execute(call: &mut Call) -> Vec<Target> {
    let argv = psql_args(call, call.args);
    as_client(call, &argv, db::psql)
}

pub(super) fn postgresql_remote_execute(call: &mut Call) -> Vec<Target> {
    let (Some(host), Some(port)) = (call.args.first(), call.args.get(1)) else {
        return Vec::new();
    };
    let mut argv = psql_args(call, call.args.get(2..).unwrap_or_default());
    argv.extend([
        Arg::literal("-h"),
        host.clone(),
        Arg::literal("-p"),
        port.clone(),
    ]);
    as_client(call, &argv, db::psql)
}

pub(super) fn appsmith_wait_for_mongodb_connection(call: &mut Call) -> Vec<Target> {
    let Some(url) = call.args.first().cloned() else {
        return Vec::new();
    };
    let argv = [url, Arg::literal("--eval"), Arg::literal("db.stats()")];
    as_client(call, &argv, db::mongo)
}

pub(super) fn mastodon_wait_for_redis_connection(call: &mut Call) -> Vec<Target> {
    let Some(url) = call.args.first().cloned() else {
        return Vec::new();
    };
    let argv = [Arg::literal("-u"), url, Arg::literal("PING")];
    as_client(call, &argv, db::redis_cli)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Env, Seen, seen_in};

    #[test]
    fn bitnami_library_clients() {
        // (source, script, env, the checks)
        let cases: &[(&str, &str, Env, &[Seen])] = &[
            (
                "bitnami/charts nessie 2.0.35, wait-for-db",
                ". /opt/bitnami/scripts/libpostgresql.sh\nexport POSTGRESQL_PORT_NUMBER=\"$DATABASE_PORT_NUMBER\"\npsql_is_ready() {\n    if ! echo \"SELECT 1\" | postgresql_execute \"$DATABASE_NAME\" \"$DATABASE_USER\" \"$DATABASE_PASSWORD\" \"-h\" \"$DATABASE_HOST\"; then\n       return 1\n    fi\n    return 0\n}\nif ! retry_while \"debug_execute psql_is_ready\"; then\n    exit 1\nfi",
                &[
                    ("DATABASE_HOST", "myrel-postgresql"),
                    ("DATABASE_PORT_NUMBER", "5433"),
                    ("DATABASE_NAME", "nessie"),
                    ("DATABASE_USER", "postgres"),
                ],
                &[("psql", "myrel-postgresql", Some(5433), "Loop")],
            ),
            (
                "the same, the database disabled: DATABASE_HOST empty, psql stops at `-h`",
                "psql_is_ready() {\n    if ! echo \"SELECT 1\" | postgresql_execute \"$DATABASE_NAME\" \"$DATABASE_USER\" \"$DATABASE_PASSWORD\" \"-h\" \"$DATABASE_HOST\"; then\n       return 1\n    fi\n}\nretry_while \"debug_execute psql_is_ready\"",
                &[("DATABASE_HOST", ""), ("DATABASE_NAME", "nessie")],
                &[("psql", "", Some(5432), "Loop")],
            ),
            (
                "postgresql_execute without -h: the local server",
                "echo 'SELECT 1' | postgresql_execute db u p -tA",
                &[],
                &[("psql", "127.0.0.1", Some(5432), "Once")],
            ),
            (
                "bitnami/charts superset, wait-for-db",
                "check_postgresql_connection() {\n    echo \"SELECT 1\" | postgresql_remote_execute \"$H\" \"$P\" \"$D\" \"$U\" \"$PW\"\n}\nif ! retry_while \"check_postgresql_connection\"; then\n    exit 1\nfi",
                &[("H", "myrel-postgresql"), ("P", "5432"), ("D", "superset")],
                &[("psql", "myrel-postgresql", Some(5432), "Loop")],
            ),
            (
                "bitnami/charts appsmith 7.0.4, wait-for-db",
                "for host in ${APPSMITH_DATABASE_HOST//,/ }; do\n  appsmith_wait_for_mongodb_connection \"mongodb://${U}:${PW}@${host}:${APPSMITH_DATABASE_PORT_NUMBER}/appsmith\"\ndone",
                &[
                    ("APPSMITH_DATABASE_HOST", "myrel-mongodb"),
                    ("APPSMITH_DATABASE_PORT_NUMBER", "27017"),
                    ("U", "root"),
                ],
                &[("mongosh", "myrel-mongodb", Some(27017), "ToolWaits")],
            ),
            (
                "bitnami/charts mastodon 14.0.1, wait-for-redis",
                "mastodon_wait_for_redis_connection \"redis://${MASTODON_REDIS_PASSWORD:-}@${MASTODON_REDIS_HOST}:${MASTODON_REDIS_PORT_NUMBER}\"\ninfo \"Redis(TM) is ready\"",
                &[
                    ("MASTODON_REDIS_HOST", "myrel-redis-master"),
                    ("MASTODON_REDIS_PORT_NUMBER", "6379"),
                ],
                &[("redis-cli", "myrel-redis-master", Some(6379), "ToolWaits")],
            ),
            (
                "the same, no host listed: the loop never runs",
                "for host in ${APPSMITH_DATABASE_HOST//,/ }; do\n  appsmith_wait_for_mongodb_connection \"mongodb://u:p@${host}:27017/appsmith\"\ndone",
                &[("APPSMITH_DATABASE_HOST", "")],
                &[],
            ),
        ];
        for (source, script, env, want) in cases {
            assert_eq!(&seen_in("bash", script, env), want, "{source}");
        }
    }
}
