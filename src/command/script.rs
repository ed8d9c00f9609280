//! Walking a script's simple commands: assignments kept, function bodies run where the
//! functions are called (with their arguments as `$1`…), `for` loops run once per known value,
//! bitnami's `retry_while "CMD"` read as the retry loop it is, and the commands inside
//! `X=$(…)` read too. Commands whose output is certain (`echo $HP | cut -d: -f1`) give it.
//! Function calls, `for` loops and `retry_while` are in `calls.rs`.

use super::args::{Arg, marker_index};
use super::line::{Reader, assignment, basename, mode_of, namespace_read};
use super::{Check, Extraction};
use crate::command::expand::{EnvTable, Unknown, Value};
use crate::command::shell::{self, ASSIGNERS, Ctx, Frame, Guard, Piece, SimpleCommand, Word};

/// Function calls and loop iterations followed per container: beyond, a call is not
/// understood and a loop runs once with its variable unknown.
pub(super) const BUDGET: usize = 256;
/// What reading one simple command costs beyond its length, in steps (words built, the tool
/// matched, the check recorded): measured, about what 256 comparisons of a glob cost.
const PER_COMMAND: usize = 256;
/// How an array's elements are kept in one variable's text.
pub(super) const ELEMENTS: char = '\u{1f}';

impl Reader<'_> {
    /// Walk a script's simple commands in order, keeping shell assignments.
    pub(super) fn script(
        &self,
        commands: &[SimpleCommand],
        env: &mut EnvTable,
        out: &mut Extraction,
        depth: usize,
    ) {
        let mut i = 0;
        while i < commands.len() {
            let cmd = &commands[i];
            // Every command read costs its length, and a copy of the variables it may change.
            if !self.charge(PER_COMMAND + cmd.raw.len() + env.weight()) {
                return;
            }
            if let Some(frame) = cmd.frames.first() {
                let len = commands[i..]
                    .iter()
                    .take_while(|c| c.frames.first() == Some(frame))
                    .count();
                let body: Vec<SimpleCommand> = commands[i..i + len]
                    .iter()
                    .map(|c| SimpleCommand {
                        frames: c.frames[1..].to_vec(),
                        ..c.clone()
                    })
                    .collect();
                match frame {
                    Frame::Function(name) => {
                        self.functions.borrow_mut().insert(name.clone(), body);
                    }
                    Frame::For { var, words, .. } => {
                        self.for_loop(var.as_deref(), words.as_deref(), &body, env, out, depth);
                    }
                }
                i += len;
                continue;
            }
            // A here-document written to a file (`cat <<EOF > /tmp/my.cnf`): kept for a client
            // pointed at it.
            if let Some(body) = &cmd.stdin_script
                && cmd.stdout.is_some()
                && first_name(cmd).as_deref() == Some("cat")
            {
                self.remember_file(cmd, body, env);
            }
            // A here-document fed to a shell (`sh <<EOF`, `cat <<EOF | sh`): its script runs.
            if let Some(body) = &cmd.stdin_script
                && depth < 8
            {
                let next_reads = !cmd.ctx.last_in_pipeline
                    && first_name(cmd).as_deref() == Some("cat")
                    && commands.get(i + 1).is_some_and(reads_script_from_stdin);
                if reads_script_from_stdin(cmd) || next_reads {
                    self.script(body, &mut env.clone(), out, depth + 1);
                    i += if next_reads { 2 } else { 1 };
                    continue;
                }
            }
            // `X; status=$?` in a loop: the loop tests X's status (`if [ $status -eq 0 ]`).
            let mut ctx = cmd.ctx;
            if ctx.guard.is_none()
                && ctx.in_loop.is_some()
                && commands.get(i + 1).is_some_and(saves_status)
            {
                ctx.guard = Some(Guard::If);
            }
            self.simple(cmd, ctx, env, out, depth);
            i += 1;
        }
    }

    fn simple(
        &self,
        cmd: &SimpleCommand,
        ctx: Ctx,
        env: &mut EnvTable,
        out: &mut Extraction,
        depth: usize,
    ) {
        if self.bash.get() {
            for w in &cmd.dev_tcp {
                let arg = self.eval(w, env);
                if let Some(target) = super::tools::dev_tcp(&arg) {
                    self.push(out, cmd, ctx, target);
                }
            }
        }
        // Leading NAME=value words: alone they set shell variables; before a command, only
        // that command's environment.
        let mut local = env.clone();
        let mut start = 0;
        for w in &cmd.words {
            let Some((name, value)) = assignment(w) else {
                break;
            };
            self.substitutions(&value, ctx, &local, out, depth);
            match (&cmd.array, cmd.words.len()) {
                (Some(elements), 1) => {
                    let val = self.array(elements, &local);
                    local.set(&format!("{name}[@]"), val);
                }
                _ => self.assign(&mut local, &name, &value),
            }
            start += 1;
        }
        let words = &cmd.words[start..];
        if words.is_empty() {
            *env = local;
            return;
        }
        // `[ "$(curl …)" != 200 ]`, `echo $(nc …)`: the commands inside `$(…)` of the words
        // run there too (a known tool's own arguments are read by the tool).
        if !is_tool(words, &local, self) {
            for w in words {
                self.substitutions(w, ctx, &local, out, depth);
            }
        }
        // `read [-r] NAME…` sets its variables to what it reads at run time.
        if words.first().and_then(Word::plain) == Some("read") {
            for w in &words[1..] {
                if let Some(name) = w.plain().filter(|t| !t.starts_with('-')) {
                    env.set(
                        name,
                        Value::Unknown(Unknown::Dynamic {
                            text: format!("${name} {READ_AT_RUN_TIME}"),
                        }),
                    );
                }
            }
            return;
        }
        // `export NAME=value`, `local -r NAME=value` set a variable too.
        if let Some(builtin) = words.first().and_then(Word::plain)
            && ASSIGNERS.contains(&builtin)
        {
            let last = words.len() - 1;
            for (i, w) in words.iter().enumerate().skip(1) {
                if let Some((name, value)) = assignment(w) {
                    self.substitutions(&value, ctx, &local, out, depth);
                    // `local a=(1 2)`: the parser keeps the last word's elements.
                    let (name, val) = match &cmd.array {
                        Some(elements) if i == last && w.written.ends_with('=') => {
                            (format!("{name}[@]"), self.array(elements, &local))
                        }
                        _ => (name, self.value(&value, &local)),
                    };
                    env.set(&name, val.clone());
                    local.set(&name, val);
                }
            }
            return;
        }
        self.command(words, &cmd.raw, ctx, &local, out, depth, None);
    }

    /// `NAME=word`: the word's value; text that mixes known characters and several unknowns
    /// (`E=${HOST}":"${PORT}`) keeps every part (see [`EnvTable::set_partial`]).
    fn assign(&self, env: &mut EnvTable, name: &str, word: &Word) {
        let v = self.eval(word, env);
        // Worth keeping: known characters beside the unknowns, or more than one unknown.
        let mixed = v.unknowns.len() > 1 || v.text.chars().any(|c| marker_index(c).is_none());
        if v.known().is_none() && mixed {
            env.set_partial(name, v.text, v.unknowns);
        } else {
            let value = self.value(word, env);
            env.set(name, value);
        }
    }

    /// A word's value for a variable.
    fn value(&self, word: &Word, env: &EnvTable) -> Value {
        let v = self.eval(word, env);
        match v.known() {
            Some(t) => Value::Known {
                text: t.to_string(),
                note: None,
            },
            None => Value::Unknown(v.unknowns.first().cloned().unwrap_or(Unknown::Dynamic {
                text: word.written.clone(),
            })),
        }
    }

    /// `NAME=(a b c)`: the elements, kept in one text (see [`ELEMENTS`]); `()` is the empty
    /// text (and so is `("")`, read as empty too).
    fn array(&self, elements: &[Word], env: &EnvTable) -> Value {
        let mut texts = Vec::new();
        for w in elements {
            match self.eval(w, env).known() {
                Some(t) => texts.push(t.to_string()),
                None => {
                    return Value::Unknown(Unknown::Dynamic {
                        text: w.written.clone(),
                    });
                }
            }
        }
        let text: String = texts.join(&ELEMENTS.to_string());
        Value::Known { text, note: None }
    }

    /// The commands inside `$(…)` of an assigned value run where the assignment is. Inside a
    /// loop they are polled: their output is what the loop tests (`until [ "$(X)" = ok ]`,
    /// `while true; do OUT=$(X); if …; then break; fi; done`).
    fn substitutions(
        &self,
        word: &Word,
        ctx: Ctx,
        env: &EnvTable,
        out: &mut Extraction,
        depth: usize,
    ) {
        for piece in &word.pieces {
            let Piece::Subst { inner, .. } = piece else {
                continue;
            };
            // `echo … | cut …` (whose output may be certain) runs nothing to read: each
            // `$(…)` is evaluated once, where the value is.
            if namespace_read(inner) || depth > 8 || !self.charge(inner.len()) {
                continue;
            }
            let parsed = shell::parse_text(inner);
            let outer = match ctx.in_loop {
                Some(_) => Ctx {
                    guard: Some(Guard::If),
                    negated: false,
                    ..ctx
                },
                None => ctx,
            };
            let body: Vec<SimpleCommand> = parsed
                .commands
                .into_iter()
                .map(|c| SimpleCommand {
                    ctx: within(c.ctx, outer),
                    ..c
                })
                .collect();
            let mut inner_env = env.clone();
            let mut inner_out = Extraction::default();
            self.script(&body, &mut inner_env, &mut inner_out, depth + 1);
            // Only the checks: what was not understood there was never reported before.
            out.checks.extend(inner_out.checks);
        }
    }

    fn push(&self, out: &mut Extraction, cmd: &SimpleCommand, ctx: Ctx, target: super::Target) {
        out.checks.push(Check {
            tool: super::Tool::DevTcp,
            fragment: cmd.raw.clone(),
            target,
            mode: mode_of(ctx),
            decides: ctx.last_in_pipeline,
            notes: Vec::new(),
            http_errors_pass: false,
            timeout: None,
            in_loop: ctx.in_loop.is_some(),
            handled: ctx.or_else || ctx.guard.is_some() || ctx.negated,
            ends_script: ctx.ends_script,
            times: 1,
        });
    }
}

