//! Resource quantities and the pod's effective request, computed as the scheduler does
//! (`AggregateContainerRequests` in kubernetes/pkg/api/v1/resource): the effective init request
//! is the largest of the init containers' (each plus the sidecars started before it); the pod's
//! is the larger of that and the app containers' sum plus all sidecars, plus the pod overhead.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::status::is_sidecar;

/// One resource of the pod's effective request, and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveRequest {
    pub resource: String,
    /// App containers plus native sidecars.
    pub app: f64,
    /// The largest init step (an init container plus the sidecars already running).
    pub init: f64,
    /// The init container of that largest step.
    pub init_container: Option<String>,
    /// That init container's own request, as written.
    pub init_container_request: Option<String>,
    pub overhead: f64,
    /// max(app, init) + overhead: what the scheduler looks for on a node.
    pub effective: f64,
}

impl EffectiveRequest {
    /// True when an init container, not the app containers, sets this resource's request.
    pub fn init_dominates(&self) -> bool {
        self.init > self.app
    }
}

/// The pod's effective request per resource, by resource name.
pub fn effective_requests(spec: &PodSpec) -> Vec<EffectiveRequest> {
    let mut app: BTreeMap<String, f64> = BTreeMap::new();
    for container in &spec.containers {
        add(&mut app, requests(container));
    }
    let mut sidecars: BTreeMap<String, f64> = BTreeMap::new();
    let mut init: BTreeMap<String, (f64, String, String)> = BTreeMap::new();
    for container in spec.init_containers.iter().flatten() {
        let own = requests(container);
        if is_sidecar(container) {
            add(&mut app, own);
            add(&mut sidecars, own);
        }
        let mut step = sidecars.clone();
        if !is_sidecar(container) {
            add(&mut step, own);
        }
        for (resource, value) in step {
            let written = own
                .and_then(|r| r.get(&resource))
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "0".into());
            match init.get(&resource) {
                Some((max, _, _)) if *max >= value => {}
                _ => {
                    init.insert(resource, (value, container.name.clone(), written));
                }
            }
        }
    }
    let mut overhead: BTreeMap<String, f64> = BTreeMap::new();
    add(&mut overhead, spec.overhead.as_ref());
    let mut names: Vec<String> = app.keys().chain(init.keys()).cloned().collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|resource| {
            let app_value = app.get(&resource).copied().unwrap_or(0.0);
            let (init_value, init_container, written) = match init.get(&resource) {
                Some((v, c, w)) => (*v, Some(c.clone()), Some(w.clone())),
                None => (0.0, None, None),
            };
            let over = overhead.get(&resource).copied().unwrap_or(0.0);
            EffectiveRequest {
                effective: app_value.max(init_value) + over,
                app: app_value,
                init: init_value,
                init_container,
                init_container_request: written,
                overhead: over,
                resource,
            }
        })
        .collect()
}

fn requests(container: &Container) -> Option<&BTreeMap<String, Quantity>> {
    container.resources.as_ref()?.requests.as_ref()
}

fn add(total: &mut BTreeMap<String, f64>, list: Option<&BTreeMap<String, Quantity>>) {
    for (name, quantity) in list.into_iter().flatten() {
        *total.entry(name.clone()).or_insert(0.0) += parse_quantity(&quantity.0).unwrap_or(0.0);
    }
}

/// Parse a Kubernetes quantity (`100m`, `1.5Gi`, `2e3`, `64M`) into its value.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    Some(value * factor)
}

