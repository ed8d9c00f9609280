//! Labels and names: selectors as kubectl reads them, the label sets closest to a selector, and
//! the names close enough to be a typo.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use crate::text::edit_distance;

/// True when every pair of `selector` is among `labels`.
pub fn selector_matches(
    selector: &BTreeMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// `a=b,c=d`.
pub fn labels_text(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The label sets of `pods` closest to `selector` (most matching pairs first), at most `max`.
/// Each distinct label set is scored once: the pods of one workload share theirs.
pub fn closest_label_sets(
    selector: &BTreeMap<String, String>,
    pods: &[Pod],
    max: usize,
) -> Vec<(String, String)> {
    let mut scores: BTreeMap<&BTreeMap<String, String>, (usize, usize)> = BTreeMap::new();
    let mut scored: Vec<(usize, usize, String, String)> = pods
        .iter()
        .filter_map(|p| {
            let labels = p.metadata.labels.as_ref()?;
            let (same, near) = *scores
                .entry(labels)
                .or_insert_with(|| score(selector, labels));
            (same + near > 0).then(|| {
                (
                    same,
                    near,
                    p.metadata.name.clone().unwrap_or_default(),
                    labels_text(labels),
                )
            })
        })
        .collect();
    scored.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then(a.2.cmp(&b.2)));
    scored
        .into_iter()
        .take(max)
        .map(|(_, _, name, labels)| (name, labels))
        .collect()
}

/// The `key=value` pairs of a selector's text (`a=b,c==d`), as the closest label sets score
/// them; requirements of other kinds (`!=`, `in`, existence) are not pairs and are left out.
pub fn selector_pairs(text: &str) -> BTreeMap<String, String> {
    text.split(',')
        .filter(|part| !part.contains("!="))
        .filter_map(|part| part.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_start_matches('=').trim().to_string(),
            )
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// How many pairs of `selector` a label set has, and how many it nearly has (a value or a key
/// at most 2 edits away).
pub fn score(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> (usize, usize) {
    let same = selector
        .iter()
        .filter(|(k, v)| labels.get(*k) == Some(*v))
        .count();
    let near = selector
        .iter()
        .filter(|(k, v)| {
            labels.get(*k).is_some_and(|l| within_two(l, v))
                || labels.iter().any(|(lk, lv)| lv == *v && within_two(lk, k))
        })
        .count();
    (same, near)
}

/// `edit_distance(a, b) <= 2`, without computing it when the lengths alone say no.
fn within_two(a: &str, b: &str) -> bool {
    a.len().abs_diff(b.len()) <= 2 * 4 // a character is at most 4 bytes
        && a.chars().count().abs_diff(b.chars().count()) <= 2
        && edit_distance(a, b) <= 2
}

/// Names among `candidates` close enough to `name` to be a typo of it, closest first.
pub fn near_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let len = name.chars().count();
    let limit = if len <= 4 { 1 } else { (len / 4).max(2) };
    let mut found: Vec<(usize, String)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let d = edit_distance(name, c);
            (d <= limit && !other_word(name, c, d)).then(|| (d, c.to_string()))
        })
        .collect();
    found.sort();
    found.dedup();
    found.into_iter().map(|(_, c)| c).collect()
}

/// True when `a` and `b` share a long prefix or suffix but differ in a word of their own
/// (`orders-postgresql` / `ledger-postgresql`): a different name, not a typo. What is left once
/// the common ends are removed is, on both sides, 4 characters or more and two thirds of it changed or more.
fn other_word(a: &str, b: &str, distance: usize) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (left, right) = (a.len() - prefix - suffix, b.len() - prefix - suffix);
    left.min(right) >= 4 && distance * 3 >= left.max(right) * 2
}

/// A label selector as kubectl accepts it (`a=b,c!=d,e in (x,y),!f,g`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl Selector {
    /// Parse a selector; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Selector> {
        let mut reqs = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            // Split at the next comma outside parentheses.
            let mut depth = 0i32;
            let mut cut = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ',' if depth == 0 => {
                        cut = i;
                        break;
                    }
                    _ => {}
                }
            }
            let part = rest[..cut].trim();
            rest = rest.get(cut + 1..).unwrap_or("").trim();
            if part.is_empty() {
                return None;
            }
            let values = |s: &str| -> Option<Vec<String>> {
                let inner = s.trim().strip_prefix('(')?.strip_suffix(')')?;
                Some(inner.split(',').map(|v| v.trim().to_string()).collect())
            };
            let req = if let Some(key) = part.strip_prefix('!') {
                Requirement::Absent(key.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==") {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once('=') {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), values(v)?)
            } else if let Some((k, v)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), values(v)?)
            } else if part.contains(char::is_whitespace) {
                return None;
            } else {
                Requirement::Exists(part.to_string())
            };
            reqs.push(req);
        }
        Some(Selector(reqs))
    }

    /// True when `labels` satisfy every requirement.
    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k));
        self.0.iter().all(|r| match r {
            Requirement::Eq(k, v) => get(k) == Some(v),
            Requirement::Ne(k, v) => get(k) != Some(v),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.contains(x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.contains(x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::Absent(k) => get(k).is_none(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, labels: &[(&str, &str)]) -> Pod {
        let mut pod = Pod::default();
        pod.metadata.name = Some(name.into());
        pod.metadata.labels = Some(
            labels
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        );
        pod
    }

    #[test]
    fn closest_label_sets_rank_matching_then_near_pairs_then_names() {
        let selector: BTreeMap<String, String> = [("app", "api"), ("tier", "web")]
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let pods = [
            pod("z-both-near", &[("app", "apj"), ("tier", "wbe")]),
            pod("b-one-same", &[("app", "api"), ("tier", "db")]),
            pod("a-one-same", &[("app", "api"), ("tier", "db")]),
            pod("far", &[("app", "billing"), ("tier", "batch")]),
            pod("near-key", &[("ap", "api")]),
            pod("unlabelled", &[]),
        ];
        let names: Vec<String> = closest_label_sets(&selector, &pods, 10)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        // Pods sharing a label set keep their own names (scored once, listed each).
        assert_eq!(
            names,
            ["a-one-same", "b-one-same", "z-both-near", "near-key"],
            "one same pair beats two near ones; a key 1 edit away is near"
        );
        assert_eq!(
            closest_label_sets(&selector, &pods, 1),
            [("a-one-same".to_string(), "app=api,tier=db".to_string())]
        );
        assert!(within_two("ghost", "ghos") && !within_two("ghost", "filler"));
        assert!(
            !within_two("a", "abcd"),
            "lengths 3 apart are 3 edits at least"
        );
    }
}
