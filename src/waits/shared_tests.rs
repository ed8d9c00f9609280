//! The lookup planner: what a pod's waits ask, round after round, and what each pod gets.

use super::*;
use serde_json::json;

/// A pod of `shop` whose only init container runs `script`, running (blocked).
fn waiting(name: &str, labels: serde_json::Value, script: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "shop", "labels": labels},
        "spec": {"containers": [{"name": "app"}],
                 "initContainers": [{"name": "wait", "image": "busybox:1.36",
                    "command": ["sh", "-c", script]}]},
        "status": {"phase": "Pending", "podIP": "10.0.0.9",
            "initContainerStatuses": [{"name": "wait", "image": "busybox:1.36", "imageID": "",
                "ready": false, "restartCount": 0, "state": {"running": {}}}]}
    }))
    .unwrap()
}

fn ready(name: &str, labels: serde_json::Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "shop", "labels": labels},
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    }))
    .unwrap()
}

fn service(ns: &str, name: &str, selector: serde_json::Value) -> Service {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {"clusterIP": "10.96.0.7", "selector": selector}
    }))
    .unwrap()
}

fn answer(lookups: &mut Lookups, ask: Ask, got: Got) {
    lookups.answers.insert(ask, Ok(Arc::new(got)));
}

fn named(name: &str) -> Ask {
    Ask::ServicesNamed(name.into())
}

fn slices(name: &str) -> Ask {
    Ask::SlicesOf(name.into())
}

fn labelled(selector: &str) -> Ask {
    Ask::PodsLabelled("shop".into(), selector.into())
}

fn sample(selector: &str, limit: u32) -> Ask {
    Ask::PodsSample("shop".into(), selector.into(), limit)
}

/// Answer every missing ask of `pod` the way `cluster` would, round after round; the rounds.
fn rounds(pod: &Pod, cluster: impl Fn(&Ask) -> Got) -> (Lookups, Vec<BTreeSet<Ask>>) {
    let mut lookups = Lookups::default();
    let mut seen = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let asks = missing([pod], &lookups);
        if asks.is_empty() {
            break;
        }
        for ask in &asks {
            answer(&mut lookups, ask.clone(), cluster(ask));
        }
        seen.push(asks);
    }
    (lookups, seen)
}

fn none(ask: &Ask) -> Got {
    match ask {
        Ask::SlicesOf(_) => Got::Slices(vec![]),
        Ask::ConfigMap(..) => Got::ConfigMap(None),
        Ask::Job(..) => Got::Job(None),
        Ask::ClusterDns => Got::Service(None),
        Ask::OwnerLabels(_) => Got::LabelSets(vec![]),
        Ask::ServicesNamed(_) | Ask::ServicesByIp(..) | Ask::ServiceNames(_) => {
            Got::Services(vec![])
        }
        _ => Got::Pods(vec![]),
    }
}

#[test]
fn a_service_with_ready_pods_costs_its_name_its_slices_and_its_selector() {
    let pod = waiting(
        "app",
        json!({"app": "web"}),
        "until nslookup db; do sleep 2; done",
    );
    let (lookups, seen) = rounds(&pod, |ask| match ask {
        Ask::ServicesNamed(n) if n == "db" => {
            Got::Services(vec![service("shop", "db", json!({"app": "db"}))])
        }
        Ask::PodsLabelled(_, s) if s == "app=db" => {
            Got::Pods(vec![ready("db-0", json!({"app": "db"}))])
        }
        other => none(other),
    });
    assert_eq!(
        seen,
        [
            BTreeSet::from([named("db"), slices("db")]),
            BTreeSet::from([labelled("app=db")]),
        ],
        "no namespace-wide list when the Service has its pods"
    );
    let objects = lookups.objects(&pod);
    assert_eq!(objects.pods.len(), 1);
    assert_eq!(objects.services_by_name.len(), 1);
    assert!(objects.problems.is_empty());
}

/// An EndpointSlice of Service `name` in `ns` naming these endpoints' addresses.
fn slice_of(ns: &str, name: &str, addresses: &[&str]) -> EndpointSlice {
    let endpoints: Vec<serde_json::Value> = addresses
        .iter()
        .map(|a| json!({"addresses": [a], "conditions": {"ready": false}}))
        .collect();
    serde_json::from_value(json!({
        "metadata": {"name": format!("{name}-x"), "namespace": ns,
                     "labels": {SERVICE_NAME_LABEL: name}},
        "addressType": "IPv4", "endpoints": endpoints
    }))
    .unwrap()
}

