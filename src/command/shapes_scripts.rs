//! Shapes of scripts seen in public charts, each a row tested on the text it was seen in (its
//! source named): a replica's name built in a `for` loop over `$(seq …)`, a client whose
//! server is written in an option file the script writes first, and a URL split by `awk` on a
//! set of separators.

#[cfg(test)]
mod tests {
    use crate::command::tools::tests::{check_rows, seen_in};

    /// `for i in $(seq 0 $(expr $count - 1))`: the loop runs once per number `seq` prints.
    #[test]
    fn replicas_counted_with_seq_and_expr() {
        check_rows(vec![
            (
                "apache/inlong docker/kubernetes/templates/tubemq-manager-statefulset.yaml",
                "sh",
                "count=1\nfor i in $(seq 0 $(expr $count - 1))\ndo\n  replica=\"inlong-mysql-$i\"\n  host=\"$replica.inlong-mysql.corpus.svc.cluster.local\"\n  port=3306\n  until nc -z $host $port 2>/dev/null\n  do\n    echo \"waiting for host:$host port:$port to be ready\"\n    sleep 3\n  done\ndone\n",
                &[],
                vec![(
                    "nc",
                    "inlong-mysql-0.inlong-mysql.corpus.svc.cluster.local",
                    Some(3306),
                    "Loop",
                )],
            ),
            (
                "seq FIRST INCR LAST, expr's other operators",
                "sh",
                "for i in $(seq 1 2 $(expr 3 \\* 2)); do until nc -z db-$i 5432; do sleep 1; done; done",
                &[],
                vec![
                    ("nc", "db-1", Some(5432), "Loop"),
                    ("nc", "db-3", Some(5432), "Loop"),
                    ("nc", "db-5", Some(5432), "Loop"),
                ],
            ),
            (
                "seq with nothing to print: the body never runs",
                "sh",
                "n=0; for i in $(seq 0 $(expr $n - 1)); do until nc -z db-$i 5432; do sleep 1; done; done",
                &[],
                vec![],
            ),
            (
                "a count from the environment",
                "sh",
                "for i in $(seq 0 $(expr $REPLICAS - 1)); do until nc -z zk-$i.zk 2181; do sleep 1; done; done",
                &[("REPLICAS", "2")],
                vec![
                    ("nc", "zk-0.zk", Some(2181), "Loop"),
                    ("nc", "zk-1.zk", Some(2181), "Loop"),
                ],
            ),
        ]);
    }

    /// Numbers that cannot be known, or too many of them: the replica is not named.
    #[test]
    fn arithmetic_that_is_not_certain_names_nothing() {
        for script in [
            "for i in $(seq 0 $(expr $UNSET - 1)); do until nc -z db-$i 1; do sleep 1; done; done",
            "for i in $(seq 0 100000); do until nc -z db-$i 1; do sleep 1; done; done",
            "for i in $(seq 0 $(expr 1 / 0)); do until nc -z db-$i 1; do sleep 1; done; done",
            "for i in $(seq 0 $(expr 9223372036854775807 + 1)); do until nc -z db-$i 1; do sleep 1; done; done",
        ] {
            let seen = seen_in("sh", script, &[]);
            assert!(
                seen.iter().all(|(_, host, _, _)| !host.starts_with("db-")),
                "{script}: {seen:?}"
            );
        }
    }
    /// `cat <<EOF > FILE` then `mysql --defaults-file=FILE`: the server named in the file's
    /// `[client]` group.
    #[test]
    fn an_option_file_the_script_writes() {
        check_rows(vec![
            (
                "passbolt/charts-passbolt templates/deployment.yaml (the MariaDB wait)",
                "bash",
                "set -e\nclient=\"mariadb\"\ncat <<-EOF > /tmp/defaultsfile.cnf\n[client]\nuser=${DATASOURCES_DEFAULT_USERNAME}\npassword=${DATASOURCES_DEFAULT_PASSWORD}\nhost=${DATASOURCES_DEFAULT_HOST}\nconnect-timeout=2\nssl=off\nEOF\nuserhost=\"%\"\nclient=\"mariadb\"\nwhile ! ${client} --defaults-file=/tmp/defaultsfile.cnf -e \"SELECT 1\" > /dev/null 2>&1; do\n  echo \"Waiting for database connection...\"\n  sleep 2\ndone\n",
                &[("DATASOURCES_DEFAULT_HOST", "myrel-mariadb")],
                vec![("mysql", "myrel-mariadb", Some(3306), "Loop")],
            ),
            (
                "`key = value`, a port, and a flag winning over the file",
                "sh",
                "cat > /tmp/my.cnf <<EOF\n[mysqld]\nhost = wrong\n[client]\nhost = db\nport = 3307\nEOF\nuntil mysqladmin --defaults-extra-file=/tmp/my.cnf ping; do sleep 1; done\nuntil mysql --defaults-file=/tmp/my.cnf -h other -e 'SELECT 1'; do sleep 1; done",
                &[],
                vec![
                    ("mysqladmin", "db", Some(3307), "Loop"),
                    ("mysql", "other", Some(3307), "Loop"),
                ],
            ),
            (
                "a quoted delimiter: the body is not expanded, so not kept; the host is the file's, unknown",
                "sh",
                "cat <<'EOF' > /tmp/my.cnf\n[client]\nhost=${DB}\nEOF\nuntil mysql --defaults-file=/tmp/my.cnf -e 'SELECT 1'; do sleep 1; done",
                &[("DB", "db")],
                vec![("mysql", "?", Some(3306), "Loop")],
            ),
        ]);
    }

    /// `awk -F ';|/'`: a separator written as an ERE of single characters splits on any of them
    /// (what busybox awk and mawk print for it); `nc HOST:PORT` then connects to the pair.
    #[test]
    fn a_value_split_by_awk_on_a_set_of_separators() {
        check_rows(vec![
            (
                "Alfresco/alfresco-helm-charts charts/alfresco-repository/templates/deployment.yaml (wait-db-ready)",
                "sh",
                "NCTARGET=$(echo \"$DATABASE_URL\" | awk -F ';|/' '{print $3}')\necho -n \"Checking database socket: \"\nif [[ \"$NCTARGET\" == *\":\"* ]]; then\n  until nc -vw1 $NCTARGET; do\n    sleep 2\n  done\nelse echo \"No port in jdbc URL $DATABASE_URL. Can't guess it so skipping db status check\"\nfi\n",
                &[(
                    "DATABASE_URL",
                    "jdbc:postgresql://myrel-postgresql:5432/alfresco",
                )],
                vec![("nc", "myrel-postgresql", Some(5432), "Loop")],
            ),
            (
                "a bracket of separators",
                "sh",
                "until nc -z $(echo \"$U\" | awk -F '[;/]' '{print $3}') 5432; do sleep 1; done",
                &[("U", "jdbc:postgresql://db/x")],
                vec![("nc", "db", Some(5432), "Loop")],
            ),
            (
                "a regular expression that is not a set of characters is not read",
                "sh",
                "until nc -z $(echo \"$U\" | awk -F '/+' '{print $2}') 5432; do sleep 1; done",
                &[("U", "jdbc:postgresql://db/x")],
                vec![("nc", "?", Some(5432), "Loop")],
            ),
        ]);
    }
}
