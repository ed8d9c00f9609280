//! From a container's `command` + `args` + `env` to the things it waits on: pure, and never
//! a guess. Each simple command (at the top level or inside `sh -c`/`bash -c` scripts) is matched
//! against the tools below; a command that is neither a known check nor shell plumbing is
//! reported as not understood, with its text.
//!
//! To teach it a tool: add its name to [`classify`] and a `fn` that reads its options into a
//! [`Check`] (see `nc` for a host-and-port tool, `curl` for URLs).

use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod};

use super::expand::{self, Chars, EnvTable, NAMESPACE_FILE, Unknown, Value};
use crate::shell::{self, Ctx, Guard, Loop, Piece, SyntaxError, Word};

/// How deep `sh -c` may nest inside `sh -c`.
const MAX_NESTING: usize = 16;
/// How many wrappers (`exec`, `timeout`, `env`, nested shells) a command may have.
const MAX_COMMAND_DEPTH: usize = 32;

/// The tools understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Nslookup,
    Dig,
    Host,
    Getent,
    Ping,
    Nc,
    Telnet,
    Curl,
    Wget,
    PgIsReady,
    Mysqladmin,
    Mysql,
    RedisCli,
    Mongo,
    WaitForIt,
    Dockerize,
    KubectlWait,
    K8sWaitFor,
    Sleep,
}

impl Tool {
    /// True for tools that only ask DNS (they ignore `/etc/hosts`).
    pub fn dns_only(self) -> bool {
        matches!(self, Tool::Nslookup | Tool::Dig | Tool::Host)
    }

    /// True for tools that need a listening port, not just a name.
    pub fn connects(self) -> bool {
        !matches!(
            self,
            Tool::Nslookup
                | Tool::Dig
                | Tool::Host
                | Tool::Getent
                | Tool::Ping
                | Tool::KubectlWait
                | Tool::K8sWaitFor
                | Tool::Sleep
        )
    }

    /// The tool's name as users type it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Nslookup => "nslookup",
            Tool::Dig => "dig",
            Tool::Host => "host",
            Tool::Getent => "getent",
            Tool::Ping => "ping",
            Tool::Nc => "nc",
            Tool::Telnet => "telnet",
            Tool::Curl => "curl",
            Tool::Wget => "wget",
            Tool::PgIsReady => "pg_isready",
            Tool::Mysqladmin => "mysqladmin",
            Tool::Mysql => "mysql",
            Tool::RedisCli => "redis-cli",
            Tool::Mongo => "mongosh",
            Tool::WaitForIt => "wait-for-it",
            Tool::Dockerize => "dockerize",
            Tool::KubectlWait => "kubectl wait",
            Tool::K8sWaitFor => "k8s-wait-for",
            Tool::Sleep => "sleep",
        }
    }
}

/// How the check is repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Retried until it succeeds (`until X`, `while ! X`, `if X; then …` in a loop).
    Loop,
    /// Retried while it succeeds (`while X`): it waits for a failure.
    LoopWhileSucceeds,
    /// Run once: when it fails the container fails (and is restarted).
    Once,
    /// The tool waits by itself.
    ToolWaits,
}

/// A value that may be unknown, or set by Kubernetes for a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<T> {
    Known(T),
    /// `$FOO_SERVICE_HOST` / `$FOO_SERVICE_PORT`: the Service `foo`.
    ServiceLink(String),
    Unknown(Vec<Unknown>),
}

/// A host (and port) to reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    /// The host as written.
    pub written: String,
    pub host: Part<String>,
    /// The port, when the check needs one (`None`: a name lookup, or a local socket).
    pub port: Option<Part<u16>>,
    /// The URL scheme, when it came from a URL.
    pub scheme: Option<String>,
}

/// What one check waits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Host(HostTarget),
    /// No host given: the tool's default, this pod's own loopback or socket.
    Local {
        port: Option<u16>,
        what: String,
    },
    /// Pods, by selector or names.
    Pods {
        written: String,
        namespace: Option<String>,
        selector: Option<String>,
        names: Vec<String>,
        condition: String,
    },
    /// A Job.
    Job {
        written: String,
        namespace: Option<String>,
        name: String,
        condition: String,
    },
    /// A timed wait; `None` seconds: forever.
    Sleep {
        written: String,
        seconds: Option<u64>,
    },
}

impl Target {
    /// The target as written in the command.
    pub fn written(&self) -> String {
        match self {
            Target::Host(h) => h.written.clone(),
            Target::Local { what, .. } => what.clone(),
            Target::Pods { written, .. }
            | Target::Job { written, .. }
            | Target::Sleep { written, .. } => written.clone(),
        }
    }
}

/// One check an init container runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub tool: Tool,
    /// The simple command as written.
    pub fragment: String,
    pub target: Target,
    pub mode: Mode,
    /// Its exit status decides (last of its pipeline).
    pub decides: bool,
    /// Where values came from (ConfigMaps, fields, the namespace file).
    pub notes: Vec<String>,
    /// `curl` without `--fail`: an HTTP error still exits 0.
    pub http_errors_pass: bool,
    /// Inside `timeout N …`.
    pub timeout: Option<String>,
    /// Inside a loop (a `sleep` there is a poll interval).
    pub in_loop: bool,
}

/// Everything read from one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub container: String,
    pub image: String,
    pub checks: Vec<Check>,
    /// Commands neither checks nor plumbing, as written.
    pub not_understood: Vec<String>,
    pub syntax_error: Option<SyntaxError>,
    /// The shell running the script (`sh`, `bash`), and the script as written.
    pub shell: Option<String>,
    pub script: Option<String>,
    /// `{1..100}` in a script run by `sh`, which does not expand it.
    pub brace_range_in_sh: bool,
}

impl Extraction {
    /// True when something here needs the cluster's objects to be explained.
    pub fn needs_cluster(&self) -> bool {
        self.checks
            .iter()
            .any(|c| !matches!(c.target, Target::Sleep { .. } | Target::Local { .. }))
    }
}

