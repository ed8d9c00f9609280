//! Helpers for the `debug` stories: the pod `web`'s ephemeral containers and what `debug`
//! printed about them.

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::{Run, TestNs, initdoctor, initdoctor_with_stdin};

/// `debug web -n NS ARGS…`, no stdin.
pub fn debug_web(ns: &TestNs, args: &[&str]) -> Run {
    initdoctor(&[&["debug", "web", "-n", &ns.name], args].concat())
}

/// `debug web -n NS ARGS…` with `input` on stdin.
pub fn debug_web_stdin(ns: &TestNs, args: &[&str], input: &str) -> Run {
    initdoctor_with_stdin(&[&["debug", "web", "-n", &ns.name], args].concat(), input)
}

/// The name in "Added ephemeral container NAME …" on stderr.
pub fn added_name(stderr: &str) -> String {
    stderr
        .split("Added ephemeral container ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no container added: {stderr}"))
        .to_string()
}

/// The status the node reported for ephemeral container `name` of `pod` (`null` when none).
pub async fn ephemeral_status(ns: &TestNs, pod: &str, name: &str) -> Value {
    let pod: Pod = ns.api::<Pod>().get(pod).await.expect("get pod");
    let statuses =
        serde_json::to_value(pod.status.unwrap_or_default().ephemeral_container_statuses)
            .expect("statuses as JSON");
    statuses
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .cloned()
        .unwrap_or(Value::Null)
}
