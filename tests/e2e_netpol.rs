//! A wait that fails with every object in place because the pod's NetworkPolicies drop its
//! traffic: `explain` reads the namespace's NetworkPolicies (only then), evaluates the pod's
//! egress to DNS and to the awaited Service's pods, and names the policy. The states are the
//! fakelet's: no enforcing agent runs on this machine (the SIG's kube-network-policies sends
//! packets to userspace with nftables' `queue` expression, and this kernel is built without
//! `CONFIG_NFT_QUEUE`: see docs/control-plane.md), so the evaluation is checked against the
//! objects, not against dropped packets.

mod common;

use std::time::Duration;

use common::{TestNs, state};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::ListParams;
use serde_json::{Value, json};

/// The pods, the Service and the policy of one case; `web`'s init container waits on `db`.
async fn blocked(ns: &TestNs, policy: &str) {
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n  ports: [{port: 5432, targetPort: 5432}]\n",
    )
    .await;
    ns.pod(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: db-0, labels: {app: db}}\nspec:\n  containers: [{name: db, image: postgres:16, ports: [{containerPort: 5432, name: pg}]}]\n",
    )
    .await;
    ns.set_ready("db-0", "10.244.7.20").await;
    ns.create::<NetworkPolicy>(policy).await;
    ns.pod(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  initContainers:\n  - {name: wait-db, image: busybox:1.36, command: [sh, -c, 'until nc -z db 5432; do echo waiting; sleep 2; done']}\n  containers: [{name: web, image: nginx:1.27}]\n",
    )
    .await;
    ns.set_status(
        "web",
        json!({"phase": "Pending", "podIP": "10.244.7.21", "podIPs": [{"ip": "10.244.7.21"}],
               "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("wait-db", "busybox:1.36", "2026-01-01T00:00:00Z")],
               "containerStatuses": [state::waiting("web", "nginx:1.27", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.write_log("web", "wait-db", "waiting\nwaiting\n", false);
    // The EndpointSlice controller publishes db-0 as a ready endpoint.
    let slices: kube::Api<EndpointSlice> = ns.api();
    for _ in 0..150 {
        let list = slices
            .list(&ListParams::default().labels("kubernetes.io/service-name=db"))
            .await
            .expect("list slices");
        let ready = list
            .items
            .iter()
            .flat_map(|s| s.endpoints.iter().flatten())
            .any(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(false));
        if ready {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no ready endpoint for db");
}

fn find<'a>(pod: &'a Value, code: &str) -> Option<&'a Value> {
    pod["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"] == code)
}

#[tokio::test]
async fn a_network_policy_that_drops_the_wait_s_traffic_is_named() {
    let cases = [
        // (policy, the finding's words; none: the wait is left as it was)
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-db}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: db}}}]\n    ports: [{port: 5432}]\n",
            Some(
                &[
                    "NetworkPolicy \"only-db\"",
                    "DNS (kube-dns in kube-system, port 53/UDP)",
                    "port: 53, protocol: UDP",
                ][..],
            ),
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: dns-only}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n",
            Some(
                &[
                    "NetworkPolicy \"dns-only\"",
                    "pods on port 5432/TCP",
                    "kubectl edit networkpolicy dns-only",
                ][..],
            ),
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: dns-and-db}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n  - to: [{podSelector: {matchLabels: {app: db}}}]\n    ports: [{port: pg}]\n",
            None,
        ),
    ];
    for (policy, words) in cases {
        let ns = TestNs::new("netpol").await;
        blocked(&ns, policy).await;
        let pod = common::explain_one(&ns, "web", &[]);
        match words {
            Some(words) => {
                let f = find(&pod, "NetworkPolicyBlocksEgress")
                    .unwrap_or_else(|| panic!("{policy}: {:#}", pod["findings"]));
                assert_eq!(f["container"], "wait-db");
                assert_eq!(f["severity"], "error");
                let text = format!("{} {}", f["message"], f["hint"]).replace("\\\"", "\"");
                for w in words {
                    assert!(text.contains(w), "{w:?} in {text}");
                }
                assert!(
                    find(&pod, "ResolvesButWaits").is_none(),
                    "{:#}",
                    pod["findings"]
                );
            }
            None => {
                assert!(
                    find(&pod, "NetworkPolicyBlocksEgress").is_none(),
                    "{:#}",
                    pod["findings"]
                );
                assert!(
                    find(&pod, "ResolvesButWaits").is_some(),
                    "{:#}",
                    pod["findings"]
                );
            }
        }
    }
}
