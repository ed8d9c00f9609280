//! The grammar of a script: lists, and-or lists, pipelines and simple commands, each simple
//! command recorded with its [`Ctx`] (the compound commands are in [`super::walk`]).

use super::lexer::{Lexer, Tok};
use super::syntax::{Fault, Found, Open};
use super::{Ctx, Frame, MAX_DEPTH, Piece, SimpleCommand, Word};
use crate::command::expand;

pub(super) struct Parser<'a> {
    pub(super) lx: Lexer<'a>,
    pub(super) peeked: Option<Tok>,
    pub(super) commands: Vec<SimpleCommand>,
    pub(super) depth: usize,
    /// The command names seen (plain words), to spot a misspelt keyword.
    pub(super) words_seen: Vec<String>,
    /// The compound commands open where the reader is, innermost last.
    pub(super) open: Vec<Open>,
    /// The function bodies and `for` loops the reader is in, outermost first.
    pub(super) frames: Vec<Frame>,
    /// `for` loops seen (their ids).
    pub(super) loops: usize,
    /// `/dev/tcp/…` redirections of the simple command being read.
    pub(super) dev_tcp: Vec<Word>,
    /// The current simple command's `> FILE`.
    pub(super) stdout: Option<Word>,
    /// The nesting depth each command was read at (1: the script's top level).
    pub(super) pushed_at: Vec<usize>,
    /// Where the latest and-or list at the script's top level starts.
    pub(super) last_list: usize,
}

pub(super) const RESERVED: &[&str] = &[
    "if", "then", "elif", "else", "fi", "do", "done", "while", "until", "for", "in", "case",
    "esac", "{", "}", "!",
];

/// Command names some shells (bash, ksh, busybox ash) read as reserved words, sh as commands.
pub(super) const FOREIGN: &[&str] = &["[[", "function", "select", "coproc", "time"];

