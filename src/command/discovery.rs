//! Scripts that discover their peers: a DNS lookup lists addresses (`addr=$(nslookup -type=a
//! peers | …)`, `for ip in $(dig +short peers)`), then a client tries each in turn (`nc $line
//! 2181`). What they wait on is not one target: neither the lookup nor the hosts it finds are
//! reported as checks, and the script is said not understood.

use super::expand::Unknown;
use super::script::{LISTED_BY_DNS, READ_AT_RUN_TIME};
use super::{Check, Extraction, Part, Target, Tool};

/// Drop a discovery script's checks and say what it does instead.
pub(super) fn settle(out: &mut Extraction) {
    let listed = |c: &Check| host_unknown(c, LISTED_BY_DNS);
    let read = |c: &Check| host_unknown(c, READ_AT_RUN_TIME);
    // A DNS tool whose answer is captured (piped or substituted), not its exit status tested.
    let lookup = |c: &Check| {
        matches!(
            c.tool,
            Tool::Nslookup | Tool::Dig | Tool::Host | Tool::Getent
        ) && !c.decides
    };
    let has_lookup = out.checks.iter().any(lookup);
    let discovered = |c: &Check| listed(c) || (has_lookup && read(c));
    let tried: Vec<String> = out
        .checks
        .iter()
        .filter(|c| discovered(c))
        .map(|c| c.fragment.clone())
        .collect();
    if tried.is_empty() {
        return;
    }
    let lookups: Vec<String> = out
        .checks
        .iter()
        .filter(|c| lookup(c))
        .map(|c| c.fragment.clone())
        .collect();
    out.checks.retain(|c| !discovered(c) && !lookup(c));
    let mut said = format!("{} (peers found at run time", tried.join("; "));
    if !lookups.is_empty() {
        said.push_str(&format!(" by {}", lookups.join("; ")));
    }
    said.push_str(", tried in turn: not one target)");
    out.not_understood.push(said);
}

/// True when the check's host is unknown because of a value described by `marker`.
fn host_unknown(c: &Check, marker: &str) -> bool {
    let Target::Host(h) = &c.target else {
        return false;
    };
    let Part::Unknown(us) = &h.host else {
        return false;
    };
    us.iter()
        .any(|u| matches!(u, Unknown::Dynamic { text } if text.ends_with(marker)))
}

#[cfg(test)]
mod tests {
    use crate::command::tools::tests::{Seen, seen_in};

    #[test]
    fn discovery_scripts_name_no_target() {
        let cases: Vec<(&str, &str, Vec<Seen>)> = vec![
            // The issue: dig lists the peers, nc tries whichever answers.
            (
                "sh",
                "until for ip in $(dig +short zk-headless); do nc -z $ip 2181 && exit 0; done; do sleep 2; done",
                vec![],
            ),
            (
                "bash",
                "while true; do\n  addr=$(nslookup -type=a zk-headless | grep Address: | awk 'NR>1 {print $2}')\n  while read -r line; do\n    mode=$(echo srvr | nc $line 2181 | grep Mode)\n    [ \"$mode\" = \"Mode: leader\" ] && exit 0\n  done <<EOF\n$addr\nEOF\n  sleep 2\ndone",
                vec![],
            ),
            // A lookup whose count is waited on is a wait on the name: not discovery.
            (
                "sh",
                "n=0; until [ $n -ge 1 ]; do n=$(nslookup broker | grep Name | wc -l); sleep 1; done",
                vec![("nslookup", "broker", None, "Loop")],
            ),
            // A variable read from a file is not a discovered peer without a lookup.
            (
                "sh",
                "read -r host < /etc/db-host; until nc -z $host 5432; do sleep 1; done",
                vec![("nc", "?", Some(5432), "Loop")],
            ),
        ];
        for (shell, script, want) in cases {
            let e = super::super::tools::tests::extraction(shell, script);
            assert_eq!(seen_in(shell, script, &[]), want, "{script}");
            if want.is_empty() {
                assert!(
                    e.not_understood
                        .iter()
                        .any(|n| n.contains("peers found at run time")),
                    "{script}: {:?}",
                    e.not_understood
                );
            }
        }
    }
}
