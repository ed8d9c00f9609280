//! Waits that can never end because of the pod itself, end to end: an init container waiting
//! for its own Service (the Service's only pod is the one waiting) and for its own DNS name
//! under its headless Service, on the real node where the real kubelet, CoreDNS and the pod
//! network write the states; a server declared as a plain init container; and a CronJob that
//! has no pod (`explain cronjob/NAME`) on the control plane.

mod common;

use std::time::Duration;

use common::realnode::{
    completed, init_status, pod_json, pod_on, wait_init_running, wait_log_lines, wait_pod,
};
use common::{TestNs, codes, explain_one, finding, initdoctor, real_node};

/// A pod labelled `app: selfie` whose init container runs `script` (busybox 1.35), with the
/// app container that would serve port 8080 once started.
fn selfie(name: &str, script: &str, extra_spec: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: selfie}}}}
spec:
{extra_spec}  containers:
  - {{name: app, image: busybox:1.35, command: ['nc', '-lk', '-p', '8080'], ports: [{{containerPort: 8080}}]}}
  initContainers:
  - name: wait-self
    image: busybox:1.35
    command: ['sh', '-c', {script:?}]
"#
    )
}

/// On the real node: a wait for the pod's own ClusterIP Service, and for its own name under
/// its headless Service, are `WaitsOnItself` (not "no endpoints" or "not resolvable" alone).
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_pod_waiting_on_itself_is_named() {
    let node = real_node();
    let ns = TestNs::new("rnself").await;
    ns.create::<k8s_openapi::api::core::v1::Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: selfie}\nspec:\n  selector: {app: selfie}\n  ports: [{port: 8080, targetPort: 8080}]\n",
    )
    .await;
    ns.create::<k8s_openapi::api::core::v1::Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: selfie-hl}\nspec:\n  clusterIP: None\n  selector: {app: selfie}\n  ports: [{port: 8080, targetPort: 8080}]\n",
    )
    .await;
    let own_name = format!("peer-0.selfie-hl.{}.svc.cluster.local", ns.name);
    let cases = [
        (
            "svc",
            "until wget -q -T 1 -O /dev/null http://selfie:8080/; do echo waiting; sleep 1; done"
                .to_string(),
            String::new(),
            "Service",
        ),
        (
            "peer-0",
            format!("until nslookup {own_name}; do echo waiting; sleep 1; done"),
            "  hostname: peer-0\n  subdomain: selfie-hl\n".to_string(),
            "own DNS name",
        ),
    ];
    for (name, script, extra, _) in &cases {
        pod_on(&ns, node, &selfie(name, script, extra)).await;
    }
    for (name, _, _, via) in &cases {
        wait_init_running(&ns, name, "wait-self", Duration::from_secs(60)).await;
        // A few rounds of the loop in its log.
        wait_log_lines(
            &ns,
            name,
            "wait-self",
            "waiting",
            2,
            Duration::from_secs(30),
        )
        .await;
        let pod = explain_one(&ns, name, &[]);
        let all = codes(&pod);
        assert_eq!(
            all.first().map(String::as_str),
            Some("WaitsOnItself"),
            "{name}: {all:?}"
        );
        let f = finding(&pod, "WaitsOnItself");
        let message = f["message"].as_str().unwrap_or("");
        assert!(message.contains(via), "{name}: {message}");
        assert!(message.contains("waits forever"), "{name}: {message}");
        assert!(
            f["hint"]
                .as_str()
                .unwrap_or("")
                .contains("publishNotReadyAddresses"),
            "{name}: {f:#}"
        );
        assert!(
            !all.iter().any(|c| c == "ResolvesButWaits"),
            "{name}: {all:?}"
        );
    }
}

/// On the real node: a server (`nc -lk`) declared as a plain init container runs and never
/// exits; explain names it `ServerAsInitContainer` with the native-sidecar fix.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_server_as_plain_init_container_is_named() {
    let node = real_node();
    let ns = TestNs::new("rnserver").await;
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}
  initContainers:
  - {name: proxy, image: busybox:1.35, command: ['nc', '-lk', '-p', '5432'], ports: [{containerPort: 5432}]}
