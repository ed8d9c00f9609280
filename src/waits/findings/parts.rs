//! What several finding files share (the port a check needs, how a Service is named in a
//! message): a leaf among the files of `findings/`, so that they import each other one way.

use k8s_openapi::api::core::v1::Service;

use crate::waits::resolve;

/// The awaited port, when the check needs one.
#[derive(Debug, Clone)]
pub(super) enum PortNeed {
    None,
    Number(u16),
    /// `$FOO_SERVICE_PORT`: the first port of Service foo.
    FirstOf,
    Unknown(String),
}

/// `Service ns/name (ClusterIP 10.96.0.7, 80/TCP→9376)`.
pub(super) fn service_text(svc: &Service, ns: &str, name: &str) -> String {
    let ip = svc
        .spec
        .as_ref()
        .and_then(|s| s.cluster_ip.clone())
        .unwrap_or_default();
    let kind = if resolve::is_headless(svc) {
        "headless".to_string()
    } else {
        format!("{} {ip}", resolve::service_type(svc))
    };
    format!("Service {ns}/{name} ({kind}, {})", resolve::ports_text(svc))
}
