//! The real node's network: kube-proxy routes ClusterIPs to pod IPs on the bridge as on a real
//! cluster, and nothing leaves the machine — every rule the bridge plugin, portmap, the kubelet,
//! kube-proxy and up.sh add is checked (ignored without the node; see `common::real_node`).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::realnode::{self, completed, init_status, is_running, wait_init_running, wait_pod};
use common::{TestNs, codes_about, explain_one};
use k8s_openapi::api::core::v1::Service;

const LONG: Duration = Duration::from_secs(90);
const POD_CIDR: (u32, u32) = (0x0a58_0000, 16); // 10.88.0.0/16
const SERVICE_CIDR: (u32, u32) = (0x0a60_0000, 16); // 10.96.0.0/16
const LOOPBACK: (u32, u32) = (0x7f00_0000, 8); // 127.0.0.0/8

/// The output of a host command (stderr shown).
fn sh(cmd: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .stderr(Stdio::inherit())
        .output()
        .expect("run sh");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `a.b.c.d` or `a.b.c.d/n` as (address, prefix length).
fn cidr(text: &str) -> Option<(u32, u32)> {
    let (addr, len) = text.split_once('/').unwrap_or((text, "32"));
    let octets: Vec<u32> = addr
        .split('.')
        .map(|o| o.parse().ok())
        .collect::<Option<_>>()?;
    (octets.len() == 4).then_some(())?;
    let ip = octets.iter().fold(0u32, |acc, o| (acc << 8) | o);
    Some((ip, len.parse().ok()?))
}

/// True when `inner` lies within `outer`.
fn within(inner: (u32, u32), outer: (u32, u32)) -> bool {
    let mask = |len: u32| if len == 0 { 0 } else { u32::MAX << (32 - len) };
    inner.1 >= outer.1 && inner.0 & mask(outer.1) == outer.0 & mask(outer.1)
}

/// The value after `flag` in an iptables rule (`-d X`, `--to-destination X`).
fn value_after<'a>(rule: &'a str, flag: &str) -> Option<&'a str> {
    let mut words = rule.split_whitespace();
    words.find(|w| *w == flag)?;
    words.next()
}

#[test]
fn cidr_arithmetic() {
    let cases = [
        ("10.88.0.1", POD_CIDR, true),
        ("10.88.3.4/32", POD_CIDR, true),
        ("10.96.0.10/32", SERVICE_CIDR, true),
        ("10.96.0.10/32", POD_CIDR, false),
        ("10.0.0.0/8", POD_CIDR, false),
        ("192.0.2.1", POD_CIDR, false),
    ];
    for (text, outer, expected) in cases {
        assert_eq!(within(cidr(text).unwrap(), outer), expected, "{text}");
    }
    assert_eq!(cidr("not-an-address"), None);
    assert_eq!(
        value_after("-A X -d 10.96.0.1/32 -j Y", "-d"),
        Some("10.96.0.1/32")
    );
}