"#;
    pod_on(&ns, node, yaml).await;
    wait_init_running(&ns, "web", "proxy", Duration::from_secs(60)).await;
    let pod = explain_one(&ns, "web", &[]);
    let f = finding(&pod, "ServerAsInitContainer");
    assert_eq!(f["container"], "proxy", "{f:#}");
    assert!(
        f["hint"]
            .as_str()
            .unwrap_or("")
            .contains("restartPolicy: Always"),
        "{f:#}"
    );
    assert!(
        !codes(&pod).iter().any(|c| c == "WaitNotUnderstood"),
        "{pod:#}"
    );
}

/// `explain cronjob/NAME` of a suspended CronJob that has made no Job: why there is no pod.
#[tokio::test]
async fn a_cronjob_without_jobs_says_why() {
    let ns = TestNs::new("cronnone").await;
    ns.create::<k8s_openapi::api::batch::v1::CronJob>(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '0 3 * * *'\n  suspend: true\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers: [{name: c, image: busybox:1.35}]\n",
    )
    .await;
    let run = initdoctor(&["explain", "cronjob/nightly", "-n", &ns.name, "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let owner = &doc["owners"][0];
    assert_eq!(owner["kind"], "CronJob", "{doc:#}");
    let f = &owner["findings"][0];
    assert_eq!(f["code"], "CronJobWithoutPods", "{doc:#}");
    assert!(
        f["message"].as_str().unwrap_or("").contains("suspended"),
        "{f:#}"
    );
    let run = initdoctor(&["explain", "cronjob/absent", "-n", &ns.name]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.starts_with("error:"), "{}", run.stderr);
}

/// On the real node: a root init container whose capabilities are all dropped cannot chown an
/// emptyDir to another user (busybox's own words: `Operation not permitted`); explain connects
/// the log to the dropped capability.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_chown_without_cap_chown_is_named() {
    let node = real_node();
    let ns = TestNs::new("rnchown").await;
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}
  initContainers:
  - name: fix-perms
    image: busybox:1.35
    command: ['chown', '-R', '1000:1000', '/data']
    securityContext: {runAsUser: 0, capabilities: {drop: [ALL]}}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
"#;
    pod_on(&ns, node, yaml).await;
    wait_pod(
        &ns,
        "web",
        Duration::from_secs(60),
        "a failed init container",
        |p| {
            let s = init_status(p, "fix-perms");
            s["restartCount"].as_i64().unwrap_or(0) >= 1
                || s["state"]["terminated"]["exitCode"].as_i64().unwrap_or(0) != 0
        },
    )
    .await;
    let pod = explain_one(&ns, "web", &[]);
    let f = finding(&pod, "InitPermissionDenied");
    let text = format!("{f}");
    assert!(text.contains("Operation not permitted"), "{f:#}");
    assert!(text.contains("CHOWN"), "{f:#}");
}

/// On the real node: an init container waiting on localhost for what only an app container
/// serves waits forever (`WaitsOnLocalhost`).
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_wait_on_localhost_served_by_the_app_is_named() {
    let node = real_node();
    let ns = TestNs::new("rnlocal").await;
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: busybox:1.35, command: ['nc', '-lk', '-p', '8080'], ports: [{containerPort: 8080}]}
  initContainers:
  - name: wait-app
    image: busybox:1.35
    command: ['sh', '-c', 'until wget -q -T 1 -O /dev/null http://localhost:8080/; do echo waiting; sleep 1; done']
"#;
    pod_on(&ns, node, yaml).await;
    wait_init_running(&ns, "web", "wait-app", Duration::from_secs(60)).await;
    wait_log_lines(
        &ns,
        "web",
        "wait-app",
        "waiting",
        2,
        Duration::from_secs(30),
    )
    .await;
    let pod = explain_one(&ns, "web", &[]);
    let f = finding(&pod, "WaitsOnLocalhost");
    assert_eq!(f["severity"], "error", "{f:#}");
    assert!(
        !codes(&pod).iter().any(|c| c == "ResolvesButWaits"),
        "{pod:#}"
    );
}

/// On the real node: an app container the kubelet kills for its failing liveness probe ends
/// with 137 (its `sleep` ignores SIGTERM as PID 1; the grace period is 1 s); the events say
/// why, so explain does not blame memory.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_137_from_a_liveness_kill_is_not_blamed_on_memory() {
    let node = real_node();
    let ns = TestNs::new("rnlive").await;
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  containers:
  - name: api
    image: busybox:1.35
    command: ['sleep', '3600']
    livenessProbe: {exec: {command: ['false']}, periodSeconds: 1, failureThreshold: 1}