#[test]
fn a_service_whose_slices_name_no_endpoint_has_its_samples_asked_with_its_pods() {
    let near = BTreeSet::from([
        labelled("app=db"),
        sample("app,app!=db", SAMPLE_PODS),
        Ask::OwnerLabels("shop".into()),
    ]);
    let only_pods = BTreeSet::from([labelled("app=db")]);
    // What, the slices of db, the pods its selector matches, the second round, the third.
    type Case = (
        &'static str,
        Vec<EndpointSlice>,
        Vec<Pod>,
        BTreeSet<Ask>,
        Vec<BTreeSet<Ask>>,
    );
    let cases: Vec<Case> = vec![
        (
            "an empty slice, no pod: the samples in the same round as the pods",
            vec![slice_of("shop", "db", &[])],
            vec![],
            near.clone(),
            vec![],
        ),
        (
            "an empty slice, yet a pod without an address: samples asked, never consulted",
            vec![slice_of("shop", "db", &[])],
            vec![ready("db-0", json!({"app": "db"}))],
            near.clone(),
            vec![],
        ),
        (
            "no slice yet: nothing guessed, the samples once the pods are known",
            vec![],
            vec![],
            only_pods.clone(),
            vec![near.difference(&only_pods).cloned().collect()],
        ),
        (
            "an empty slice of another namespace's db: nothing guessed",
            vec![slice_of("other", "db", &[])],
            vec![],
            only_pods.clone(),
            vec![near.difference(&only_pods).cloned().collect()],
        ),
        (
            "a slice naming an endpoint: nothing guessed",
            vec![slice_of("shop", "db", &["10.0.0.5"])],
            vec![ready("db-0", json!({"app": "db"}))],
            only_pods.clone(),
            vec![],
        ),
    ];
    for (what, db_slices, db_pods, second, rest) in cases {
        let pod = waiting(
            "app",
            json!({"app": "web"}),
            "until nc -z db 5432; do sleep 2; done",
        );
        let (lookups, seen) = rounds(&pod, |ask| match ask {
            Ask::ServicesNamed(n) if n == "db" => {
                Got::Services(vec![service("shop", "db", json!({"app": "db"}))])
            }
            Ask::SlicesOf(n) if n == "db" => Got::Slices(shared_slices(db_slices.clone())),
            Ask::PodsLabelled(_, s) if s == "app=db" => Got::Pods(db_pods.clone()),
            other => none(other),
        });
        assert_eq!(
            seen[0],
            BTreeSet::from([named("db"), slices("db")]),
            "{what}"
        );
        assert_eq!(seen[1], second, "{what}");
        assert_eq!(&seen[2..], rest.as_slice(), "{what}");
        // What the pod's findings consult is what they consulted without the guess.
        let sampled = asks(&pod, &lookups).contains(&sample("app,app!=db", SAMPLE_PODS));
        assert_eq!(sampled, db_pods.is_empty(), "{what}");
    }
}

#[test]
fn what_each_finding_needs_is_asked_and_only_then() {
    let db_labels = sample("app,app!=db", SAMPLE_PODS);
    let owners = Ask::OwnerLabels("shop".into());
    let names = Ask::ServiceNames("shop".into());
    // What, the init container's script, the cluster's answers, asked, not asked.
    type Case = (
        &'static str,
        &'static str,
        Box<dyn Fn(&Ask) -> Got>,
        Vec<Ask>,
        Vec<Ask>,
    );
    let cases: Vec<Case> = vec![
        (
            "a missing Service: its namespace's Service names and the pods a manifest would select",
            "until nslookup db; do sleep 2; done",
            Box::new(none),
            vec![
                names.clone(),
                labelled("app=db"),
                labelled("app.kubernetes.io/name=db"),
            ],
            vec![db_labels.clone(), owners.clone()],
        ),
        (
            "a selector that matches nothing: the namespace's labels (closest label sets)",
            "until nc -z db 5432; do sleep 2; done",
            Box::new(|ask: &Ask| match ask {
                Ask::ServicesNamed(_) => {
                    Got::Services(vec![service("shop", "db", json!({"app": "db"}))])
                }
                other => none(other),
            }),
            vec![labelled("app=db"), db_labels.clone(), owners.clone()],
            vec![names.clone()],
        ),
        (
            "a Service of another namespace: nothing of that namespace beyond it",
            "until nslookup db.other; do sleep 2; done",
            Box::new(|ask: &Ask| match ask {
                Ask::ServicesNamed(n) if n == "db" => {
                    Got::Services(vec![service("other", "db", json!({"app": "db"}))])
                }
                other => none(other),
            }),
            vec![named("db"), slices("db"), named("other")],
            vec![
                names.clone(),
                db_labels.clone(),
                owners.clone(),
                labelled("app=db"),
            ],
        ),
        (
            "an IP: the Service and the pod of that address",
            "until nc -z 10.96.0.7 80; do sleep 2; done",
            Box::new(none),
            vec![
                Ask::ServicesByIp("shop".into(), "10.96.0.7".into()),
                Ask::PodsFielded("shop".into(), "status.podIP=10.96.0.7".into()),
            ],
            vec![names.clone(), db_labels.clone(), owners.clone()],
        ),
        (
            "kubectl wait on a selector: those pods, and the labels once nothing matches",
            "kubectl wait --for=condition=Ready pod -l app=db --timeout=60s",
            Box::new(none),
            vec![labelled("app=db"), db_labels.clone(), owners.clone()],
            vec![names.clone()],
        ),
    ];
    for (what, script, cluster, wanted, unwanted) in cases {
        let pod = waiting("app", json!({"app": "web"}), script);
        let (lookups, _) = rounds(&pod, cluster);
        let asked = asks(&pod, &lookups);
        for ask in &wanted {
            assert!(asked.contains(ask), "{what}: {ask:?} not in {asked:#?}");
        }
        for ask in &unwanted {
            assert!(!asked.contains(ask), "{what}: {ask:?} in {asked:#?}");
        }
    }
}

