//! One word of a script: its quoting, `$VAR`, `${VAR:-default}`, `$(…)` and backquotes, and
//! how it was written.

use super::lexer::Lexer;
use super::syntax::Fault;
use super::{MAX_DEPTH, Piece, Trim, Word};
use crate::command::expand::{Ch, Reference, UNKNOWN, Value};

impl Lexer<'_> {
    pub(super) fn note(&self, word: &mut Word, last: &mut Option<usize>, at: usize) {
        let Some(ch) = self.chars.get(at) else {
            return;
        };
        match ch.origin {
            Some(i) => {
                if *last != Some(i)
                    && let Some(r) = self.refs.get(i)
                {
                    word.written.push_str(&r.written);
                    if let Value::Known { note: Some(n), .. } = &r.value
                        && !word.notes.contains(n)
                    {
                        word.notes.push(n.clone());
                    }
                }
                *last = Some(i);
            }
            None => {
                word.written.push(ch.c);
                *last = None;
            }
        }
    }

    pub(super) fn note_range(
        &self,
        word: &mut Word,
        last: &mut Option<usize>,
        from: usize,
        to: usize,
    ) {
        for at in from..to {
            self.note(word, last, at);
        }
    }

    pub(super) fn text(&self, from: usize, to: usize) -> String {
        self.chars[from.min(self.chars.len())..to.min(self.chars.len())]
            .iter()
            .map(|c| c.c)
            .collect()
    }

    /// One word; `whole` reads to the end of the input (a `${X:-…}` default) without splitting.
    pub(super) fn word(&mut self, whole: bool) -> Result<Word, Fault> {
        let mut w = Word::default();
        let mut last = None;
        let mut in_dq = false;
        while let Some(ch) = self.chars.get(self.pos).copied() {
            let c = ch.c;
            if !in_dq
                && !whole
                && matches!(
                    c,
                    ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
                )
            {
                break;
            }
            match c {
                '\\' => {
                    let next = self.peek_c(1);
                    if next == Some('\n') {
                        self.pos += 2;
                        continue;
                    }
                    w.quoted = true;
                    match next {
                        Some(n) if !in_dq || matches!(n, '$' | '`' | '"' | '\\') => {
                            self.note(&mut w, &mut last, self.pos + 1);
                            w.push_char(n);
                            self.pos += 2;
                        }
                        Some(_) => {
                            self.note(&mut w, &mut last, self.pos);
                            w.push_char('\\');
                            self.pos += 1;
                        }
                        None => {
                            self.pos += 1;
                        }
                    }
                }
                '\'' if !in_dq => {
                    w.quoted = true;
                    self.pos += 1;
                    loop {
                        match self.chars.get(self.pos).copied() {
                            None => return Err(unterminated("single quote (')")),
                            Some(Ch { c: '\'', .. }) => {
                                self.pos += 1;
                                break;
                            }
                            Some(ch) => {
                                self.note(&mut w, &mut last, self.pos);
                                self.literal(&mut w, ch);
                                self.pos += 1;
                            }
                        }
                    }
                }
                '"' => {
                    w.quoted = true;
                    in_dq = !in_dq;
                    self.pos += 1;
                }
                '$' => self.dollar(&mut w, &mut last, in_dq)?,
                '`' => {
                    let start = self.pos;
                    self.pos += 1;
                    let inner_start = self.pos;
                    loop {
                        match self.peek_c(0) {
                            None => return Err(unterminated("backquote (`)")),
                            Some('\\') => self.pos += 2,
                            Some('`') => break,
                            Some(_) => self.pos += 1,
                        }
                    }
                    let inner = self.text(inner_start, self.pos);
                    self.pos += 1;
                    let before = w.written.len();
                    self.note_range(&mut w, &mut last, start, self.pos);
                    let written = w.written[before..].to_string();
                    w.pieces.push(Piece::Subst { inner, written });
                }
                _ => {
                    self.note(&mut w, &mut last, self.pos);
                    self.literal(&mut w, ch);
                    self.pos += 1;
                }
            }
        }
        if in_dq {
            return Err(unterminated("double quote (\")"));
        }
        Ok(w)
    }

    pub(super) fn literal(&self, w: &mut Word, ch: Ch) {
        if ch.c == UNKNOWN
            && let Some(Reference {
                value: Value::Unknown(u),
                ..
            }) = ch.origin.and_then(|i| self.refs.get(i))
        {
            w.pieces.push(Piece::Unknown(u.clone()));
            return;
        }
        w.push_char(ch.c);
    }

    pub(super) fn dollar(
        &mut self,
        w: &mut Word,
        last: &mut Option<usize>,
        in_dq: bool,
    ) -> Result<(), Fault> {
        let start = self.pos;
        let before = w.written.len();
        let next = self.peek_c(1);
        let piece = match next {
            Some('{') => {
                let close = self.find_close(self.pos + 2, '{', in_dq)?;
                let inner_start = self.pos + 2;
                self.pos = close + 1;
                self.note_range(w, last, start, self.pos);
                let written = w.written[before..].to_string();
                self.param(inner_start, close, written)?
            }
            Some('(') if self.peek_c(2) == Some('(') => {
                let close = self.find_close(self.pos + 2, '(', in_dq)?;
                self.pos = close + 1;
                self.note_range(w, last, start, self.pos);
                Piece::Dynamic {
                    written: w.written[before..].to_string(),
                }
            }
            Some('(') => {
                let close = self.find_close(self.pos + 2, ')', in_dq)?;
                let inner = self.text(self.pos + 2, close);
                self.pos = close + 1;
                self.note_range(w, last, start, self.pos);
                Piece::Subst {
                    inner,
                    written: w.written[before..].to_string(),
                }
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut end = self.pos + 1;
                while self
                    .chars
                    .get(end)
                    .is_some_and(|c| c.c.is_ascii_alphanumeric() || c.c == '_')
                {
                    end += 1;
                }
                let name = self.text(self.pos + 1, end);
                self.pos = end;
                self.note_range(w, last, start, self.pos);
                Piece::Param {
                    name,
                    default: None,
                    colon: false,
                    written: w.written[before..].to_string(),
                }
            }
            Some(c) if c.is_ascii_digit() => {
                // `$1`: a positional parameter (a function's argument).
                self.pos += 2;
                self.note_range(w, last, start, self.pos);
                Piece::Param {
                    name: c.to_string(),
                    default: None,
                    colon: false,
                    written: w.written[before..].to_string(),
                }
            }
            Some(c) if "?$!#@*-".contains(c) => {
                self.pos += 2;
                self.note_range(w, last, start, self.pos);
                Piece::Dynamic {
                    written: w.written[before..].to_string(),
                }
            }
            _ => {
                // bash's `$'…'` (sh reads `$` then a quote).
                if next == Some('\'') && !in_dq {
                    self.unsure = true;
                }
                self.note(w, last, self.pos);
                self.pos += 1;
                w.push_char('$');
                return Ok(());
            }
        };
        w.pieces.push(piece);
        Ok(())
    }

    /// `${…}` contents between `from` and `to`.
    pub(super) fn param(
        &mut self,
        from: usize,
        to: usize,
        written: String,
    ) -> Result<Piece, Fault> {
        let inner = self.text(from, to);
        let name_len = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        let name: String = inner.chars().take(name_len).collect();
        // A name, or a positional parameter (`${1}`, `${10:-x}`).
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            || (!name.is_empty() && name.chars().all(|c| c.is_ascii_digit()));
        if !valid {
            return Ok(Piece::Dynamic { written });
        }
        let rest: String = inner.chars().skip(name_len).collect();
        // bash's `${NAME[@]}`: all of an array's elements (see [`super::Frame`]).
        if rest == "[@]" || rest == "[*]" {
            return Ok(Piece::Param {
                name: format!("{name}[@]"),
                default: None,
                colon: false,
                written,
            });
        }
        // `${NAME:?message}`: the value, or the shell stops with the message.
        if rest.starts_with(":?") || rest.starts_with('?') {
            return Ok(Piece::Param {
                name,
                default: None,
                colon: false,
                written,
            });
        }
        if rest.is_empty() {
            return Ok(Piece::Param {
                name,
                default: None,
                colon: false,
                written,
            });
        }
        for (op, trim) in [
            ("%%", Trim::LongestSuffix),
            ("%", Trim::Suffix),
            ("##", Trim::LongestPrefix),
            ("#", Trim::Prefix),
        ] {
            if let Some(pattern) = rest.strip_prefix(op) {
                if pattern.contains(['$', '`', '\\', '"', '\'']) {
                    return Ok(Piece::Dynamic { written });
                }
                return Ok(Piece::Trim {
                    name,
                    trim,
                    pattern: pattern.to_string(),
                    written,
                });
            }
        }
        if let Some(spec) = rest.strip_prefix('/') {
            let (all, spec) = match spec.strip_prefix('/') {
                Some(s) => (true, s),
                None => (false, spec),
            };
            let (text, with) = spec.split_once('/').unwrap_or((spec, ""));
            let literal = |t: &str| !t.contains(['$', '`', '\\', '"', '\'', '*', '?', '[']);
            if text.is_empty() || text.starts_with(['#', '%']) || !literal(text) || !literal(with) {
                return Ok(Piece::Dynamic { written });
            }
            return Ok(Piece::Replace {
                name,
                text: text.to_string(),
                with: with.to_string(),
                all,
                written,
            });
        }
        let (colon, op_len) = if rest.starts_with(":-") || rest.starts_with(":=") {
            (true, 2)
        } else if rest.starts_with('-') || rest.starts_with('=') {
            (false, 1)
        } else {
            return Ok(Piece::Dynamic { written });
        };
        if self.depth >= MAX_DEPTH {
            return Ok(Piece::Dynamic { written });
        }
        let mut sub = Lexer::new(
            &self.chars[from + name_len + op_len..to],
            self.refs,
            self.depth + 1,
        );
        let default = sub.word(true);
        self.unsure |= sub.unsure;
        let default = default?;
        Ok(Piece::Param {
            name,
            default: Some(Box::new(default)),
            colon,
            written,
        })
    }

    /// The index of the bracket closing a `${`, `$((` or `$(` whose last character is just
    /// before `from`: `{` for `${`, `(` for `$((` (its second parenthesis is at `from`), `)` for
    /// `$(`, whose inside is a script read only to find its end. Quotes, backquotes and nested
    /// `$(…)`/`${…}` are skipped as sh skips them.
    pub(super) fn find_close(
        &mut self,
        from: usize,
        kind: char,
        in_dq: bool,
    ) -> Result<usize, Fault> {
        self.find_close_at(from, kind, in_dq, 0)
    }

    pub(super) fn find_close_at(
        &mut self,
        from: usize,
        kind: char,
        in_dq: bool,
        nesting: usize,
    ) -> Result<usize, Fault> {
        let (close, what) = match kind {
            '{' => ('}', "parameter expansion ${…}"),
            '(' => (')', "arithmetic expansion $((…))"),
            _ => (')', "command substitution $(…)"),
        };
        let script = kind == ')';
        let mut depth = 0usize;
        let mut i = from;
        let mut quote: Option<char> = None;
        let char_at = |lx: &Self, at: usize| lx.chars.get(at).map(|c| c.c);
        while let Some(c) = char_at(self, i) {
            let next = char_at(self, i + 1);
            match (quote, c) {
                (Some('\''), '\'') => quote = None,
                (Some('\''), _) => {}
                (_, '\\') => i += 1,
                (Some(_), '"') => quote = None,
                (_, '$') if matches!(next, Some('(' | '{')) => {
                    if nesting >= MAX_DEPTH {
                        self.unsure = true;
                    } else {
                        let inner = if next == Some('{') {
                            '{'
                        } else if char_at(self, i + 2) == Some('(') {
                            '('
                        } else {
                            ')'
                        };
                        let dq = quote.is_some() || (in_dq && kind == '{');
                        i = self.find_close_at(i + 2, inner, dq, nesting + 1)?;
                    }
                }
                (_, '`') => {
                    i += 1;
                    while let Some(b) = char_at(self, i) {
                        match b {
                            '\\' => i += 1,
                            '`' => break,
                            _ => {}
                        }
                        i += 1;
                    }
                }
                (Some(_), _) => {}
                (None, _) => {
                    // A `case` pattern's `)`, a comment or a here-document inside `$(…)`
                    // fool the count; so does bash's `$'…'`; inside `"${…}"`, dash reads `'`
                    // as a letter, bash as a quote; quotes inside `$((…))` differ too.
                    if script
                        && (self.word_at(i, "case")
                            || self.word_at(i, "#")
                            || (c == '<' && next == Some('<')))
                        || (c == '\'' && i > 0 && char_at(self, i - 1) == Some('$'))
                        || (in_dq && kind == '{' && c == '\'')
                        || (kind == '(' && (c == '\'' || c == '"'))
                    {
                        self.unsure = true;
                    }
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                    } else if c == '(' && kind != '{' {
                        depth += 1;
                    } else if c == close {
                        if depth == 0 {
                            return Ok(i);
                        }
                        depth -= 1;
                    }
                }
            }
            i += 1;
        }
        Err(Fault::Unterminated {
            what,
            sh: format!("unexpected end of file (expecting \"{close}\")"),
        })
    }

    /// True when `word` starts a word at `at` (`case`, `#`).
    pub(super) fn word_at(&self, at: usize, word: &str) -> bool {
        let starts = at == 0
            || self
                .chars
                .get(at - 1)
                .is_some_and(|p| p.c.is_whitespace() || "();&|".contains(p.c));
        let mut end = at;
        for w in word.chars() {
            if self.chars.get(end).map(|c| c.c) != Some(w) {
                return false;
            }
            end += 1;
        }
        let ends = word == "#"
            || self
                .chars
                .get(end)
                .is_none_or(|n| n.c.is_whitespace() || ";&|()".contains(n.c));
        starts && ends
    }
}

/// The script ends inside a quote.
pub(super) fn unterminated(what: &'static str) -> Fault {
    Fault::Unterminated {
        what,
        sh: "unterminated quoted string".into(),
    }
}
