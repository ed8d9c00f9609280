//! End to end on the real control plane: what a blocked init container waits on. Services and
//! Pods are created for real; EndpointSlices come from the controller manager's endpointslice
//! controller (backing pods are made Ready by writing their status, as the kubelet would),
//! except for selector-less Services, whose slices the test writes as a user would.
//!
//! Every init-container example of the seeds (../shared/seeds/) is one of these tests.

mod common;

use common::{TestNs, evidence_has, explain_table, finding_about as finding, initdoctor};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::Value;

/// The codes of the findings about `target`. Tests run in parallel, each in its own namespace
/// with the seeds' Service names, so a Service missing here may exist in another test's
/// namespace: `ServiceInOtherNamespace` then stands for `ServiceNotFound`.
fn codes(pod: &Value, target: &str) -> Vec<String> {
    pod["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["target"] == target)
        .map(|f| match f["code"].as_str().unwrap_or("") {
            "ServiceInOtherNamespace" => "ServiceNotFound".to_string(),
            code => code.to_string(),
        })
        .collect()
}

/// The finding that `target` names a missing Service (see [`codes`] on other namespaces).
fn missing<'a>(pod: &'a Value, target: &str) -> &'a Value {
    let all = pod["findings"].as_array().expect("findings");
    let found: Vec<&Value> = all
        .iter()
        .filter(|f| {
            f["target"] == target
                && (f["code"] == "ServiceNotFound" || f["code"] == "ServiceInOtherNamespace")
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one missing Service {target} in {all:#?}"
    );
    found[0]
}

fn resolved(kind: &str, namespace: &str, name: &str) -> Value {
    serde_json::json!({"kind": kind, "namespace": namespace, "name": name})
}

/// The seeds' two Services without selectors (`testservice`, `testdb` of the first seed).
const SEED0_TESTSERVICE: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: testservice
spec:
  ports:
    - protocol: TCP
      port: 80
      targetPort: 9999
"#;

/// Seed 000 (Chinese notes): busybox without a tag (latest), and a `donel` typo in init-db.
/// (The seed writes `imagePullPolicy: ifNotPresent`, which the API rejects; fixed here.)
const SEED0_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: test
  labels:
    version: v1
    app: test-app
spec:
  containers:
   - name: mytest
     image: busybox
     command: ['sh','-c','echo runing && sleep 6000']
  initContainers:
   - name: init-service
     image: busybox
     imagePullPolicy: IfNotPresent
     command: ['sh','-c','until nslookup testservice; do echo waiting for myservice; sleep 2; done;']
   - name: init-db
     image: busybox
     imagePullPolicy: IfNotPresent
     command: ['sh','-c','until nslookup testdb; do echo waiting for myservice; sleep 2; donel;']
"#;

#[tokio::test]
async fn seed0_busybox_latest_missing_services_and_the_typo() {
    let ns = TestNs::new("w-seed0").await;
    ns.pod(SEED0_POD).await;
    ns.set_initializing("test", "10.244.0.10").await;

    let pod = common::explain_one(&ns, "test", &[]);
    assert_eq!(pod["status"], "Init:0/2");
    let f = missing(&pod, "testservice");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["container"], "init-service");
    assert_eq!(f["resolved"], resolved("Service", &ns.name, "testservice"));
    if f["code"] == "ServiceNotFound" {
        assert!(
            f["hint"].as_str().unwrap().contains("kind: Service"),
            "{f:#}"
        );
    }
    let q = finding(&pod, "BusyboxNslookupQuirk", "testservice");
    assert!(q["hint"].as_str().unwrap().contains("busybox:1.28"));
    // init-db: after init-service; its script never runs (sh rejects `donel`).
    let db = missing(&pod, "testdb");
    assert_eq!(db["severity"], "warning");
    assert!(
        db["message"]
            .as_str()
            .unwrap()
            .starts_with("once init-service is done: ")
    );
    assert!(evidence_has(db, "the script never runs"), "{db:#}");

    // The seed's step 3: create testservice. nslookup of busybox:latest still fails.
    ns.create::<Service>(SEED0_TESTSERVICE).await;
    let pod = common::explain_one(&ns, "test", &[]);
    assert_eq!(codes(&pod, "testservice"), ["BusyboxNslookupQuirk"]);
    let table = explain_table(&ns, "test");
    assert!(
        table.contains(
            "Waits for:\n  init-service → testservice\n    command: nslookup testservice\n"
        ),
        "{table}"
    );
    assert!(table.contains("[error] BusyboxNslookupQuirk"), "{table}");
    assert!(table.contains("init-db → testdb"), "{table}");
}

