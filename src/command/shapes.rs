//! The shapes of waits seen in public charts, each a row tested on the text it was seen in
//! (its source named), or on the description of it when it was met only there.

#[cfg(test)]
mod tests {
    use crate::command::tools::tests::{Seen, seen, seen_in};

    /// (source, shell, script, environment, checks seen).
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        Vec<Seen>,
    );

    #[test]
    fn comparisons_as_loops() {
        let rows: Vec<Row> = vec![
            (
                "longhorn/longhorn deploy/longhorn.yaml (wait-longhorn-manager)",
                "sh",
                "while [ $(curl -m 1 -s -o /dev/null -w \"%{http_code}\" http://longhorn-backend:9500/v1) != \"200\" ]; do echo waiting; sleep 2; done",
                &[],
                vec![("curl", "longhorn-backend", Some(9500), "Loop")],
            ),
            (
                "google/osdfir-infrastructure grr admin-deployment.yaml",
                "sh",
                "set -e\nuntil [ \"$(curl -s -w '%{http_code}' -o /dev/null http://grr-fleetspeak-admin:8080)\" -eq 200 ]\ndo\n  sleep 5;\ndone",
                &[],
                vec![("curl", "grr-fleetspeak-admin", Some(8080), "Loop")],
            ),
            (
                "allegroai/clearml-helm-charts agentk8sglue-deployment.yaml",
                "bash",
                "while [[ $(curl -sw '%{http_code}' \"https://files.clear.ml/\" -o /dev/null) =~ 403|405 ]] ; do sleep 5 ; done",
                &[],
                vec![("curl", "files.clear.ml", Some(443), "Loop")],
            ),
            (
                "allegroai/clearml-helm-charts apiserver-deployment.yaml (curl's exit status compared)",
                "sh",
                "while [ $(curl --telnet-option BOGUS --connect-timeout 2 -s \"telnet://mongodb:27017\" -o /dev/null; echo $?) -ne 49 ] ; do sleep 5 ; done",
                &[],
                vec![("curl", "mongodb", Some(27017), "Loop")],
            ),
            (
                "the issue: until [ \"$(redis-cli … PING)\" = PONG ]",
                "sh",
                "until [ \"$(redis-cli -h cache -p 6379 PING)\" = PONG ]; do sleep 1; done",
                &[],
                vec![("redis-cli", "cache", Some(6379), "Loop")],
            ),
            (
                "litmuschaos/litmus-helm server-deployment.yaml (a client's output counted)",
                "bash",
                "until [[ $(mongosh -u ${DB_USER} -p ${DB_PASSWORD} ${DB_SERVER} --eval 'rs.status()' | grep 'ok' | wc -l) -eq 1 ]]; do sleep 5; done",
                &[(
                    "DB_SERVER",
                    "mongodb://m-0.m-headless:27017,m-1.m-headless:27017/admin",
                )],
                vec![("mongosh", "m-0.m-headless", Some(27017), "Loop")],
            ),
            (
                "the issue: grep -q on a client's output",
                "sh",
                "until curl -s http://es:9200/_cluster/health | grep -q '\"status\":\"green\"'; do sleep 5; done",
                &[],
                vec![("curl", "es", Some(9200), "Loop")],
            ),
            (
                "apache/openwhisk-deploy-kube _readiness.tpl (wait-for-zookeeper)",
                "sh",
                "result=1; until [ $result -eq 0 ]; do OK=$(echo ruok | nc -w 1 zk-0.zk 2181); if [ \"$OK\" == \"imok\" ]; then result=0; else sleep 1; fi; done",
                &[],
                vec![("nc", "zk-0.zk", Some(2181), "Loop")],
            ),
            (
                "apache/pulsar-helm-chart pulsar-manager-cluster-initialize.yaml",
                "sh",
                "set -e;\nn=\"$(nslookup -timeout=10 broker | grep Name | wc -l)\";\nuntil [ ${n} -ge 1 ]; do\n  sleep 10;\n  n=\"$(nslookup -timeout=10 broker | grep Name | wc -l)\";\ndone;",
                &[],
                vec![
                    ("nslookup", "broker", None, "Once"),
                    ("nslookup", "broker", None, "Loop"),
                ],
            ),
        ];
        for (source, shell, script, env, want) in rows {
            assert_eq!(seen_in(shell, script, env), want, "{source}: {script}");
        }
    }

    #[test]
    fn clients_whose_server_is_in_the_environment() {
        let rows: Vec<Row> = vec![
            (
                "the issue: DATABASE_URL=postgres://user@host:5432/db",
                "sh",
                "until pg_isready -d \"$DATABASE_URL\"; do sleep 2; done",
                &[("DATABASE_URL", "postgres://app@db.shop:5432/app")],
                vec![("pg_isready", "db.shop", Some(5432), "Loop")],
            ),
            (
                "the issue: psql with an env-only host",
                "sh",
                "until psql -c 'select 1'; do sleep 2; done",
                &[("PGHOST", "pg"), ("PGPORT", "5433")],
                vec![("psql", "pg", Some(5433), "Loop")],
            ),
            (
                "the issue: REDIS_URL",
                "sh",
                "until redis-cli -u \"$REDIS_URL\" ping; do sleep 1; done",
                &[("REDIS_URL", "redis://cache:6380/0")],
                vec![("redis-cli", "cache", Some(6380), "Loop")],
            ),
            (
                "the issue: mongodb:// lists",
                "sh",
                "until mongosh \"$MONGO_URL\" --eval 'db.runCommand({ping:1})'; do sleep 2; done",
                &[("MONGO_URL", "mongodb://a:27017,b:27017/app?replicaSet=rs0")],
                vec![("mongosh", "a", Some(27017), "Loop")],
            ),
            (
                "the issue: mysql with an env-only host",
                "sh",
                "until mysql -e 'select 1'; do sleep 2; done",
                &[("MYSQL_HOST", "mariadb")],
                vec![("mysql", "mariadb", Some(3306), "Loop")],
            ),
        ];
        for (source, shell, script, env, want) in rows {
            assert_eq!(seen_in(shell, script, env), want, "{source}: {script}");
        }
    }

    #[test]
    fn kubectl_shapes() {
        let rows: Vec<Row> = vec![(
            "elixierco/elixier wait-gitweb.tpl (the command written out)",
            "sh",
            "kubectl wait pod/gitweb-0 --for=condition=ContainersReady --timeout=3600s",
            &[],
            vec![("kubectl wait", "-", None, "ToolWaits")],
        )];
        for (source, shell, script, env, want) in rows {
            assert_eq!(seen_in(shell, script, env), want, "{source}: {script}");
        }
        assert!(seen("kubectl rollout status deployment/api", &[]).is_empty());
    }

    #[test]
    fn a_loop_waiting_on_what_is_not_read_is_said() {
        use crate::command::tools::tests::extraction;
        let cases: &[(&str, &str, &str)] = &[
            // A file another container writes.
            (
                "sh",
                "until [ -f /shared/ready ]; do sleep 1; done",
                "[ -f /shared/ready ]",
            ),
            // A status set by something not read.
            (
                "sh",
                "result=1; until [ $result -eq 0 ]; do result=$(cat /tmp/status); sleep 1; done",
                "[ $result -eq 0 ]",
            ),
        ];
        for (shell, script, condition) in cases {
            let e = extraction(shell, script);
            assert_eq!(
                e.not_understood,
                [format!("{condition} (the condition of a loop)")],
                "{script}"
            );
        }
        // A loop over known work is not a wait: nothing to say.
        let e = extraction("sh", "for f in /a /b; do cp $f /dst; done");
        assert!(e.not_understood.is_empty() && e.checks.is_empty());
    }
}
