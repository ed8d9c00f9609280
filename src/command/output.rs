//! What a command substitution prints, when that is certain: `$(echo $DB | cut -d: -f1)` and
//! `$(echo $DB | awk -F: '{print $1}')`, the shapes charts use to split `HOST:PORT` values, and
//! integer arithmetic on known values, `$(seq 0 $(expr $count - 1))`, the shape charts use to
//! name each replica of a StatefulSet.

use super::line::{Reader, basename};
use crate::command::expand::EnvTable;
use crate::command::shell::{self, SimpleCommand, Word};

impl Reader<'_> {
    /// The output of a command substitution when it is certain: `echo WORDS | cut -dC -fN` or
    /// `echo WORDS | awk -FC '{print $N}'`.
    pub(super) fn output_of(&self, inner: &str, env: &EnvTable) -> Option<String> {
        if self.exhausted() {
            return None;
        }
        let parsed = shell::parse_text(inner);
        if let ([one], None) = (parsed.commands.as_slice(), &parsed.error) {
            return self.arithmetic(one, env);
        }
        let [echo, filter] = parsed.commands.as_slice() else {
            return None;
        };
        if echo.ctx.last_in_pipeline || !filter.ctx.last_in_pipeline || parsed.error.is_some() {
            return None;
        }
        let name = |c: &SimpleCommand| c.words.first().and_then(Word::plain).map(basename);
        let awk = match name(filter).as_deref() {
            Some("cut") => false,
            Some("awk" | "gawk" | "mawk") => true,
            _ => return None,
        };
        if name(echo).as_deref() != Some("echo") {
            return None;
        }
        let mut line = Vec::new();
        for w in &echo.words[1..] {
            let t = self.eval(w, env).known()?.to_string();
            if t.starts_with('-') || t.contains('\\') {
                return None;
            }
            if w.quoted {
                line.push(t);
            } else {
                line.extend(t.split_whitespace().map(str::to_string));
            }
        }
        let line = line.join(" ");
        let opts: Vec<String> = filter.words[1..]
            .iter()
            .map(|w| self.eval(w, env).known().map(str::to_string))
            .collect::<Option<_>>()?;
        let (delim, field) = if awk {
            awk_field(&opts)?
        } else {
            cut_field(&opts)?
        };
        let fields: Vec<&str> = match delim {
            Some(d) if !line.contains(d.as_slice()) && !awk => return Some(line),
            Some(d) => line.split(d.as_slice()).collect(),
            None => line.split_whitespace().collect(),
        };
        Some(fields.get(field - 1).copied().unwrap_or("").to_string())
    }
}

/// The most numbers a `seq` is followed for (past them its output is not read).
const MAX_SEQ: i64 = 64;

impl Reader<'_> {
    /// `seq [FIRST [INCR]] LAST` (one number a line) or `expr A OP B` (`+ - * / %`) on known
    /// integers: what coreutils print; anything else (an overflow, a division by zero, more than
    /// [`MAX_SEQ`] numbers) is not certain.
    fn arithmetic(&self, cmd: &SimpleCommand, env: &EnvTable) -> Option<String> {
        if !cmd.ctx.last_in_pipeline || cmd.words.is_empty() {
            return None;
        }
        let name = cmd.words[0].plain().map(basename)?;
        let args: Vec<String> = cmd.words[1..]
            .iter()
            .map(|w| self.eval(w, env).known().map(|t| t.trim().to_string()))
            .collect::<Option<_>>()?;
        let int = |s: &String| s.parse::<i64>().ok();
        match (name.as_str(), args.as_slice()) {
            ("expr", [a, op, b]) => {
                let (a, b) = (int(a)?, int(b)?);
                let v = match op.as_str() {
                    "+" => a.checked_add(b),
                    "-" => a.checked_sub(b),
                    "*" => a.checked_mul(b),
                    "/" => a.checked_div(b),
                    "%" => a.checked_rem(b),
                    _ => None,
                }?;
                Some(v.to_string())
            }
            ("seq", [_] | [_, _] | [_, _, _]) => {
                let n: Vec<i64> = args.iter().map(int).collect::<Option<_>>()?;
                let (first, step, last) = match n.as_slice() {
                    [l] => (1, 1, *l),
                    [f, l] => (*f, 1, *l),
                    [f, s, l] => (*f, *s, *l),
                    _ => return None,
                };
                if step == 0 {
                    return None;
                }
                let count = last.checked_sub(first)?.checked_div(step)?.checked_add(1)?;
                if count > MAX_SEQ {
                    return None;
                }
                let values: Vec<String> = (0..count.max(0))
                    .map(|i| (first + i * step).to_string())
                    .collect();
                Some(values.join("\n"))
            }
            _ => None,
        }
    }
}