/// Read what `container` of `pod` waits on; `config_maps` are those fetched (for env values).
pub fn extract(pod: &Pod, container: &Container, config_maps: Option<&[ConfigMap]>) -> Extraction {
    let env = EnvTable::new(pod, container, config_maps);
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let image = container.image.clone().unwrap_or_default();
    let mut out = Extraction {
        container: container.name.clone(),
        image: image.clone(),
        ..Default::default()
    };
    let command = container.command.as_deref().unwrap_or(&[]);
    let args = container.args.as_deref().unwrap_or(&[]);
    let mut argv: Vec<Chars> = command
        .iter()
        .chain(args.iter())
        .map(|a| expand::expand(a, &env))
        .collect();
    if command.is_empty() {
        if image_is_k8s_wait_for(&image) {
            argv.insert(0, expand::expand("wait_for.sh", &env));
        } else {
            let shown = std::iter::once(format!("(the entrypoint of image {image})"))
                .chain(args.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ");
            out.not_understood.push(shown);
            return out;
        }
    }
    let reader = Reader {
        namespace: &namespace,
    };
    // A shell running a script given with -c: read the script from its expanded characters,
    // so targets keep their `$(VAR)` as written.
    let words: Vec<Word> = argv.iter().map(word_of).collect();
    if let Some((shell_name, script_index)) = shell_script(&words)
        && let Some(script) = argv.get(script_index)
    {
        out.shell = Some(shell_name.clone());
        out.script = Some(script.written(0, script.chars.len()));
        let parsed = shell::parse(&script.chars, &script.refs);
        if shell_name != "bash" && shell_name != "zsh" {
            out.brace_range_in_sh = has_brace_range(&script.text());
        }
        out.syntax_error = parsed.error.clone();
        let mut env = env.clone();
        reader.script(&parsed.commands, &mut env, &mut out, 0);
        return out;
    }
    let raw = argv
        .iter()
        .map(|a| a.written(0, a.chars.len()))
        .collect::<Vec<_>>()
        .join(" ");
    let ctx = Ctx {
        last_in_pipeline: true,
        ..Ctx::default()
    };
    reader.command(&words, &raw, ctx, &env, &mut out, 0, None);
    out
}

/// True for the k8s-wait-for image, whose entrypoint takes `pod -l…` / `job NAME`.
pub fn image_is_k8s_wait_for(image: &str) -> bool {
    image_name(image).contains("k8s-wait-for")
}

/// `registry/path/busybox:1.28@sha256:…` → `busybox`.
pub fn image_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

/// The tag of an image reference (`latest` when none, `None` when pinned by digest only).
pub fn image_tag(image: &str) -> Option<String> {
    let (no_digest, digest) = match image.split_once('@') {
        Some((a, _)) => (a, true),
        None => (image, false),
    };
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    match last.split_once(':') {
        Some((_, tag)) => Some(tag.to_string()),
        None if digest => None,
        None => Some("latest".into()),
    }
}

/// A word made of one argv element (no shell: every character is literal).
fn word_of(chars: &Chars) -> Word {
    let mut pieces: Vec<Piece> = Vec::new();
    for ch in &chars.chars {
        let unknown = (ch.c == expand::UNKNOWN)
            .then(|| ch.origin.and_then(|i| chars.refs.get(i)))
            .flatten()
            .and_then(|r| match &r.value {
                Value::Unknown(u) => Some(u.clone()),
                Value::Known { .. } => None,
            });
        match unknown {
            Some(u) => pieces.push(Piece::Unknown(u)),
            None => match pieces.last_mut() {
                Some(Piece::Text(t)) => t.push(ch.c),
                _ => pieces.push(Piece::Text(ch.c.to_string())),
            },
        }
    }
    let mut notes: Vec<String> = Vec::new();
    for r in &chars.refs {
        if let Value::Known { note: Some(n), .. } = &r.value
            && !notes.contains(n)
        {
            notes.push(n.clone());
        }
    }
    Word {
        pieces,
        written: chars.written(0, chars.chars.len()),
        quoted: true,
        notes,
    }
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// `sh -c SCRIPT`, `bash -ec SCRIPT`, `/bin/sh -c -- SCRIPT`: the shell and the script's index.
fn shell_script(words: &[Word]) -> Option<(String, usize)> {
    let first = words.first()?.literal()?;
    let name = basename(&first);
    if !SHELLS.contains(&name.as_str()) {
        return None;
    }
    let mut i = 1;
    let mut has_c = false;
    while let Some(w) = words.get(i) {
        let Some(text) = w.literal() else {
            break;
        };
        if text == "--" {
            i += 1;
            break;
        }
        if text.starts_with('-') || text.starts_with('+') {
            if text.starts_with('-') && !text.starts_with("--") && text.contains('c') {
                has_c = true;
            }
            if text == "-o" || text == "+o" {
                i += 1;
            }
            i += 1;
            continue;
        }
        break;
    }
    (has_c && i < words.len()).then_some((name, i))
}

fn basename(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// `{1..100}`: bash expands it; sh leaves it as one word.
fn has_brace_range(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        if let Some(end) = after.find('}') {
            let inner = &after[..end];
            if let Some((a, b)) = inner.split_once("..")
                && !a.is_empty()
                && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && b.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return true;
            }
        }
        rest = after;
    }
    false
}

/// A word's value: text where unknown parts are marker characters indexing `unknowns`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Arg {
    written: String,
    text: String,
    unknowns: Vec<Unknown>,
    notes: Vec<String>,
}

const MARKER_BASE: u32 = 0xF0000;

fn marker(i: usize) -> char {
    char::from_u32(MARKER_BASE + i as u32).unwrap_or(expand::UNKNOWN)
}

fn marker_index(c: char) -> Option<usize> {
    let v = c as u32;
    (MARKER_BASE..MARKER_BASE + 0xFFFD)
        .contains(&v)
        .then(|| (v - MARKER_BASE) as usize)
}

impl Arg {
    fn literal(text: &str) -> Arg {
        Arg {
            written: text.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// The value, when fully known.
    fn known(&self) -> Option<&str> {
        (!self.text.chars().any(|c| marker_index(c).is_some())).then_some(self.text.as_str())
    }

    /// The unknowns within `part` of the text.
    fn unknowns_in(&self, part: &str) -> Vec<Unknown> {
        let mut out = Vec::new();
        for c in part.chars() {
            if let Some(u) = marker_index(c).and_then(|i| self.unknowns.get(i))
                && !out.contains(u)
            {
                out.push(u.clone());
            }
        }
        out
    }

    /// Drop the first `n` characters (an attached option name: `-hdb`, `--port=5432`).
    fn strip(&self, n: usize) -> Arg {
        let written = if self.written.chars().take(n).eq(self.text.chars().take(n)) {
            self.written.chars().skip(n).collect()
        } else {
            self.written.clone()
        };
        Arg {
            written,
            text: self.text.chars().skip(n).collect(),
            unknowns: self.unknowns.clone(),
            notes: self.notes.clone(),
        }
    }

    /// A part of the value as a [`Part`] string: a whole service link is kept as such.
    fn part(&self, text: &str) -> Part<String> {
        let unknowns = self.unknowns_in(text);
        if unknowns.is_empty() {
            return Part::Known(text.to_string());
        }
        if let [Unknown::ServiceLink { service, .. }] = unknowns.as_slice()
            && text.chars().count() == 1
        {
            return Part::ServiceLink(service.clone());
        }
        Part::Unknown(unknowns)
    }

    fn port(&self, text: &str) -> Part<u16> {
        match self.part(text) {
            Part::Known(t) => match t.split('-').next().unwrap_or("").parse::<u16>() {
                Ok(p) => Part::Known(p),
                Err(_) => Part::Unknown(vec![Unknown::Dynamic {
                    text: format!("port {t:?}"),
                }]),
            },
            Part::ServiceLink(s) => Part::ServiceLink(s),
            Part::Unknown(u) => Part::Unknown(u),
        }
    }
}

struct Reader<'a> {
    namespace: &'a str,
}

/// Options read from argv: positionals, valued options (`-h`, `--host`), flags.
#[derive(Default)]
struct Opts {
    positional: Vec<Arg>,
    valued: Vec<(String, Arg)>,
    flags: Vec<String>,
    /// Everything after `--`.
    rest: Vec<Arg>,
}

impl Opts {
    fn get(&self, names: &[&str]) -> Option<&Arg> {
        self.valued
            .iter()
            .rev()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v)
    }
}

