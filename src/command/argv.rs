//! A container's argv before any shell reads it: each element one word (every character
//! literal, the unknowns Kubernetes left in it kept), which shell runs which script
//! (`sh -c SCRIPT`, `bash -ec SCRIPT`), and what only bash expands (`{1..100}`).

use super::line::basename;
use super::plumbing::SHELLS;
use crate::command::expand::{self, Chars, Value};
use crate::command::shell::{Piece, Word};

/// A word made of one argv element (no shell: every character is literal).
pub(super) fn word_of(chars: &Chars) -> Word {
    let mut pieces: Vec<Piece> = Vec::new();
    for ch in &chars.chars {
        let unknown = (ch.c == expand::UNKNOWN)
            .then(|| ch.origin.and_then(|i| chars.refs.get(i)))
            .flatten()
            .and_then(|r| match &r.value {
                Value::Unknown(u) => Some(u.clone()),
                Value::Known { .. } => None,
            });
        match unknown {
            Some(u) => pieces.push(Piece::Unknown(u)),
            None => match pieces.last_mut() {
                Some(Piece::Text(t)) => t.push(ch.c),
                _ => pieces.push(Piece::Text(ch.c.to_string())),
            },
        }
    }
    let mut notes: Vec<String> = Vec::new();
    for r in &chars.refs {
        if let Value::Known { note: Some(n), .. } = &r.value
            && !notes.contains(n)
        {
            notes.push(n.clone());
        }
    }
    Word {
        pieces,
        written: chars.written(0, chars.chars.len()),
        quoted: true,
        notes,
    }
}
/// `sh -c SCRIPT`, `bash -ec SCRIPT`, `/bin/sh -c -- SCRIPT`: the shell and the script's index.
pub(super) fn shell_script(words: &[Word]) -> Option<(String, usize)> {
    let first = words.first()?.literal()?;
    let name = basename(&first);
    if !SHELLS.contains(&name.as_str()) {
        return None;
    }
    let mut i = 1;
    let mut has_c = false;
    while let Some(w) = words.get(i) {
        let Some(text) = w.literal() else {
            break;
        };
        if text == "--" {
            i += 1;
            break;
        }
        if text.starts_with('-') || text.starts_with('+') {
            if text.starts_with('-') && !text.starts_with("--") && text.contains('c') {
                has_c = true;
            }
            if text == "-o" || text == "+o" {
                i += 1;
            }
            i += 1;
            continue;
        }
        break;
    }
    (has_c && i < words.len()).then_some((name, i))
}

/// `{1..100}`: bash expands it; sh leaves it as one word.
pub(super) fn has_brace_range(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        if let Some(end) = after.find('}') {
            let inner = &after[..end];
            if let Some((a, b)) = inner.split_once("..")
                && !a.is_empty()
                && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && b.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return true;
            }
        }
        rest = after;
    }
    false
}
