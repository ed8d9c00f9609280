//! Kafka's command-line tools (`kafka-topics.sh`, `kafka-broker-api-versions.sh`, …) given
//! `--bootstrap-server HOST:PORT[,HOST:PORT…]`: each broker listed is a target.

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
    let Some(servers) = o.get(&["--bootstrap-server"]) else {
        return Vec::new();
    };
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
        ];
        for (script, env, want) in cases {
            assert_eq!(seen(script, env), *want, "{script}");
        }
    }
}
