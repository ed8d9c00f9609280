//! The corpus of init containers taken from public charts and docs (tests/data/corpus/), and
//! how an answer is scored against it. Shared by `corpus.rs` (the reader, no cluster) and
//! `e2e_corpus.rs` (explain on the control plane).
//!
//! `held-out.txt` names the held-out third (chosen at random, see its header): `make test` scores
//! it apart from the development part, whose misses are the ones worked on. `batch2.txt`,
//! `batch3.txt` and `batch4.txt` name a second, third and fourth batch, each from projects no
//! earlier batch read, each with its own held-out third (`held-out-2.txt`, `held-out-3.txt`,
//! `held-out-4.txt`). `batch5.txt` and `batch6.txt` name a fifth and a sixth, whose held-out parts
//! (`held-out-5.txt`, `held-out-6.txt`) are a third of their projects, every entry of each.
//!
//! Each file names a project (and the commit read); each entry holds one init container as
//! rendered (Helm templates filled with plausible values: release `myrel`, namespace
//! `corpus`), the ConfigMaps its env needs, its source, and the answer written by reading it:
//! - `expect: [targets]`: what it waits on (`tool`, `host`, `port`, `kind`: dns/tcp/http,
//!   or `kind: pod` + `selector`, `kind: job` + `name`, `kind: timed` + `seconds`), with
//!   `once: true` for a check run once (the container fails instead of waiting);
//! - `expect: nothing`: it waits on nothing (no check may be reported);
//! - `expect: unknown`: what it waits on cannot be read from its command (an app's own tool,
//!   a script in a mounted file): it must be reported as not understood, never guessed.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// The namespace the corpus is rendered for (hosts written `….corpus.svc…`).
pub const NAMESPACE: &str = "corpus";

#[derive(Debug, Deserialize)]
struct File {
    project: String,
    commit: Option<String>,
    entries: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
struct RawEntry {
    name: String,
    path: Option<String>,
    source: Option<String>,
    container: Value,
    #[serde(default, rename = "configMaps")]
    config_maps: Vec<Value>,
    expect: Value,
}

/// One expected target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub tool: String,
    pub kind: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub selector: Option<String>,
    pub name: Option<String>,
    pub seconds: Option<u64>,
    #[serde(default)]
    pub once: bool,
}

impl Target {
    /// `nc myrel-mysql:3306 tcp`, for messages.
    pub fn show(&self) -> String {
        let what = match (&self.host, &self.selector, &self.name) {
            (Some(h), _, _) => match self.port {
                Some(p) => format!("{h}:{p}"),
                None => h.clone(),
            },
            (_, Some(s), _) => format!("-l {s}"),
            (_, _, Some(n)) => n.clone(),
            _ => self.seconds.map(|s| format!("{s}s")).unwrap_or_default(),
        };
        let once = if self.once { " once" } else { "" };
        format!("{} {what} {}{once}", self.tool, self.kind)
    }

    /// What identifies the target in explain's output: the host's first label, the selector
    /// or the Job's name.
    pub fn needle(&self) -> Option<String> {
        if let Some(h) = &self.host {
            return h.split('.').next().map(str::to_string);
        }
        self.selector.clone().or_else(|| self.name.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Targets(Vec<Target>),
    Nothing,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub project: String,
    pub name: String,
    /// `owner/repo:path@commit`.
    pub source: String,
    pub container: Value,
    pub config_maps: Vec<Value>,
    pub expect: Expect,
    /// In a held-out part (`held-out.txt`, `held-out-2.txt` … `held-out-6.txt`).
    pub held_out: bool,
    /// The batch it was gathered in: 1, or the N of the `batchN.txt` that names it (2 to 6).
    pub batch: u8,
}

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus")
}

/// The held-out entries named in `held-out.txt`, as `(project, name)`.
pub fn held_out() -> std::collections::BTreeSet<(String, String)> {
    named("held-out.txt")
}

/// The entries named in one of the corpus's lists (`project name` a line), as `(project, name)`.
pub fn named(file: &str) -> std::collections::BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (project, name) = l
                .split_once(' ')
                .unwrap_or_else(|| panic!("{file}: `project name`"));
            (project.to_string(), name.to_string())
        })
        .collect()
}

