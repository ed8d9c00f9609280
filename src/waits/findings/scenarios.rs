//! Findings on real objects: a pod in namespace `shop` whose first init container runs.
use super::*;
use crate::waits::ObjectRef;
use crate::waits::resolve;
use serde_json::{Value, json};

const NOW: &str = "2026-01-01T00:10:00Z";

fn pod_json(name: &str, inits: Value, spec_extra: Value) -> Value {
    let inits_arr = inits.as_array().cloned().unwrap_or_default();
    let statuses: Vec<Value> = inits_arr
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let state = if i == 0 {
                json!({"running": {"startedAt": "2026-01-01T00:09:30Z"}})
            } else {
                json!({"waiting": {"reason": "PodInitializing"}})
            };
            json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false,
                   "restartCount": 0, "state": state})
        })
        .collect();
    let mut spec =
        json!({"containers": [{"name": "main", "image": "app"}], "initContainers": inits});
    if let (Some(s), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
        for (k, v) in extra {
            s.insert(k.clone(), v.clone());
        }
    }
    json!({
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": name},
                     "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": spec,
        "status": {"phase": "Pending", "podIP": format!("10.0.0.{}", name.len()),
            "conditions": [{"type": "Initialized", "status": "False"}, {"type": "Ready", "status": "False"}],
            "initContainerStatuses": statuses,
            "containerStatuses": [{"name": "main", "image": "app", "imageID": "", "ready": false,
                "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}
    })
}

fn ready_pod(name: &str, labels: Value, ports: Value) -> Value {
    json!({
        "metadata": {"name": name, "namespace": "shop", "labels": labels},
        "spec": {"containers": [{"name": "srv", "image": "srv", "ports": ports}]},
        "status": {"phase": "Running", "podIP": "10.0.1.1",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "srv", "image": "srv", "imageID": "", "ready": true,
                "restartCount": 0, "state": {"running": {}}}]}
    })
}

fn service(name: &str, ns: &str, spec: Value) -> Value {
    json!({"metadata": {"name": name, "namespace": ns, "creationTimestamp": "2025-12-31T00:00:00Z"}, "spec": spec})
}

fn slice(service: &str, endpoints: Value, ports: Value) -> Value {
    json!({"metadata": {"name": format!("{service}-abc"), "namespace": "shop",
                        "labels": {SERVICE_LABEL: service}},
           "addressType": "IPv4", "endpoints": endpoints, "ports": ports})
}

const SERVICE_LABEL: &str = resolve::SERVICE_NAME_LABEL;

struct Objects {
    services: Value,
    slices: Value,
    pods: Value,
    by_name: Value,
    jobs: Value,
}

impl Default for Objects {
    fn default() -> Self {
        Objects {
            services: json!([]),
            slices: json!([]),
            pods: json!([]),
            by_name: json!([]),
            jobs: json!([]),
        }
    }
}

fn explain(pod: Value, o: Objects) -> Vec<Finding> {
    let mut pods: Vec<Pod> = serde_json::from_value(o.pods).unwrap();
    let me: Pod = serde_json::from_value(pod).unwrap();
    pods.push(me.clone());
    let objects = super::super::WaitObjects {
        fetched: true,
        services: std::sync::Arc::new(serde_json::from_value(o.services).unwrap()),
        endpoint_slices: std::sync::Arc::new(serde_json::from_value(o.slices).unwrap()),
        pods: std::sync::Arc::new(pods),
        services_by_name: serde_json::from_value(o.by_name).unwrap(),
        jobs: serde_json::from_value(o.jobs).unwrap(),
        ..Default::default()
    };
    findings(&me, Some(&objects), NOW.parse().unwrap())
}

fn one<'a>(found: &'a [Finding], code: &str) -> &'a Finding {
    found
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", found))
}

fn codes(found: &[Finding]) -> Vec<&str> {
    found.iter().map(|f| f.code.as_str()).collect()
}

fn nslookup(name: &str, image: &str, target: &str) -> Value {
    json!({"name": name, "image": image,
           "command": ["sh", "-c", format!("until nslookup {target}; do echo waiting; sleep 2; done")]})
}