/// Seed 002 (French docs): the namespace read from the service account file, busybox:1.28.
#[tokio::test]
async fn seed2_namespace_file_fully_qualified_names() {
    let ns = TestNs::new("w-seed2").await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: myapp-pod
  labels:
    app: myapp
spec:
  containers:
  - name: myapp-container
    image: busybox:1.28
    command: ['sh', '-c', 'echo "L''app s''exécute!" && sleep 3600']
  initContainers:
  - name: init-myservice
    image: busybox:1.28
    command: ['sh', '-c', "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo en attente de myservice; sleep 2; done"]
  - name: init-mydb
    image: busybox:1.28
    command: ['sh', '-c', "until nslookup mydb.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo en attente de mydb; sleep 2; done"]
"#,
    )
    .await;
    ns.set_initializing("myapp-pod", "10.244.2.10").await;
    let target = "myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local";
    let pod = common::explain_one(&ns, "myapp-pod", &[]);
    let f = missing(&pod, target);
    assert_eq!(f["resolved"], resolved("Service", &ns.name, "myservice"));
    assert!(
        evidence_has(f, &format!("is the pod's namespace, {}", ns.name)),
        "{f:#}"
    );

    for (name, port) in [("myservice", 9376), ("mydb", 9377)] {
        ns.create::<Service>(&format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: {port}\n"
        ))
        .await;
    }
    let pod = common::explain_one(&ns, "myapp-pod", &[]);
    assert_eq!(codes(&pod, target), ["ResolvesButWaits"]);
    let table = explain_table(&ns, "myapp-pod");
    assert!(
        table.contains(&format!("init-myservice → {target}")),
        "{table}"
    );
    assert!(
        table.contains(&format!("chain: Service {}/myservice (ClusterIP ", ns.name)),
        "{table}"
    );
}

/// Seed 002's one-liners: a `dig` loop, a registration with service-link variables, a sleep.
#[tokio::test]
async fn seed2_dig_loop_registration_and_sleep() {
    let ns = TestNs::new("w-seed2b").await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: oneliners}
spec:
  containers:
  - {name: app, image: busybox:1.28, command: ['sh', '-c', 'sleep 3600']}
  initContainers:
  - name: wait-dig
    image: tutum/dnsutils
    command: ['sh', '-c', 'for i in {1..100}; do sleep 1; if dig myservice; then exit 0; fi; done; exit 1']
  - name: register
    image: curlimages/curl
    command: ['sh', '-c', "curl -X POST http://$MANAGEMENT_SERVICE_HOST:$MANAGEMENT_SERVICE_PORT/register -d 'instance=$(<POD_NAME>)&ip=$(<POD_IP>)'"]
  - name: delay
    image: busybox:1.28
    command: ['sleep', '60']
"#,
    )
    .await;
    ns.set_initializing("oneliners", "10.244.2.20").await;
    let pod = common::explain_one(&ns, "oneliners", &[]);
    let f = finding(&pod, "CheckNeverWaits", "myservice");
    assert_eq!(f["container"], "wait-dig");
    assert!(evidence_has(f, "{1..N}"), "{f:#}");
    // dig passes anyway: the missing Service does not hold it back.
    assert_eq!(missing(&pod, "myservice")["severity"], "info");
    // The registration is one POST, not a loop: it will fail while the Service is missing.
    let link = finding(&pod, "CheckWillFail", "$MANAGEMENT_SERVICE_HOST");
    assert_eq!(link["container"], "register");
    assert!(
        evidence_has(link, "cause: ServiceNotFound")
            || evidence_has(link, "cause: ServiceInOtherNamespace"),
        "{link:#}"
    );
    assert_eq!(
        link["resolved"],
        resolved("Service", &ns.name, "management")
    );
    let sleep = finding(&pod, "TimedWait", "60");
    assert_eq!(sleep["container"], "delay");
}

