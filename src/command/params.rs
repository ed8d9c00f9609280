//! Parameter expansions beyond sh's that the wait scripts of charts use: bash's arrays spread
//! into words (`"${a[@]}"`, none for an empty array), `${NAME//TEXT/WITH}`, and a
//! `${NAME:-WORD}` default that is a message for the script's reader rather than a value
//! (`${1:-?missing zookeeper}`, meant as `${1:?…}`).

use super::expand::{EnvTable, Unknown, Value};
use super::script::ELEMENTS;
use super::shell::{Piece, Word};

/// `words` with each word that is only `${NAME[@]}` (quoted or not) of a known array replaced
/// by one word per element; `None` when there is no such word.
pub(super) fn spread(words: &[Word], env: &EnvTable) -> Option<Vec<Word>> {
    if !words.iter().any(|w| elements(w, env).is_some()) {
        return None;
    }
    Some(
        words
            .iter()
            .flat_map(|w| match elements(w, env) {
                Some(texts) => texts
                    .into_iter()
                    .map(|t| Word {
                        pieces: vec![Piece::Text(t)],
                        quoted: true,
                        ..w.clone()
                    })
                    .collect(),
                None => vec![w.clone()],
            })
            .collect(),
    )
}

/// The elements of a word that is only `${NAME[@]}`, when the array is known.
fn elements(word: &Word, env: &EnvTable) -> Option<Vec<String>> {
    let [
        Piece::Param {
            name,
            default: None,
            ..
        },
    ] = word.pieces.as_slice()
    else {
        return None;
    };
    if !name.ends_with("[@]") {
        return None;
    }
    match env.shell(name) {
        Value::Known { text, .. } if text.is_empty() => Some(Vec::new()),
        Value::Known { text, .. } => Some(text.split(ELEMENTS).map(str::to_string).collect()),
        Value::Unknown(_) => None,
    }
}

/// A `${NAME:-WORD}` default that is a message, not a value: it starts with `?` (meant as
/// `${NAME:?message}`) or its text has a space.
pub(super) fn is_message(default: &Word) -> bool {
    let mut texts = default.pieces.iter().filter_map(|p| match p {
        Piece::Text(t) => Some(t.as_str()),
        _ => None,
    });
    matches!(default.pieces.first(), Some(Piece::Text(t)) if t.starts_with('?'))
        || texts.any(|t| t.contains(char::is_whitespace))
}

/// `${NAME:-MESSAGE}` where NAME is empty or unset: the value is empty (`Ok`, with a note for
/// the evidence) when NAME is known to be empty — set empty, or `$N` past the arguments of a
/// function call; unknown (`Err`) when NAME is unset (the image may set it).
pub(super) fn message_default(name: &str, env: &EnvTable) -> Result<String, Unknown> {
    match env.shell(name) {
        Value::Unknown(u @ Unknown::Unset { .. }) if !missing_argument(name, env) => Err(u),
        _ => Ok(format!(
            "the default of ${{{name}:-…}} is a message, not a value: ${name} is empty"
        )),
    }
}

/// `$N` past the arguments of the function being run (a call sets `$#`).
fn missing_argument(name: &str, env: &EnvTable) -> bool {
    name.chars().all(|c| c.is_ascii_digit()) && matches!(env.shell("#"), Value::Known { .. })
}

/// `${NAME//TEXT/WITH}` (`all`) or `${NAME/TEXT/WITH}` of `value`; `None` past `room` bytes,
/// which is known before anything is built.
pub(super) fn replaced(
    value: &str,
    text: &str,
    with: &str,
    all: bool,
    room: usize,
) -> Option<String> {
    let n = if all {
        value.matches(text).count()
    } else {
        usize::from(value.contains(text))
    };
    let size = value.len().saturating_add(n.saturating_mul(with.len()));
    (size <= room).then(|| value.replacen(text, with, n))
}
