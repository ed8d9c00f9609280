//! Each finding kind `preflight` gives, as a pair of bundles: one that has it, and the same
//! bundle fixed, which must not. Run offline, in namespace `shop`.

use jiff::Timestamp;

use super::{Live, Options, Report, bundle, load, run};
use crate::finding::Severity;

fn report(yaml: &str) -> Report {
    let loaded = load::parse("bundle.yaml", yaml).unwrap();
    let b = bundle::bundle(&loaded, "shop");
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    run(
        &b,
        &Live::default(),
        &Options {
            namespace: "shop".into(),
            domain: "cluster.local".into(),
            live: false,
        },
        Timestamp::UNIX_EPOCH,
    )
}

/// A Deployment `name` labelled `app=name`, with these init containers and app ports.
fn deploy(name: &str, inits: &str, ports: &str) -> String {
    format!(
        "kind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      initContainers: {inits}\n      containers: [{{name: app, image: app, ports: [{ports}]}}]\n---\n"
    )
}

fn service(name: &str, selector: &str, port: u16) -> String {
    format!(
        "kind: Service\nmetadata: {{name: {name}}}\nspec: {{selector: {{app: {selector}}}, ports: [{{name: p, port: {port}}}]}}\n---\n"
    )
}

/// A StatefulSet `name` of `replicas` pods under the headless Service `name-hl`.
fn stateful(name: &str, replicas: u16) -> String {
    format!(
        "kind: StatefulSet\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  serviceName: {name}-hl\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: app, image: app, ports: [{{containerPort: 5432}}]}}]}}\n---\nkind: Service\nmetadata: {{name: {name}-hl}}\nspec: {{clusterIP: None, selector: {{app: {name}}}, ports: [{{port: 5432}}]}}\n---\n"
    )
}

fn wait(host: &str) -> String {
    format!(
        "[{{name: wait, image: busybox:1.28, command: [sh, -c, 'until nc -z {host}; do sleep 2; done']}}]"
    )
}