/// Network safety, whenever the node is up: up.sh's chains first in INPUT, FORWARD and OUTPUT
/// with their drop and reject rules; in the nat table, every DNAT to a pod address, every
/// address matched within the pod or service CIDR, masquerade only of marked packets; no route
/// off the bridge; kube-proxy's settings; the registry, DNS and CNI settings.
#[test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
fn real_node_network_safety_rules_are_in_place() {
    let _node = common::real_node();
    let rules = sh("iptables -w -S");
    for needed in [
        "-A INITDOCTOR-RN-FWD -s 10.88.0.0/16 -d 10.88.0.0/16 -j ACCEPT",
        "-A INITDOCTOR-RN-FWD -s 10.96.0.0/16 -d 10.88.0.0/16 -j ACCEPT",
        "-A INITDOCTOR-RN-FWD -s 10.88.0.0/16 -d 10.96.0.0/16 -j REJECT --reject-with icmp-port-unreachable",
        "-A INITDOCTOR-RN-FWD -s 10.88.0.0/16 -j DROP",
        "-A INITDOCTOR-RN-FWD -d 10.88.0.0/16 -j DROP",
        "-A INITDOCTOR-RN-FWD -i rn0 -j DROP",
        "-A INITDOCTOR-RN-FWD -o rn0 -j DROP",
        "-A INITDOCTOR-RN-IN -s 10.88.0.0/16 ! -d 10.88.0.0/16 -j DROP",
        "-A INITDOCTOR-RN-OUT ! -d 10.88.0.0/16 -m conntrack --ctstate DNAT --ctorigdst 10.96.0.0/16 -j REJECT --reject-with icmp-port-unreachable",
        "-A INITDOCTOR-RN-OUT ! -d 10.88.0.0/16 -m conntrack --ctstate DNAT --ctorigdst 10.88.0.0/16 -j REJECT --reject-with icmp-port-unreachable",
        "-A INITDOCTOR-RN-OUT -d 10.96.0.0/16 -j REJECT --reject-with icmp-port-unreachable",
    ] {
        assert!(rules.contains(needed), "missing `{needed}` in:\n{rules}");
    }
    // Ours come first (up.sh puts them back in front after the kubelet and kube-proxy inserted
    // their jumps at the top).
    for (parent, chain) in [
        ("FORWARD", "INITDOCTOR-RN-FWD"),
        ("INPUT", "INITDOCTOR-RN-IN"),
        ("OUTPUT", "INITDOCTOR-RN-OUT"),
    ] {
        let first = rules
            .lines()
            .find(|l| l.starts_with(&format!("-A {parent} ")))
            .unwrap_or("");
        assert_eq!(first, format!("-A {parent} -j {chain}"), "{rules}");
    }
    // kube-proxy is there: its chains in both tables.
    let nat = sh("iptables -w -t nat -S");
    assert!(nat.contains("-N KUBE-SERVICES"), "{nat}");
    assert!(rules.contains("-N KUBE-FORWARD"), "{rules}");
    for rule in nat.lines().filter(|l| l.starts_with("-A ")) {
        // Every translation goes to a pod address.
        if let Some(to) = value_after(rule, "--to-destination") {
            let host = to.rsplit_once(':').map_or(to, |(h, _)| h);
            assert!(
                cidr(host).is_some_and(|c| within(c, POD_CIDR)),
                "a DNAT off the pod CIDR: {rule}"
            );
        }
        // Every address matched is a ClusterIP, a pod's or the bridge's (NodePorts), or
        // loopback (portmap's hostPort rules for connections from the host itself).
        for flag in ["-d", "-s"] {
            let negated = rule.contains(&format!("! {flag} "));
            if let Some(addr) = value_after(rule, flag).filter(|_| !negated) {
                let c = cidr(addr).unwrap_or_else(|| panic!("an address in {rule}"));
                assert!(
                    within(c, POD_CIDR) || within(c, SERVICE_CIDR) || within(c, LOOPBACK),
                    "an address beyond the pod and service CIDRs: {rule}"
                );
            }
        }
        // Masquerade only of what kube-proxy or portmap marked (traffic they translated to a
        // pod): the rule matches the mark, or its chain first returns what is unmarked
        // (kube-proxy's KUBE-POSTROUTING); never of the pod CIDR as such, never out of another
        // interface.
        if rule.contains("-j MASQUERADE") || rule.contains("-j SNAT") {
            let chain = rule.split_whitespace().nth(1).unwrap_or("");
            let first = nat
                .lines()
                .find(|l| l.starts_with(&format!("-A {chain} ")))
                .unwrap_or("");
            let unmarked_return =
                first.contains("-m mark ! --mark 0x") && first.ends_with("-j RETURN");
            assert!(
                rule.contains("-m mark --mark 0x") || unmarked_return,
                "masquerade of unmarked packets: {rule}\n{nat}"
            );
            assert!(!rule.contains(" -o ") || rule.contains(" -o rn0"), "{rule}");
            assert!(
                !rule.contains("-s 10.88."),
                "pod traffic masqueraded: {rule}"
            );
        }
    }
    // Routes: the pod CIDR on the bridge, nothing else through it; pods reach the service CIDR
    // through the bridge address only (CNI config).
    let routes = sh("ip -4 route show");
    for route in routes.lines() {
        let via_bridge = route.contains(" dev rn0") || route.contains("via 10.88.");
        assert!(
            !via_bridge || route.starts_with("10.88.0.0/16 dev rn0"),
            "a route through the bridge beyond the pod CIDR: {route}\n{routes}"
        );
    }
    assert_eq!(
        sh("sysctl -n net.ipv4.conf.all.route_localnet").trim(),
        "0",
        "no NodePorts on localhost"
    );
    let state = &common::env().state_dir;
    let read = |path: &str| {
        std::fs::read_to_string(state.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let cni = read("realnode/cni/net.d/10-initdoctor-realnode.conflist");
    assert!(cni.contains(r#""ipMasq": false"#), "{cni}");
    assert!(cni.contains(r#""isDefaultGateway": false"#), "{cni}");
    assert!(
        cni.contains(r#""routes": [{"dst": "10.96.0.0/16", "gw": "10.88.0.1"}]"#),
        "{cni}"
    );
    let proxy = read("realnode/kube-proxy.yaml");
    for needed in [
        "mode: iptables",
        "clusterCIDR: 10.88.0.0/16",
        "nodePortAddresses: [\"10.88.0.1/32\"]",
        "masqueradeAll: false",
        "localhostNodePorts: false",
    ] {
        assert!(proxy.contains(needed), "kube-proxy: no {needed}:\n{proxy}");
    }
    let hosts = read("realnode/containerd/certs.d/_default/hosts.toml");
    assert!(
        hosts.contains(r#"server = "http://127.0.0.1:9""#),
        "{hosts}"
    );
    let corefile = read("realnode/Corefile");
    assert!(!corefile.contains("forward"), "{corefile}");
    assert!(corefile.contains("rcode NXDOMAIN"), "{corefile}");
}

/// A pod serving TCP on `port` (busybox nc), labelled `app: NAME`.
fn server(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{app: {name}}}}}\nspec:\n  containers:\n  - name: serve\n    image: busybox:1.35\n    imagePullPolicy: IfNotPresent\n    command: ['sh', '-c', 'while :; do nc -l -p 5432 </dev/null; done']\n    ports: [{{containerPort: 5432}}]\n"
    )
}

/// A pod whose init container waits for `NAME:5432` with nc (Debian's busybox nc has no `-z`:
/// it connects with nothing to send).
fn waiter(name: &str, target: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  initContainers:\n  - name: wait-db\n    image: busybox:1.35\n    imagePullPolicy: IfNotPresent\n    command: ['sh', '-c', 'until nc -w 1 {target} 5432 </dev/null; do echo waiting for {target}; sleep 1; done']\n  containers:\n  - {{name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}}\n"
    )
}

async fn cluster_ip_service(ns: &TestNs, name: &str, selector: &str) -> Service {
    ns.create::<Service>(&format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {{app: {selector}}}\n  ports: [{{port: 5432, targetPort: 5432}}]\n"
    ))
    .await
}

/// `nc mysvc 5432` through the ClusterIP: kube-proxy routes it to the backing pod on the
/// bridge, as on a real cluster. Before the pod exists the Service has no endpoints, the check
/// is refused and explain says so.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_nc_through_a_cluster_ip_reaches_the_backing_pod() {
    let node = common::real_node();
    let ns = TestNs::new("rn-clusterip").await;
    let svc = cluster_ip_service(&ns, "mysvc", "db").await;
    let ip = svc.spec.and_then(|s| s.cluster_ip).expect("a ClusterIP");
    assert!(ip.starts_with("10.96."), "{ip}");
    realnode::pod_on(&ns, node, &waiter("client", "mysvc")).await;
    wait_init_running(&ns, "client", "wait-db", LONG).await;
    // No endpoints: kube-proxy has nothing to translate to; the connection is refused, round
    // after round.
    realnode::wait_log_lines(&ns, "client", "wait-db", "waiting for mysvc", 3, LONG).await;
    let p = realnode::pod_json(&ns, "client").await;
    assert!(is_running(init_status(&p, "wait-db")), "{:#}", p["status"]);
    let pod = explain_one(&ns, "client", &[]);
    assert_eq!(pod["blocking"]["name"], "wait-db", "{pod:#}");
    assert_eq!(
        codes_about(&pod, "mysvc"),
        ["ServiceNoEndpoints"],
        "{pod:#}"
    );

    realnode::pod_on(&ns, node, &server("db")).await;
    let p = wait_pod(&ns, "client", LONG, "wait-db completed", |p| {
        completed(init_status(p, "wait-db"))
    })
    .await;
    assert_eq!(init_status(&p, "wait-db")["restartCount"], 0, "{p:#}");
    let logs = common::kubectl(&["logs", "-n", &ns.name, "client", "-c", "wait-db"]);
    assert!(logs.stdout.contains("waiting for mysvc"), "{}", logs.stdout);
}