/// Seed 003 (Chinese notes): busybox:1.35 with the full name in namespace `default`, created
/// in another namespace: the name says `default`, the Service is elsewhere.
#[tokio::test]
async fn seed3_full_name_points_at_another_namespace() {
    let ns = TestNs::new("w-seed3").await;
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: myservice\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9376\n",
    )
    .await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: myapp-pod
  labels:
    app: myapp
spec:
  containers:
  - name: myapp-container
    image: busybox:1.35
    command: ['sh', '-c', 'echo The app is running! && sleep 3600']
  initContainers:
  - name: init-myservice
    image: busybox:1.35
    command: ['sh', '-c', 'until nslookup myservice.default.svc.cluster.local; do echo waiting for myservice; sleep 2; done;']
  - name: init-mydb
    image: busybox:1.35
    command: ['sh', '-c', 'until nslookup mydb.default.svc.cluster.local; do echo waiting for mydb; sleep 2; done;']
"#,
    )
    .await;
    ns.set_initializing("myapp-pod", "10.244.3.10").await;
    let pod = common::explain_one(&ns, "myapp-pod", &[]);
    let target = "myservice.default.svc.cluster.local";
    let in_default = common::kubectl(&[
        "get",
        "service",
        "myservice",
        "-n",
        "default",
        "--ignore-not-found",
        "-o",
        "name",
    ]);
    if in_default.stdout.trim().is_empty() {
        let f = finding(&pod, "ServiceInOtherNamespace", target);
        assert_eq!(f["resolved"], resolved("Service", "default", "myservice"));
        // At most three namespaces are listed (other tests' namespaces may come first).
        assert!(
            evidence_has(f, &format!("Service {}/myservice", ns.name))
                || evidence_has(f, "more namespace"),
            "{f:#}"
        );
    } else {
        assert_eq!(codes(&pod, target), ["ResolvesButWaits"]);
    }
    // A full name works with busybox 1.35: no quirk.
    assert!(!codes(&pod, target).contains(&"BusyboxNslookupQuirk".to_string()));
}

/// Seed 003's real-world example: pg_isready against a Service whose only backing pod is
/// itself stuck in init; then that pod becomes Ready.
#[tokio::test]
async fn seed3_pg_isready_follows_the_backing_pod() {
    let ns = TestNs::new("w-pg").await;
    ns.create::<Service>(
        r#"
apiVersion: v1
kind: Service
metadata: {name: postgres-service}
spec:
  selector: {app: postgres}
  ports: [{port: 5432, targetPort: 5432, protocol: TCP}]
"#,
    )
    .await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: postgres-0
  labels: {app: postgres}
spec:
  initContainers:
  - name: wait-config
    image: busybox:1.28
    command: ['sh', '-c', 'until nslookup pg-config; do sleep 2; done']
  containers:
  - name: postgres
    image: postgres:13
    ports: [{containerPort: 5432}]
"#,
    )
    .await;
    ns.set_initializing("postgres-0", "10.244.3.20").await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-app-pod
spec:
  initContainers:
  - name: wait-for-db
    image: postgres:13
    command: ['sh', '-c']
    args:
    - |
      until pg_isready -h postgres-service -p 5432 -U myuser; do
        echo "Waiting for postgres..."
        sleep 2
      done
  - name: db-migration
    image: myapp:latest
    command: ['python', 'manage.py', 'migrate']
    env:
    - name: DATABASE_URL
      value: "postgresql://myuser:mypass@postgres-service:5432/mydb"
  containers:
  - name: web-app
    image: myapp:latest
    ports:
    - containerPort: 8000
