//! `preflight` end to end: the real binary on manifests — kubectl's `-f` conventions, the human
//! and JSON output, `--exit-code`, Secrets never printed — on the real `helm template` output of
//! public charts (`tests/data/preflight/`, see its README), and against a live namespace of the
//! local control plane (read-only).
//!
//! The offline tests need no cluster: they run the binary in an empty environment.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Run, TestNs, audit_mark, writes_since};
use k8s_openapi::api::core::v1::{Pod, Service};
use serde_json::Value;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/preflight")
}

/// Run the binary with `args`, `stdin` on its standard input, in an empty environment (no
/// kubeconfig: `--offline` needs none).
fn preflight(args: &[&str], stdin: &str) -> Run {
    let home = common::scratch("home");
    let mut child = Command::new(common::binary())
        .arg("preflight")
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubectl-initdoctor");
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.to_string();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let output = child
        .wait_with_output()
        .expect("wait for kubectl-initdoctor");
    let _ = writer.join();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A rendered chart, decompressed (the files are gzip'd to keep the repository small).
fn chart(name: &str) -> String {
    let path = data().join("charts").join(format!("{name}.yaml.gz"));
    let out = Command::new("gzip")
        .arg("-dc")
        .arg(&path)
        .output()
        .expect("run gzip");
    assert!(out.status.success(), "gzip -dc {}", path.display());
    String::from_utf8(out.stdout).expect("UTF-8 manifests")
}

/// (workload, code, severity) of every finding.
fn findings(doc: &Value) -> Vec<(String, String, String)> {
    doc["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| {
            w["findings"].as_array().unwrap().iter().map(move |f| {
                (
                    w["name"].as_str().unwrap().to_string(),
                    f["code"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

/// What a rendered chart must give.
enum Expect {
    /// No finding at `warning` or `error`: `n` workloads with init containers checked.
    Clean(usize),
    /// These (workload, code) errors among the findings, and nothing else at warning or above.
    Finds(&'static [(&'static str, &'static str)]),
    /// The chart drops the wait with the dependency, or the wait is not read: nothing to find
    /// (the reason, for the README's table), `n` workloads checked.
    Nothing(usize, &'static str),
}

#[test]
fn real_charts_give_no_false_finding_and_the_disabled_dependency_is_found() {
    use Expect::*;
    let cases: &[(&str, Expect)] = &[
        ("milvus", Clean(8)),
        (
            "milvus-no-kafka",
            Finds(&[
                ("myrel-milvus-coordinator", "WaitsOnLocalhost"),
                ("myrel-milvus-data-node", "WaitsOnLocalhost"),
                ("myrel-milvus-proxy", "WaitsOnLocalhost"),
                ("myrel-milvus-query-node", "WaitsOnLocalhost"),
                ("myrel-milvus-streaming-node", "WaitsOnLocalhost"),
                // attu waits for the proxy, which never gets Ready.
                ("myrel-milvus-attu", "ServiceEndpointsNotReady"),
            ]),
        ),
        ("zipkin", Clean(1)),
        (
            "zipkin-no-cassandra",
            Finds(&[
                ("myrel-zipkin", "EmptyTarget"),
                ("myrel-zipkin", "ConfigMissing"),
            ]),
        ),
        ("mlflow", Clean(3)),
        (
            "mlflow-no-postgresql",
            Finds(&[("myrel-mlflow-tracking", "ServiceNotFound")]),
        ),
        ("argo-cd", Clean(3)),
        (
            "argo-cd-no-redis",
            Finds(&[
                ("myrel-argo-cd-app-controller", "ServiceNotFound"),
                ("myrel-argo-cd-repo-server", "ServiceNotFound"),
                ("myrel-argo-cd-server", "ServiceNotFound"),
            ]),
        ),
        ("jupyterhub", Clean(2)),
        (
            "jupyterhub-no-postgresql",
            Nothing(1, "the chart drops its wait-for-db with the database"),
        ),
        ("apisix", Clean(3)),
        (
            "apisix-no-etcd",
            Nothing(
                3,
                "the chart's list of etcd hosts is empty: the wait loop never runs",
            ),
        ),
        (
            "apisix-no-etcd-old-host",
            Finds(&[
                ("myrel-apisix-control-plane", "ServiceNotFound"),
                // The data plane and the ingress controller wait for the control plane.
                ("myrel-apisix-data-plane", "ServiceEndpointsNotReady"),
                (
                    "myrel-apisix-ingress-controller",
                    "ServiceEndpointsNotReady",
                ),
            ]),
        ),
        ("nessie", Clean(1)),
        // libpostgresql.sh's postgresql_execute … -h "" : psql stops at `-h`.
        (
            "nessie-no-postgresql",
            Finds(&[("myrel-nessie", "EmptyTarget")]),
        ),
        ("seaweedfs", Clean(2)),
        (
            "seaweedfs-no-mariadb",
            Nothing(0, "the chart drops its wait-for-db with the database"),
        ),
        ("appsmith", Clean(4)),
        (
            "appsmith-no-mongodb",
            Nothing(
                3,
                "the chart's list of MongoDB hosts is empty: the wait loop never runs",
            ),
        ),
        (
            "appsmith-no-mongodb-old-host",
            Finds(&[
                ("myrel-appsmith-backend", "ServiceNotFound"),
                ("myrel-appsmith-rts", "ServiceNotFound"),
                // The front end waits for both, the RTS for the backend.
                ("myrel-appsmith", "ServiceEndpointsNotReady"),
                ("myrel-appsmith-rts", "ServiceEndpointsNotReady"),
            ]),
        ),
        ("mastodon", Clean(10)),
        (
            "mastodon-no-redis",
            Finds(&[("myrel-mastodon-web", "ServiceNotFound")]),
        ),
        ("dremio", Clean(5)),
        (
            "dremio-no-zookeeper",
            Nothing(
                5,
                "the chart's list of ZooKeeper hosts is empty: the wait loop never runs",
            ),
        ),
        (
            "dremio-no-zookeeper-old-host",
            Finds(&[
                ("myrel-dremio-coordinator", "ServiceNotFound"),
                ("myrel-dremio-executor-default", "ServiceNotFound"),
                ("myrel-dremio-master-coordinator", "ServiceNotFound"),
            ]),
        ),
        ("jaeger", Clean(2)),
        (
            "jaeger-no-cassandra",
            Finds(&[
                ("myrel-jaeger-collector", "EmptyTarget"),
                ("myrel-jaeger-collector", "ConfigMissing"),
                ("myrel-jaeger-query", "EmptyTarget"),
                ("myrel-jaeger-query", "ConfigMissing"),
            ]),
        ),
    ];
    // The charts whose disabled dependency is found.
    let mut found_in = std::collections::BTreeSet::new();
    for (file, expect) in cases {
        let name = file.split("-no-").next().unwrap();
        if matches!(expect, Finds(_)) {
            found_in.insert(name);
        }
        // Each file names its chart and version on its first line (the source commit is in
        // the README beside them).
        let manifests = chart(file);
        let command = manifests.lines().next().unwrap_or_default();
        assert!(
            command.starts_with(&format!("# helm template myrel bitnami/{name} --version ")),
            "{file}: {command}"
        );
        let run = preflight(
            &[
                "-f",
                "-",
                "-n",
                "shop",
                "--offline",
                "-o",
                "json",
                "--exit-code",
            ],
            &manifests,
        );
        let doc = run.json();
        assert_eq!(
            doc["problems"],
            serde_json::json!([]),
            "{file}: every object read"
        );
        let found = findings(&doc);
        let serious: Vec<&(String, String, String)> =
            found.iter().filter(|(_, _, s)| s != "info").collect();
        let workloads = doc["workloads"].as_array().unwrap().len();
        match expect {
            Clean(n) => {
                assert!(serious.is_empty(), "{file}: false findings {serious:?}");
                assert_eq!(workloads, *n, "{file}: workloads with init containers");
                run.assert_code(0);
            }
            Nothing(n, why) => {
                assert!(serious.is_empty(), "{file} ({why}): {serious:?}");
                assert_eq!(workloads, *n, "{file}: workloads with init containers");
                run.assert_code(0);
            }
            Finds(want) => {
                for (workload, code) in *want {
                    assert!(
                        found
                            .iter()
                            .any(|(w, c, s)| w == workload && c == code && s == "error"),
                        "{file}: want {code} on {workload}, got {found:?}"
                    );
                }
                for (w, c, _) in &serious {
                    assert!(
                        want.iter().any(|(ww, cc)| ww == w && cc == c),
                        "{file}: unexpected {c} on {w}"
                    );
                }
                run.assert_code(3);
            }
        }
    }
    assert!(
        found_in.len() >= 10,
        "the disabled dependency found in ten public charts at least: {found_in:?}"
    );
}

#[test]
fn the_human_output_groups_by_workload_with_the_fix() {
    // The chart renders `namespace: shop` into each object; the target namespace is for the
    // objects without one.
    let run = preflight(&["-f", "-", "--offline"], &chart("mlflow-no-postgresql"));
    run.assert_code(0);
    let out = &run.stdout;
    assert!(
        out.contains("Deployment shop/myrel-mlflow-tracking (-#"),
        "{out}"
    );
    assert!(
        out.contains("will block at init container wait-for-database"),
        "{out}"
    );
    assert!(
        out.contains("[error] ServiceNotFound (wait-for-database -> "),
        "{out}"
    );
    assert!(
        out.contains("no Service myrel-postgresql in namespace shop"),
        "{out}"
    );
    assert!(out.contains("fix: apply the Service:"), "{out}");
    assert!(
        out.trim_end().ends_with(
            "workloads with init containers checked against the bundle alone (--offline, namespace default): 1 will block"
        ),
        "{out}"
    );
}

#[test]
fn files_directories_lists_json_and_stdin_are_read_as_kubectl_reads_them() {
    let dir = std::env::temp_dir().join(format!("preflight-{}", common::random_suffix()));
    let sub = dir.join("db");
    std::fs::create_dir_all(&sub).unwrap();
    let web = "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      initContainers: [{name: wait, image: busybox:1.28, command: [sh, -c, 'until nc -z db 5432; do sleep 2; done']}]\n      containers: [{name: app, image: app}]\n";
    std::fs::write(dir.join("web.yaml"), web).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a manifest").unwrap();
    // The database: a List in JSON, one directory down.
    std::fs::write(
        sub.join("db.json"),
        r#"{"kind": "List", "items": [
             {"kind": "Service", "metadata": {"name": "db"}, "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]}},
             {"kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {"serviceName": "db", "template": {
                "metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "pg", "image": "postgres", "ports": [{"containerPort": 5432}]}]}}}}]}"#,
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let j = |run: &Run| findings(&run.json());
    // Without -R the subdirectory is not read: db is missing.
    let flat = preflight(&["-f", d, "--offline", "-o", "json", "--exit-code"], "");
    flat.assert_code(3);
    assert_eq!(
        j(&flat),
        [("web".into(), "ServiceNotFound".into(), "error".into())]
    );
    // With -R it is: nothing blocks.
    let deep = preflight(
        &["-f", d, "-R", "--offline", "-o", "json", "--exit-code"],
        "",
    );
    deep.assert_code(0);
    assert_eq!(j(&deep), []);
    // Several -f, one of them stdin.
    let db = sub.join("db.json");
    let mixed = preflight(
        &[
            "-f",
            db.to_str().unwrap(),
            "-f",
            "-",
            "--offline",
            "-o",
            "json",
            "--exit-code",
        ],
        web,
    );
    mixed.assert_code(0);
    assert_eq!(mixed.json()["workloads"][0]["source"], "-");
    // Bad input: one error line each, the documented code.
    let bad = [
        (
            vec!["-f", "/nonexistent/x.yaml", "--offline"],
            "",
            2,
            "does not exist",
        ),
        (
            vec!["-f", "-", "-f", "-", "--offline"],
            "",
            2,
            "can be given once",
        ),
        (
            vec!["-f", "-", "--offline"],
            "kind: [unclosed\n",
            1,
            "-: not valid YAML",
        ),
        (
            vec!["-f", "-", "--offline"],
            "metadata: {name: x}\n",
            1,
            "without `kind`",
        ),
    ];
    for (args, input, code, text) in bad {
        let run = preflight(&args, input);
        run.assert_code(code);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{:?}", run.stderr);
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(text),
            "{}",
            run.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn secret_values_are_never_printed() {
    let bundle = "kind: Secret\nmetadata: {name: creds}\ndata: {password: czNjcjN0LXZhbHVl}\nstringData: {token: pl41n-t0ken}\n---\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      initContainers: [{name: wait, image: busybox:1.28, env: [{name: P, valueFrom: {secretKeyRef: {name: creds, key: pass}}}], command: [sh, -c, 'until nc -z db 1; do sleep 1; done']}]\n      containers: [{name: app, image: app}]\n";
    for output in ["table", "json"] {
        let run = preflight(&["-f", "-", "--offline", "-o", output], bundle);
        run.assert_code(0);
        assert!(
            run.stdout.contains("Secret creds has no key pass"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("password, token"),
            "the keys are named: {}",
            run.stdout
        );
        for value in ["czNjcjN0LXZhbHVl", "s3cr3t-value", "pl41n-t0ken"] {
            assert!(!run.stdout.contains(value), "{output} prints {value}");
        }
    }
}

/// Against the live namespace: a Service that exists only in the cluster satisfies the wait
/// (its endpoints come from the bundle's workload), where `--offline` cannot know it; and
/// nothing is written.
#[tokio::test]
async fn the_live_namespace_is_read_and_never_written() {
    let ns = TestNs::new("preflight").await;
    let _: Service = ns
        .create("apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {selector: {app: db}, ports: [{port: 5432}]}\n")
        .await;
    let _: Pod = ns
        .pod("apiVersion: v1\nkind: Pod\nmetadata: {name: other, labels: {app: other}}\nspec: {containers: [{name: c, image: busybox}]}\n")
        .await;
    let bundle = "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      initContainers: [{name: wait, image: busybox:1.28, command: [sh, -c, 'until nc -z db 5432; do sleep 2; done']}]\n      containers: [{name: app, image: app}]\n---\nkind: Deployment\nmetadata: {name: db}\nspec:\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: pg, image: postgres, ports: [{containerPort: 5432}]}]}\n";
    let path =
        std::env::temp_dir().join(format!("preflight-live-{}.yaml", common::random_suffix()));
    std::fs::write(&path, bundle).unwrap();
    let file = path.to_str().unwrap();
    let offline = common::initdoctor(&[
        "preflight",
        "-f",
        file,
        "-n",
        &ns.name,
        "--offline",
        "-o",
        "json",
        "--exit-code",
    ]);
    offline.assert_code(3);
    assert_eq!(findings(&offline.json())[0].1, "ServiceNotFound");
    let mark = audit_mark();
    let live = common::initdoctor(&[
        "preflight",
        "-f",
        file,
        "-n",
        &ns.name,
        "-o",
        "json",
        "--exit-code",
    ]);
    live.assert_code(0);
    let doc = live.json();
    assert_eq!(doc["cluster"], true);
    assert_eq!(findings(&doc), []);
    assert_eq!(writes_since(mark, "admin", &ns.name), Vec::<String>::new());
    let reads = common::audit_since(mark, "admin", &ns.name);
    for list in [
        "list services",
        "list endpointslices",
        "list pods",
        "list configmaps",
        "list jobs",
        "list secrets",
    ] {
        assert!(reads.iter().any(|r| r == list), "{list} not in {reads:?}");
    }
    let _ = std::fs::remove_file(&path);
}

/// The real kustomize (built from its Go module at a pinned version and cached by
/// `tests/preflight/build-kustomize.sh`, as helm is): the path of the binary.
fn kustomize() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/preflight/build-kustomize.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .expect("run tests/preflight/build-kustomize.sh");
    assert!(
        out.status.success(),
        "building kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// `kustomize build` of the overlays under `tests/data/preflight/kustomize/`: `namePrefix`
/// renames the Service (and the StatefulSet's `serviceName`) but not the host in the init
/// container's command, which then blocks; the same overlay with the command patched, and one
/// that only changes the namespace and labels, do not.
#[test]
fn kustomize_output_a_name_prefix_breaks_the_wait_a_namespace_does_not() {
    let kustomize = kustomize();
    let version = Command::new(&kustomize).arg("version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), "v5.8.1");
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("prefixed", &[("staging-web", "ServiceNotFound")]),
        ("prefixed-fixed", &[]),
        ("staging", &[]),
    ];
    for (overlay, want) in cases {
        let dir = data().join("kustomize/overlays").join(overlay);
        let built = Command::new(&kustomize)
            .arg("build")
            .arg(&dir)
            .output()
            .expect("run kustomize");
        assert!(
            built.status.success(),
            "kustomize build {overlay}: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let manifests = String::from_utf8(built.stdout).unwrap();
        let run = preflight(
            &[
                "-f",
                "-",
                "-n",
                "shop",
                "--offline",
                "-o",
                "json",
                "--exit-code",
            ],
            &manifests,
        );
        let doc = run.json();
        assert_eq!(doc["problems"], serde_json::json!([]), "{overlay}");
        assert_eq!(doc["workloads"].as_array().unwrap().len(), 1, "{overlay}");
        let got: Vec<(String, String)> = findings(&doc)
            .into_iter()
            .filter(|(_, _, s)| s != "info")
            .map(|(w, c, _)| (w, c))
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(w, c)| (w.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want, "{overlay}");
        run.assert_code(if want.is_empty() { 0 } else { 3 });
    }
    // The staging overlay moved every object to namespace staging: the pod is checked there.
    let staging = Command::new(&kustomize)
        .arg("build")
        .arg(data().join("kustomize/overlays/staging"))
        .output()
        .unwrap();
    let doc = preflight(
        &["-f", "-", "--offline", "-o", "json"],
        &String::from_utf8(staging.stdout).unwrap(),
    )
    .json();
    assert_eq!(doc["workloads"][0]["namespace"], "staging");
}

/// A Service of the name a wait names exists in another namespace of the cluster, not in the
/// bundle: `explain` on the applied pod says `ServiceInOtherNamespace` (it looks the name up in
/// every namespace), and so does `preflight` against the cluster (the same lookup), where
/// `--offline` can only say `ServiceNotFound`.
#[tokio::test]
async fn a_service_in_another_namespace_is_named_as_explain_names_it() {
    let home = TestNs::new("preflight-home").await;
    let other = TestNs::new("preflight-other").await;
    let _: Service = other
        .create("apiVersion: v1\nkind: Service\nmetadata: {name: pg-main}\nspec: {selector: {app: pg}, ports: [{port: 5432}]}\n")
        .await;
    let script = "until nc -z pg-main 5432; do sleep 2; done";
    let bundle = format!(
        "kind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      initContainers: [{{name: wait, image: busybox:1.28, command: [sh, -c, '{script}']}}]\n      containers: [{{name: app, image: app}}]\n"
    );
    let path =
        std::env::temp_dir().join(format!("preflight-other-{}.yaml", common::random_suffix()));
    std::fs::write(&path, &bundle).unwrap();
    let file = path.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["preflight", "-f", file, "-n", &home.name, "-o", "json"];
        args.extend_from_slice(extra);
        let doc = common::initdoctor(&args).json();
        let found = findings(&doc);
        let f = &doc["workloads"][0]["findings"][0];
        (
            found[0].1.clone(),
            f["message"].as_str().unwrap_or_default().to_string(),
        )
    };
    assert_eq!(run(&["--offline"]).0, "ServiceNotFound");
    let (code, message) = run(&[]);
    assert_eq!(code, "ServiceInOtherNamespace", "{message}");
    assert!(
        message.contains(&format!("namespace {}", other.name)),
        "{message}"
    );

    // The same init container in a pod of the home namespace, waiting in its loop: explain.
    home.pod(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  initContainers: [{{name: wait, image: busybox:1.28, command: [sh, -c, '{script}']}}]\n  containers: [{{name: app, image: app}}]\n"
    ))
    .await;
    home.set_status(
        "web",
        serde_json::json!({"phase": "Pending", "conditions": common::state::initializing_conditions(),
            "initContainerStatuses": [common::state::running("wait", "busybox:1.28", "2026-01-01T00:00:00Z")],
            "containerStatuses": [common::state::waiting("app", "app", "PodInitializing", "", 0)]}),
    )
    .await;
    let explained = common::explain_one(&home, "web", &[]);
    let f = common::finding(&explained, &code);
    assert_eq!(f["message"], message.as_str(), "{f:#}");
    let _ = std::fs::remove_file(&path);
}
