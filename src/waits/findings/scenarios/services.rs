//! Services that exist: ClusterIPs, endpoints, backing pods followed, ports, headless and
//! ExternalName Services.
use super::*;
use serde_json::json;

#[test]
fn existing_clusterip_resolves_but_busybox_latest_does_not() {
    let services = json!([service(
        "testservice",
        "shop",
        json!({"clusterIP": "10.96.0.9",
        "ports": [{"port": 80, "targetPort": 9999, "protocol": "TCP"}]})
    )]);
    let pod = pod_json(
        "test",
        json!([nslookup("init-service", "busybox:1.28", "testservice")]),
        json!({}),
    );
    let found = explain(
        pod,
        Objects {
            services: services.clone(),
            ..Default::default()
        },
    );
    assert_eq!(codes(&found), ["ResolvesButWaits"]);
    let f = &found[0];
    assert!(
        f.message
            .contains("Service shop/testservice exists (ClusterIP 10.96.0.9)"),
        "{}",
        f.message
    );
    assert_eq!(
        f.evidence[1],
        "chain: Service shop/testservice (ClusterIP 10.96.0.9, 80/TCP→9999) → no EndpointSlice"
    );
    let pod = pod_json(
        "test",
        json!([nslookup("init-service", "busybox", "testservice")]),
        json!({}),
    );
    let found = explain(
        pod,
        Objects {
            services,
            ..Default::default()
        },
    );
    assert_eq!(codes(&found), ["BusyboxNslookupQuirk"]);
    assert!(found[0].hint.contains("busybox:1.28"));
    assert!(found[0].hint.contains("testservice.shop.svc.cluster.local"));
    // What busybox 1.35 does on the real node: the first search domain answers (`Name:`), the
    // others NXDOMAIN, and it exits 1; it does not skip the search path.
    assert!(
        found[0].message.contains("exits non-zero on a short name")
            && !found[0].message.contains("ignores"),
        "{}",
        found[0].message
    );
    assert!(
        found[0]
            .evidence
            .iter()
            .any(|e| e.ends_with("exits 1 when any search domain answers NXDOMAIN")),
        "{:?}",
        found[0].evidence
    );
}

