//! A client the reader does not know, handed its server in a variable of the environment that
//! holds a service's URL: `until python -c 'pika.URLParameters(os.environ["AMQP_URL"])'`,
//! `until nats-check --url "$NATS_URL"`, `until ./probe $KAFKA_BROKERS`. The command names the
//! variable (`$NAME`, `${NAME}`, `"NAME"`, `env.NAME`) and its value is what it connects to:
//! a URL of a service's protocol (amqp, amqps, nats, kafka, redis, rediss, postgres,
//! postgresql, mysql, mongodb), or `HOST:PORT[,HOST:PORT…]` in a variable of Kafka's brokers.
//! A variable of another kind (an `http://` callback, a path, a name) gives nothing: no target
//! is guessed. The same URL written in the client's own arguments (`--uri mongodb://…`) is
//! read the same way, when no variable gave one.

use super::Target;
use crate::command::args::{Arg, host_target, url_targets};
use crate::command::expand::{EnvTable, Value};

/// The schemes of services' own protocols (not `http`: a web URL may be anything).
const SERVICE_SCHEMES: &[&str] = &[
    "amqp",
    "amqps",
    "nats",
    "kafka",
    "redis",
    "rediss",
    "postgres",
    "postgresql",
    "mysql",
    "mongodb",
];

/// Variables named so hold Kafka's brokers as `HOST:PORT,…` (no scheme).
const BROKER_LISTS: &[&str] = &["BROKERS", "BOOTSTRAP_SERVERS"];

/// The targets of the service URLs in the variables `raw` names.
pub(in crate::command) fn named_in(raw: &str, env: &EnvTable) -> Vec<Target> {
    let mut out = Vec::new();
    for name in names_in(raw) {
        let Value::Known { text, .. } = env.shell(&name) else {
            continue;
        };
        let written = format!("${name}");
        let by_url = service_url(&written, &text);
        if !by_url.is_empty() {
            out.extend(by_url);
        } else if !text.contains("://") && BROKER_LISTS.iter().any(|b| name.ends_with(b)) {
            let hosts: Vec<&str> = text.split(',').map(str::trim).collect();
            let ported = |h: &&str| {
                h.rsplit_once(':')
                    .is_some_and(|(host, p)| !host.is_empty() && p.parse::<u16>().is_ok())
            };
            if !hosts.is_empty() && hosts.iter().all(ported) {
                for h in hosts {
                    let arg = Arg {
                        written: written.clone(),
                        text: h.to_string(),
                        ..Default::default()
                    };
                    out.push(Target::Host(host_target(&arg, None, None)));
                }
            }
        }
    }
    out
}

/// The targets of the service URLs written in a client's own arguments: `--uri
/// mongodb://host:27017/db`, `--url=redis://cache:6379`, `postgres://db/app` (the same schemes
/// as in the environment; an argument's value after `=` counts).
pub(in crate::command) fn literal_in(args: &[Arg]) -> Vec<Target> {
    args.iter()
        .flat_map(|a| {
            let text = a.text.split_once('=').map_or(a.text.as_str(), |(k, v)| {
                if k.starts_with('-') {
                    v
                } else {
                    a.text.as_str()
                }
            });
            service_url(&a.written, text)
        })
        .collect()
}

/// The hosts of `text` when it is a URL of a service's own protocol (each host of a
/// `mongodb://a:27017,b:27017/db` list), else nothing.
fn service_url(written: &str, text: &str) -> Vec<Target> {
    let lower = text.to_ascii_lowercase();
    let scheme = lower.split_once("://").map(|(s, _)| s);
    if !scheme.is_some_and(|s| SERVICE_SCHEMES.contains(&s)) {
        return Vec::new();
    }
    let arg = Arg {
        written: written.to_string(),
        text: text.to_string(),
        ..Default::default()
    };
    url_targets(&arg).into_iter().map(Target::Host).collect()
}