/// Read options: `short_val` are the one-letter options taking a value, `long_val` the long ones.
fn opts(args: &[Arg], short_val: &str, long_val: &[&str]) -> Opts {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        i += 1;
        if t == "--" {
            o.rest = args[i..].to_vec();
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, _)) => {
                    let n = name.chars().count() + 3;
                    o.valued.push((format!("--{name}"), a.strip(n)));
                }
                None if long_val.contains(&t) => {
                    if let Some(v) = args.get(i) {
                        o.valued.push((t.to_string(), v.clone()));
                        i += 1;
                    }
                }
                None => o.flags.push(t.to_string()),
            }
            continue;
        }
        if t.len() > 1 && t.starts_with('-') && !t.starts_with("-$") {
            for (pos, c) in t.char_indices().skip(1) {
                if short_val.contains(c) {
                    let attached = &t[pos + c.len_utf8()..];
                    if attached.is_empty() {
                        if let Some(v) = args.get(i) {
                            o.valued.push((format!("-{c}"), v.clone()));
                            i += 1;
                        }
                    } else {
                        let n = t[..pos + c.len_utf8()].chars().count();
                        o.valued.push((format!("-{c}"), a.strip(n)));
                    }
                    break;
                }
                o.flags.push(format!("-{c}"));
            }
            continue;
        }
        o.positional.push(a.clone());
    }
    o
}

/// Split `host:port` (or `[v6]:port`); the port is `None` when absent.
fn split_host_port(text: &str) -> (String, Option<String>) {
    if let Some(rest) = text.strip_prefix('[')
        && let Some((host, after)) = rest.split_once(']')
    {
        return (
            host.to_string(),
            after.strip_prefix(':').map(str::to_string),
        );
    }
    if text.matches(':').count() > 1 {
        return (text.to_string(), None);
    }
    match text.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), Some(p.to_string())),
        None => (text.to_string(), None),
    }
}

/// `scheme://user@host:port/path` → (scheme, host, port), on a value or on written text (where
/// `$(…)`, `${…}` and backquotes are opaque).
fn split_url(text: &str) -> (Option<String>, String, Option<String>) {
    let (scheme, rest) = match text.find("://") {
        Some(i)
            if text[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) =>
        {
            (Some(text[..i].to_ascii_lowercase()), &text[i + 3..])
        }
        _ => (None, text),
    };
    // The authority ends at the first '/', '?' or '#' outside an expansion.
    let mut depth = 0i32;
    let mut end = rest.len();
    let mut prev = '\0';
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '{' if prev == '$' => depth += 1,
            ')' | '}' if depth > 0 => depth -= 1,
            '/' | '?' | '#' if depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
        prev = c;
    }
    let authority = &rest[..end];
    let authority = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let (host, port) = split_host_port(authority);
    (scheme, host, port)
}

fn default_port(scheme: Option<&str>) -> Option<u16> {
    match scheme.unwrap_or("http") {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "postgres" | "postgresql" => Some(5432),
        "mysql" => Some(3306),
        "redis" => Some(6379),
        "rediss" => Some(6379),
        "mongodb" => Some(27017),
        "amqp" => Some(5672),
        "ftp" => Some(21),
        _ => None,
    }
}

/// A host target from a URL argument.
fn url_target(arg: &Arg) -> Option<HostTarget> {
    let (scheme, host, port) = split_url(&arg.text);
    if host.is_empty() {
        return None;
    }
    let (_, written_host, _) = split_url(&arg.written);
    let port = match port {
        Some(p) => Some(arg.port(&p)),
        None => default_port(scheme.as_deref()).map(Part::Known),
    };
    Some(HostTarget {
        written: if written_host.is_empty() {
            host.clone()
        } else {
            written_host
        },
        host: arg.part(&host),
        port,
        scheme,
    })
}

/// A host target from a host argument and an optional port argument (or default).
fn host_target(host: &Arg, port: Option<&Arg>, default: Option<u16>) -> HostTarget {
    let (h, attached) = split_host_port(&host.text);
    let (wh, _) = split_host_port(&host.written);
    let port = match (port, attached) {
        (Some(p), _) => Some(p.port(&p.text)),
        (None, Some(p)) => Some(host.port(&p)),
        (None, None) => default.map(Part::Known),
    };
    HostTarget {
        written: wh,
        host: host.part(&h),
        port,
        scheme: None,
    }
}

/// Plumbing: commands that wait on nothing and need no explaining.
const PLUMBING: &[&str] = &[
    "echo",
    "printf",
    "true",
    "false",
    "exit",
    "break",
    "continue",
    "return",
    ":",
    "[",
    "[[",
    "test",
    "set",
    "export",
    "unset",
    "cd",
    "mkdir",
    "cp",
    "mv",
    "rm",
    "ln",
    "chmod",
    "chown",
    "chgrp",
    "touch",
    "cat",
    "ls",
    "date",
    "grep",
    "egrep",
    "fgrep",
    "sed",
    "awk",
    "tee",
    "head",
    "tail",
    "wc",
    "tr",
    "cut",
    "sort",
    "uniq",
    "seq",
    "expr",
    "let",
    "read",
    "trap",
    "local",
    "shift",
    "source",
    ".",
    "printenv",
    "id",
    "whoami",
    "hostname",
    "uname",
    "find",
    "tar",
    "gzip",
    "gunzip",
    "base64",
    "sha256sum",
    "md5sum",
    "basename",
    "dirname",
    "readlink",
    "realpath",
    "stat",
    "df",
    "du",
    "sync",
    "umask",
    "wait",
    "kill",
    "envsubst",
    "jq",
    "yq",
    "update-ca-certificates",
    "install",
    "rmdir",
    "mktemp",
    "which",
    "type",
    "hash",
    "ulimit",
    "declare",
    "typeset",
    "readonly",
    "shopt",
    "pwd",
    "getopts",
];

/// Wrappers that run the rest of their arguments as a command.
const WRAPPERS: &[&str] = &[
    "exec",
    "command",
    "nohup",
    "time",
    "sudo",
    "busybox",
    "nice",
    "stdbuf",
    "tini",
    "dumb-init",
];