/// A command's place inside a call (or substitution) made at `outer`: the call's loop and
/// condition hold for the commands inside, unless they have their own.
pub(super) fn within(inner: Ctx, outer: Ctx) -> Ctx {
    let negated = match inner.guard {
        Some(_) => inner.negated,
        None => inner.negated ^ outer.negated,
    };
    Ctx {
        guard: inner.guard.or(outer.guard),
        negated,
        in_loop: inner.in_loop.or(outer.in_loop),
        last_in_pipeline: inner.last_in_pipeline && outer.last_in_pipeline,
        or_else: inner.or_else || outer.or_else,
        ends_script: inner.ends_script && outer.ends_script,
    }
}

/// How a variable set by `read` is described (see [`super::discovery`]).
pub(super) const READ_AT_RUN_TIME: &str = "(read at run time)";
/// How a `for` variable over a DNS answer is described (see [`super::discovery`]).
pub(super) const LISTED_BY_DNS: &str = "(a host a DNS answer lists at run time)";

/// True when the command is a tool of [`super::tools::TOOLS`] (it reads its own arguments).
fn is_tool(words: &[Word], env: &EnvTable, reader: &Reader) -> bool {
    let args: Vec<Arg> = words.iter().take(2).map(|w| reader.eval(w, env)).collect();
    args.first()
        .and_then(Arg::known)
        .map(basename)
        .is_some_and(|name| super::tools::classify(&name, &args).is_some())
}

