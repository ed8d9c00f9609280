//! Where the closest label sets of a selector that matches nothing are looked for, without
//! reading every pod of the namespace. Pure: which bounded samples to ask for.
//!
//! A label set is close when it has some of the selector's pairs, or nearly has them (a value
//! or a key at most two edits away: [`resolve::score`]). The pods that can be close are found by
//! the API server's label selectors, one page each:
//!
//! - for each pair `k=v` of a selector of several pairs, the pods that have it (`k=v`);
//! - for each key, the pods that carry it with another value (`k,k!=v`): the value typos;
//! - the pod-template label sets of the namespace's owners (ReplicaSets, StatefulSets,
//!   DaemonSets, Jobs: tens of objects, their templates' labels only), scored like pods; for the
//!   [`OWNER_SETS`] closest, a few of the pods that carry them (`a=b,c=d,…`): the key typos, and
//!   the close pods that the first pages above did not reach.
//!
//! What this cannot see, and a list of every pod would: a pod without an owner whose labels
//! have a key typo only, and, in a namespace where more than [`SAMPLE_PODS`] pods carry a key, the
//! pods past the first page (the server lists them in name order).

use std::collections::BTreeMap;

use super::resolve;

/// How many pods one sample of pods sharing a pair or carrying a key reads (one page, names
/// and labels only).
pub const SAMPLE_PODS: u32 = 100;

/// How many pods carrying one of the owners' label sets are read (their names are the
/// evidence: the findings show three).
pub const OWNER_SET_PODS: u32 = 3;

/// How many of the owners' label sets closest to a selector are looked up.
pub const OWNER_SETS: usize = 3;

/// The label selectors of the samples for a selector of these pairs: `k=v` for each pair (when
/// there are several: one pair alone is the selector itself), `k,k!=v` for each key. Pairs that
/// are not a valid key and value are left out (the server would refuse the selector).
pub fn samples(pairs: &BTreeMap<String, String>) -> Vec<String> {
    let valid: Vec<(&String, &String)> = pairs
        .iter()
        .filter(|(k, v)| is_key(k) && is_value(v))
        .collect();
    let mut out = Vec::new();
    if valid.len() > 1 {
        out.extend(valid.iter().map(|(k, v)| format!("{k}={v}")));
    }
    out.extend(valid.iter().map(|(k, v)| format!("{k},{k}!={v}")));
    out
}

/// The selectors (`a=b,c=d`) of the owners' label sets closest to `pairs`, closest first, at
/// most [`OWNER_SETS`]: those with a pair of the selector or one nearly the same.
pub fn closest_owner_sets(
    pairs: &BTreeMap<String, String>,
    sets: &[BTreeMap<String, String>],
) -> Vec<String> {
    let mut scored: Vec<((usize, usize), String)> = sets
        .iter()
        .filter(|set| !set.is_empty() && set.iter().all(|(k, v)| is_key(k) && is_value(v)))
        .map(|set| (resolve::score(pairs, set), resolve::labels_text(set)))
        .filter(|((same, near), _)| same + near > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(OWNER_SETS)
        .map(|(_, text)| text)
        .collect()
}

/// A label key as the API server accepts it in a selector: `[prefix/]name`, each of the usual
/// characters.
fn is_key(text: &str) -> bool {
    let (prefix, name) = text.rsplit_once('/').unwrap_or(("", text));
    (prefix.is_empty() || prefix.len() <= 253 && prefix.chars().all(|c| word(c) && c != '_'))
        && !name.is_empty()
        && is_value(name)
}

/// A label value: at most 63 characters of letters, digits, `-`, `_`, `.` (empty is a value).
fn is_value(text: &str) -> bool {
    text.len() <= 63 && text.chars().all(word)
}

fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn the_samples_of_a_selector() {
        type Pairs<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Pairs, &[&str]); 4] = [
            (&[("app", "ghost")], &["app,app!=ghost"]),
            (
                &[("app", "api"), ("tier", "web")],
                &["app=api", "tier=web", "app,app!=api", "tier,tier!=web"],
            ),
            (
                &[("app.kubernetes.io/name", "db"), ("bad key", "x")],
                &["app.kubernetes.io/name,app.kubernetes.io/name!=db"],
            ),
            (&[], &[]),
        ];
        for (pairs, want) in cases {
            assert_eq!(samples(&map(pairs)), want, "{pairs:?}");
        }
    }

    #[test]
    fn the_owner_sets_closest_first_and_only_close_ones() {
        let selector = map(&[("app", "api"), ("tier", "web")]);
        let sets = [
            map(&[("app", "billing")]),
            map(&[("app", "apj"), ("tier", "wbe")]),
            map(&[
                ("app", "api"),
                ("tier", "db"),
                ("pod-template-hash", "5d8f"),
            ]),
            map(&[("ap", "api")]),
            map(&[
                ("app", "api"),
                ("tier", "db"),
                ("pod-template-hash", "5d8f"),
            ]),
            map(&[("app", "weird value")]),
        ];
        assert_eq!(
            closest_owner_sets(&selector, &sets),
            [
                "app=api,pod-template-hash=5d8f,tier=db",
                "app=apj,tier=wbe",
                "ap=api",
            ],
            "one same pair beats two near ones; duplicates once; far and unselectable sets out"
        );
        let many: Vec<BTreeMap<String, String>> = (0..10)
            .map(|i| map(&[("app", "api"), ("n", &i.to_string())]))
            .collect();
        assert_eq!(closest_owner_sets(&selector, &many).len(), OWNER_SETS);
    }

    #[test]
    fn keys_and_values_a_selector_accepts() {
        for (key, ok) in [
            ("app", true),
            ("app.kubernetes.io/name", true),
            ("a/b/c", false),
            ("", false),
            ("x/", false),
            ("a b", false),
        ] {
            assert_eq!(is_key(key), ok, "{key}");
        }
        assert!(is_value("") && is_value("v1.2_x-y") && !is_value("a,b"));
    }
}
