//! Reading one command line: a container's argv or a script's simple commands, with their
//! shell assignments, wrappers (`exec`, `env`, `timeout`, nested `sh -c`) peeled off, and the
//! tool matched in [`super::tools::TOOLS`].

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use super::args::Arg;
use super::argv::shell_script;
use super::params;
use super::plumbing::{PLUMBING, SHELLS, WRAPPERS};
use super::tools::{self, Call};
use super::{Check, Extraction, Mode, Tool};
use crate::command::expand::{EnvTable, NAMESPACE_FILE, Value};
use crate::command::shell::{self, Ctx, Guard, Loop, Piece, Word};

/// How deep `sh -c` may nest inside `sh -c`.
pub(super) const MAX_NESTING: usize = 16;
/// How many wrappers (`exec`, `timeout`, `env`, nested shells) a command may have.
const MAX_COMMAND_DEPTH: usize = 32;

pub(super) struct Reader<'a> {
    pub namespace: &'a str,
    /// The functions the script being read defines (see [`super::script`]).
    pub functions: RefCell<BTreeMap<String, Vec<shell::SimpleCommand>>>,
    /// The script being read is run by bash (`/dev/tcp/…` connects).
    pub bash: Cell<bool>,
    /// Function calls and loop iterations left to follow (bounds the work on any script).
    pub budget: Cell<usize>,
    /// Work left, in steps (a character read, compared or copied): at 0 the reader stops and
    /// the container is "too complex to read" (see [`super::STEPS`]).
    pub steps: Cell<u64>,
    /// How deep `$(…)` is being evaluated inside `$(…)`.
    pub nesting: Cell<usize>,
    /// The files the script wrote from here-documents (see [`super::files`]).
    pub files: RefCell<Vec<(String, super::files::Lines)>>,
}

