//! Shell completion: the committed clap_complete scripts match the CLI (regenerate them with
//! `UPDATE_COMPLETIONS=1 cargo test --test e2e_completion`), bash really completes with its script,
//! and kubectl's own plugin completion (`kubectl __complete initdoctor …`, the pinned kubectl)
//! runs `completions/kubectl_complete-initdoctor` for candidates from the control plane.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use clap_complete::Shell;
use common::{TestNs, env, plugin_dir, state};
use serde_json::json;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn completions_dir() -> PathBuf {
    repo().join("completions")
}

/// The committed file for each shell's script.
fn script_file(shell: Shell) -> PathBuf {
    let name = match shell {
        Shell::Bash => "kubectl-initdoctor.bash".to_string(),
        Shell::Zsh => "_kubectl-initdoctor".to_string(),
        Shell::Fish => "kubectl-initdoctor.fish".to_string(),
        Shell::PowerShell => "_kubectl-initdoctor.ps1".to_string(),
        Shell::Elvish => "kubectl-initdoctor.elv".to_string(),
        other => format!("kubectl-initdoctor.{other}"),
    };
    completions_dir().join(name)
}

#[test]
fn committed_scripts_match_the_cli() {
    // Regenerated only when asked for with exactly `UPDATE_COMPLETIONS=1`.
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some_and(|v| v == "1");
    let mut drifted = Vec::new();
    for shell in Shell::value_variants() {
        let file = script_file(*shell);
        let want = initdoctor::commands::completion::script(*shell);
        // The binary prints the same script as the library generates.
        let printed = Command::new(env!("CARGO_BIN_EXE_kubectl-initdoctor"))
            .args(["completion", &shell.to_string()])
            .output()
            .expect("run kubectl-initdoctor completion");
        assert!(printed.status.success(), "completion {shell} failed");
        assert_eq!(String::from_utf8_lossy(&printed.stdout), want, "{shell}");
        if update {
            std::fs::write(&file, &want).expect("write completion script");
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(want.as_str()) {
            drifted.push(file.display().to_string());
        }
    }
    assert!(
        drifted.is_empty(),
        "completion scripts differ from the CLI: {drifted:?}; regenerate them with \
         `UPDATE_COMPLETIONS=1 cargo test --test e2e_completion committed_scripts` and review the diff"
    );
}

#[test]
fn no_script_offers_the_hidden_subcommand() {
    for shell in Shell::value_variants() {
        let file = script_file(*shell);
        // A missing script fails here (it is committed), rather than offering nothing.
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
            panic!(
                "{} is missing ({e}): run `make completions`",
                file.display()
            )
        });
        assert!(
            !text.contains("__complete"),
            "{shell} script offers __complete"
        );
    }
}

