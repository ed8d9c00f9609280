//! What a blocked init container waits on, and why it is not there yet.
//!
//! Most stuck init containers are loops waiting for something (`until nslookup mydb`,
//! `until nc -z db 5432`, `pg_isready -h postgres`, `kubectl wait … pod -l app=db`). This module
//! reads those commands and checks what they wait on against the cluster's objects. It is pure:
//!
//! 1. [`expand`] applies Kubernetes' own `$(VAR)` expansion and knows where each variable comes
//!    from (literal, ConfigMap, Secret, field ref, Service link);
//! 2. [`shell`] reads `sh -c` scripts: simple commands and the loop or `if` each one guards;
//! 3. [`command`] turns each simple command into a [`command::Check`] (tool, target, port, how
//!    it repeats), or reports it as not understood — never a guess;
//! 4. [`resolve`] resolves names the way the pod's resolver does (search path, `dnsPolicy`,
//!    `hostAliases`) and finds Services, EndpointSlices and backing Pods;
//! 5. [`findings`](mod@findings) turns each check into [`Finding`]s with `target` (as written) and `resolved`,
//!    following backing pods that are themselves stuck in init (bounded, no loops);
//! 6. `render::waits` (outside this module) prints the table's "waits for" section.
//!
//! The edge ([`crate::cluster::waits`]) fetches [`WaitObjects`] in the same round as the rest
//! of a pod's evidence, and only when [`needs`] says the blocker names something to resolve;
//! for many pods it fetches once for the union of their needs, and [`shared`] hands each pod
//! its part.
//!
//! To add a tool: one entry in [`command::tools::TOOLS`] and the `fn` reading its options in
//! its family's file under `command/tools/`. To add a finding: give it a code in [`CODES`] and
//! produce it in [`findings`](mod@findings) (the file of what its target is); list it in
//! `docs/findings.md`.

pub mod findings;
pub mod near;
mod referenced;
pub mod resolve;
pub mod shared;

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use crate::command::{self, expand};
use crate::finding::Finding;
pub use crate::finding::ObjectRef;
use crate::status::is_sidecar;
use crate::timeline;

pub use findings::{findings, findings_each};

/// The cluster domain unless `--cluster-domain` says otherwise.
pub const DEFAULT_CLUSTER_DOMAIN: &str = "cluster.local";

/// The codes of the findings this module produces.
pub const CODES: &[&str] = &[
    "ServiceNotFound",
    "ServiceInOtherNamespace",
    "ServiceNameTypo",
    "ServiceNoEndpoints",
    "ServiceEndpointsNotReady",
    "ServicePortMismatch",
    "HeadlessNotResolvable",
    "ExternalNameService",
    "ResolvesButWaits",
    "BusyboxNslookupQuirk",
    "CheckNeverWaits",
    "CheckWillFail",
    "WaitingOnPod",
    "WaitingOnJob",
    "DnsPolicyBypassesClusterDns",
    "PingClusterIp",
    "WaitsOnLocalhost",
    "ExternalTarget",
    "TargetUnknown",
    "EmptyTarget",
    "TimedWait",
    "WaitNotUnderstood",
    "WaitingOnRollout",
    // Made from these by the diagnosis once the log or the pod itself is read
    // (`diagnosis::logcause`, `diagnosis::selfwait`); still waits, printed with them.
    "WaitLogShowsCause",
    "WaitsOnItself",
    "WaitCycle",
];

/// True for a finding of this module (the table prints those under "waits for").
pub fn owns(finding: &Finding) -> bool {
    CODES.contains(&finding.code.as_str())
}

/// EndpointSlices as the lookups hold them: each decoded once and shared, never copied, by
/// the answers and every pod's [`WaitObjects`] (a Service's slices may name thousands of
/// endpoints, and each round of planning and each pod's findings see them).
pub type SharedSlices = Vec<Arc<EndpointSlice>>;

/// [`SharedSlices`] of `slices`.
pub fn shared_slices(slices: Vec<EndpointSlice>) -> SharedSlices {
    slices.into_iter().map(Arc::new).collect()
}

