//! The layers of `src/`, read from the source (no cluster, no build of the crate's code):
//!
//! - every API call goes through `cluster/` (and `gather.rs`): no `kube::Api`, `Api::…`,
//!   `Api<…>`, `kube::api::…`, `kube::Client` or `.client()` (the cluster's kube client)
//!   anywhere else in `src/`;
//! - imports between the top-level modules of `src/` (`crate::x`, `super::…` reaching the crate
//!   root) go one way: no circle.
//!
//! Comments and string literals are not code: they are blanked before either check.

#[path = "lint/source.rs"]
mod source;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use source::{Token, code_only, group_items, ident, is, tokens};

/// Where `kube::Api`s may be built.
const EDGE: [&str; 2] = ["src/cluster/", "src/gather.rs"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its path relative to the crate (`src/…`), sorted.
fn rust_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The lines of `code` that build or name a kube `Api` or reach for the kube client:
/// `Api::…`, `Api<…>`, `kube::api…`, `kube::Api`, `kube::Client`, `kube::{…Api…, …Client…}`,
/// `.client()`.
fn api_uses(code: &str) -> Vec<usize> {
    let toks = tokens(code);
    let mut lines = BTreeSet::new();
    for (k, (line, token)) in toks.iter().enumerate() {
        let Token::Ident(name) = token else { continue };
        let next = toks.get(k + 1);
        let after = ident(toks.get(k + 2));
        let path_before = k > 0 && is(toks.get(k - 1), &Token::Path);
        let kube_path = path_before && k > 1 && ident(toks.get(k - 2)) == Some("kube");
        let hit = match name.as_str() {
            // `Error::Api {…}` is our error's variant, not kube's type.
            "Api" => {
                kube_path
                    || (!path_before && (is(next, &Token::Path) || is(next, &Token::Punct('<'))))
            }
            "kube" if is(next, &Token::Path) => {
                matches!(after, Some("api" | "Client"))
                    || (is(toks.get(k + 2), &Token::Punct('{'))
                        && group_items(&toks, k + 3)
                            .iter()
                            .any(|first| matches!(first.as_str(), "Api" | "api" | "Client")))
            }
            "client" => {
                k > 0
                    && is(toks.get(k - 1), &Token::Punct('.'))
                    && is(next, &Token::Punct('('))
                    && is(toks.get(k + 2), &Token::Punct(')'))
            }
            _ => false,
        };
        if hit {
            lines.insert(*line);
        }
    }
    lines.into_iter().collect()
}

/// The module path of a file (`src/commands/debug/mod.rs` → `commands::debug`), with the
/// `#[path = "…"] mod name;` declarations of `files` honoured.
fn module_paths(files: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let plain = |rel: &str| -> Vec<String> {
        let inner = rel.trim_start_matches("src/").trim_end_matches(".rs");
        let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        parts
    };
    let mut paths: BTreeMap<String, Vec<String>> = files
        .iter()
        .map(|(rel, _)| (rel.clone(), plain(rel)))
        .collect();
    for (rel, text) in files {
        let toks = tokens(&code_only(text));
        for (k, _) in toks.iter().enumerate() {
            // `# [ path = "…" ] mod NAME ;`: the literal was blanked; read it from the text.
            if ident(toks.get(k)) == Some("path")
                && is(toks.get(k + 1), &Token::Punct('='))
                && k > 1
                && is(toks.get(k - 1), &Token::Punct('['))
            {
                let line = toks[k].0;
                let source = text.lines().nth(line - 1).unwrap_or("");
                let Some(target) = source.split('"').nth(1) else {
                    continue;
                };
                let name = toks[k..]
                    .windows(2)
                    .find(|w| ident(Some(&w[0])) == Some("mod"))
                    .and_then(|w| ident(Some(&w[1])).map(str::to_string));
                let Some(name) = name else { continue };
                let dir = Path::new(rel).parent().unwrap();
                let file = dir.join(target).to_string_lossy().replace('\\', "/");
                let mut path = plain(rel);
                path.push(name);
                paths.insert(file, path);
            }
        }
    }
    paths
}

/// The top-level modules (other than its own) that a file of module path `path` names, each
/// with the first line naming it: `crate::x…`, `crate::{x, …}`, and `super::` chains that
/// reach the crate root. Inline `mod name { … }` blocks lengthen the path inside them.
fn imports(code: &str, path: &[String], modules: &BTreeSet<String>) -> BTreeMap<String, usize> {
    let toks = tokens(code);
    let mut found = BTreeMap::new();
    let mut depth = 0usize;
    // Inline modules open, with the depth their `{` opened at.
    let mut inline: Vec<usize> = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        let (line, token) = &toks[k];
        match token {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            Token::Ident(word)
                if word == "mod"
                    && ident(toks.get(k + 1)).is_some()
                    && is(toks.get(k + 2), &Token::Punct('{')) =>
            {
                inline.push(depth);
                depth += 1;
                k += 3;
                continue;
            }
            Token::Ident(word)
                if (word == "crate" || word == "super")
                    && is(toks.get(k + 1), &Token::Path)
                    && !(k > 0 && is(toks.get(k - 1), &Token::Path)) =>
            {
                let mut at = k;
                let reaches_root = if word == "crate" {
                    at += 2;
                    true
                } else {
                    let mut supers = 0;
                    while ident(toks.get(at)) == Some("super") && is(toks.get(at + 1), &Token::Path)
                    {
                        supers += 1;
                        at += 2;
                    }
                    supers >= path.len() + inline.len()
                };
                if reaches_root {
                    let named = match ident(toks.get(at)) {
                        Some(name) => vec![name.to_string()],
                        None if is(toks.get(at), &Token::Punct('{')) => group_items(&toks, at + 1),
                        None => Vec::new(),
                    };
                    for name in named {
                        if modules.contains(&name) && path.first() != Some(&name) {
                            found.entry(name).or_insert(*line);
                        }
                    }
                }
                k = at;
                continue;
            }
            _ => {}
        }
        k += 1;
    }
    found
}

