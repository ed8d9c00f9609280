//! Text utilities shared by the readers and the resolvers: a leaf, it imports nothing of ours.

/// Levenshtein distance, on characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `text` in at most `max` characters (at least 16 are kept): when longer, its start, cut at a
/// word boundary when one is near, then a marker saying how much was cut
/// (`… [+131120 characters]`). Whatever the input, the work and the result are bounded.
pub fn cap(text: &str, max: usize) -> String {
    let max = max.max(16);
    // Fast path: fewer bytes than `max` means fewer characters.
    if text.len() <= max || text.chars().nth(max).is_none() {
        return text.to_string();
    }
    let total = text.chars().count();
    // Room for the marker: `… [+N characters]`.
    let marker_len = format!("… [+{total} characters]").chars().count();
    let keep = max.saturating_sub(marker_len).max(8);
    let mut head: String = text.chars().take(keep).collect();
    // Back to the last space when it is not too far (a word is not cut in two): within a third
    // of what is kept.
    if let Some(space) = head.rfind(char::is_whitespace)
        && head[space..].chars().count() <= (keep / 3).max(24)
        && space > 0
    {
        head.truncate(space);
    }
    let head = head.trim_end();
    let cut = total - head.chars().count();
    format!("{head}… [+{cut} characters]")
}

#[cfg(test)]
mod tests {
    use super::{cap, edit_distance};

    #[test]
    fn cap_keeps_short_text_and_says_how_much_was_cut() {
        assert_eq!(cap("short", 80), "short");
        let long = "x".repeat(131_185);
        let shown = cap(&long, 120);
        assert!(shown.chars().count() <= 120, "{shown}");
        assert!(shown.ends_with("characters]"), "{shown}");
        let kept = shown.chars().take_while(|c| *c == 'x').count();
        assert!(
            shown.contains(&format!("[+{} characters]", 131_185 - kept)),
            "{shown}"
        );
        // A word is not cut in two when a space is near.
        let words = "server can't find orders-db.shop.svc.cluster.local: NXDOMAIN ".repeat(10);
        let shown = cap(&words, 100);
        let head = shown.split('…').next().unwrap_or_default();
        assert!(words.starts_with(head), "{shown}");
        assert!(
            words[head.len()..].starts_with(' '),
            "cut at a space: {shown}"
        );
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("donel", "done"), 1);
    }
}
