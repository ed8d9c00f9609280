//! End to end on the real control plane: what a blocked init container waits on. Services and
//! Pods are created for real; EndpointSlices come from the controller manager's endpointslice
//! controller (backing pods are made Ready by writing their status, as the kubelet would),
//! except for selector-less Services, whose slices the test writes as a user would.
//!
//! Every init-container example of the seeds (../shared/seeds/) is one of these tests. Each is a
//! story of steps (objects, the statuses a kubelet writes, explains and what they must find) run
//! by one harness, [`run_story`]. The names a story waits on are its own: `{u}` in any text is a
//! suffix of this run (`{U}` the same in a variable name), so that no Service of a parallel test
//! (or of a namespace still being deleted) can turn `ServiceNotFound` into
//! `ServiceInOtherNamespace`: each code is asserted exactly.

mod common;

use common::codes_about as codes;

use common::{TestNs, evidence_has, explain_table, finding_about as finding, initdoctor};
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::Value;

fn resolved(kind: &str, namespace: &str, name: &str) -> Value {
    serde_json::json!({"kind": kind, "namespace": namespace, "name": name})
}

/// The seeds' Service without a selector (`testservice` of the first seed).
const SEED0_TESTSERVICE: &str = include_str!("data/waits/seed0.service.testservice.yaml");

/// Seed 000 (Chinese notes): busybox without a tag (latest), and a `donel` typo in init-db.
/// (The seed writes `imagePullPolicy: ifNotPresent`, which the API rejects; fixed here.)
const SEED0_POD: &str = include_str!("data/waits/seed0.pod.test.yaml");

// ---- Stories as data: steps that build the cluster, and explains with what each must find.
// Each story runs in its own namespace; `{ns}` in any text is that namespace, `{u}` the run's
// suffix of the names it waits on. ----

