//! Log tails read ahead. While the pods of an `explain` without names are still being listed,
//! a page at a time, the tails each selected pod's diagnosis reads
//! ([`crate::diagnosis::log_requests`]) start as soon as its page has arrived, at most
//! [`TAILS_AHEAD`] at once: so the list's next pages always find a place among the
//! [`super::REQUESTS_AT_ONCE`] reads in flight, and the tails of the first pages are read while
//! the server prepares the next. Once the list has been read ([`Tails::listed`]) the tails not yet
//! started may take every place of the reads in flight (400 tails through curl: 1.4–1.7 s at 16
//! at once, 1.9–2.6 s at 8). The gathering round then takes each tail from here instead of
//! reading it again: the requests are the same, only sooner.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Pod;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::Cluster;
use crate::diagnosis::{LOG_TAIL_LINES, log_requests};
use crate::error::Result;

/// How many tails are read ahead at once, at most.
pub const TAILS_AHEAD: usize = 8;

/// A tail: namespace, pod, container, previous instance.
type Key = (String, String, String, bool);

/// The tails started, by pod and container; those not taken are stopped when this is dropped.
pub struct Tails {
    cluster: Option<Cluster>,
    ahead: Arc<Semaphore>,
    started: Mutex<HashMap<Key, JoinHandle<Result<Vec<String>>>>>,
}

impl Tails {
    /// Tails read ahead through `cluster`.
    pub fn new(cluster: &Cluster) -> Tails {
        Tails::through(Some(cluster.clone()))
    }

    /// Nothing read ahead: every tail is read in the gathering round.
    pub fn none() -> Tails {
        Tails::through(None)
    }

    fn through(cluster: Option<Cluster>) -> Tails {
        Tails {
            cluster,
            ahead: Arc::new(Semaphore::new(TAILS_AHEAD)),
            started: Mutex::default(),
        }
    }

    /// Start reading the tails the diagnosis of `pod` reads.
    pub fn start(&self, pod: &Pod) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        let Ok(mut started) = self.started.lock() else {
            return;
        };
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        for request in log_requests(pod) {
            let key = (
                namespace.clone(),
                name.clone(),
                request.container,
                request.previous,
            );
            if started.contains_key(&key) {
                continue;
            }
            let (cluster, ahead, (ns, pod, container, previous)) =
                (cluster.clone(), self.ahead.clone(), key.clone());
            let task = tokio::spawn(async move {
                let _place = ahead.acquire_owned().await;
                cluster
                    .pod_log(&ns, &pod, &container, previous, LOG_TAIL_LINES)
                    .await
            });
            started.insert(key, task);
        }
    }

    /// The list of pods has been read: the tails still waiting may take every place of the
    /// reads in flight ([`super::REQUESTS_AT_ONCE`]), not only [`TAILS_AHEAD`].
    pub fn listed(&self) {
        self.ahead
            .add_permits(super::REQUESTS_AT_ONCE.saturating_sub(TAILS_AHEAD));
    }

    /// The tail read ahead for this container of this pod, once (`None`: not started here, or
    /// its task did not finish: read it again).
    pub async fn take(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
    ) -> Option<Result<Vec<String>>> {
        let key = (
            namespace.to_string(),
            pod.to_string(),
            container.to_string(),
            previous,
        );
        let task = self.started.lock().ok()?.remove(&key)?;
        task.await.ok()
    }
}

impl Drop for Tails {
    fn drop(&mut self) {
        if let Ok(started) = self.started.get_mut() {
            for task in started.values() {
                task.abort();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_listed_the_tails_take_every_place_of_the_reads_in_flight() {
        let tails = Tails::none();
        assert_eq!(tails.ahead.available_permits(), TAILS_AHEAD);
        tails.listed();
        assert_eq!(
            tails.ahead.available_permits(),
            super::super::REQUESTS_AT_ONCE
        );
    }
}