/// The objects the waits of one pod are checked against, fetched by the edge in one round.
#[derive(Debug, Clone, Default)]
pub struct WaitObjects {
    /// False when nothing was fetched (only the cluster domain is set).
    pub fetched: bool,
    /// The cluster DNS domain (`--cluster-domain`), empty for the default.
    pub cluster_domain: String,
    /// Of the pod's namespace: the Services found by ClusterIP (and, when a Service there is
    /// missing, every Service's name as metadata only), the EndpointSlices of Services found by
    /// IP, and the Pods the waits select, name or reach by IP (see [`shared`]).
    pub services: Arc<Vec<Service>>,
    pub endpoint_slices: SharedSlices,
    pub pods: Arc<Vec<Pod>>,
    /// The ConfigMaps the init containers' env refers to.
    pub config_maps: Vec<ConfigMap>,
    /// Services, in every namespace, named like a target (for other namespaces and near misses).
    pub services_by_name: Vec<Service>,
    /// When the list of every namespace was refused: the only namespaces `services_by_name`
    /// was read in (empty: every namespace was read). A Service elsewhere is unknown.
    pub services_only_in: Vec<String>,
    /// EndpointSlices, in every namespace, of Services named like a target.
    pub other_slices: SharedSlices,
    /// The Jobs waited on.
    pub jobs: Vec<Job>,
    /// `kube-system/kube-dns`, read when a pod has `dnsPolicy: None`.
    pub cluster_dns: Option<Service>,
    /// What could not be read, one line each ("cannot list services in other namespaces: …").
    pub problems: Vec<String>,
}

/// What the edge must fetch for one pod's waits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub namespace: String,
    /// Service names to look up in every namespace.
    pub service_names: BTreeSet<String>,
    /// ConfigMaps of the pod's namespace the env refers to.
    pub config_maps: BTreeSet<String>,
    /// Jobs: (namespace, name).
    pub jobs: BTreeSet<(String, String)>,
    /// Read the cluster DNS Service (`dnsPolicy: None`).
    pub cluster_dns: bool,
}

/// The init containers still to run, from the blocker on, with their index: native sidecars
/// excluded, but for the blocker itself (a sidecar that has not started may be held by a
/// connection it makes, which is read; what it serves is not a wait).
pub fn pending_init_containers(pod: &Pod) -> Vec<(usize, &Container)> {
    let rows = timeline::rows(pod);
    let Some(blocking) = timeline::blocking(pod, &rows) else {
        return Vec::new();
    };
    let inits = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    inits
        .iter()
        .enumerate()
        .skip(blocking.index)
        .filter(|(i, c)| {
            (!is_sidecar(c) || *i == blocking.index) && !rows.get(*i).is_some_and(|r| r.done)
        })
        .collect()
}

/// What to fetch for `pod`, or `None` when its pending init containers name nothing to resolve
/// (then no call is made).
pub fn needs(pod: &Pod) -> Option<Needs> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let mut needs = Needs {
        namespace: namespace.clone(),
        ..Default::default()
    };
    let mut any = false;
    for (_, container) in pending_init_containers(pod) {
        let extraction = command::extract(pod, container, None);
        if extraction.needs_cluster() {
            any = true;
        }
        for check in &extraction.checks {
            match &check.target {
                command::Target::Host(h) => match &h.host {
                    command::Part::Known(name) => {
                        needs.service_names.extend(candidate_services(name));
                    }
                    command::Part::ServiceLink(s) => {
                        needs.service_names.insert(s.clone());
                    }
                    command::Part::Unknown(unknowns) => {
                        if unknowns
                            .iter()
                            .any(|u| matches!(u, expand::Unknown::ConfigMap { .. }))
                        {
                            any = true;
                        }
                    }
                },
                command::Target::Job {
                    namespace: ns,
                    name,
                    ..
                } => {
                    needs.jobs.insert((
                        ns.clone().unwrap_or_else(|| namespace.clone()),
                        name.clone(),
                    ));
                }
                _ => {}
            }
        }
        for env in container.env.iter().flatten() {
            if let Some(r) = env
                .value_from
                .as_ref()
                .and_then(|v| v.config_map_key_ref.as_ref())
            {
                needs.config_maps.insert(r.name.clone());
            }
        }
        for from in container.env_from.iter().flatten() {
            if let Some(r) = &from.config_map_ref {
                needs.config_maps.insert(r.name.clone());
            }
        }
    }
    if !any {
        return None;
    }
    needs.cluster_dns = pod.spec.as_ref().and_then(|s| s.dns_policy.as_deref()) == Some("None");
    Some(needs)
}

