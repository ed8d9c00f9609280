//! The edge for `explain`: fetch what the pure core needs for one pod. The pod comes first (it
//! says what else is needed); then its events, the blocker's log tails and, for a failed image
//! pull, the namespace's Secret names are fetched at once.
//!
//! Only the pod and its events are required: a log or a Secret list that cannot be read
//! (403 included) becomes evidence ("could not check (RBAC)"), never a failed command.

use futures::future::join_all;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;

use crate::cluster::Cluster;
use crate::diagnosis::{self, ContainerLogs, Evidence, LOG_TAIL_LINES, LogRequest, Lookup};
use crate::error::{Error, Result};

/// Everything the diagnosis of `pod` needs, gathered in one round of concurrent calls.
pub async fn evidence(cluster: &Cluster, pod: Pod) -> Result<Evidence> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let wanted_logs = diagnosis::log_requests(&pod);
    let want_secrets = diagnosis::needs_secret_names(&pod);

    let events = cluster.pod_events(&namespace, &name);
    let logs = join_all(wanted_logs.iter().map(|request| {
        cluster.pod_log(
            &namespace,
            &name,
            &request.container,
            request.previous,
            LOG_TAIL_LINES,
        )
    }));
    let secrets = async {
        if want_secrets {
            lookup(cluster.secret_names(&namespace).await)
        } else {
            Lookup::NotChecked
        }
    };
    // What the pending init containers wait on (Services, EndpointSlices, Pods…), in this round.
    let waits = crate::cluster::waits::fetch(cluster, &pod);
    let (events, logs, secret_names, waits) = futures::join!(events, logs, secrets, waits);

    Ok(Evidence {
        events: events?,
        logs: collect_logs(&namespace, &wanted_logs, logs),
        secret_names,
        waits,
        pod,
    })
}

/// How many pods are gathered at once (each is a few concurrent requests).
const PODS_AT_ONCE: usize = 8;

/// Evidence for several pods, a few at a time, in their order.
pub async fn evidence_for_all(cluster: &Cluster, pods: Vec<Pod>) -> Result<Vec<Evidence>> {
    futures::stream::iter(pods.into_iter().map(|pod| evidence(cluster, pod)))
        .buffered(PODS_AT_ONCE)
        .try_collect()
        .await
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
