//! Kyverno's readiness checker (kyverno/kyverno `cmd/readiness-checker/main.go`, built with ko:
//! `.ko.yaml` names it, its binary the image's entrypoint), which the kyverno chart runs before
//! its controllers when a reports server is deployed (`templates/reports-server/_helpers.tpl`).
//! `check-endpoints --service-name S --namespace N [--timeout D]` lists the EndpointSlices of
//! N every 5 s until one of S's endpoints is Ready, and exits 1 at the timeout (300 s by default):
//! a wait on the Service's endpoints. Its other subcommands (`check-metrics`, `scale-deploy`,
//! `delete-webhooks`) are not waits. The flags are Go `flag` flags and `--namespace` is required.

use super::Call;
use super::probes::go_flag;
use crate::command::{HostTarget, Target};

pub(super) fn check_endpoints(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let (Some(service), Some(namespace)) =
        (go_flag(args, "service-name"), go_flag(args, "namespace"))
    else {
        return Vec::new();
    };
    let host = match namespace.known() {
        Some(n) if n != call.reader.namespace => service.part(&format!("{}.{n}", service.text)),
        _ => service.part(&service.text),
    };
    vec![Target::Host(HostTarget {
        written: service.written.clone(),
        host,
        port: None,
        scheme: None,
    })]
}

#[cfg(test)]
mod tests {
    use crate::command::{Part, Target, extract};
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    /// The checks read from an init container with `image` and `args` (no command), in namespace
    /// `corpus`: (tool, Service).
    fn seen(image: &str, args: &[&str]) -> Vec<(&'static str, String)> {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "app", "namespace": "corpus"},
            "spec": {"containers": [{"name": "main", "image": "busybox"}],
                     "initContainers": [{"name": "w", "image": image, "args": args}]}
        }))
        .unwrap();
        let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
        extract(&pod, c, None)
            .checks
            .iter()
            .filter_map(|c| match &c.target {
                Target::Host(h) => match &h.host {
                    Part::Known(s) => Some((c.tool.name(), s.clone())),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// A case: the container's args, the (tool, Service) pairs read.
    type Case = (
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
    );

    #[test]
    fn check_endpoints_waits_on_a_services_endpoints() {
        // kyverno/kyverno charts/kyverno/templates/reports-server/_helpers.tpl, rendered.
        let image = "ghcr.io/kyverno/readiness-checker:latest";
        let cases: &[Case] = &[
            (
                &[
                    "check-endpoints",
                    "--service-name=myrel-reports-server",
                    "--namespace=corpus",
                    "--timeout=300s",
                ],
                &[("readiness-checker", "myrel-reports-server")],
            ),
            // Another namespace is named in the Service's address.
            (
                &[
                    "check-endpoints",
                    "-service-name",
                    "rs",
                    "-namespace",
                    "kyverno",
                ],
                &[("readiness-checker", "rs.kyverno")],
            ),
            // `--namespace` is required: without it the program exits at once.
            (&["check-endpoints", "--service-name=rs"], &[]),
            // Not a wait.
            (&["delete-webhooks"], &[]),
        ];
        for (args, want) in cases {
            let want: Vec<(&str, String)> = want.iter().map(|(t, s)| (*t, s.to_string())).collect();
            assert_eq!(seen(image, args), want, "{args:?}");
        }
    }
}