#[test]
fn missing_service_with_manifest_and_the_next_container() {
    let pod = pod_json(
        "test-initc",
        json!([
            nslookup("init-mysvc", "tutum/dnsutils", "mysvc"),
            nslookup("init-mydb", "tutum/dnsutils", "mydb")
        ]),
        json!({}),
    );
    let found = explain(pod, Objects::default());
    assert_eq!(codes(&found), ["ServiceNotFound", "ServiceNotFound"]);
    let first = &found[0];
    assert_eq!(first.severity, Severity::Error);
    assert_eq!(first.container.as_deref(), Some("init-mysvc"));
    assert_eq!(first.target.as_deref(), Some("mysvc"));
    assert_eq!(
        first.resolved,
        Some(ObjectRef::new("Service", "shop", "mysvc"))
    );
    assert_eq!(first.evidence[0], "command: nslookup mysvc");
    assert!(
        first
            .hint
            .contains("kind: Service\nmetadata:\n  name: mysvc\n  namespace: shop"),
        "{}",
        first.hint
    );
    let second = &found[1];
    assert_eq!(second.severity, Severity::Warning);
    assert!(
        second.message.starts_with("once init-mysvc is done: "),
        "{}",
        second.message
    );
}

#[test]
fn near_misses_other_namespace_and_typo() {
    let pod = pod_json(
        "myapp-pod",
        json!([
            nslookup(
                "init-myservice",
                "busybox:1.35",
                "myservice.default.svc.cluster.local"
            ),
            nslookup("init-mydb", "busybox:1.28", "my-db")
        ]),
        json!({}),
    );
    let found = explain(
        pod,
        Objects {
            services: json!([
                service("myservice", "shop", json!({"clusterIP": "10.96.0.9"})),
                service("mydb", "shop", json!({"clusterIP": "10.96.0.8"}))
            ]),
            by_name: json!([service(
                "myservice",
                "shop",
                json!({"clusterIP": "10.96.0.9"})
            )]),
            ..Default::default()
        },
    );
    let other = one(&found, "ServiceInOtherNamespace");
    assert_eq!(
        other.resolved,
        Some(ObjectRef::new("Service", "default", "myservice"))
    );
    assert!(
        other.message.contains("namespace shop"),
        "{}",
        other.message
    );
    assert!(other.hint.contains("myservice.shop"), "{}", other.hint);
    // An FQDN works with busybox 1.35: no quirk.
    assert!(!codes(&found).contains(&"BusyboxNslookupQuirk"));
    let typo = one(&found, "ServiceNameTypo");
    assert!(
        typo.message.contains("did you mean mydb?"),
        "{}",
        typo.message
    );
}

/// ClusterIP Services called `name`, one in each of `namespaces`.
fn same_name_in(name: &str, namespaces: &[&str]) -> Value {
    let ip = json!({"clusterIP": "10.96.0.7"});
    json!(
        namespaces
            .iter()
            .map(|ns| service(name, ns, ip.clone()))
            .collect::<Vec<_>>()
    )
}