impl Reader<'_> {
    /// Walk a script's simple commands in order, keeping shell assignments.
    fn script(
        &self,
        commands: &[shell::SimpleCommand],
        env: &mut EnvTable,
        out: &mut Extraction,
        depth: usize,
    ) {
        for cmd in commands {
            // Leading NAME=value words: alone they set shell variables; before a command, only
            // that command's environment.
            let mut local = env.clone();
            let mut start = 0;
            for w in &cmd.words {
                match assignment(w) {
                    Some((name, value)) => {
                        let v = self.eval(&value, &local);
                        let val = match v.known() {
                            Some(t) => Value::Known {
                                text: t.to_string(),
                                note: None,
                            },
                            None => Value::Unknown(v.unknowns.first().cloned().unwrap_or(
                                Unknown::Dynamic {
                                    text: value.written.clone(),
                                },
                            )),
                        };
                        local.set(&name, val);
                        start += 1;
                    }
                    None => break,
                }
            }
            let words = &cmd.words[start..];
            if words.is_empty() {
                *env = local;
                continue;
            }
            // `export NAME=value` sets a variable too.
            if words.first().and_then(Word::plain) == Some("export") {
                for w in &words[1..] {
                    if let Some((name, value)) = assignment(w) {
                        let v = self.eval(&value, &local);
                        let val = match v.known() {
                            Some(t) => Value::Known {
                                text: t.to_string(),
                                note: None,
                            },
                            None => Value::Unknown(Unknown::Dynamic {
                                text: value.written.clone(),
                            }),
                        };
                        env.set(&name, val);
                    }
                }
                continue;
            }
            self.command(words, &cmd.raw, cmd.ctx, &local, out, depth, None);
        }
    }

    fn eval(&self, word: &Word, env: &EnvTable) -> Arg {
        let mut arg = Arg {
            written: word.written.clone(),
            notes: word.notes.clone(),
            ..Default::default()
        };
        self.eval_into(word, env, &mut arg, 0);
        arg
    }

    fn eval_into(&self, word: &Word, env: &EnvTable, arg: &mut Arg, depth: usize) {
        let push_unknown = |arg: &mut Arg, u: Unknown| {
            let i = match arg.unknowns.iter().position(|x| *x == u) {
                Some(i) => i,
                None => {
                    arg.unknowns.push(u);
                    arg.unknowns.len() - 1
                }
            };
            arg.text.push(marker(i));
        };
        for piece in &word.pieces {
            match piece {
                Piece::Text(t) => arg.text.push_str(t),
                Piece::Unknown(u) => push_unknown(arg, u.clone()),
                Piece::Param {
                    name,
                    default,
                    colon,
                    ..
                } => match env.shell(name) {
                    Value::Known { text, note }
                        if !(*colon && text.is_empty() && default.is_some()) =>
                    {
                        arg.text.push_str(&text);
                        if let Some(n) = note {
                            arg.notes.push(n);
                        }
                    }
                    Value::Known { .. } | Value::Unknown(Unknown::Unset { .. })
                        if default.is_some() && depth < 8 =>
                    {
                        if let Some(d) = default {
                            self.eval_into(d, env, arg, depth + 1);
                        }
                    }
                    Value::Known { text, .. } => arg.text.push_str(&text),
                    Value::Unknown(u) => push_unknown(arg, u),
                },
                Piece::Subst { inner, .. } => match namespace_read(inner) {
                    true => {
                        arg.text.push_str(self.namespace);
                        let note = format!(
                            "$(cat {NAMESPACE_FILE}) is the pod's namespace, {}",
                            self.namespace
                        );
                        if !arg.notes.contains(&note) {
                            arg.notes.push(note);
                        }
                    }
                    false => push_unknown(
                        arg,
                        Unknown::Command {
                            text: inner.trim().to_string(),
                        },
                    ),
                },
                Piece::Dynamic { written } => push_unknown(
                    arg,
                    Unknown::Dynamic {
                        text: written.clone(),
                    },
                ),
            }
        }
    }

    /// One simple command: wrappers peeled, a nested shell read, a tool matched.
    #[allow(clippy::too_many_arguments)]
    fn command(
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
        let args: Vec<Arg> = words.iter().map(|w| self.eval(w, env)).collect();
        let Some(first) = args.first() else {
            return;
        };
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
                        let parsed = shell::parse_text(text);
                        if out.syntax_error.is_none() {
                            out.syntax_error = parsed.error.clone();
                        }
                        let mut inner_env = env.clone();
                        let mut inner_out = Extraction::default();
                        self.script(&parsed.commands, &mut inner_env, &mut inner_out, depth + 1);
                        for mut c in inner_out.checks {
                            // The outer position decides how the whole inner script is used.
                            if c.mode == Mode::Once && ctx.guard.is_some() {
                                c.mode = mode_of(&ctx);
                            }
                            c.timeout = c.timeout.or_else(|| timeout.clone());
                            c.in_loop |= ctx.in_loop.is_some();
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
        if PLUMBING.contains(&name.as_str()) {
            return;
        }
        let Some(tool) = classify(&name, &args) else {
            out.not_understood.push(raw.to_string());
            return;
        };
        let targets = self.targets(tool, &args[1..], env, ctx, out, depth, timeout.clone());
        if targets.is_empty() && !matches!(tool, Tool::WaitForIt | Tool::Dockerize | Tool::Getent) {
            out.not_understood.push(raw.to_string());
            return;
        }
        let mode = if matches!(
            tool,
            Tool::WaitForIt | Tool::Dockerize | Tool::KubectlWait | Tool::K8sWaitFor | Tool::Sleep
        ) && ctx.guard.is_none()
        {
            Mode::ToolWaits
        } else {
            mode_of(&ctx)
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
            });
        }
    }

    /// The targets of one tool's arguments.
    #[allow(clippy::too_many_arguments)]
    fn targets(
        &self,
        tool: Tool,
        args: &[Arg],
        env: &EnvTable,
        ctx: Ctx,
        out: &mut Extraction,
        depth: usize,
        timeout: Option<String>,
    ) -> Vec<Target> {
        let host = |h: HostTarget| vec![Target::Host(h)];
        match tool {
            Tool::Nslookup => {
                let o = opts(args, "", &[]);
                o.positional
                    .first()
                    .map(|a| host(host_target(a, None, None)))
                    .unwrap_or_default()
            }
            Tool::Dig => {
                let args: Vec<Arg> = args
                    .iter()
                    .filter(|a| !a.text.starts_with('@') && !a.text.starts_with('+'))
                    .cloned()
                    .collect();
                let o = opts(&args, "bcfkpqtxy", &[]);
                const TYPES: &[&str] = &[
                    "a", "aaaa", "srv", "mx", "txt", "cname", "ns", "any", "ptr", "soa", "in",
                    "caa", "ds", "dnskey",
                ];
                let name = o.get(&["-q"]).or_else(|| {
                    o.positional
                        .iter()
                        .find(|a| !TYPES.contains(&a.text.to_ascii_lowercase().as_str()))
                });
                name.map(|a| host(host_target(a, None, None)))
                    .unwrap_or_default()
            }
            Tool::Host => {
                let o = opts(args, "ctmNRW", &[]);
                o.positional
                    .first()
                    .map(|a| host(host_target(a, None, None)))
                    .unwrap_or_default()
            }
            Tool::Getent => {
                let o = opts(args, "s", &["--service"]);
                match (
                    o.positional.first().and_then(|a| a.known()),
                    o.positional.get(1),
                ) {
                    (Some("hosts" | "ahosts" | "ahostsv4" | "ahostsv6"), Some(a)) => {
                        host(host_target(a, None, None))
                    }
                    _ => Vec::new(),
                }
            }
            Tool::Ping => {
                let o = opts(args, "cWwisItlQSMp", &[]);
                o.positional
                    .first()
                    .map(|a| {
                        let mut t = host_target(a, None, None);
                        t.port = None;
                        host(t)
                    })
                    .unwrap_or_default()
            }
            Tool::Nc => {
                let o = opts(
                    args,
                    "wipsqWXxTIOPeg",
                    &[
                        "--wait",
                        "--source-port",
                        "--source",
                        "--proxy",
                        "--proxy-type",
                        "--idle-timeout",
                    ],
                );
                match o.positional.as_slice() {
                    [h, p, ..] => host(host_target(h, Some(p), None)),
                    [h] => host(host_target(h, None, None)),
                    [] => Vec::new(),
                }
            }
            Tool::Telnet => {
                let o = opts(args, "bleknX", &[]);
                match o.positional.as_slice() {
                    [h, p, ..] => host(host_target(h, Some(p), None)),
                    [h] => host(host_target(h, None, Some(23))),
                    [] => Vec::new(),
                }
            }
            Tool::Curl => {
                let o = opts(
                    args,
                    "XdHoumwAeEFTKrCxbcyYzQ",
                    &[
                        "--request",
                        "--data",
                        "--data-raw",
                        "--data-binary",
                        "--data-urlencode",
                        "--header",
                        "--output",
                        "--user",
                        "--max-time",
                        "--connect-timeout",
                        "--write-out",
                        "--user-agent",
                        "--referer",
                        "--cert",
                        "--cacert",
                        "--key",
                        "--form",
                        "--upload-file",
                        "--config",
                        "--range",
                        "--proxy",
                        "--cookie",
                        "--cookie-jar",
                        "--retry",
                        "--retry-delay",
                        "--retry-max-time",
                        "--resolve",
                        "--connect-to",
                        "--url",
                        "--interface",
                        "--unix-socket",
                        "--json",
                        "--speed-limit",
                        "--speed-time",
                        "--max-filesize",
                        "--dns-servers",
                    ],
                );
                let mut urls: Vec<&Arg> = o
                    .valued
                    .iter()
                    .filter(|(k, _)| k == "--url")
                    .map(|(_, v)| v)
                    .collect();
                urls.extend(o.positional.iter());
                urls.into_iter()
                    .filter_map(url_target)
                    .map(Target::Host)
                    .collect()
            }
            Tool::Wget => {
                let o = opts(
                    args,
                    "OoTtUPYeAR",
                    &[
                        "--header",
                        "--output-document",
                        "--timeout",
                        "--tries",
                        "--user-agent",
                        "--post-data",
                        "--method",
                        "--body-data",
                        "--user",
                        "--password",
                    ],
                );
                o.positional
                    .iter()
                    .filter_map(url_target)
                    .map(Target::Host)
                    .collect()
            }
            Tool::PgIsReady => {
                let o = opts(
                    args,
                    "hpUdt",
                    &["--host", "--port", "--username", "--dbname", "--timeout"],
                );
                let conninfo = o.get(&["-d", "--dbname"]).and_then(|d| {
                    if d.text.contains("://") {
                        url_target(d)
                    } else if d.text.contains("host=") {
                        let kv = |k: &str| {
                            d.text
                                .split_whitespace()
                                .find_map(|p| p.strip_prefix(&format!("{k}=")).map(str::to_string))
                        };
                        let h = kv("host")?;
                        let a = Arg {
                            written: h.clone(),
                            text: h,
                            unknowns: d.unknowns.clone(),
                            notes: d.notes.clone(),
                        };
                        let p = kv("port").map(|p| Arg::literal(&p));
                        Some(host_target(&a, p.as_ref(), Some(5432)))
                    } else {
                        None
                    }
                });
                if let Some(t) = conninfo {
                    return host(t);
                }
                let env_arg = |name: &str| match env.shell(name) {
                    Value::Known { text, .. } => Some(Arg {
                        written: format!("${name}"),
                        text,
                        ..Default::default()
                    }),
                    _ => None,
                };
                let h = o
                    .get(&["-h", "--host"])
                    .cloned()
                    .or_else(|| env_arg("PGHOST"));
                let p = o
                    .get(&["-p", "--port"])
                    .cloned()
                    .or_else(|| env_arg("PGPORT"));
                match h {
                    Some(h) if !h.text.starts_with('/') => {
                        host(host_target(&h, p.as_ref(), Some(5432)))
                    }
                    _ => vec![Target::Local {
                        port: p
                            .and_then(|p| p.known().and_then(|t| t.parse().ok()))
                            .or(Some(5432)),
                        what: "the local PostgreSQL socket (no -h)".into(),
                    }],
                }
            }
            Tool::Mysqladmin | Tool::Mysql => {
                let args: Vec<Arg> = args
                    .iter()
                    .filter(|a| !(a.text.starts_with("-p") || a.text == "-p"))
                    .cloned()
                    .collect();
                let o = opts(
                    &args,
                    "hPuSeDw",
                    &[
                        "--host",
                        "--port",
                        "--user",
                        "--socket",
                        "--execute",
                        "--database",
                        "--connect-timeout",
                        "--protocol",
                    ],
                );
                if tool == Tool::Mysqladmin && o.positional.is_empty() {
                    return Vec::new();
                }
                match o.get(&["-h", "--host"]) {
                    Some(h) if !matches!(h.known(), Some("localhost")) => {
                        host(host_target(h, o.get(&["-P", "--port"]), Some(3306)))
                    }
                    _ => vec![Target::Local {
                        port: Some(3306),
                        what: "the local MySQL socket (no -h)".into(),
                    }],
                }
            }
            Tool::RedisCli => {
                let o = opts(
                    args,
                    "hpausnrit",
                    &["--user", "--pass", "--tls", "--cacert"],
                );
                if let Some(uri) = o.get(&["-u"]) {
                    return url_target(uri).map(&host).unwrap_or_default();
                }
                match o.get(&["-h"]) {
                    Some(h) => host(host_target(h, o.get(&["-p"]), Some(6379))),
                    None => vec![Target::Local {
                        port: Some(6379),
                        what: "127.0.0.1:6379 (no -h)".into(),
                    }],
                }
            }
            Tool::Mongo => {
                let o = opts(
                    args,
                    "up",
                    &[
                        "--host",
                        "--port",
                        "--eval",
                        "--username",
                        "--password",
                        "--authenticationDatabase",
                        "--file",
                    ],
                );
                if let Some(h) = o.get(&["--host"]) {
                    let first = h
                        .text
                        .rsplit('/')
                        .next()
                        .unwrap_or(&h.text)
                        .split(',')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    let a = Arg {
                        written: h
                            .written
                            .rsplit('/')
                            .next()
                            .unwrap_or(&h.written)
                            .split(',')
                            .next()
                            .unwrap_or("")
                            .to_string(),
                        text: first,
                        unknowns: h.unknowns.clone(),
                        notes: h.notes.clone(),
                    };
                    return host(host_target(&a, o.get(&["--port"]), Some(27017)));
                }
                match o.positional.first() {
                    Some(uri) if uri.text.contains("://") => {
                        let mut t = url_target(uri);
                        if let Some(t) = &mut t
                            && t.port.is_none()
                        {
                            t.port = Some(Part::Known(27017));
                        }
                        t.map(&host).unwrap_or_default()
                    }
                    Some(hp) if hp.text.contains(':') || hp.text.contains('/') => {
                        let text = hp.text.split('/').next().unwrap_or("").to_string();
                        let a = Arg {
                            written: hp.written.split('/').next().unwrap_or("").to_string(),
                            text,
                            unknowns: hp.unknowns.clone(),
                            notes: hp.notes.clone(),
                        };
                        host(host_target(&a, o.get(&["--port"]), Some(27017)))
                    }
                    _ => vec![Target::Local {
                        port: Some(27017),
                        what: "localhost:27017 (no --host)".into(),
                    }],
                }
            }
            Tool::WaitForIt => {
                let o = opts(args, "hpt", &["--host", "--port", "--timeout"]);
                let t = match (o.get(&["-h", "--host"]), o.positional.first()) {
                    (Some(h), _) => Some(host_target(h, o.get(&["-p", "--port"]), None)),
                    (None, Some(hp)) => Some(host_target(hp, None, None)),
                    _ => None,
                };
                if !o.rest.is_empty() && depth < MAX_NESTING {
                    let words: Vec<Word> = o
                        .rest
                        .iter()
                        .map(|a| Word {
                            pieces: vec![Piece::Text(a.text.clone())],
                            written: a.written.clone(),
                            quoted: true,
                            notes: a.notes.clone(),
                        })
                        .collect();
                    let raw_rest = o
                        .rest
                        .iter()
                        .map(|a| a.written.clone())
                        .collect::<Vec<_>>()
                        .join(" ");
                    self.command(&words, &raw_rest, ctx, env, out, depth + 1, timeout);
                }
                t.map(&host).unwrap_or_default()
            }
            Tool::Dockerize => {
                let mut targets = Vec::new();
                let mut i = 0;
                while let Some(a) = args.get(i) {
                    let t = a.text.trim_start_matches('-');
                    let dashes = a.text.len() - t.len();
                    if dashes == 0 {
                        break;
                    }
                    if t.starts_with("wait=") {
                        let v = a.strip(dashes + 5);
                        if let Some(h) = url_target(&v) {
                            targets.push(Target::Host(h));
                        }
                        i += 1;
                    } else if t == "wait" {
                        if let Some(h) = args.get(i + 1).and_then(url_target) {
                            targets.push(Target::Host(h));
                        }
                        i += 2;
                    } else if t.contains('=') || matches!(t, "poll" | "no-overwrite" | "version") {
                        i += 1;
                    } else {
                        i += 2;
                    }
                }
                targets
            }
            Tool::KubectlWait => {
                let o = opts(
                    args,
                    "nlo",
                    &[
                        "--for",
                        "--timeout",
                        "--namespace",
                        "--selector",
                        "--field-selector",
                        "--context",
                        "--kubeconfig",
                        "--output",
                    ],
                );
                let ns = o
                    .get(&["-n", "--namespace"])
                    .and_then(|a| a.known().map(str::to_string));
                let condition = o
                    .get(&["--for"])
                    .map(|a| a.text.clone())
                    .unwrap_or_else(|| "condition=Ready".into());
                let selector = o.get(&["-l", "--selector"]).map(|a| a.text.clone());
                let mut resources: Vec<String> = o
                    .positional
                    .iter()
                    .skip(1) // "wait"
                    .map(|a| a.text.clone())
                    .collect();
                if resources.is_empty() {
                    return Vec::new();
                }
                let first = resources.remove(0);
                let (kind, name) = match first.split_once('/') {
                    Some((k, n)) => (k.to_ascii_lowercase(), Some(n.to_string())),
                    None => (first.to_ascii_lowercase(), None),
                };
                let names: Vec<String> = name.into_iter().chain(resources).collect();
                let kind = kind.split('.').next().unwrap_or("").to_string();
                match kind.as_str() {
                    "pod" | "pods" | "po" => vec![Target::Pods {
                        written: selector
                            .clone()
                            .map(|s| format!("-l {s}"))
                            .unwrap_or_else(|| names.join(" ")),
                        namespace: ns,
                        selector,
                        names,
                        condition,
                    }],
                    "job" | "jobs" => names
                        .into_iter()
                        .map(|n| Target::Job {
                            written: n.clone(),
                            namespace: ns.clone(),
                            name: n,
                            condition: condition.clone(),
                        })
                        .collect(),
                    _ => Vec::new(),
                }
            }
            Tool::K8sWaitFor => {
                let o = opts(args, "nl", &["--namespace", "--selector"]);
                let ns = o
                    .get(&["-n", "--namespace"])
                    .and_then(|a| a.known().map(str::to_string));
                let mode = o
                    .positional
                    .first()
                    .map(|a| a.text.clone())
                    .unwrap_or_default();
                let selector = o.get(&["-l", "--selector"]).map(|a| a.text.clone());
                let names: Vec<String> = o
                    .positional
                    .iter()
                    .skip(1)
                    .map(|a| a.text.clone())
                    .collect();
                match mode.as_str() {
                    "pod" | "pod-ready" => vec![Target::Pods {
                        written: selector
                            .clone()
                            .map(|s| format!("-l{s}"))
                            .unwrap_or_else(|| names.join(" ")),
                        namespace: ns,
                        selector,
                        names,
                        condition: "condition=Ready".into(),
                    }],
                    "job" | "job-wr" => names
                        .into_iter()
                        .map(|n| Target::Job {
                            written: n.clone(),
                            namespace: ns.clone(),
                            name: n,
                            condition: "condition=complete".into(),
                        })
                        .collect(),
                    "service" => names
                        .into_iter()
                        .map(|n| {
                            let a = Arg::literal(&n);
                            Target::Host(HostTarget {
                                port: None,
                                ..host_target(&a, None, None)
                            })
                        })
                        .collect(),
                    _ => Vec::new(),
                }
            }
            Tool::Sleep => {
                let mut total: Option<u64> = Some(0);
                let written = args
                    .iter()
                    .map(|a| a.written.clone())
                    .collect::<Vec<_>>()
                    .join(" ");
                if args.is_empty() {
                    return Vec::new();
                }
                for a in args {
                    match a.known().and_then(parse_sleep) {
                        Some(Some(s)) => total = total.map(|t| t.saturating_add(s)),
                        Some(None) => total = None,
                        None => return Vec::new(),
                    }
                }
                vec![Target::Sleep {
                    written,
                    seconds: total,
                }]
            }
        }
    }
}

