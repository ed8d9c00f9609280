//! What is wrong with an image reference the kubelet refused as `InvalidImageName`, read by the
//! grammar of the references the runtimes parse (distribution's `reference` package: a domain,
//! lowercase path components, a tag of up to 128 word characters, `.` and `-`, a digest
//! `ALGORITHM:HEX`), so that the finding says which part to fix.

/// The first thing `image` breaks in the reference grammar, in a few words; `None` when it
/// parses (the kubelet refused it for a reason of its own).
pub fn problem(image: &str) -> Option<String> {
    if image.trim().is_empty() {
        return Some("the image is empty".into());
    }
    if image.chars().any(char::is_whitespace) {
        return Some("it contains whitespace".into());
    }
    if let Some((scheme, _)) = image.split_once("://") {
        return Some(if scheme.starts_with("docker") {
            format!(
                "it starts with {scheme}://, which is how a runtime reports a container's imageID in the pod's status, not an image reference: drop the prefix (REPOSITORY@sha256:DIGEST)"
            )
        } else {
            format!("an image reference has no scheme: drop {scheme}://")
        });
    }
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest
        && let Some(why) = digest_problem(digest)
    {
        return Some(why);
    }
    // A tag follows the last `:` after the last `/` (a `:` before it is a registry's port).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let ok = tag.len() <= 128
            && tag.chars().next().is_some_and(word)
            && tag.chars().all(|c| word(c) || c == '.' || c == '-');
        if !ok {
            return Some(format!(
                "its tag {tag:?} is not a tag (up to 128 letters, digits, _, . and -, not starting with . or -)"
            ));
        }
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Some("it has an empty path component (a leading, trailing or double /)".into());
    }
    // The first part is a registry when it has a `.` or `:` or is `localhost`.
    let first_is_domain =
        parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost");
    let path = if first_is_domain {
        &parts[1..]
    } else {
        &parts[..]
    };
    if let Some(p) = path
        .iter()
        .find(|p| p.chars().any(|c| c.is_ascii_uppercase()))
    {
        return Some(format!("repository names are lowercase, and {p:?} is not"));
    }
    let component = |p: &str| {
        p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && p.starts_with(|c: char| c.is_ascii_alphanumeric())
            && p.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    if let Some(p) = path.iter().find(|p| !component(p)) {
        return Some(format!(
            "{p:?} is not a repository name (lowercase letters, digits and . _ - between them)"
        ));
    }
    None
}

/// What is wrong with the digest after `@`, if anything.
fn digest_problem(digest: &str) -> Option<String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Some(format!(
            "its digest {digest:?} lacks the algorithm (sha256:HEX)"
        ));
    };
    let hex_ok = hex
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
    match algorithm {
        "sha256" if hex.len() == 64 && hex_ok => None,
        "sha256" => Some(format!(
            "its digest is not sha256 and 64 lowercase hex digits ({} given)",
            hex.len()
        )),
        "sha512" if hex.len() == 128 && hex_ok => None,
        _ => Some(format!("its digest {digest:?} is not ALGORITHM:HEX")),
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn each_part_of_a_reference_is_checked() {
        let sha = "96dfee085c076f74cf5f2b128266a0dfd86e4008c4c97783414d74a310de99b6";
        let cases: &[(String, Option<&str>)] = &[
            ("busybox".into(), None),
            ("busybox:1.36".into(), None),
            ("localhost:5000/team/app:v1.2_3".into(), None),
            (format!("scylladb/scylla-operator@sha256:{sha}"), None),
            (format!("r.example:443/a/b:1@sha256:{sha}"), None),
            (
                format!("docker-pullable://scylladb/scylla-operator@sha256:{sha}"),
                Some("imageID"),
            ),
            ("https://r.example/app:1".into(), Some("drop https://")),
            ("Team/App:1".into(), Some("\"Team\" is not")),
            ("R.Example.com/team/app:1".into(), None),
            ("app:v1 ".into(), Some("whitespace")),
            ("app:-bad".into(), Some("tag \"-bad\"")),
            ("app:".into(), Some("tag \"\"")),
            ("team//app".into(), Some("empty path component")),
            (
                "app@sha256:abc".into(),
                Some("64 lowercase hex digits (3 given)"),
            ),
            ("app@abc".into(), Some("lacks the algorithm")),
            (
                "team/app_/x".into(),
                Some("\"app_\" is not a repository name"),
            ),
            ("".into(), Some("empty")),
        ];
        for (image, want) in cases {
            let got = problem(image);
            match want {
                None => assert_eq!(got, None, "{image}"),
                Some(w) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(w)),
                    "{image}: {got:?}"
                ),
            }
        }
    }
}