/// A field separator: the characters any one of which ends a field.
type Separator = Option<Vec<char>>;

/// `cut -dC -fN` (either order, attached or not): the delimiter and the field.
fn cut_field(opts: &[String]) -> Option<(Separator, usize)> {
    let (mut delim, mut field) = (None, None);
    let mut it = opts.iter();
    while let Some(o) = it.next() {
        let (flag, value) = match o.get(..2) {
            Some(f @ ("-d" | "-f")) if o.len() > 2 => (f, o[2..].to_string()),
            Some(f @ ("-d" | "-f")) => (f, it.next()?.clone()),
            _ => return None,
        };
        match flag {
            "-d" if value.chars().count() == 1 => delim = value.chars().next(),
            "-f" => field = value.parse::<usize>().ok().filter(|f| *f > 0),
            _ => return None,
        }
    }
    Some((Some(vec![delim?]), field?))
}

/// `awk [-FS] '{print $N}'`: the separator (none: blanks) and the field.
fn awk_field(opts: &[String]) -> Option<(Separator, usize)> {
    let (mut delim, mut program) = (None, None);
    let mut it = opts.iter();
    while let Some(o) = it.next() {
        if let Some(sep) = o.strip_prefix("-F") {
            let sep = if sep.is_empty() {
                it.next()?.as_str()
            } else {
                sep
            };
            delim = Some(awk_separator(sep)?);
        } else if program.is_none() && !o.starts_with('-') {
            program = Some(o.as_str());
        } else {
            return None;
        }
    }
    let body = program?.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
    let body = body.strip_suffix(';').unwrap_or(body).trim();
    let n = body.strip_prefix("print")?.trim().strip_prefix('$')?;
    let field = n.parse::<usize>().ok().filter(|f| *f > 0)?;
    // A blank separator is awk's default (runs of blanks), not one character.
    Some((delim.filter(|d| d != &[' ']), field))
}

/// What `-F SEP` splits on, when each separator is one character: a single character is itself
/// (awk takes it literally); longer, SEP is an extended regular expression, read only when it is
/// one of single characters (`;|/`, as Alfresco's chart splits a JDBC URL) or a bracket of them
/// (`[;/]`). Anything else (`.*`, ranges, two-character separators) is not read.
fn awk_separator(sep: &str) -> Option<Vec<char>> {
    let chars: Vec<char> = sep.chars().collect();
    let literal = |c: &char| !"\\.[]()*+?{}|^$-".contains(*c);
    match chars.as_slice() {
        [c] => Some(vec![*c]),
        ['[', inner @ .., ']'] if !inner.is_empty() && inner.iter().all(literal) => {
            Some(inner.to_vec())
        }
        _ => {
            let alternatives: Vec<&str> = sep.split('|').collect();
            let one: Option<Vec<char>> = alternatives
                .iter()
                .map(|a| {
                    let mut it = a.chars();
                    it.next().filter(|c| literal(c) && it.next().is_none())
                })
                .collect();
            one.filter(|v| v.len() > 1)
        }
    }
}
