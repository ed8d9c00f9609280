//! End to end: the hostile-environment suite. Each case is a bad kubeconfig, a bad variable, a
//! misbehaving server or proxy (all on 127.0.0.1), or a bad command line; each must end with a
//! right answer, or one line starting `error:` that says what to do, with the documented exit
//! code, within its time limit, without a credential or a terminal escape in it.

mod common;
mod hostile;

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use hostile::{
    Reply, Server, connect_proxy, loopback_alias, run, scratch, script, serve, socks5_proxy,
};
use serde_json::{Value, json};

/// Markers planted in credentials and plugin output: none may reach a message.
const SECRET: &str = "s3cr3t";

/// The control plane's kubeconfig, as JSON (a kubeconfig may be JSON).
fn base() -> Value {
    let text = std::fs::read_to_string(&common::env().kubeconfig).expect("read kubeconfig");
    serde_saphyr::from_str(&text).expect("kubeconfig YAML")
}

fn cluster(kc: &mut Value) -> &mut Value {
    &mut kc["clusters"][0]["cluster"]
}

fn admin(kc: &mut Value) -> &mut Value {
    &mut kc["users"][0]["user"]
}

fn with_server(server: &str) -> Value {
    let mut kc = base();
    cluster(&mut kc)["server"] = json!(server);
    kc
}

/// A kubeconfig for a plain-HTTP fake server, with a token user.
fn fake(server: Server) -> Value {
    let port = serve(server);
    let mut kc = base();
    *cluster(&mut kc) = json!({"server": format!("http://127.0.0.1:{port}")});
    *admin(&mut kc) = json!({"token": format!("{SECRET}-token")});
    kc
}