/// (what, code, the bundle that has it, the bundle that does not).
fn pairs() -> Vec<(&'static str, &'static str, String, String)> {
    let db = deploy("db", "[]", "{containerPort: 5432}");
    vec![
        (
            "no Service by that name",
            "ServiceNotFound",
            deploy("web", &wait("myrel-postgresql 5432"), "") + &db,
            deploy("web", &wait("myrel-postgresql 5432"), "")
                + &db
                + &service("myrel-postgresql", "db", 5432),
        ),
        (
            "a near name: the headless Service only",
            "ServiceNameTypo",
            deploy("web", &wait("myrel-postgresql 5432"), "")
                + &db
                + &service("myrel-postgresql-hl", "db", 5432),
            deploy("web", &wait("myrel-postgresql-hl 5432"), "")
                + &db
                + &service("myrel-postgresql-hl", "db", 5432),
        ),
        (
            "a port the Service does not expose",
            "ServicePortMismatch",
            deploy("web", &wait("pg 5433"), "") + &db + &service("pg", "db", 5432),
            deploy("web", &wait("pg 5432"), "") + &db + &service("pg", "db", 5432),
        ),
        (
            "a selector no workload's labels match",
            "ServiceNoEndpoints",
            deploy("web", &wait("pg 5432"), "") + &db + &service("pg", "postgres", 5432),
            deploy("web", &wait("pg 5432"), "") + &db + &service("pg", "db", 5432),
        ),
        (
            "a wait on the workload's own Service",
            "WaitsOnItself",
            deploy("web", &wait("web 80"), "{containerPort: 80}") + &service("web", "web", 80),
            deploy("web", &wait("pg 5432"), "{containerPort: 80}")
                + &service("web", "web", 80)
                + &db
                + &service("pg", "db", 5432),
        ),
        (
            "two workloads waiting on each other",
            "WaitCycle",
            deploy("api", &wait("worker 80"), "{containerPort: 80}")
                + &deploy("worker", &wait("api 80"), "{containerPort: 80}")
                + &service("api", "api", 80)
                + &service("worker", "worker", 80),
            deploy("api", &wait("worker 80"), "{containerPort: 80}")
                + &deploy("worker", "[]", "{containerPort: 80}")
                + &service("api", "api", 80)
                + &service("worker", "worker", 80),
        ),
        (
            "localhost, served by an app container",
            "WaitsOnLocalhost",
            deploy("web", &wait("localhost 8080"), "{containerPort: 8080}"),
            deploy(
                "web",
                "[{name: proxy, image: envoy, restartPolicy: Always, ports: [{containerPort: 8080}]}, {name: wait, image: busybox:1.28, command: [sh, -c, 'until nc -z localhost 8080; do sleep 2; done']}]",
                "{containerPort: 8080}",
            ),
        ),
        (
            "a server as a plain init container",
            "ServerAsInitContainer",
            deploy("web", "[{name: proxy, image: 'nginx:1.27'}]", ""),
            deploy(
                "web",
                "[{name: proxy, image: 'nginx:1.27', restartPolicy: Always}]",
                "",
            ),
        ),
        (
            "a one-shot check that fails the container",
            "CheckWillFail",
            deploy(
                "web",
                "[{name: check, image: busybox:1.28, command: [nc, -z, pg, '5432']}]",
                "",
            ) + &db,
            deploy(
                "web",
                "[{name: check, image: busybox:1.28, command: [nc, -z, pg, '5432']}]",
                "",
            ) + &db
                + &service("pg", "db", 5432),
        ),
        (
            "the busybox nslookup trap",
            "BusyboxNslookupQuirk",
            deploy(
                "web",
                "[{name: dns, image: 'busybox:1.36', command: [sh, -c, 'until nslookup pg; do sleep 2; done']}]",
                "",
            ) + &db
                + &service("pg", "db", 5432),
            deploy(
                "web",
                "[{name: dns, image: 'busybox:1.36', command: [sh, -c, 'until nslookup pg.shop.svc.cluster.local; do sleep 2; done']}]",
                "",
            ) + &db
                + &service("pg", "db", 5432),
        ),
        (
            "an env reference to a ConfigMap key the bundle's ConfigMap lacks",
            "ConfigMissing",
            deploy(
                "web",
                "[{name: wait, image: busybox:1.28, env: [{name: DB, valueFrom: {configMapKeyRef: {name: cfg, key: DB_HOST}}}], command: [sh, -c, 'until nc -z $(DB) 5432; do sleep 2; done']}]",
                "",
            ) + &db
                + &service("pg", "db", 5432)
                + "kind: ConfigMap\nmetadata: {name: cfg}\ndata: {DATABASE_HOST: pg}\n",
            deploy(
                "web",
                "[{name: wait, image: busybox:1.28, env: [{name: DB, valueFrom: {configMapKeyRef: {name: cfg, key: DB_HOST}}}], command: [sh, -c, 'until nc -z $(DB) 5432; do sleep 2; done']}]",
                "",
            ) + &db
                + &service("pg", "db", 5432)
                + "kind: ConfigMap\nmetadata: {name: cfg}\ndata: {DB_HOST: pg}\n",
        ),
        (
            "a host that expands to nothing (a disabled dependency's host left empty)",
            "EmptyTarget",
            deploy(
                "web",
                "[{name: wait, image: busybox:1.28, env: [{name: DB_HOST, value: ''}], command: [sh, -c, 'until nc -z \"$DB_HOST\" 5432; do sleep 2; done']}]",
                "",
            ) + &db
                + &service("pg", "db", 5432),
            deploy(
                "web",
                "[{name: wait, image: busybox:1.28, env: [{name: DB_HOST, value: pg}], command: [sh, -c, 'until nc -z \"$DB_HOST\" 5432; do sleep 2; done']}]",
                "",
            ) + &db
                + &service("pg", "db", 5432),
        ),
        (
            "a StatefulSet's second pod, with one replica (two: `db-1` is there)",
            "HeadlessNotResolvable",
            deploy("web", &wait("db-1.db-hl 5432"), "") + &stateful("db", 1),
            deploy("web", &wait("db-1.db-hl 5432"), "") + &stateful("db", 2),
        ),
        (
            "a Job waited for that the bundle does not create",
            "WaitingOnJob",
            deploy(
                "web",
                "[{name: migrated, image: bitnami/kubectl, command: [kubectl, wait, --for=condition=complete, job/migrate, --timeout=-1s]}]",
                "",
            ),
            deploy(
                "web",
                "[{name: migrated, image: bitnami/kubectl, command: [kubectl, wait, --for=condition=complete, job/migrate, --timeout=-1s]}]",
                "",
            ) + "kind: Job\nmetadata: {name: migrate}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: migrate}]}}}\n",
        ),
    ]
}

#[test]
fn each_finding_kind_has_a_bundle_with_it_and_one_without() {
    for (what, code, with, without) in pairs() {
        let got = report(&with);
        let codes: Vec<(String, String, Severity)> = got
            .workloads
            .iter()
            .flat_map(|w| {
                w.findings
                    .iter()
                    .map(move |f| (w.name.clone(), f.code.clone(), f.severity))
            })
            .collect();
        assert!(
            codes
                .iter()
                .any(|(_, c, s)| c == code && *s == Severity::Error),
            "{what}: want {code} as an error, got {codes:?}"
        );
        assert!(got.will_block(), "{what}: it will block");
        let fixed = report(&without);
        let codes: Vec<(String, String, Severity)> = fixed
            .workloads
            .iter()
            .flat_map(|w| {
                w.findings
                    .iter()
                    .map(move |f| (w.name.clone(), f.code.clone(), f.severity))
            })
            .collect();
        assert!(
            !codes.iter().any(|(_, c, _)| c == code),
            "{what}, fixed: {code} still there: {codes:?}"
        );
        assert!(
            !fixed.will_block(),
            "{what}, fixed: nothing blocks, got {codes:?}"
        );
    }
}