"#,
    )
    .await;
    ns.set_initializing("web-app-pod", "10.244.3.21").await;
    ns.await_endpoints("postgres-service", 1, 0).await;

    let pod = common::explain_one(&ns, "web-app-pod", &[]);
    let f = finding(&pod, "ServiceEndpointsNotReady", "postgres-service");
    assert_eq!(f["container"], "wait-for-db");
    assert_eq!(
        f["resolved"],
        resolved("Service", &ns.name, "postgres-service")
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("postgres-0 is Init:0/1"),
        "{f:#}"
    );
    assert!(
        evidence_has(f, "(0 of 1 ready) → Pods postgres-0 (Init:0/1)"),
        "{f:#}"
    );
    assert!(
        evidence_has(
            f,
            "↳ its init container wait-config waits for `pg-config`: ServiceNotFound"
        ),
        "{f:#}"
    );
    // The migration runs a command nobody can read: said, not guessed.
    let all = pod["findings"].as_array().unwrap();
    let nu = all
        .iter()
        .find(|f| f["code"] == "WaitNotUnderstood")
        .expect("WaitNotUnderstood");
    assert_eq!(nu["container"], "db-migration");
    assert!(
        nu["message"]
            .as_str()
            .unwrap()
            .contains("python manage.py migrate")
    );
    let table = explain_table(&ns, "web-app-pod");
    assert!(table.contains("wait-for-db → postgres-service"), "{table}");
    assert!(
        table.contains("[error] ServiceEndpointsNotReady"),
        "{table}"
    );

    // postgres-0 becomes Ready: the controller marks its endpoint ready.
    ns.set_ready("postgres-0", "10.244.3.20").await;
    ns.await_endpoints("postgres-service", 1, 1).await;
    let pod = common::explain_one(&ns, "web-app-pod", &[]);
    let f = finding(&pod, "ResolvesButWaits", "postgres-service");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("1 ready endpoint(s) behind port 5432"),
        "{f:#}"
    );
}

#[tokio::test]
async fn ports_that_do_not_match() {
    let ns = TestNs::new("w-ports").await;
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432, targetPort: 6543}]\n",
    )
    .await;
    ns.pod(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: db-0, labels: {app: db}}\nspec:\n  containers: [{name: pg, image: postgres:13, ports: [{containerPort: 5432}]}]\n",
    )
    .await;
    ns.set_ready("db-0", "10.244.4.10").await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  initContainers:
  - {name: wrong-port, image: busybox:1.28, command: ['sh', '-c', 'until nc -z db 3306; do sleep 1; done']}
  - {name: right-port, image: busybox:1.28, command: ['sh', '-c', 'until nc -z db 5432; do sleep 1; done']}
  containers: [{name: app, image: app}]
"#,
    )
    .await;
    ns.set_initializing("app", "10.244.4.11").await;
    ns.await_endpoints("db", 1, 1).await;
    let pod = common::explain_one(&ns, "app", &[]);
    let all = pod["findings"].as_array().unwrap();
    let mismatches: Vec<&Value> = all
        .iter()
        .filter(|f| f["code"] == "ServicePortMismatch")
        .collect();
    assert_eq!(mismatches.len(), 2, "{all:#?}");
    assert!(mismatches.iter().any(|f| {
        f["container"] == "wrong-port"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("does not expose port 3306")
    }));
    assert!(mismatches.iter().any(|f| f["container"] == "right-port"
        && f["message"].as_str().unwrap().contains("targetPort 6543")));
}

/// Seed 004 (Chinese notes): pod-with-2init on busybox:1.28; Services with labels but no
/// selector. Then the same with `dnsPolicy: Default` and hostAliases.
#[tokio::test]
async fn seed4_two_inits_and_dns_policy_default() {
    let ns = TestNs::new("w-seed4").await;
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: wait-service\n  labels:\n    app: wait-service\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9376\n",
    )
    .await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: pod-with-2init
  labels:
    app: pod-with-2init
spec:
  containers:
  - name: c-main
    image: busybox:1.28
    command: ['sh', '-c', 'echo The app is running! && sleep 3600']
  initContainers:
  - name: c-init-wait-service
    image: busybox:1.28
    command: ['sh', '-c', 'until nslookup wait-service; do echo waiting for wait-service; sleep 2; done;']
  - name: c-init-wait-db
    image: busybox:1.28
    command: ['sh', '-c', 'until nslookup wait-db; do echo waiting for wait-db; sleep 2; done;']