/// `status=$?`: saves the previous command's exit status.
fn saves_status(cmd: &SimpleCommand) -> bool {
    cmd.frames.is_empty()
        && cmd.words.len() == 1
        && assignment(&cmd.words[0]).is_some_and(
            |(_, v)| matches!(v.pieces.as_slice(), [Piece::Dynamic { written }] if written == "$?"),
        )
}

/// The command's name (its first word after assignments), without its directory.
fn first_name(cmd: &SimpleCommand) -> Option<String> {
    cmd.words
        .iter()
        .find(|w| assignment(w).is_none())
        .and_then(Word::plain)
        .map(basename)
}

/// A shell run without `-c` (`sh`, `bash -s`, `sh -e`): it reads its script from stdin.
fn reads_script_from_stdin(cmd: &SimpleCommand) -> bool {
    let Some(name) = first_name(cmd) else {
        return false;
    };
    super::plumbing::SHELLS.contains(&name.as_str())
        && !cmd.words.iter().skip(1).any(|w| {
            w.plain()
                .is_some_and(|t| !t.starts_with('-') || (!t.starts_with("--") && t.contains('c')))
        })
}

#[cfg(test)]
mod tests {
    use super::super::tools::tests::{Seen, seen_in};

    #[test]
    fn script_shapes() {
        let retry = "retry_while() {\n  local -r cmd=\"${1:?cmd is missing}\"\n  read -r -a command <<< \"$cmd\"\n  for ((i = 1 ; i <= 12 ; i+=1 )); do\n    \"${command[@]}\" && return_value=0 && break\n    sleep 5\n  done\n}\n";
        let with_retry = |rest: &str| format!("{retry}{rest}");
        let cases: Vec<(&str, String, Vec<Seen>)> = vec![
            // A function runs where it is called, with its arguments as $1, $2.
            (
                "bash",
                with_retry("check() {\n  local -r h=\"${1:-?}\"\n  if nc -z $h $2; then return 0; fi\n}\nretry_while \"check db 5432\"\n"),
                vec![("nc", "db", Some(5432), "Loop")],
            ),
            // bitnami's retry_while from libos.sh (not defined in the script).
            (
                "bash",
                ". /opt/bitnami/scripts/libos.sh\nretry_while \"nc -z db 5432\" 12 30".into(),
                vec![("nc", "db", Some(5432), "Loop")],
            ),
            // A retry_while of the script's own making is an ordinary function.
            (
                "bash",
                "retry_while() { nc -z db 1; }\nretry_while \"nc -z db 5432\"".into(),
                vec![("nc", "db", Some(1), "Once")],
            ),
            // A for loop over an array runs its body once per host.
            (
                "bash",
                "hosts=(\n  \"a\"\n  \"b\"\n)\nfor h in \"${hosts[@]}\"; do until nc -z $h 80; do sleep 1; done; done".into(),
                vec![("nc", "a", Some(80), "Loop"), ("nc", "b", Some(80), "Loop")],
            ),
            // An empty array: the loop never runs (bitnami/charts dremio 3.1.0 with
            // `zookeeper.enabled=false`).
            (
                "bash",
                with_retry("zookeeper_hosts=(\n)\ncheck_zookeeper() {\n  local -r zookeeper_host=\"${1:-?missing zookeeper}\"\n  wait-for-port --timeout=5 --host=${zookeeper_host} --state=inuse 2181\n}\nfor host in \"${zookeeper_hosts[@]}\"; do\n  retry_while \"check_zookeeper $host\"\ndone\n"),
                vec![],
            ),
            // `${1:-?missing zookeeper}`: a message, not a host; $1 empty or not given: the host
            // is empty.
            (
                "bash",
                with_retry("check_zookeeper() {\n  local -r zookeeper_host=\"${1:-?missing zookeeper}\"\n  wait-for-port --host=${zookeeper_host} 2181\n}\nH=\nretry_while \"check_zookeeper $H\"\n"),
                vec![("wait-for-port", "", Some(2181), "Loop")],
            ),
            (
                "bash",
                "check() {\n  local -r h=\"${1:-no host given}\"\n  nc -z $h 2181\n}\nuntil check; do sleep 1; done".into(),
                vec![("nc", "", Some(2181), "Loop")],
            ),
            // An unset variable's message default: the image may set it, unknown.
            (
                "sh",
                "until nc -z \"${ZK_HOST:-no host given}\" 2181; do sleep 1; done".into(),
                vec![("nc", "?", Some(2181), "Loop")],
            ),
            (
                "bash",
                "H=\"\"\nuntil nc -z ${H:-zk} 2181; do sleep 1; done".into(),
                vec![("nc", "zk", Some(2181), "Loop")],
            ),
            // `local NAME=(…)` is an array; `"${a[@]}"` is a word per element, none when empty
            // (bitnami/charts apisix 6.0.2's check_etcd).
            (
                "bash",
                "check() {\n  local opts=()\n  curl \"${opts[@]}\" --max-time 5 \"${1}/version\" | grep etcdcluster\n}\nuntil check http://etcd:2379; do sleep 1; done".into(),
                vec![("curl", "etcd", Some(2379), "Loop")],
            ),
            (
                "bash",
                "a=(-z -w 3)\nuntil nc \"${a[@]}\" db 5432; do sleep 1; done".into(),
                vec![("nc", "db", Some(5432), "Loop")],
            ),
            // bash's `${X//,/ }` (bitnami/charts appsmith 7.0.4's list of MongoDB hosts).
            (
                "bash",
                "H=m0,m1\nfor h in ${H//,/ }; do until nc -z $h 27017; do sleep 1; done; done".into(),
                vec![("nc", "m0", Some(27017), "Loop"), ("nc", "m1", Some(27017), "Loop")],
            ),
            (
                "bash",
                "H=a.b.c\nuntil nc -z ${H/./-} 1; do sleep 1; done".into(),
                vec![("nc", "a-b.c", Some(1), "Loop")],
            ),
            (
                "sh",
                "for h in a b; do until nc -z $h 80; do sleep 1; done; done".into(),
                vec![("nc", "a", Some(80), "Loop"), ("nc", "b", Some(80), "Loop")],
            ),
            // `X && exit 0 || sleep 5` in a loop: X is the loop's condition.
            (
                "sh",
                "for i in $(seq 1 180); do nc -z -w3 db 5432 && exit 0 || sleep 5; done; exit 1".into(),
                vec![("nc", "db", Some(5432), "Loop")],
            ),
            // Outside a loop it runs once.
            (
                "sh",
                "nc -z db 5432 && exit 0".into(),
                vec![("nc", "db", Some(5432), "Once")],
            ),
            // `X; status=$?` in a loop: the loop tests X.
            (
                "bash",
                "ready=false\nwhile ! $ready; do curl -f http://api:8080/; s=$?; if [[ $s -eq 0 ]]; then ready=true; fi; sleep 1; done".into(),
                vec![("curl", "api", Some(8080), "Loop")],
            ),
            // The command inside `X=$(…)` is run there; `echo | cut` gives its output.
            (
                "sh",
                "HP=\"kafka:9092\"\nH=$(echo $HP | cut -f1 -d:)\nP=$(echo $HP | cut -d: -f2)\nuntil (nc -vz $H $P); do sleep 1; done".into(),
                vec![("nc", "kafka", Some(9092), "Loop")],
            ),
            // A here-document fed to a shell runs its script.
            (
                "sh",
                "sh <<'EOF'\nuntil nc -z db 5432; do sleep 2; done\nEOF\necho done".into(),
                vec![("nc", "db", Some(5432), "Loop")],
            ),
            (
                "sh",
                "cat <<EOF | bash -s\n  until nc -z $H 6379; do sleep 1; done\nEOF".into(),
                vec![("nc", "?", Some(6379), "Loop")],
            ),
            (
                "sh",
                "cat > /tmp/s.sh <<'EOF'\nuntil nc -z db 5432; do sleep 2; done\nEOF".into(),
                vec![],
            ),
            // awk's field of one `HOST:PORT` value, and sh's `${X%:*}` / `${X##*:}`.
            (
                "sh",
                "DB=mysql.shop:3306\nH=$(echo $DB | awk -F: '{print $1}')\nP=$(echo \"$DB\" | awk -F ':' '{ print $2 }')\nuntil nc -z $H $P; do sleep 2; done".into(),
                vec![("nc", "mysql.shop", Some(3306), "Loop")],
            ),
            (
                "sh",
                "DB=mysql.shop:3306; until nc -z ${DB%:*} ${DB##*:}; do sleep 2; done".into(),
                vec![("nc", "mysql.shop", Some(3306), "Loop")],
            ),
            (
                "sh",
                "U=http://api.shop:8080/healthz; H=${U#*://}; H=${H%%/*}; until nc -z ${H%:*} ${H#*:}; do sleep 2; done".into(),
                vec![("nc", "api.shop", Some(8080), "Loop")],
            ),
            (
                "sh",
                "until nc -z ${DB%[:]*} 1; do sleep 2; done".into(),
                vec![("nc", "?", Some(1), "Loop")],
            ),
            (
                "bash",
                "function check_db {\n  nc -z db 5432\n}\nuntil check_db; do sleep 2; done".into(),
                vec![("nc", "db", Some(5432), "Loop")],
            ),
            (
                "bash",
                "function check_db() { nc -z db 5432; }\nuntil check_db; do sleep 2; done".into(),
                vec![("nc", "db", Some(5432), "Loop")],
            ),
            (
                "sh",
                "until ( N=$(wget -qO- http://ch:8123/) ; test \"$N\" = 1 ); do sleep 1; done".into(),
                vec![("wget", "ch", Some(8123), "Loop")],
            ),
            // A one-shot download from outside the cluster is not a wait; from a Service it is
            // a check run once.
            ("sh", "wget -O /w/index.html http://info.cern.ch".into(), vec![]),
            (
                "sh",
                "curl -s https://repo1.maven.org/x.jar --output /d/x.jar".into(),
                vec![],
            ),
            (
                "sh",
                "wget -O /w/x http://files.web.svc.cluster.local/x".into(),
                vec![("wget", "files.web.svc.cluster.local", Some(80), "Once")],
            ),
            (
                "sh",
                "until wget -O /w/x http://mirror.example.org/x; do sleep 5; done".into(),
                vec![("wget", "mirror.example.org", Some(80), "Loop")],
            ),
        ];
        for (shell, script, want) in &cases {
            assert_eq!(seen_in(shell, script, &[]), *want, "{script}");
        }
    }

    #[test]
    fn recursion_and_big_loops_are_bounded() {
        // A function calling itself: bounded, never a hang.
        let s = seen_in("sh", "f() { nc -z db 1; f; }\nf", &[]);
        assert!(!s.is_empty());
        let many: String = (0..40).map(|i| format!("h{i} ")).collect();
        let s = seen_in(
            "sh",
            &format!("for h in {many}; do until nc -z $h 1; do sleep 1; done; done"),
            &[],
        );
        assert_eq!(s, vec![("nc", "?", Some(1), "Loop")]);
    }
}
