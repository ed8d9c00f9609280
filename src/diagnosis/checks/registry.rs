//! An image that names no registry (so the runtime pulls it from docker.io) among images of the
//! same pod that all come from one registry: a template that prefixes every image but one with
//! the registry it was given (a chart's `image.registry`), which fails where docker.io is not
//! reachable or not allowed.

use k8s_openapi::api::core::v1::Pod;

/// The registry of a reference: its first component when that holds a `.` or `:` or is
/// `localhost`, as the runtime reads it; `None` for docker.io's short form.
pub fn registry_of(image: &str) -> Option<&str> {
    let (first, rest) = image.split_once('/')?;
    (!rest.is_empty() && (first.contains('.') || first.contains(':') || first == "localhost"))
        .then_some(first)
}

/// When `image` names no registry while every other image of the pod names the same one: that
/// registry.
pub fn registry_left_out<'a>(pod: &'a Pod, container: &str, image: &str) -> Option<&'a str> {
    if registry_of(image).is_some() {
        return None;
    }
    let spec = pod.spec.as_ref()?;
    let others: Vec<&str> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .filter(|c| c.name != container)
        .filter_map(|c| c.image.as_deref())
        .collect();
    let first = registry_of(others.first()?)?;
    (first != "docker.io" && others.iter().all(|i| registry_of(i) == Some(first))).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_one_image_without_the_pods_registry() {
        let pod = |images: &[&str]| -> Pod {
            let containers: Vec<_> = images
                .iter()
                .enumerate()
                .map(|(i, im)| json!({"name": format!("c{i}"), "image": im}))
                .collect();
            serde_json::from_value(
                json!({"metadata": {"name": "p"}, "spec": {"containers": containers}}),
            )
            .unwrap()
        };
        // (images, the failing one (c0), the registry left out)
        let cases: Vec<(&[&str], Option<&str>)> = vec![
            (
                &[
                    "artifacthub/postgres:15",
                    "reg.example.internal/artifacthub/hub:1",
                ],
                Some("reg.example.internal"),
            ),
            (
                &[
                    "artifacthub/postgres:15",
                    "reg.example.internal:5000/hub:1",
                    "reg.example.internal:5000/x:1",
                ],
                Some("reg.example.internal:5000"),
            ),
            (&["artifacthub/postgres:15", "redis:7"], None),
            (
                &["artifacthub/postgres:15", "a.example/x:1", "b.example/y:1"],
                None,
            ),
            (&["quay.io/x/y:1", "a.example/x:1"], None),
            (&["busybox", "docker.io/library/app:1"], None),
        ];
        for (images, left_out) in cases {
            assert_eq!(
                registry_left_out(&pod(images), "c0", images[0]),
                left_out,
                "{images:?}"
            );
        }
    }
}