#[test]
fn other_namespaces_are_capped_at_three_and_the_fix_names_the_first() {
    let pod = pod_json(
        "web",
        json!([nslookup("init-db", "busybox:1.36", "mydb")]),
        json!({}),
    );
    let by_name = same_name_in("mydb", &["e-ns", "b-ns", "d-ns", "a-ns", "c-ns"]);
    let found = explain(
        pod,
        Objects {
            by_name,
            ..Default::default()
        },
    );
    let f = one(&found, "ServiceInOtherNamespace");
    let listed: Vec<&str> = f
        .evidence
        .iter()
        .filter(|l| l.starts_with("Service ") || l.starts_with("… and"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        listed,
        [
            "Service a-ns/mydb (ClusterIP 10.96.0.7, no ports)",
            "Service b-ns/mydb (ClusterIP 10.96.0.7, no ports)",
            "Service c-ns/mydb (ClusterIP 10.96.0.7, no ports)",
            "… and 2 more namespaces",
        ],
        "{:#?}",
        f.evidence
    );
    assert!(f.message.ends_with("in namespace a-ns"), "{}", f.message);
    assert!(f.hint.contains("`mydb.a-ns`"), "{}", f.hint);

    // Up to three, every one is listed; a fourth is one more namespace.
    let four = same_name_in("mydb", &["a-ns", "b-ns", "c-ns", "d-ns"]);
    let pod = pod_json(
        "web",
        json!([nslookup("init-db", "busybox:1.36", "mydb")]),
        json!({}),
    );
    let found = explain(
        pod,
        Objects {
            by_name: four,
            ..Default::default()
        },
    );
    let f = one(&found, "ServiceInOtherNamespace");
    assert_eq!(
        f.evidence.last().map(String::as_str),
        Some("… and 1 more namespace")
    );
}

#[test]
fn a_typo_lists_other_namespaces_capped_too() {
    let pod = pod_json(
        "web",
        json!([nslookup("init-db", "busybox:1.36", "mydbb")]),
        json!({}),
    );
    let ip = json!({"clusterIP": "10.96.0.7"});
    let by_name = same_name_in("mydbb", &["a-ns", "b-ns", "c-ns", "d-ns", "e-ns"]);
    let found = explain(
        pod,
        Objects {
            services: json!([service("mydb", "default", ip.clone())]),
            by_name,
            ..Default::default()
        },
    );
    let f = one(&found, "ServiceNameTypo");
    let elsewhere: Vec<&str> = f
        .evidence
        .iter()
        .filter(|l| l.starts_with("a Service ") || l.starts_with("… and"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        elsewhere,
        [
            "a Service mydbb exists in namespace a-ns",
            "a Service mydbb exists in namespace b-ns",
            "a Service mydbb exists in namespace c-ns",
            "… and 2 more namespaces",
        ],
        "{:#?}",
        f.evidence
    );
}

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
fn seed_dig_never_waits_and_plain_sleep() {
    let found = explain(
        pod_json(
            "w",
            json!([{"name": "w", "image": "tutum/dnsutils", "command": ["sh", "-c",
            "for i in {1..100}; do sleep 1; if dig myservice; then exit 0; fi; done; exit 1"]}]),
            json!({}),
        ),
        Objects::default(),
    );
    let f = one(&found, "CheckNeverWaits");
    assert!(
        f.message
            .contains("exits 0 even when the name does not exist")
    );
    assert_eq!(one(&found, "ServiceNotFound").severity, Severity::Info);
    assert!(
        f.evidence.iter().any(|e| e.contains("{1..N}")),
        "{:?}",
        f.evidence
    );
    let found = explain(
        pod_json(
            "w",
            json!([{"name": "w", "image": "busybox", "command": ["sleep", "60"]}]),
            json!({}),
        ),
        Objects::default(),
    );
    assert_eq!(
        one(&found, "TimedWait").message,
        "a timed wait: sleeps 60s, about 30s left (running for 30s)"
    );
}

#[test]
fn dns_policy_default_and_none() {
    let inits = json!([nslookup("init-service", "busybox:1.28", "testservice")]);
    let services = json!([service(
        "testservice",
        "shop",
        json!({"clusterIP": "10.96.0.9"})
    )]);
    let found = explain(
        pod_json("t", inits.clone(), json!({"dnsPolicy": "Default"})),
        Objects {
            services: services.clone(),
            ..Default::default()
        },
    );
    assert_eq!(codes(&found), ["DnsPolicyBypassesClusterDns"]);
    let found = explain(
        pod_json(
            "t",
            inits,
            json!({"dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.2.3.4"]}}),
        ),
        Objects {
            services,
            ..Default::default()
        },
    );
    let f = one(&found, "DnsPolicyBypassesClusterDns");
    assert!(f.message.contains("1.2.3.4"), "{}", f.message);
}

