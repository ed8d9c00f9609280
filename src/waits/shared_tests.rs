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
            Ask::SlicesOf(n) if n == "db" => Got::Slices(db_slices.clone()),
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

/// A namespace held in memory, answering as the API server would: label selectors evaluated,
/// samples one page of names and labels in name order.
fn namespace(
    pods: Vec<Pod>,
    owners: Vec<BTreeMap<String, String>>,
    svc: Service,
) -> impl Fn(&Ask) -> Got {
    move |ask| {
        let matching = |selector: &str| -> Vec<Pod> {
            let selector = resolve::Selector::parse(selector).expect("a selector");
            let mut found: Vec<Pod> = pods
                .iter()
                .filter(|p| selector.matches(p.metadata.labels.as_ref()))
                .cloned()
                .collect();
            found.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
            found
        };
        match ask {
            Ask::ServicesNamed(n) if Some(n) == svc.metadata.name.as_ref() => {
                Got::Services(vec![svc.clone()])
            }
            Ask::PodsLabelled(_, selector) => Got::Pods(matching(selector)),
            Ask::PodsSample(_, selector, limit) => Got::Pods(
                matching(selector)
                    .into_iter()
                    .take(*limit as usize)
                    .map(|p| {
                        let mut bare = Pod::default();
                        bare.metadata.name = p.metadata.name;
                        bare.metadata.labels = p.metadata.labels;
                        bare
                    })
                    .collect(),
            ),
            Ask::OwnerLabels(_) => Got::LabelSets(owners.clone()),
            other => none(other),
        }
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

#[test]
fn a_selector_that_matches_nothing_gets_the_closest_label_sets_of_a_whole_read_from_samples() {
    let labelled_pod = |name: &str, pairs: &[(&str, &str)]| ready(name, json!(labels(pairs)));
    let fillers = |n: usize| -> Vec<Pod> {
        (0..n)
            .map(|i| {
                labelled_pod(
                    &format!("filler-{i}"),
                    &[("app", "filler"), ("tier", &format!("t{}", i % 7))],
                )
            })
            .collect()
    };
    // What, the Service's selector, the namespace's pods, its owners' template label sets.
    type Case = (
        &'static str,
        &'static [(&'static str, &'static str)],
        Vec<Pod>,
        Vec<BTreeMap<String, String>>,
    );
    let cases: Vec<Case> = vec![
        (
            "a value typo on a pod without owner",
            &[("app", "postgres")],
            vec![
                labelled_pod("pg-0", &[("app", "postgress")]),
                labelled_pod("web", &[("app", "web")]),
            ],
            vec![],
        ),
        (
            "same pairs before near ones; a key typo through its owner's template",
            &[("app", "api"), ("tier", "web")],
            vec![
                labelled_pod("z-both-near", &[("app", "apj"), ("tier", "wbe")]),
                labelled_pod("b-one-same", &[("app", "api"), ("tier", "db")]),
                labelled_pod("a-one-same", &[("app", "api"), ("tier", "db")]),
                labelled_pod("far", &[("app", "billing"), ("tier", "batch")]),
                labelled_pod(
                    "near-key-7d9c",
                    &[("ap", "api"), ("pod-template-hash", "7d9c")],
                ),
            ],
            vec![labels(&[("ap", "api"), ("pod-template-hash", "7d9c")])],
        ),
        (
            "a key typo only, through its owner, and nothing else close",
            &[("app", "ghost")],
            [
                fillers(300),
                vec![labelled_pod("cache-0", &[("ap", "ghost")])],
            ]
            .concat(),
            vec![labels(&[("ap", "ghost")])],
        ),
        (
            "hundreds of pods sharing a pair, one near pair each: the first names",
            &[("app", "filler"), ("tier", "t9")],
            fillers(450),
            vec![],
        ),
        (
            "nothing close at all",
            &[("app", "ghost")],
            fillers(120),
            vec![],
        ),
    ];
    for (what, selector, pods, owners) in cases {
        let selector = labels(selector);
        let svc = service("shop", "db", json!(selector));
        let pod = waiting(
            "app",
            json!({"role": "client"}),
            "until nc -z db 5432; do sleep 2; done",
        );
        let everything = pods.clone();
        let (lookups, seen) = rounds(&pod, namespace(pods, owners, svc));
        let objects = lookups.objects(&pod);
        assert_eq!(
            resolve::closest_label_sets(&selector, &objects.pods, 3),
            resolve::closest_label_sets(&selector, &everything, 3),
            "{what}: the same closest label sets as from every pod"
        );
        let read: usize = lookups
            .answers
            .iter()
            .filter(|(ask, _)| !matches!(ask, Ask::PodsLabelled(..)))
            .map(|(_, got)| match got.as_deref() {
                Ok(Got::Pods(p)) => p.len(),
                _ => 0,
            })
            .sum();
        let bound = near::samples(&selector).len() * SAMPLE_PODS as usize
            + near::OWNER_SETS * OWNER_SET_PODS as usize;
        assert!(read <= bound, "{what}: {read} pods read, at most {bound}");
        assert!(seen.len() <= 4, "{what}: {seen:#?}");
    }
}

/// EndpointSlices of `service` naming `count` pods each, `ready` or not.
fn slices_naming(service: &str, slices: usize, count: usize, ready: bool) -> Vec<EndpointSlice> {
    (0..slices)
        .map(|s| {
            let endpoints: Vec<serde_json::Value> = (0..count)
                .map(|i| json!({"addresses": ["10.80.0.1"], "conditions": {"ready": ready},
                    "targetRef": {"kind": "Pod", "namespace": "shop", "name": format!("gone-{s}-{i}")}}))
                .collect();
            serde_json::from_value(json!({
                "metadata": {"name": format!("{service}-{s}"), "namespace": "shop",
                             "labels": {"kubernetes.io/service-name": service}},
                "addressType": "IPv4", "endpoints": endpoints
            }))
            .unwrap()
        })
        .collect()
}

#[test]
fn endpoint_slices_naming_thousands_of_pods_cost_the_pods_the_findings_show() {
    // slices, endpoints in each, ready, the pods looked up by name.
    let cases = [
        (5, 1_000, false, 5 * NOT_READY_LOOKED_UP),
        (1, 3, false, 3),
        (1, 1_000, true, READY_LOOKED_UP),
        (40, 1_000, true, REFERENCED_LOOKED_UP),
    ];
    for (count, each, ready, want) in cases {
        let pod = waiting("app", json!({}), "until nc -z many 80; do sleep 2; done");
        let (_, seen) = rounds(&pod, |ask| match ask {
            Ask::ServicesNamed(n) if n == "many" => {
                Got::Services(vec![service("shop", "many", json!({}))])
            }
            Ask::SlicesOf(n) if n == "many" => {
                Got::Slices(slices_naming("many", count, each, ready))
            }
            other => none(other),
        });
        let by_name = seen
            .iter()
            .flatten()
            .filter(|a| matches!(a, Ask::PodsFielded(_, f) if f.starts_with("metadata.name=")))
            .count();
        assert_eq!(by_name, want, "{count} slices of {each} (ready: {ready})");
    }
}
