//! The edge for `explain`: fetch what the pure core needs for the selected pods. The pods come
//! first (they say what else is needed); then, in one round of concurrent calls (at most
//! [`REQUESTS_AT_ONCE`] in flight, the wait lookups and owners included), everything else:
//!
//! - events: per namespace with [`EVENTS_LIST_FROM`] or more selected pods, one list of the
//!   namespace's pod events, grouped by involved pod; below that, a field-selected list per pod
//!   (cheaper for one or two);
//! - the blocker's log tails, per pod and container;
//! - for a failed image pull, the namespace's Secret names, once per namespace;
//! - what the pending init containers wait on ([`crate::cluster::waits`]): the lookups each
//!   pod's waits need — a Service by name, its EndpointSlices by label, the Pods of its selector —
//!   made once for all the pods, in rounds that start with this one and go on while answers lead
//!   to more (a Service found brings the pods it selects).
//!
//! - then, only for what a finding will use ([`crate::cluster::policies`]): the namespace's
//!   LimitRanges behind an OOM kill under a defaulted limit, the node's architecture behind an
//!   `exec format error`.
//!
//! So one pod costs what it depends on: the pod, then its events, logs and the Services it
//! names, then the pods those select (two or three rounds); many pods cost the pod list, read a
//! page at a time, and the same rounds for the union of their needs.
//!
//! Only the pods and their events are required: a log, a Secret list or a wait lookup that
//! cannot be read (403 included) becomes evidence ("could not check (RBAC)") for each pod that
//! needed it, never a failed command.

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Pod};

use crate::cluster::tails::Tails;
use crate::cluster::{Cluster, REQUESTS_AT_ONCE};
use crate::diagnosis::{self, ContainerLogs, Evidence, LOG_TAIL_LINES, LogRequest, Lookup};
use crate::error::{Error, Result};
use crate::finding::ObjectRef;
use crate::waits::{self, WaitObjects};

/// From how many selected pods in a namespace its events are read in one list.
pub const EVENTS_LIST_FROM: usize = 3;

/// Evidence for several pods, in their order: each namespace-wide list once, not once a pod.
pub async fn evidence_for_all(
    cluster: &Cluster,
    pods: Vec<Pod>,
    now: Timestamp,
) -> Result<Vec<Evidence>> {
    evidence_read_ahead(cluster, pods, &Tails::none(), now).await
}

/// [`evidence_for_all`], taking the log tails `tails` has read ahead (while the pods were
/// listed) instead of reading them again.
pub async fn evidence_read_ahead(
    cluster: &Cluster,
    pods: Vec<Pod>,
    tails: &Tails,
    now: Timestamp,
) -> Result<Vec<Evidence>> {
    let plan = Plan::new(&pods);
    let mut fetched = fetch(cluster, &plan, &pods, tails).await?;
    let mut evidence: Vec<Evidence> = pods
        .into_iter()
        .enumerate()
        .map(|(index, pod)| assemble(&plan, index, pod, &mut fetched))
        .collect();
    crate::cluster::policies::fill(cluster, &mut evidence, now).await;
    Ok(evidence)
}

/// What to fetch beyond the pods, worked out from them (no I/O).
#[derive(Debug, Default)]
struct Plan {
    pods: Vec<PodPlan>,
    /// Namespaces whose pod events are listed once.
    event_namespaces: BTreeSet<String>,
    /// Namespaces whose Secret names are listed.
    secret_namespaces: BTreeSet<String>,
}

#[derive(Debug)]
struct PodPlan {
    namespace: String,
    name: String,
    logs: Vec<LogRequest>,
    wants_secrets: bool,
    /// True when its pending init containers name something to look up.
    waits: bool,
}

