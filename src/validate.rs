//! Names and selectors checked before anything is sent: a pod name (a DNS subdomain), a
//! namespace (a DNS label) and a label selector, as the API server would judge them, so that a
//! typo is refused locally (exit 2) with what a valid one looks like.

use crate::error::{Error, Result};
use crate::sanitize;

/// A pod name: at most 253 characters of `a-z`, `0-9`, `-` and `.`, starting and ending with an
/// alphanumeric.
pub fn pod_name(name: &str) -> Result<()> {
    if is_subdomain(name) {
        Ok(())
    } else {
        Err(invalid(
            "pod name",
            name,
            "lowercase letters, digits, '-' and '.', at most 253",
        ))
    }
}

/// A namespace: a DNS label, at most 63 characters of `a-z`, `0-9` and `-`.
pub fn namespace(name: &str) -> Result<()> {
    if is_label(name) {
        Ok(())
    } else {
        Err(invalid(
            "namespace",
            name,
            "lowercase letters, digits and '-', at most 63",
        ))
    }
}

/// A name read from cluster text (an owner reference, a Job or ConfigMap named in a command,
/// a namespace given to a tool) that is to be part of a request's path: a DNS subdomain (a
/// namespace: a DNS label). Such a name has nothing to escape — no `/`, `%`, `?`, `..` — so
/// it cannot change the request; anything else is "not a valid name", and never sent.
pub fn object_name_in_path(name: &str) -> bool {
    is_subdomain(name)
}

/// A namespace read from cluster text (see [`object_name_in_path`]).
pub fn namespace_in_path(name: &str) -> bool {
    is_label(name)
}

/// The error for a name from cluster text that is not valid: nothing is sent.
pub fn not_a_valid_name(what: &str, name: &str) -> Error {
    Error::Usage(format!(
        "{what} {:?} is not a valid name: no request was made",
        sanitize::line(name)
    ))
}

fn invalid(what: &str, name: &str, rule: &str) -> Error {
    Error::Usage(format!(
        "{what} {:?} is not valid: use {rule} characters, starting and ending with a letter or digit",
        sanitize::line(name)
    ))
}

fn is_label(s: &str) -> bool {
    s.len() <= 63 && is_part(s)
}

/// One dot-separated part of a DNS-1123 subdomain (of any length: only the total is bounded).
fn is_part(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
}

fn is_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_part)
}

/// A label selector, as `kubectl get -l` takes it: requirements separated by commas, each
/// `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)` or
/// `key notin (v1,v2)`.
pub fn label_selector(selector: &str) -> Result<()> {
    parse_selector(selector).map_err(|why| {
        Error::Usage(format!(
            "label selector {:?} is not valid: {why}; e.g. -l app=web,tier!=db or -l 'env in (prod,staging)'",
            sanitize::line(selector)
        ))
    })
}

fn parse_selector(selector: &str) -> std::result::Result<(), String> {
    if selector.trim().is_empty() {
        return Err("it is empty".into());
    }
    for requirement in split_requirements(selector)? {
        requirement_ok(requirement.trim())?;
    }
    Ok(())
}

/// Split at the commas that are not inside `( … )`.
fn split_requirements(selector: &str) -> std::result::Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            return Err("its parentheses do not match".into());
        }
    }
    if depth != 0 {
        return Err("its parentheses do not match".into());
    }
    parts.push(&selector[start..]);
    Ok(parts)
}

fn requirement_ok(req: &str) -> std::result::Result<(), String> {
    if req.is_empty() {
        return Err("it has an empty requirement".into());
    }
    if let Some(key) = req.strip_prefix('!') {
        return key_ok(key.trim());
    }
    for op in ["!=", "==", "="] {
        if let Some((key, value)) = req.split_once(op) {
            key_ok(key.trim())?;
            return value_ok(value.trim());
        }
    }
    for op in [" notin ", " in "] {
        if let Some((key, set)) = req.split_once(op) {
            key_ok(key.trim())?;
            let set = set.trim();
            let inner = set
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .ok_or_else(|| format!("{} needs a list in parentheses", op.trim()))?;
            for value in inner.split(',') {
                value_ok(value.trim())?;
            }
            return Ok(());
        }
    }
    key_ok(req)
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63
/// characters of alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric.
fn key_ok(key: &str) -> std::result::Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if prefix.is_some_and(|p| !is_subdomain(p)) {
        return Err(format!(
            "the key prefix of {:?} is not a DNS name",
            sanitize::line(key)
        ));
    }
    if name.is_empty() || !name_ok(name) {
        return Err(format!("{:?} is not a label key", sanitize::line(key)));
    }
    Ok(())
}

fn value_ok(value: &str) -> std::result::Result<(), String> {
    if value.is_empty() || name_ok(value) {
        Ok(())
    } else {
        Err(format!("{:?} is not a label value", sanitize::line(value)))
    }
}

fn name_ok(s: &str) -> bool {
    s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && s.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_judged_as_the_api_server_judges_them() {
        let cases = [
            ("web-0", true, true),
            ("web.v2", true, false),
            ("a", true, true),
            ("", false, false),
            ("Web", false, false),
            ("-web", false, false),
            ("web-", false, false),
            ("web_0", false, false),
            ("we b", false, false),
            ("web\x1b[2J", false, false),
            ("a..b", false, false),
            (&"a".repeat(64), true, false),
            (&"a".repeat(254), false, false),
        ];
        for (name, pod, ns) in cases {
            assert_eq!(pod_name(name).is_ok(), pod, "pod {name:?}");
            assert_eq!(namespace(name).is_ok(), ns, "namespace {name:?}");
        }
        let err = pod_name("bad\x1b]0;x").unwrap_err().to_string();
        assert!(!err.contains('\x1b'), "{err}");
    }

    proptest::proptest! {
        /// No selector or name makes the checks panic, and an error is one line.
        #[test]
        fn any_input_is_judged_without_panic(text in "\\PC{0,60}|[a-z=!(), ]{0,40}") {
            for err in [label_selector(&text).err(), pod_name(&text).err(), namespace(&text).err()].into_iter().flatten() {
                proptest::prop_assert!(!err.to_string().contains('\n'));
            }
        }
    }

    #[test]
    fn selectors_are_judged_as_kubectl_judges_them() {
        let cases = [
            ("app=web", true),
            ("app==web,tier!=db", true),
            ("app", true),
            ("!app", true),
            ("env in (prod, staging)", true),
            ("env notin (prod),app=web", true),
            ("example.com/app=web", true),
            ("app=", true),
            ("", false),
            ("app=(", false),
            ("app=web,", false),
            ("=web", false),
            ("app=we b", false),
            ("env in prod", false),
            ("env in (prod", false),
            ("a)b", false),
            ("Bad_Prefix!/x=y", false),
            ("app=web\x1b", false),
        ];
        for (selector, ok) in cases {
            assert_eq!(label_selector(selector).is_ok(), ok, "{selector:?}");
        }
    }
}
