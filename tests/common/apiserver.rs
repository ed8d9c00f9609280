//! A kube-apiserver of a test's own: a second API server of the control plane, against the same
//! etcd (`tests/controlplane/apiserver-extra.sh`), on a free port, with its own audit log and the
//! flags the test gives; and a token-review webhook on loopback for one that authenticates
//! bearer tokens the test hands out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::{env, random_suffix};

/// A kube-apiserver of the test's own (see the module doc); killed when dropped.
pub struct ApiServer {
    pub port: u16,
    pub dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

impl ApiServer {
    pub fn start(args: &[&str]) -> ApiServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir = std::env::temp_dir().join(format!("initdoctor-apiserver-{}", random_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        // The shared kubeconfig, pointed at this server (same CA, same admin identity).
        let main = std::fs::read_to_string(&env().kubeconfig).unwrap();
        let server = main
            .lines()
            .find_map(|l| l.trim().strip_prefix("server: "))
            .expect("a server in the kubeconfig")
            .to_string();
        let config = main.replace(&server, &format!("https://127.0.0.1:{port}"));
        std::fs::write(dir.join("kubeconfig"), config).unwrap();
        let mut api = ApiServer {
            port,
            dir,
            args: args.iter().map(|a| (*a).to_string()).collect(),
            child: None,
        };
        api.spawn();
        api
    }

    pub fn kubeconfig(&self) -> String {
        self.dir.join("kubeconfig").display().to_string()
    }

    pub fn spawn(&mut self) {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/controlplane/apiserver-extra.sh");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("log.txt"))
            .unwrap();
        let child = Command::new("bash")
            .arg(script)
            .arg(self.port.to_string())
            .arg(self.dir.join("audit.log"))
            .args(&self.args)
            .env("INITDOCTOR_STATE_DIR", &env().state_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start kube-apiserver");
        self.child = Some(child);
        // Ready: /readyz answers ok to the admin (anonymous requests are refused at first).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = Command::new(env().bin_dir.join("kubectl"))
                .args([
                    "--kubeconfig",
                    &self.kubeconfig(),
                    "get",
                    "--raw",
                    "/readyz",
                    "--request-timeout",
                    "2s",
                ])
                .output()
                .unwrap();
            if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the second API server did not get ready: {}",
                std::fs::read_to_string(self.dir.join("log.txt")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Stop it with `signal` (`TERM` or `KILL`) and wait until it has exited.
    pub fn stop(&mut self, signal: &str) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args([&format!("-{signal}"), &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().ok().flatten().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// Its audit entries of what the tool did (`kubectl-initdoctor/…` user agent), for `verb`
    /// on pods of `namespace`: one per request.
    pub fn tool_requests(&self, verb: &str, namespace: &str) -> usize {
        let text = std::fs::read_to_string(self.dir.join("audit.log")).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| {
                e["stage"] == "ResponseStarted" && e["verb"] == verb
                    || e["stage"] == "ResponseComplete" && e["verb"] == verb && verb != "watch"
            })
            .filter(|e| {
                e["objectRef"]["resource"] == "pods"
                    && e["objectRef"]["namespace"] == namespace
                    && e["userAgent"]
                        .as_str()
                        .is_some_and(|a| a.starts_with("kubectl-initdoctor/"))
            })
            .count()
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// A token-review webhook (`--authentication-token-webhook-config-file`) that accepts the
/// tokens `short-<expiry in ms since the epoch>-<n>` until their expiry, as the admin
/// (`system:masters`), and refuses every other. It records each review: the token and whether
/// it was accepted.
pub struct TokenWebhook {
    pub port: u16,
    reviews: Arc<Mutex<Vec<(String, bool)>>>,
}

impl TokenWebhook {
    pub fn start() -> TokenWebhook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the webhook");
        let port = listener.local_addr().expect("local addr").port();
        let reviews = Arc::new(Mutex::new(Vec::new()));
        let seen = reviews.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
                    let mut writer = stream.try_clone().expect("clone");
                    let mut reader = BufReader::new(stream);
                    // One review after another on a kept-alive connection.
                    loop {
                        let mut length = 0usize;
                        let mut line = String::new();
                        loop {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            let lower = line.to_ascii_lowercase();
                            if let Some(v) = lower.strip_prefix("content-length:") {
                                length = v.trim().parse().unwrap_or(0);
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0u8; length.min(1 << 20)];
                        if reader.read_exact(&mut body).is_err() {
                            return;
                        }
                        let review: Value = serde_json::from_slice(&body).unwrap_or_default();
                        let token = review["spec"]["token"].as_str().unwrap_or("").to_string();
                        let accepted = token_valid(&token);
                        seen.lock().unwrap().push((token, accepted));
                        let status = if accepted {
                            json!({"authenticated": true,
                                   "user": {"username": "short-lived", "groups": ["system:masters"]}})
                        } else {
                            json!({"authenticated": false, "error": "expired"})
                        };
                        let answer = json!({"apiVersion": "authentication.k8s.io/v1",
                                            "kind": "TokenReview", "status": status})
                        .to_string();
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                            answer.len()
                        );
                        if writer.write_all(reply.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        TokenWebhook { port, reviews }
    }

    /// The kube-apiserver flags that make it ask this webhook, every time (no cache), with
    /// their config file written in `dir` (a cache of 0 s is taken as the default 2 min: 1 ms).
    pub fn apiserver_args(&self, dir: &std::path::Path) -> Vec<String> {
        let config = dir.join(format!("webhook-{}.yaml", self.port));
        std::fs::write(
            &config,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: hook\n  cluster: {{server: \"http://127.0.0.1:{}/\"}}\nusers:\n- name: apiserver\n  user: {{}}\ncontexts:\n- name: hook\n  context: {{cluster: hook, user: apiserver}}\ncurrent-context: hook\n",
                self.port
            ),
        )
        .expect("write the webhook config");
        vec![
            format!(
                "--authentication-token-webhook-config-file={}",
                config.display()
            ),
            "--authentication-token-webhook-version=v1".into(),
            "--authentication-token-webhook-cache-ttl=1ms".into(),
        ]
    }

    /// The reviews so far: (token, accepted).
    pub fn reviews(&self) -> Vec<(String, bool)> {
        self.reviews.lock().unwrap().clone()
    }

    /// The distinct tokens it accepted.
    pub fn accepted_tokens(&self) -> std::collections::BTreeSet<String> {
        self.reviews()
            .into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(t, _)| t)
            .collect()
    }
}

/// `short-<expiry ms>-<n>`, not yet expired.
pub fn token_valid(token: &str) -> bool {
    token
        .strip_prefix("short-")
        .and_then(|rest| rest.split('-').next())
        .and_then(|ms| ms.parse::<u128>().ok())
        .is_some_and(|expiry| now_ms() < expiry)
}

/// A token of the webhook's kind, valid for `life` from now.
pub fn short_token(life: Duration, n: u32) -> String {
    format!("short-{}-{n}", now_ms() + life.as_millis())
}
