//! The k9s plugins shipped in `docs/k9s-plugins.yaml`, loaded by the real k9s (built from its Go
//! module, cached: `tests/k9s/build.sh`) in a tmux window on the control plane's pods: the pod
//! view offers the three keys, and k9s logs no plugin error — while a plugins file whose key
//! collides with one of k9s's own does get that error, so the check can fail.
//!
//! k9s is a large Go build: this test is ignored in `make test` and run by `make k9s-test`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TestNs, env, seed_pod};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn k9s() -> PathBuf {
    let out = Command::new("bash")
        .arg(repo().join("tests/k9s/build.sh"))
        .output()
        .expect("run tests/k9s/build.sh");
    assert!(
        out.status.success(),
        "building k9s failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// The screen once the pod view is up, and k9s's log.
fn k9s_with(plugins: &Path, namespace: &str) -> (String, String) {
    let out = Command::new("bash")
        .arg(repo().join("tests/k9s/run.sh"))
        .arg(k9s())
        .arg(plugins)
        .arg(&env().kubeconfig)
        .arg(namespace)
        .output()
        .expect("run tests/k9s/run.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (screen, log) = text.split_once("=== log").expect("screen and log");
    (screen.to_string(), log.to_string())
}

#[tokio::test]
#[ignore = "builds k9s from its Go module (large); `make k9s-test` runs it"]
async fn k9s_loads_the_shipped_plugins() {
    let ns = TestNs::new("k9s").await;
    ns.pod(&seed_pod("sleep 3600", "sleep 3600")).await;

    let (screen, log) = k9s_with(&repo().join("docs/k9s-plugins.yaml"), &ns.name);
    assert!(screen.contains(&format!("pods({})", ns.name)), "{screen}");
    for (key, what) in [
        ("<shift-e>", "Init doctor"),
        ("<shift-w>", "Init logs"),
        ("<shift-k>", "Init check"),
    ] {
        assert!(
            screen.contains(key) && screen.contains(what),
            "{key} {what} not in the pod view's menu:\n{screen}"
        );
    }
    for error in ["Plugins load failed", "Plugin schema validation failed"] {
        assert!(!log.contains(error), "{error}:\n{log}");
    }

    // The same check on a plugins file whose key is one of k9s's own in the pod view.
    let clash = std::env::temp_dir().join(format!("k9s-clash-{}.yaml", std::process::id()));
    let text = std::fs::read_to_string(repo().join("docs/k9s-plugins.yaml"))
        .unwrap()
        .replace("shortCut: Shift-E", "shortCut: Shift-S");
    std::fs::write(&clash, text).unwrap();
    let (_, log) = k9s_with(&clash, &ns.name);
    std::fs::remove_file(&clash).ok();
    assert!(
        log.contains("Plugins load failed") && log.contains("duplicate plugin key"),
        "a clashing key is reported in k9s's log:\n{log}"
    );
}
