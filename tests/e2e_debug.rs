//! End to end: `debug` adds an ephemeral container targeting the blocked init container, waits for
//! the node to run it, attaches with the streams its spec allows, and changes nothing else.
//!
//! The fake node answers attach as a kubelet does (the TTY comes from the container's spec, a
//! TTY attach that also asks for stderr is refused) and reports ephemeral containers as a kubelet
//! would (image pull failures; terminated when their shell exits). The tests assert what the
//! tool did — the container it created, the attach request it sent (audit log), what it printed —
//! not what the fake shell echoes. What needs real containers (`--check`, a pty session,
//! `--target` sharing processes) is in e2e_debug_real.rs.

mod common;

use std::time::Duration;

use common::debug::{added_name, debug_web, debug_web_stdin};
use common::{TestNs, initdoctor, initdoctor_with_stdin, state};
use k8s_openapi::api::core::v1::{EphemeralContainer, Pod};
use serde_json::{Value, json};

const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  initContainers:
  - name: wait-db
    image: busybox:1.28
    command: ['sh', '-c', 'until nc -z db 5432; do sleep 2; done']
  containers:
  - name: app
    image: nginx:1.27
    readinessProbe: {tcpSocket: {port: 80}}
"#;

async fn blocked_pod(ns: &TestNs) -> Value {
    ns.pod(POD).await;
    let init_statuses = json!([state::running(
        "wait-db",
        "busybox:1.28",
        "2026-01-01T00:00:00Z"
    )]);
    let written = ns
        .set_status(
            "web",
            json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                   "initContainerStatuses": init_statuses,
                   "containerStatuses": [state::waiting("app", "nginx:1.27", "PodInitializing", "", 0)]}),
        )
        .await;
    // As the API server stored them.
    serde_json::to_value(written.status.unwrap().init_container_statuses).unwrap()
}

async fn ephemeral(ns: &TestNs, pod: &str) -> Vec<EphemeralContainer> {
    let pod: Pod = ns.api::<Pod>().get(pod).await.unwrap();
    pod.spec.unwrap().ephemeral_containers.unwrap_or_default()
}

async fn ephemeral_state(ns: &TestNs, pod: &str, name: &str) -> Value {
    common::debug::ephemeral_status(ns, pod, name).await["state"].clone()
}

/// The query of every attach request to `pod` in `ns` (the audit log records the request URI,
/// once as the response starts and once as it completes: one per audit ID).
fn attach_queries(ns: &TestNs, pod: &str) -> Vec<String> {
    let needle = format!("/namespaces/{}/pods/{pod}/attach", ns.name);
    let mut seen = std::collections::BTreeMap::new();
    for e in common::audit_entries_settled(&needle) {
        let (Some(id), Some(uri)) = (e["auditID"].as_str(), e["requestURI"].as_str()) else {
            continue;
        };
        if let Some((_, q)) = uri.split_once('?') {
            seen.insert(id.to_string(), q.to_string());
        }
    }
    seen.into_values().collect()
}

fn query_has(query: &str, pair: &str) -> bool {
    query.split('&').any(|p| p == pair)
}