/// `sleep` durations: `60`, `1.5`, `2m`, `1h`, `1d`; `Some(None)` for `infinity`.
fn parse_sleep(text: &str) -> Option<Option<u64>> {
    if text == "infinity" || text == "inf" {
        return Some(None);
    }
    let (num, mult) = match text.chars().last()? {
        's' => (&text[..text.len() - 1], 1.0),
        'm' => (&text[..text.len() - 1], 60.0),
        'h' => (&text[..text.len() - 1], 3600.0),
        'd' => (&text[..text.len() - 1], 86400.0),
        _ => (text, 1.0),
    };
    let n: f64 = num.parse().ok()?;
    (n.is_finite() && n >= 0.0).then(|| Some((n * mult).ceil().min(u64::MAX as f64) as u64))
}

/// The check's repetition, from its place in the script.
fn mode_of(ctx: &Ctx) -> Mode {
    match (ctx.guard, ctx.negated, ctx.in_loop) {
        (Some(Guard::Until), false, _) | (Some(Guard::While), true, _) => Mode::Loop,
        (Some(Guard::Until), true, _) | (Some(Guard::While), false, _) => Mode::LoopWhileSucceeds,
        (Some(Guard::If), _, Some(Loop::For | Loop::While | Loop::Until)) => Mode::Loop,
        _ => Mode::Once,
    }
}

