//! The state of the objects behind a name: a Service's kind and ports, an endpoint's and a
//! Pod's readiness.

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::Endpoint;

/// True for `clusterIP: None`.
pub fn is_headless(service: &Service) -> bool {
    service.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None")
}

/// The Service's type (ClusterIP when unset).
pub fn service_type(service: &Service) -> &str {
    service
        .spec
        .as_ref()
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("ClusterIP")
}

/// `80/TCP→9376, 443/TCP→https`: the Service's ports for evidence.
pub fn ports_text(service: &Service) -> String {
    let ports = service
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_deref())
        .unwrap_or(&[]);
    if ports.is_empty() {
        return "no ports".into();
    }
    ports
        .iter()
        .map(|p| {
            let target = match &p.target_port {
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(t)) => {
                    t.to_string()
                }
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => {
                    s.clone()
                }
                None => p.port.to_string(),
            };
            format!(
                "{}/{}→{target}",
                p.port,
                p.protocol.as_deref().unwrap_or("TCP")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An endpoint is ready unless its `ready` condition says false (nil means ready).
pub fn endpoint_ready(endpoint: &Endpoint) -> bool {
    endpoint
        .conditions
        .as_ref()
        .and_then(|c| c.ready)
        .unwrap_or(true)
}

/// The Pod's `Ready` condition.
pub fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Terminal pods (Succeeded, Failed) never back a Service.
pub fn pod_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}