/// One step of a story.
enum Step {
    Service(&'static str),
    ConfigMap(&'static str),
    /// An EndpointSlice written by hand (for a Service without a selector).
    Slice(&'static str),
    DeleteSlice(&'static str),
    Pod(&'static str),
    /// The pod's status, as the kubelet writes it.
    Status(&'static str, Value),
    /// The pod becomes Ready with this IP.
    Ready(&'static str, &'static str),
    /// The pod is initializing with this IP.
    Initializing(&'static str, &'static str),
    /// Wait for the Service's endpoints: (total, ready).
    Endpoints(&'static str, usize, usize),
    /// `explain POD -o json`, and the findings it must have.
    Explain(&'static str, Vec<Expect>),
    /// `explain POD -o json`: its STATUS column.
    StatusColumn(&'static str, &'static str),
    /// `explain POD` as a table: parts it must contain.
    Table(&'static str, &'static [&'static str]),
}

/// A finding an explain must have: exactly one with `code` about `target` (of `container`
/// when given).
struct Expect {
    code: &'static str,
    /// `None`: whatever it is about.
    target: Option<&'static str>,
    container: Option<&'static str>,
    severity: Option<&'static str>,
    /// Parts of its message, its start, parts of its hint and of its evidence lines.
    message: &'static [&'static str],
    starts: Option<&'static str>,
    hint: &'static [&'static str],
    evidence: &'static [&'static str],
    /// `(kind, name)` of what it resolved to, in the story's namespace, or `(kind, ns/name)`.
    resolved: Option<(&'static str, &'static str)>,
    /// Every finding about `target` has this code (so with no container: the only one).
    only: bool,
}

fn expect(code: &'static str, target: &'static str) -> Expect {
    Expect {
        target: Some(target),
        ..any(code)
    }
}

/// A finding with `code`, whatever its target.
fn any(code: &'static str) -> Expect {
    Expect {
        code,
        target: None,
        container: None,
        severity: None,
        message: &[],
        starts: None,
        hint: &[],
        evidence: &[],
        resolved: None,
        only: false,
    }
}

/// The text of a story with `{ns}` and the run's suffix `{u}` (`{U}` in a variable name).
struct Names {
    ns: String,
    suffix: String,
}

impl Names {
    fn of(&self, text: &str) -> String {
        text.replace("{ns}", &self.ns)
            .replace("{u}", &format!("-{}", self.suffix))
            .replace("{U}", &format!("_{}", self.suffix.to_ascii_uppercase()))
    }
}

/// The one finding `e` names (its case in the message when not).
fn the_finding<'a>(story: &str, pod: &'a Value, e: &Expect, names: &Names) -> &'a Value {
    let target = e.target.map(|t| names.of(t));
    let all = pod["findings"].as_array().expect("findings");
    let found: Vec<&Value> = all
        .iter()
        .filter(|f| {
            f["code"] == e.code
                && target.as_ref().is_none_or(|t| f["target"] == t.as_str())
                && e.container.is_none_or(|c| f["container"] == c)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{story}: expected one {} about {target:?} (container {:?}) in {all:#?}",
        e.code,
        e.container
    );
    found[0]
}

fn check(story: &str, got: &Value, e: &Expect, names: &Names) {
    let f = the_finding(story, got, e, names);
    let text = |key: &str| f[key].as_str().unwrap_or_default().to_string();
    if e.only {
        let target = names.of(e.target.expect("`only` needs a target"));
        let codes = codes(got, &target);
        assert!(
            codes.iter().all(|c| c == e.code),
            "{story}: about {target}: {codes:?}, expected only {}",
            e.code
        );
    }
    if let Some(severity) = e.severity {
        assert_eq!(f["severity"], severity, "{story}: {f:#}");
    }
    for part in e.message {
        assert!(text("message").contains(&names.of(part)), "{story}: {f:#}");
    }
    if let Some(start) = e.starts {
        assert!(
            text("message").starts_with(&names.of(start)),
            "{story}: {f:#}"
        );
    }
    for part in e.hint {
        assert!(text("hint").contains(&names.of(part)), "{story}: {f:#}");
    }
    for line in e.evidence {
        assert!(evidence_has(f, &names.of(line)), "{story}: {f:#}");
    }
    if let Some((kind, name)) = e.resolved {
        let name = names.of(name);
        let (namespace, name) = name.split_once('/').unwrap_or((&names.ns, &name));
        assert_eq!(
            f["resolved"],
            resolved(kind, namespace, name),
            "{story}: {f:#}"
        );
    }
}

/// Run a story's steps in a namespace of its own; a failing step names its story.
async fn run_story(story: &str, steps: Vec<Step>) {
    let ns = TestNs::new(story).await;
    let names = Names {
        ns: ns.name.clone(),
        suffix: common::random_suffix(),
    };
    let of = |text: &str| names.of(text);
    for step in steps {
        match step {
            Step::Service(yaml) => {
                ns.create::<Service>(&of(yaml)).await;
            }
            Step::ConfigMap(yaml) => {
                ns.create::<ConfigMap>(&of(yaml)).await;
            }
            Step::Slice(yaml) => {
                ns.create::<EndpointSlice>(&of(yaml)).await;
            }
            Step::DeleteSlice(name) => {
                ns.api::<EndpointSlice>()
                    .delete(&of(name), &Default::default())
                    .await
                    .expect("delete slice");
            }
            Step::Pod(yaml) => {
                ns.pod(&of(yaml)).await;
            }
            Step::Status(pod, status) => {
                ns.set_status(pod, status).await;
            }
            Step::Ready(pod, ip) => {
                ns.set_ready(pod, ip).await;
            }
            Step::Initializing(pod, ip) => {
                ns.set_initializing(pod, ip).await;
            }
            Step::Endpoints(service, total, ready) => {
                ns.await_endpoints(&of(service), total, ready).await;
            }
            Step::Explain(pod, expects) => {
                let got = common::explain_one(&ns, pod, &[]);
                for e in &expects {
                    check(story, &got, e, &names);
                }
            }
            Step::StatusColumn(pod, status) => {
                let got = common::explain_one(&ns, pod, &[]);
                assert_eq!(got["status"], status, "{story}");
            }
            Step::Table(pod, parts) => {
                let table = explain_table(&ns, pod);
                for part in parts {
                    assert!(table.contains(&of(part)), "{story}: {part:?} in\n{table}");
                }
            }
        }
    }
}

#[tokio::test]
async fn seed0_busybox_latest_missing_services_and_the_typo() {
    run_story("w-seed0", vec![
        Step::Pod(SEED0_POD),
        Step::Initializing("test", "10.244.0.10"),
        Step::StatusColumn("test", "Init:0/2"),
        Step::Explain("test", vec![
            Expect {
                severity: Some("error"),
                container: Some("init-service"),
                resolved: Some(("Service", "testservice{u}")),
                hint: &["kind: Service"],
                ..expect("ServiceNotFound", "testservice{u}")
            },
            Expect { hint: &["busybox:1.28"], ..expect("BusyboxNslookupQuirk", "testservice{u}") },
            // init-db: after init-service; its script never runs (sh rejects `donel`).
            Expect {
                severity: Some("warning"),
                starts: Some("once init-service is done: "),
                evidence: &["the script never runs"],
                ..expect("ServiceNotFound", "testdb{u}")
            },
        ]),
        // The seed's step 3: create testservice. nslookup of busybox:latest still fails.
        Step::Service(SEED0_TESTSERVICE),
        Step::Explain("test", vec![Expect { only: true, ..expect("BusyboxNslookupQuirk", "testservice{u}") }]),
        Step::Table("test", &[
            "Waits for:\n  init-service → testservice{u}\n    command: nslookup testservice{u}\n",
            "[error] BusyboxNslookupQuirk",
            "init-db → testdb{u}",
        ]),
    ])
    .await;
}

/// Seed 002 (French docs): the namespace read from the service account file, busybox:1.28.
#[tokio::test]
async fn seed2_namespace_file_fully_qualified_names() {
    const TARGET: &str = "myservice{u}.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local";
    run_story("w-seed2", vec![
        Step::Pod(include_str!("data/waits/w-seed2.pod.myapp-pod.yaml")),
        Step::Initializing("myapp-pod", "10.244.2.10"),
        Step::Explain("myapp-pod", vec![Expect {
            resolved: Some(("Service", "myservice{u}")),
            evidence: &["is the pod's namespace, {ns}"],
            ..expect("ServiceNotFound", TARGET)
        }]),
        Step::Service("apiVersion: v1\nkind: Service\nmetadata:\n  name: myservice{u}\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9376\n"),
        Step::Service("apiVersion: v1\nkind: Service\nmetadata:\n  name: mydb{u}\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9377\n"),
        Step::Explain("myapp-pod", vec![Expect { only: true, ..expect("ResolvesButWaits", TARGET) }]),
        Step::Table("myapp-pod", &[
            "init-myservice → myservice{u}.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local",
            "chain: Service {ns}/myservice{u} (ClusterIP ",
        ]),
    ])
    .await;
}

/// Seed 002's one-liners: a `dig` loop, a registration with service-link variables, a sleep.
#[tokio::test]
async fn seed2_dig_loop_registration_and_sleep() {
    run_story(
        "w-seed2b",
        vec![
            Step::Pod(include_str!("data/waits/w-seed2b.pod.oneliners.yaml")),
            Step::Initializing("oneliners", "10.244.2.20"),
            Step::Explain(
                "oneliners",
                vec![
                    Expect {
                        container: Some("wait-dig"),
                        evidence: &["{1..N}"],
                        ..expect("CheckNeverWaits", "myservice{u}")
                    },
                    // dig passes anyway: the missing Service does not hold it back.
                    Expect {
                        severity: Some("info"),
                        ..expect("ServiceNotFound", "myservice{u}")
                    },
                    // The registration is one POST, not a loop: it will fail while the Service is missing.
                    Expect {
                        container: Some("register"),
                        resolved: Some(("Service", "management{u}")),
                        evidence: &["cause: ServiceNotFound"],
                        ..expect("CheckWillFail", "$MANAGEMENT{U}_SERVICE_HOST")
                    },
                    Expect {
                        container: Some("delay"),
                        ..expect("TimedWait", "60")
                    },
                ],
            ),
        ],
    )
    .await;
}

/// Seed 003 (Chinese notes): busybox:1.35 with the full name in namespace `default`, created
/// in another namespace: the name says `default`, the Service is elsewhere.
#[tokio::test]
async fn seed3_full_name_points_at_another_namespace() {
    run_story("w-seed3", vec![
        Step::Service("apiVersion: v1\nkind: Service\nmetadata:\n  name: myservice{u}\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9376\n"),
        Step::Pod(include_str!("data/waits/w-seed3.pod.myapp-pod.yaml")),
        Step::Initializing("myapp-pod", "10.244.3.10"),
        // A full name works with busybox 1.35: no quirk, only the other namespace.
        Step::Explain("myapp-pod", vec![Expect {
            resolved: Some(("Service", "default/myservice{u}")),
            evidence: &["Service {ns}/myservice{u}"],
            only: true,
            ..expect("ServiceInOtherNamespace", "myservice{u}.default.svc.cluster.local")
        }]),
    ])
    .await;
}

/// Seed 003's real-world example: pg_isready against a Service whose only backing pod is
/// itself stuck in init; then that pod becomes Ready.
#[tokio::test]
async fn seed3_pg_isready_follows_the_backing_pod() {
    run_story("w-pg", vec![
        Step::Service(include_str!("data/waits/w-pg.service.postgres-service.yaml")),
        Step::Pod(include_str!("data/waits/w-pg.pod.postgres-0.yaml")),
        Step::Initializing("postgres-0", "10.244.3.20"),
        Step::Pod(include_str!("data/waits/w-pg.pod.web-app-pod.yaml")),
        Step::Initializing("web-app-pod", "10.244.3.21"),
        Step::Endpoints("postgres-service{u}", 1, 0),
        Step::Explain("web-app-pod", vec![
            Expect {
                container: Some("wait-for-db"),
                resolved: Some(("Service", "postgres-service{u}")),
                message: &["postgres-0 is Init:0/1"],
                evidence: &[
                    "(0 of 1 ready) → Pods postgres-0 (Init:0/1)",
                    "↳ its init container wait-config waits for `pg-config{u}`: ServiceNotFound",
                ],
                ..expect("ServiceEndpointsNotReady", "postgres-service{u}")
            },
            // The migration runs a command nobody can read: said, not guessed.
            Expect {
                container: Some("db-migration"),
                message: &["python manage.py migrate"],
                ..any("WaitNotUnderstood")
            },
        ]),
        Step::Table("web-app-pod", &["wait-for-db → postgres-service{u}", "[error] ServiceEndpointsNotReady"]),
        // postgres-0 becomes Ready: the controller marks its endpoint ready.
        Step::Ready("postgres-0", "10.244.3.20"),
        Step::Endpoints("postgres-service{u}", 1, 1),
        Step::Explain("web-app-pod", vec![Expect {
            message: &["1 ready endpoint(s) behind port 5432"],
            ..expect("ResolvesButWaits", "postgres-service{u}")
        }]),
    ])
    .await;
}

#[tokio::test]
async fn ports_that_do_not_match() {
    run_story("w-ports", vec![
        Step::Service("apiVersion: v1\nkind: Service\nmetadata: {name: db{u}}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432, targetPort: 6543}]\n"),
        Step::Pod("apiVersion: v1\nkind: Pod\nmetadata: {name: db-0, labels: {app: db}}\nspec:\n  containers: [{name: pg, image: postgres:13, ports: [{containerPort: 5432}]}]\n"),
        Step::Ready("db-0", "10.244.4.10"),
        Step::Pod(include_str!("data/waits/w-ports.pod.app.yaml")),
        Step::Initializing("app", "10.244.4.11"),
        Step::Endpoints("db{u}", 1, 1),
        // One mismatch for each of the two init containers, and nothing else about db.
        Step::Explain("app", vec![
            Expect {
                container: Some("wrong-port"),
                message: &["does not expose port 3306"],
                only: true,
                ..expect("ServicePortMismatch", "db{u}")
            },
            Expect {
                container: Some("right-port"),
                message: &["targetPort 6543"],
                only: true,
                ..expect("ServicePortMismatch", "db{u}")
            },
        ]),
    ])
    .await;
}

/// Seed 004 (Chinese notes): pod-with-2init on busybox:1.28; Services with labels but no
/// selector. Then the same with `dnsPolicy: Default` and hostAliases.
#[tokio::test]
async fn seed4_two_inits_and_dns_policy_default() {
    run_story("w-seed4", vec![
        Step::Service("apiVersion: v1\nkind: Service\nmetadata:\n  name: wait-service{u}\n  labels:\n    app: wait-service\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9376\n"),
        Step::Pod(include_str!("data/waits/w-seed4.pod.pod-with-2init.yaml")),
        Step::Initializing("pod-with-2init", "10.244.5.10"),
        Step::Explain("pod-with-2init", vec![
            Expect { only: true, ..expect("ResolvesButWaits", "wait-service{u}") },
            Expect { only: true, ..expect("ServiceNotFound", "wait-db{u}") },
        ]),
        Step::Pod(include_str!("data/waits/w-seed4.pod.nginx.yaml")),
        Step::Initializing("nginx", "10.244.5.11"),
        Step::Explain("nginx", vec![
            Expect { hint: &["dnsPolicy: Default"], ..expect("DnsPolicyBypassesClusterDns", "wait-service{u}") },
            Expect { message: &["hostAliases (180.101.50.188)"], ..expect("ExternalTarget", "baidu") },
        ]),
    ])
    .await;
}

/// An EndpointSlice for the Service `legacy-db`, written by hand, ready or not.
const LEGACY_SLICE_NOT_READY: &str = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: legacy-db{u}-1\n  labels: {kubernetes.io/service-name: legacy-db{u}}\naddressType: IPv4\nports: [{name: pg, port: 5432, protocol: TCP}]\nendpoints:\n- addresses: [\"192.0.2.10\"]\n  conditions: {ready: false}\n";
const LEGACY_SLICE_READY: &str = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: legacy-db{u}-1\n  labels: {kubernetes.io/service-name: legacy-db{u}}\naddressType: IPv4\nports: [{name: pg, port: 5432, protocol: TCP}]\nendpoints:\n- addresses: [\"192.0.2.10\"]\n  conditions: {ready: true}\n";

/// A Service without a selector: its EndpointSlice is the user's to write.
#[tokio::test]
async fn selectorless_service_with_a_hand_written_slice() {
    run_story("w-manual", vec![
        Step::Service("apiVersion: v1\nkind: Service\nmetadata: {name: legacy-db{u}}\nspec:\n  ports: [{name: pg, port: 5432, targetPort: 5432}]\n"),
        Step::Pod("apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  initContainers:\n  - {name: wait, image: busybox:1.28, command: ['sh', '-c', 'until nc -z legacy-db{u} 5432; do sleep 1; done']}\n  containers: [{name: app, image: app}]\n"),
        Step::Initializing("app", "10.244.6.10"),
        Step::Explain("app", vec![Expect {
            message: &["no selector and no EndpointSlice"],
            ..expect("ServiceNoEndpoints", "legacy-db{u}")
        }]),
        Step::Slice(LEGACY_SLICE_NOT_READY),
        Step::Explain("app", vec![Expect {
            evidence: &["EndpointSlice legacy-db{u}-1 (0 of 1 ready)"],
            ..expect("ServiceEndpointsNotReady", "legacy-db{u}")
        }]),
        Step::DeleteSlice("legacy-db{u}-1"),
        Step::Slice(LEGACY_SLICE_READY),
        Step::Explain("app", vec![Expect { only: true, ..expect("ResolvesButWaits", "legacy-db{u}") }]),
    ])
    .await;
}

#[tokio::test]
async fn headless_service_without_ready_pods_does_not_resolve() {
    run_story("w-headless", vec![
        Step::Service("apiVersion: v1\nkind: Service\nmetadata: {name: nginx{u}}\nspec:\n  clusterIP: None\n  selector: {app: nginx}\n  ports: [{port: 80}]\n"),
        Step::Pod("apiVersion: v1\nkind: Pod\nmetadata: {name: web-0, labels: {app: nginx}}\nspec:\n  hostname: web-0\n  subdomain: nginx{u}\n  containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]\n"),
        Step::Status("web-0", serde_json::json!({"phase": "Running", "podIP": "10.244.7.10", "podIPs": [{"ip": "10.244.7.10"}],
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [common::state::running("nginx", "nginx", "2026-01-01T00:00:00Z")]})),
        Step::Pod("apiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  initContainers:\n  - {name: wait-svc, image: busybox:1.28, command: ['sh', '-c', 'until nslookup nginx{u}; do sleep 1; done']}\n  - {name: wait-pod, image: busybox:1.28, command: ['sh', '-c', 'until nslookup web-0.nginx{u}; do sleep 1; done']}\n  containers: [{name: app, image: app}]\n"),
        Step::Initializing("client", "10.244.7.11"),
        Step::Endpoints("nginx{u}", 1, 0),
        Step::Explain("client", vec![
            Expect { message: &["web-0 is Running, not Ready"], ..expect("HeadlessNotResolvable", "nginx{u}") },
            Expect { resolved: Some(("Pod", "web-0")), ..expect("HeadlessNotResolvable", "web-0.nginx{u}") },
        ]),
    ])
    .await;
}

#[tokio::test]
async fn kubectl_wait_and_k8s_wait_for() {
    run_story("w-kwait", vec![
        Step::Pod(include_str!("data/waits/w-kwait.pod.waiter.yaml")),
        Step::Initializing("waiter", "10.244.8.10"),
        Step::Explain("waiter", vec![
            Expect { evidence: &["no matching resources found"], ..expect("WaitingOnPod", "-l app=db") },
            Expect { resolved: Some(("Job", "migrate")), ..expect("WaitingOnJob", "migrate") },
        ]),
        Step::Pod("apiVersion: v1\nkind: Pod\nmetadata: {name: db-0, labels: {app: db}}\nspec:\n  containers: [{name: db, image: db}]\n"),
        Step::Ready("db-0", "10.244.8.11"),
        Step::Explain("waiter", vec![Expect {
            evidence: &["ServiceAccount default"],
            resolved: Some(("Pod", "db-0")),
            ..expect("ResolvesButWaits", "-l app=db")
        }]),
    ])
    .await;
}

#[tokio::test]
async fn typo_with_the_host_from_a_config_map() {
    run_story("w-typo", vec![
        Step::Service("apiVersion: v1\nkind: Service\nmetadata: {name: orders-db{u}}\nspec:\n  ports: [{port: 5432}]\n"),
        Step::ConfigMap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {db_host: ordersdb{u}}\n"),
        Step::Pod(include_str!("data/waits/w-typo.pod.app.yaml")),
        Step::Initializing("app", "10.244.9.10"),
        Step::Explain("app", vec![Expect {
            message: &["did you mean orders-db{u}?"],
            evidence: &["DB_HOST = \"ordersdb{u}\" from ConfigMap app-config (key db_host)"],
            resolved: Some(("Service", "ordersdb{u}")),
            only: true,
            ..expect("ServiceNameTypo", "$(DB_HOST)")
        }]),
    ])
    .await;
}

#[tokio::test]
async fn seed0_dns_policy_none_bypasses_cluster_dns() {
    run_story(
        "w-dnsnone",
        vec![
            Step::Service(SEED0_TESTSERVICE),
            Step::Pod(include_str!("data/waits/w-dnsnone.pod.test.yaml")),
            Step::Initializing("test", "10.244.0.11"),
            Step::Explain(
                "test",
                vec![Expect {
                    message: &["1.2.3.4"],
                    resolved: Some(("Service", "testservice{u}")),
                    only: true,
                    ..expect("DnsPolicyBypassesClusterDns", "testservice{u}")
                }],
            ),
        ],
    )
    .await;
}

/// Seed 001 (Chinese notes): tutum/dnsutils, Services mysvc and mydb.
#[tokio::test]
async fn seed1_dnsutils_before_and_after_the_services() {
    run_story("w-seed1", vec![
        Step::Pod(include_str!("data/waits/w-seed1.pod.test-initc.yaml")),
        Step::Initializing("test-initc", "10.244.1.10"),
        Step::Explain("test-initc", vec![
            Expect { only: true, ..expect("ServiceNotFound", "mysvc{u}") },
            Expect { only: true, ..expect("ServiceNotFound", "mydb{u}") },
        ]),
        Step::Service("apiVersion: v1\nkind: Service\nmetadata:\n  name: mysvc{u}\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9001\n"),
        Step::Service("apiVersion: v1\nkind: Service\nmetadata:\n  name: mydb{u}\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9002\n"),
        Step::Explain("test-initc", vec![
            Expect {
                resolved: Some(("Service", "mysvc{u}")),
                evidence: &["chain: Service {ns}/mysvc{u} (ClusterIP "],
                ..expect("ResolvesButWaits", "mysvc{u}")
            },
            Expect { only: true, ..expect("ResolvesButWaits", "mydb{u}") },
        ]),
    ])
    .await;
}

/// One explain makes at most two sequential rounds; count the requests of the waits part.
#[tokio::test]
async fn one_explain_costs_a_known_number_of_requests() {
    let ns = TestNs::new("w-count").await;
    let unique = format!("svc-{}", common::random_suffix());
    ns.pod(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: counted}}\nspec:\n  initContainers:\n  - {{name: wait, image: busybox:1.28, command: ['sh', '-c', 'until nslookup {unique}; do sleep 1; done']}}\n  containers: [{{name: app, image: app}}]\n"
    ))
    .await;
    ns.set_initializing("counted", "10.244.10.10").await;
    let before_ns = common::audit_entries_settled(&format!("/namespaces/{}/", ns.name)).len();
    let before_name = common::audit_entries_settled(&unique).len();
    let pod = common::explain_one(&ns, "counted", &[]);
    assert_eq!(codes(&pod, &unique), ["ServiceNotFound"]);
    let in_ns: Vec<Value> = common::audit_entries_settled(&format!("/namespaces/{}/", ns.name))
        .into_iter()
        .skip(before_ns)
        .filter(|e| e["stage"] == "ResponseComplete")
        .collect();
    let by_name: Vec<Value> = common::audit_entries_settled(&unique)
        .into_iter()
        .skip(before_name)
        .filter(|e| {
            e["stage"] == "ResponseComplete"
                && !e["requestURI"]
                    .as_str()
                    .unwrap_or("")
                    .contains("/namespaces/")
        })
        .collect();
    let uri = |e: &Value| e["requestURI"].as_str().unwrap_or("").to_string();
    let waits: Vec<String> = in_ns
        .iter()
        .chain(by_name.iter())
        .map(uri)
        .filter(|u| {
            u.contains("/services")
                || u.contains("/endpointslices")
                || (u.contains("/pods?") && !u.contains("fieldSelector"))
        })
        .collect();
    // services, endpointslices and pods of the namespace; Services named like the target in
    // every namespace; their EndpointSlices in every namespace.
    assert_eq!(waits.len(), 5, "{waits:#?}");
    eprintln!(
        "one explain: {} requests in the namespace, {} cluster-wide by name",
        in_ns.len(),
        by_name.len()
    );
}

/// `--cluster-domain`: full names in another cluster domain, and IP literals.
#[tokio::test]
async fn cluster_domain_flag_and_ip_literals() {
    let ns = TestNs::new("w-domain").await;
    let svc: Service = ns
        .create(
            "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec:\n  ports: [{port: 80}]\n",
        )
        .await;
    let ip = svc.spec.and_then(|s| s.cluster_ip).expect("a ClusterIP");
    ns.pod(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: app}}
spec:
  initContainers:
  - name: by-name
    image: busybox:1.28
    command: ['sh', '-c', 'until nslookup api.{ns}.svc.k8s.internal; do sleep 1; done']
  - name: by-ip
    image: busybox:1.28
    command: ['sh', '-c', 'until nc -z {ip} 80; do sleep 1; done']
  containers: [{{name: app, image: app}}]
"#,
        ns = ns.name
    ))
    .await;
    ns.set_initializing("app", "10.244.11.10").await;
    let target = format!("api.{}.svc.k8s.internal", ns.name);
    let run = initdoctor(&[
        "explain",
        "app",
        "-n",
        &ns.name,
        "-o",
        "json",
        "--cluster-domain",
        "k8s.internal",
    ]);
    run.assert_code(0);
    let pod = run.json()["pods"][0].clone();
    let f = finding(&pod, "ResolvesButWaits", &target);
    assert_eq!(f["resolved"], resolved("Service", &ns.name, "api"));
    let by_ip = finding(&pod, "ServiceNoEndpoints", &ip);
    assert_eq!(by_ip["resolved"], resolved("Service", &ns.name, "api"));
    // In the default domain the same name is outside the cluster.
    let pod = common::explain_one(&ns, "app", &[]);
    assert_eq!(codes(&pod, &target), ["ExternalTarget"]);
}