#[test]
fn a_loop_names_its_workloads_and_a_chain_behind_a_blocked_one_is_followed() {
    let yaml = deploy("api", &wait("worker 80"), "{containerPort: 80}")
        + &deploy("worker", &wait("api 80"), "{containerPort: 80}")
        + &deploy("front", &wait("api 80"), "{containerPort: 80}")
        + &service("api", "api", 80)
        + &service("worker", "worker", 80);
    let got = report(&yaml);
    let api = got.workloads.iter().find(|w| w.name == "api").unwrap();
    let f = &api.findings[0];
    assert_eq!(f.code, "WaitCycle");
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "loop: Deployment api → Deployment worker → Deployment api"),
        "{:?}",
        f.evidence
    );
    // front is not in the loop: it waits for api, which never gets Ready.
    let front = got.workloads.iter().find(|w| w.name == "front").unwrap();
    assert!(front.will_block);
    assert_eq!(
        front.findings[0].code, "ServiceEndpointsNotReady",
        "{:?}",
        front.findings
    );
}

#[test]
fn a_chain_of_waits_that_ends_in_a_ready_workload_does_not_block() {
    // web waits for api, api for db: db has no init containers, so all three get Ready.
    let yaml = deploy("web", &wait("api 80"), "{containerPort: 80}")
        + &deploy("api", &wait("pg 5432"), "{containerPort: 80}")
        + &deploy("db", "[]", "{containerPort: 5432}")
        + &service("api", "api", 80)
        + &service("pg", "db", 5432);
    let got = report(&yaml);
    assert!(!got.will_block(), "{:?}", got.workloads);
    assert_eq!(
        got.workloads.len(),
        2,
        "only workloads with init containers"
    );
}

#[test]
fn a_missing_secret_is_an_error_only_when_the_namespace_s_secrets_were_listed() {
    let yaml = deploy(
        "web",
        "[{name: wait, image: busybox:1.28, env: [{name: P, valueFrom: {secretKeyRef: {name: creds, key: p}}}], command: [sleep, '1']}]",
        "",
    );
    let b = bundle::bundle(&load::parse("bundle.yaml", &yaml).unwrap(), "shop");
    let cases = [
        (Vec::new(), Severity::Error),
        (vec!["secrets".to_string()], Severity::Warning),
    ];
    for (unread, want) in cases {
        let live = Live {
            unread: unread.clone(),
            ..Default::default()
        };
        let options = Options {
            namespace: "shop".into(),
            domain: "cluster.local".into(),
            live: true,
        };
        let got = run(&b, &live, &options, Timestamp::UNIX_EPOCH);
        let f = got.workloads[0]
            .findings
            .iter()
            .find(|f| f.code == "ConfigMissing")
            .unwrap_or_else(|| panic!("{unread:?}: {:?}", got.workloads));
        assert_eq!(f.severity, want, "{unread:?}: {f:?}");
    }
}

#[test]
fn a_service_named_elsewhere_in_the_cluster_is_in_another_namespace() {
    let db_elsewhere: k8s_openapi::api::core::v1::Service = serde_json::from_value(
        serde_json::json!({"metadata": {"name": "pg", "namespace": "data"},
            "spec": {"selector": {"app": "pg"}, "ports": [{"port": 5432}]}}),
    )
    .unwrap();
    let web = deploy("web", &wait("pg 5432"), "");
    let db = deploy("db", "[]", "{containerPort: 5432}");
    // (bundle, the Services named like the target in the cluster, the code; None: no error)
    let cases = [
        (web.clone(), vec![], Some("ServiceNotFound")),
        (
            web.clone(),
            vec![db_elsewhere.clone()],
            Some("ServiceInOtherNamespace"),
        ),
        // The bundle's own Service in the pod's namespace wins.
        (
            web.clone() + &db + &service("pg", "db", 5432),
            vec![db_elsewhere.clone()],
            None,
        ),
    ];
    for (yaml, named, want) in cases {
        let b = bundle::bundle(&load::parse("bundle.yaml", &yaml).unwrap(), "shop");
        assert_eq!(super::world::service_names(&b), ["pg"]);
        let live = Live {
            services_named: named,
            ..Default::default()
        };
        let options = Options {
            namespace: "shop".into(),
            domain: "cluster.local".into(),
            live: true,
        };
        let got = run(&b, &live, &options, Timestamp::UNIX_EPOCH);
        let errors: Vec<&str> = got
            .workloads
            .iter()
            .flat_map(|w| &w.findings)
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.code.as_str())
            .collect();
        assert_eq!(errors, want.into_iter().collect::<Vec<_>>(), "{yaml}");
    }
}