#[test]
fn no_endpoints_selector_and_selectorless() {
    let nc = json!([{"name": "wait-db", "image": "busybox:1.28",
        "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]}]);
    let found = explain(
        pod_json("web", nc.clone(), json!({})),
        Objects {
            services: json!([service(
                "db",
                "shop",
                json!({"clusterIP": "10.96.0.5", "selector": {"app": "postgres"},
                "ports": [{"port": 5432, "targetPort": 5432}]})
            )]),
            pods: json!([ready_pod(
                "pg-0",
                json!({"app": "postgress"}),
                json!([{"containerPort": 5432}])
            )]),
            ..Default::default()
        },
    );
    let f = one(&found, "ServiceNoEndpoints");
    assert!(
        f.message.contains("selector app=postgres matches no pod"),
        "{}",
        f.message
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "closest: pod pg-0 has labels app=postgress"),
        "{:?}",
        f.evidence
    );
    let found = explain(
        pod_json("web", nc, json!({})),
        Objects {
            services: json!([service(
                "db",
                "shop",
                json!({"clusterIP": "10.96.0.5", "ports": [{"port": 5432}]})
            )]),
            ..Default::default()
        },
    );
    let f = one(&found, "ServiceNoEndpoints");
    assert!(
        f.message.contains("no selector and no EndpointSlice"),
        "{}",
        f.message
    );
    assert!(f.hint.contains(SERVICE_LABEL));
}

#[test]
fn not_ready_backing_pods_are_followed_without_loops() {
    // web waits on db (backed by db-0), db-0 waits on migrations (missing) and on web's
    // Service (backed by web: a loop).
    let web = pod_json(
        "web",
        json!([{"name": "wait-db", "image": "busybox:1.28",
        "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]}]),
        json!({}),
    );
    let db0 = pod_json(
        "db-0",
        json!([{"name": "wait-deps", "image": "busybox:1.28",
        "command": ["sh", "-c", "until nslookup migrations && nc -z web 80; do sleep 1; done"]}]),
        json!({}),
    );
    let found = explain(
        web,
        Objects {
            services: json!([
                service(
                    "db",
                    "shop",
                    json!({"clusterIP": "10.96.0.5", "selector": {"app": "db-0"}, "ports": [{"port": 5432, "name": "pg"}]})
                ),
                service(
                    "web",
                    "shop",
                    json!({"clusterIP": "10.96.0.6", "selector": {"app": "web"}, "ports": [{"port": 80}]})
                )
            ]),
            slices: json!([
                slice(
                    "db",
                    json!([{"addresses": ["10.0.0.4"], "conditions": {"ready": false},
                    "targetRef": {"kind": "Pod", "name": "db-0", "namespace": "shop"}}]),
                    json!([{"name": "pg", "port": 5432}])
                ),
                slice(
                    "web",
                    json!([{"addresses": ["10.0.0.3"], "conditions": {"ready": false},
                    "targetRef": {"kind": "Pod", "name": "web", "namespace": "shop"}}]),
                    json!([{"name": "", "port": 80}])
                )
            ]),
            pods: json!([db0]),
            ..Default::default()
        },
    );
    let f = one(&found, "ServiceEndpointsNotReady");
    assert!(f.message.contains("db-0 is Init:0/1"), "{}", f.message);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("chain: Service shop/db")
                && e.contains("EndpointSlice db-abc (0 of 1 ready)")
                && e.contains("Pods db-0 (Init:0/1)")),
        "{:#?}",
        f.evidence
    );
    assert!(
        f.evidence.iter().any(|e| e
            .contains("↳ its init container wait-deps waits for `migrations`: ServiceNotFound")),
        "{:#?}",
        f.evidence
    );
    assert!(
        f.evidence.iter().any(|e| e.contains("already followed")),
        "{:#?}",
        f.evidence
    );
    assert!(f.hint.contains("kubectl initdoctor explain db-0"));
}

#[test]
fn ports_headless_and_external_names() {
    let check = |script: &str, services: Value, slices: Value, pods: Value| {
        explain(
            pod_json(
                "web",
                json!([{"name": "w", "image": "busybox:1.28", "command": ["sh", "-c", script]}]),
                json!({}),
            ),
            Objects {
                services,
                slices,
                pods,
                ..Default::default()
            },
        )
    };
    let svc = json!([service(
        "db",
        "shop",
        json!({"clusterIP": "10.96.0.5", "selector": {"app": "pg"},
        "ports": [{"port": 5432, "targetPort": 9999}]})
    )]);
    let eps = json!([slice(
        "db",
        json!([{"addresses": ["10.0.1.1"], "conditions": {"ready": true},
        "targetRef": {"kind": "Pod", "name": "pg-0"}}]),
        json!([{"port": 9999}])
    )]);
    let pg = json!([ready_pod(
        "pg-0",
        json!({"app": "pg"}),
        json!([{"containerPort": 5432}])
    )]);
    let found = check(
        "until nc -z db 3306; do sleep 1; done",
        svc.clone(),
        eps.clone(),
        pg.clone(),
    );
    assert!(
        one(&found, "ServicePortMismatch")
            .message
            .contains("does not expose port 3306")
    );
    let found = check(
        "until nc -z db 5432; do sleep 1; done",
        svc.clone(),
        eps.clone(),
        pg.clone(),
    );
    let f = one(&found, "ServicePortMismatch");
    assert!(f.message.contains("targetPort 9999"), "{}", f.message);
    assert_eq!(f.severity, Severity::Warning);
    let ok_pg = json!([ready_pod(
        "pg-0",
        json!({"app": "pg"}),
        json!([{"containerPort": 9999}])
    )]);
    let found = check("until nc -z db 5432; do sleep 1; done", svc, eps, ok_pg);
    assert_eq!(codes(&found), ["ResolvesButWaits"]);
    // Headless without ready endpoints.
    let headless = json!([service(
        "nginx",
        "shop",
        json!({"clusterIP": "None", "selector": {"app": "nginx"}})
    )]);
    let found = check(
        "until nslookup nginx; do sleep 1; done",
        headless.clone(),
        json!([]),
        json!([]),
    );
    assert!(
        one(&found, "HeadlessNotResolvable")
            .message
            .contains("no ready endpoint")
    );
    let found = check(
        "until nslookup web-0.nginx; do sleep 1; done",
        headless,
        json!([]),
        json!([]),
    );
    let f = one(&found, "HeadlessNotResolvable");
    assert_eq!(f.resolved, Some(ObjectRef::new("Pod", "shop", "web-0")));
    // ExternalName.
    let ext = json!([service(
        "api",
        "shop",
        json!({"type": "ExternalName", "externalName": "api.example.com"})
    )]);
    let found = check(
        "until nslookup api; do sleep 1; done",
        ext,
        json!([]),
        json!([]),
    );
    assert!(
        one(&found, "ExternalNameService")
            .message
            .contains("api.example.com")
    );
    // Outside the cluster.
    let found = check(
        "until curl -f https://api.example.com/health; do sleep 1; done",
        json!([]),
        json!([]),
        json!([]),
    );
    assert_eq!(codes(&found), ["ExternalTarget"]);
}

#[test]
fn a_statefulset_pod_waiting_on_a_later_peer_under_ordered_ready() {
    let headless = json!([service(
        "zk-hs",
        "shop",
        json!({"clusterIP": "None", "selector": {"app": "zk"}})
    )]);
    // (case, the pod's name, the name it waits on, a later peer)
    let cases = [
        ("zk-0 waits on zk-1", "zk-0", "zk-1.zk-hs", true),
        (
            "zk-2 waits on zk-1, created before it",
            "zk-2",
            "zk-1.zk-hs",
            false,
        ),
    ];
    for (case, me, target, later) in cases {
        let mut pod = pod_json(
            me,
            json!([{"name": "wait-peers", "image": "tutum/dnsutils", "command": ["sh", "-c",
                format!("until nslookup {target}; do sleep 2; done")]}]),
            json!({"hostname": me, "subdomain": "zk-hs"}),
        );
        pod["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1",
            "kind": "StatefulSet", "name": "zk", "uid": "u", "controller": true}]);
        let found = explain(
            pod,
            Objects {
                services: headless.clone(),
                ..Default::default()
            },
        );
        let f = one(&found, "HeadlessNotResolvable");
        assert_eq!(
            f.message
                .contains(&format!("a later pod of StatefulSet zk, which (with the default podManagementPolicy OrderedReady) creates it only once {me} is Ready")),
            later,
            "{case}: {}",
            f.message
        );
        assert_eq!(
            f.hint.contains("podManagementPolicy: Parallel")
                && f.hint.contains("publishNotReadyAddresses: true")
                && f.hint.contains("--cascade=orphan"),
            later,
            "{case}: {}",
            f.hint
        );
    }
}
