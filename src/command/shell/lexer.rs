//! The tokens of a script: words, operators, redirections, newlines; comments and
//! here-documents skipped.

use super::Word;
use super::syntax::Fault;
use crate::command::expand::{Ch, Reference};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    Word(Word, usize, usize),
    Op(&'static str, usize),
    Redirect(&'static str),
    Newline,
    Eof,
}

pub(super) struct Lexer<'a> {
    pub(super) chars: &'a [Ch],
    pub(super) refs: &'a [Reference],
    pub(super) pos: usize,
    /// Here-document delimiters waiting for the next newline: (delimiter, strip tabs, the
    /// index of the simple command it feeds, the delimiter quoted).
    pub(super) heredocs: Vec<(String, bool, usize, bool)>,
    /// The here-documents read: the command each feeds, where its body is in `chars`, and
    /// whether its delimiter was quoted.
    pub(super) bodies: Vec<(usize, std::ops::Range<usize>, bool)>,
    /// How deep `${X:-${Y:-…}}` defaults nest.
    pub(super) depth: usize,
    /// Met something some shell reads otherwise (see [`parse`]).
    pub(super) unsure: bool,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(chars: &'a [Ch], refs: &'a [Reference], depth: usize) -> Lexer<'a> {
        Lexer {
            chars,
            refs,
            pos: 0,
            heredocs: Vec::new(),
            bodies: Vec::new(),
            depth,
            unsure: false,
        }
    }

    pub(super) fn peek_c(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).map(|c| c.c)
    }

    pub(super) fn next_tok(&mut self) -> Result<Tok, Fault> {
        loop {
            match self.peek_c(0) {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.peek_c(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while let Some(c) = self.peek_c(0) {
                        if c == '\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let start = self.pos;
        let Some(c) = self.peek_c(0) else {
            return Ok(Tok::Eof);
        };
        let two = (c, self.peek_c(1).unwrap_or('\0'));
        let op = |lx: &mut Self, s: &'static str| {
            lx.pos += s.chars().count();
            Ok(Tok::Op(s, start))
        };
        // bash's `|&`, `;&` and `;;&`: sh refuses them, bash does not.
        if matches!(two, ('|' | ';', '&')) || (two == (';', ';') && self.peek_c(2) == Some('&')) {
            self.unsure = true;
        }
        match two {
            ('\n', _) => {
                self.pos += 1;
                self.skip_heredocs();
                Ok(Tok::Newline)
            }
            ('&', '&') => op(self, "&&"),
            ('|', '|') => op(self, "||"),
            (';', ';') => op(self, ";;"),
            ('&', '>') => {
                self.pos += 2;
                if self.peek_c(0) == Some('>') {
                    self.pos += 1;
                }
                Ok(Tok::Redirect(">"))
            }
            (';', _) => op(self, ";"),
            ('&', _) => op(self, "&"),
            ('|', _) => op(self, "|"),
            ('(', _) => op(self, "("),
            (')', _) => op(self, ")"),
            ('<' | '>', _) => Ok(self.redirect()),
            (d, '<' | '>') if d.is_ascii_digit() => {
                self.pos += 1;
                Ok(self.redirect())
            }
            _ => {
                let word = self.word(false)?;
                Ok(Tok::Word(word, start, self.pos))
            }
        }
    }

    pub(super) fn redirect(&mut self) -> Tok {
        let c = self.peek_c(0).unwrap_or('>');
        self.pos += 1;
        let next = self.peek_c(0);
        // bash's process substitution `<(…)` and here-string `<<<`.
        if next == Some('(') || (c == '<' && next == Some('<') && self.peek_c(1) == Some('<')) {
            self.unsure = true;
        }
        if c == '<' && next == Some('<') {
            self.pos += 1;
            // A here-string's word is its input, not a here-document's delimiter.
            if self.peek_c(0) == Some('<') {
                self.pos += 1;
                return Tok::Redirect("<");
            }
            if self.peek_c(0) == Some('-') {
                self.pos += 1;
                return Tok::Redirect("<<-");
            }
            return Tok::Redirect("<<");
        }
        if matches!(next, Some('>' | '&' | '|')) {
            self.pos += 1;
            if self.peek_c(0) == Some('(') {
                self.unsure = true;
            }
        }
        Tok::Redirect(if c == '<' { "<" } else { ">" })
    }

    pub(super) fn skip_heredocs(&mut self) {
        let pending = std::mem::take(&mut self.heredocs);
        for (delim, strip, owner, quoted) in pending {
            let body_start = self.pos;
            loop {
                if self.pos >= self.chars.len() {
                    return;
                }
                let line_start = self.pos;
                while let Some(c) = self.peek_c(0) {
                    self.pos += 1;
                    if c == '\n' {
                        break;
                    }
                }
                let line: String = self.chars[line_start..self.pos]
                    .iter()
                    .map(|c| c.c)
                    .collect();
                let line = line.trim_end_matches('\n');
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if line == delim {
                    self.bodies.push((owner, body_start..line_start, quoted));
                    break;
                }
            }
        }
    }
}