/// The Service names a host name may denote, in any namespace: its first label, and its second
/// (`web-0.nginx…`, a pod under a headless Service).
pub(crate) fn candidate_services(name: &str) -> Vec<String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.parse::<std::net::IpAddr>().is_ok() || name == "localhost" {
        return Vec::new();
    }
    let labels: Vec<&str> = name.split('.').collect();
    let valid = |l: &&&str| {
        !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    labels
        .iter()
        .take(2)
        .filter(valid)
        .map(ToString::to_string)
        .collect()
}

#[cfg(test)]
mod fuzz {
    //! The readers never panic, whatever the command.
    use super::*;
    use crate::command::shell;
    use proptest::prelude::*;
    use serde_json::json;

    fn pod(command: Vec<String>, args: Vec<String>) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "c"}],
                     "initContainers": [{"name": "i", "image": "busybox", "command": command, "args": args,
                        "env": [{"name": "A", "value": "db"}, {"name": "S", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}]},
            "status": {"initContainerStatuses": [{"name": "i", "image": "busybox", "imageID": "", "ready": false,
                "restartCount": 0, "state": {"running": {}}}]}
        }))
        .unwrap()
    }

    /// What one generated input may take, reading and explaining it (a debug build on a busy
    /// machine): the reader's own budget is milliseconds, a slow input is seconds.
    const PER_INPUT: std::time::Duration = std::time::Duration::from_secs(2);

    fn everything(command: Vec<String>, args: Vec<String>) {
        let start = std::time::Instant::now();
        let shown = format!("{command:?} {args:?}");
        read_and_explain(command, args);
        let took = start.elapsed();
        assert!(took < PER_INPUT, "{shown} took {took:?}");
    }

    fn read_and_explain(command: Vec<String>, args: Vec<String>) {
        let p = pod(command, args);
        let _ = needs(&p);
        let objects = WaitObjects {
            fetched: true,
            services: Arc::new(serde_json::from_value(json!([
                {"metadata": {"name": "db", "namespace": "shop"}, "spec": {"clusterIP": "None", "selector": {"app": "db"}}}
            ]))
            .unwrap()),
            pods: Arc::new(vec![p.clone()]),
            ..Default::default()
        };
        let _ = findings(&p, Some(&objects), jiff::Timestamp::UNIX_EPOCH);
    }

    const SHELLISH: &str = "[a-z0-9 $(){}'\"`;|&<>\\\\#=:/.@\n\t!*?~,+-]{0,160}";

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn scripts_never_panic(script in SHELLISH) {
            let _ = shell::parse_text(&script);
            everything(vec!["sh".into(), "-c".into(), script.clone()], vec![]);
            let words: Vec<String> = script.split(' ').map(str::to_string).collect();
            everything(words, vec![]);
        }

        #[test]
        fn any_text_never_panics(script in ".{0,200}", arg in ".{0,40}") {
            let _ = shell::parse_text(&script);
            let _ = expand::expand(&script, &expand::EnvTable::from_literals([("A", "b")]));
            everything(vec!["bash".into(), "-ec".into(), script], vec![arg.clone()]);
            everything(vec!["nc".into(), "-z".into(), arg.clone(), arg], vec![]);
        }

        #[test]
        fn tools_with_arbitrary_arguments_never_panic(
            tool in prop::sample::select(vec!["nslookup", "dig", "host", "getent hosts", "ping", "nc -z", "telnet",
                "curl", "wget", "pg_isready", "mysqladmin ping", "mysql", "redis-cli", "mongosh", "wait-for-it.sh",
                "dockerize -wait", "kubectl wait", "sleep", "timeout", "env", "exec", "wait-for-port", "cqlsh",
                "kafka-topics.sh --bootstrap-server", "retry_while", "f() { nc -z $1 1; }; f", "exec 3<>/dev/tcp",
                "grpc-health-probe -addr=", "etcdctl --endpoints", "wait4x http", "wait4x tcp", "wait4x mysql", "wait4x mongodb", "for i in $(seq 0 $(expr", "cat <<EOF > /f\n[client]\nhost=$H\nEOF\nmysql --defaults-file=/f",
                "kubernetes-entrypoint", "[ \"$(curl -s", "[[ $(nc -z", "read -r h; nc -z $h",
                "kubectl rollout status", "kubectl -n x rollout status deploy/", "wait_for.sh job -l",
                "[ \"$(kubectl get pods -o jsonpath={.ready} -l", "./check $AMQP_URL", "C=\"nc -z\"; $C",
                "postgresql_execute d u p -h", "postgresql_remote_execute", "debug_execute",
                "appsmith_wait_for_mongodb_connection", "mastodon_wait_for_redis_connection",
                "f() { local a=(); nc \"${a[@]}\" ${1:-?m}; }; f", "H=a,b; nc ${H//,/ }",
                "matrix-tools tcpwait -address", "readiness --service-name", "readiness --job-name",
                "kubectl wait --for=condition=available deploy/", "E=${A}:${S}; curl $E",
                "pod-dependency-init-container", "nc $(echo $U | awk -F ';|/' '{print $3}')", "kcat -L -b"]),
            rest in "[a-z0-9:/.@=$(){}_ -]{0,60}",
        ) {
            let script = format!("until {tool} {rest}; do sleep 1; done");
            everything(vec!["sh".into(), "-c".into(), script], vec![]);
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!("{}x{}", "${a:-".repeat(5000), "}".repeat(5000));
        let _ = shell::parse_text(&deep);
        let deep = "(".repeat(5000);
        assert!(shell::parse_text(&deep).error.is_some());
        let wrappers = format!("{}nc -z db 1", "exec ".repeat(5000));
        everything(vec!["sh".into(), "-c".into(), wrappers], vec![]);
        let nested = format!("{}nslookup db{}", "sh -c '".repeat(50), "'".repeat(50));
        everything(vec!["sh".into(), "-c".into(), nested], vec![]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A pod whose native sidecar `side` runs `script`, then a plain init container `wait`;
    /// the sidecar has started or not.
    fn pod(script: &str, started: bool) -> Pod {
        let side = if started {
            json!({"name": "side", "image": "busybox", "imageID": "", "ready": true, "restartCount": 0,
                   "started": true, "state": {"running": {}}})
        } else {
            json!({"name": "side", "image": "busybox", "imageID": "", "ready": false, "restartCount": 2,
                   "started": false, "state": {"waiting": {"reason": "CrashLoopBackOff"}}})
        };
        serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "c"}], "initContainers": [
                {"name": "side", "image": "busybox", "restartPolicy": "Always", "command": ["sh", "-c", script]},
                {"name": "wait", "image": "busybox", "command": ["sh", "-c", "until nc -z cache 6379; do sleep 1; done"]}]},
            "status": {"initContainerStatuses": [side,
                {"name": "wait", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0,
                 "state": if started { json!({"running": {}}) } else { json!({"waiting": {"reason": "PodInitializing"}}) }}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_blocking_sidecars_own_connections_are_read_and_what_it_serves_is_not() {
        // (case, sidecar script, started, pending names, Services looked up, sidecar findings)
        let cases = [
            (
                "a sidecar client held back",
                "wget -q -O /dev/null http://db:8080/",
                false,
                vec!["side", "wait"],
                vec!["cache", "db"],
                true,
            ),
            (
                "a sidecar server held back: no wait",
                "nc -lk -p 8080",
                false,
                vec!["side", "wait"],
                vec!["cache"],
                false,
            ),
            (
                "a started sidecar is not read",
                "wget -q -O /dev/null http://db:8080/",
                true,
                vec!["wait"],
                vec!["cache"],
                false,
            ),
        ];
        for (case, script, started, pending, looked_up, about_side) in cases {
            let p = pod(script, started);
            let names: Vec<&str> = pending_init_containers(&p)
                .iter()
                .map(|(_, c)| c.name.as_str())
                .collect();
            assert_eq!(names, pending, "{case}");
            let asked: Vec<String> = needs(&p)
                .map(|n| n.service_names.into_iter().collect())
                .unwrap_or_default();
            for name in &looked_up {
                assert!(asked.iter().any(|a| a == name), "{case}: {asked:?}");
            }
            let objects = WaitObjects {
                fetched: true,
                ..Default::default()
            };
            let found = findings(&p, Some(&objects), jiff::Timestamp::UNIX_EPOCH);
            let side = found.iter().any(|f| f.container.as_deref() == Some("side"));
            assert_eq!(side, about_side, "{case}: {found:?}");
        }
    }
}