"#,
    )
    .await;
    ns.set_initializing("pod-with-2init", "10.244.5.10").await;
    let pod = common::explain_one(&ns, "pod-with-2init", &[]);
    assert_eq!(codes(&pod, "wait-service"), ["ResolvesButWaits"]);
    assert_eq!(codes(&pod, "wait-db"), ["ServiceNotFound"]);

    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: nginx}
spec:
  hostAliases:
  - ip: "180.101.50.188"
    hostnames: ["abc", "baidu"]
  dnsPolicy: Default
  dnsConfig:
    nameservers: [8.8.8.8]
  initContainers:
  - name: wait-service
    image: busybox:1.28
    command: ['sh', '-c', 'until nslookup wait-service; do sleep 2; done']
  - name: wait-alias
    image: busybox:1.28
    command: ['sh', '-c', 'until getent hosts baidu; do sleep 2; done']
  containers:
  - name: nginx1
    image: nginx:1.14.2
    env: [{name: HELLO, value: world}]
    command: ['echo']
    args: ["$(HELLO)"]
"#,
    )
    .await;
    ns.set_initializing("nginx", "10.244.5.11").await;
    let pod = common::explain_one(&ns, "nginx", &[]);
    let f = finding(&pod, "DnsPolicyBypassesClusterDns", "wait-service");
    assert!(
        f["hint"].as_str().unwrap().contains("dnsPolicy: Default"),
        "{f:#}"
    );
    let alias = finding(&pod, "ExternalTarget", "baidu");
    assert!(
        alias["message"]
            .as_str()
            .unwrap()
            .contains("hostAliases (180.101.50.188)"),
        "{alias:#}"
    );
}

/// A Service without a selector: its EndpointSlice is the user's to write.
#[tokio::test]
async fn selectorless_service_with_a_hand_written_slice() {
    let ns = TestNs::new("w-manual").await;
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: legacy-db}\nspec:\n  ports: [{name: pg, port: 5432, targetPort: 5432}]\n",
    )
    .await;
    ns.pod(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  initContainers:\n  - {name: wait, image: busybox:1.28, command: ['sh', '-c', 'until nc -z legacy-db 5432; do sleep 1; done']}\n  containers: [{name: app, image: app}]\n",
    )
    .await;
    ns.set_initializing("app", "10.244.6.10").await;
    let pod = common::explain_one(&ns, "app", &[]);
    let f = finding(&pod, "ServiceNoEndpoints", "legacy-db");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("no selector and no EndpointSlice"),
        "{f:#}"
    );

    let slice = |ready: bool| {
        format!(
            "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: legacy-db-1\n  labels: {{kubernetes.io/service-name: legacy-db}}\naddressType: IPv4\nports: [{{name: pg, port: 5432, protocol: TCP}}]\nendpoints:\n- addresses: [\"192.0.2.10\"]\n  conditions: {{ready: {ready}}}\n"
        )
    };
    ns.create::<EndpointSlice>(&slice(false)).await;
    let pod = common::explain_one(&ns, "app", &[]);
    let f = finding(&pod, "ServiceEndpointsNotReady", "legacy-db");
    assert!(
        evidence_has(f, "EndpointSlice legacy-db-1 (0 of 1 ready)"),
        "{f:#}"
    );

    ns.api::<EndpointSlice>()
        .delete("legacy-db-1", &Default::default())
        .await
        .expect("delete slice");
    ns.create::<EndpointSlice>(&slice(true)).await;
    let pod = common::explain_one(&ns, "app", &[]);
    assert_eq!(codes(&pod, "legacy-db"), ["ResolvesButWaits"]);
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
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pod = run.json()["pods"][0].clone();
    let f = finding(&pod, "ResolvesButWaits", &target);
    assert_eq!(f["resolved"], resolved("Service", &ns.name, "api"));
    let by_ip = finding(&pod, "ServiceNoEndpoints", &ip);
    assert_eq!(by_ip["resolved"], resolved("Service", &ns.name, "api"));
    // In the default domain the same name is outside the cluster.
    let pod = common::explain_one(&ns, "app", &[]);
    assert_eq!(codes(&pod, &target), ["ExternalTarget"]);
}

