//! More shapes seen in public charts, each a row tested on the text it was seen in (its source
//! named): programs run as their image's entrypoint, `kubectl wait` on a workload, and a
//! variable assigned several unknowns at once.

#[cfg(test)]
mod tests {
    use crate::command::tools::tests::{Seen, seen_in};
    use crate::command::{Extraction, Part, Target, extract};
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    /// What `image` runs with `args` and no `command`.
    fn under(image: &str, args: serde_json::Value) -> Extraction {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "app", "namespace": "shop"},
            "spec": {"containers": [{"name": "main", "image": "x"}],
                     "initContainers": [{"name": "w", "image": image, "args": args}]}
        }))
        .unwrap();
        let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
        extract(&pod, c, None)
    }

    /// (tool, what, mode) of each check.
    fn shown(e: &Extraction) -> Vec<(String, String, String)> {
        e.checks
            .iter()
            .filter(|c| !(c.in_loop && matches!(c.target, Target::Sleep { .. })))
            .map(|c| {
                let what = match &c.target {
                    Target::Host(h) => match (&h.host, &h.port) {
                        (Part::Known(host), Some(Part::Known(p))) => format!("{host}:{p}"),
                        (Part::Known(host), None) => host.clone(),
                        (host, port) => format!("{host:?} {port:?}"),
                    },
                    Target::Job {
                        name, namespace, ..
                    } => format!("job {name} in {}", namespace.clone().unwrap_or_default()),
                    Target::Pods { names, .. } => format!("pods {}", names.join(",")),
                    Target::Workload {
                        kind,
                        name,
                        condition,
                        namespace,
                        ..
                    } => format!(
                        "{kind} {} in {} ({condition})",
                        name.clone().unwrap_or_default(),
                        namespace.clone().unwrap_or_default()
                    ),
                    t => format!("{t:?}"),
                };
                (c.tool.name().to_string(), what, format!("{:?}", c.mode))
            })
            .collect()
    }

    /// (source, image, args, [(tool, what, mode)]).
    type Row = (
        &'static str,
        &'static str,
        serde_json::Value,
        Vec<(&'static str, &'static str, &'static str)>,
    );

    #[test]
    fn programs_run_as_their_images_entrypoint() {
        let rows: Vec<Row> = vec![
            (
                "eclipse-ditto/ditto nginx-deployment.yaml (curl's image runs a shell it is given)",
                "rancher/curlimages-curl:7.73.0",
                json!([
                    "/bin/sh",
                    "-c",
                    "set -x;\nwhile [[ \"$(curl -sL -w \"%{http_code}\\n\" http://myrel-ditto-gateway:8080/health -o /dev/null)\" != \"200\" ]]; do\n  echo '.'\n  sleep 1;\ndone\n"
                ]),
                vec![("curl", "myrel-ditto-gateway:8080", "Loop")],
            ),
            (
                "curl/curl-container etc/entrypoint.sh (an option first: curl runs)",
                "curlimages/curl:8.13.0",
                json!(["-sf", "http://api:8080/health"]),
                vec![("curl", "api:8080", "Once")],
            ),
            (
                "galaxyproject/galaxy-helm deployment-job.yaml (galaxy-min's ENTRYPOINT is tini, which runs its arguments)",
                "quay.io/galaxyproject/galaxy-min:26.0.0",
                json!([
                    "sh",
                    "-c",
                    "until timeout 1 bash -c \"echo > /dev/tcp/myrel-rabbitmq-server/5672\"; do sleep 1; done; sleep 5;"
                ]),
                vec![
                    ("bash", "myrel-rabbitmq-server:5672", "Loop"),
                    (
                        "sleep",
                        "Sleep { written: \"5\", seconds: Some(5) }",
                        "ToolWaits",
                    ),
                ],
            ),
            (
                "element-hq/ess-helm _synapse_pod.tpl (db-wait)",
                "ghcr.io/element-hq/ess-helm/matrix-tools:0.8.1",
                json!([
                    "tcpwait",
                    "-address",
                    "myrel-postgres.shop.svc.cluster.local:5432"
                ]),
                vec![(
                    "matrix-tools",
                    "myrel-postgres.shop.svc.cluster.local:5432",
                    "ToolWaits",
                )],
            ),
            (
                "matrix-tools internal/cmd/tcpwait/args.go (Go's flag: `--address=`)",
                "ghcr.io/element-hq/ess-helm/matrix-tools:0.8.1",
                json!(["tcpwait", "--address=myrel-synapse:8008"]),
                vec![("matrix-tools", "myrel-synapse:8008", "ToolWaits")],
            ),
            (
                "element-hq/ess-helm render-config: no wait",
                "ghcr.io/element-hq/ess-helm/matrix-tools:0.8.1",
                json!(["render-config", "-output", "/conf/homeserver.yaml"]),
                vec![],
            ),
            (
                "onap/oom aai-sparky-be values.yaml (wait_for services)",
                "nexus3.onap.org:10001/onap/oom/readiness:7.0.1",
                json!(["--service-name", "aai"]),
                vec![("readiness", "aai", "ToolWaits")],
            ),
            (
                "onap/oom cds-sdc-listener values.yaml (Go's flag: the last --service-name wins)",
                "nexus3.onap.org:10001/onap/oom/readiness:7.0.1",
                json!([
                    "--service-name",
                    "sdc-be",
                    "--service-name",
                    "cds-blueprints-processor-http",
                    "--timeout",
                    "30"
                ]),
                vec![("readiness", "cds-blueprints-processor-http", "ToolWaits")],
            ),
            (
                "onap/oom-readiness main.go (a Service, then a Job, each in --namespace)",
                "nexus3.onap.org:10001/onap/oom/readiness:7.0.1",
                json!([
                    "--namespace",
                    "onap",
                    "--service-name",
                    "so-db",
                    "--job-name",
                    "so-config"
                ]),
                vec![
                    ("readiness", "so-db.onap", "ToolWaits"),
                    ("readiness", "job so-config in onap", "ToolWaits"),
                ],
            ),
            (
                "yogeshlonkar/pod-dependency-init-container Dockerfile (no ENTRYPOINT: args replace its CMD)",
                "ylonkar/pod-dependency-init-container:1.0",
                json!(["sh", "-c", "until nc -z db 5432; do sleep 1; done"]),
                vec![("nc", "db:5432", "Loop")],
            ),
        ];
        for (source, image, args, want) in rows {
            let e = under(image, args);
            let want: Vec<(String, String, String)> = want
                .iter()
                .map(|(t, w, m)| (t.to_string(), w.to_string(), m.to_string()))
                .collect();
            assert_eq!(shown(&e), want, "{source}: {:?}", e.not_understood);
        }
    }

    #[test]
    fn kubectl_waits_on_a_workload() {
        use crate::command::tools::tests::extraction;
        // emissary-ingress/emissary python/tests/src/tests/integration/manifests/ambassador.yaml
        // (wait-for-apiext), its loop shortened to the wait.
        let script = "deployment_name=\"emissary-apiext\"\ndeployment_namespace=\"emissary-system\"\nwhile true; do\n  if kubectl get deployment \"$deployment_name\" -n $deployment_namespace > /dev/null 2>&1; then\n    kubectl wait --for=condition=available deployment/\"$deployment_name\" -n $deployment_namespace --timeout=5m\n    if [ $? -eq 0 ]; then\n      break\n    fi\n  else\n    sleep 3\n  fi\ndone";
        let got: Vec<_> = shown(&extraction("sh", script))
            .into_iter()
            .filter(|(t, ..)| t == "kubectl wait")
            .map(|(_, w, _)| w)
            .collect();
        assert_eq!(
            got,
            ["deployment emissary-apiext in emissary-system (condition=available)"]
        );
    }

    #[test]
    fn a_variable_assigned_several_unknowns_keeps_them_all() {
        // karmada-io/karmada _helpers.tpl (wait-etcd): the Service link's host and port joined;
        // the port, unknown, stays unknown (curl's default 80 is not assumed).
        let rows: &[(&str, &str, Vec<Seen>)] = &[(
            "karmada-io/karmada charts/karmada/templates/_helpers.tpl",
            "while true; do\n  ETCD_ENDPOINT=${ETCD_CLIENT_SERVICE_HOST}\":\"${ETCD_CLIENT_SERVICE_PORT}\n  if curl --connect-timeout 2 ${ETCD_ENDPOINT} || [ $? -eq 52 ]; then\n    break\n  fi\n  sleep 2\ndone",
            vec![("curl", "?", None, "Loop")],
        )];
        for (source, script, want) in rows {
            assert_eq!(&seen_in("bash", script, &[]), want, "{source}");
        }
    }
}