/// Every entry of every file, in file then entry order.
pub fn load() -> Vec<Entry> {
    let mut held = held_out();
    held.extend(named("held-out-2.txt"));
    held.extend(named("held-out-3.txt"));
    held.extend(named("held-out-4.txt"));
    held.extend(named("held-out-5.txt"));
    held.extend(named("held-out-6.txt"));
    let batch2 = named("batch2.txt");
    let batch3 = named("batch3.txt");
    let batch4 = named("batch4.txt");
    let batch5 = named("batch5.txt");
    let batch6 = named("batch6.txt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("tests/data/corpus")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read corpus file");
        let file: File =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for raw in file.entries {
            let source = match (&raw.source, &raw.path, &file.commit) {
                (Some(s), _, _) => s.clone(),
                (None, Some(p), Some(c)) => format!("{}:{p}@{c}", file.project),
                _ => panic!("{}: {} has no source", path.display(), raw.name),
            };
            let expect = match &raw.expect {
                Value::String(s) if s == "nothing" => Expect::Nothing,
                Value::String(s) if s == "unknown" => Expect::Unknown,
                v @ Value::Array(_) => Expect::Targets(
                    serde_json::from_value(v.clone())
                        .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), raw.name)),
                ),
                v => panic!("{}: {}: bad expect {v}", path.display(), raw.name),
            };
            let key = (file.project.clone(), raw.name.clone());
            let held_out = held.contains(&key);
            let batch = if batch6.contains(&key) {
                6
            } else if batch5.contains(&key) {
                5
            } else if batch4.contains(&key) {
                4
            } else if batch3.contains(&key) {
                3
            } else if batch2.contains(&key) {
                2
            } else {
                1
            };
            out.push(Entry {
                project: file.project.clone(),
                name: raw.name,
                source,
                container: raw.container,
                config_maps: raw.config_maps,
                expect,
                held_out,
                batch,
            });
        }
    }
    out
}

/// How an answer compares with the corpus.
#[derive(Debug, Default)]
pub struct Score {
    pub targets_found: usize,
    pub targets: usize,
    pub negatives_clean: usize,
    pub negatives: usize,
    pub unknown_reported: usize,
    pub unknown: usize,
    /// One line per miss: entry, what was expected, what was answered.
    pub misses: Vec<String>,
}

impl Score {
    pub fn line(&self, what: &str) -> String {
        format!(
            "{what}: {}/{} targets, {}/{} negatives, {}/{} not understood as expected",
            self.targets_found,
            self.targets,
            self.negatives_clean,
            self.negatives,
            self.unknown_reported,
            self.unknown
        )
    }

    pub fn percent_targets(&self) -> f64 {
        100.0 * self.targets_found as f64 / self.targets.max(1) as f64
    }

    pub fn percent_negatives(&self) -> f64 {
        100.0 * self.negatives_clean as f64 / self.negatives.max(1) as f64
    }
}

