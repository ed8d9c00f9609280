//! From a container's `command` + `args` + `env` to the things it waits on: pure, and never
//! a guess. Each simple command (at the top level or inside `sh -c`/`bash -c` scripts) is matched
//! against the tools of [`tools::TOOLS`]; a command that is neither a known check nor shell
//! plumbing is reported as not understood, with its text.
//!
//! - `line` reads one command line: assignments, wrappers, nested shells, the tool's name;
//! - `args` holds what every tool's reader shares: options, `host:port`, URLs;
//! - [`tools`] has one file per tool family (DNS tools, TCP tools, HTTP clients, database
//!   clients, Kubernetes waiters, wrappers, timed waits) and the table that names them;
//! - `plumbing` lists the commands that are not checks.
//!
//! To teach it a tool: one entry in [`tools::TOOLS`] and a `fn` in its family's file that reads
//! its options into [`Target`]s (see `tools/tcp.rs` for a host-and-port tool, `tools/http.rs` for
//! URLs).

mod args;
mod argv;
#[cfg(test)]
mod bounded_tests;
mod calls;
mod discovery;
mod eval;
pub mod expand;
mod files;
mod line;
mod memo;
mod output;
mod params;
mod plumbing;
mod script;
mod settle;
mod shapes;
mod shapes_images;
mod shapes_more;
mod shapes_scripts;
pub mod shell;
pub mod tools;

use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod};

use argv::{has_brace_range, shell_script, word_of};
use expand::{Chars, EnvTable, Unknown};
use line::Reader;
use shell::{Ctx, SyntaxError, Word};
pub use tools::Tool;

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
    /// A workload's rollout (`kubectl rollout status deployment/x`) or the Jobs a selector
    /// picks (k8s-wait-for's `job -lSELECTOR`): the API server answers, and `explain` does not
    /// look these objects up.
    Workload {
        written: String,
        namespace: Option<String>,
        /// `deployment`, `statefulset`, `daemonset` or `job`.
        kind: String,
        name: Option<String>,
        selector: Option<String>,
        /// What is waited for: `rollout` (updated replicas available), `condition=complete`.
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
            | Target::Workload { written, .. }
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
    /// Its failure is handled where it runs (`X || …`, `if X`, `! X`): it cannot fail the
    /// container by itself.
    pub handled: bool,
    /// When it fails, the script ends with its failure (see [`crate::command::shell::Ctx`]).
    pub ends_script: bool,
    /// How many times the script runs this same check (`nslookup db; nslookup db; …`): one
    /// check, one finding, with the count.
    pub times: usize,
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
    /// The shell stops at the first command that fails (`sh -e`, `set -e`, `set -o errexit`).
    pub errexit: bool,
    /// The reader spent its budget ([`STEPS`]) before the end: nothing read is kept, and
    /// `not_understood` says "too complex to read".
    pub too_complex: bool,
    /// An element of its `command` or `args` is longer than [`MAX_SCRIPT`]: nothing of it is
    /// read (not even expanded), and `not_understood` says "too large to read".
    pub too_large: bool,
    /// What the command connects to that is not a wait (dropped from `checks`): one-shot
    /// downloads from outside the cluster and requests to the API server. A redirect of the
    /// pod's traffic catches these as it catches waits.
    pub connects: Vec<Target>,
}

/// The work the reader may do on one container, in steps (a character read, compared or
/// copied): a few milliseconds of CPU. Scripts built to make it slow (patterns that
/// backtrack, `$(…)` nested deep, variables that double each other) stop here instead.
pub const STEPS: u64 = 1_000_000;

/// What parsing a script costs, in steps per character (tokens and words built): a script
/// of more than [`MAX_PARSED`] characters is not parsed at all.
pub const PARSE_STEPS: usize = 4;

/// The longest script parsed (250,000 characters): [`STEPS`] / [`PARSE_STEPS`].
pub const MAX_PARSED: usize = STEPS as usize / PARSE_STEPS;

