use super::*;
use std::sync::Mutex;

/// A scratch directory of the test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "initdoctor-auth-{name}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An exec plugin that counts its runs in `runs` and hands out `tok-<run>`, expiring `life`
/// seconds from now when `life` is given.
fn plugin(dir: &Path, life: Option<u32>) -> AuthInfo {
    use std::os::unix::fs::PermissionsExt;
    let runs = dir.join("runs");
    let expiry = match life {
        Some(s) => format!(
            r#","expirationTimestamp":"'"$(date -u -d @$(( $(date +%s) + {s} )) +%Y-%m-%dT%H:%M:%SZ)"'""#
        ),
        None => String::new(),
    };
    let script = dir.join("plugin.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nn=$(( $(cat {runs} 2>/dev/null || echo 0) + 1 ))\necho $n > {runs}\n\
             echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"tok-'$n'\"{expiry}}}}}'\n",
            runs = runs.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    serde_json::from_value(serde_json::json!({
        "exec": {"command": script.display().to_string(), "apiVersion": "client.authentication.k8s.io/v1"}
    }))
    .unwrap()
}

fn runs(dir: &Path) -> u32 {
    std::fs::read_to_string(dir.join("runs"))
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0)
}

async fn token(credentials: &Credentials) -> String {
    let (header, _) = credentials.header().await.unwrap();
    header.to_str().unwrap().to_string()
}