#[test]
fn kubectl_plugin_completion_file_is_an_executable_script() {
    use std::os::unix::fs::PermissionsExt;
    let file = completions_dir().join("kubectl_complete-initdoctor");
    let mode = std::fs::metadata(&file)
        .expect("completions/kubectl_complete-initdoctor exists")
        .permissions()
        .mode();
    assert!(mode & 0o111 == 0o111, "not executable by all: {mode:o}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("#!/bin/sh\n"), "{text}");
}

/// `COMPREPLY` after completing `line` (the last word being completed) with the bash script.
fn bash_complete(line: &[&str]) -> Vec<String> {
    let script = script_file(Shell::Bash);
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let cword = line.len() - 1;
    let prev = if cword > 0 { line[cword - 1] } else { "" };
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; \
         _kubectl_initdoctor kubectl-initdoctor '{}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.join(" "),
        line[cword],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_script_completes_subcommands_and_their_flags() {
    let top = bash_complete(&["kubectl-initdoctor", ""]);
    for want in ["explain", "logs", "debug", "--namespace"] {
        assert!(top.contains(&want.to_string()), "{want} not in {top:?}");
    }
    let logs = bash_complete(&["kubectl-initdoctor", "logs", "--f"]);
    assert_eq!(logs, vec!["--follow"]);
    let output = bash_complete(&["kubectl-initdoctor", "explain", "-o", ""]);
    assert_eq!(output, vec!["table", "wide", "json"]);
}

// ---- kubectl's plugin completion, against the control plane ----

/// What `kubectl __complete initdoctor WORDS…` printed: the candidates and the directive.
#[derive(Debug)]
struct Completion {
    lines: Vec<String>,
    directive: String,
}

impl Completion {
    /// The candidate values (without descriptions).
    fn values(&self) -> Vec<&str> {
        self.lines
            .iter()
            .map(|l| l.split('\t').next().unwrap_or(""))
            .collect()
    }
}

/// PATH for plugin completion: the built binary, `completions/`, the pinned kubectl.
fn completion_path() -> String {
    format!(
        "{}:{}:{}:/usr/bin:/bin",
        plugin_dir().display(),
        completions_dir().display(),
        env().bin_dir.display()
    )
}

fn kubectl_complete_with(words: &[&str], kubeconfig: &Path) -> Completion {
    let scratch = common::scratch("home");
    let home = scratch.path();
    let out = Command::new(env().bin_dir.join("kubectl"))
        .args(["__complete", "initdoctor"])
        .args(words)
        .env_clear()
        .env("HOME", home)
        .env("PATH", completion_path())
        .env("KUBECONFIG", kubeconfig)
        .output()
        .expect("run kubectl __complete");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<String> = stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let directive = lines.pop().unwrap_or_default();
    assert!(
        directive.starts_with(':'),
        "no directive line in {stdout:?}; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Completion { lines, directive }
}

fn kubectl_complete(words: &[&str]) -> Completion {
    kubectl_complete_with(words, &env().kubeconfig)
}

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: NAME}
spec:
  initContainers:
  - {name: wait-db, image: busybox:1.36, command: [sh, -c, "until nslookup db; do sleep 2; done"]}
  - {name: migrate, image: busybox:1.36}
  containers:
  - {name: app, image: nginx:1.27}
"#;

#[tokio::test]
async fn kubectl_completes_subcommands_flags_and_values() {
    let done = kubectl_complete(&[""]);
    assert_eq!(done.directive, ":4");
    assert_eq!(
        &done.values()[..3],
        &["explain", "logs", "debug"],
        "{done:?}"
    );
    assert!(!done.values().contains(&"__complete"));
    // Descriptions come after a tab, for shells that show them.
    assert!(
        done.lines
            .iter()
            .any(|l| l.starts_with("explain\t") && l.contains("init container")),
        "{done:?}"
    );

    let flags = kubectl_complete(&["logs", "web", "--f"]);
    assert_eq!(flags.values(), vec!["--follow"]);
    let output = kubectl_complete(&["explain", "-o", ""]);
    assert_eq!(output.values(), vec!["table", "wide", "json"]);
    let kubeconfig = kubectl_complete(&["explain", "--kubeconfig", ""]);
    assert_eq!(
        kubeconfig.directive, ":0",
        "file names are the shell's to complete"
    );
    let contexts = kubectl_complete(&["--context", "initdoctor-v"]);
    assert_eq!(contexts.values(), vec!["initdoctor-viewer"]);
}

#[tokio::test]
async fn kubectl_completes_pods_namespaces_and_containers_from_the_cluster() {
    let ns = TestNs::new("cmp").await;
    for name in ["web-1", "web-2", "db"] {
        ns.pod(&POD.replace("NAME", name)).await;
    }
    ns.set_status(
        "web-1",
        json!({
            "phase": "Pending",
            "conditions": state::initializing_conditions(),
            "initContainerStatuses": [
                state::running("wait-db", "busybox:1.36", "2026-01-01T00:00:00Z"),
                state::waiting("migrate", "busybox:1.36", "PodInitializing", "", 0)
            ],
            "containerStatuses": [state::waiting("app", "nginx:1.27", "PodInitializing", "", 0)]
        }),
    )
    .await;
    let n = ns.name.as_str();

    let pods = kubectl_complete(&["explain", "-n", n, ""]);
    assert_eq!(pods.values(), vec!["db", "web-1", "web-2"], "{pods:?}");
    assert!(
        pods.lines.contains(&"web-1\tInit:0/2".to_string()),
        "{pods:?}"
    );
    assert_eq!(pods.directive, ":4");

    // The prefix typed so far; the namespace given as --namespace=…, after the subcommand or before.
    let web = kubectl_complete(&["logs", &format!("--namespace={n}"), "we"]);
    assert_eq!(web.values(), vec!["web-1", "web-2"]);
    let web = kubectl_complete(&["-n", n, "debug", "we"]);
    assert_eq!(web.values(), vec!["web-1", "web-2"]);
    // explain takes several pods: those already on the line are not offered again.
    let rest = kubectl_complete(&["explain", "web-1", "-n", n, ""]);
    assert_eq!(rest.values(), vec!["db", "web-2"]);
    // logs takes one pod.
    assert!(
        kubectl_complete(&["logs", "-n", n, "web-1", ""])
            .lines
            .is_empty()
    );

    let namespaces = kubectl_complete(&["explain", "-n", &n[..n.len() - 2]]);
    assert!(namespaces.values().contains(&n), "{namespaces:?}");
    let namespaces = kubectl_complete(&["explain", &format!("--namespace={}", &n[..6])]);
    assert!(
        namespaces
            .values()
            .contains(&format!("--namespace={n}").as_str()),
        "{namespaces:?}"
    );

    let containers = kubectl_complete(&["debug", "web-1", "-n", n, "--target", ""]);
    assert_eq!(
        containers.lines,
        vec!["wait-db\tinit 1/2", "migrate\tinit 2/2", "app\tcontainer"]
    );
    let containers = kubectl_complete(&["debug", "web-1", "-n", n, "--target=m"]);
    assert_eq!(containers.values(), vec!["--target=migrate"]);
}

/// A kubeconfig like the test one whose current context points at `server` (the control plane's
/// when `None`) as `user` (a user with a token nobody issued, `bogus`, is added), keeping the real
/// contexts (so `--context initdoctor` still reaches the control plane).
fn kubeconfig_with_current(server: Option<&str>, user: &str) -> PathBuf {
    let text = std::fs::read_to_string(&env().kubeconfig).unwrap();
    let mut config: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let yaml = |text: String| -> serde_json::Value { serde_saphyr::from_str(&text).unwrap() };
    let cluster = match server {
        Some(server) => {
            config["clusters"].as_array_mut().unwrap().push(yaml(format!(
                "{{name: nowhere, cluster: {{server: '{server}', insecure-skip-tls-verify: true}}}}"
            )));
            "nowhere"
        }
        None => "initdoctor",
    };
    config["users"].as_array_mut().unwrap().push(yaml(
        "{name: bogus, user: {token: not-a-real-token}}".into(),
    ));
    config["contexts"]
        .as_array_mut()
        .unwrap()
        .push(yaml(format!(
            "{{name: chosen, context: {{cluster: {cluster}, user: {user}, namespace: default}}}}"
        )));
    config["current-context"] = "chosen".into();
    let file =
        std::env::temp_dir().join(format!("initdoctor-cmp-{}.yaml", common::random_suffix()));
    std::fs::write(&file, serde_saphyr::to_string(&config).unwrap()).unwrap();
    file
}

#[tokio::test]
async fn the_line_chooses_the_kubeconfig_and_context() {
    let ns = TestNs::new("cmpctx").await;
    ns.pod(&POD.replace("NAME", "only")).await;
    let n = ns.name.as_str();
    // The environment's kubeconfig does not exist; --kubeconfig on the line does.
    let missing = std::env::temp_dir().join("initdoctor-no-such-kubeconfig.yaml");
    let real = env().kubeconfig.display().to_string();
    let pods = kubectl_complete_with(&["explain", "--kubeconfig", &real, "-n", n, ""], &missing);
    assert_eq!(pods.values(), vec!["only"]);
    assert!(
        kubectl_complete_with(&["explain", "-n", n, ""], &missing)
            .lines
            .is_empty()
    );

    // The current context is unreachable; --context on the line picks the control plane.
    let nowhere = kubeconfig_with_current(Some("https://127.0.0.1:1"), "admin");
    let pods = kubectl_complete_with(
        &["--context", "initdoctor", "explain", "-n", n, ""],
        &nowhere,
    );
    assert_eq!(pods.values(), vec!["only"]);
    let none = kubectl_complete_with(&["explain", "-n", n, ""], &nowhere);
    assert!(none.lines.is_empty(), "{none:?}");
    assert_eq!(none.directive, ":4");
    let _ = std::fs::remove_file(nowhere);

    // Credentials refused (401): nothing, and no error text.
    let bogus = kubeconfig_with_current(None, "bogus");
    let refused = kubectl_complete_with(&["explain", "-n", n, ""], &bogus);
    assert!(refused.lines.is_empty(), "{refused:?}");
    assert_eq!(refused.directive, ":4");
    let _ = std::fs::remove_file(bogus);
}

#[test]
fn a_silent_server_costs_at_most_two_seconds_and_prints_only_the_directive() {
    // Accepts connections (the kernel does) but never answers the TLS handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!("https://{}", listener.local_addr().unwrap());
    let kubeconfig = kubeconfig_with_current(Some(&server), "admin");
    let started = Instant::now();
    let out = Command::new(completions_dir().join("kubectl_complete-initdoctor"))
        .args(["explain", ""])
        .env_clear()
        .env("PATH", completion_path())
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("run kubectl_complete-initdoctor");
    let took = started.elapsed();
    let _ = std::fs::remove_file(kubeconfig);
    drop(listener);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), ":4\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(
        took < Duration::from_millis(3000),
        "took {took:?}, more than the 2 s budget"
    );
    assert!(
        took >= Duration::from_millis(1500),
        "gave up after {took:?}: the timeout is meant to be 2 s"
    );
}

#[test]
fn without_the_binary_on_path_the_script_prints_only_the_directive() {
    let out = Command::new(completions_dir().join("kubectl_complete-initdoctor"))
        .args(["explain", ""])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("run kubectl_complete-initdoctor");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), ":4\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