impl Plan {
    fn new(pods: &[Pod]) -> Plan {
        let mut plan = Plan::default();
        let mut per_namespace: BTreeMap<&str, usize> = BTreeMap::new();
        for pod in pods {
            let namespace = pod.metadata.namespace.clone().unwrap_or_default();
            let wants_secrets = diagnosis::needs_secret_names(pod);
            if wants_secrets {
                plan.secret_namespaces.insert(namespace.clone());
            }
            plan.pods.push(PodPlan {
                namespace,
                name: pod.metadata.name.clone().unwrap_or_default(),
                logs: diagnosis::log_requests(pod),
                wants_secrets,
                waits: waits::needs(pod).is_some(),
            });
        }
        for p in &plan.pods {
            *per_namespace.entry(p.namespace.as_str()).or_default() += 1;
        }
        plan.event_namespaces = per_namespace
            .into_iter()
            .filter(|(_, count)| *count >= EVENTS_LIST_FROM)
            .map(|(ns, _)| ns.to_string())
            .collect();
        plan
    }

    /// The calls of the round besides the wait lookups, in a stable order.
    fn calls(&self) -> Vec<Call> {
        let mut calls: Vec<Call> = self
            .event_namespaces
            .iter()
            .cloned()
            .map(Call::NamespaceEvents)
            .collect();
        calls.extend(
            self.secret_namespaces
                .iter()
                .cloned()
                .map(Call::SecretNames),
        );
        for (index, pod) in self.pods.iter().enumerate() {
            if !self.event_namespaces.contains(&pod.namespace) {
                calls.push(Call::PodEvents(index));
            }
            calls.extend((0..pod.logs.len()).map(|log| Call::Log(index, log)));
        }
        calls
    }
}

/// One call of the round.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    NamespaceEvents(String),
    PodEvents(usize),
    SecretNames(String),
    /// Pod index, log request index.
    Log(usize, usize),
}

/// Its answer. Events are required: their failure fails the round instead.
enum Reply {
    NamespaceEvents(String, Vec<Event>),
    PodEvents(usize, Vec<Event>),
    SecretNames(String, Lookup<Vec<String>>),
    Log(usize, usize, Result<Vec<String>>),
}

/// What the round brought back, taken apart pod by pod by [`assemble`].
#[derive(Default)]
struct Fetched {
    /// Namespace → pod name → its events (`involvedObject.name`, as a field selector would).
    namespace_events: BTreeMap<String, BTreeMap<String, Vec<Event>>>,
    pod_events: BTreeMap<usize, Vec<Event>>,
    secret_names: BTreeMap<String, Lookup<Vec<String>>>,
    logs: BTreeMap<(usize, usize), Result<Vec<String>>>,
    /// The wait objects of each pod that waits on something, by index.
    waits: BTreeMap<usize, WaitObjects>,
    /// The owner to edit of each pod, in order.
    owners: Vec<Option<ObjectRef>>,
}

/// The second round: every call of the plan, and the wait lookups (which go on in further
/// rounds while their answers lead to more), concurrently.
async fn fetch(cluster: &Cluster, plan: &Plan, pods: &[Pod], tails: &Tails) -> Result<Fetched> {
    let calls = futures::stream::iter(
        plan.calls()
            .into_iter()
            .map(|c| call(cluster, plan, tails, c)),
    )
    .buffer_unordered(REQUESTS_AT_ONCE)
    .try_collect::<Vec<Reply>>();
    let lookups = async {
        let waiting: Vec<(usize, &Pod)> = pods
            .iter()
            .enumerate()
            .filter(|(i, _)| plan.pods[*i].waits)
            .collect();
        if waiting.is_empty() {
            return Ok(BTreeMap::new());
        }
        let refs: Vec<&Pod> = waiting.iter().map(|(_, p)| *p).collect();
        let lookups = cluster.wait_lookups(&refs).await;
        let objects = lookups.objects_for_all(refs.iter().copied());
        Ok(waiting.into_iter().map(|(i, _)| i).zip(objects).collect())
    };
    let owners = async { Ok(cluster.owners(pods).await) };
    let (replies, waits, owners) = futures::try_join!(calls, lookups, owners)?;
    let mut fetched = Fetched {
        waits,
        owners,
        ..Default::default()
    };
    for reply in replies {
        match reply {
            Reply::NamespaceEvents(ns, events) => {
                fetched.namespace_events.insert(ns, group_by_pod(events));
            }
            Reply::PodEvents(index, events) => {
                fetched.pod_events.insert(index, events);
            }
            Reply::SecretNames(ns, names) => {
                fetched.secret_names.insert(ns, names);
            }
            Reply::Log(index, log, answer) => {
                fetched.logs.insert((index, log), answer);
            }
        }
    }
    Ok(fetched)
}