// ---- Stories as data: steps that build the cluster, and explains with what each must find.
// Each story runs in its own namespace; `resolved` objects are in that namespace. ----

/// One step of a story.
enum Step {
    Service(&'static str),
    ConfigMap(&'static str),
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
}

/// A finding an explain must have: exactly one with `code` about `target`.
struct Expect {
    code: &'static str,
    target: &'static str,
    /// Parts of its message and of its evidence lines.
    message: &'static [&'static str],
    evidence: &'static [&'static str],
    /// `(kind, name)` of what it resolved to, in the story's namespace.
    resolved: Option<(&'static str, &'static str)>,
    /// The only finding about `target` (see [`codes`]).
    only: bool,
}

fn expect(code: &'static str, target: &'static str) -> Expect {
    Expect {
        code,
        target,
        message: &[],
        evidence: &[],
        resolved: None,
        only: false,
    }
}

/// Run a story's steps in a namespace of its own.
async fn run_story(prefix: &str, steps: Vec<Step>) {
    let ns = TestNs::new(prefix).await;
    for step in steps {
        match step {
            Step::Service(yaml) => {
                ns.create::<Service>(yaml).await;
            }
            Step::ConfigMap(yaml) => {
                ns.create::<k8s_openapi::api::core::v1::ConfigMap>(yaml)
                    .await;
            }
            Step::Pod(yaml) => {
                ns.pod(yaml).await;
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
                ns.await_endpoints(service, total, ready).await
            }
            Step::Explain(pod, expects) => {
                let got = common::explain_one(&ns, pod, &[]);
                for e in expects {
                    if e.only {
                        assert_eq!(codes(&got, e.target), [e.code], "{prefix}");
                    }
                    // A missing Service may be in another story's namespace (see [`codes`]).
                    let f = match e.code {
                        "ServiceNotFound" => missing(&got, e.target),
                        code => finding(&got, code, e.target),
                    };
                    for part in e.message {
                        assert!(
                            f["message"].as_str().unwrap().contains(part),
                            "{prefix}: {f:#}"
                        );
                    }
                    for line in e.evidence {
                        let line = line.replace("{ns}", &ns.name);
                        assert!(evidence_has(f, &line), "{prefix}: {f:#}");
                    }
                    if let Some((kind, name)) = e.resolved {
                        assert_eq!(f["resolved"], resolved(kind, &ns.name, name), "{prefix}");
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn headless_service_without_ready_pods_does_not_resolve() {
    run_story("w-headless", vec![
        Step::Service("apiVersion: v1\nkind: Service\nmetadata: {name: nginx}\nspec:\n  clusterIP: None\n  selector: {app: nginx}\n  ports: [{port: 80}]\n"),
        Step::Pod("apiVersion: v1\nkind: Pod\nmetadata: {name: web-0, labels: {app: nginx}}\nspec:\n  hostname: web-0\n  subdomain: nginx\n  containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]\n"),
        Step::Status("web-0", serde_json::json!({"phase": "Running", "podIP": "10.244.7.10", "podIPs": [{"ip": "10.244.7.10"}],
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [common::state::running("nginx", "nginx", "2026-01-01T00:00:00Z")]})),
        Step::Pod("apiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  initContainers:\n  - {name: wait-svc, image: busybox:1.28, command: ['sh', '-c', 'until nslookup nginx; do sleep 1; done']}\n  - {name: wait-pod, image: busybox:1.28, command: ['sh', '-c', 'until nslookup web-0.nginx; do sleep 1; done']}\n  containers: [{name: app, image: app}]\n"),
        Step::Initializing("client", "10.244.7.11"),
        Step::Endpoints("nginx", 1, 0),
        Step::Explain("client", vec![
            Expect { message: &["web-0 is Running, not Ready"], ..expect("HeadlessNotResolvable", "nginx") },
            Expect { resolved: Some(("Pod", "web-0")), ..expect("HeadlessNotResolvable", "web-0.nginx") },
        ]),
    ])
    .await;
}

#[tokio::test]
async fn kubectl_wait_and_k8s_wait_for() {
    run_story("w-kwait", vec![
        Step::Pod(r#"
apiVersion: v1
kind: Pod
metadata: {name: waiter}
spec:
  initContainers:
  - name: wait-db
    image: bitnami/kubectl
    command: ['kubectl', 'wait', '--for=condition=Ready', 'pod', '-l', 'app=db', '--timeout=300s']
  - name: wait-job
    image: groundnuty/k8s-wait-for:v2.0
    args: ['job', 'migrate']
  containers: [{name: app, image: app}]
"#),
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
        Step::Service("apiVersion: v1\nkind: Service\nmetadata: {name: orders-db}\nspec:\n  ports: [{port: 5432}]\n"),
        Step::ConfigMap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {db_host: ordersdb}\n"),
        Step::Pod(r#"
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.28
    env:
    - name: DB_HOST
      valueFrom: {configMapKeyRef: {name: app-config, key: db_host}}
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: db-secret, key: password}}
    command: ['sh', '-c', 'until nc -z $(DB_HOST) 5432; do sleep 1; done']
  containers: [{name: app, image: app}]
"#),
        Step::Initializing("app", "10.244.9.10"),
        Step::Explain("app", vec![Expect {
            message: &["did you mean orders-db?"],
            evidence: &["DB_HOST = \"ordersdb\" from ConfigMap app-config (key db_host)"],
            resolved: Some(("Service", "ordersdb")),
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
            Step::Pod(
                r#"
apiVersion: v1
kind: Pod
metadata: {name: test}
spec:
  dnsPolicy: "None"
  dnsConfig:
    nameservers:
      - 1.2.3.4
  containers:
  - {name: mytest, image: busybox:1.28, command: ['sh','-c','sleep 6000']}
  initContainers:
  - name: init-service
    image: busybox:1.28
    command: ['sh','-c','until nslookup testservice; do echo waiting for myservice; sleep 2; done;']
"#,
            ),
            Step::Initializing("test", "10.244.0.11"),
            Step::Explain(
                "test",
                vec![Expect {
                    message: &["1.2.3.4"],
                    resolved: Some(("Service", "testservice")),
                    only: true,
                    ..expect("DnsPolicyBypassesClusterDns", "testservice")
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
        Step::Pod(r#"
apiVersion: v1
kind: Pod
metadata:
  name: test-initc
  labels:
    app: myapp
spec:
  initContainers:
  - name: init-mysvc
    image: tutum/dnsutils
    command: ['sh', '-c', 'until nslookup mysvc; do echo "waiting for mysvc"; sleep 2; done']
  - name: init-mydb
    image: tutum/dnsutils
    command: ['sh', '-c', 'until nslookup mydb; do echo "waiting for mydb"; sleep 2; done']
  containers:
  - name: mypod
    image: busybox
    command: ['sh', '-c', 'while true; do echo "myapp is running!"; sleep 3600; done']
"#),
        Step::Initializing("test-initc", "10.244.1.10"),
        Step::Explain("test-initc", vec![
            Expect { only: true, ..expect("ServiceNotFound", "mysvc") },
            Expect { only: true, ..expect("ServiceNotFound", "mydb") },
        ]),
        Step::Service("apiVersion: v1\nkind: Service\nmetadata:\n  name: mysvc\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9001\n"),
        Step::Service("apiVersion: v1\nkind: Service\nmetadata:\n  name: mydb\nspec:\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 9002\n"),
        Step::Explain("test-initc", vec![
            Expect {
                resolved: Some(("Service", "mysvc")),
                evidence: &["chain: Service {ns}/mysvc (ClusterIP "],
                ..expect("ResolvesButWaits", "mysvc")
            },
            Expect { only: true, ..expect("ResolvesButWaits", "mydb") },
        ]),
    ])
    .await;
}
