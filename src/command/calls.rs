//! The parts of a script that run a body of commands elsewhere: a function's body where it is
//! called (its arguments as `$1`…), a `for` loop's body once per known value, and bitnami's
//! `retry_while "CMD"` read as the retry loop it is. Each call and iteration spends the walk's
//! budget ([`super::script::BUDGET`]).

use super::Extraction;
use super::args::Arg;
use super::line::{Reader, basename};
use super::script::{ELEMENTS, LISTED_BY_DNS, within};
use crate::command::expand::{EnvTable, Unknown, Value};
use crate::command::shell::{Ctx, Guard, Loop, Piece, SimpleCommand, Word};

/// Values of one `for` loop followed (beyond, its variable is unknown).
const MAX_VALUES: usize = 16;

impl Reader<'_> {
    /// The body of a `for` loop, once per value when its values are known.
    pub(super) fn for_loop(
        &self,
        var: Option<&str>,
        words: Option<&[Word]>,
        body: &[SimpleCommand],
        env: &mut EnvTable,
        out: &mut Extraction,
        depth: usize,
    ) {
        let values = words.and_then(|ws| self.values(ws, env));
        let values = match values {
            // `for h in "${empty[@]}"`, `for h in $EMPTY`: the body never runs.
            Some(v) if v.is_empty() && words.is_some() => return,
            Some(v) if !v.is_empty() && v.len() <= MAX_VALUES && self.spend(v.len()) => v,
            _ => {
                if let Some(var) = var {
                    // `for ip in $(dig +short peers)`: the hosts a DNS answer lists.
                    let listed = words.is_some_and(|ws| ws.iter().any(lists_hosts));
                    let text = if listed {
                        format!("${var} {LISTED_BY_DNS}")
                    } else {
                        format!("${var} (a value of the for loop)")
                    };
                    env.set(var, Value::Unknown(Unknown::Dynamic { text }));
                }
                return self.script(body, env, out, depth);
            }
        };
        let mut inner = Extraction::default();
        for v in values {
            if let Some(var) = var {
                env.set(
                    var,
                    Value::Known {
                        text: v,
                        note: None,
                    },
                );
            }
            self.script(body, env, &mut inner, depth);
        }
        for c in inner.checks {
            if !out.checks.contains(&c) {
                out.checks.push(c);
            }
        }
        for n in inner.not_understood {
            if !out.not_understood.contains(&n) {
                out.not_understood.push(n);
            }
        }
    }

    /// The values a `for` loop's words give, when all are known.
    fn values(&self, words: &[Word], env: &EnvTable) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for w in words {
            if let [Piece::Param { name, .. }] = w.pieces.as_slice()
                && name.ends_with("[@]")
            {
                match env.shell(name) {
                    // An empty array gives no value (the loop does not run).
                    Value::Known { text, .. } if text.is_empty() => continue,
                    Value::Known { text, .. } => {
                        out.extend(text.split(ELEMENTS).map(str::to_string));
                        continue;
                    }
                    Value::Unknown(_) => return None,
                }
            }
            let text = self.eval(w, env).known()?.to_string();
            if w.quoted {
                out.push(text);
            } else {
                out.extend(text.split_whitespace().map(str::to_string));
            }
        }
        Some(out)
    }

    fn spend(&self, n: usize) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(n));
        left >= n
    }

    /// A function of the script, or bitnami's `retry_while`: true when `name` was one.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call(
        &self,
        name: &str,
        args: &[Arg],
        raw: &str,
        ctx: Ctx,
        env: &EnvTable,
        out: &mut Extraction,
        depth: usize,
        timeout: Option<&str>,
    ) -> bool {
        if name == "retry_while" && self.retry_while_is_bitnamis() {
            // `retry_while "CMD" [RETRIES [SLEEP]]` (libos.sh): runs CMD, split into words, until
            // it succeeds or RETRIES runs fail.
            let Some(cmd) = args.get(1).and_then(Arg::known) else {
                out.not_understood.push(raw.to_string());
                return true;
            };
            let words: Vec<Word> = cmd.split_whitespace().map(literal_word).collect();
            let looped = Ctx {
                guard: Some(Guard::Until),
                negated: false,
                in_loop: Some(Loop::Until),
                last_in_pipeline: true,
                or_else: false,
                ends_script: false,
            };
            if !words.is_empty() {
                self.command(
                    &words,
                    raw,
                    within(looped, ctx),
                    env,
                    out,
                    depth + 1,
                    timeout.map(str::to_string),
                );
            }
            return true;
        }
        let Some(body) = self.functions.borrow().get(name).cloned() else {
            return false;
        };
        if !self.spend(1) {
            out.not_understood.push(raw.to_string());
            return true;
        }
        let mut fenv = env.clone();
        // `$#`: the call's arguments are known to be these (`$3` past them is empty).
        fenv.set(
            "#",
            Value::Known {
                text: (args.len() - 1).to_string(),
                note: None,
            },
        );
        for (i, a) in args.iter().enumerate().skip(1) {
            let v = match a.known() {
                Some(t) => Value::Known {
                    text: t.to_string(),
                    note: None,
                },
                None => Value::Unknown(a.unknowns.first().cloned().unwrap_or(Unknown::Dynamic {
                    text: a.written.clone(),
                })),
            };
            fenv.set(&i.to_string(), v);
        }
        let body: Vec<SimpleCommand> = body
            .into_iter()
            .map(|c| SimpleCommand {
                ctx: within(c.ctx, ctx),
                ..c
            })
            .collect();
        self.script(&body, &mut fenv, out, depth + 1);
        true
    }

    /// `retry_while` not defined by the script, or defined as bitnami's libos.sh defines it.
    fn retry_while_is_bitnamis(&self) -> bool {
        match self.functions.borrow().get("retry_while") {
            None => true,
            Some(body) => {
                body.iter().any(|c| c.raw.starts_with("read -r -a command"))
                    && body.iter().any(|c| c.raw.starts_with("\"${command[@]}\""))
            }
        }
    }
}

/// `$(dig +short peers)`, `` `nslookup svc` ``: a word whose value is a DNS answer.
fn lists_hosts(word: &Word) -> bool {
    word.pieces.iter().any(|p| match p {
        Piece::Subst { inner, .. } => inner
            .split_whitespace()
            .next()
            .map(basename)
            .is_some_and(|n| matches!(n.as_str(), "dig" | "nslookup" | "host" | "getent")),
        _ => false,
    })
}

/// A word of literal text.
pub(super) fn literal_word(text: &str) -> Word {
    Word {
        pieces: vec![Piece::Text(text.to_string())],
        written: text.to_string(),
        quoted: true,
        notes: Vec::new(),
    }
}
