//! More shapes seen in public charts, each a row tested on the text it was seen in (its source
//! named): a `while true` loop left by an `if` test in its body, and a URL that starts with a
//! value not known (its scheme and port may be in that value).

#[cfg(test)]
mod tests {
    use crate::command::tools::tests::{check_rows, extraction};

    /// `while true; do …; if TEST; then exit 0; fi; sleep 1; done`: the `if` test is what ends
    /// the loop; when it is not read, it is said (never silent).
    #[test]
    fn an_if_test_ending_a_while_true_loop_is_its_condition() {
        let cases: &[(&str, &str)] = &[
            // GoogleCloudPlatform/kubernetes-engine-samples
            // databases/elasticsearch/manifests/02-elasticsearch/elasticsearch.yaml
            (
                "while true; do mmc=$(cat /proc/sys/vm/max_map_count); if [ ${mmc} -eq 262144 ]; then exit 0; fi; sleep 1; done",
                "[ ${mmc} -eq 262144 ]",
            ),
            // The same with `test`, and an `until false` loop left by `break`.
            (
                "until false; do if test -s /ready/token; then break; fi; sleep 2; done",
                "test -s /ready/token",
            ),
        ];
        for (script, condition) in cases {
            let e = extraction("sh", script);
            assert!(e.checks.iter().all(|c| c.in_loop), "{script}");
            assert_eq!(
                e.not_understood,
                [format!("{condition} (the condition of a loop)")],
                "{script}"
            );
        }
        // A check in the `if` test is read as the loop's condition, not said unread.
        let e = extraction(
            "sh",
            "while true; do if nc -z db 5432; then exit 0; fi; sleep 1; done",
        );
        assert!(e.not_understood.is_empty() && !e.checks.is_empty());
    }

    /// A URL whose start is a value not known: its host, scheme and port are not assumed.
    #[test]
    fn a_url_starting_with_an_unknown_value() {
        check_rows(vec![
            (
                "truenas/charts charts/minio/1.7.24/templates/deployment.yaml (apiURL from a Secret)",
                "sh",
                "until curl --silent $apiURL/status; do sleep 2; done",
                &[],
                vec![("curl", "?", None, "Loop")],
            ),
            (
                "a known scheme keeps its default port",
                "sh",
                "until curl --silent http://$HOST/status; do sleep 2; done",
                &[],
                vec![("curl", "?", Some(80), "Loop")],
            ),
        ]);
    }
}