/// The distinct checks kept from one container; past them, one line says how many more there
/// were (a script naming thousands of targets costs this many findings and lookups, not
/// thousands).
pub const MAX_CHECKS: usize = 64;

/// What `not_understood` holds when the reader stopped at its budget.
pub const TOO_COMPLEX: &str = "too complex to read";

/// The longest `command` or `args` element the reader reads (a script, 64 KiB): a longer one
/// is refused before it is expanded or parsed, whatever it holds.
pub const MAX_SCRIPT: usize = 64 * 1024;

/// What `not_understood` holds when an element was longer than [`MAX_SCRIPT`].
pub const TOO_LARGE: &str = "too large to read";

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
    memo::remembered(pod, container, config_maps, STEPS, || {
        extract_within(pod, container, config_maps, STEPS)
    })
}

/// [`extract`] with a budget of `steps` (see [`STEPS`]).
pub fn extract_within(
    pod: &Pod,
    container: &Container,
    config_maps: Option<&[ConfigMap]>,
    steps: u64,
) -> Extraction {
    let mut out = read(pod, container, config_maps, steps);
    merge_repeats(&mut out);
    if out.too_complex {
        let image = std::mem::take(&mut out.image);
        out = Extraction {
            container: std::mem::take(&mut out.container),
            image,
            not_understood: vec![TOO_COMPLEX.to_string()],
            shell: out.shell,
            script: out.script,
            too_complex: true,
            ..Default::default()
        };
    }
    out
}