#[test]
fn a_backing_pod_stuck_in_init_brings_its_own_waits() {
    let pod = waiting(
        "app",
        json!({"app": "web"}),
        "until nslookup db; do sleep 2; done",
    );
    let backing = waiting(
        "db-0",
        json!({"app": "db"}),
        "until nslookup cache; do sleep 2; done",
    );
    let (lookups, seen) = rounds(&pod, |ask| match ask {
        Ask::ServicesNamed(n) if n == "db" => {
            Got::Services(vec![service("shop", "db", json!({"app": "db"}))])
        }
        Ask::PodsLabelled(_, s) if s == "app=db" => Got::Pods(vec![backing.clone()]),
        other => none(other),
    });
    // db by name, its pods, then db-0's own wait (cache), then cache's near misses (missing).
    assert_eq!(seen.len(), 4, "{seen:#?}");
    assert!(seen[2].contains(&named("cache")), "{seen:#?}");
    assert!(
        seen[3].contains(&Ask::ServiceNames("shop".into())),
        "{seen:#?}"
    );
    // The root pod's objects hold what its findings need to follow the chain.
    let objects = lookups.objects(&pod);
    assert_eq!(objects.pods.len(), 1);
    assert!(asks(&pod, &lookups).contains(&slices("cache")));
}

#[test]
fn each_pod_gets_the_answers_of_its_own_asks() {
    let mut lookups = Lookups::default();
    answer(
        &mut lookups,
        named("db"),
        Got::Services(vec![service("shop", "db", json!({"app": "db"}))]),
    );
    answer(&mut lookups, slices("db"), Got::Slices(vec![]));
    answer(&mut lookups, slices("cache"), Got::Slices(vec![]));
    let denied = "could not check: permission denied: cannot list pods".to_string();
    lookups
        .answers
        .insert(labelled("app=db"), Err(denied.clone()));
    lookups
        .answers
        .insert(named("cache"), Err("could not check: cache".to_string()));
    // The namespace's labels (metadata only) and a full pod of the same name: the full one wins.
    let mut bare = ready("db-0", json!({"app": "db"}));
    bare.spec = None;
    bare.status = None;
    answer(
        &mut lookups,
        sample("app,app!=web", SAMPLE_PODS),
        Got::Pods(vec![bare]),
    );
    answer(
        &mut lookups,
        Ask::PodsFielded("shop".into(), "metadata.name=db-0".into()),
        Got::Pods(vec![ready("db-0", json!({"app": "db"}))]),
    );

    let on_db = waiting("a", json!({}), "until nslookup db; do sleep 2; done");
    let on_cache = waiting("b", json!({}), "until nslookup cache; do sleep 2; done");
    let all = lookups.objects_for_all([&on_db, &on_cache, &on_db]);
    assert_eq!(all[0].problems, std::slice::from_ref(&denied));
    assert_eq!(all[1].problems, ["could not check: cache".to_string()]);
    assert!(all[1].services_by_name.is_empty(), "db is not b's");
    // Two pods with the same lookups share one copy of the pods.
    assert!(Arc::ptr_eq(&all[0].pods, &all[2].pods));

    let mut merged = Lookups::default().merge("shop", &BTreeSet::new());
    assert!(merged.pods.is_empty());
    merged = lookups.merge(
        "shop",
        &BTreeSet::from([
            sample("app,app!=web", SAMPLE_PODS),
            Ask::PodsFielded("shop".into(), "metadata.name=db-0".into()),
        ]),
    );
    assert_eq!(merged.pods.len(), 1);
    assert!(
        merged.pods[0].spec.is_some(),
        "the full pod wins over its metadata"
    );
}

#[test]
fn a_batched_slice_list_is_split_by_service() {
    let slice = |name: &str| -> EndpointSlice {
        serde_json::from_value(json!({
            "metadata": {"name": format!("{name}-x"), "namespace": "shop",
                         "labels": {SERVICE_NAME_LABEL: name}},
            "addressType": "IPv4", "endpoints": []
        }))
        .unwrap()
    };
    let names = ["db".to_string(), "cache".to_string()];
    let split = split_slices(&names, Ok(vec![slice("db"), slice("cache"), slice("db")]));
    let count = |i: usize| match split[i].1.as_deref() {
        Ok(Got::Slices(s)) => s.len(),
        _ => 0,
    };
    assert_eq!((count(0), count(1)), (2, 1));
    let failed = split_slices(&names, Err("could not check".into()));
    assert!(failed.iter().all(|(_, a)| a.is_err()));
}

#[path = "shared_samples_tests.rs"]
mod samples;