impl Reader<'_> {
    /// Spend `n` steps; false (and no steps left) when there were not that many.
    pub(super) fn charge(&self, n: usize) -> bool {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        let left = self.steps.get();
        self.steps.set(left.saturating_sub(n));
        n < left
    }

    /// The budget is spent: what is read from here on is not used.
    pub(super) fn exhausted(&self) -> bool {
        self.steps.get() == 0
    }

    /// One simple command: wrappers peeled, a nested shell read, a tool matched.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn command(
        &self,
        words: &[Word],
        raw: &str,
        ctx: Ctx,
        env: &EnvTable,
        out: &mut Extraction,
        depth: usize,
        timeout: Option<String>,
    ) {
        if depth > MAX_COMMAND_DEPTH {
            out.not_understood.push(raw.to_string());
            return;
        }
        // `"${a[@]}"`: one word per element of the array, none for an empty one.
        let spread = params::spread(words, env);
        let words = spread.as_deref().unwrap_or(words);
        let args: Vec<Arg> = words.iter().map(|w| self.eval(w, env)).collect();
        let Some(first) = args.first() else {
            return;
        };
        // `CMD="pg_isready -h db"; until $CMD`: an unquoted variable's value is split into
        // words, the first of them the command.
        if let [Piece::Param { .. }] = words[0].pieces.as_slice()
            && !words[0].quoted
            && let Some(text) = first.known()
            && text.split_whitespace().nth(1).is_some()
        {
            let split: Vec<Word> = text
                .split_whitespace()
                .map(super::calls::literal_word)
                .chain(words[1..].iter().cloned())
                .collect();
            return self.command(&split, raw, ctx, env, out, depth + 1, timeout);
        }
        let Some(name) = first.known().map(basename) else {
            out.not_understood.push(raw.to_string());
            return;
        };
        let rest = &words[1..];
        // Wrappers.
        if WRAPPERS.contains(&name.as_str()) {
            let skip = rest
                .iter()
                .take_while(|w| w.literal().is_some_and(|t| t.starts_with('-')))
                .count();
            if rest.len() > skip {
                return self.command(&rest[skip..], raw, ctx, env, out, depth + 1, timeout);
            }
            return;
        }
        if name == "env" {
            let mut local = env.clone();
            let mut i = 0;
            while let Some(w) = rest.get(i) {
                if let Some((n, v)) = assignment(w) {
                    let v = self.eval(&v, &local);
                    if let Some(t) = v.known() {
                        local.set(
                            &n,
                            Value::Known {
                                text: t.into(),
                                note: None,
                            },
                        );
                    }
                } else if !w.literal().is_some_and(|t| t.starts_with('-')) {
                    break;
                }
                i += 1;
            }
            if i < rest.len() {
                return self.command(&rest[i..], raw, ctx, &local, out, depth + 1, timeout);
            }
            return;
        }
        if name == "timeout" {
            // GNU `timeout [-s SIG] [-k D] DURATION CMD…`, old busybox `timeout -t N CMD…`.
            let mut i = 1;
            let mut limit = None;
            while let Some(t) = args.get(i).and_then(|a| a.known()) {
                match t {
                    "-s" | "-k" | "--signal" | "--kill-after" => i += 2,
                    "-t" => {
                        limit = args.get(i + 1).map(|a| a.written.clone());
                        i += 2;
                        break;
                    }
                    t if t.starts_with('-') => i += 1,
                    _ => break,
                }
            }
            if limit.is_none() {
                limit = args.get(i).map(|a| a.written.clone());
                i += 1;
            }
            if i < words.len() {
                return self.command(&words[i..], raw, ctx, env, out, depth + 1, limit);
            }
            return;
        }
        if SHELLS.contains(&name.as_str()) {
            if let Some((_, idx)) = shell_script(words)
                && depth < MAX_NESTING
            {
                let script = &args[idx];
                match script.known() {
                    Some(text) => {
                        if !self.charge(text.len()) {
                            return;
                        }
                        let parsed = shell::parse_text(text);
                        if out.syntax_error.is_none() {
                            out.syntax_error = parsed.error.clone();
                        }
                        let mut inner_env = env.clone();
                        let mut inner_out = Extraction::default();
                        // A nested shell sees none of the outer script's functions.
                        let functions = self.functions.take();
                        let bash = self.bash.replace(name == "bash");
                        self.script(&parsed.commands, &mut inner_env, &mut inner_out, depth + 1);
                        self.functions.replace(functions);
                        self.bash.set(bash);
                        for mut c in inner_out.checks {
                            // The outer position decides how the whole inner script is used.
                            if c.mode == Mode::Once && ctx.guard.is_some() {
                                c.mode = mode_of(ctx);
                            }
                            c.timeout = c.timeout.or_else(|| timeout.clone());
                            c.in_loop |= ctx.in_loop.is_some();
                            // The inner script's failure is the outer command's.
                            c.ends_script &= ctx.ends_script;
                            c.handled |= ctx.or_else || ctx.guard.is_some() || ctx.negated;
                            out.checks.push(c);
                        }
                        out.not_understood.extend(inner_out.not_understood);
                    }
                    None => out.not_understood.push(raw.to_string()),
                }
                return;
            }
            out.not_understood.push(raw.to_string());
            return;
        }
        if self.call(&name, &args, raw, ctx, env, out, depth, timeout.as_deref()) {
            return;
        }
        if PLUMBING.contains(&name.as_str()) {
            return;
        }
        let (spec, mut targets) = match tools::classify(&name, &args) {
            Some(spec) => {
                let targets = (spec.read)(&mut Call {
                    reader: self,
                    tool: spec.tool,
                    args: &args[1..],
                    env,
                    ctx,
                    out,
                    depth,
                    timeout: timeout.clone(),
                });
                (spec, targets)
            }
            None => (Tool::UrlClient.spec(), Vec::new()),
        };
        // A client not read otherwise, handed a service's URL from the environment.
        let spec = match targets.is_empty() && !spec.target_optional {
            true => {
                targets = tools::env_url::named_in(raw, env);
                if targets.is_empty() {
                    targets = tools::env_url::literal_in(&args[1..]);
                }
                Tool::UrlClient.spec()
            }
            false => spec,
        };
        let tool = spec.tool;
        if targets.is_empty() && !spec.target_optional {
            out.not_understood.push(raw.to_string());
            return;
        }
        let mode = if spec.waits && ctx.guard.is_none() {
            Mode::ToolWaits
        } else {
            mode_of(ctx)
        };
        let notes: Vec<String> = {
            let mut n: Vec<String> = Vec::new();
            for a in &args {
                for note in &a.notes {
                    if !n.contains(note) {
                        n.push(note.clone());
                    }
                }
            }
            n
        };
        let http_errors_pass = tool == Tool::Curl
            && !args.iter().any(|a| {
                let t = a.text.as_str();
                t.starts_with("--fail")
                    || (t.starts_with('-') && !t.starts_with("--") && t[1..].contains('f'))
            });
        for target in targets {
            out.checks.push(Check {
                tool,
                fragment: raw.to_string(),
                target,
                mode,
                decides: ctx.last_in_pipeline,
                notes: notes.clone(),
                http_errors_pass,
                timeout: timeout.clone(),
                in_loop: ctx.in_loop.is_some(),
                handled: ctx.or_else || ctx.guard.is_some() || ctx.negated,
                ends_script: ctx.ends_script,
                times: 1,
            });
        }
    }
}

/// The check's repetition, from its place in the script.
pub(super) fn mode_of(ctx: Ctx) -> Mode {
    match (ctx.guard, ctx.negated, ctx.in_loop) {
        (Some(Guard::Until), false, _)
        | (Some(Guard::While), true, _)
        | (Some(Guard::If), _, Some(Loop::For | Loop::While | Loop::Until)) => Mode::Loop,
        (Some(Guard::Until), true, _) | (Some(Guard::While), false, _) => Mode::LoopWhileSucceeds,
        _ => Mode::Once,
    }
}

/// True for `cat /var/run/secrets/kubernetes.io/serviceaccount/namespace` (or `< file`).
pub(super) fn namespace_read(inner: &str) -> bool {
    let t = inner.trim();
    let file = t
        .strip_prefix("cat ")
        .or_else(|| t.strip_prefix('<'))
        .map(|f| f.trim().trim_matches(['"', '\'']));
    file == Some(NAMESPACE_FILE)
}

/// `NAME=value` as the first word: the name and the value's word.
pub(super) fn assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Piece::Text(first)) = word.pieces.first() else {
        return None;
    };
    let (name, after) = first.split_once('=')?;
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return None;
    }
    let mut pieces = Vec::new();
    if !after.is_empty() {
        pieces.push(Piece::Text(after.to_string()));
    }
    pieces.extend(word.pieces[1..].iter().cloned());
    let written = word
        .written
        .split_once('=')
        .map(|(_, w)| w.to_string())
        .unwrap_or_default();
    Some((
        name.to_string(),
        Word {
            pieces,
            written,
            quoted: word.quoted,
            notes: word.notes.clone(),
        },
    ))
}

pub(super) fn basename(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}