/// The top-level modules `lib.rs` declares.
fn top_modules(lib: &str) -> BTreeSet<String> {
    let toks = tokens(&code_only(lib));
    toks.windows(3)
        .filter(|w| ident(Some(&w[0])) == Some("mod") && is(Some(&w[2]), &Token::Punct(';')))
        .filter_map(|w| ident(Some(&w[1])).map(str::to_string))
        .collect()
}

/// The edges `from → to` of the top-level modules, each with the first `file:line` making it.
fn module_graph() -> BTreeMap<(String, String), String> {
    let files = rust_files(&src());
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let modules = top_modules(&lib);
    assert!(
        modules.len() > 10 && modules.contains("cluster"),
        "the modules of lib.rs were not read: {modules:?}"
    );
    let paths = module_paths(&files);
    let mut edges = BTreeMap::new();
    for (rel, text) in &files {
        let path = &paths[rel];
        if path.first().is_none_or(|top| !modules.contains(top)) {
            continue; // lib.rs, main.rs
        }
        for (to, line) in imports(&code_only(text), path, &modules) {
            edges
                .entry((path[0].clone(), to))
                .or_insert_with(|| format!("{rel}:{line}"));
        }
    }
    edges
}

/// The circles of a graph: its strongly connected components of more than one node.
fn circles(edges: &BTreeSet<(String, String)>) -> Vec<BTreeSet<String>> {
    let nodes: BTreeSet<&String> = edges.iter().flat_map(|(a, b)| [a, b]).collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(node) = todo.pop() {
            for (a, b) in edges {
                if *a == node && seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut out: Vec<BTreeSet<String>> = Vec::new();
    for node in &nodes {
        if !reached[node].contains(*node) {
            continue;
        }
        let component: BTreeSet<String> = reached[node]
            .iter()
            .filter(|other| reached[other].contains(*node))
            .cloned()
            .collect();
        if !out.contains(&component) {
            out.push(component);
        }
    }
    out
}

#[test]
fn only_the_edge_builds_kube_apis() {
    let mut outside = Vec::new();
    for (rel, text) in rust_files(&src()) {
        if EDGE.iter().any(|edge| rel.starts_with(edge)) {
            continue;
        }
        for line in api_uses(&code_only(&text)) {
            outside.push(format!("{rel}:{line}"));
        }
    }
    assert!(
        outside.is_empty(),
        "kube Apis outside src/cluster/ and src/gather.rs (move the call into a function of \
         cluster/ named for what it does):\n  {}",
        outside.join("\n  ")
    );
}

#[test]
fn the_top_level_modules_import_one_way() {
    let edges = module_graph();
    assert!(
        edges.contains_key(&("commands".to_string(), "cluster".to_string())),
        "the imports were not read: {edges:?}"
    );
    let pairs: BTreeSet<(String, String)> = edges.keys().cloned().collect();
    let found = circles(&pairs);
    let told: Vec<String> = found
        .iter()
        .map(|circle| {
            let within: Vec<String> = edges
                .iter()
                .filter(|((a, b), _)| circle.contains(a) && circle.contains(b))
                .map(|((a, b), at)| format!("{a} → {b} ({at})"))
                .collect();
            within.join(", ")
        })
        .collect();
    assert!(
        found.is_empty(),
        "import circles between the top-level modules of src/:\n  {}",
        told.join("\n  ")
    );
}

#[test]
fn the_readers_of_this_lint_see_what_they_should() {
    // (code, lines naming a kube Api)
    let api_cases: [(&str, &[usize]); 13] = [
        ("let api: Api<Pod> = Api::namespaced(c, ns);", &[1]),
        ("use kube::api::LogParams;", &[1]),
        ("use kube::{Api, Client};", &[1]),
        ("use kube::{api::{Patch}, Client};", &[1]),
        ("let a = kube::Api::<Pod>::all(c);", &[1]),
        ("Err(Error::Api { code: 409, .. }) => {}", &[]),
        ("if let kube::Error::Api(status) = &err {}", &[]),
        (
            "// Api::namespaced in a comment\nlet s = \"Api::all\";",
            &[],
        ),
        ("let s = r#\"kube::api\"#;\nlet a: Api<Pod>;", &[2]),
        ("use kube::{Client, Config};", &[1]),
        ("let c = kube::Client::try_default();", &[1]),
        ("cluster\n    .client()\n    .apiserver_version()", &[2]),
        ("let client = self.client;\nfn client() {}", &[]),
    ];
    for (code, want) in api_cases {
        assert_eq!(api_uses(&code_only(code)), want, "{code}");
    }

    let modules: BTreeSet<String> = ["cli", "cluster", "commands", "logs"]
        .map(str::to_string)
        .into();
    let path = |p: &str| -> Vec<String> { p.split("::").map(str::to_string).collect() };
    // (code, the file's module path, the top-level modules it imports)
    let import_cases: [(&str, &str, &[&str]); 8] = [
        ("use crate::cluster::Cluster;", "logs::stream", &["cluster"]),
        (
            "use crate::{cli::X, cluster, logs};",
            "commands",
            &["cli", "cluster", "logs"],
        ),
        ("use crate::logs::x;", "logs::stream", &[]),
        ("f(super::super::cli::P)", "commands::debug", &["cli"]),
        ("use super::super::cli;", "commands::debug::session", &[]),
        (
            "mod tests { use super::super::cli; }",
            "commands::debug",
            &[],
        ),
        (
            "mod tests { use super::super::super::cli; }",
            "commands::debug",
            &["cli"],
        ),
        ("// crate::cli\nlet s = \"crate::cluster\";", "logs", &[]),
    ];
    for (code, file, want) in import_cases {
        let got = imports(&code_only(code), &path(file), &modules);
        let got: Vec<&str> = got.keys().map(String::as_str).collect();
        assert_eq!(got, want, "{code} in {file}");
    }

    let edges: BTreeSet<(String, String)> = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .into();
    let abc: BTreeSet<String> = ["a", "b", "c"].map(str::to_string).into();
    assert_eq!(circles(&edges), vec![abc]);
    let line: BTreeSet<(String, String)> = [("a", "b"), ("b", "c")]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .into();
    assert!(circles(&line).is_empty());
}
