//! A word's value: each piece of a shell word (text, `$NAME`, `${NAME%…}`, `${NAME/…/…}`,
//! `$(…)`) evaluated against the variables read so far, unknowns kept as markers in the text
//! (see [`super::args`]), every step charged to the reader's budget and every value capped in
//! size.

use super::args::{Arg, marker, marker_index};
use super::line::{Reader, namespace_read};
use super::params;
use crate::command::expand::{self, EnvTable, NAMESPACE_FILE, Unknown, Value};
use crate::command::shell::{Piece, Word};

/// How deep `$(…)` inside `$(…)` is evaluated (deeper, the output is not known).
const MAX_SUBST_NESTING: usize = 8;

impl Reader<'_> {
    pub(super) fn eval(&self, word: &Word, env: &EnvTable) -> Arg {
        let mut arg = Arg {
            written: word.written.clone(),
            notes: word.notes.clone(),
            ..Default::default()
        };
        self.eval_into(word, env, &mut arg, 0);
        arg
    }

    fn eval_into(&self, word: &Word, env: &EnvTable, arg: &mut Arg, depth: usize) {
        let push_unknown = |arg: &mut Arg, u: Unknown| {
            let i = match arg.unknowns.iter().position(|x| *x == u) {
                Some(i) => i,
                None => {
                    arg.unknowns.push(u);
                    arg.unknowns.len() - 1
                }
            };
            arg.text.push(marker(i));
        };
        // A value past the size cap is replaced by a marker: "too large to read".
        let fits = |arg: &Arg, text: &str| arg.text.len() + text.len() <= expand::MAX_VALUE;
        let too_large = |arg: &mut Arg, what: &str| {
            push_unknown(
                arg,
                Unknown::TooLarge {
                    var: what.to_string(),
                },
            );
        };
        for piece in &word.pieces {
            if !self.charge(1) {
                return;
            }
            match piece {
                Piece::Text(t) if !fits(arg, t) => too_large(arg, &word.written),
                Piece::Text(t) => arg.text.push_str(t),
                Piece::Unknown(u) => push_unknown(arg, u.clone()),
                Piece::Param { name, .. } if env.partial(name).is_some() => match env.partial(name)
                {
                    Some((text, _)) if !fits(arg, text) || !self.charge(text.len()) => {
                        too_large(arg, &format!("${name}"));
                    }
                    Some((text, unknowns)) => {
                        for c in text.chars() {
                            match marker_index(c).and_then(|i| unknowns.get(i)) {
                                Some(u) => push_unknown(arg, u.clone()),
                                None => arg.text.push(c),
                            }
                        }
                    }
                    None => {}
                },
                Piece::Param {
                    name,
                    default,
                    colon,
                    ..
                } => match env.shell(name) {
                    Value::Unknown(Unknown::Unset { .. })
                        if default.is_none()
                            && !name.starts_with(|c: char| !c.is_ascii_digit()) =>
                    {
                        // `$1` outside a function call: the script's own arguments.
                        push_unknown(
                            arg,
                            Unknown::Dynamic {
                                text: format!("${name}"),
                            },
                        );
                    }
                    Value::Known { text, .. } if !fits(arg, &text) => {
                        too_large(arg, &format!("${name}"));
                    }
                    Value::Known { text, note }
                        if !(*colon && text.is_empty() && default.is_some()) =>
                    {
                        self.charge(text.len());
                        arg.text
                            .push_str(&text.replace(super::script::ELEMENTS, " "));
                        if let Some(n) = note {
                            arg.notes.push(n);
                        }
                    }
                    // `${1:-?missing host}`: a message, not a value (see `params`).
                    Value::Known { .. } | Value::Unknown(Unknown::Unset { .. })
                        if default.as_deref().is_some_and(params::is_message) =>
                    {
                        match params::message_default(name, env) {
                            Ok(note) if !arg.notes.contains(&note) => arg.notes.push(note),
                            Ok(_) => {}
                            Err(u) => push_unknown(arg, u),
                        }
                    }
                    Value::Known { .. } | Value::Unknown(Unknown::Unset { .. })
                        if default.is_some() && depth < 8 =>
                    {
                        if let Some(d) = default {
                            self.eval_into(d, env, arg, depth + 1);
                        }
                    }
                    Value::Known { text, .. } => arg.text.push_str(&text),
                    Value::Unknown(u) => push_unknown(arg, u),
                },
                Piece::Trim {
                    name,
                    trim,
                    pattern,
                    written,
                } => match env.shell(name) {
                    Value::Known { text, note } => match trim.apply(&text, pattern, &self.steps) {
                        Some(t) if !fits(arg, &t) => too_large(arg, written),
                        Some(t) => {
                            arg.text.push_str(&t);
                            arg.notes.extend(note);
                        }
                        None => push_unknown(
                            arg,
                            Unknown::Dynamic {
                                text: written.clone(),
                            },
                        ),
                    },
                    Value::Unknown(u) => push_unknown(arg, u),
                },
                Piece::Replace {
                    name,
                    text,
                    with,
                    all,
                    written,
                } => match env.shell(name) {
                    Value::Known { text: value, note } => {
                        let room = expand::MAX_VALUE.saturating_sub(arg.text.len());
                        match params::replaced(&value, text, with, *all, room) {
                            Some(t) if self.charge(value.len()) => {
                                arg.text.push_str(&t);
                                arg.notes.extend(note);
                            }
                            _ => too_large(arg, written),
                        }
                    }
                    Value::Unknown(u) => push_unknown(arg, u),
                },
                Piece::Subst { inner, .. } => match self.subst_output(inner, env) {
                    Some(t) if !fits(arg, &t) => too_large(arg, &word.written),
                    Some(t) => arg.text.push_str(&t),
                    None if namespace_read(inner) => {
                        arg.text.push_str(self.namespace);
                        let note = format!(
                            "$(cat {NAMESPACE_FILE}) is the pod's namespace, {}",
                            self.namespace
                        );
                        if !arg.notes.contains(&note) {
                            arg.notes.push(note);
                        }
                    }
                    None => push_unknown(
                        arg,
                        Unknown::Command {
                            text: inner.trim().to_string(),
                        },
                    ),
                },
                Piece::Dynamic { written } => push_unknown(
                    arg,
                    Unknown::Dynamic {
                        text: written.clone(),
                    },
                ),
            }
        }
    }

    /// The output of `$(…)` when it is certain (see `output_of`), evaluated once, and at most
    /// [`MAX_SUBST_NESTING`] deep.
    fn subst_output(&self, inner: &str, env: &EnvTable) -> Option<String> {
        let depth = self.nesting.get();
        if depth >= MAX_SUBST_NESTING || !self.charge(inner.len()) {
            return None;
        }
        self.nesting.set(depth + 1);
        let out = self.output_of(inner, env);
        self.nesting.set(depth);
        out
    }
}
