//! A small POSIX shell reader for `sh -c` / `bash -c` scripts: it finds the commands an init
//! container runs and the loop each one guards (for [`crate::waits`]), and the scripts sh
//! certainly refuses (for the `InvalidInitSpec` check) — never more. It never executes anything
//! and never panics (a property test feeds it arbitrary text).
//!
//! It reads words with their quoting and expansions (`$VAR`, `${VAR:-x}`, `$(…)`, backquotes),
//! operators (`;` `&&` `||` `|` `&`, newlines), redirections (dropped, here-documents skipped),
//! comments, function definitions and the compound commands
//! `until`/`while`/`for`/`if`/`case`/`{ }`/`( )`. Each simple command comes out with its [`Ctx`]:
//! is it the condition of a loop or an `if`, negated, inside a loop, last in its pipeline.
//!
//! A script sh would refuse (`donel` for `done`, an open quote) yields a [`SyntaxError`], worded
//! as sh words it and explained. It is never a guess: once the script uses what some shell
//! accepts beyond POSIX (bash's `[[`, `$'…'`, arrays, `function`…) or what the reader cannot
//! follow exactly (`case` inside `$(…)`), a script it cannot read yields no error at all.

use crate::waits::expand::{self, Ch, Reference, UNKNOWN, Unknown, Value};
use crate::waits::resolve::edit_distance;

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
    /// The same for a reader, naming what is open: "the `until` is never closed: the shell
    /// reaches the end of the script still expecting `done` (`donel` looks like a typo of
    /// `done`)".
    pub explanation: String,
    /// A word that looks like a misspelt keyword, and the keyword: (`donel`, `done`).
    pub suspect: Option<(String, String)>,
}

/// What the reader found in a script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<SimpleCommand>,
    /// Only when sh certainly refuses the script.
    pub error: Option<SyntaxError>,
}