fn read(
    pod: &Pod,
    container: &Container,
    config_maps: Option<&[ConfigMap]>,
    steps: u64,
) -> Extraction {
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
    if let Some(long) = command.iter().chain(args).find(|a| a.len() > MAX_SCRIPT) {
        // Refused whole, before any work on it: its first words say what it is.
        out.script = Some(prefix(long, 4 * 240));
        out.not_understood.push(TOO_LARGE.to_string());
        out.too_large = true;
        return out;
    }
    let mut argv: Vec<Chars> = command
        .iter()
        .chain(args.iter())
        .map(|a| expand::expand(a, &env))
        .collect();
    if command.is_empty() {
        // The image's entrypoint runs, with `args` after it (see tools::entrypoints).
        match tools::entrypoints::entrypoint(&image).map(|k| k.entrypoint) {
            Some(tools::entrypoints::Entrypoint::Argv(entry)) => {
                for (i, e) in entry.iter().enumerate() {
                    argv.insert(i, expand::expand(e, &env));
                }
            }
            Some(tools::entrypoints::Entrypoint::None | tools::entrypoints::Entrypoint::Cmd(_))
                if !argv.is_empty() => {}
            Some(tools::entrypoints::Entrypoint::None) => return out,
            Some(tools::entrypoints::Entrypoint::Cmd(program)) => {
                argv = program.iter().map(|e| expand::expand(e, &env)).collect();
            }
            Some(tools::entrypoints::Entrypoint::PassThrough(program)) => {
                if !tools::entrypoints::runs_itself(args.first().map(String::as_str)) {
                    for (i, e) in program.iter().enumerate() {
                        argv.insert(i, expand::expand(e, &env));
                    }
                }
            }
            None => {
                let shown = std::iter::once(format!("(the entrypoint of image {image})"))
                    .chain(args.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(" ");
                out.not_understood.push(shown);
                return out;
            }
        }
    }
    let reader = Reader {
        namespace: &namespace,
        functions: Default::default(),
        files: Default::default(),
        bash: Default::default(),
        budget: std::cell::Cell::new(script::BUDGET),
        steps: std::cell::Cell::new(steps),
        nesting: std::cell::Cell::new(0),
    };
    // A shell running a script given with -c: read the script from its expanded characters,
    // so targets keep their `$(VAR)` as written.
    let words: Vec<Word> = argv.iter().map(word_of).collect();
    if let Some((shell_name, script_index)) = shell_script(&words)
        && let Some(script) = argv.get(script_index)
    {
        out.shell = Some(shell_name.clone());
        out.script = Some(script.written(0, script.chars.len()));
        if !reader.charge(script.chars.len().saturating_mul(PARSE_STEPS)) {
            // Too long to parse within the budget: not parsed at all.
            out.too_complex = true;
            return out;
        }
        let parsed = shell::parse(&script.chars, &script.refs);
        if shell_name != "bash" && shell_name != "zsh" {
            out.brace_range_in_sh = has_brace_range(&script.text());
        }
        out.syntax_error = parsed.error.clone();
        out.errexit = words[1..script_index].iter().any(|w| {
            w.literal()
                .is_some_and(|t| t.starts_with('-') && !t.starts_with("--") && t.contains('e'))
        }) || parsed.commands.iter().any(sets_errexit);
        reader.bash.set(shell_name == "bash");
        let mut env = env.clone();
        reader.script(&parsed.commands, &mut env, &mut out, 0);
        settle::settle(&mut out);
        settle::never_silent(&parsed.commands, &mut out);
        out.too_complex = reader.exhausted();
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
    settle::settle(&mut out);
    out.too_complex = reader.exhausted();
    out
}

/// The first `max` bytes of `text` (fewer, to end on a character).
fn prefix(text: &str, max: usize) -> String {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The same check written many times is one check, counted; the same command not understood
/// is one line, counted.
fn merge_repeats(out: &mut Extraction) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut checks: Vec<Check> = Vec::new();
    for check in std::mem::take(&mut out.checks) {
        let key = format!("{check:?}");
        match seen.get(&key) {
            Some(&i) => checks[i].times += check.times,
            None => {
                seen.insert(key, checks.len());
                checks.push(check);
            }
        }
    }
    if checks.len() > MAX_CHECKS {
        let more = checks.len() - MAX_CHECKS;
        checks.truncate(MAX_CHECKS);
        out.not_understood.push(format!(
            "{more} more checks, not read: at most {MAX_CHECKS} are read per container"
        ));
    }
    out.checks = checks;
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut order = Vec::new();
    for line in std::mem::take(&mut out.not_understood) {
        let n = counts.entry(line.clone()).or_insert(0);
        if *n == 0 {
            order.push(line);
        }
        *n += 1;
    }
    out.not_understood = order
        .into_iter()
        .map(|line| match counts[&line] {
            1 => line,
            n => format!("{line} (×{n})"),
        })
        .collect();
}

/// `set -e`, `set -eux`, `set -o errexit`.
fn sets_errexit(c: &shell::SimpleCommand) -> bool {
    let words: Vec<Option<&str>> = c.words.iter().map(Word::plain).collect();
    if words.first() != Some(&Some("set")) {
        return false;
    }
    words[1..].iter().enumerate().any(|(i, w)| match w {
        Some("-o") => words.get(i + 2) == Some(&Some("errexit")),
        Some(t) => t.starts_with('-') && !t.starts_with("--") && t.contains('e'),
        None => false,
    })
}

/// True for the k8s-wait-for image, whose entrypoint takes `pod -l…` / `job NAME`.
pub fn image_is_k8s_wait_for(image: &str) -> bool {
    tools::entrypoints::entrypoint(image).is_some_and(|k| k.repository == "groundnuty/k8s-wait-for")
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
                "psql -h pg -p 5432 -U u -c 'select 1'",
                Tool::Psql,
                "pg",
                Some(5432),
            ),
            (
                "psql \"postgresql://u:p@pg.shop:5433/app\" -c 'select 1'",
                Tool::Psql,
                "pg.shop",
                Some(5433),
            ),
            (
                "psql -c 'select 1' \"host=pgbouncer port=6432 dbname=app\"",
                Tool::Psql,
                "pgbouncer",
                Some(6432),
            ),
            (
                "psql --host=pg -d app -tAc 'SELECT 1'",
                Tool::Psql,
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