/// The corpus's own invariants (the minimums).
pub fn check_shape(entries: &[Entry]) {
    let projects: std::collections::BTreeSet<&str> =
        entries.iter().map(|e| e.project.as_str()).collect();
    let negatives = entries
        .iter()
        .filter(|e| e.expect == Expect::Nothing)
        .count();
    assert!(entries.len() >= 300, "{} entries", entries.len());
    assert!(projects.len() >= 60, "{} projects", projects.len());
    assert!(negatives >= 60, "{negatives} negatives");
    // The held-out third: every name in held-out.txt is an entry, and it is a third of the
    // entries it was drawn from (entries added later join the development part).
    let held = held_out();
    let known: std::collections::BTreeSet<(String, String)> = entries
        .iter()
        .map(|e| (e.project.clone(), e.name.clone()))
        .collect();
    for h in &held {
        assert!(known.contains(h), "held-out.txt names no entry {h:?}");
    }
    assert!(held.len() >= 100, "{} held-out entries", held.len());
    // The later batches: each from projects no earlier batch read (at least 60 entries from 15
    // projects for the second, 75 from 20 for the third, 45 from 15 for the fourth, 60 from 20 for
    // the fifth, 90 from 30 for the sixth), its held-out part a third of it.
    check_batch(entries, &known, "batch2.txt", "held-out-2.txt", (60, 15), 2);
    check_batch(entries, &known, "batch3.txt", "held-out-3.txt", (75, 20), 3);
    check_batch(entries, &known, "batch4.txt", "held-out-4.txt", (45, 15), 4);
    check_batch(entries, &known, "batch5.txt", "held-out-5.txt", (60, 20), 5);
    check_batch(entries, &known, "batch6.txt", "held-out-6.txt", (90, 30), 6);
    // The README names every source: repository and commit.
    let readme = std::fs::read_to_string(dir().join("README.md")).expect("README.md");
    for e in entries {
        let (repo, rest) = e.source.split_once(':').expect("owner/repo:path@commit");
        let (_, commit) = rest.rsplit_once('@').expect("path@commit");
        assert!(
            readme.contains(&format!("`{repo}` at `{commit}`")),
            "tests/data/corpus/README.md does not name {repo} at {commit}"
        );
    }
    let mut names = std::collections::BTreeSet::new();
    for e in entries {
        assert!(
            names.insert((e.project.clone(), e.name.clone())),
            "duplicate entry {}",
            e.name
        );
        let (repo, rest) = e.source.split_once(':').expect("owner/repo:path@commit");
        assert_eq!(repo.split('/').count(), 2, "{}", e.source);
        let (_, commit) = rest.rsplit_once('@').expect("path@commit");
        assert!(
            commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{}",
            e.source
        );
        assert!(
            e.container["name"].is_string(),
            "{}: container name",
            e.name
        );
    }
}

/// A later batch's invariants: its lists name entries, its held-out part is a third of it drawn
/// from it (of its entries for batches 2 to 4, of its projects from the fifth on), it has at least
/// `min` (entries, projects), and every entry of its projects is in it.
fn check_batch(
    entries: &[Entry],
    known: &std::collections::BTreeSet<(String, String)>,
    list: &str,
    held_list: &str,
    min: (usize, usize),
    batch: u8,
) {
    let all = named(list);
    let held = named(held_list);
    for b in all.iter().chain(&held) {
        assert!(
            known.contains(b),
            "{list} or {held_list} names no entry {b:?}"
        );
    }
    assert!(
        held.is_subset(&all),
        "{held_list} names an entry outside {list}"
    );
    let projects: std::collections::BTreeSet<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
    if batch >= 5 {
        // Drawn by project: a third of the batch's projects, every entry of each.
        let held_projects: std::collections::BTreeSet<&str> =
            held.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            held_projects.len(),
            projects.len() / 3,
            "{held_list} does not hold a third of the projects"
        );
        for b in &all {
            assert_eq!(
                held.contains(b),
                held_projects.contains(b.0.as_str()),
                "{held_list}: {b:?} is split from its project"
            );
        }
    } else {
        assert_eq!(held.len(), all.len() / 3, "{held_list} is not a third");
    }
    assert!(
        all.len() >= min.0 && projects.len() >= min.1,
        "{list}: {} entries from {} projects",
        all.len(),
        projects.len()
    );
    for e in entries
        .iter()
        .filter(|e| projects.contains(e.project.as_str()))
    {
        assert!(
            e.batch == batch,
            "{} {} is from a project of {list} but not in it",
            e.project,
            e.name
        );
    }
}