/// Read a script given as expanded characters (see [`crate::waits::expand`]).
pub fn parse(chars: &[Ch], refs: &[Reference]) -> Script {
    let mut parser = Parser {
        lx: Lexer::new(chars, refs, 0),
        peeked: None,
        commands: Vec::new(),
        depth: 0,
        words_seen: Vec::new(),
        open: Vec::new(),
    };
    let error = match parser.program() {
        Ok(()) => None,
        // Some shell may accept what stopped the reader: no opinion.
        Err(_) if parser.lx.unsure => None,
        Err(Fault::TooDeep) => skim(chars, refs),
        Err(fault) => Some(syntax_error(fault, parser.open.last(), &parser.words_seen)),
    };
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

/// The shell and script of a command line when it is `SHELL -c SCRIPT` (`sh`, `bash`, `ash`,
/// `dash`, `ksh`, by name or path; `-c` may be combined, as in `-ec`).
pub fn script_of(argv: &[String]) -> Option<(&str, &str)> {
    let program = argv.first()?;
    let shell = program.rsplit('/').next().unwrap_or(program);
    if !matches!(shell, "sh" | "bash" | "ash" | "dash" | "ksh") {
        return None;
    }
    let mut rest = argv[1..].iter();
    for arg in rest.by_ref() {
        let flags = arg.strip_prefix('-')?;
        if flags.is_empty() || !flags.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        if flags.contains('c') {
            return rest.next().map(|script| (shell, script.as_str()));
        }
    }
    None
}

/// Why the reader stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fault {
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
enum Found {
    Word(String),
    /// A reserved word where no command may start with it (`done` with no loop open).
    Reserved(&'static str),
    Op(&'static str),
    Redirect(&'static str),
    Newline,
    Eof,
}

impl Found {
    fn of(tok: &Tok) -> Found {
        match tok {
            Tok::Word(w, ..) => Found::Word(w.written.clone()),
            Tok::Op(op, _) => Found::Op(op),
            Tok::Redirect(r) => Found::Redirect(r),
            Tok::Newline => Found::Newline,
            Tok::Eof => Found::Eof,
        }
    }

    /// As sh names it: `word "x"`, `";;"`, `end of file`.
    fn sh(&self) -> String {
        match self {
            Found::Word(w) => format!("word \"{w}\""),
            Found::Reserved(r) | Found::Op(r) => format!("\"{r}\""),
            Found::Redirect(r) => format!("redirection \"{r}\""),
            Found::Newline => "newline".into(),
            Found::Eof => "end of file".into(),
        }
    }

    /// As the explanation names it.
    fn plain(&self) -> String {
        match self {
            Found::Word(w) => format!("`{w}`"),
            Found::Reserved(r) | Found::Op(r) => format!("`{r}`"),
            Found::Redirect(r) => format!("the redirection `{r}`"),
            Found::Newline => "a line break".into(),
            Found::Eof => "the end of the script".into(),
        }
    }

    /// A token that can only close something.
    fn closes(&self) -> bool {
        matches!(
            self,
            Found::Reserved("then" | "do" | "done" | "fi" | "elif" | "else" | "esac" | "}" | "in")
                | Found::Op(")" | ";;")
        )
    }
}

impl Fault {
    fn unexpected(tok: &Tok) -> Fault {
        Fault::Unexpected {
            found: Found::of(tok),
            expecting: None,
        }
    }

    /// As sh says it.
    fn sh(&self) -> String {
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
struct Open {
    opener: &'static str,
    expects: &'static str,
    /// How many command words were seen before it opened.
    words: usize,
}

/// What `for` expects first.
const A_NAME: &str = "a variable name";

fn syntax_error(fault: Fault, open: Option<&Open>, words_seen: &[String]) -> SyntaxError {
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
fn skim(chars: &[Ch], refs: &[Reference]) -> Option<SyntaxError> {
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
                    lx.heredocs.push((delim, strip));
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
fn looks_like(word: &str, keyword: &str) -> bool {
    if word == keyword || !keyword.chars().all(|c| c.is_ascii_alphabetic()) || word.len() < 2 {
        return false;
    }
    let short_slip =
        keyword.len() == 2 && word.len() == 2 && word.chars().next() == keyword.chars().next();
    (word.starts_with(keyword) && word.len() <= keyword.len() + 2)
        || (keyword.len() >= 3 && edit_distance(word, keyword) == 1)
        || short_slip
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
    /// Met something some shell reads otherwise (see [`parse`]).
    unsure: bool,
}

impl<'a> Lexer<'a> {
    fn new(chars: &'a [Ch], refs: &'a [Reference], depth: usize) -> Lexer<'a> {
        Lexer {
            chars,
            refs,
            pos: 0,
            heredocs: Vec::new(),
            depth,
            unsure: false,
        }
    }

    fn peek_c(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).map(|c| c.c)
    }

    fn next_tok(&mut self) -> Result<Tok, Fault> {
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

    fn redirect(&mut self) -> Tok {
        let c = self.peek_c(0).unwrap_or('>');
        self.pos += 1;
        let next = self.peek_c(0);
        // bash's process substitution `<(…)` and here-string `<<<`.
        if next == Some('(') || (c == '<' && next == Some('<') && self.peek_c(1) == Some('<')) {
            self.unsure = true;
        }
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
            if self.peek_c(0) == Some('(') {
                self.unsure = true;
            }
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
    fn word(&mut self, whole: bool) -> Result<Word, Fault> {
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

    fn dollar(&mut self, w: &mut Word, last: &mut Option<usize>, in_dq: bool) -> Result<(), Fault> {
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
            Some(c) if c.is_ascii_digit() || "?$!#@*-".contains(c) => {
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
    fn param(&mut self, from: usize, to: usize, written: String) -> Result<Piece, Fault> {
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
    fn find_close(&mut self, from: usize, kind: char, in_dq: bool) -> Result<usize, Fault> {
        self.find_close_at(from, kind, in_dq, 0)
    }

    fn find_close_at(
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
    fn word_at(&self, at: usize, word: &str) -> bool {
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
fn unterminated(what: &'static str) -> Fault {
    Fault::Unterminated {
        what,
        sh: "unterminated quoted string".into(),
    }
}

struct Parser<'a> {
    lx: Lexer<'a>,
    peeked: Option<Tok>,
    commands: Vec<SimpleCommand>,
    depth: usize,
    /// The command names seen (plain words), to spot a misspelt keyword.
    words_seen: Vec<String>,
    /// The compound commands open where the reader is, innermost last.
    open: Vec<Open>,
}

const RESERVED: &[&str] = &[
    "if", "then", "elif", "else", "fi", "do", "done", "while", "until", "for", "in", "case",
    "esac", "{", "}", "!",
];

/// Command names some shells (bash, ksh, busybox ash) read as reserved words, sh as commands.
const FOREIGN: &[&str] = &["[[", "function", "select", "coproc", "time"];

impl Parser<'_> {
    fn peek(&mut self) -> Result<&Tok, Fault> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lx.next_tok()?);
        }
        Ok(self.peeked.as_ref().unwrap_or(&Tok::Eof))
    }

    fn next(&mut self) -> Result<Tok, Fault> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lx.next_tok(),
        }
    }

    /// The reserved word at the head, if the next token is one.
    fn peek_reserved(&mut self) -> Result<Option<&'static str>, Fault> {
        Ok(match self.peek()? {
            Tok::Word(w, ..) => w
                .plain()
                .and_then(|p| RESERVED.iter().copied().find(|r| *r == p)),
            _ => None,
        })
    }

    fn expect_reserved(&mut self, word: &'static str) -> Result<(), Fault> {
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

    fn skip_newlines(&mut self) -> Result<(), Fault> {
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    /// A compound command opens, expecting `expects` next.
    fn open(&mut self, opener: &'static str, expects: &'static str) {
        let words = self.words_seen.len();
        self.open.push(Open {
            opener,
            expects,
            words,
        });
    }

    /// The innermost compound command now expects `expects`.
    fn expects(&mut self, expects: &'static str) {
        if let Some(open) = self.open.last_mut() {
            open.expects = expects;
        }
    }

    fn program(&mut self) -> Result<(), Fault> {
        self.list(&[], Ctx::default())?;
        match self.peek()? {
            Tok::Eof => Ok(()),
            other => Err(Fault::unexpected(other)),
        }
    }

    /// A list of and-or lists, up to a reserved word in `stops` (or `)`, `;;`, the end).
    fn list(&mut self, stops: &[&str], ctx: Ctx) -> Result<usize, Fault> {
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

    fn and_or(&mut self, ctx: Ctx) -> Result<(), Fault> {
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

    fn pipeline(&mut self, ctx: Ctx) -> Result<(), Fault> {
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

    fn command(&mut self, ctx: Ctx) -> Result<(), Fault> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fault::TooDeep);
        }
        let result = self.command_inner(ctx);
        self.depth -= 1;
        result
    }

    fn command_inner(&mut self, ctx: Ctx) -> Result<(), Fault> {
        let mut ctx = ctx;
        ctx.last_in_pipeline = true;
        match self.peek_reserved()? {
            Some(opener @ ("until" | "while")) => {
                let kind = if opener == "until" {
                    Loop::Until
                } else {
                    Loop::While
                };
                self.next()?;
                self.open(opener, "do");
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
                self.expects("done");
                let body = Ctx {
                    guard: None,
                    negated: false,
                    in_loop: Some(kind),
                    ..ctx
                };
                self.list(&["done"], body)?;
                self.expect_reserved("done")?;
                self.open.pop();
            }
            Some("for") => {
                self.next()?;
                self.open("for", A_NAME);
                match self.next()? {
                    Tok::Word(..) => {}
                    other => {
                        // bash's `for ((i = 0; …))`.
                        if matches!(other, Tok::Op("(", _)) {
                            self.lx.unsure = true;
                        }
                        return Err(Fault::unexpected(&other));
                    }
                }
                self.expects("do");
                self.skip_newlines()?;
                if self.peek_reserved()? == Some("in") {
                    self.next()?;
                    // Up to `;` or a newline: `for i in do; do …` loops once, over `do`.
                    while let Tok::Word(..) = self.peek()? {
                        self.next()?;
                    }
                }
                if matches!(self.peek()?, Tok::Op(";", _)) {
                    self.next()?;
                }
                self.expect_reserved("do")?;
                self.expects("done");
                let body = Ctx {
                    guard: None,
                    negated: false,
                    in_loop: Some(Loop::For),
                    ..ctx
                };
                self.list(&["done"], body)?;
                self.expect_reserved("done")?;
                self.open.pop();
            }
            Some("if") => {
                self.next()?;
                self.open("if", "then");
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
                    self.expects("fi");
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
                            self.expects("then");
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
                self.open.pop();
            }
            Some("case") => {
                self.next()?;
                self.open("case", "in");
                self.next()?; // the word
                self.skip_newlines()?;
                self.expect_reserved("in")?;
                self.expects("esac");
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
                                return Err(Fault::Unexpected {
                                    found: Found::Eof,
                                    expecting: Some("esac"),
                                });
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
                self.open.pop();
            }
            Some("{") => {
                self.next()?;
                self.open("{", "}");
                self.list(&["}"], ctx)?;
                self.expect_reserved("}")?;
                self.open.pop();
            }
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
                self.next()?;
                self.open("(", ")");
                self.list(&[], ctx)?;
                match self.next()? {
                    Tok::Op(")", _) => {}
                    Tok::Eof => {
                        return Err(Fault::Unexpected {
                            found: Found::Eof,
                            expecting: Some(")"),
                        });
                    }
                    other => return Err(Fault::unexpected(&other)),
                }
                self.open.pop();
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

    fn unexpected_here(&mut self) -> Result<Fault, Fault> {
        Ok(Fault::unexpected(self.peek()?))
    }

    fn redirect_target(&mut self, kind: &str) -> Result<(), Fault> {
        match self.next()? {
            Tok::Word(w, ..) => {
                if kind.starts_with("<<") {
                    let delim = w.literal().unwrap_or_else(|| w.written.clone());
                    self.lx.heredocs.push((delim, kind == "<<-"));
                }
                Ok(())
            }
            other => Err(Fault::unexpected(&other)),
        }
    }

    fn simple(&mut self, ctx: Ctx) -> Result<(), Fault> {
        let mut words: Vec<Word> = Vec::new();
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
                    return self.command(Ctx::default());
                }
                _ => break,
            }
        }
        if words.is_empty() {
            // Redirections alone are a command (`>/tmp/ready`).
            if redirected {
                return Ok(());
            }
            return Err(Fault::unexpected(self.peek()?));
        }
        let raw = expand::written(
            &self.lx.chars[start.unwrap_or(0)..end.min(self.lx.chars.len())],
            self.lx.refs,
        );
        self.commands.push(SimpleCommand { words, raw, ctx });
        Ok(())
    }
}

/// `NAME=value` (a plain name before the `=`).
fn is_assignment(word: &Word) -> bool {
    match word.pieces.first() {
        Some(Piece::Text(t)) => t.split_once('=').is_some_and(|(name, _)| is_name(name)),
        _ => false,
    }
}

/// A shell variable name.
fn is_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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

    // Syntax checks, as the `InvalidInitSpec` check uses them.

    fn check(script: &str) -> Option<SyntaxError> {
        parse_text(script).error
    }

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_the_script_of_sh_dash_c() {
        assert_eq!(
            script_of(&argv(&["sh", "-c", "echo hi"])),
            Some(("sh", "echo hi"))
        );
        assert_eq!(
            script_of(&argv(&["/bin/bash", "-ec", "x"])),
            Some(("bash", "x"))
        );
        assert_eq!(
            script_of(&argv(&["sh", "-e", "-c", "x"])),
            Some(("sh", "x"))
        );
        assert_eq!(script_of(&argv(&["sh", "script.sh"])), None);
        assert_eq!(script_of(&argv(&["python", "-c", "x"])), None);
        assert_eq!(script_of(&argv(&["sh", "-c"])), None);
    }

    #[test]
    fn the_seed_scripts_are_valid() {
        for script in [
            "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done",
            "for i in $(seq 1 10); do echo $i; done",
            "for i in 1 2 3\ndo\n  echo \"$i\" # done\ndone",
            "if [ -f /x ]; then echo yes; elif true; then :; else echo no; fi",
            "while ! nc -z db 5432; do sleep 1; done; echo ready",
            "{ echo a; echo b; } > /tmp/x 2>&1",
            "(cd /tmp && ls) || exit 1",
            "echo done; echo 'fi' \"done\"",
            "x=1 y=2 env | grep x",
            "until [ \"$(curl -s -o /dev/null -w '%{http_code}' http://db:8080/health)\" = 200 ]; do sleep 2; done",
            "echo ${HOME:-/root}; trap 'exit 0' TERM; sleep 3600 & wait",
        ] {
            assert_eq!(check(script), None, "{script}");
        }
    }

    #[test]
    fn donel_for_done_is_found_with_the_typo() {
        let problem =
            check("until nslookup mydb; do echo waiting for mydb; sleep 2; donel").unwrap();
        assert!(
            problem.explanation.contains("`until` is never closed"),
            "{}",
            problem.explanation
        );
        assert!(problem.explanation.contains("expecting `done`"));
        assert_eq!(problem.suspect, Some(("donel".into(), "done".into())));
    }

    #[test]
    fn other_certain_errors() {
        let explained = |script: &str| check(script).unwrap().explanation;
        assert!(explained("if true; then echo x").contains("expecting `fi`"));
        assert!(explained("while true; echo x; done").contains("`done` is unexpected"));
        assert!(explained("echo x; done").contains("nothing open"));
        assert!(explained("echo 'unterminated").contains("unterminated single quote"));
        assert!(explained("echo \"$(date)").contains("unterminated double quote"));
        let p = check("for i in 1 2; dp echo $i; done").unwrap();
        assert_eq!(p.suspect, Some(("dp".into(), "do".into())));
        let p = check("if true; then echo; fii").unwrap();
        assert_eq!(p.suspect, Some(("fii".into(), "fi".into())));
        // Found by this reader only (the diagnosis's own said nothing).
        assert!(explained("case $x in a) echo;; esac; done").contains("nothing open"));
        assert!(explained("echo a &&").contains("expects a command"));
        assert!(explained("; echo a").contains("`;` is unexpected"));
        assert!(explained("cat <<EOF\nEOF\nfi").contains("`fi` is unexpected"));
    }

    #[test]
    fn case_heredocs_functions_and_bash_tests_are_valid() {
        assert_eq!(check("case $x in a) echo a;; esac"), None);
        assert_eq!(check("cat <<EOF\ndone\nEOF"), None);
        assert_eq!(check("f() { echo; }; f"), None);
        assert_eq!(check("[[ -f x ]] && echo"), None);
    }

    #[test]
    fn no_error_where_some_shell_accepts_the_script() {
        for script in [
            // bash: arrays, `[[ ( … ) ]]`, extglob, `$'…'`, here-strings, process
            // substitution, `|&`, `;&`, `function`, `select`, `for ((…))`, `((…))`, `!` alone.
            "a=(1 2); done",
            "[[ ( -f x ) ]] && echo",
            "echo @(a|b)",
            "echo $'it\\'s'",
            "cat <<< x",
            "diff <(ls) >(cat)",
            "echo a |& cat",
            "case a in a) echo;& b) echo;;& esac",
            "function f { echo; }",
            "select x in a b; do echo; done",
            "for ((i = 0; i < 3; i++)); do echo; done",
            "(( i++ ))",
            "(( i < ))",
            "x=1; (( x && ))",
            "!",
            // dash reads `'` inside "${…}" as a letter, bash as a quote.
            "echo \"${x:-it's}\"",
            // What the reader cannot follow inside $(…).
            "x=$(case a in a) echo;; esac); echo $x",
            "echo $(echo a # )\n)",
            "echo $(cat <<E\n)\nE\n)",
        ] {
            assert_eq!(check(script), None, "{script}");
        }
    }

    #[test]
    fn redirections_alone_and_arithmetic_are_commands() {
        // Both used to stop the reader with a false error.
        let s = parse_text(">/tmp/ready; until nc -z db 5432; do sleep 1; done");
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["nc -z db 5432", "sleep 1"]);
        let s = parse_text("i=$((i+1));sleep 1; { echo; }");
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["i=$((i+1))", "sleep 1", "echo"]);
    }

    #[test]
    fn nesting_beyond_the_reader() {
        let deep = |open: &str, close: &str| format!("{}:{}", open.repeat(100), close.repeat(100));
        assert_eq!(check(&deep("( ", " )")), None);
        assert_eq!(check(&deep("{ ", "; }")), None);
        // Deeper than it reads, only an unclosed `(` is certain.
        assert_eq!(check(&deep("( ", " ) )")), None);
        let _ = parse_text(&format!(
            "echo {}x{}",
            "\"$(".repeat(5000),
            ")\"".repeat(5000)
        ));
        let _ = parse_text(&format!("echo {}", "${x:-$(".repeat(5000)));
        let err = check(&"(".repeat(5000)).unwrap();
        assert_eq!(err.message, "unexpected end of file (expecting \")\")");
        assert!(err.explanation.contains("the `(` is never closed"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn never_panics(script in "[a-z0-9 $(){}'\"`;|&<>\\\\#=:/.@\n\t!*?~,+-]{0,160}") {
            let _ = parse_text(&script);
        }
    }
}
