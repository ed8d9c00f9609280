//! The shapes of waits seen in public charts, each a row tested on the text it was seen in
//! (its source named), or on the issue's description of it when it was met only there.

#[cfg(test)]
mod tests {
    use crate::command::tools::tests::{ScriptRow, check_rows, seen};

    type Row = ScriptRow;

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
        check_rows(rows);
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
                "litmuschaos/litmus-helm (the URI from a ConfigMap not read yet: still its server)",
                "sh",
                "until mongosh -u u -p p ${DB_SERVER} --eval 'rs.status()'; do sleep 5; done",
                &[],
                vec![("mongosh", "?", Some(27017), "Loop")],
            ),
            (
                "the issue: mysql with an env-only host",
                "sh",
                "until mysql -e 'select 1'; do sleep 2; done",
                &[("MYSQL_HOST", "mariadb")],
                vec![("mysql", "mariadb", Some(3306), "Loop")],
            ),
            (
                "MySQL's --defaults-file (its [client] host= names the server, not the socket)",
                "sh",
                "while ! mysql --defaults-file=/tmp/client.cnf -e 'SELECT 1'; do sleep 2; done",
                &[],
                vec![("mysql", "?", Some(3306), "Loop")],
            ),
            (
                "the same with --defaults-extra-file",
                "sh",
                "until mysqladmin --defaults-extra-file=/etc/my.cnf.d/c.cnf ping; do sleep 2; done",
                &[],
                vec![("mysqladmin", "?", Some(3306), "Loop")],
            ),
        ];
        check_rows(rows);
    }

    /// A command kept in a variable and run unquoted: its value split into words.
    #[test]
    fn a_command_in_a_variable() {
        let rows: Vec<Row> = vec![
            (
                "chatwoot/charts charts/chatwoot/templates/migrations-job.yaml",
                "sh",
                "PG_READY=\"pg_isready -h myrel-chatwoot-postgresql -p 5432\"; until $PG_READY; do sleep 2; done; echo \"Database ready to accept connections.\"  ;",
                &[],
                vec![(
                    "pg_isready",
                    "myrel-chatwoot-postgresql",
                    Some(5432),
                    "Loop",
                )],
            ),
            (
                "the same with braces and an argument after it",
                "sh",
                "CHECK='nc -z'; until ${CHECK} db 5432; do sleep 1; done",
                &[],
                vec![("nc", "db", Some(5432), "Loop")],
            ),
        ];
        check_rows(rows);
        // Quoted, the value is one word: a command named "pg_isready -h db", not read.
        assert!(seen("C='pg_isready -h db'; until \"$C\"; do sleep 1; done", &[]).is_empty());
    }

    #[test]
    fn kubectl_shapes() {
        let rows: Vec<Row> = vec![
            (
                "elixierco/elixier wait-gitweb.tpl (the command written out)",
                "sh",
                "kubectl wait pod/gitweb-0 --for=condition=ContainersReady --timeout=3600s",
                &[],
                vec![("kubectl wait", "-", None, "ToolWaits")],
            ),
            (
                "karmada-io/karmada karmada-static-resource-job.yaml (a heredoc fed to bash)",
                "sh",
                "bash <<'EOF'\nset -ex\nkubectl rollout status deployment myrel-apiserver -n karmada-system\nkubectl apply -k /crds --kubeconfig /etc/kubeconfig\nEOF\n",
                &[],
                vec![("kubectl rollout status", "-", None, "ToolWaits")],
            ),
            (
                "dify-helm ci/scripts/setup-external-mysql-dns.sh",
                "bash",
                "kubectl rollout status deployment/coredns -n kube-system --timeout=120s",
                &[],
                vec![("kubectl rollout status", "-", None, "ToolWaits")],
            ),
        ];
        check_rows(rows);
        // `kubectl get pods … -o jsonpath=…ready…` polled: the pods' readiness.
        use crate::command::{Target, tools::tests::extraction};
        let polled: &[(&str, &str, Option<&str>, &[&str])] = &[
            (
                "bitwarden/helm-charts post-install-db-migrator-job.yaml",
                "until ready=\"$(kubectl get pods -n corpus -l app=myrel-self-host-admin -o jsonpath=\"{.items[*].status.containerStatuses[*].ready}\")\"; [ -n \"$ready\" ] && ! echo \"$ready\" | grep -q false; do sleep 1; done",
                Some("app=myrel-self-host-admin"),
                &[],
            ),
            (
                "a pod by name, its Ready condition",
                "while [ \"$(kubectl get pod db-0 -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" != True ]; do sleep 2; done",
                None,
                &["db-0"],
            ),
        ];
        for (source, script, selector, names) in polled {
            let e = extraction("sh", script);
            let pods: Vec<_> = e
                .checks
                .iter()
                .filter_map(|c| match &c.target {
                    Target::Pods {
                        selector, names, ..
                    } => Some((selector.clone(), names.clone())),
                    _ => None,
                })
                .collect();
            let want = (
                selector.map(str::to_string),
                names.iter().map(ToString::to_string).collect::<Vec<_>>(),
            );
            assert_eq!(pods, [want], "{source}");
        }
        // Run bare, `kubectl get` exits 0 when nothing matches: no wait read, said.
        let e = extraction("sh", "until kubectl get pods -l app=db; do sleep 1; done");
        assert!(
            e.checks
                .iter()
                .all(|c| matches!(c.target, Target::Sleep { .. }))
        );
        assert_eq!(e.not_understood.len(), 1, "{:?}", e.not_understood);
        // `rollout history`, `rollout restart`: no wait.
        assert!(seen("kubectl rollout history deployment/api", &[]).is_empty());
    }

    #[test]
    fn a_loop_waiting_on_what_is_not_read_is_said() {
        use crate::command::tools::tests::extraction;
        let cases: &[(&str, &str, &str)] = &[
            // karmada-io/karmada _helpers.tpl (waitStaticResource): a loop in a here-document
            // fed to bash, on a ConfigMap's value.
            (
                "sh",
                "bash <<'EOF'\nset -ex\nwhile [[ $(kubectl --kubeconfig /etc/kubeconfig get configmap karmada-version -n karmada-system -o jsonpath='{.data.karmadaVersion}') != v1.14.0 ]]; do\n  echo \"wait\"; sleep 2\ndone\nEOF\n",
                "[[ $(kubectl --kubeconfig /etc/kubeconfig get configmap karmada-version -n karmada-system -o jsonpath='{.data.karmadaVersion}') != v1.14.0 ]]",
            ),
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

    /// k8s-wait-for under its image's entrypoint (`args` only), and kubectl under bitnami's.
    #[test]
    fn image_entrypoints() {
        use crate::command::{Target, extract};
        use k8s_openapi::api::core::v1::Pod;
        use serde_json::json;
        let read = |image: &str, args: serde_json::Value| {
            let pod: Pod = serde_json::from_value(json!({
                "metadata": {"name": "app", "namespace": "shop"},
                "spec": {"containers": [{"name": "main", "image": "x"}],
                         "initContainers": [{"name": "w", "image": image, "args": args}]}
            }))
            .unwrap();
            let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
            extract(&pod, c, None)
        };
        let shown = |t: &Target| match t {
            Target::Pods {
                selector,
                names,
                namespace,
                ..
            } => format!(
                "pods {}{} in {}",
                selector
                    .clone()
                    .map(|s| format!("-l {s}"))
                    .unwrap_or_default(),
                names.join(","),
                namespace.clone().unwrap_or_default()
            ),
            Target::Job {
                name, namespace, ..
            } => {
                format!("job {name} in {}", namespace.clone().unwrap_or_default())
            }
            Target::Workload {
                kind,
                name,
                selector,
                namespace,
                ..
            } => format!(
                "{kind} {}{} in {}",
                name.clone().unwrap_or_default(),
                selector
                    .clone()
                    .map(|s| format!("-l {s}"))
                    .unwrap_or_default(),
                namespace.clone().unwrap_or_default()
            ),
            Target::Host(h) => format!("host {}", h.written),
            t => format!("{t:?}"),
        };
        let k8s = "ghcr.io/groundnuty/k8s-wait-for:v2.0";
        let rows: Vec<(&str, &str, serde_json::Value, Vec<&str>)> = vec![
            (
                "openfga/helm-charts deployment.yaml",
                k8s,
                json!(["job-wr", "openfga-migrate"]),
                vec!["job openfga-migrate in "],
            ),
            (
                "onedata/charts oneclient deployment.yaml (a folded `>` selector)",
                k8s,
                json!(["pod", "-lapp=token-dispenser\n"]),
                vec!["pods -l app=token-dispenser in "],
            ),
            (
                "onedata/charts job-users.yaml (`-l` then a blank)",
                k8s,
                json!(["pod", "-l release in (dev), chart notin (a, b)\n"]),
                vec!["pods -l release in (dev), chart notin (a, b) in "],
            ),
            (
                "groundnuty/k8s-wait-for README",
                k8s,
                json!(["pod-wr", "-lapp=develop-volume-gluster-krakow"]),
                vec!["pods -l app=develop-volume-gluster-krakow in "],
            ),
            (
                "wait_for.sh: `service NAME` and kubectl's own `-n`",
                k8s,
                json!(["service", "sqlserver", "-n", "data"]),
                vec!["host sqlserver"],
            ),
            (
                "wait_for.sh: `job NAME -n NS`",
                k8s,
                json!(["job", "init-db", "-n", "data"]),
                vec!["job init-db in data"],
            ),
            // Modes the script does not have fail at once: not a wait.
            (
                "wait_for.sh: `pod-r` is no mode",
                k8s,
                json!(["pod-r", "-lapp=x"]),
                vec![],
            ),
            // Jobs by label: wait_for.sh runs `kubectl describe jobs "-l…" KUBECTL_ARGS`, so
            // `-lSEL`, `-l SEL` and a set-based selector all pick the Jobs by label.
            (
                "onedata/charts job-groups.yaml",
                k8s,
                json!(["job", "-l release in (dev), dependency-level notin (0)"]),
                vec!["job -l release in (dev), dependency-level notin (0) in "],
            ),
            (
                "wait_for.sh: `job -l key=value` (the selector in the next word)",
                k8s,
                json!(["job", "-l", "app=migrate", "-n", "data"]),
                vec!["job -l app=migrate in data"],
            ),
            (
                "wait_for.sh: `job-wr -lkey=value`",
                k8s,
                json!(["job-wr", "-lapp.kubernetes.io/component=migrations"]),
                vec!["job -l app.kubernetes.io/component=migrations in "],
            ),
            (
                "wait_for.sh: `pod -l key=value`",
                k8s,
                json!(["pod", "-l", "app=db"]),
                vec!["pods -l app=db in "],
            ),
            // `kubectl rollout status` waits for a workload's rollout.
            (
                "karmada-io/karmada charts/karmada/templates/karmada-static-resource-job.yaml",
                "bitnami/kubectl:1.31",
                json!([
                    "rollout",
                    "status",
                    "deployment",
                    "myrel-apiserver",
                    "-n",
                    "karmada-system"
                ]),
                vec!["deployment myrel-apiserver in karmada-system"],
            ),
            (
                "kubeflow/manifests .github/workflows/istio_validation.yaml",
                "bitnami/kubectl:1.31",
                json!([
                    "rollout",
                    "status",
                    "daemonset/istio-cni-node",
                    "-n",
                    "kube-system",
                    "--timeout=120s"
                ]),
                vec!["daemonset istio-cni-node in kube-system"],
            ),
            (
                "apolloconfig/apollo-helm-chart .github/workflows/helm-validate.yml (`-n` before `rollout`)",
                "alpine/k8s:1.30.2",
                json!([
                    "kubectl",
                    "-n",
                    "apollo",
                    "rollout",
                    "status",
                    "statefulset/mysql",
                    "--timeout=10m"
                ]),
                vec!["statefulset mysql in apollo"],
            ),
            (
                "langfuse/langfuse-k8s examples/upgrade-v1-to-v2/README.md (`deploy/`)",
                "alpine/k8s:1.30.2",
                json!([
                    "kubectl",
                    "-n",
                    "langfuse",
                    "rollout",
                    "status",
                    "deploy/langfuse-v2-web",
                    "--timeout=600s"
                ]),
                vec!["deployment langfuse-v2-web in langfuse"],
            ),
            (
                "kubectl pkg/cmd/rollout/rollout_status.go: `-l` and `-w`",
                "rancher/kubectl:v1.30.2",
                json!(["rollout", "status", "-w", "statefulset", "-l", "app=db"]),
                vec!["statefulset -l app=db in "],
            ),
            // Not a rollout status: nothing waited on, said not understood.
            (
                "kubectl rollout restart",
                "bitnami/kubectl:1.31",
                json!(["rollout", "restart", "deployment/web"]),
                vec![],
            ),
            (
                "elixierco/elixier wait-createdb.tpl",
                "bitnami/kubectl:1.29",
                json!([
                    "wait",
                    "job/pgsql-createdb",
                    "--for=condition=complete",
                    "--timeout=3600s"
                ]),
                vec!["job pgsql-createdb in "],
            ),
            (
                "elixierco/elixier wait-minio.tpl",
                "docker.io/bitnami/kubectl",
                json!(["wait", "pod", "minio-0", "--for=condition=containersready"]),
                vec!["pods minio-0 in "],
            ),
            (
                "rancher/kubectl (its entrypoint is kubectl)",
                "rancher/kubectl:v1.30.2",
                json!(["wait", "--for=condition=Ready", "pod", "-l", "app=db"]),
                vec!["pods -l app=db in "],
            ),
            // alpine/k8s has no entrypoint: `args` are the command.
            (
                "alpine-docker/k8s Dockerfile",
                "alpine/k8s:1.30.2",
                json!(["kubectl", "wait", "job/x", "--for=condition=complete"]),
                vec!["job x in "],
            ),
        ];
        for (source, image, args, want) in rows {
            let e = read(image, args);
            let got: Vec<String> = e.checks.iter().map(|c| shown(&c.target)).collect();
            assert_eq!(got, want, "{source}");
            if want.is_empty() {
                assert_eq!(
                    e.not_understood.len(),
                    1,
                    "{source}: {:?}",
                    e.not_understood
                );
            }
        }
    }
}
