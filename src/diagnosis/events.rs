//! A pod's events as `kubectl describe` shows them: deduplicated, with counts, newest last.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Pod};
use serde::Serialize;

/// One distinct event of a pod, with how often it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodEvent {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub message: String,
    /// How many times it happened, summed over the duplicates (saturating: the cluster's
    /// counts are `int32` each, their sum is not).
    pub count: i64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    /// The component that reported it (`kubelet`, `default-scheduler`, …).
    pub source: String,
    /// The container it is about, from `involvedObject.fieldPath` (`spec.initContainers{name}`).
    pub container: Option<String>,
}

impl PodEvent {
    /// True for a `Warning`.
    pub fn is_warning(&self) -> bool {
        self.type_ == "Warning"
    }
}

/// The events of `pod` (those of an older pod of the same name left out), merged when type,
/// reason, message, source and container are equal, sorted by when they were last seen.
pub fn summarize(events: &[Event], pod: &Pod) -> Vec<PodEvent> {
    let uid = pod.metadata.uid.as_deref().filter(|u| !u.is_empty());
    let mut merged: Vec<PodEvent> = Vec::new();
    for event in events {
        let event_uid = event
            .involved_object
            .uid
            .as_deref()
            .filter(|u| !u.is_empty());
        if let (Some(want), Some(got)) = (uid, event_uid)
            && want != got
        {
            continue;
        }
        let one = from_event(event);
        match merged.iter_mut().find(|m| same(m, &one)) {
            Some(existing) => {
                existing.count = existing.count.saturating_add(one.count);
                existing.first_seen = min_time(existing.first_seen, one.first_seen);
                existing.last_seen = max_time(existing.last_seen, one.last_seen);
            }
            None => merged.push(one),
        }
    }
    // A stable sort keeps the API's order for events seen at the same time.
    merged.sort_by_key(|e| (e.last_seen, e.first_seen));
    merged
}

fn same(a: &PodEvent, b: &PodEvent) -> bool {
    a.type_ == b.type_
        && a.reason == b.reason
        && a.message == b.message
        && a.source == b.source
        && a.container == b.container
}

/// One event as the diagnosis reads it.
pub fn from_event(event: &Event) -> PodEvent {
    let series = event.series.as_ref();
    let count = series
        .and_then(|s| s.count)
        .or(event.count)
        .map_or(1, i64::from)
        .max(1);
    let event_time = event.event_time.as_ref().map(|t| t.0);
    // No creationTimestamp fallback: an event that says nothing of its time is aged
    // `<unknown>`, as kubectl shows it (the object's creation is not when it happened).
    let first_seen = event.first_timestamp.as_ref().map(|t| t.0).or(event_time);
    let last_seen = series
        .and_then(|s| s.last_observed_time.as_ref())
        .map(|t| t.0)
        .or(event.last_timestamp.as_ref().map(|t| t.0))
        .or(event_time)
        .or(first_seen);
    let source = event
        .reporting_component
        .clone()
        .filter(|c| !c.is_empty())
        .or_else(|| event.source.as_ref().and_then(|s| s.component.clone()))
        .unwrap_or_default();
    PodEvent {
        type_: event.type_.clone().unwrap_or_else(|| "Normal".into()),
        reason: event.reason.clone().unwrap_or_default(),
        message: event.message.clone().unwrap_or_default().trim().to_string(),
        count,
        first_seen,
        last_seen,
        source,
        container: event
            .involved_object
            .field_path
            .as_deref()
            .and_then(container_of_field_path),
    }
}

/// `spec.initContainers{init-mydb}` → `init-mydb`; also `spec.containers{…}`.
pub fn container_of_field_path(path: &str) -> Option<String> {
    let open = path.find('{')?;
    let close = path.rfind('}')?;
    (close > open + 1).then(|| path[open + 1..close].to_string())
}

fn min_time(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_time(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(reason: &str, message: &str, count: i32, first: &str, last: &str) -> Event {
        serde_json::from_value(json!({
            "metadata": {"name": format!("e-{reason}-{last}"), "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "myapp-pod", "uid": "u1",
                               "fieldPath": "spec.initContainers{init-mydb}"},
            "type": "Warning", "reason": reason, "message": message,
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": first, "lastTimestamp": last, "count": count
        }))
        .unwrap()
    }

    fn pod() -> Pod {
        serde_json::from_value(
            json!({"metadata": {"name": "myapp-pod", "uid": "u1"}, "spec": {"containers": []}}),
        )
        .unwrap()
    }

    #[test]
    fn duplicates_merge_with_summed_counts_newest_last() {
        let events = vec![
            event(
                "BackOff",
                "Back-off restarting failed container",
                3,
                "2026-01-01T00:00:10Z",
                "2026-01-01T00:01:00Z",
            ),
            event(
                "Pulled",
                "Container image \"busybox:1.28\" already present",
                1,
                "2026-01-01T00:00:05Z",
                "2026-01-01T00:00:05Z",
            ),
            event(
                "BackOff",
                "Back-off restarting failed container",
                2,
                "2026-01-01T00:00:20Z",
                "2026-01-01T00:02:00Z",
            ),
        ];
        let got = summarize(&events, &pod());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].reason, "Pulled");
        assert_eq!(got[1].reason, "BackOff");
        assert_eq!(got[1].count, 5);
        assert_eq!(
            got[1].first_seen,
            Some("2026-01-01T00:00:10Z".parse().unwrap())
        );
        assert_eq!(
            got[1].last_seen,
            Some("2026-01-01T00:02:00Z".parse().unwrap())
        );
        assert_eq!(got[1].container.as_deref(), Some("init-mydb"));
        assert_eq!(got[1].source, "kubelet");
    }

    #[test]
    fn counts_summed_over_duplicates_do_not_overflow() {
        let max = |first: &str| {
            event(
                "BackOff",
                "Back-off restarting failed container",
                i32::MAX,
                first,
                "2026-01-01T00:02:00Z",
            )
        };
        let events = [max("2026-01-01T00:00:10Z"), max("2026-01-01T00:00:20Z")];
        let got = summarize(&events, &pod());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].count, 2 * i64::from(i32::MAX));
    }

    #[test]
    fn events_of_an_older_pod_with_the_same_name_are_left_out() {
        let mut old = event(
            "Failed",
            "old",
            1,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        );
        old.involved_object.uid = Some("u0".into());
        assert!(summarize(&[old], &pod()).is_empty());
    }

    #[test]
    fn new_style_events_use_series_and_event_time() {
        let e: Event = serde_json::from_value(json!({
            "metadata": {"name": "e1"},
            "involvedObject": {"kind": "Pod", "name": "myapp-pod"},
            "type": "Warning", "reason": "FailedScheduling", "message": "0/1 nodes are available",
            "reportingComponent": "default-scheduler",
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "series": {"count": 7, "lastObservedTime": "2026-01-01T00:05:00.000000Z"}
        }))
        .unwrap();
        let got = summarize(&[e], &pod());
        assert_eq!(got[0].count, 7);
        assert_eq!(got[0].source, "default-scheduler");
        assert_eq!(
            got[0].last_seen,
            Some("2026-01-01T00:05:00Z".parse().unwrap())
        );
        assert_eq!(got[0].container, None);
    }
}
