//! A small POSIX shell reader: enough of `sh -c` / `bash -c` scripts to find the commands an
//! init container runs and the loop each one guards — never more. It never executes anything
//! and never panics (a property test feeds it arbitrary text).
//!
//! It reads words with their quoting and expansions (`$VAR`, `${VAR:-x}`, `$(…)`, backquotes),
//! operators (`;` `&&` `||` `|` `&`, newlines), redirections (dropped, here-documents skipped),
//! comments, and the compound commands `until`/`while`/`for`/`if`/`case`/`{ }`/`( )`. Each
//! simple command comes out with its [`Ctx`]: is it the condition of a loop or an `if`, negated,
//! inside a loop, last in its pipeline. A script sh would refuse (`donel` for `done`, an open
//! quote) yields a [`SyntaxError`] worded as sh words it.

use super::expand::{Ch, Reference, UNKNOWN, Unknown, Value};

/// How deep compound commands and substitutions may nest before the reader gives up.
const MAX_DEPTH: usize = 64;

/// One piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text (quotes removed).
    Text(String),
    /// A value Kubernetes substituted but that is not known here.
    Unknown(Unknown),
    /// `$NAME` or `${NAME…}`; `default` for `${NAME:-word}` / `${NAME-word}` / `:=` / `=`.
    Param {
        name: String,
        default: Option<Box<Word>>,
        /// `:-` (empty counts as unset) rather than `-`.
        colon: bool,
        written: String,
    },
    /// `$(…)` or a backquoted command.
    Subst { inner: String, written: String },
    /// `$1`, `$?`, `$((…))`, `${#X}`…: only known at run time.
    Dynamic { written: String },
}

/// A shell word: its pieces and how it was written (quotes removed, expansions kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    pub pieces: Vec<Piece>,
    pub written: String,
    /// Any part quoted or escaped (then it is never a reserved word).
    pub quoted: bool,
    /// Where the values Kubernetes substituted in it came from (ConfigMap keys, fields).
    pub notes: Vec<String>,
}

impl Word {
    /// The word when it is pure unquoted literal text (a reserved word, an operator name).
    pub fn plain(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [Piece::Text(t)] if !self.quoted => Some(t),
            _ => None,
        }
    }

    /// The literal text when the word has no expansion at all.
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                _ => return None,
            }
        }
        Some(out)
    }

    fn push_char(&mut self, c: char) {
        if let Some(Piece::Text(t)) = self.pieces.last_mut() {
            t.push(c);
        } else {
            self.pieces.push(Piece::Text(c.to_string()));
        }
    }
}

/// Which compound command's condition a command is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    Until,
    While,
    If,
}

/// The innermost loop around a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loop {
    Until,
    While,
    For,
}

/// Where a simple command sits in the script.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ctx {
    /// The condition it belongs to (innermost).
    pub guard: Option<Guard>,
    /// Preceded by `!`.
    pub negated: bool,
    /// The innermost loop around it (a loop's condition counts as inside it).
    pub in_loop: Option<Loop>,
    /// Last command of its pipeline: its exit status is the pipeline's.
    pub last_in_pipeline: bool,
    /// Followed by `|| …`: a failure is handled.
    pub or_else: bool,
}

/// One simple command: its words (assignments first), the text as written, its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    pub raw: String,
    pub ctx: Ctx,
}

/// Why sh would refuse the script: it exits 2 before running anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// As sh says it: `unexpected end of file (expecting "done")`.
    pub message: String,
    /// A word that looks like a misspelt keyword (`donel` for `done`).
    pub suspect: Option<(String, String)>,
}

/// What the reader found in a script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<SimpleCommand>,
    pub error: Option<SyntaxError>,
}

/// Read a script given as expanded characters (see [`super::expand`]).
pub fn parse(chars: &[Ch], refs: &[Reference]) -> Script {
    let mut parser = Parser {
        lx: Lexer {
            chars,
            refs,
            pos: 0,
            heredocs: Vec::new(),
            depth: 0,
        },
        peeked: None,
        commands: Vec::new(),
        depth: 0,
        words_seen: Vec::new(),
    };
    let error = parser.program().err().map(|message| {
        let suspect = suspect_keyword(&message, &parser.words_seen);
        SyntaxError { message, suspect }
    });
    Script {
        commands: parser.commands,
        error,
    }
}