impl Parser<'_> {
    pub(super) fn peek(&mut self) -> Result<&Tok, Fault> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lx.next_tok()?);
        }
        Ok(self.peeked.as_ref().unwrap_or(&Tok::Eof))
    }

    pub(super) fn next(&mut self) -> Result<Tok, Fault> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lx.next_tok(),
        }
    }

    /// The reserved word at the head, if the next token is one.
    pub(super) fn peek_reserved(&mut self) -> Result<Option<&'static str>, Fault> {
        Ok(match self.peek()? {
            Tok::Word(w, ..) => w
                .plain()
                .and_then(|p| RESERVED.iter().copied().find(|r| *r == p)),
            _ => None,
        })
    }

    pub(super) fn expect_reserved(&mut self, word: &'static str) -> Result<(), Fault> {
        self.skip_newlines()?;
        match self.peek_reserved()? {
            Some(r) if r == word => {
                self.next()?;
                Ok(())
            }
            _ => Err(Fault::Unexpected {
                found: Found::of(self.peek()?),
                expecting: Some(word),
            }),
        }
    }

    pub(super) fn skip_newlines(&mut self) -> Result<(), Fault> {
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    /// A compound command opens, expecting `expects` next.
    pub(super) fn open(&mut self, opener: &'static str, expects: &'static str) {
        let words = self.words_seen.len();
        self.open.push(Open {
            opener,
            expects,
            words,
        });
    }

    /// The innermost compound command now expects `expects`.
    pub(super) fn expects(&mut self, expects: &'static str) {
        if let Some(open) = self.open.last_mut() {
            open.expects = expects;
        }
    }

    pub(super) fn program(&mut self) -> Result<(), Fault> {
        self.list(&[], Ctx::default())?;
        self.mark_ends_script();
        match self.peek()? {
            Tok::Eof => Ok(()),
            other => Err(Fault::unexpected(other)),
        }
    }

    /// A list of and-or lists, up to a reserved word in `stops` (or `)`, `;;`, the end).
    pub(super) fn list(&mut self, stops: &[&str], ctx: Ctx) -> Result<usize, Fault> {
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
                Tok::Op(op, _) if *op != "(" => return Err(Fault::unexpected(&Tok::Op(op, 0))),
                _ => {}
            }
            if self.depth == 0 {
                self.last_list = self.commands.len();
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

    /// The commands whose failure is the script's: in its last top-level and-or list.
    fn mark_ends_script(&mut self) {
        let from = self.last_list.min(self.commands.len());
        for (c, depth) in self.commands[from..]
            .iter_mut()
            .zip(&self.pushed_at[from..])
        {
            let ctx = &mut c.ctx;
            ctx.ends_script = *depth == 1
                && c.frames.is_empty()
                && ctx.last_in_pipeline
                && !ctx.or_else
                && !ctx.negated
                && ctx.guard.is_none()
                && ctx.in_loop.is_none();
        }
    }

    pub(super) fn and_or(&mut self, ctx: Ctx) -> Result<(), Fault> {
        // The commands before a `&&`, waiting to see what follows it.
        let mut before_and: Option<usize> = None;
        loop {
            let first = self.commands.len();
            self.pipeline(ctx)?;
            // `X && break` / `X && exit 0` is `if X; then break; fi`: X is a condition.
            if let Some(from) = before_and.take()
                && self.commands.len() == first + 1
                && leaves(&self.commands[first].words)
            {
                for c in &mut self.commands[from..first] {
                    if c.ctx.guard.is_none() {
                        c.ctx.guard = Some(super::Guard::If);
                        c.ctx.negated = false;
                    }
                }
            }
            match self.peek()? {
                Tok::Op(op @ ("&&" | "||"), _) => {
                    if *op == "||" {
                        for c in &mut self.commands[first..] {
                            c.ctx.or_else = true;
                        }
                    } else if self.commands.len() > first {
                        before_and = Some(first);
                    }
                    self.next()?;
                    self.skip_newlines()?;
                }
                _ => return Ok(()),
            }
        }
    }

    pub(super) fn pipeline(&mut self, ctx: Ctx) -> Result<(), Fault> {
        let mut ctx = ctx;
        if self.peek_reserved()? == Some("!") {
            self.next()?;
            ctx.negated = !ctx.negated;
            // bash accepts a `!` alone.
            if !matches!(
                self.peek()?,
                Tok::Word(..) | Tok::Redirect(_) | Tok::Op("(", _)
            ) {
                self.lx.unsure = true;
            }
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

    pub(super) fn command(&mut self, ctx: Ctx) -> Result<(), Fault> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fault::TooDeep);
        }
        let result = self.command_inner(ctx);
        self.depth -= 1;
        result
    }

    pub(super) fn command_inner(&mut self, ctx: Ctx) -> Result<(), Fault> {
        let mut ctx = ctx;
        ctx.last_in_pipeline = true;
        match self.peek_reserved()? {
            Some(opener @ ("until" | "while")) => self.loop_clause(opener, ctx)?,
            Some("for") => self.for_clause(ctx)?,
            Some("if") => self.if_clause(ctx)?,
            Some("case") => self.case_clause(ctx)?,
            Some("{") => self.group(ctx)?,
            Some(r @ ("then" | "do" | "done" | "fi" | "elif" | "else" | "esac" | "}" | "in")) => {
                return Err(Fault::Unexpected {
                    found: Found::Reserved(r),
                    expecting: None,
                });
            }
            _ => {
                let subshell = match self.peek()? {
                    Tok::Op("(", at) => {
                        // bash's arithmetic command `(( i < 3 ))`: sh reads two subshells.
                        let at = *at;
                        if self.lx.chars.get(at + 1).is_some_and(|c| c.c == '(')
                            && self.lx.find_close(at + 1, '(', false).is_ok_and(|close| {
                                self.lx.chars.get(close - 1).is_some_and(|c| c.c == ')')
                            })
                        {
                            self.lx.unsure = true;
                        }
                        true
                    }
                    Tok::Word(w, ..) => {
                        if w.plain() == Some("function") {
                            return self.function_keyword();
                        }
                        if w.plain().is_some_and(|p| FOREIGN.contains(&p)) {
                            self.lx.unsure = true;
                        }
                        false
                    }
                    _ => false,
                };
                if !subshell {
                    return self.simple(ctx);
                }
                self.subshell(ctx)?;
            }
        }
        // Redirections after a compound command (a here-document there feeds no one command).
        while let Tok::Redirect(kind) = self.peek()? {
            let kind = *kind;
            self.next()?;
            self.redirect_target(kind)?;
            if kind.starts_with("<<")
                && let Some(last) = self.lx.heredocs.last_mut()
            {
                last.2 = usize::MAX;
            }
        }
        Ok(())
    }

    /// bash's (and busybox ash's) `function NAME { … }` / `function NAME() { … }`: a function
    /// definition, as `NAME() { … }` is (sh reads a command `function`: not claimed valid).
    fn function_keyword(&mut self) -> Result<(), Fault> {
        self.lx.unsure = true;
        self.next()?;
        let name = match self.next()? {
            Tok::Word(w, ..) => w.literal().unwrap_or_else(|| w.written.clone()),
            other => return Err(Fault::unexpected(&other)),
        };
        if let Tok::Op("(", _) = self.peek()? {
            self.next()?;
            match self.next()? {
                Tok::Op(")", _) => {}
                other => return Err(Fault::unexpected(&other)),
            }
        }
        self.skip_newlines()?;
        self.frames.push(Frame::Function(name));
        let result = self.command(Ctx::default());
        self.frames.pop();
        result
    }

    pub(super) fn unexpected_here(&mut self) -> Result<Fault, Fault> {
        Ok(Fault::unexpected(self.peek()?))
    }

    pub(super) fn redirect_target(&mut self, kind: &str) -> Result<(), Fault> {
        match self.next()? {
            Tok::Word(w, ..) => {
                if kind.starts_with("<<") {
                    let delim = w.literal().unwrap_or_else(|| w.written.clone());
                    let owner = self.commands.len();
                    self.lx
                        .heredocs
                        .push((delim, kind == "<<-", owner, w.quoted));
                } else if matches!(w.pieces.first(), Some(Piece::Text(t)) if t.starts_with("/dev/tcp/"))
                {
                    self.dev_tcp.push(w);
                } else if kind == ">" {
                    self.stdout = Some(w);
                }
                Ok(())
            }
            other => Err(Fault::unexpected(&other)),
        }
    }

    pub(super) fn simple(&mut self, ctx: Ctx) -> Result<(), Fault> {
        let mut words: Vec<Word> = Vec::new();
        let mut array = None;
        self.dev_tcp.clear();
        self.stdout = None;
        let mut redirected = false;
        let mut start = None;
        let mut end = 0;
        loop {
            match self.peek()? {
                Tok::Word(..) => {
                    if let Some(Tok::Word(w, s, e)) = self.peeked.take() {
                        // busybox ash reads `[[ … ]]` even among arguments.
                        if w.plain() == Some("[[") {
                            self.lx.unsure = true;
                        }
                        // The command name: the first word after the assignments.
                        if words.iter().all(is_assignment)
                            && !is_assignment(&w)
                            && let Some(p) = w.plain()
                        {
                            self.words_seen.push(p.to_string());
                        }
                        start.get_or_insert(s);
                        end = e;
                        words.push(w);
                    }
                }
                // Inside bash's `[[ … ]]`, `|`, `||`, `&&` and parentheses are the test's own
                // words (`[[ $x =~ 403|405 ]]`), not a pipeline or a list.
                Tok::Op(op @ ("|" | "||" | "&&" | "(" | ")"), at) if in_double_brackets(&words) => {
                    let (op, at) = (*op, *at);
                    self.next()?;
                    end = at + op.len();
                    words.push(Word {
                        pieces: vec![Piece::Text(op.to_string())],
                        written: op.to_string(),
                        ..Word::default()
                    });
                }
                Tok::Redirect(kind) => {
                    let kind = *kind;
                    self.next()?;
                    self.redirect_target(kind)?;
                    redirected = true;
                }
                Tok::Op("(", at) if !words.is_empty() => {
                    // bash's arrays `a=(1 2)` and extended globs `@(x|y)` (sh refuses them).
                    let attached = *at == end
                        && words
                            .last()
                            .is_some_and(|w| w.written.ends_with(['=', '?', '*', '+', '@', '!']));
                    if attached || (words.len() == 1 && is_assignment(&words[0])) {
                        self.lx.unsure = true;
                        if words.len() == 1 && words[0].written.ends_with('=') && attached {
                            array = Some(self.array_elements()?);
                            continue;
                        }
                        // `local NAME=(…)`, `declare -a NAME=(…)`: the array of the last word.
                        if attached
                            && array.is_none()
                            && words[0].plain().is_some_and(|t| ASSIGNERS.contains(&t))
                            && words
                                .last()
                                .is_some_and(|w| w.written.ends_with('=') && is_assignment(w))
                        {
                            array = Some(self.array_elements()?);
                            continue;
                        }
                        break;
                    }
                    // `(` after arguments: sh and bash refuse it.
                    if words.len() > 1 {
                        break;
                    }
                    // A function definition `name() { … }` (bash takes any word as a name).
                    self.next()?;
                    match self.next()? {
                        Tok::Op(")", _) => {}
                        other => return Err(Fault::unexpected(&other)),
                    }
                    self.skip_newlines()?;
                    let name = words[0]
                        .literal()
                        .unwrap_or_else(|| words[0].written.clone());
                    self.frames.push(Frame::Function(name));
                    let result = self.command(Ctx::default());
                    self.frames.pop();
                    return result;
                }
                _ => break,
            }
        }
        let dev_tcp = std::mem::take(&mut self.dev_tcp);
        if words.is_empty() {
            // Redirections alone are a command (`>/tmp/ready`); `9<>/dev/tcp/H/P` connects.
            if !redirected {
                return Err(Fault::unexpected(self.peek()?));
            }
            if dev_tcp.is_empty() {
                return Ok(());
            }
        }
        let raw = if words.is_empty() {
            dev_tcp
                .iter()
                .map(|w| w.written.clone())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            expand::written(
                &self.lx.chars[start.unwrap_or(0)..end.min(self.lx.chars.len())],
                self.lx.refs,
            )
        };
        self.pushed_at.push(self.depth);
        self.commands.push(SimpleCommand {
            words,
            raw,
            ctx,
            frames: self.frames.clone(),
            array,
            dev_tcp,
            stdin_script: None,
            stdin_quoted: false,
            stdout: self.stdout.take(),
        });
        Ok(())
    }

    /// The words of a bash array `NAME=( … )`, the `(` next; up to the `)`.
    fn array_elements(&mut self) -> Result<Vec<Word>, Fault> {
        self.next()?;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                Tok::Word(w, ..) => out.push(w),
                Tok::Newline => {}
                Tok::Op(")", _) => return Ok(out),
                other => return Err(Fault::unexpected(&other)),
            }
        }
    }
}

