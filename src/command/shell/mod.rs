//! A small POSIX shell reader for `sh -c` / `bash -c` scripts: it finds the commands an init
//! container runs and the loop each one guards (for `waits`), and the scripts sh
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
//!
//! `lexer` cuts the script into tokens and `words` reads each word's quoting and
//! expansions; `parser` reads the grammar (lists, pipelines, simple commands) and `walk` the
//! compound commands, giving each simple command its [`Ctx`]; `syntax` words what sh refuses.

mod lexer;
mod parser;
mod syntax;
mod walk;
mod words;

use std::cell::Cell;

use crate::command::expand::{Ch, Reference, Unknown};
use lexer::Lexer;
pub(crate) use parser::ASSIGNERS;
use parser::Parser;
use syntax::{Fault, skim, syntax_error};

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
    /// `${NAME%PATTERN}` and its kin: the value with a matching suffix or prefix removed.
    Trim {
        name: String,
        trim: Trim,
        /// A glob of literal text, `*` and `?`.
        pattern: String,
        written: String,
    },
    /// bash's `${NAME//TEXT/WITH}` (every `TEXT`) and `${NAME/TEXT/WITH}` (the first), with
    /// literal text (a glob or a quote is only known at run time).
    Replace {
        name: String,
        text: String,
        with: String,
        all: bool,
        written: String,
    },
    /// `$(…)` or a backquoted command.
    Subst { inner: String, written: String },
    /// `$1`, `$?`, `$((…))`, `${#X}`…: only known at run time.
    Dynamic { written: String },
}

/// Which end `${NAME%…}`, `%%`, `#` and `##` remove, and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    /// `%`: the shortest matching suffix.
    Suffix,
    /// `%%`: the longest matching suffix.
    LongestSuffix,
    /// `#`: the shortest matching prefix.
    Prefix,
    /// `##`: the longest matching prefix.
    LongestPrefix,
}

impl Trim {
    /// `value` with the part matching `pattern` removed, as sh does; `None` when the pattern
    /// has what is not read here (bracket expressions) or when matching would spend more than
    /// `steps` has left (each character compared costs one; `steps` is then 0).
    pub fn apply(self, value: &str, pattern: &str, steps: &Cell<u64>) -> Option<String> {
        if pattern.contains('[') {
            return None;
        }
        let p: Vec<char> = pattern.chars().collect();
        let v: Vec<char> = value.chars().collect();
        let n = v.len();
        let cut = |at: usize, keep_head: bool| -> String {
            if keep_head {
                v[..at].iter().collect()
            } else {
                v[at..].iter().collect()
            }
        };
        // Each candidate is matched in O(len · pattern) at worst, and every comparison is paid
        // for: a value and pattern built to make matching slow run out of steps instead.
        let mut out_of_steps = false;
        let mut matches = |text: &[char]| {
            glob(&p, text, steps).unwrap_or_else(|| {
                out_of_steps = true;
                true
            })
        };
        let found = match self {
            Trim::Suffix => (0..=n)
                .rev()
                .find(|&i| matches(&v[i..]))
                .map(|i| cut(i, true)),
            Trim::LongestSuffix => (0..=n).find(|&i| matches(&v[i..])).map(|i| cut(i, true)),
            Trim::Prefix => (0..=n).find(|&i| matches(&v[..i])).map(|i| cut(i, false)),
            Trim::LongestPrefix => (0..=n)
                .rev()
                .find(|&i| matches(&v[..i]))
                .map(|i| cut(i, false)),
        };
        if out_of_steps {
            return None;
        }
        Some(found.unwrap_or_else(|| value.to_string()))
    }
}

/// Whether `text` matches the glob `p` (`*`, `?`, literal characters); `None` when `steps`
/// ran out (it is then 0). Two pointers and the last `*` seen, never recursion:
/// O(len(text) · len(p)) at worst.
pub(crate) fn glob(p: &[char], text: &[char], steps: &Cell<u64>) -> Option<bool> {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    let left = steps.get();
    let mut spent: u64 = 0;
    let verdict = loop {
        spent += 1;
        if spent > left {
            steps.set(0);
            return None;
        }
        if ti == text.len() {
            break p[pi.min(p.len())..].iter().all(|&c| c == '*');
        }
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == text[ti] => {
                pi += 1;
                ti += 1;
            }
            // Let the last `*` take one more character, and go on after it.
            _ => match star {
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    pi = sp + 1;
                    ti = st + 1;
                }
                None => break false,
            },
        }
    };
    steps.set(left - spent);
    Some(verdict)
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

    pub(super) fn push_char(&mut self, c: char) {
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
    /// In the script's last and-or list, at its top level, the last of its pipeline and not
    /// under `||`, `!` or a condition: when it fails, the script ends with its failure (`A &&
    /// B` last: either).
    pub ends_script: bool,
}

/// One simple command: its words (assignments first), the text as written, its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    pub raw: String,
    pub ctx: Ctx,
    /// The function definitions and `for` loops around it, outermost first.
    pub frames: Vec<Frame>,
    /// `NAME=(…)`: a bash array's elements (the assignment word is `NAME=`).
    pub array: Option<Vec<Word>>,
    /// Redirections to `/dev/tcp/HOST/PORT` (bash opens a connection for them).
    pub dev_tcp: Vec<Word>,
    /// The commands of a here-document on its standard input (`sh <<EOF … EOF`), read as a
    /// script: a shell reading it runs them.
    pub stdin_script: Option<Vec<SimpleCommand>>,
    /// The here-document's delimiter was quoted (`<<'EOF'`): its body is not expanded.
    pub stdin_quoted: bool,
    /// The file its output is redirected to (`> FILE`, `>> FILE`; `N> FILE` is not told apart).
    pub stdout: Option<Word>,
}

/// What encloses a command beyond its [`Ctx`]: a function body, or a `for` loop's variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The body of `NAME() { … }`: run where the function is called, not where it is defined.
    Function(String),
    /// `for VAR in WORDS; do …; done` (`id` tells two loops apart); `None` words: `for VAR; do`
    /// or bash's `for ((…))`, whose values are not read.
    For {
        id: usize,
        var: Option<String>,
        words: Option<Vec<Word>>,
    },
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

/// Read a script given as expanded characters (see [`crate::command::expand`]).
pub fn parse(chars: &[Ch], refs: &[Reference]) -> Script {
    let mut parser = Parser {
        lx: Lexer::new(chars, refs, 0),
        peeked: None,
        commands: Vec::new(),
        depth: 0,
        words_seen: Vec::new(),
        open: Vec::new(),
        frames: Vec::new(),
        loops: 0,
        dev_tcp: Vec::new(),
        stdout: None,
        pushed_at: Vec::new(),
        last_list: 0,
    };
    let result = parser.program();
    // Here-document bodies, read as scripts of their own (a shell fed one runs it).
    for (owner, range, quoted) in std::mem::take(&mut parser.lx.bodies) {
        if let Some(cmd) = parser.commands.get_mut(owner) {
            let body = parse(&chars[range], refs);
            cmd.stdin_script = Some(body.commands);
            cmd.stdin_quoted = quoted;
        }
    }
    let error = match result {
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
        words.iter().map(ToString::to_string).collect()
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
            // A time budget per input: a slow input fails (generous for a debug build on a busy
            // machine; parsing 160 characters takes microseconds).
            let start = std::time::Instant::now();
            let _ = parse_text(&script);
            let took = start.elapsed();
            proptest::prop_assert!(took < std::time::Duration::from_secs(2), "{script:?} took {took:?}");
        }
    }
}
