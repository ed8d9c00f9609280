//! Clients of one service's own protocol that name their server by flag: `grpc-health-probe
//! -addr=HOST:PORT`, `etcdctl --endpoints URLS`, and matrix-tools' `tcpwait -address HOST:PORT`.

use super::{Call, one};
use crate::command::Target;
use crate::command::args::{Arg, host_target, opts, url_target};

/// `grpc-health-probe -addr=HOST:PORT` (also `-addr HOST:PORT`).
pub(super) fn grpc_health_probe(call: &mut Call) -> Vec<Target> {
    go_flag(call.args, "addr")
        .map(|v| one(host_target(&v, None, None)))
        .unwrap_or_default()
}

/// element-hq/ess-helm's `matrix-tools tcpwait -address HOST:PORT`: dials HOST:PORT every second
/// until a TCP connection opens (matrix-tools/internal/pkg/tcpwait/tcpwait.go), with no limit.
pub(super) fn matrix_tools_tcpwait(call: &mut Call) -> Vec<Target> {
    go_flag(call.args.get(1..).unwrap_or(&[]), "address")
        .map(|v| one(host_target(&v, None, None)))
        .unwrap_or_default()
}

/// The value of a flag as Go's `flag` package reads it: `-name V`, `-name=V`, `--name V` or
/// `--name=V`, the last one given winning.
pub(super) fn go_flag(args: &[Arg], name: &str) -> Option<Arg> {
    let mut found = None;
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        let bare = t.strip_prefix("--").or_else(|| t.strip_prefix('-'));
        if let Some(rest) = bare {
            if rest == name {
                found = args.get(i + 1).cloned().or(found);
                i += 1;
            } else if rest.strip_prefix(name).is_some_and(|r| r.starts_with('=')) {
                let n = t.len() - rest.len() + name.len() + 1;
                found = Some(args[i].strip(t[..n].chars().count()));
            }
        }
        i += 1;
    }
    found
}

/// `etcdctl --endpoints URL[,URL…]` (or `ETCDCTL_ENDPOINTS`): every endpoint; none given: the
/// local default, 127.0.0.1:2379.
pub(super) fn etcdctl(call: &mut Call) -> Vec<Target> {
    let o = opts(
        call.args,
        "C",
        &[
            "--endpoints",
            "--endpoint",
            "--cert",
            "--key",
            "--cacert",
            "--user",
            "--dial-timeout",
        ],
    );
    let Some(list) = o
        .get(&["--endpoints", "--endpoint", "-C"])
        .cloned()
        .or_else(|| call.env_arg("ETCDCTL_ENDPOINTS"))
    else {
        return vec![Target::Local {
            port: Some(2379),
            what: "127.0.0.1:2379 (no --endpoints)".into(),
        }];
    };
    split_list(&list)
        .iter()
        .filter_map(|e| {
            if e.text.contains("://") {
                url_target(e)
            } else {
                Some(host_target(e, None, Some(2379)))
            }
        })
        .map(Target::Host)
        .collect()
}

/// `a,b,c` as three arguments (their unknown parts kept).
fn split_list(list: &Arg) -> Vec<Arg> {
    let written: Vec<&str> = list.written.split(',').collect();
    list.text
        .split(',')
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Arg {
            written: written.get(i).map_or(t, |w| w).to_string(),
            text: t.to_string(),
            unknowns: list.unknowns.clone(),
            notes: list.notes.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Seen, seen};

    #[test]
    fn probes() {
        let cases: Vec<(&str, Vec<Seen>)> = vec![
            // bitnami/cilium's hubble relay wait (`retry_while` of libos.sh).
            (
                "retry_while \"grpc-health-probe -addr=hubble-peers.kube-system.svc:4244 -rpc-timeout=2s\"",
                vec![(
                    "grpc-health-probe",
                    "hubble-peers.kube-system.svc",
                    Some(4244),
                    "Loop",
                )],
            ),
            (
                "until grpc-health-probe -addr relay:4245; do sleep 2; done",
                vec![("grpc-health-probe", "relay", Some(4245), "Loop")],
            ),
            // helm/charts stable/stolon's etcd wait.
            (
                "while ! etcdctl --endpoints http://etcd-0.etcd:2379 cluster-health; do sleep 1 && echo -n .; done",
                vec![("etcdctl", "etcd-0.etcd", Some(2379), "Loop")],
            ),
            (
                "until etcdctl --endpoints=e1:2379,e2:2379 endpoint health; do sleep 1; done",
                vec![
                    ("etcdctl", "e1", Some(2379), "Loop"),
                    ("etcdctl", "e2", Some(2379), "Loop"),
                ],
            ),
        ];
        for (script, want) in cases {
            assert_eq!(seen(script, &[]), want, "{script}");
        }
    }
}