const DEADLINE: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_plugin_token_is_kept_until_shortly_before_it_expires() {
    let dir = scratch("expiry");
    let mut auth = plugin(&dir, Some(3));
    let credentials = Credentials::take(&mut auth, DEADLINE)
        .await
        .unwrap()
        .unwrap();
    assert!(auth.exec.is_none(), "kube must not run the plugin too");
    assert_eq!(token(&credentials).await, "Bearer tok-1");
    assert_eq!(token(&credentials).await, "Bearer tok-1");
    assert_eq!(runs(&dir), 1);
    // Its expiry is at most 3 s away (whole seconds): renewed by then, once.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(token(&credentials).await, "Bearer tok-2");
    assert_eq!(token(&credentials).await, "Bearer tok-2");
    assert_eq!(runs(&dir), 2);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_token_without_expiry_is_renewed_once_per_401_however_many_saw_it() {
    let dir = scratch("no-expiry");
    let credentials = Credentials::take(&mut plugin(&dir, None), DEADLINE)
        .await
        .unwrap()
        .unwrap();
    let (_, generation) = credentials.header().await.unwrap();
    // Two requests sent with the first token both meet a 401: one renewal.
    assert!(credentials.unauthorized(generation).await.unwrap());
    assert!(credentials.unauthorized(generation).await.unwrap());
    assert_eq!(runs(&dir), 2);
    assert_eq!(token(&credentials).await, "Bearer tok-2");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_token_file_is_read_again_when_it_changes_and_kept_when_it_goes() {
    let dir = scratch("file");
    let path = dir.join("token");
    std::fs::write(&path, "first\n").unwrap();
    let mut auth = AuthInfo {
        token_file: Some(path.display().to_string()),
        ..AuthInfo::default()
    };
    let credentials = Credentials::take(&mut auth, DEADLINE)
        .await
        .unwrap()
        .unwrap();
    assert!(auth.token_file.is_none());
    assert_eq!(token(&credentials).await, "Bearer first");
    std::fs::write(&path, "second-one\n").unwrap();
    assert_eq!(token(&credentials).await, "Bearer second-one");
    let (_, generation) = credentials.header().await.unwrap();
    std::fs::remove_file(&path).unwrap();
    // Gone: the last token stays, and a 401 has nothing new to try.
    assert_eq!(token(&credentials).await, "Bearer second-one");
    let generation = generation.max(credentials.header().await.unwrap().1);
    assert!(!credentials.unauthorized(generation).await.unwrap());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn what_kube_keeps_is_left_to_kube_and_a_missing_token_file_is_named() {
    let mut with_token: AuthInfo =
        serde_json::from_value(serde_json::json!({"token": "static", "tokenFile": "/nonexistent",
            "exec": {"command": "/nonexistent/plugin", "apiVersion": "client.authentication.k8s.io/v1"}}))
            .unwrap();
    assert!(
        Credentials::take(&mut with_token, DEADLINE)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        with_token.token_file.as_deref(),
        Some("/nonexistent"),
        "left to kube"
    );
    assert!(
        with_token.exec.is_none(),
        "a plugin behind a token never runs"
    );
    let mut missing = AuthInfo {
        token_file: Some("/nonexistent/token".into()),
        ..AuthInfo::default()
    };
    let err = Credentials::take(&mut missing, DEADLINE)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("cannot read the token file /nonexistent/token: "),
        "{err}"
    );
}

/// A server that accepts only `Bearer <accepted>`, and records what it was sent.
#[derive(Clone)]
struct Server {
    accepted: &'static str,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Service<Request<Body>> for Server {
    type Response = Response<String>;
    type Error = BoxError;
    type Future = BoxFuture<'static, std::result::Result<Response<String>, BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let sent = request
            .headers()
            .get(AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let ok = sent == format!("Bearer {}", self.accepted);
        self.seen.lock().unwrap().push(sent);
        Box::pin(async move {
            let mut response = Response::new(String::new());
            if !ok {
                *response.status_mut() = StatusCode::UNAUTHORIZED;
            }
            Ok(response)
        })
    }
}

#[tokio::test]
async fn a_request_answered_401_is_sent_again_once_with_the_renewed_token() {
    // (accepted token, requests made, statuses, headers the server saw, plugin runs)
    type Case = (
        &'static str,
        usize,
        &'static [u16],
        &'static [&'static str],
        u32,
    );
    let cases: [Case; 3] = [
        (
            "tok-1",
            2,
            &[200, 200],
            &["Bearer tok-1", "Bearer tok-1"],
            1,
        ),
        (
            "tok-2",
            2,
            &[200, 200],
            &["Bearer tok-1", "Bearer tok-2", "Bearer tok-2"],
            2,
        ),
        // Never accepted: one renewal per request, then the 401 is the answer.
        (
            "never",
            2,
            &[401, 401],
            &[
                "Bearer tok-1",
                "Bearer tok-2",
                "Bearer tok-2",
                "Bearer tok-3",
            ],
            3,
        ),
    ];
    for (accepted, requests, statuses, headers, plugin_runs) in cases {
        let dir = scratch("layer");
        let credentials = Credentials::take(&mut plugin(&dir, None), DEADLINE)
            .await
            .unwrap()
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut service = AuthLayer(credentials).layer(Server {
            accepted,
            seen: seen.clone(),
        });
        let mut got = Vec::new();
        for _ in 0..requests {
            let request = Request::get("/api/v1/pods").body(Body::empty()).unwrap();
            let response = service.ready().await.unwrap().call(request).await.unwrap();
            got.push(response.status().as_u16());
        }
        assert_eq!(got, statuses, "{accepted}");
        assert_eq!(*seen.lock().unwrap(), headers, "{accepted}");
        assert_eq!(runs(&dir), plugin_runs, "{accepted}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test]
async fn a_plugin_that_fails_at_renewal_ends_the_request_with_its_error() {
    let dir = scratch("fails");
    let mut auth = plugin(&dir, None);
    let credentials = Credentials::take(&mut auth, DEADLINE)
        .await
        .unwrap()
        .unwrap();
    // The plugin breaks after its first run.
    std::fs::write(dir.join("plugin.sh"), "#!/bin/sh\nexit 3\n").unwrap();
    let mut service = AuthLayer(credentials).layer(Server {
        accepted: "tok-2",
        seen: Arc::default(),
    });
    let request = Request::get("/api/v1/pods").body(Body::empty()).unwrap();
    let err = service
        .ready()
        .await
        .unwrap()
        .call(request)
        .await
        .unwrap_err();
    let ours = err.downcast::<Error>().unwrap();
    assert!(
        ours.to_string().ends_with(
            "failed with exit code 3: run it by hand to see why, or pick another --user/--context"
        ),
        "{ours}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