fn apiserver_port() -> u16 {
    let kc = base();
    let server = kc["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap_or("");
    server
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("apiserver port")
}

fn exec_user(kc: &mut Value, command: &Path) {
    *admin(kc) = json!({"exec": {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": command.to_string_lossy(),
        "args": [format!("--password={SECRET}")],
        "env": [{"name": "PLUGIN_TOKEN", "value": format!("{SECRET}-env")}],
        "interactiveMode": "Never"
    }});
}

/// An ExecCredential with the admin's client certificate and key.
fn admin_credential() -> String {
    let kc = base();
    let b64 = base64::engine::general_purpose::STANDARD;
    let decode = |k: &str| {
        String::from_utf8(
            b64.decode(kc["users"][0]["user"][k].as_str().expect(k))
                .expect("b64"),
        )
        .expect("pem")
    };
    json!({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
           "status": {"clientCertificateData": decode("client-certificate-data"),
                      "clientKeyData": decode("client-key-data")}})
    .to_string()
}

struct Case {
    name: &'static str,
    /// The kubeconfig, as JSON; or `raw` file text.
    kubeconfig: Option<Value>,
    raw: Option<String>,
    vars: Vec<(String, String)>,
    /// The command line after `--kubeconfig FILE`.
    args: Vec<String>,
    code: i32,
    /// Said on stderr (or stdout, when the run succeeds).
    says: String,
    limit: Duration,
}

fn case(name: &'static str, kubeconfig: Value, code: i32, says: &str) -> Case {
    Case {
        name,
        kubeconfig: Some(kubeconfig),
        raw: None,
        vars: Vec::new(),
        args: explain(),
        code,
        says: says.to_string(),
        limit: Duration::from_secs(20),
    }
}

impl Case {
    fn args(mut self, args: &[&str]) -> Case {
        self.args = args.iter().map(std::string::ToString::to_string).collect();
        self
    }
    fn within(mut self, secs: u64) -> Case {
        self.limit = Duration::from_secs(secs);
        self
    }
}

fn explain() -> Vec<String> {
    ["explain", "-n", "default", "--request-timeout", "4s"]
        .iter()
        .map(std::string::ToString::to_string)
        .collect()
}

const OK: &str = "No pods are blocked in initialization or not Ready.";

/// Run every case; collect every failure, so one run shows them all.
fn check_all(cases: Vec<Case>) {
    let dir = scratch("hostile-env");
    let admin_key = base()["users"][0]["user"]["client-key-data"]
        .as_str()
        .unwrap_or("")
        .chars()
        .skip(20)
        .take(40)
        .collect::<String>();
    let mut failures = Vec::new();
    let total = cases.len();
    for (i, case) in cases.into_iter().enumerate() {
        let path = dir.join(format!("kubeconfig-{i}"));
        match (&case.kubeconfig, &case.raw) {
            (_, Some(raw)) => std::fs::write(&path, raw).expect("write kubeconfig"),
            (Some(kc), None) => std::fs::write(&path, kc.to_string()).expect("write kubeconfig"),
            (None, None) => {}
        }
        let mut args = Vec::new();
        if case.kubeconfig.is_some() || case.raw.is_some() {
            args = vec!["--kubeconfig".to_string(), path.display().to_string()];
        }
        args.extend(case.args.iter().cloned());
        let mut vars = case.vars.clone();
        if case.kubeconfig.is_some() || case.raw.is_some() {
            // Completion reads the kubeconfig from the environment.
            vars.push(("KUBECONFIG".into(), path.display().to_string()));
        }
        let out = run(&args, &vars, case.limit + Duration::from_secs(5));
        let mut wrong = Vec::new();
        if out.code != case.code {
            wrong.push(format!("exit {} (want {})", out.code, case.code));
        }
        if out.took > case.limit {
            wrong.push(format!("took {:?} (limit {:?})", out.took, case.limit));
        }
        let text = if case.code == 0 {
            &out.stdout
        } else {
            &out.stderr
        };
        if !text.contains(&case.says) {
            wrong.push(format!("does not say {:?}", case.says));
        }
        if case.code != 0 && (out.stderr.lines().count() != 1 || !out.stderr.starts_with("error: "))
        {
            wrong.push("stderr is not one `error:` line".into());
        }
        let all = format!("{}{}", out.stdout, out.stderr);
        if all.contains(SECRET) || (!admin_key.is_empty() && all.contains(&admin_key)) {
            wrong.push("a credential is shown".into());
        }
        if all.contains('\x1b') || all.contains("panicked") || all.contains("RUST_BACKTRACE") {
            wrong.push("an escape or a panic is shown".into());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {}\n    stdout: {:?}\n    stderr: {:?}",
                case.name,
                wrong.join("; "),
                out.stdout.chars().take(300).collect::<String>(),
                out.stderr
            ));
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    assert!(
        failures.is_empty(),
        "{} of {total} cases went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn kubeconfigs_and_urls() {
    let port = apiserver_port();
    let pki = common::env().state_dir.join("pki");
    let no_scheme_ca = with_server(&format!("127.0.0.1:{port}"));
    let mut end_entity_ca = base();
    cluster(&mut end_entity_ca)
        .as_object_mut()
        .map(|c| c.remove("certificate-authority-data"));
    cluster(&mut end_entity_ca)["certificate-authority"] =
        json!(pki.join("apiserver.crt").display().to_string());
    let mut wrong_name = base();
    cluster(&mut wrong_name)["tls-server-name"] = json!("wrong.initdoctor.test");
    let mut bad_ca_data = base();
    cluster(&mut bad_ca_data)["certificate-authority-data"] = json!("%%%not-base64%%%");
    let mut missing_ca_file = base();
    cluster(&mut missing_ca_file)
        .as_object_mut()
        .map(|c| c.remove("certificate-authority-data"));
    cluster(&mut missing_ca_file)["certificate-authority"] = json!("/nonexistent/ca.crt");
    let mut bad_cert = base();
    admin(&mut bad_cert)["client-certificate-data"] = json!(
        base64::engine::general_purpose::STANDARD.encode(format!("not a certificate {SECRET}"))
    );
    let mut bad_token = base();
    *admin(&mut bad_token) = json!({"token": format!("{SECRET}-wrong-token")});
    let mut anonymous = base();
    *admin(&mut anonymous) = json!({});
    let mut ghost_user = base();
    ghost_user["contexts"][0]["context"]["user"] = json!("ghost");
    let mut ghost_cluster = base();
    ghost_cluster["contexts"][0]["context"]["cluster"] = json!("ghost");
    let mut no_current = base();
    no_current
        .as_object_mut()
        .map(|k| k.remove("current-context"));
    let mut missing_context = base();
    missing_context["current-context"] = json!("nowhere");
    let yaml_with_token = format!(
        "apiVersion: v1\nkind: Config\nusers:\n- name: a\n  user:\n    token: {SECRET}-yaml\n   broken: [\n"
    );

    let cases = vec![
        case("server without a scheme, with a CA", no_scheme_ca, 0, OK),
        case("server is empty", with_server(""), 7, "is not set"),
        case(
            "server is only a scheme",
            with_server("https://"),
            7,
            "is not a URL",
        ),
        case(
            "server has no host",
            with_server(&format!("https://:{port}")),
            7,
            "names no host",
        ),
        case(
            "server has another scheme",
            with_server("ftp://127.0.0.1:21"),
            7,
            "scheme other than",
        ),
        case(
            "server port out of range",
            with_server("https://127.0.0.1:99999"),
            7,
            "port",
        ),
        case(
            "server has a space",
            with_server("https://127.0.0.1 :1"),
            7,
            "is not a URL",
        ),
        case(
            "server has a query",
            with_server(&format!("https://127.0.0.1:{port}/?a=b")),
            7,
            "query",
        ),
        case(
            "server has an escape",
            with_server("https://\x1b]0;pwned\x07:1"),
            7,
            "is not a URL",
        ),
        case(
            "server has a password",
            with_server(&format!("https://u:{SECRET}@127.0.0.1:1")),
            6,
            "cannot reach",
        ),
        case(
            "server path prefix is wrong",
            with_server(&format!("https://127.0.0.1:{port}/nope")),
            6,
            "did not answer as a Kubernetes API server",
        ),
        case(
            "http to a TLS server",
            with_server(&format!("http://127.0.0.1:{port}")),
            6,
            "speaks TLS",
        ),
        case(
            "https to a plain HTTP server",
            with_server(&format!(
                "https://127.0.0.1:{}",
                serve(Server::PlainHttpAtOnce)
            )),
            6,
            "does not speak TLS",
        ),
        case(
            "connection refused",
            with_server("https://127.0.0.1:1"),
            6,
            "Connection refused",
        ),
        case(
            "CA is an end-entity certificate",
            end_entity_ca,
            6,
            "not trusted by the kubeconfig's CA",
        ),
        case(
            "certificate not valid for the name",
            wrong_name,
            6,
            "not valid for the server's name",
        ),
        case(
            "CA data is not base64",
            bad_ca_data,
            7,
            "the kubeconfig is not usable",
        ),
        case(
            "CA file is missing",
            missing_ca_file,
            7,
            "the kubeconfig is not usable",
        ),
        case("client certificate is garbage", bad_cert, 7, "kubeconfig"),
        case("token is refused", bad_token, 5, "401 Unauthorized"),
        case("no credentials at all", anonymous, 5, ""),
        case(
            "context names a missing user",
            ghost_user,
            7,
            "user \"ghost\" of context",
        ),
        case(
            "context names a missing cluster",
            ghost_cluster,
            7,
            "cluster \"ghost\" of context",
        ),
        case("no current-context", no_current, 7, "no current-context"),
        case(
            "current-context is missing",
            missing_context,
            7,
            "current-context \"nowhere\" is not defined",
        ),
        Case {
            raw: Some(yaml_with_token),
            ..case(
                "YAML error near a token",
                json!(null),
                7,
                "is not valid YAML",
            )
        },
        Case {
            raw: Some("\u{0}\u{1}\x1b[2J binary".into()),
            ..case(
                "kubeconfig is binary",
                json!(null),
                7,
                "cannot read kubeconfig",
            )
        },
        case(
            "--context is unknown",
            base(),
            7,
            "context \"nope\" not found",
        )
        .args(&["explain", "--context", "nope"]),
        case("--user is unknown", base(), 7, "user \"nope\" not found")
            .args(&["explain", "--user", "nope"]),
        case(
            "--cluster is unknown",
            base(),
            7,
            "cluster \"nope\" not found",
        )
        .args(&["explain", "--cluster", "nope"]),
        case(
            "KUBECONFIG names nothing",
            base(),
            7,
            "KUBECONFIG names no existing file",
        )
        .args(&["explain"]),
        case(
            "--kubeconfig is a directory",
            base(),
            7,
            "not a regular file",
        ),
        case("--kubeconfig is /dev/zero", base(), 7, "not a regular file"),
    ];
    let dir = scratch("kc-dir");
    let mut cases = cases;
    // The last three choose the kubeconfig themselves.
    let n = cases.len();
    let own = |c: &mut Case, args: Vec<String>| {
        c.kubeconfig = None;
        c.args = args;
    };
    own(&mut cases[n - 3], vec!["explain".into()]);
    cases[n - 3].vars = vec![("KUBECONFIG".into(), "/nonexistent/a:/nonexistent/b".into())];
    own(
        &mut cases[n - 2],
        vec![
            "--kubeconfig".into(),
            dir.display().to_string(),
            "explain".into(),
        ],
    );
    own(
        &mut cases[n - 1],
        vec!["--kubeconfig".into(), "/dev/zero".into(), "explain".into()],
    );
    check_all(cases);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn credential_plugins() {
    let dir = scratch("plugins");
    let credential = dir.join("credential.json");
    std::fs::write(&credential, admin_credential()).expect("write credential");
    let plugin = |name: &str, body: &str| {
        let mut kc = base();
        exec_user(&mut kc, &script(&dir, name, body));
        kc
    };
    let hang = plugin("hang", "exec sleep 600");
    let cases = vec![
        case(
            "plugin returns a client certificate",
            plugin("good", &format!("cat {}", credential.display())),
            0,
            OK,
        ),
        case(
            "plugin never returns",
            hang.clone(),
            6,
            "did not return within 2s",
        )
        .args(&["explain", "-n", "default", "--request-timeout", "2s"])
        .within(6),
        case(
            "plugin fails and prints credentials",
            plugin(
                "fail",
                &format!(
                    "echo '{{\"status\":{{\"token\":\"{SECRET}\"}}}}'; echo {SECRET} >&2; exit 3"
                ),
            ),
            7,
            "failed with exit code 3",
        ),
        case(
            "plugin prints garbage",
            plugin("garbage", &format!("echo not json {SECRET}")),
            7,
            "did not print an ExecCredential",
        ),
        case(
            "plugin prints no credentials",
            plugin(
                "empty",
                "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{}}'",
            ),
            7,
            "neither a token nor",
        ),
        case(
            "plugin prints without end",
            plugin("huge", "head -c 3000000 /dev/zero | tr '\\0' ' '"),
            7,
            "more than 1 MiB",
        ),
        case(
            "plugin is missing",
            {
                let mut kc = base();
                exec_user(&mut kc, Path::new("/nonexistent/plugin"));
                kc
            },
            7,
            "cannot be started",
        ),
        case(
            "plugin is killed by a signal",
            plugin("killed", "kill -9 $$"),
            7,
            "failed with a signal",
        ),
        // TAB completion keeps its 2 s budget against a plugin that never returns.
        Case {
            args: vec![
                "__complete".into(),
                "--".into(),
                "explain".into(),
                String::new(),
            ],
            ..case("completion with a plugin that never returns", hang, 0, "")
        }
        .within(4),
    ];
    check_all(cases);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn misbehaving_servers() {
    let cases = vec![
        case(
            "endless body",
            fake(Server::Endless),
            1,
            "more than 256 MiB",
        )
        .args(&["explain", "-n", "default", "--request-timeout", "60s"])
        .within(60),
        case(
            "body drips",
            fake(Server::Slow),
            6,
            "did not answer list pods within 2s",
        )
        .args(&["explain", "-n", "default", "--request-timeout", "2s"])
        .within(8),
        case(
            "server never answers",
            fake(Server::Silent),
            6,
            "did not answer list pods within 2s",
        )
        .args(&["explain", "-n", "default", "--request-timeout", "2s"])
        .within(8),
        case(
            "server closes at once",
            fake(Server::Close),
            6,
            "cannot reach the cluster",
        ),
        case(
            "server speaks garbage",
            fake(Server::Garbage),
            6,
            "cannot reach the cluster",
        ),
        case(
            "an HTML page with 200",
            fake(Server::Fixed(200, "text/html", "<html>hello</html>")),
            6,
            "did not answer as a Kubernetes API server",
        ),
        case(
            "an HTML page with 404",
            fake(Server::Fixed(404, "text/html", "<html>no</html>")),
            6,
            "did not answer as a Kubernetes API server",
        ),
        case(
            "a 500 Status",
            fake(Server::Fixed(
                500,
                "application/json",
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"etcd is down","reason":"InternalError","code":500}"#,
            )),
            1,
            "etcd is down (500)",
        ),
        case(
            "a 500 that is not a Status",
            fake(Server::Fixed(
                500,
                "application/json",
                r#"{"message":"storage is full","detail":{"a":1}}"#,
            )),
            1,
            "refused to list pods: storage is full\n",
        ),
        case(
            "a 500 with escapes",
            fake(Server::Fixed(
                500,
                "application/json",
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"boom \\u001b]0;pwned\\u0007\\u001b[2J\",\"code\":500}",
            )),
            1,
            "boom ^[]0;pwned^G^[[2J",
        ),
        case(
            "always 429",
            fake(Server::Fixed(
                429,
                "application/json",
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow down","reason":"TooManyRequests","code":429}"#,
            )),
            6,
            "overloaded or not ready (429",
        ),
        case(
            "always 503",
            fake(Server::Fixed(503, "text/plain", "unavailable")),
            6,
            "overloaded or not ready (503",
        ),
        case(
            "401",
            fake(Server::Fixed(
                401,
                "application/json",
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#,
            )),
            5,
            "401 Unauthorized",
        ),
        // A 200 whose body is a Status is no list: never "No pods are blocked".
        case(
            "a Status with 200",
            fake(Server::Fixed(
                200,
                "application/json",
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nope","code":200}"#,
            )),
            6,
            "did not answer as a Kubernetes API server",
        ),
        // A server that hands out the same continue token again would be paged forever.
        case(
            "a repeated continue token",
            fake(Server::Fixed(
                200,
                "application/json",
                r#"{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"again"},"items":[]}"#,
            )),
            6,
            "did not answer as a Kubernetes API server",
        )
        .within(10),
        case(
            "a pod that is not JSON",
            fake(Server::Fixed(200, "application/json", "{\"kind\": ")),
            6,
            "did not answer as a Kubernetes API server",
        )
        .args(&["explain", "web", "-n", "default"]),
    ];
    check_all(cases);
}

/// A pod blocked in its init container, as a fake server lists it.
fn blocked_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "uid": "6f1b2c3d-0000-4000-8000-000000000001", "resourceVersion": "5"},
        "spec": {"initContainers": [{"name": "step", "image": "busybox", "command": ["migrate"]}],
                 "containers": [{"name": "app", "image": "busybox"}]},
        "status": {"phase": "Pending",
            "conditions": [{"type": "Initialized", "status": "False"}, {"type": "Ready", "status": "False"}],
            "initContainerStatuses": [{"name": "step", "image": "busybox", "imageID": "", "ready": false,
                "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}],
            "containerStatuses": [{"name": "app", "image": "busybox", "imageID": "", "ready": false,
                "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}})
}

fn empty_list() -> Reply {
    Reply::Json(
        200,
        r#"{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[]}"#.into(),
    )
}

static WATCHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Every watch answers 410 (expired) at once; lists answer.
fn always_expired(line: &str) -> Reply {
    if line.contains("watch=") {
        WATCHES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        return Reply::Json(
            200,
            r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version","reason":"Expired","code":410}}"#.into(),
        );
    }
    if line.contains("/pods?") || line.contains("/pods ") {
        let list = json!({"kind": "PodList", "apiVersion": "v1",
            "metadata": {"resourceVersion": "5"}, "items": [blocked_pod()]});
        return Reply::Json(200, list.to_string());
    }
    empty_list()
}

/// The pod answers; its log never ends.
fn endless_log(line: &str) -> Reply {
    if line.contains("/log") {
        return Reply::Endless;
    }
    if line.contains("/pods/web ") || line.contains("/pods/web?") {
        return Reply::Json(200, blocked_pod().to_string());
    }
    empty_list()
}

/// A watch that always answers 410 is re-listed at a pace (once a second), not as fast as the
/// server answers.
#[test]
fn an_always_expired_watch_is_paced() {
    let port = serve(Server::Route(always_expired));
    let mut kc = base();
    *cluster(&mut kc) = json!({"server": format!("http://127.0.0.1:{port}")});
    *admin(&mut kc) = json!({"token": format!("{SECRET}-token")});
    let dir = scratch("expired");
    let path = dir.join("kubeconfig");
    std::fs::write(&path, kc.to_string()).expect("write kubeconfig");
    let args: Vec<String> = [
        "--kubeconfig",
        &path.display().to_string(),
        "explain",
        "-n",
        "default",
        "--watch",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    let out = run(&args, &[], Duration::from_secs(6));
    let watches = WATCHES.load(std::sync::atomic::Ordering::SeqCst);
    let _ = std::fs::remove_dir_all(dir);
    assert!(out.stdout.contains("web"), "{out:?}");
    assert!(
        (1..=15).contains(&watches),
        "{watches} watches in 6 s: {out:?}"
    );
}

/// `logs` without --follow is one request: a body that never ends ends at --request-timeout.
#[test]
fn a_log_that_never_ends_is_bounded_by_the_request_timeout() {
    let port = serve(Server::Route(endless_log));
    let mut kc = base();
    *cluster(&mut kc) = json!({"server": format!("http://127.0.0.1:{port}")});
    *admin(&mut kc) = json!({"token": format!("{SECRET}-token")});
    let dir = scratch("endless-log");
    let path = dir.join("kubeconfig");
    std::fs::write(&path, kc.to_string()).expect("write kubeconfig");
    let args: Vec<String> = [
        "--kubeconfig",
        &path.display().to_string(),
        "logs",
        "web",
        "-c",
        "step",
        "-n",
        "default",
        "--request-timeout",
        "3s",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    let out = run(&args, &[], Duration::from_secs(30));
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(out.code, 6, "{out:?}");
    assert!(out.took < Duration::from_secs(12), "{out:?}");
    // The container's header (logs' own), then the one error line.
    let last = out.stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: ") && last.contains("did not answer get pods/log within 3s"),
        "{out:?}"
    );
}

/// `2>/dev/full`: the error cannot be written, the exit code is still the documented one
/// (never a panic's 101).
#[test]
fn a_full_stderr_keeps_the_exit_code() {
    let kc = fake(Server::Fixed(
        404,
        "application/json",
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"nosuch\" not found","reason":"NotFound","code":404}"#,
    ));
    let dir = scratch("devfull");
    let path = dir.join("kubeconfig");
    std::fs::write(&path, kc.to_string()).expect("write kubeconfig");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let status = std::process::Command::new(common::binary())
        .args(["--kubeconfig", &path.display().to_string()])
        .args([
            "explain",
            "nosuch",
            "-n",
            "default",
            "--request-timeout",
            "5s",
        ])
        .env_clear()
        .env("HOME", &dir)
        .env("PATH", "/usr/bin:/bin")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(full)
        .status()
        .expect("run");
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(status.code(), Some(4), "{status:?}");
}

/// `explain … | head -c 100`: once the reader is gone the command ends at once, even while it
/// still waits on the server (here one that never answers, with a 60 s request timeout).
#[test]
fn a_closed_pipe_ends_the_command_at_once() {
    use std::io::Read;
    let kc = fake(Server::Silent);
    let dir = scratch("pipe");
    let path = dir.join("kubeconfig");
    std::fs::write(&path, kc.to_string()).expect("write kubeconfig");
    let mut child = std::process::Command::new(common::binary())
        .args(["--kubeconfig", &path.display().to_string()])
        .args(["explain", "-A", "-o", "json", "--request-timeout", "60s"])
        .env_clear()
        .env("HOME", &dir)
        .env("PATH", "/usr/bin:/bin")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(500));
    // The reader goes away without reading (as `head` does once it has its bytes).
    let mut stdout = child.stdout.take().expect("stdout");
    let mut none = [0u8; 0];
    let _ = stdout.read(&mut none);
    drop(stdout);
    let start = std::time::Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("poll") {
            break status.code();
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(code, Some(0), "took {:?}", start.elapsed());
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn proxies_are_honoured_as_kubectl_honours_them() {
    let port = apiserver_port();
    let alias = loopback_alias();
    let by_alias = || {
        let mut kc = with_server(&format!("https://{alias}:{port}"));
        cluster(&mut kc)["tls-server-name"] = json!("kubernetes");
        kc
    };
    struct ProxyCase {
        name: &'static str,
        kubeconfig: Value,
        vars: Vec<(String, String)>,
        code: i32,
        through: bool,
    }
    let http = connect_proxy();
    let socks = socks5_proxy();
    let via = |p: &hostile::Proxy| format!("http://127.0.0.1:{}", p.port);
    let with_proxy_url = |url: String| {
        let mut kc = base();
        cluster(&mut kc)["proxy-url"] = json!(url);
        kc
    };
    let v = |pairs: &[(&str, String)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<Vec<_>>()
    };
    let cases = vec![
        ProxyCase {
            name: "HTTPS_PROXY, server by name",
            kubeconfig: by_alias(),
            vars: v(&[("HTTPS_PROXY", via(&http))]),
            code: 0,
            through: true,
        },
        ProxyCase {
            name: "https_proxy (lower case)",
            kubeconfig: by_alias(),
            vars: v(&[("https_proxy", via(&http))]),
            code: 0,
            through: true,
        },
        ProxyCase {
            name: "HTTPS_PROXY without a scheme",
            kubeconfig: by_alias(),
            vars: v(&[("HTTPS_PROXY", format!("127.0.0.1:{}", http.port))]),
            code: 0,
            through: true,
        },
        ProxyCase {
            name: "HTTPS_PROXY and NO_PROXY naming the server",
            kubeconfig: by_alias(),
            vars: v(&[
                ("HTTPS_PROXY", via(&http)),
                ("NO_PROXY", format!("example.test,,{alias}")),
            ]),
            code: 0,
            through: false,
        },
        ProxyCase {
            name: "NO_PROXY with the server's port",
            kubeconfig: by_alias(),
            vars: v(&[
                ("HTTPS_PROXY", via(&http)),
                ("NO_PROXY", format!("{alias}:{port}")),
            ]),
            code: 0,
            through: false,
        },
        ProxyCase {
            name: "NO_PROXY with another port",
            kubeconfig: by_alias(),
            vars: v(&[
                ("HTTPS_PROXY", via(&http)),
                ("NO_PROXY", format!("{alias}:1")),
            ]),
            code: 0,
            through: true,
        },
        ProxyCase {
            name: "NO_PROXY=*",
            kubeconfig: by_alias(),
            vars: v(&[("HTTPS_PROXY", via(&http)), ("NO_PROXY", "*".into())]),
            code: 0,
            through: false,
        },
        ProxyCase {
            name: "HTTPS_PROXY, server on 127.0.0.1 (loopback is never proxied)",
            kubeconfig: base(),
            vars: v(&[("HTTPS_PROXY", via(&http))]),
            code: 0,
            through: false,
        },
        ProxyCase {
            name: "HTTP_PROXY only, https server",
            kubeconfig: by_alias(),
            vars: v(&[("HTTP_PROXY", via(&http))]),
            code: 0,
            through: false,
        },
        ProxyCase {
            name: "kubeconfig proxy-url http",
            kubeconfig: with_proxy_url(via(&http)),
            vars: vec![],
            code: 0,
            through: true,
        },
        ProxyCase {
            name: "kubeconfig proxy-url beats NO_PROXY",
            kubeconfig: with_proxy_url(via(&http)),
            vars: v(&[("NO_PROXY", "*".into())]),
            code: 0,
            through: true,
        },
        ProxyCase {
            name: "kubeconfig proxy-url socks5",
            kubeconfig: with_proxy_url(format!("socks5://127.0.0.1:{}", socks.port)),
            vars: vec![],
            code: 0,
            through: true,
        },
        ProxyCase {
            name: "HTTPS_PROXY that refuses connections",
            kubeconfig: by_alias(),
            vars: v(&[("HTTPS_PROXY", "http://127.0.0.1:1".into())]),
            code: 6,
            through: false,
        },
        ProxyCase {
            name: "HTTPS_PROXY with another scheme",
            kubeconfig: by_alias(),
            vars: v(&[("HTTPS_PROXY", "ftp://127.0.0.1:21".into())]),
            code: 7,
            through: false,
        },
        ProxyCase {
            name: "proxy-url with a password",
            kubeconfig: with_proxy_url(format!("ftp://u:{SECRET}@127.0.0.1:1")),
            vars: vec![],
            code: 7,
            through: false,
        },
    ];
    let dir = scratch("proxies");
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let path = dir.join(format!("kc-{i}"));
        std::fs::write(&path, c.kubeconfig.to_string()).expect("write kubeconfig");
        let before = (http.forwarded(), socks.forwarded());
        let args: Vec<String> = [
            "--kubeconfig",
            &path.display().to_string(),
            "explain",
            "-n",
            "default",
            "--request-timeout",
            "5s",
        ]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
        let out = run(&args, &c.vars, Duration::from_secs(20));
        let forwarded = http.forwarded() + socks.forwarded() - before.0 - before.1;
        let through = forwarded > 0;
        if out.code != c.code
            || through != c.through
            || out.stderr.contains(SECRET)
            || (c.code != 0 && out.stderr.lines().count() != 1)
        {
            failures.push(format!(
                "{}: exit {} (want {}), forwarded {forwarded} (want {}), stderr {:?}",
                c.name,
                out.code,
                c.code,
                if c.through { "some" } else { "none" },
                out.stderr
            ));
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    assert!(
        failures.is_empty(),
        "{} of {} proxy cases went wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_command_lines_are_refused_locally() {
    let cases = vec![
        case(
            "a pod name that cannot exist",
            base(),
            2,
            "pod name \"Bad_Name\" is not valid",
        )
        .args(&["explain", "Bad_Name"]),
        case("a pod name with an escape", base(), 2, "is not valid")
            .args(&["explain", "web\x1b]0;x\x07"]),
        case(
            "a namespace that cannot exist",
            base(),
            2,
            "namespace \"bad ns\" is not valid",
        )
        .args(&["explain", "-n", "bad ns"]),
        case(
            "a selector that does not parse",
            base(),
            2,
            "label selector \"app=(\" is not valid",
        )
        .args(&["explain", "-l", "app=("]),
        case("a selector with a bad key", base(), 2, "is not a label key")
            .args(&["explain", "-l", "=web"]),
        case(
            "a namespace that does not exist",
            base(),
            4,
            "namespace \"no-such-ns-initdoctor\" not found",
        )
        .args(&["explain", "-n", "no-such-ns-initdoctor"]),
        case(
            "an unknown flag",
            base(),
            2,
            "unexpected argument '--bogus'",
        )
        .args(&["explain", "--bogus"]),
        case("an unknown command", base(), 2, "unrecognized subcommand").args(&["frobnicate"]),
        case("a bad --request-timeout", base(), 2, "--request-timeout").args(&[
            "explain",
            "--request-timeout",
            "soon",
        ]),
        // Past int64 nanoseconds: refused, never wrapped (it used to become sinceSeconds=-1).
        case("a --since beyond any duration", base(), 2, "too long").args(&[
            "logs",
            "web",
            "--since",
            "18446744073709551615s",
        ]),
    ];
    check_all(cases);
}

/// Every request carries the tool's User-Agent (the audit log records it).
#[test]
fn requests_carry_the_user_agent() {
    let ns = format!("no-such-ua-{}", common::random_suffix());
    let out = run(
        &[
            "--kubeconfig".to_string(),
            common::env().kubeconfig.display().to_string(),
            "explain".into(),
            "-n".into(),
            ns.clone(),
        ],
        &[],
        Duration::from_secs(20),
    );
    assert_eq!(out.code, 4, "{out:?}");
    let entries = common::audit_entries_settled(&ns);
    assert!(!entries.is_empty(), "no audit entry for {ns}");
    for entry in &entries {
        let agent = entry["userAgent"].as_str().unwrap_or("");
        assert!(
            agent.starts_with(&format!(
                "kubectl-initdoctor/{} (",
                env!("CARGO_PKG_VERSION")
            )),
            "{agent}"
        );
    }
}