async fn call(cluster: &Cluster, plan: &Plan, tails: &Tails, call: Call) -> Result<Reply> {
    Ok(match call {
        Call::NamespaceEvents(ns) => {
            let pods: BTreeSet<&str> = plan
                .pods
                .iter()
                .filter(|p| p.namespace == ns)
                .map(|p| p.name.as_str())
                .collect();
            let events = cluster.namespace_pod_events(&ns, &pods).await?;
            Reply::NamespaceEvents(ns, events)
        }
        Call::PodEvents(index) => {
            let pod = &plan.pods[index];
            Reply::PodEvents(index, cluster.pod_events(&pod.namespace, &pod.name).await?)
        }
        Call::SecretNames(ns) => {
            let names = lookup(cluster.secret_names(&ns).await);
            Reply::SecretNames(ns, names)
        }
        Call::Log(index, log) => {
            let pod = &plan.pods[index];
            let request = &pod.logs[log];
            let ahead = tails
                .take(
                    &pod.namespace,
                    &pod.name,
                    &request.container,
                    request.previous,
                )
                .await;
            let answer = match ahead {
                Some(answer) => answer,
                None => {
                    cluster
                        .pod_log(
                            &pod.namespace,
                            &pod.name,
                            &request.container,
                            request.previous,
                            LOG_TAIL_LINES,
                        )
                        .await
                }
            };
            Reply::Log(index, log, answer)
        }
    })
}

/// A namespace's pod events by the name of the pod they involve (older pods of the same name
/// included: the diagnosis tells them apart by uid, as it does for a field-selected list).
fn group_by_pod(events: Vec<Event>) -> BTreeMap<String, Vec<Event>> {
    let mut by_pod: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for event in events {
        let name = event.involved_object.name.clone().unwrap_or_default();
        by_pod.entry(name).or_default().push(event);
    }
    by_pod
}

/// The evidence of pod `index` of the plan, from what was fetched.
fn assemble(plan: &Plan, index: usize, pod: Pod, fetched: &mut Fetched) -> Evidence {
    let p = &plan.pods[index];
    let events = match fetched.namespace_events.get(&p.namespace) {
        Some(by_pod) => by_pod.get(&p.name).cloned().unwrap_or_default(),
        None => fetched.pod_events.remove(&index).unwrap_or_default(),
    };
    let answers: Vec<Result<Vec<String>>> = (0..p.logs.len())
        .map(|log| {
            fetched
                .logs
                .remove(&(index, log))
                .unwrap_or_else(|| Ok(Vec::new()))
        })
        .collect();
    let secret_names = if p.wants_secrets {
        fetched
            .secret_names
            .get(&p.namespace)
            .cloned()
            .unwrap_or_default()
    } else {
        Lookup::NotChecked
    };
    Evidence {
        events,
        logs: collect_logs(&p.namespace, &p.logs, answers),
        secret_names,
        waits: fetched.waits.remove(&index),
        owner: fetched.owners.get_mut(index).and_then(Option::take),
        pod,
        ..Default::default()
    }
}

/// Turn an optional lookup's outcome into evidence: a 403 is "could not check", not an error.
fn lookup<T>(result: Result<T>) -> Lookup<T> {
    match result {
        Ok(value) => Lookup::Found(value),
        Err(Error::Forbidden { .. }) => Lookup::Denied,
        Err(err) => Lookup::Failed(err.to_string()),
    }
}

