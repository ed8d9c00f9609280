//! A mesh other than Istio, on the real node: App Mesh's injector puts `proxyinit` first, which
//! redirects every outbound TCP connection not made by Envoy's UID to Envoy's egress port, and
//! `envoy` among the app containers, which cannot run before the init containers end. The real
//! kubelet, iptables and pod network make the story; explain reads it from the pod (the mesh
//! from its containers and `proxyinit`'s environment, what the next init container reaches from
//! its command), not from a list of programs.

mod common;

use std::time::Duration;

use common::realnode::{completed, init_status, pod_json, pod_on, wait_pod};
use common::{TestNs, codes, explain_one, finding, real_node};

/// `proxyinit`'s redirect as App Mesh's route manager writes it (its `APPMESH_*` variables):
/// outbound TCP to port 15001, the UID 1337 left alone.
const REDIRECT: &str = "iptables -t nat -N APPMESH_EGRESS && \
    iptables -t nat -A APPMESH_EGRESS -m owner --uid-owner $APPMESH_IGNORE_UID -j RETURN && \
    iptables -t nat -A APPMESH_EGRESS -p tcp -j REDIRECT --to $APPMESH_ENVOY_EGRESS_PORT && \
    iptables -t nat -A OUTPUT -p tcp -m addrtype ! --dst-type LOCAL -j APPMESH_EGRESS";

fn meshed(name: &str, redirect: bool) -> String {
    let proxyinit = if redirect {
        format!(
            "  - name: proxyinit\n    image: localhost/initdoctor/iptables:v1\n    command: ['sh', '-c', {REDIRECT:?}]\n    env: [{{name: APPMESH_IGNORE_UID, value: '1337'}}, {{name: APPMESH_ENVOY_EGRESS_PORT, value: '15001'}}]\n    securityContext: {{runAsUser: 0, capabilities: {{add: [NET_ADMIN, NET_RAW]}}}}\n"
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
{proxyinit}  - name: wait-db
    image: busybox:1.35
    command: ['sh', '-c', 'until nc -w 2 db 5432 </dev/null; do echo waiting for db; sleep 1; done']
  containers:
  - {{name: envoy, image: busybox:1.35, command: ['sleep', '3600']}}
  - {{name: app, image: busybox:1.35, command: ['sleep', '3600']}}
"#
    )
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_an_app_mesh_redirect_blocks_the_next_init_containers_traffic() {
    let node = real_node();
    let ns = TestNs::new("rnappmesh").await;
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
    // With it, the connection goes to port 15001 of the pod itself, where nothing listens.
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
    let web = pod_json(&ns, "web").await;
    assert!(
        completed(init_status(&web, "proxyinit")),
        "{:#}",
        web["status"]
    );
    let pod = explain_one(&ns, "web", &[]);
    let f = finding(&pod, "MeshBlocksInitTraffic");
    assert_eq!(f["container"], "wait-db", "{f:#}");
    let text = format!("{} {}", f["message"], f["hint"]);
    assert!(
        text.contains("envoy") && text.contains("proxyinit"),
        "{f:#}"
    );
    assert!(
        f["hint"].as_str().unwrap_or_default().contains("1337"),
        "Envoy's UID from proxyinit's environment: {f:#}"
    );
    assert!(
        !codes(&pod).iter().any(|c| c == "ResolvesButWaits"),
        "{pod:#}"
    );
}