/// Format a value of `resource` for people: CPU in cores or millicores, bytes in binary units.
pub fn format_quantity(resource: &str, value: f64) -> String {
    if resource == "cpu" {
        let milli = (value * 1000.0).round() as i64;
        return if milli % 1000 == 0 {
            format!("{}", milli / 1000)
        } else {
            format!("{milli}m")
        };
    }
    if resource == "memory" || resource == "ephemeral-storage" || resource.starts_with("hugepages-")
    {
        let units = ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"];
        for (i, unit) in units.iter().enumerate() {
            let size = 1024f64.powi(6 - i as i32);
            if value >= size {
                let scaled = value / size;
                return if (scaled - scaled.round()).abs() < 1e-9 {
                    format!("{}{unit}", scaled.round() as i64)
                } else {
                    format!("{scaled:.1}{unit}")
                };
            }
        }
        return format!("{}", value.round() as i64);
    }
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(value: serde_json::Value) -> PodSpec {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn quantities_parse_like_the_api() {
        assert_eq!(parse_quantity("100m"), Some(0.1));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(
            parse_quantity("1.5Gi"),
            Some(1.5 * 1024.0 * 1024.0 * 1024.0)
        );
        assert_eq!(parse_quantity("64M"), Some(64e6));
        assert_eq!(parse_quantity("2e3"), Some(2000.0));
        assert_eq!(parse_quantity("12Zi"), None);
        assert_eq!(format_quantity("cpu", 0.25), "250m");
        assert_eq!(format_quantity("cpu", 2.0), "2");
        assert_eq!(
            format_quantity("memory", 64.0 * 1024.0 * 1024.0 * 1024.0),
            "64Gi"
        );
        assert_eq!(format_quantity("memory", 384.0 * 1024.0 * 1024.0), "384Mi");
        assert_eq!(
            format_quantity("memory", 1.5 * 1024.0 * 1024.0 * 1024.0),
            "1.5Gi"
        );
    }

    #[test]
    fn the_largest_init_container_dominates_the_apps_sum() {
        let s = spec(json!({
            "initContainers": [
                {"name": "small", "resources": {"requests": {"memory": "64Mi", "cpu": "100m"}}},
                {"name": "migrate", "resources": {"requests": {"memory": "64Gi"}}}
            ],
            "containers": [
                {"name": "a", "resources": {"requests": {"memory": "256Mi", "cpu": "500m"}}},
                {"name": "b", "resources": {"requests": {"memory": "128Mi", "cpu": "500m"}}}
            ]
        }));
        let reqs = effective_requests(&s);
        let memory = reqs.iter().find(|r| r.resource == "memory").unwrap();
        assert!(memory.init_dominates());
        assert_eq!(memory.init_container.as_deref(), Some("migrate"));
        assert_eq!(memory.init_container_request.as_deref(), Some("64Gi"));
        assert_eq!(format_quantity("memory", memory.app), "384Mi");
        assert_eq!(format_quantity("memory", memory.effective), "64Gi");
        let cpu = reqs.iter().find(|r| r.resource == "cpu").unwrap();
        assert!(!cpu.init_dominates());
        assert_eq!(format_quantity("cpu", cpu.effective), "1");
    }

    #[test]
    fn sidecars_count_on_both_sides() {
        // Kubernetes' own example: sidecar 1Gi, then an init container of 2Gi, app 1Gi:
        // init step = 1Gi + 2Gi = 3Gi; apps = 1Gi + 1Gi = 2Gi; effective 3Gi.
        let s = spec(json!({
            "initContainers": [
                {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"memory": "1Gi"}}},
                {"name": "migrate", "resources": {"requests": {"memory": "2Gi"}}}
            ],
            "containers": [{"name": "app", "resources": {"requests": {"memory": "1Gi"}}}],
            "overhead": {"memory": "10Mi"}
        }));
        let memory = effective_requests(&s)
            .into_iter()
            .find(|r| r.resource == "memory")
            .unwrap();
        let gi = 1024f64.powi(3);
        assert_eq!(memory.app, 2.0 * gi);
        assert_eq!(memory.init, 3.0 * gi);
        assert_eq!(memory.init_container.as_deref(), Some("migrate"));
        assert_eq!(memory.effective, 3.0 * gi + 10.0 * 1024.0 * 1024.0);
    }
}