/// Put each log answer under its container. A previous instance that cannot be read usually
/// does not exist (say nothing); a refusal or a current log that fails is noted.
fn collect_logs(
    namespace: &str,
    requests: &[LogRequest],
    answers: Vec<Result<Vec<String>>>,
) -> std::collections::BTreeMap<String, ContainerLogs> {
    let mut logs: std::collections::BTreeMap<String, ContainerLogs> = Default::default();
    for (request, answer) in requests.iter().zip(answers) {
        let entry = logs.entry(request.container.clone()).or_default();
        match answer {
            Ok(lines) if request.previous => entry.previous = lines,
            Ok(lines) => entry.current = lines,
            Err(Error::Forbidden { .. }) => {
                entry.note = Some(format!(
                    "logs: could not check (RBAC: cannot get pods/log in namespace {namespace})"
                ));
            }
            Err(_) if request.previous => {}
            Err(err) => {
                entry
                    .note
                    .get_or_insert(format!("logs: could not read ({err})"));
            }
        }
    }
    logs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(previous: bool) -> LogRequest {
        LogRequest {
            container: "init-mydb".into(),
            previous,
        }
    }

    fn forbidden() -> Error {
        Error::Forbidden {
            verb: "get".into(),
            resource: "pods/log".into(),
            namespace: Some("shop".into()),
            message: String::new(),
        }
    }

    fn blocked(namespace: &str, name: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [{"name": "app"}],
                     "initContainers": [{"name": "wait-db", "image": "busybox:1.36",
                        "command": ["sh", "-c", "until nslookup db; do sleep 2; done"]}]},
            "status": {"phase": "Pending", "initContainerStatuses": [{"name": "wait-db",
                "image": "busybox:1.36", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"running": {}}}]}
        }))
        .unwrap()
    }

    #[test]
    fn many_pods_of_a_namespace_share_one_event_list_and_one_set_of_wait_lookups() {
        let mut pods: Vec<Pod> = (0..20).map(|i| blocked("shop", &format!("p{i}"))).collect();
        pods.push(blocked("web", "a"));
        pods.push(blocked("web", "b"));
        let plan = Plan::new(&pods);
        assert_eq!(
            plan.event_namespaces.iter().collect::<Vec<_>>(),
            ["shop"],
            "two pods are cheaper with a field-selected list each"
        );
        let calls = plan.calls();
        let events: Vec<&Call> = calls
            .iter()
            .filter(|c| !matches!(c, Call::Log(..)))
            .collect();
        assert_eq!(
            events,
            [
                &Call::NamespaceEvents("shop".into()),
                &Call::PodEvents(20),
                &Call::PodEvents(21)
            ]
        );
        // One log tail per pod: the blocker's current instance.
        assert_eq!(calls.len() - events.len(), 22);
        // Every pod waits on `db`: its lookups are planned (and shared) by `waits::shared`.
        assert!(plan.pods.iter().all(|p| p.waits));
    }

    #[test]
    fn one_pod_keeps_its_field_selected_events() {
        let plan = Plan::new(&[blocked("shop", "p")]);
        assert!(plan.event_namespaces.is_empty());
        assert_eq!(plan.calls(), [Call::PodEvents(0), Call::Log(0, 0)]);
    }

    #[test]
    fn events_are_grouped_by_the_pod_they_involve() {
        let event = |pod: &str, uid: &str| -> Event {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": format!("{pod}.{uid}")},
                "involvedObject": {"kind": "Pod", "name": pod, "uid": uid}
            }))
            .unwrap()
        };
        let grouped = group_by_pod(vec![event("a", "1"), event("b", "2"), event("a", "0")]);
        let names = |pod: &str| -> Vec<String> {
            grouped[pod]
                .iter()
                .filter_map(|e| e.metadata.name.clone())
                .collect()
        };
        // An older pod's events stay with its name (the diagnosis drops them by uid), in order.
        assert_eq!(names("a"), ["a.1", "a.0"]);
        assert_eq!(names("b"), ["b.2"]);
    }

    #[test]
    fn refusals_become_notes_and_missing_previous_logs_nothing() {
        let logs = collect_logs(
            "shop",
            &[request(false), request(true)],
            vec![
                Ok(vec!["waiting".into()]),
                Err(Error::Unavailable("no previous".into())),
            ],
        );
        let entry = &logs["init-mydb"];
        assert_eq!(entry.current, vec!["waiting".to_string()]);
        assert!(entry.previous.is_empty());
        assert_eq!(entry.note, None);

        let logs = collect_logs("shop", &[request(false)], vec![Err(forbidden())]);
        assert_eq!(
            logs["init-mydb"].note.as_deref(),
            Some("logs: could not check (RBAC: cannot get pods/log in namespace shop)")
        );
        assert_eq!(lookup::<()>(Err(forbidden())), Lookup::Denied);
    }
}
