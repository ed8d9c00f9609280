//! What a pod inherits or carries without naming it, produced by the real kubelet: an init
//! container OOM-killed under the memory limit its namespace's LimitRange gave it, an
//! executable built for another architecture (the kernel's `exec format error`), and a Job
//! whose proxy, an ordinary container, keeps running after the main container completed.

mod common;

use std::time::Duration;

use common::TestNs;
use common::realnode::{self, app_status, completed, init_status, is_running, wait_pod};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{LimitRange, Pod};
use kube::api::ListParams;
use serde_json::Value;

const LONG: Duration = Duration::from_secs(120);

/// The finding with `code` about `container`; panics listing the findings otherwise.
fn finding<'a>(pod: &'a Value, code: &str, container: &str) -> &'a Value {
    pod["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"] == code && f["container"] == container)
        .unwrap_or_else(|| panic!("no {code} about {container}: {:#}", pod["findings"]))
}

fn text(f: &Value) -> String {
    format!("{}\n{}\n{}", f["message"], f["evidence"], f["hint"])
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_an_init_container_oom_killed_under_a_limit_range_default() {
    let node = common::real_node();
    let ns = TestNs::new("rn-limitrange").await;
    ns.create::<LimitRange>(
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: small-default}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 24Mi}\n    defaultRequest: {memory: 16Mi}\n",
    )
    .await;
    // The init container declares no resources; it holds 64 MB in a shell variable.
    realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: loader}
spec:
  initContainers:
  - name: load
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sh', '-c', 'x=$(head -c 64000000 /dev/zero | tr "\0" a); echo ${#x}']
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sleep', '3600']
"#,
    )
    .await;
    let p = wait_pod(&ns, "loader", LONG, "an OOM kill of load", |p| {
        let s = init_status(p, "load");
        s["state"]["terminated"]["reason"] == "OOMKilled"
            || s["lastState"]["terminated"]["reason"] == "OOMKilled"
    })
    .await;
    // What the API server's LimitRanger wrote: the limit, and the annotation saying so.
    assert_eq!(
        p["spec"]["initContainers"][0]["resources"]["limits"]["memory"],
        "24Mi"
    );
    let note = p["metadata"]["annotations"]["kubernetes.io/limit-ranger"]
        .as_str()
        .unwrap_or_default();
    assert!(
        note.contains("memory limit for init container load"),
        "{note}"
    );

    let pod = common::explain_one(&ns, "loader", &[]);
    let f = finding(&pod, "OOMKilled", "load");
    let t = text(f);
    for says in [
        "init container load was killed for using more memory than its limit of 24Mi",
        "LimitRange \\\"small-default\\\"",
        "spec.initContainers[0].resources.limits.memory",
        "kubectl edit limitrange small-default",
    ] {
        assert!(t.contains(says), "{says:?} in {t}");
    }
    // The namespace's LimitRanges were listed, and only read: the tool's requests in the
    // audit log (which the API server writes a little after it answers, hence the bounded wait).
    let mine = |e: &Value| {
        e["userAgent"]
            .as_str()
            .is_some_and(|a| a.starts_with("kubectl-initdoctor/"))
    };
    let mut made = Vec::new();
    for _ in 0..50 {
        made = common::audit_entries(&ns.name)
            .into_iter()
            .filter(|e| mine(e))
            .collect();
        if made
            .iter()
            .any(|e| e["objectRef"]["resource"] == "limitranges")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        made.iter()
            .any(|e| e["objectRef"]["resource"] == "limitranges" && e["verb"] == "list"),
        "{made:#?}"
    );
    for e in &made {
        let verb = e["verb"].as_str().unwrap_or_default();
        assert!(matches!(verb, "get" | "list" | "watch"), "a write: {e:#}");
    }
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_shell_built_for_another_architecture_cannot_start() {
    let node = common::real_node();
    // With qemu registered for arm64 the kernel would run it: the story would not hold.
    assert!(
        !std::path::Path::new("/proc/sys/fs/binfmt_misc/qemu-aarch64").exists(),
        "qemu-aarch64 is registered with binfmt_misc: an arm64 binary runs here, no exec format error"
    );
    let ns = TestNs::new("rn-arch").await;
    // `make` writes an arm64 (EM_AARCH64) ELF header as /w/sh; `wait-db` runs it as its shell
    // with a loop that would wait on a Service `db` that does not exist.
    realnode::pod_on(
        &ns,
        node,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: armed}
spec:
  volumes: [{name: w, emptyDir: {}}]
  initContainers:
  - name: make
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'printf "\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\100\000\070\000\000\000\000\000\000\000\000\000" > /w/sh && chmod +x /w/sh']
    volumeMounts: [{name: w, mountPath: /w}]
  - name: wait-db
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: [/w/sh, -c, 'until nslookup db; do sleep 2; done']
    volumeMounts: [{name: w, mountPath: /w}]
  containers:
  - name: app
    image: busybox:1.35
    imagePullPolicy: IfNotPresent
    command: ['sleep', '3600']
