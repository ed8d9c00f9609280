//! Missing names and near misses: the Service elsewhere, a typo, the manifest to apply.
use super::*;
use serde_json::json;

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
    let by_name = same_name_in("mydb", &["e-ns", "b-ns", "d-ns", "a-ns", "c-ns"]);
    let found = explain_lookup_of(
        "mydb",
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
    let found = explain_lookup_of(
        "mydb",
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
    let ip = json!({"clusterIP": "10.96.0.7"});
    let by_name = same_name_in("mydbb", &["a-ns", "b-ns", "c-ns", "d-ns", "e-ns"]);
    let found = explain_lookup_of(
        "mydbb",
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

/// A namespaced Role: Services could be listed only in the pod's namespace. A name there is
/// known to be missing (and says the other namespaces were not read); a name in another
/// namespace is unknown, never missing.
#[test]
fn services_read_only_in_the_pods_namespace() {
    let cases = [
        // (the name waited for, the code, a phrase of its evidence)
        ("db", "ServiceNotFound", "other namespaces were not checked"),
        (
            "db.billing",
            "TargetUnknown",
            "listed only in namespace shop",
        ),
        (
            "db.billing.svc.cluster.local",
            "TargetUnknown",
            "listed only in namespace shop",
        ),
    ];
    for (host, code, phrase) in cases {
        let pod = pod_json(
            "web",
            json!([nslookup("wait-db", "tutum/dnsutils", host)]),
            json!({}),
        );
        let found = explain(
            pod,
            Objects {
                only_in: vec!["shop".into()],
                ..Default::default()
            },
        );
        let f = found
            .iter()
            .find(|f| f.target.as_deref() == Some(host))
            .unwrap_or_else(|| panic!("{host}: {found:#?}"));
        assert_eq!(f.code, code, "{host}: {f:#?}");
        assert!(
            f.evidence.iter().any(|e| e.contains(phrase)),
            "{host}: {:#?}",
            f.evidence
        );
    }
}