/// The names of variables `raw` refers to, in order, each once: `$NAME`, `${NAME…}`, and a
/// name in capitals quoted or after `env.` (`os.environ["NAME"]`, `process.env.NAME`).
fn names_in(raw: &str) -> Vec<String> {
    let bytes = raw.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !is_name(bytes[i]) || (i > 0 && is_name(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_name(bytes[i]) {
            i += 1;
        }
        let word = &raw[start..i];
        let before = &raw[..start];
        let after = &raw[i..];
        let referenced = before.ends_with('$')
            || before.ends_with("${")
            || before.ends_with("env.")
            || ((before.ends_with('"') && after.starts_with('"'))
                || (before.ends_with('\'') && after.starts_with('\'')));
        let capitals = word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && word
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if referenced && capitals && !names.iter().any(|n| n == word) {
            names.push(word.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Seen, seen};

    #[test]
    fn clients_handed_a_service_url_from_the_environment() {
        // (source, script, env, checks seen)
        type Row = (
            &'static str,
            &'static str,
            &'static [(&'static str, &'static str)],
            Vec<Seen>,
        );
        let rows: Vec<Row> = vec![
            (
                "pika's URLParameters (pika docs: amqp://user:pass@host:port/vhost) in python -c",
                "until python -c 'import os, pika; pika.BlockingConnection(pika.URLParameters(os.environ[\"AMQP_URL\"]))'; do sleep 2; done",
                &[("AMQP_URL", "amqp://guest:guest@rabbitmq:5672/%2F")],
                vec![("client", "rabbitmq", Some(5672), "Loop")],
            ),
            (
                "an app's own check given RABBITMQ_URL (default port by scheme)",
                "until /app/check-broker --url \"$RABBITMQ_URL\"; do sleep 2; done",
                &[("RABBITMQ_URL", "amqps://user@broker.shop.svc")],
                vec![("client", "broker.shop.svc", Some(5671), "Loop")],
            ),
            (
                "NATS_URL (nats://HOST:PORT, nats.io's default port 4222)",
                "while ! ./wait-nats ${NATS_URL}; do sleep 1; done",
                &[("NATS_URL", "nats://nats")],
                vec![("client", "nats", Some(4222), "Loop")],
            ),
            (
                "KAFKA_BROKERS, a HOST:PORT list",
                "until node -e 'require(\"./ping\")(process.env.KAFKA_BROKERS)'; do sleep 3; done",
                &[("KAFKA_BROKERS", "kafka-0.kafka:9092,kafka-1.kafka:9092")],
                vec![
                    ("client", "kafka-0.kafka", Some(9092), "Loop"),
                    ("client", "kafka-1.kafka", Some(9092), "Loop"),
                ],
            ),
            // The URL written in the client's own arguments.
            (
                "clp's results-cache init given --uri mongodb://HOST:PORT/DB, run once",
                "python3 -u -m clp_py_utils.initialize-results-cache --uri mongodb://clp-results-cache:27017/clp-query-results",
                &[],
                vec![("client", "clp-results-cache", Some(27017), "Once")],
            ),
            (
                "a --url=redis://… argument, in a loop (default port by scheme)",
                "until ./ping --url=redis://cache; do sleep 1; done",
                &[],
                vec![("client", "cache", Some(6379), "Loop")],
            ),
            (
                "a web URL in the arguments is no service URL",
                "./notify http://api:8080/hook",
                &[],
                vec![],
            ),
            // Not a service's URL: no target.
            (
                "a web callback is no service URL",
                "until ./register \"$CALLBACK_URL\"; do sleep 1; done",
                &[("CALLBACK_URL", "http://api:8080/hook")],
                vec![],
            ),
            (
                "a host name alone is no URL",
                "until ./check \"$AMQP_HOST\"; do sleep 1; done",
                &[("AMQP_HOST", "rabbitmq")],
                vec![],
            ),
            (
                "a broker variable that is not a HOST:PORT list",
                "until ./check $KAFKA_BROKERS; do sleep 1; done",
                &[("KAFKA_BROKERS", "kafka")],
                vec![],
            ),
            (
                "a URL in the environment the command does not name",
                "until python manage.py migrate --check; do sleep 2; done",
                &[("BROKER_URL", "amqp://rabbitmq:5672")],
                vec![],
            ),
        ];
        for (source, script, env, want) in rows {
            assert_eq!(seen(script, env), want, "{source}: {script}");
        }
    }
}
