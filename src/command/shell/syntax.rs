//! Why sh refuses a script, as sh words it and explained: the token it stopped at, what was
//! open, and a word that looks like a misspelt keyword (`donel` for `done`).

use super::lexer::{Lexer, Tok};
use super::{Ch, Reference, SyntaxError};
use crate::text::edit_distance;

/// Why the reader stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fault {
    /// `found` where the grammar does not allow it; `expecting` the reserved word it wanted.
    Unexpected {
        found: Found,
        expecting: Option<&'static str>,
    },
    /// The script ends inside a quote or a substitution: `what` it is, and sh's words.
    Unterminated { what: &'static str, sh: String },
    /// Compound commands nest deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// A token as an error names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Found {
    Word(String),
    /// A reserved word where no command may start with it (`done` with no loop open).
    Reserved(&'static str),
    Op(&'static str),
    Redirect(&'static str),
    Newline,
    Eof,
}

impl Found {
    pub(super) fn of(tok: &Tok) -> Found {
        match tok {
            Tok::Word(w, ..) => Found::Word(w.written.clone()),
            Tok::Op(op, _) => Found::Op(op),
            Tok::Redirect(r) => Found::Redirect(r),
            Tok::Newline => Found::Newline,
            Tok::Eof => Found::Eof,
        }
    }

    /// As sh names it: `word "x"`, `";;"`, `end of file`.
    pub(super) fn sh(&self) -> String {
        match self {
            Found::Word(w) => format!("word \"{w}\""),
            Found::Reserved(r) | Found::Op(r) => format!("\"{r}\""),
            Found::Redirect(r) => format!("redirection \"{r}\""),
            Found::Newline => "newline".into(),
            Found::Eof => "end of file".into(),
        }
    }

    /// As the explanation names it.
    pub(super) fn plain(&self) -> String {
        match self {
            Found::Word(w) => format!("`{w}`"),
            Found::Reserved(r) | Found::Op(r) => format!("`{r}`"),
            Found::Redirect(r) => format!("the redirection `{r}`"),
            Found::Newline => "a line break".into(),
            Found::Eof => "the end of the script".into(),
        }
    }

    /// A token that can only close something.
    pub(super) fn closes(&self) -> bool {
        matches!(
            self,
            Found::Reserved("then" | "do" | "done" | "fi" | "elif" | "else" | "esac" | "}" | "in")
                | Found::Op(")" | ";;")
        )
    }
}

impl Fault {
    pub(super) fn unexpected(tok: &Tok) -> Fault {
        Fault::Unexpected {
            found: Found::of(tok),
            expecting: None,
        }
    }

    /// As sh says it.
    pub(super) fn sh(&self) -> String {
        match self {
            Fault::Unexpected { found, expecting } => match expecting {
                Some(word) => format!("unexpected {} (expecting \"{word}\")", found.sh()),
                None => format!("unexpected {}", found.sh()),
            },
            Fault::Unterminated { sh, .. } => sh.clone(),
            Fault::TooDeep => "the script nests too deeply to read".into(),
        }
    }
}

/// A compound command still open where the reader is: `if`, expecting `then`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Open {
    pub(super) opener: &'static str,
    pub(super) expects: &'static str,
    /// How many command words were seen before it opened.
    pub(super) words: usize,
}

/// What `for` expects first.
pub(super) const A_NAME: &str = "a variable name";

pub(super) fn syntax_error(
    fault: Fault,
    open: Option<&Open>,
    words_seen: &[String],
) -> SyntaxError {
    let message = fault.sh();
    let mut suspect = None;
    let explanation = match fault {
        Fault::Unterminated { what, .. } => format!("the script has an unterminated {what}"),
        Fault::TooDeep => message.clone(),
        Fault::Unexpected {
            found: Found::Eof,
            expecting,
        } => match open {
            Some(open) if expecting.is_some() || open.expects == A_NAME => {
                let expected = expecting.unwrap_or(open.expects);
                // The last command word since it opened that looks like the keyword.
                suspect = words_seen[open.words.min(words_seen.len())..]
                    .iter()
                    .rev()
                    .find(|w| looks_like(w, expected))
                    .map(|w| (w.clone(), expected.to_string()));
                let typo = match &suspect {
                    Some((word, keyword)) => {
                        format!(" (`{word}` looks like a typo of `{keyword}`)")
                    }
                    None => String::new(),
                };
                format!(
                    "the `{}` is never closed: the shell reaches the end of the script still expecting `{expected}`{typo}",
                    open.opener
                )
            }
            _ => "the script ends where the shell expects a command".into(),
        },
        Fault::Unexpected {
            found,
            expecting: Some(expected),
        } if !found.closes() => {
            if let Found::Word(w) = &found
                && looks_like(w, expected)
            {
                suspect = Some((w.clone(), expected.to_string()));
            }
            format!("{} is where the shell expects `{expected}`", found.plain())
        }
        Fault::Unexpected { found, .. } if found.closes() => match open {
            Some(open) => format!(
                "{} is unexpected here: the shell expects `{}` to close the `{}` first",
                found.plain(),
                open.expects,
                open.opener
            ),
            None => format!(
                "{} is unexpected here: nothing open for it to close",
                found.plain()
            ),
        },
        Fault::Unexpected {
            found: found @ Found::Op(";" | "&" | "&&" | "||" | "|"),
            ..
        } => format!(
            "{} is unexpected here: the shell expects a command before it",
            found.plain()
        ),
        Fault::Unexpected { found, .. } => format!("{} is unexpected here", found.plain()),
    };
    SyntaxError {
        message,
        explanation,
        suspect,
    }
}

/// After [`Fault::TooDeep`], the one verdict that needs no nesting: more `(` than `)`.
pub(super) fn skim(chars: &[Ch], refs: &[Reference]) -> Option<SyntaxError> {
    let mut lx = Lexer::new(chars, refs, 0);
    let mut balance = 0isize;
    let mut heredoc = None;
    loop {
        let tok = match lx.next_tok() {
            Ok(tok) => tok,
            Err(fault) => return (!lx.unsure).then(|| syntax_error(fault, None, &[])),
        };
        match tok {
            Tok::Eof => break,
            Tok::Op("(", _) => balance += 1,
            Tok::Op(")", _) => balance -= 1,
            Tok::Redirect(kind) if kind.starts_with("<<") => {
                heredoc = Some(kind == "<<-");
                continue;
            }
            Tok::Word(w, ..) => {
                if let Some(strip) = heredoc {
                    let delim = w.literal().unwrap_or_else(|| w.written.clone());
                    lx.heredocs.push((delim, strip, usize::MAX, false));
                }
            }
            _ => {}
        }
        heredoc = None;
    }
    let open = Open {
        opener: "(",
        expects: ")",
        words: 0,
    };
    let fault = Fault::Unexpected {
        found: Found::Eof,
        expecting: Some(")"),
    };
    (balance > 0 && !lx.unsure).then(|| syntax_error(fault, Some(&open), &[]))
}

/// True when `word` is a plausible misspelling of `keyword`: one edit away, or the keyword with
/// a letter or two stuck on (`donel`, `done;;`).
pub(super) fn looks_like(word: &str, keyword: &str) -> bool {
    if word == keyword || !keyword.chars().all(|c| c.is_ascii_alphabetic()) || word.len() < 2 {
        return false;
    }
    let short_slip =
        keyword.len() == 2 && word.len() == 2 && word.chars().next() == keyword.chars().next();
    (word.starts_with(keyword) && word.len() <= keyword.len() + 2)
        || (keyword.len() >= 3 && edit_distance(word, keyword) == 1)
        || short_slip
}