"#;
    pod_on(&ns, node, yaml).await;
    let seen = wait_pod(
        &ns,
        "api",
        Duration::from_secs(90),
        "a restart after a liveness kill",
        |p| {
            let s = common::realnode::app_status(p, "api");
            s["lastState"]["terminated"]["exitCode"] == 137
        },
    )
    .await;
    assert_eq!(
        common::realnode::app_status(&seen, "api")["lastState"]["terminated"]["reason"],
        "Error",
        "the kubelet's kill is not OOMKilled"
    );
    // The real kubelet's words, which `diagnosis::killed` reads.
    let events = common::kubectl(&["get", "events", "-n", &ns.name, "-o", "json"]).stdout;
    assert!(
        events.contains("Container api failed liveness probe, will be restarted"),
        "{events}"
    );
    let pod = explain_one(&ns, "api", &[]);
    let all = format!("{}", pod["findings"]);
    assert!(all.contains("liveness"), "{all}");
    for f in pod["findings"].as_array().expect("findings") {
        let hint = f["hint"].as_str().unwrap_or("");
        assert!(!hint.contains("raise its memory limit"), "{f:#}");
    }
}

/// Two pods whose init containers wait on each other's Service: each is named in a
/// `WaitCycle` with the path back to itself (on the control plane: the states are written as
/// the kubelet would).
#[tokio::test]
async fn two_pods_waiting_on_each_other_are_a_cycle() {
    use common::state;
    use serde_json::json;
    let ns = TestNs::new("cycle").await;
    for (me, other) in [("a", "b"), ("b", "a")] {
        ns.create::<k8s_openapi::api::core::v1::Service>(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: svc-{me}}}\nspec:\n  selector: {{app: {me}}}\n  ports: [{{port: 80, targetPort: 80}}]\n"
        ))
        .await;
        ns.pod(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {me}-0, labels: {{app: {me}}}}}\nspec:\n  containers:\n  - {{name: app, image: busybox:1.35, command: ['httpd', '-f', '-p', '80']}}\n  initContainers:\n  - name: wait-{other}\n    image: busybox:1.35\n    command: ['sh', '-c', 'until wget -q -T 1 -O /dev/null http://svc-{other}/; do sleep 1; done']\n"
        ))
        .await;
    }
    for (i, (me, other)) in [("a", "b"), ("b", "a")].into_iter().enumerate() {
        let ip = format!("10.0.7.{}", i + 10);
        ns.set_status(
            &format!("{me}-0"),
            json!({"phase": "Pending", "podIP": ip, "podIPs": [{"ip": ip}],
                   "conditions": state::initializing_conditions(),
                   "initContainerStatuses": [state::running(&format!("wait-{other}"), "busybox:1.35", "2026-01-01T00:00:00Z")],
                   "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
        )
        .await;
    }
    let pod = explain_one(&ns, "a-0", &[]);
    let f = finding(&pod, "WaitCycle");
    let message = f["message"].as_str().unwrap_or("");
    assert!(message.contains("a-0"), "{f:#}");
    assert!(message.contains("b-0"), "{f:#}");
    assert!(message.contains("cycle"), "{f:#}");
}

/// On the real node, with the real Job controller: `explain cronjob/NAME` selects the pods of
/// the Jobs the CronJob owns (a Job made with `kubectl create job --from=cronjob/…`, which the
/// CronJob owns), by the label the Job controller puts on them.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_explain_cronjob_selects_its_jobs_pods() {
    let node = real_node();
    let ns = TestNs::new("rncron").await;
    // The pod template's fields sit 10 spaces in; placement's lines are 2 spaces in.
    let placement: String = common::realnode::placement(node)
        .lines()
        .map(|l| format!("        {l}\n"))
        .collect();
    ns.create::<k8s_openapi::api::batch::v1::CronJob>(&format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: nightly}}\nspec:\n  schedule: '0 3 * * *'\n  suspend: true\n  jobTemplate:\n    spec:\n      template:\n        spec:\n{placement}          restartPolicy: Never\n          initContainers: [{{name: wait-forever, image: busybox:1.35, command: ['sleep', '3600']}}]\n          containers: [{{name: c, image: busybox:1.35, command: ['true']}}]\n"
    ))
    .await;
    let run = common::kubectl(&[
        "create",
        "job",
        "nightly-manual",
        "--from=cronjob/nightly",
        "-n",
        &ns.name,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut doc = serde_json::Value::Null;
    for _ in 0..120 {
        let run = initdoctor(&["explain", "cronjob/nightly", "-n", &ns.name, "-o", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        doc = run.json();
        let running = doc["pods"][0]["initContainers"][0]["state"] == "running";
        if running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let pod = &doc["pods"][0];
    assert!(
        pod["name"]
            .as_str()
            .unwrap_or("")
            .starts_with("nightly-manual-"),
        "{doc:#}"
    );
    assert_eq!(pod["owner"]["kind"], "CronJob", "{doc:#}");
}

/// A mesh's redirect as its init container really makes it: `istio-init` (Debian's iptables,
/// nft backend) sends every outbound TCP connection not made by the proxy's UID 1337 to port
/// 15001, where `istio-proxy` would listen — but the proxy is an ordinary app container, so it
/// cannot run before the init containers end. The next init container's wait on a Service with
/// a ready backing pod is then refused forever (the same wait in a pod without the redirect
/// passes), and explain names the mesh (`MeshBlocksInitTraffic`), not "should succeed".
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_mesh_redirect_blocks_the_next_init_containers_traffic() {
    let node = real_node();
    let ns = TestNs::new("rnmesh").await;
    ns.create::<k8s_openapi::api::core::v1::Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432, targetPort: 5432}]\n",
    )
    .await;
    let db = r#"
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec:
  containers:
  - name: db
    image: busybox:1.35
    command: ['sh', '-c', 'while :; do nc -l -p 5432 </dev/null; done']
    ports: [{containerPort: 5432}]
"#;
    pod_on(&ns, node, db).await;
    ns.await_endpoints("db", 1, 1).await;
    let redirect = "iptables -t nat -N ISTIO_REDIRECT && \
        iptables -t nat -A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001 && \
        iptables -t nat -N ISTIO_OUTPUT && \
        iptables -t nat -A OUTPUT -p tcp -j ISTIO_OUTPUT && \
        iptables -t nat -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN && \
        iptables -t nat -A ISTIO_OUTPUT -j ISTIO_REDIRECT";
    let meshed = |name: &str, with_redirect: bool| {
        let istio_init = if with_redirect {
            format!(
                "  - name: istio-init\n    image: localhost/initdoctor/iptables:v1\n    command: ['sh', '-c', {redirect:?}]\n    securityContext: {{runAsUser: 0, capabilities: {{add: [NET_ADMIN, NET_RAW]}}}}\n"
            )
        } else {
            String::new()
        };
        format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  initContainers:
{istio_init}  - name: wait-db
    image: busybox:1.35
    command: ['sh', '-c', 'until nc -w 2 db 5432 </dev/null; do echo waiting for db; sleep 1; done']
  containers:
  - {{name: istio-proxy, image: busybox:1.35, command: ['sleep', '3600']}}
  - {{name: app, image: busybox:1.35, command: ['sleep', '3600']}}
"#
        )
    };
    pod_on(&ns, node, &meshed("plain", false)).await;
    pod_on(&ns, node, &meshed("web", true)).await;
    // Without the redirect the wait passes: the Service and its pod are in place.
    wait_pod(
        &ns,
        "plain",
        Duration::from_secs(90),
        "completed wait",
        |p| completed(init_status(p, "wait-db")),
    )
    .await;
    // With it, the connection goes to port 15001 of the pod itself, where nothing listens: the
    // kubelet's log of the wait says so, again and again.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let log = common::kubectl(&["logs", "web", "-c", "wait-db", "-n", &ns.name]);
        if log.stdout.matches("waiting for db").count() >= 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed wait in the log: {} {}",
            log.stdout,
            log.stderr
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let istio_init = pod_json(&ns, "web").await;
    assert!(
        completed(init_status(&istio_init, "istio-init")),
        "{:#}",
        istio_init["status"]
    );
    let pod = explain_one(&ns, "web", &[]);
    let f = finding(&pod, "MeshBlocksInitTraffic");
    assert_eq!(f["container"], "wait-db", "{f:#}");
    assert!(
        f["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("restartPolicy: Always"),
        "the native sidecar is the fix: {f:#}"
    );
    assert!(
        !codes(&pod).iter().any(|c| c == "ResolvesButWaits"),
        "{pod:#}"
    );
}