#[tokio::test]
async fn piped_stdin_attaches_with_the_containers_tty_and_no_stderr_stream() {
    let ns = TestNs::new("dbg").await;
    let init_statuses = blocked_pod(&ns).await;

    let mark = common::audit_mark();
    let run = debug_web_stdin(&ns, &["--timeout", "30s"], "hostname\nexit 3\n");
    run.assert_code(0);
    let name = added_name(&run.stderr);
    run.assert_stderr_has(&format!(
            "Added ephemeral container {name} (image busybox:1.35, profile general) to pod {}/web, sharing the processes of wait-db.",
            ns.name
        ));
    run.assert_stderr_has(&format!(
        "Attached to {name} (a TTY session, input from a pipe)."
    ));
    // The shell's `exit 3` ended the container: the tool says so rather than "get back in".
    run.assert_stderr_has(&format!(
        "Session ended: {name} exited with code 3. An ephemeral container cannot be restarted or attached to again; start a new one with: kubectl initdoctor debug web -n {}",
        ns.name
    ));
    assert_eq!(
        ephemeral_state(&ns, "web", &name).await["terminated"]["exitCode"],
        3
    );

    // The container it created: stdin and a TTY, aimed at the blocker, the general profile.
    let eph = ephemeral(&ns, "web").await;
    assert_eq!(eph.len(), 1);
    let got = serde_json::to_value(&eph[0]).unwrap();
    assert_eq!(got["name"], name.as_str());
    assert!(name.starts_with("debugger-") && name.len() == "debugger-".len() + 5);
    assert_eq!(got["targetContainerName"], "wait-db");
    assert_eq!(got["image"], "busybox:1.35");
    assert_eq!(
        (got["stdin"].clone(), got["tty"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(
        got["securityContext"],
        json!({"capabilities": {"add": ["SYS_PTRACE"]}})
    );

    // The stream it opened: the spec's TTY, and no separate stderr (a kubelet refuses both).
    let queries = attach_queries(&ns, "web");
    assert_eq!(queries.len(), 1, "{queries:?}");
    let q = &queries[0];
    assert!(
        query_has(q, "tty=true") && query_has(q, "stdin=true"),
        "{q}"
    );
    assert!(!query_has(q, "stderr=true"), "{q}");
    assert!(query_has(q, &format!("container={name}")), "{q}");

    // Nothing else changed: same init and app containers, same init statuses.
    let pod: Pod = ns.api::<Pod>().get("web").await.unwrap();
    let spec = pod.spec.unwrap();
    assert_eq!(spec.init_containers.unwrap().len(), 1);
    assert_eq!(spec.containers.len(), 1);
    let status = serde_json::to_value(pod.status.unwrap()).unwrap();
    assert_eq!(status["initContainerStatuses"], init_statuses);
    let writes = common::writes_since(mark, "admin", &ns.name);
    assert_eq!(
        writes,
        vec!["patch pods/ephemeralcontainers"],
        "debug's only write"
    );
}

#[tokio::test]
async fn stdin_without_a_tty_is_line_mode_with_stderr() {
    let ns = TestNs::new("dbgi").await;
    blocked_pod(&ns).await;
    let run = debug_web_stdin(&ns, &["-i", "-c", "plain", "--timeout", "30s"], "exit\n");
    run.assert_code(0);
    run.assert_stderr_has("Attached to plain (no TTY: line mode).");
    let eph = ephemeral(&ns, "web").await;
    assert_eq!(
        (eph[0].stdin, eph[0].tty.unwrap_or(false)),
        (Some(true), false)
    );
    let q = &attach_queries(&ns, "web")[0];
    assert!(
        query_has(q, "stderr=true") && !query_has(q, "tty=true"),
        "{q}"
    );
}

#[tokio::test]
async fn attach_false_prints_commands_that_work_and_a_second_run_reuses_the_container() {
    let ns = TestNs::new("dbgr").await;
    blocked_pod(&ns).await;
    let run = debug_web(&ns, &["--attach=false", "--timeout", "30s"]);
    run.assert_code(0);
    let name = added_name(&run.stderr);
    run.assert_stderr_has(&format!(
            "{name} is running. Attach with: kubectl attach -it web -c {name} -n {ns} (or kubectl initdoctor debug web --attach-to {name} -n {ns})",
            ns = ns.name
        ));
    // Created with stdin and a TTY, so that `attach -it` can work.
    let eph = ephemeral(&ns, "web").await;
    assert_eq!((eph[0].stdin, eph[0].tty), (Some(true), Some(true)));

    // The printed way back in works.
    let run = debug_web_stdin(&ns, &["--attach-to", &name], "exit\n");
    run.assert_code(0);
    run.assert_stderr_has(&format!("Attached to {name}"));
    assert_eq!(
        ephemeral(&ns, "web").await.len(),
        1,
        "--attach-to adds nothing"
    );

    // A terminated container cannot be attached to again: one clear line.
    let run = debug_web(&ns, &["--attach-to", &name]);
    run.assert_code(8);
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "error: {name} is terminated (exit 0), and an ephemeral container cannot be restarted: run `kubectl initdoctor debug web` for a new one"
        )
    );
}

#[tokio::test]
async fn a_running_debugger_is_reused_not_multiplied() {
    let ns = TestNs::new("dbgu").await;
    blocked_pod(&ns).await;
    let first = debug_web(&ns, &["--attach=false"]);
    first.assert_code(0);
    let name = added_name(&first.stderr);

    // No terminal here: reuse, and say so.
    let run = debug_web_stdin(&ns, &[], "exit\n");
    run.assert_code(0);
    run.assert_stderr_has(&format!(
        "Reusing {name}, a debug container of ours running since"
    ));
    assert!(
        !run.stderr.contains("Added ephemeral container"),
        "{}",
        run.stderr
    );
    assert_eq!(ephemeral(&ns, "web").await.len(), 1);

    // It exited; the next run adds a new one. --reuse=false adds one even beside a running one.
    let second = debug_web(&ns, &["--attach=false"]);
    second.assert_code(0);
    let third = debug_web(&ns, &["--reuse=false", "--attach=false"]);
    third.assert_code(0);
    assert_ne!(added_name(&second.stderr), added_name(&third.stderr));
    assert_eq!(ephemeral(&ns, "web").await.len(), 3);
}

#[tokio::test]
async fn dry_run_prints_what_would_be_sent_and_writes_nothing() {
    let ns = TestNs::new("dbgd").await;
    blocked_pod(&ns).await;
    let before: Pod = ns.api::<Pod>().get("web").await.unwrap();
    let mark = common::audit_mark();
    let cases = [
        (vec!["--dry-run", "-o", "json"], "json"),
        (vec!["--dry-run=client", "-o", "yaml"], "yaml"),
        (vec!["--dry-run=server", "-o", "json"], "json"),
    ];
    for (flags, format) in cases {
        let mut args = vec![
            "debug",
            "web",
            "-n",
            &ns.name,
            "-c",
            "dbg",
            "--env",
            "A=1",
            "--image-pull-policy",
            "Never",
        ];
        args.extend_from_slice(&flags);
        args.extend_from_slice(&["--", "sleep", "60"]);
        let run = initdoctor(&args);
        assert_eq!(run.code, 0, "{flags:?}: {}", run.stderr);
        let sent: Value = if format == "json" {
            run.json()
        } else {
            serde_saphyr::from_str(&run.stdout).expect("YAML")
        };
        assert_eq!(
            sent,
            json!({"spec": {"ephemeralContainers": [{
                "name": "dbg", "image": "busybox:1.35", "imagePullPolicy": "Never",
                "targetContainerName": "wait-db", "command": ["sleep", "60"],
                "env": [{"name": "A", "value": "1"}],
                "stdin": false, "tty": false, "terminationMessagePolicy": "File",
                "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}}
            }]}}),
            "{flags:?}"
        );
    }
    let after: Pod = ns.api::<Pod>().get("web").await.unwrap();
    assert_eq!(
        before.metadata.resource_version,
        after.metadata.resource_version
    );
    // Client dry runs send no write; the server dry run sends one patch, marked dryRun.
    let patches = common::audit_entries_settled(&format!(
        "/namespaces/{}/pods/web/ephemeralcontainers",
        ns.name
    ));
    assert_eq!(patches.len(), 1, "{patches:#?}");
    assert!(
        patches[0]["requestURI"]
            .as_str()
            .unwrap()
            .contains("dryRun=All")
    );
    let writes: Vec<String> = common::audit_since(mark, "admin", &ns.name)
        .into_iter()
        .filter(|w| {
            w.starts_with("create ") || w.starts_with("delete ") || w.starts_with("update ")
        })
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[tokio::test]
async fn errors_are_one_line_with_their_exit_code_and_nothing_is_written() {
    let ns = TestNs::new("dbge").await;
    blocked_pod(&ns).await;
    let done = TestNs::new("dbgf").await;
    done.pod(POD).await;
    done.set_status("web", json!({"phase": "Succeeded"})).await;
    // (namespace, args, exit code, stderr starts with)
    let cases: Vec<(&TestNs, Vec<&str>, i32, String)> = vec![
        (&ns, vec!["--target", "nope"], 2, "error: container \"nope\" not found in pod \"web\": --target takes one of wait-db, app".into()),
        (&ns, vec!["-c", "app"], 2, "error: a container named \"app\" already exists in pod \"web\": pick another --container name".into()),
        (&done, vec![], 2, "error: pod \"web\" has phase Succeeded: its containers no longer run".into()),
        (&ns, vec!["-t"], 2, "error: -i/--stdin is required for containers with -t/--tty=true".into()),
        (&ns, vec!["--attach-to", "nope"], 4, "error: ephemeral container \"nope\" not found".into()),
        (&ns, vec!["--copy-to", "web2", "--target", "app"], 2, "error: --copy-to replaces an init container's command, and \"app\" is not one".into()),
        (&ns, vec!["--check", "--target", "app"], 2, "error: --check runs an init container's checks".into()),
    ];
    for (space, words, code, want) in cases {
        let mut args = vec!["debug", "web", "-n", &space.name, "--attach=false"];
        if words.first() == Some(&"--attach-to") || words.first() == Some(&"--check") {
            args.pop();
        }
        args.extend_from_slice(&words);
        let run = initdoctor(&args);
        assert_eq!(run.code, code, "{words:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.lines().count(),
            1,
            "{words:?}: one line: {}",
            run.stderr
        );
        assert!(run.stderr.starts_with(&want), "{words:?}: {}", run.stderr);
    }
    assert!(ephemeral(&ns, "web").await.is_empty());
    assert!(ephemeral(&done, "web").await.is_empty());
    let pods: Vec<Pod> = ns
        .api::<Pod>()
        .list(&Default::default())
        .await
        .unwrap()
        .items;
    assert_eq!(pods.len(), 1, "no copy was created");
}

#[tokio::test]
async fn an_image_that_never_pulls_is_reported_as_it_comes_and_ends_at_the_timeout() {
    let ns = TestNs::new("dbgp").await;
    blocked_pod(&ns).await;
    let run = debug_web(
        &ns,
        &[
            "--attach=false",
            "--timeout",
            "6s",
            "--image",
            "registry.invalid/tools:1",
        ],
    );
    run.assert_code(8);
    let name = added_name(&run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let pull = lines
        .iter()
        .position(|l| l.starts_with(&format!("{name}: ErrImagePull: failed to pull")));
    let backoff = lines
        .iter()
        .position(|l| l.starts_with(&format!("{name}: ImagePullBackOff: Back-off pulling image")));
    assert!(
        pull.is_some() && backoff.is_some() && pull < backoff,
        "in the order they came: {}",
        run.stderr
    );
    assert!(
        lines.last().unwrap().starts_with(&format!(
            "error: {name} did not start within 6s (waiting: ImagePullBackOff: Back-off pulling image \"registry.invalid/tools:1\")"
        )),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_node_that_never_reports_ends_at_the_timeout() {
    let ns = TestNs::new("dbgn").await;
    let yaml = POD.replace("spec:\n", "spec:\n  nodeName: no-such-node\n");
    ns.pod(&yaml).await;
    let run = debug_web(
        &ns,
        // --force: wait-db has no status either (not running), and this is about the node.
        &[
            "--attach=false",
            "--force",
            "--timeout",
            "2s",
            "--target",
            "wait-db",
        ],
    );
    run.assert_code(8);
    run.assert_stderr_ends_with(&format!(
            "did not start within 2s (no status reported by the node yet): check `kubectl describe pod web -n {}`",
            ns.name
        ));
}

#[tokio::test]
async fn pod_security_refuses_before_writing_and_auto_picks_what_passes() {
    let ns = TestNs::new("dbgs").await;
    common::kubectl(&[
        "label",
        "namespace",
        &ns.name,
        "pod-security.kubernetes.io/enforce=baseline",
    ]);
    blocked_pod(&ns).await;
    let run = debug_web(&ns, &["--attach=false"]);
    run.assert_code(2);
    assert_eq!(
        run.stderr.trim_end(),
        "error: the namespace's pod-security.kubernetes.io/enforce label enforces Pod Security \"baseline\", which rejects the general profile: pass --profile=baseline or --profile=restricted (or --profile=auto)"
    );
    assert!(ephemeral(&ns, "web").await.is_empty());

    // What the error says passes does pass: the API server's admission accepts it.
    let run = debug_web(&ns, &["--attach=false", "--profile", "auto"]);
    run.assert_code(0);
    assert!(
        run.stderr.starts_with(
            "--profile auto: the namespace's pod-security.kubernetes.io/enforce label is \"baseline\": using the baseline profile\n"
        ),
        "{}",
        run.stderr
    );
    let eph = ephemeral(&ns, "web").await;
    assert_eq!(eph.len(), 1);
    assert_eq!(eph[0].security_context, None, "the baseline profile");
}

#[tokio::test]
async fn viewer_gets_one_clear_rbac_error() {
    let ns = TestNs::new("rbac").await;
    blocked_pod(&ns).await;

    // The viewer may read: explain works.
    let run = initdoctor(&[
        "explain", "web", "-n", &ns.name, "--user", "viewer", "-o", "json",
    ]);
    assert_eq!(run.code, 0, "viewer can explain; stderr: {}", run.stderr);

    // But it may not add ephemeral containers.
    let run = initdoctor(&[
        "--user",
        "viewer",
        "debug",
        "web",
        "-n",
        &ns.name,
        "--attach=false",
    ]);
    run.assert_code(5);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "error: permission denied: cannot patch pods/ephemeralcontainers in namespace \"{}\": ask for an RBAC Role granting 'patch' on 'pods/ephemeralcontainers'",
            ns.name
        )
    );
    assert!(ephemeral(&ns, "web").await.is_empty());

    // Granted the patch but not pods/attach: the container is added, the attach is refused.
    let role = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: eph, namespace: {ns}}}\nrules:\n- apiGroups: ['']\n  resources: [pods/ephemeralcontainers]\n  verbs: [patch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: eph, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: eph}}\nsubjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: viewer}}]\n",
        ns = ns.name
    );
    let scratch = common::scratch("eph");
    let file = scratch.path().join(format!("{}.yaml", ns.name));
    std::fs::write(&file, role).unwrap();
    let applied = common::kubectl(&["apply", "-f", file.to_str().unwrap()]);
    applied.assert_code(0);
    let mut run = None;
    for _ in 0..20 {
        // RBAC caches settle within a moment.
        let r = initdoctor_with_stdin(
            &[
                "--user",
                "viewer",
                "debug",
                "web",
                "-n",
                &ns.name,
                "--timeout",
                "30s",
            ],
            "exit\n",
        );
        if !r.stderr.contains("cannot patch") {
            run = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let run = run.expect("the Role took effect");
    run.assert_code(5);
    assert_eq!(
        run.stderr.lines().last().unwrap(),
        format!(
            "error: permission denied: cannot get and create pods/attach in namespace \"{}\": ask for an RBAC Role granting 'get and create' on 'pods/attach'",
            ns.name
        )
    );
    assert_eq!(
        ephemeral(&ns, "web").await.len(),
        1,
        "the patch was allowed"
    );
}

#[tokio::test]
async fn copy_to_builds_a_waiting_copy_and_leaves_the_original_alone() {
    let ns = TestNs::new("dbgc").await;
    blocked_pod(&ns).await;
    let before: Pod = ns.api::<Pod>().get("web").await.unwrap();
    let mark = common::audit_mark();
    let run = debug_web(
        &ns,
        &[
            "--copy-to",
            "web-copy",
            "--same-node",
            "--attach=false",
            "--set-image",
            "wait-db=busybox:1.35",
        ],
    );
    run.assert_code(0);
    run.assert_stderr_has(&format!(
        "Debug it with: kubectl initdoctor debug web-copy --target wait-db -n {}",
        ns.name
    ));
    let copy: Pod = ns.api::<Pod>().get("web-copy").await.unwrap();
    assert_eq!(copy.metadata.labels, None, "no Service selects the copy");
    let annotations = copy.metadata.annotations.clone().unwrap();
    assert_eq!(annotations["initdoctor.io/copy-of"], "web");
    assert_eq!(
        annotations["initdoctor.io/original-command"],
        r#"["sh","-c","until nc -z db 5432; do sleep 2; done"]"#
    );
    let spec = copy.spec.unwrap();
    assert_eq!(spec.node_name.as_deref(), Some(common::env().node.as_str()));
    let init = &spec.init_containers.unwrap()[0];
    assert_eq!(
        init.image.as_deref(),
        Some("busybox:1.35"),
        "--set-image reaches init containers"
    );
    let command = init.command.clone().unwrap();
    assert_eq!(&command[..2], ["sh", "-c"]);
    assert!(command[2].contains("while :; do sleep 3600"), "{command:?}");
    assert_eq!(spec.containers[0].readiness_probe, None, "probes dropped");

    let after: Pod = ns.api::<Pod>().get("web").await.unwrap();
    assert_eq!(
        before.metadata.resource_version, after.metadata.resource_version,
        "original untouched"
    );
    let writes = common::writes_since(mark, "admin", &ns.name);
    assert_eq!(writes, vec!["create pods"]);

    // The name is taken now.
    let again = debug_web(&ns, &["--copy-to", "web-copy", "--attach=false"]);
    again.assert_code(2);
    assert_eq!(
        again.stderr.trim_end(),
        format!(
            "error: a pod named \"web-copy\" already exists in namespace \"{}\": pick another --copy-to name",
            ns.name
        )
    );

    // --dry-run prints the copy and creates nothing; --replace deletes the original only when asked.
    let dry = debug_web(
        &ns,
        &[
            "--copy-to",
            "web-dry",
            "--dry-run",
            "-o",
            "json",
            "--replace",
        ],
    );
    dry.assert_code(0);
    assert_eq!(dry.json()["metadata"]["name"], "web-dry");
    assert!(
        dry.json()["spec"].get("nodeName").is_none(),
        "without --same-node the copy is scheduled anew"
    );
    assert!(ns.api::<Pod>().get_opt("web-dry").await.unwrap().is_none());
    assert!(ns.api::<Pod>().get_opt("web").await.unwrap().is_some());
    let replaced = debug_web(
        &ns,
        &["--copy-to", "web-new", "--replace", "--attach=false"],
    );
    replaced.assert_code(0);
    assert!(
        replaced
            .stderr
            .contains(&format!("Deleted pod {}/web (--replace).", ns.name))
    );
    let original = ns.api::<Pod>().get_opt("web").await.unwrap();
    assert!(original.is_none_or(|p| p.metadata.deletion_timestamp.is_some()));
}

#[tokio::test]
async fn copy_to_waits_for_the_copys_init_container_then_debugs_the_copy() {
    let ns = TestNs::new("dbgw").await;
    blocked_pod(&ns).await;
    // Play the node for the copy: once it exists, its init container runs.
    let api = ns.api::<Pod>();
    let ns_name = ns.name.clone();
    let node = tokio::spawn(async move {
        for _ in 0..100 {
            if api.get_opt("web-copy").await.ok().flatten().is_some() {
                let status = json!({"status": {"phase": "Pending", "conditions": state::initializing_conditions(),
                    "initContainerStatuses": [state::running("wait-db", "busybox:1.28", "2026-01-01T00:00:00Z")]}});
                api.patch_status(
                    "web-copy",
                    &Default::default(),
                    &kube::api::Patch::Merge(status),
                )
                .await
                .unwrap();
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no copy in {ns_name}");
    });
    let args: Vec<String> = [
        "debug",
        "web",
        "-n",
        &ns.name,
        "--copy-to",
        "web-copy",
        "--same-node",
        "--timeout",
        "30s",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    let run = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        initdoctor_with_stdin(&args, "exit\n")
    })
    .await
    .unwrap();
    node.await.unwrap();
    run.assert_code(0);
    let name = added_name(&run.stderr);
    run.assert_stderr_has(&format!(
        "to pod {}/web-copy, sharing the processes of wait-db",
        ns.name
    ));
    assert_eq!(ephemeral(&ns, "web-copy").await.len(), 1);
    assert!(
        ephemeral(&ns, "web").await.is_empty(),
        "the original is not debugged"
    );
    assert_eq!(attach_queries(&ns, "web-copy").len(), 1);
    assert!(run.stderr.contains(&format!("Attached to {name}")));
}