"#,
    )
    .await;
    realnode::wait_init_restarts(&ns, "armed", "wait-db", 1, LONG).await;
    // The runtime's line is the container's log, as the kubelet keeps it.
    let log = common::kubectl(&["logs", "-n", &ns.name, "armed", "-c", "wait-db"]);
    assert!(
        log.stdout.contains("exec /w/sh: exec format error"),
        "{log:?}"
    );

    let pod = common::explain_one(&ns, "armed", &[]);
    let f = finding(&pod, "ExecFormatError", "wait-db");
    let t = text(f);
    for says in [
        "exec format error",
        "kubernetes.io/arch=amd64",
        "another CPU architecture",
        "linux/amd64",
    ] {
        assert!(t.contains(says), "{says:?} in {t}");
    }
    // A container that cannot start waits on nothing and does not merely crash.
    for f in pod["findings"].as_array().into_iter().flatten() {
        if f["container"] == "wait-db" {
            assert!(
                ![
                    "CrashLoop",
                    "ExitedNonZero",
                    "ServiceNotFound",
                    "TargetUnknown"
                ]
                .contains(&f["code"].as_str().unwrap_or_default()),
                "{f:#}"
            );
        }
    }
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_a_job_whose_proxy_keeps_running_never_completes() {
    let node = common::real_node();
    let ns = TestNs::new("rn-jobproxy").await;
    let placement = realnode::placement(node).replace("\n  ", "\n      ");
    ns.create::<Job>(&format!(
        r#"apiVersion: batch/v1
kind: Job
metadata: {{name: report}}
spec:
  backoffLimit: 0
  template:
    spec:
      {placement}
      restartPolicy: Never
      containers:
      - name: report
        image: busybox:1.35
        imagePullPolicy: IfNotPresent
        command: ['sh', '-c', 'echo report written']
      - name: proxy
        image: busybox:1.35
        imagePullPolicy: IfNotPresent
        command: ['sleep', '3600']
"#,
        placement = placement.trim()
    ))
    .await;
    let pods: kube::Api<Pod> = ns.api();
    let name = loop {
        let list = pods
            .list(&ListParams::default().labels("batch.kubernetes.io/job-name=report"))
            .await
            .expect("list the Job's pods");
        if let Some(p) = list.items.first() {
            break p.metadata.name.clone().expect("pod name");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    wait_pod(&ns, &name, LONG, "report done, proxy running", |p| {
        completed(app_status(p, "report")) && is_running(app_status(p, "proxy"))
    })
    .await;

    let pod = common::explain_one(&ns, &name, &[]);
    let f = finding(&pod, "SidecarKeepsJobRunning", "proxy");
    let t = text(f);
    for says in [
        "after \\\"report\\\" completed",
        "Job \\\"report\\\" never completes",
        "spec.initContainers with restartPolicy: Always",
    ] {
        assert!(t.contains(says), "{says:?} in {t}");
    }
    assert_eq!(f["severity"], "error", "{f:#}");
}
