//! Kafka's command-line tools (`kafka-topics.sh`, `kafka-broker-api-versions.sh`, …) given
//! `--bootstrap-server HOST:PORT[,HOST:PORT…]`, and kcat (formerly kafkacat) given
//! `-b HOST:PORT[,…]` (or `-X bootstrap.servers=…`): each broker listed is a target (librdkafka's
//! default port, 9092, when a broker has none). kcat's options taking a value are its getopt
//! string's (edenhill/kcat kcat.c, `:PCG:LQM:t:p:b:z:o:eED:K:k:H:Od:qvF:X:c:Tuf:ZlVhs:r:Jm:U`);
//! without either its brokers come from a configuration file (`-F`, `$KCAT_CONFIG`,
//! `~/.config/kcat.conf`), not read.

use super::Call;
use crate::command::Target;
use crate::command::args::{Arg, host_target, opts};

pub(super) fn kafka(call: &mut Call) -> Vec<Target> {
    let o = opts(
        call.args,
        "",
        &[
            "--bootstrap-server",
            "--command-config",
            "--topic",
            "--partitions",
            "--replication-factor",
            "--config",
        ],
    );
    match o.get(&["--bootstrap-server"]) {
        Some(servers) => brokers(servers),
        None => Vec::new(),
    }
}

/// `kcat -L -b HOST:PORT[,…]` (or `-C`, `-P`, `-Q`: every mode asks the brokers first); `-b`
/// wins over `-X bootstrap.servers=…` / `-X metadata.broker.list=…` (it is applied last).
pub(super) fn kcat(call: &mut Call) -> Vec<Target> {
    let o = opts(call.args, "GMtpbzoDKkHdFXcfsrm", &[]);
    if let Some(servers) = o.get(&["-b"]) {
        return brokers(servers);
    }
    let property = o.valued.iter().rev().find_map(|(k, v)| {
        let (name, _) = v.text.split_once('=')?;
        let n = name.chars().count() + 1;
        (k == "-X" && matches!(name, "bootstrap.servers" | "metadata.broker.list"))
            .then(|| v.strip(n))
    });
    property
        .map(|servers| brokers(&servers))
        .unwrap_or_default()
}

/// Each broker of a comma-separated list, 9092 when it has no port.
fn brokers(servers: &Arg) -> Vec<Target> {
    let written: Vec<&str> = servers.written.split(',').collect();
    servers
        .text
        .split(',')
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .map(|(i, s)| {
            let a = Arg {
                written: written.get(i).copied().unwrap_or(s).to_string(),
                text: s.to_string(),
                unknowns: servers.unknowns.clone(),
                notes: servers.notes.clone(),
            };
            Target::Host(host_target(&a, None, Some(9092)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Env, Seen, seen};

    #[test]
    fn kafka_forms() {
        let cases: &[(&str, Env, Vec<Seen>)] = &[
            (
                "until kafka-topics.sh --bootstrap-server kafka:9092 --list; do sleep 2; done",
                &[],
                vec![("kafka", "kafka", Some(9092), "Loop")],
            ),
            (
                "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server $K",
                &[("K", "k1:9093,k2")],
                vec![
                    ("kafka", "k1", Some(9093), "Once"),
                    ("kafka", "k2", Some(9092), "Once"),
                ],
            ),
            ("kafka-topics --list", &[], vec![]),
            // GavriloviciEduard/fastapi-kafka kafka_app/consumer/entrypoint.sh
            (
                "while ! kafkacat -b $KAFKA_HOST:$KAFKA_PORT -L; do\n    sleep 0.1\ndone",
                &[("KAFKA_HOST", "kafka"), ("KAFKA_PORT", "9092")],
                vec![("kafka", "kafka", Some(9092), "Loop")],
            ),
            (
                "until kcat -L -b ${KAFKA_BROKERS}; do sleep 5; done",
                &[("KAFKA_BROKERS", "k-0.k:9093,k-1.k")],
                vec![
                    ("kafka", "k-0.k", Some(9093), "Loop"),
                    ("kafka", "k-1.k", Some(9092), "Loop"),
                ],
            ),
            (
                "kcat -X debug=all -t logs -C -e -b broker:9094",
                &[],
                vec![("kafka", "broker", Some(9094), "Once")],
            ),
            (
                "kcat -X bootstrap.servers=b1:9093 -L",
                &[],
                vec![("kafka", "b1", Some(9093), "Once")],
            ),
            // Its brokers in a configuration file: not read.
            (
                "until kcat -F /etc/kcat.conf -L; do sleep 1; done",
                &[],
                vec![],
            ),
        ];
        for (script, env, want) in cases {
            assert_eq!(seen(script, env), *want, "{script}");
        }
    }
}
