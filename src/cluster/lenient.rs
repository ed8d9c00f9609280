//! Decoding an object whose time fields the tool cannot hold. The API server stores any
//! RFC 3339 time up to year 9999 (`lastTimestamp: 9999-12-31T23:59:59Z`); the time type here
//! ends a day earlier. kubectl shows such an object, so here too a field that cannot be read
//! degrades that field only — it is dropped, shown as unknown (an event's age `<unknown>`) —
//! never the response it came in.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decode `text` as `K`; when that fails, drop every time field that does not parse and try
/// again (the first error stands when nothing was dropped or it still fails).
pub(crate) fn decode<K: DeserializeOwned>(text: &str) -> serde_json::Result<K> {
    match serde_json::from_str(text) {
        Ok(k) => Ok(k),
        Err(first) => {
            let Ok(mut value) = serde_json::from_str::<Value>(text) else {
                return Err(first);
            };
            if !drop_unreadable_times(&mut value) {
                return Err(first);
            }
            serde_json::from_value(value).map_err(|_| first)
        }
    }
}

/// Remove the object fields whose value looks like an RFC 3339 time and does not parse as
/// one; true when any was removed.
fn drop_unreadable_times(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let before = map.len();
            map.retain(|_, v| !v.as_str().is_some_and(unreadable_time));
            let mut dropped = map.len() != before;
            for v in map.values_mut() {
                dropped |= drop_unreadable_times(v);
            }
            dropped
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |d, v| drop_unreadable_times(v) | d),
        _ => false,
    }
}

/// `YYYY-MM-DDThh:mm:ss…` that is not a time the tool can hold.
fn unreadable_time(text: &str) -> bool {
    let b = text.as_bytes();
    let shaped = b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T';
    shaped && text.parse::<jiff::Timestamp>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Event;

    #[test]
    fn a_time_beyond_reach_is_dropped_and_the_rest_kept() {
        let text = r#"{"metadata":{"name":"e","namespace":"n","creationTimestamp":"2026-01-01T00:00:00Z"},
            "involvedObject":{"kind":"Pod","name":"web"},"reason":"Failed","message":"boom",
            "lastTimestamp":"9999-12-31T23:59:59Z","firstTimestamp":"2026-01-01T00:00:00Z"}"#;
        assert!(
            serde_json::from_str::<Event>(text).is_err(),
            "the plain decode fails"
        );
        let e: Event = decode(text).expect("decoded");
        assert_eq!(e.last_timestamp, None);
        assert!(e.first_timestamp.is_some());
        assert_eq!(e.message.as_deref(), Some("boom"));
        // What is broken otherwise stays an error.
        assert!(decode::<Event>(r#"{"metadata": 5}"#).is_err());
        assert!(!unreadable_time("2026-01-01T00:00:00Z"));
        assert!(!unreadable_time("not a time"));
    }
}