/// `break`, `exit`, `exit 0`, `return`, `return 0`: leaves the loop (or the script) when the
/// command before `&&` succeeded.
fn leaves(words: &[Word]) -> bool {
    let texts: Vec<Option<&str>> = words.iter().map(Word::plain).collect();
    matches!(
        texts.as_slice(),
        [Some("break")]
            | [Some("break"), Some("1")]
            | [Some("exit" | "return")]
            | [Some("exit" | "return"), Some("0")]
    )
}

/// The builtins whose `NAME=value` arguments assign (`local a=(1 2)` makes an array).
pub(crate) const ASSIGNERS: &[&str] = &["export", "local", "declare", "typeset", "readonly"];

/// `NAME=value` (a plain name before the `=`).
pub(super) fn is_assignment(word: &Word) -> bool {
    match word.pieces.first() {
        Some(Piece::Text(t)) => t.split_once('=').is_some_and(|(name, _)| is_name(name)),
        _ => false,
    }
}

/// A shell variable name.
pub(super) fn is_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True while the words read so far open a `[[` test that no `]]` has closed.
fn in_double_brackets(words: &[Word]) -> bool {
    words.first().and_then(Word::plain) == Some("[[")
        && !words[1..].iter().any(|w| w.plain() == Some("]]"))
}