/// True for `cat /var/run/secrets/kubernetes.io/serviceaccount/namespace` (or `< file`).
fn namespace_read(inner: &str) -> bool {
    let t = inner.trim();
    let file = t
        .strip_prefix("cat ")
        .or_else(|| t.strip_prefix('<'))
        .map(|f| f.trim().trim_matches(['"', '\'']));
    file == Some(NAMESPACE_FILE)
}

/// `NAME=value` as the first word: the name and the value's word.
fn assignment(word: &Word) -> Option<(String, Word)> {
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

/// The tool a command name denotes.
fn classify(name: &str, args: &[Arg]) -> Option<Tool> {
    let sub = args.get(1).and_then(|a| a.known());
    Some(match name {
        "nslookup" => Tool::Nslookup,
        "dig" => Tool::Dig,
        "host" => Tool::Host,
        "getent" => Tool::Getent,
        "ping" | "ping6" => Tool::Ping,
        "nc" | "ncat" | "netcat" => Tool::Nc,
        "telnet" => Tool::Telnet,
        "curl" => Tool::Curl,
        "wget" => Tool::Wget,
        "pg_isready" => Tool::PgIsReady,
        "mysqladmin" => Tool::Mysqladmin,
        "mysql" | "mariadb" => Tool::Mysql,
        "redis-cli" => Tool::RedisCli,
        "mongosh" | "mongo" => Tool::Mongo,
        "wait-for-it" | "wait-for-it.sh" | "wait-for" | "wait-for.sh" => Tool::WaitForIt,
        "dockerize" => Tool::Dockerize,
        "kubectl" if sub == Some("wait") => Tool::KubectlWait,
        "wait_for.sh" | "k8s-wait-for" => Tool::K8sWaitFor,
        "sleep" => Tool::Sleep,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod_with(init: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "app", "namespace": "shop"},
            "spec": {"containers": [{"name": "main", "image": "busybox"}], "initContainers": [init]}
        }))
        .unwrap()
    }

    fn run(init: serde_json::Value) -> Extraction {
        let pod = pod_with(init);
        let c = &pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
        extract(&pod, c, None)
    }

    fn host(c: &Check) -> (&str, Part<String>, Option<Part<u16>>) {
        match &c.target {
            Target::Host(h) => (h.written.as_str(), h.host.clone(), h.port.clone()),
            t => panic!("not a host: {t:?}"),
        }
    }

    fn known(s: &str) -> Part<String> {
        Part::Known(s.to_string())
    }

    #[test]
    fn seed_nslookup_loops() {
        let e = run(json!({"name": "init-service", "image": "busybox",
            "command": ["sh", "-c", "until nslookup testservice; do echo waiting for myservice; sleep 2; done;"]}));
        assert_eq!(e.syntax_error, None);
        assert_eq!(e.not_understood, Vec::<String>::new());
        let nslookup: Vec<&Check> = e
            .checks
            .iter()
            .filter(|c| c.tool == Tool::Nslookup)
            .collect();
        assert_eq!(nslookup.len(), 1);
        assert_eq!(nslookup[0].mode, Mode::Loop);
        assert_eq!(nslookup[0].fragment, "nslookup testservice");
        assert_eq!(
            host(nslookup[0]),
            ("testservice", known("testservice"), None)
        );
        assert!(e.needs_cluster());
    }

    #[test]
    fn seed_typo_in_done() {
        let e = run(json!({"name": "init-db", "image": "busybox",
            "command": ["sh", "-c", "until nslookup testdb; do echo waiting for myservice; sleep 2; donel;"]}));
        let err = e.syntax_error.expect("sh refuses it");
        assert!(err.message.contains("expecting \"done\""));
        assert_eq!(err.suspect, Some(("donel".into(), "done".into())));
    }

    #[test]
    fn seed_namespace_file() {
        let e = run(json!({"name": "init-myservice", "image": "busybox:1.28",
            "command": ["sh", "-c", "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo en attente de myservice; sleep 2; done"]}));
        let c = &e.checks[0];
        let (written, value, _) = host(c);
        assert_eq!(
            written,
            "myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local"
        );
        assert_eq!(value, known("myservice.shop.svc.cluster.local"));
        assert!(c.notes.iter().any(|n| n.contains("pod's namespace, shop")));
    }

    #[test]
    fn seed_dig_loop_and_brace_range() {
        let e = run(json!({"name": "w", "image": "tutum/dnsutils",
            "command": ["sh", "-c", "for i in {1..100}; do sleep 1; if dig myservice; then exit 0; fi; done; exit 1"]}));
        let dig = e.checks.iter().find(|c| c.tool == Tool::Dig).unwrap();
        assert_eq!(dig.mode, Mode::Loop);
        assert!(dig.decides);
        assert!(e.brace_range_in_sh);
    }

    #[test]
    fn seed_pg_isready_in_args() {
        let e = run(
            json!({"name": "wait-for-db", "image": "postgres:13", "command": ["sh", "-c"],
            "args": ["until pg_isready -h postgres-service -p 5432 -U myuser; do\n  echo \"Waiting for postgres...\"\n  sleep 2\ndone\n"]}),
        );
        let c = e.checks.iter().find(|c| c.tool == Tool::PgIsReady).unwrap();
        assert_eq!(
            host(c),
            (
                "postgres-service",
                known("postgres-service"),
                Some(Part::Known(5432))
            )
        );
        assert_eq!(c.mode, Mode::Loop);
    }

    #[test]
    fn seed_service_link_and_plain_sleep() {
        let e = run(json!({"name": "register", "image": "curlimages/curl",
            "command": ["sh", "-c", "curl -X POST http://$MANAGEMENT_SERVICE_HOST:$MANAGEMENT_SERVICE_PORT/register -d 'instance=$(<POD_NAME>)&ip=$(<POD_IP>)'"]}));
        let c = &e.checks[0];
        assert_eq!(c.tool, Tool::Curl);
        let (written, value, port) = host(c);
        assert_eq!(written, "$MANAGEMENT_SERVICE_HOST");
        assert_eq!(value, Part::ServiceLink("management".into()));
        assert_eq!(port, Some(Part::ServiceLink("management".into())));
        assert!(c.http_errors_pass);
        assert_eq!(c.mode, Mode::Once);
        let e = run(json!({"name": "s", "image": "busybox", "command": ["sleep", "60"]}));
        assert_eq!(
            e.checks[0].target,
            Target::Sleep {
                written: "60".into(),
                seconds: Some(60)
            }
        );
        assert_eq!(e.checks[0].mode, Mode::ToolWaits);
        assert!(!e.needs_cluster());
    }

    #[test]
    fn kubernetes_expansion_and_env_sources() {
        let e = run(json!({"name": "w", "image": "busybox",
            "env": [
                {"name": "DB_HOST", "value": "pg"},
                {"name": "DB_PORT", "valueFrom": {"secretKeyRef": {"name": "db", "key": "port"}}}
            ],
            "command": ["sh", "-c", "until nc -z $(DB_HOST) $DB_PORT; do sleep 1; done"]}));
        let c = e.checks.iter().find(|c| c.tool == Tool::Nc).unwrap();
        let (written, value, port) = host(c);
        assert_eq!(written, "$(DB_HOST)");
        assert_eq!(value, known("pg"));
        match port {
            Some(Part::Unknown(u)) => assert!(u[0].describe().contains("Secret db")),
            p => panic!("{p:?}"),
        }
        // Not a shell: argv expanded by Kubernetes only.
        let e = run(
            json!({"name": "w", "image": "busybox", "env": [{"name": "HELLO", "value": "world"}],
            "command": ["nslookup"], "args": ["$(HELLO).default"]}),
        );
        assert_eq!(
            host(&e.checks[0]),
            ("$(HELLO).default", known("world.default"), None)
        );
    }

    #[test]
    fn tools_and_their_options() {
        let cases: Vec<(&str, Tool, &str, Option<u16>)> = vec![
            ("nc -zv -w 2 db 5432", Tool::Nc, "db", Some(5432)),
            ("ncat -z redis 6379", Tool::Nc, "redis", Some(6379)),
            ("telnet mq 5672", Tool::Telnet, "mq", Some(5672)),
            (
                "curl -fsS http://api:8080/healthz",
                Tool::Curl,
                "api",
                Some(8080),
            ),
            (
                "curl -sf https://config-server/config.json -o /data/c.json",
                Tool::Curl,
                "config-server",
                Some(443),
            ),
            (
                "wget -qO- http://api.shop:8080/healthz",
                Tool::Wget,
                "api.shop",
                Some(8080),
            ),
            ("wget --spider -T 2 web", Tool::Wget, "web", Some(80)),
            (
                "pg_isready -h postgres -p 5433 -U app",
                Tool::PgIsReady,
                "postgres",
                Some(5433),
            ),
            (
                "pg_isready --host=pg --port=5432",
                Tool::PgIsReady,
                "pg",
                Some(5432),
            ),
            (
                "mysqladmin ping -h mysql -P 3307 -uroot -psecret --silent",
                Tool::Mysqladmin,
                "mysql",
                Some(3307),
            ),
            (
                "mysqladmin ping -hmysql",
                Tool::Mysqladmin,
                "mysql",
                Some(3306),
            ),
            ("mysql -h db -e 'select 1'", Tool::Mysql, "db", Some(3306)),
            (
                "redis-cli -h cache -p 6380 ping",
                Tool::RedisCli,
                "cache",
                Some(6380),
            ),
            (
                "redis-cli -u redis://cache:6379 ping",
                Tool::RedisCli,
                "cache",
                Some(6379),
            ),
            (
                "mongosh --host mongo:27018 --eval 'db.adminCommand(\"ping\")'",
                Tool::Mongo,
                "mongo",
                Some(27018),
            ),
            (
                "mongo mongodb://mongo/test --eval 1",
                Tool::Mongo,
                "mongo",
                Some(27017),
            ),
            (
                "wait-for-it.sh db:5432 -t 60 -- echo up",
                Tool::WaitForIt,
                "db",
                Some(5432),
            ),
            (
                "/wait-for-it.sh --host=db --port=5432",
                Tool::WaitForIt,
                "db",
                Some(5432),
            ),
            (
                "dockerize -wait tcp://db:5432 -timeout 60s",
                Tool::Dockerize,
                "db",
                Some(5432),
            ),
            ("getent hosts db", Tool::Getent, "db", None),
            ("host db", Tool::Host, "db", None),
            ("ping -c 1 db", Tool::Ping, "db", None),
            ("timeout 5 nc -z db 5432", Tool::Nc, "db", Some(5432)),
            ("busybox nslookup db", Tool::Nslookup, "db", None),
            ("dig +short @10.0.0.10 db A", Tool::Dig, "db", None),
        ];
        for (script, tool, h, port) in cases {
            let e = run(json!({"name": "w", "image": "x", "command": ["sh", "-c", script]}));
            let c = e
                .checks
                .first()
                .unwrap_or_else(|| panic!("{script}: {e:?}"));
            assert_eq!(c.tool, tool, "{script}");
            let (written, value, p) = host(c);
            assert_eq!((written, value), (h, known(h)), "{script}");
            assert_eq!(p, port.map(Part::Known), "{script}");
        }
        let e = run(
            json!({"name": "w", "image": "x", "command": ["sh", "-c", "timeout 5 nc -z db 5432"]}),
        );
        assert_eq!(e.checks[0].timeout.as_deref(), Some("5"));
    }

    #[test]
    fn kubectl_wait_and_k8s_wait_for() {
        let e = run(json!({"name": "w", "image": "bitnami/kubectl",
            "command": ["kubectl", "wait", "--for=condition=Ready", "pod", "-l", "app=db", "--timeout=300s"]}));
        match &e.checks[0].target {
            Target::Pods {
                selector,
                condition,
                ..
            } => {
                assert_eq!(selector.as_deref(), Some("app=db"));
                assert_eq!(condition, "condition=Ready");
            }
            t => panic!("{t:?}"),
        }
        let e = run(json!({"name": "w", "image": "bitnami/kubectl",
            "command": ["sh", "-c", "kubectl wait --for=condition=complete job/migrate -n data"]}));
        assert_eq!(
            e.checks[0].target,
            Target::Job {
                written: "migrate".into(),
                namespace: Some("data".into()),
                name: "migrate".into(),
                condition: "condition=complete".into()
            }
        );
        let e = run(
            json!({"name": "w", "image": "groundnuty/k8s-wait-for:v2.0", "args": ["pod", "-lapp=db"]}),
        );
        assert!(
            matches!(&e.checks[0].target, Target::Pods { selector: Some(s), .. } if s == "app=db")
        );
        let e = run(
            json!({"name": "w", "image": "groundnuty/k8s-wait-for:v2.0", "args": ["job", "migrate"]}),
        );
        assert!(matches!(&e.checks[0].target, Target::Job { name, .. } if name == "migrate"));
    }

    #[test]
    fn unknown_commands_are_not_guessed() {
        let e = run(
            json!({"name": "m", "image": "myapp", "command": ["python", "manage.py", "migrate"]}),
        );
        assert_eq!(e.not_understood, ["python manage.py migrate"]);
        assert!(e.checks.is_empty());
        let e = run(json!({"name": "m", "image": "myapp"}));
        assert_eq!(e.not_understood, ["(the entrypoint of image myapp)"]);
        let e = run(
            json!({"name": "m", "image": "x", "command": ["sh", "-c", "mkdir -p /x && ./wait.sh db && echo ok"]}),
        );
        assert_eq!(e.not_understood, ["./wait.sh db"]);
        let e = run(json!({"name": "m", "image": "x", "command": ["sh", "/scripts/wait.sh"]}));
        assert_eq!(e.not_understood, ["sh /scripts/wait.sh"]);
    }

    #[test]
    fn shell_variables_defaults_and_assignments() {
        let e = run(json!({"name": "w", "image": "x", "command": ["sh", "-c",
            "HOST=${DB_HOST:-postgres}; PORT=5432\nwhile ! nc -z \"$HOST\" \"$PORT\"; do sleep 1; done"]}));
        let c = &e.checks[0];
        assert_eq!(c.mode, Mode::Loop);
        let (written, value, port) = host(c);
        assert_eq!(written, "$HOST");
        assert_eq!(value, known("postgres"));
        assert_eq!(port, Some(Part::Known(5432)));
    }

    #[test]
    fn images() {
        assert_eq!(
            image_name("registry.example/library/busybox:1.36@sha256:abc"),
            "busybox"
        );
        assert_eq!(image_tag("busybox"), Some("latest".into()));
        assert_eq!(image_tag("busybox:1.28"), Some("1.28".into()));
        assert_eq!(image_tag("localhost:5000/busybox"), Some("latest".into()));
        assert_eq!(image_tag("busybox@sha256:abc"), None);
    }
}
