//! The lookup planner at a namespace's scale: the closest label sets of a selector that matches
//! nothing, read from bounded samples, and EndpointSlices naming thousands of pods.

use super::*;

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
        // As many not-ready pods as the findings show, however many slices name them.
        (5, 1_000, false, NOT_READY_LOOKED_UP),
        (1, 3, false, 3),
        (1, 1_000, true, READY_LOOKED_UP),
        (40, 1_000, true, READY_LOOKED_UP),
    ];
    for (count, each, ready, want) in cases {
        let pod = waiting("app", json!({}), "until nc -z many 80; do sleep 2; done");
        let (_, seen) = rounds(&pod, |ask| match ask {
            Ask::ServicesNamed(n) if n == "many" => {
                Got::Services(vec![service("shop", "many", json!({}))])
            }
            Ask::SlicesOf(n) if n == "many" => {
                Got::Slices(shared_slices(slices_naming("many", count, each, ready)))
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
