//! End to end on the real node: an attached `debug -it` session in a real terminal (a tmux pane:
//! its own pty, on a tmux server of the test's own) puts the terminal in raw mode, and when the
//! process gets SIGTERM, SIGHUP or SIGINT from elsewhere it gives the terminal back cooked, with
//! echo, before it exits 128 + the signal's number. What the terminal is left in is read by
//! `stty -a` run in the same pty right after the tool ends.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::TestNs;
use common::realnode::{pod_on, wait_init_running};

/// `tmux -L SOCKET ARGS…`, its stdout; panics when it fails.
fn tmux(socket: &str, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output()
        .expect("run tmux");
    assert!(
        out.status.success(),
        "tmux {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The flags of `stty -a`'s output (`echo`, `-icanon`, …).
fn flags(stty: &str) -> Vec<String> {
    stty.split([' ', '\n', ';'])
        .filter(|w| !w.is_empty() && !w.contains('='))
        .map(str::to_string)
        .collect()
}

/// True when both `echo` and `icanon` are on (cooked, echoing).
fn cooked(stty: &str) -> bool {
    let f = flags(stty);
    f.iter().any(|w| w == "echo") && f.iter().any(|w| w == "icanon")
}

/// Poll `read` every 200 ms for at most `limit` until it gives something.
fn poll<T>(limit: Duration, mut read: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = read() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The script the pane runs: the tool attached (its pid written first, then `exec`), then, in
/// the same pty, its exit code and `stty -a`.
fn pane_script(dir: &Path, ns: &TestNs) -> PathBuf {
    let script = dir.join("run.sh");
    let text = format!(
        "sh -c 'echo $$ > {dir}/pid; exec \"$0\" \"$@\"' {bin} --kubeconfig {kc} debug web -n {ns} -it --reuse=false --timeout 90s\n\
         echo $? > {dir}/code.tmp\nstty -a > {dir}/stty.tmp\nmv {dir}/stty.tmp {dir}/stty\nmv {dir}/code.tmp {dir}/code\nsleep 600\n",
        dir = dir.display(),
        bin = common::binary().display(),
        kc = common::env().kubeconfig.display(),
        ns = ns.name,
    );
    std::fs::write(&script, text).unwrap();
    script
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_debug_gives_the_terminal_back_on_sigterm_sighup_and_sigint() {
    let node = common::real_node();
    let ns = TestNs::new("rtty").await;
    pod_on(
        &ns,
        node,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  initContainers:\n  - {name: wait, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sh', '-c', 'until nslookup nowhere; do sleep 2; done']}\n  containers:\n  - {name: app, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: ['sleep', '3600']}\n",
    )
    .await;
    wait_init_running(&ns, "web", "wait", Duration::from_secs(60)).await;
    for (signal, number) in [("TERM", 15), ("HUP", 1), ("INT", 2)] {
        let dir = std::env::temp_dir().join(format!("initdoctor-tty-{}", common::random_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = format!("initdoctor-{}", common::random_suffix());
        let script = pane_script(&dir, &ns);
        tmux(
            &socket,
            &[
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
                "sh",
            ],
        );
        let session = std::panic::catch_unwind(|| {
            let tty = tmux(&socket, &["display-message", "-p", "#{pane_tty}"]);
            let tty = tty.trim().to_string();
            let stty_of = || {
                let out = Command::new("stty")
                    .args(["-a", "-F", &tty])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).into_owned()
            };
            assert!(cooked(&stty_of()), "the pane starts cooked: {}", stty_of());
            tmux(
                &socket,
                &[
                    "send-keys",
                    "-t",
                    "0",
                    &format!("exec sh {}", script.display()),
                    "Enter",
                ],
            );
            // Attached: the tool has put the pty in raw mode (no echo, no line editing).
            let raw = poll(Duration::from_secs(90), || {
                let f = flags(&stty_of());
                (f.iter().any(|w| w == "-echo") && f.iter().any(|w| w == "-icanon")).then_some(())
            });
            let screen = || tmux(&socket, &["capture-pane", "-p", "-t", "0"]);
            assert!(
                raw.is_some(),
                "SIG{signal}: never in raw mode:\n{}",
                screen()
            );
            poll(Duration::from_secs(30), || {
                screen().contains("Attached to").then_some(())
            })
            .unwrap_or_else(|| panic!("SIG{signal}: not attached:\n{}", screen()));
            let pid = std::fs::read_to_string(dir.join("pid")).unwrap();
            let killed = Command::new("kill")
                .args([&format!("-{signal}"), pid.trim()])
                .status()
                .unwrap();
            assert!(killed.success());
            let after = poll(Duration::from_secs(20), || {
                std::fs::read_to_string(dir.join("code")).ok()
            })
            .unwrap_or_else(|| panic!("SIG{signal}: the tool did not end:\n{}", screen()));
            let stty = std::fs::read_to_string(dir.join("stty")).unwrap();
            assert!(
                cooked(&stty),
                "SIG{signal}: the terminal is left without echo or line mode: {stty}\n{}",
                screen()
            );
            assert_eq!(after.trim(), (128 + number).to_string(), "SIG{signal}");
        });
        let _ = Command::new("tmux")
            .args(["-L", &socket, "kill-server"])
            .status();
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(panic) = session {
            std::panic::resume_unwind(panic);
        }
    }
}