#[test]
fn kubectl_wait_pods_and_jobs() {
    let wait = |args: Value| json!([{"name": "wait", "image": "bitnami/kubectl", "command": args}]);
    let found = explain(
        pod_json(
            "web",
            wait(json!([
                "kubectl",
                "wait",
                "--for=condition=Ready",
                "pod",
                "-l",
                "app=db"
            ])),
            json!({}),
        ),
        Objects::default(),
    );
    let f = one(&found, "WaitingOnPod");
    assert!(
        f.message.contains("no pod in namespace shop matches"),
        "{}",
        f.message
    );
    let found = explain(
        pod_json(
            "web",
            wait(json!([
                "kubectl",
                "wait",
                "--for=condition=Ready",
                "pod",
                "-l",
                "app=web"
            ])),
            json!({}),
        ),
        Objects::default(),
    );
    assert!(
        one(&found, "WaitingOnPod")
            .message
            .contains("this pod itself")
    );
    let found = explain(
        pod_json(
            "web",
            wait(json!([
                "kubectl",
                "wait",
                "--for=condition=Ready",
                "pod",
                "-l",
                "app=db"
            ])),
            json!({}),
        ),
        Objects {
            pods: json!([ready_pod("db-0", json!({"app": "db"}), json!([]))]),
            ..Default::default()
        },
    );
    let f = one(&found, "ResolvesButWaits");
    assert_eq!(f.resolved, Some(ObjectRef::new("Pod", "shop", "db-0")));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("ServiceAccount default"))
    );
    let found = explain(
        pod_json(
            "web",
            wait(json!([
                "kubectl",
                "wait",
                "--for=condition=complete",
                "job/migrate"
            ])),
            json!({}),
        ),
        Objects::default(),
    );
    assert_eq!(
        one(&found, "WaitingOnJob").resolved,
        Some(ObjectRef::new("Job", "shop", "migrate"))
    );
    let found = explain(
        pod_json(
            "web",
            wait(json!([
                "kubectl",
                "wait",
                "--for=condition=complete",
                "job/migrate"
            ])),
            json!({}),
        ),
        Objects {
            jobs: json!([{"metadata": {"name": "migrate", "namespace": "shop"}, "status": {"active": 1}}]),
            ..Default::default()
        },
    );
    assert!(
        one(&found, "WaitingOnJob")
            .message
            .contains("1 active, 0 succeeded")
    );
}

#[test]
fn service_links_and_not_understood() {
    let found = explain(
        pod_json(
            "reg",
            json!([{"name": "register", "image": "curlimages/curl", "command": ["sh", "-c",
            "curl -X POST http://$MANAGEMENT_SERVICE_HOST:$MANAGEMENT_SERVICE_PORT/register -d 'instance=$(<POD_NAME>)&ip=$(<POD_IP>)'"]}]),
            json!({}),
        ),
        Objects::default(),
    );
    let f = one(&found, "ServiceNotFound");
    assert_eq!(f.target.as_deref(), Some("$MANAGEMENT_SERVICE_HOST"));
    assert_eq!(
        f.resolved,
        Some(ObjectRef::new("Service", "shop", "management"))
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("existed when the container started"))
    );
    let found = explain(
        pod_json(
            "m",
            json!([{"name": "db-migration", "image": "myapp:latest", "command": ["python", "manage.py", "migrate"]}]),
            json!({}),
        ),
        Objects::default(),
    );
    let f = one(&found, "WaitNotUnderstood");
    assert!(f.message.contains("`python manage.py migrate`"));
    assert_eq!(f.target, None);
}

#[test]
fn the_table_section_groups_by_target() {
    let pod = pod_json(
        "test-initc",
        json!([nslookup("init-mysvc", "tutum/dnsutils", "mysvc")]),
        json!({}),
    );
    let found = explain(pod, Objects::default());
    let text = super::super::render::section(&found, crate::render::Palette { enabled: false });
    assert!(
        text.starts_with("Waits for:\n  init-mysvc → mysvc\n    command: nslookup mysvc\n"),
        "{text}"
    );
    assert!(
        text.contains("[error] ServiceNotFound: no Service mysvc in namespace shop"),
        "{text}"
    );
    assert!(
        text.contains(
            "        fix: apply the Service (`kubectl apply -f -`):\n             apiVersion: v1\n"
        ),
        "{text}"
    );
}