/// Read a plain-text script (no Kubernetes references).
pub fn parse_text(text: &str) -> Script {
    let chars: Vec<Ch> = text.chars().map(|c| Ch { c, origin: None }).collect();
    parse(&chars, &[])
}

fn suspect_keyword(message: &str, words: &[String]) -> Option<(String, String)> {
    let expected = message.split('"').nth(1)?;
    words
        .iter()
        .rev()
        .find(|w| {
            w.as_str() != expected
                && super::resolve::edit_distance(w, expected) <= 2
                && w.len() >= 2
        })
        .map(|w| (w.clone(), expected.to_string()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(Word, usize, usize),
    Op(&'static str, usize),
    Redirect(&'static str),
    Newline,
    Eof,
}

struct Lexer<'a> {
    chars: &'a [Ch],
    refs: &'a [Reference],
    pos: usize,
    /// Here-document delimiters waiting for the next newline: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
    /// How deep `${X:-${Y:-…}}` defaults nest.
    depth: usize,
}

impl Lexer<'_> {
    fn peek_c(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).map(|c| c.c)
    }

    fn next_tok(&mut self) -> Result<Tok, String> {
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

    fn redirect(&mut self) -> Tok {
        let c = self.peek_c(0).unwrap_or('>');
        self.pos += 1;
        let next = self.peek_c(0);
        if c == '<' && next == Some('<') {
            self.pos += 1;
            if self.peek_c(0) == Some('-') {
                self.pos += 1;
                return Tok::Redirect("<<-");
            }
            return Tok::Redirect("<<");
        }
        if matches!(next, Some('>' | '&' | '|')) {
            self.pos += 1;
        }
        Tok::Redirect(if c == '<' { "<" } else { ">" })
    }

    fn skip_heredocs(&mut self) {
        let pending = std::mem::take(&mut self.heredocs);
        for (delim, strip) in pending {
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
                    break;
                }
            }
        }
    }

    fn note(&self, word: &mut Word, last: &mut Option<usize>, at: usize) {
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

    fn note_range(&self, word: &mut Word, last: &mut Option<usize>, from: usize, to: usize) {
        for at in from..to {
            self.note(word, last, at);
        }
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars[from.min(self.chars.len())..to.min(self.chars.len())]
            .iter()
            .map(|c| c.c)
            .collect()
    }

    /// One word; `whole` reads to the end of the input (a `${X:-…}` default) without splitting.
    fn word(&mut self, whole: bool) -> Result<Word, String> {
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
                            None => return Err("unterminated quoted string".into()),
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
                '$' => self.dollar(&mut w, &mut last)?,
                '`' => {
                    let start = self.pos;
                    self.pos += 1;
                    let inner_start = self.pos;
                    loop {
                        match self.peek_c(0) {
                            None => return Err("unterminated quoted string".into()),
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
            return Err("unterminated quoted string".into());
        }
        Ok(w)
    }

    fn literal(&self, w: &mut Word, ch: Ch) {
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

    fn dollar(&mut self, w: &mut Word, last: &mut Option<usize>) -> Result<(), String> {
        let start = self.pos;
        let before = w.written.len();
        let next = self.peek_c(1);
        let piece = match next {
            Some('{') => {
                let close = self.find_close(self.pos + 2, '{', '}')?;
                let inner_start = self.pos + 2;
                self.pos = close + 1;
                self.note_range(w, last, start, self.pos);
                let written = w.written[before..].to_string();
                self.param(inner_start, close, written)?
            }
            Some('(') if self.peek_c(2) == Some('(') => {
                let close = self.find_close(self.pos + 2, '(', ')')?;
                self.pos = (close + 2).min(self.chars.len());
                self.note_range(w, last, start, self.pos);
                Piece::Dynamic {
                    written: w.written[before..].to_string(),
                }
            }
            Some('(') => {
                let close = self.find_close(self.pos + 2, '(', ')')?;
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
            Some(c) if c.is_ascii_digit() || "?$!#@*-".contains(c) => {
                self.pos += 2;
                self.note_range(w, last, start, self.pos);
                Piece::Dynamic {
                    written: w.written[before..].to_string(),
                }
            }
            _ => {
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
    fn param(&self, from: usize, to: usize, written: String) -> Result<Piece, String> {
        let inner = self.text(from, to);
        let name_len = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        let name: String = inner.chars().take(name_len).collect();
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !valid {
            return Ok(Piece::Dynamic { written });
        }
        let rest: String = inner.chars().skip(name_len).collect();
        if rest.is_empty() {
            return Ok(Piece::Param {
                name,
                default: None,
                colon: false,
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
        let mut sub = Lexer {
            chars: &self.chars[from + name_len + op_len..to],
            refs: self.refs,
            pos: 0,
            heredocs: Vec::new(),
            depth: self.depth + 1,
        };
        let default = sub.word(true)?;
        Ok(Piece::Param {
            name,
            default: Some(Box::new(default)),
            colon,
            written,
        })
    }

    /// The index of the closer matching an opener already consumed, before `from`.
    fn find_close(&self, from: usize, open: char, close: char) -> Result<usize, String> {
        let mut depth = 0usize;
        let mut i = from;
        let mut quote: Option<char> = None;
        while let Some(ch) = self.chars.get(i) {
            let c = ch.c;
            match quote {
                Some('\'') => {
                    if c == '\'' {
                        quote = None;
                    }
                }
                Some(_) => {
                    if c == '\\' {
                        i += 1;
                    } else if c == '"' {
                        quote = None;
                    }
                }
                None => {
                    if c == '\\' {
                        i += 1;
                    } else if c == '\'' || c == '"' {
                        quote = Some(c);
                    } else if c == open {
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
        Err(format!("unexpected end of file (expecting \"{close}\")"))
    }
}

struct Parser<'a> {
    lx: Lexer<'a>,
    peeked: Option<Tok>,
    commands: Vec<SimpleCommand>,
    depth: usize,
    /// Unquoted command words seen, to spot a misspelt keyword.
    words_seen: Vec<String>,
}

const RESERVED: &[&str] = &[
    "if", "then", "elif", "else", "fi", "do", "done", "while", "until", "for", "in", "case",
    "esac", "{", "}", "!",
];

impl Parser<'_> {
    fn peek(&mut self) -> Result<&Tok, String> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lx.next_tok()?);
        }
        Ok(self.peeked.as_ref().unwrap_or(&Tok::Eof))
    }

    fn next(&mut self) -> Result<Tok, String> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lx.next_tok(),
        }
    }

    /// The reserved word at the head, if the next token is one.
    fn peek_reserved(&mut self) -> Result<Option<&'static str>, String> {
        Ok(match self.peek()? {
            Tok::Word(w, ..) => w
                .plain()
                .and_then(|p| RESERVED.iter().copied().find(|r| *r == p)),
            _ => None,
        })
    }

    fn expect_reserved(&mut self, word: &'static str) -> Result<(), String> {
        self.skip_newlines()?;
        match self.peek_reserved()? {
            Some(r) if r == word => {
                self.next()?;
                Ok(())
            }
            _ => Err(match self.peek()? {
                Tok::Eof => format!("unexpected end of file (expecting \"{word}\")"),
                other => format!("unexpected {} (expecting \"{word}\")", describe(other)),
            }),
        }
    }

    fn skip_newlines(&mut self) -> Result<(), String> {
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    fn program(&mut self) -> Result<(), String> {
        self.list(&[], Ctx::default())?;
        match self.peek()? {
            Tok::Eof => Ok(()),
            other => Err(format!("unexpected {}", describe(other))),
        }
    }

    /// A list of and-or lists, up to a reserved word in `stops` (or `)`, `;;`, the end).
    fn list(&mut self, stops: &[&str], ctx: Ctx) -> Result<usize, String> {
        let mut count = 0;
        loop {
            self.skip_newlines()?;
            if let Some(r) = self.peek_reserved()?
                && stops.contains(&r)
            {
                return Ok(count);
            }
            match self.peek()? {
                Tok::Eof | Tok::Op(")" | ";;", _) => return Ok(count),
                Tok::Op(op, _) if *op != "(" => {
                    let text = describe(&Tok::Op(op, 0));
                    return Err(format!("unexpected {text}"));
                }
                _ => {}
            }
            self.and_or(ctx)?;
            count += 1;
            match self.peek()? {
                Tok::Op(";" | "&", _) | Tok::Newline => {
                    self.next()?;
                }
                _ => return Ok(count),
            }
        }
    }

    fn and_or(&mut self, ctx: Ctx) -> Result<(), String> {
        loop {
            let first = self.commands.len();
            self.pipeline(ctx)?;
            match self.peek()? {
                Tok::Op(op @ ("&&" | "||"), _) => {
                    if *op == "||" {
                        for c in &mut self.commands[first..] {
                            c.ctx.or_else = true;
                        }
                    }
                    self.next()?;
                    self.skip_newlines()?;
                }
                _ => return Ok(()),
            }
        }
    }

    fn pipeline(&mut self, ctx: Ctx) -> Result<(), String> {
        let mut ctx = ctx;
        if self.peek_reserved()? == Some("!") {
            self.next()?;
            ctx.negated = !ctx.negated;
        }
        let mut last_start;
        loop {
            last_start = self.commands.len();
            self.command(ctx)?;
            if matches!(self.peek()?, Tok::Op("|", _)) {
                self.next()?;
                self.skip_newlines()?;
                for c in &mut self.commands[last_start..] {
                    c.ctx.last_in_pipeline = false;
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    fn command(&mut self, ctx: Ctx) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("the script nests too deeply to read".into());
        }
        let result = self.command_inner(ctx);
        self.depth -= 1;
        result
    }

    fn command_inner(&mut self, ctx: Ctx) -> Result<(), String> {
        let mut ctx = ctx;
        ctx.last_in_pipeline = true;
        match self.peek_reserved()? {
            Some("until") | Some("while") => {
                let kind = if self.peek_reserved()? == Some("until") {
                    Loop::Until
                } else {
                    Loop::While
                };
                self.next()?;
                let cond = Ctx {
                    guard: Some(if kind == Loop::Until {
                        Guard::Until
                    } else {
                        Guard::While
                    }),
                    in_loop: Some(kind),
                    negated: false,
                    ..ctx
                };
                if self.list(&["do"], cond)? == 0 {
                    return Err(self.unexpected_here()?);
                }
                self.expect_reserved("do")?;
                let body = Ctx {
                    guard: None,
                    negated: false,
                    in_loop: Some(kind),
                    ..ctx
                };
                self.list(&["done"], body)?;
                self.expect_reserved("done")?;
            }
            Some("for") => {
                self.next()?;
                match self.next()? {
                    Tok::Word(..) => {}
                    other => return Err(format!("unexpected {}", describe(&other))),
                }
                self.skip_newlines()?;
                if self.peek_reserved()? == Some("in") {
                    self.next()?;
                    while let Tok::Word(..) = self.peek()? {
                        if self.peek_reserved()? == Some("do") {
                            break;
                        }
                        self.next()?;
                    }
                }
                if matches!(self.peek()?, Tok::Op(";", _)) {
                    self.next()?;
                }
                self.expect_reserved("do")?;
                let body = Ctx {
                    guard: None,
                    negated: false,
                    in_loop: Some(Loop::For),
                    ..ctx
                };
                self.list(&["done"], body)?;
                self.expect_reserved("done")?;
            }
            Some("if") => {
                self.next()?;
                loop {
                    let cond = Ctx {
                        guard: Some(Guard::If),
                        negated: false,
                        ..ctx
                    };
                    if self.list(&["then"], cond)? == 0 {
                        return Err(self.unexpected_here()?);
                    }
                    self.expect_reserved("then")?;
                    let body = Ctx {
                        guard: None,
                        negated: false,
                        ..ctx
                    };
                    self.list(&["elif", "else", "fi"], body)?;
                    self.skip_newlines()?;
                    match self.peek_reserved()? {
                        Some("elif") => {
                            self.next()?;
                        }
                        Some("else") => {
                            self.next()?;
                            self.list(&["fi"], body)?;
                            self.expect_reserved("fi")?;
                            break;
                        }
                        _ => {
                            self.expect_reserved("fi")?;
                            break;
                        }
                    }
                }
            }
            Some("case") => {
                self.next()?;
                self.next()?; // the word
                self.skip_newlines()?;
                self.expect_reserved("in")?;
                let body = Ctx {
                    guard: None,
                    negated: false,
                    ..ctx
                };
                loop {
                    self.skip_newlines()?;
                    if self.peek_reserved()? == Some("esac") {
                        self.next()?;
                        break;
                    }
                    // Patterns up to `)`.
                    loop {
                        match self.next()? {
                            Tok::Op(")", _) => break,
                            Tok::Eof => {
                                return Err("unexpected end of file (expecting \"esac\")".into());
                            }
                            _ => {}
                        }
                    }
                    self.list(&["esac"], body)?;
                    match self.peek()? {
                        Tok::Op(";;", _) => {
                            self.next()?;
                        }
                        _ => {
                            self.expect_reserved("esac")?;
                            break;
                        }
                    }
                }
            }
            Some("{") => {
                self.next()?;
                self.list(&["}"], ctx)?;
                self.expect_reserved("}")?;
            }
            Some(r @ ("then" | "do" | "done" | "fi" | "elif" | "else" | "esac" | "}" | "in")) => {
                return Err(format!("unexpected \"{r}\""));
            }
            _ => {
                if matches!(self.peek()?, Tok::Op("(", _)) {
                    self.next()?;
                    self.list(&[], ctx)?;
                    match self.next()? {
                        Tok::Op(")", _) => {}
                        Tok::Eof => return Err("unexpected end of file (expecting \")\")".into()),
                        other => return Err(format!("unexpected {}", describe(&other))),
                    }
                } else {
                    return self.simple(ctx);
                }
            }
        }
        // Redirections after a compound command.
        while let Tok::Redirect(kind) = self.peek()? {
            let kind = *kind;
            self.next()?;
            self.redirect_target(kind)?;
        }
        Ok(())
    }

    fn unexpected_here(&mut self) -> Result<String, String> {
        Ok(match self.peek()? {
            Tok::Eof => "unexpected end of file".to_string(),
            other => format!("unexpected {}", describe(other)),
        })
    }

    fn redirect_target(&mut self, kind: &str) -> Result<(), String> {
        match self.next()? {
            Tok::Word(w, ..) => {
                if kind.starts_with("<<") {
                    let delim = w.literal().unwrap_or_else(|| w.written.clone());
                    self.lx.heredocs.push((delim, kind == "<<-"));
                }
                Ok(())
            }
            other => Err(format!("unexpected {}", describe(&other))),
        }
    }

    fn simple(&mut self, ctx: Ctx) -> Result<(), String> {
        let mut words = Vec::new();
        let mut start = None;
        let mut end = 0;
        loop {
            match self.peek()? {
                Tok::Word(..) => {
                    if let Some(Tok::Word(w, s, e)) = self.peeked.take() {
                        if words.is_empty()
                            && let Some(p) = w.plain()
                        {
                            self.words_seen.push(p.to_string());
                        }
                        start.get_or_insert(s);
                        end = e;
                        words.push(w);
                    }
                }
                Tok::Redirect(kind) => {
                    let kind = *kind;
                    self.next()?;
                    self.redirect_target(kind)?;
                }
                Tok::Op("(", _) if words.len() == 1 => {
                    // A function definition: name() { … }
                    self.next()?;
                    match self.next()? {
                        Tok::Op(")", _) => {}
                        other => return Err(format!("unexpected {}", describe(&other))),
                    }
                    self.skip_newlines()?;
                    return self.command(Ctx::default());
                }
                _ => break,
            }
        }
        if words.is_empty() {
            return match self.peek()? {
                Tok::Eof => Err("unexpected end of file".into()),
                other => Err(format!("unexpected {}", describe(other))),
            };
        }
        let raw = super::expand::written(
            &self.lx.chars[start.unwrap_or(0)..end.min(self.lx.chars.len())],
            self.lx.refs,
        );
        self.commands.push(SimpleCommand { words, raw, ctx });
        Ok(())
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Word(w, ..) => format!("word \"{}\"", w.written),
        Tok::Op(op, _) => format!("\"{op}\""),
        Tok::Redirect(r) => format!("redirection \"{r}\""),
        Tok::Newline => "newline".into(),
        Tok::Eof => "end of file".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(script: &Script) -> Vec<String> {
        script
            .commands
            .iter()
            .map(|c| {
                c.words
                    .iter()
                    .map(|w| w.written.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn loops_and_guards() {
        let s =
            parse_text("until nslookup testservice; do echo waiting for myservice; sleep 2; done;");
        assert_eq!(s.error, None);
        assert_eq!(
            names(&s),
            [
                "nslookup testservice",
                "echo waiting for myservice",
                "sleep 2"
            ]
        );
        assert_eq!(s.commands[0].ctx.guard, Some(Guard::Until));
        assert_eq!(s.commands[0].ctx.in_loop, Some(Loop::Until));
        assert_eq!(s.commands[2].ctx.guard, None);
        assert_eq!(s.commands[2].ctx.in_loop, Some(Loop::Until));
    }

    #[test]
    fn a_misspelt_done_is_a_syntax_error() {
        let s = parse_text("until nslookup testdb; do echo waiting for myservice; sleep 2; donel;");
        let err = s.error.expect("syntax error");
        assert_eq!(err.message, "unexpected end of file (expecting \"done\")");
        assert_eq!(err.suspect, Some(("donel".into(), "done".into())));
    }

    #[test]
    fn for_if_dig_and_negation() {
        let s = parse_text(
            "for i in {1..100}; do sleep 1; if dig myservice; then exit 0; fi; done; exit 1",
        );
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["sleep 1", "dig myservice", "exit 0", "exit 1"]);
        assert_eq!(s.commands[1].ctx.guard, Some(Guard::If));
        assert_eq!(s.commands[1].ctx.in_loop, Some(Loop::For));
        let s = parse_text("while ! nc -z db 5432 >/dev/null 2>&1; do sleep 1; done");
        assert_eq!(names(&s)[0], "nc -z db 5432");
        assert!(s.commands[0].ctx.negated);
        assert_eq!(s.commands[0].ctx.guard, Some(Guard::While));
    }

    #[test]
    fn quotes_and_expansions() {
        let s = parse_text(
            "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo \"en attente\"; sleep 2; done",
        );
        assert_eq!(s.error, None);
        let w = &s.commands[0].words[1];
        assert_eq!(
            w.written,
            "myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local"
        );
        assert!(matches!(&w.pieces[1], Piece::Subst { inner, .. } if inner.starts_with("cat ")));
        let s = parse_text("pg_isready -h \"${DB_HOST:-postgres}\" -p '5432' | grep -q accepting");
        assert_eq!(s.commands.len(), 2);
        assert!(!s.commands[0].ctx.last_in_pipeline);
        assert!(s.commands[1].ctx.last_in_pipeline);
        assert!(
            matches!(&s.commands[0].words[2].pieces[0], Piece::Param { name, default: Some(_), colon: true, .. } if name == "DB_HOST")
        );
    }

    #[test]
    fn multi_line_scripts_heredocs_and_case() {
        let s = parse_text(
            "set -e\n# wait\nuntil pg_isready -h postgres-service -p 5432 -U myuser; do\n  echo \"Waiting for postgres...\"\n  sleep 2\ndone\ncat <<EOF > /x\nuntil fake; do\nEOF\ncase $X in a) nc -z a 1;; *) :;; esac\n",
        );
        assert_eq!(s.error, None, "{s:?}");
        let n = names(&s);
        assert!(n.contains(&"pg_isready -h postgres-service -p 5432 -U myuser".to_string()));
        assert!(!n.iter().any(|c| c.starts_with("fake")));
        assert!(n.contains(&"nc -z a 1".to_string()));
    }

    #[test]
    fn syntax_errors_read_like_sh() {
        assert!(parse_text("echo 'open").error.is_some());
        assert!(parse_text("if true; then echo").error.is_some());
        assert!(parse_text("done").error.is_some());
        assert!(parse_text("echo $(").error.is_some());
        assert_eq!(parse_text("a && b || c; d &").error, None);
    }
}
