//! Init containers the runtime cannot start, on the real node (containerd and runc write the
//! statuses): a program the image lacks, a script from a ConfigMap whose files are not
//! executable (the volume's default mode, 0644), and a volume mounted where the image has a
//! file. explain names the cause from the pod, and does not read the runtime's exit code 128 as
//! the program's. And containers the kubelet will not create (`CreateContainerConfigError`):
//! `runAsNonRoot` refusals, and an environment reading several missing objects, of which the
//! kubelet names only the first.

mod common;

use std::time::Duration;

use common::realnode::{init_status, pod_on, wait_pod};
use common::{TestNs, explain_one, finding, real_node};

fn pod(name: &str, init: &str, volumes: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  initContainers:
  - {init}
  containers:
  - {{name: app, image: busybox:1.35, imagePullPolicy: Never, command: ['sleep', '3600']}}
  volumes: {volumes}
"#
    )
}

#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_init_containers_the_runtime_cannot_start_are_named() {
    let node = real_node();
    let ns = TestNs::new("rnstart").await;
    ns.create::<k8s_openapi::api::core::v1::ConfigMap>(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scripts}\ndata:\n  run.sh: \"#!/bin/sh\\necho hi\\n\"\n",
    )
    .await;
    // (pod, its init container, its volumes, words the finding must say)
    let cases: [(&str, &str, &str, &[&str]); 3] = [
        (
            "missing",
            "{name: setup, image: busybox:1.35, imagePullPolicy: Never, command: [nosuchprog, -c, x]}",
            "[]",
            &["`nosuchprog` is not in its image", "busybox:1.35"],
        ),
        (
            "mode",
            "{name: setup, image: busybox:1.35, imagePullPolicy: Never, command: [/scripts/run.sh], volumeMounts: [{name: s, mountPath: /scripts}]}",
            "[{name: s, configMap: {name: scripts}}]",
            &["mode 0644", "defaultMode: 0755", "volume s"],
        ),
        (
            "notdir",
            "{name: setup, image: busybox:1.35, imagePullPolicy: Never, command: [sh, -c, 'true'], volumeMounts: [{name: e, mountPath: /bin/busybox}]}",
            "[{name: e, emptyDir: {}}]",
            &["volume e at /bin/busybox", "has a file there"],
        ),
    ];
    for (name, init, volumes, _) in &cases {
        pod_on(&ns, node, &pod(name, init, volumes)).await;
    }
    for (name, _, _, words) in &cases {
        // The runtime's refusal, as the kubelet keeps it: the last termination StartError, 128.
        wait_pod(&ns, name, Duration::from_secs(90), "a StartError", |p| {
            init_status(p, "setup")["lastState"]["terminated"]["reason"] == "StartError"
        })
        .await;
        let explained = explain_one(&ns, name, &[]);
        let f = finding(&explained, "CrashLoop");
        let text = format!("{} {} {}", f["message"], f["hint"], f["evidence"]);
        for w in *words {
            assert!(text.contains(w), "{name}: {w:?} not in {f:#}");
        }
        assert!(
            !text.contains("an invalid argument to exit"),
            "{name}: the 128 is the runtime's: {f:#}"
        );
    }
}

/// Under `runAsNonRoot: true` the real kubelet refuses to create the container, with its own
/// message for an image whose user is root (busybox) and for a `runAsUser: 0`; explain gives
/// the fix of each, not "see the kubelet's message".
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_run_as_non_root_refusals_get_their_fix() {
    let node = real_node();
    let ns = TestNs::new("rnnonroot").await;
    let cases: [(&str, &str, &str, &[&str]); 2] = [
        (
            "rootimage",
            "{runAsNonRoot: true}",
            "{name: setup, image: busybox:1.35, imagePullPolicy: Never, command: ['true']}",
            &[
                "sets no runAsUser",
                "spec.initContainers[0].securityContext.runAsUser",
            ],
        ),
        (
            "rootuser",
            "{runAsNonRoot: true, runAsUser: 1000}",
            "{name: setup, image: busybox:1.35, imagePullPolicy: Never, command: ['true'], securityContext: {runAsUser: 0}}",
            &["runs as root", "securityContext.runAsNonRoot false"],
        ),
    ];
    for (name, pod_sc, init, _) in &cases {
        let yaml = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  securityContext: {pod_sc}\n  initContainers:\n  - {init}\n  containers:\n  - {{name: app, image: busybox:1.35, imagePullPolicy: Never, command: ['sleep', '3600'], securityContext: {{runAsUser: 1000}}}}\n"
        );
        pod_on(&ns, node, &yaml).await;
    }
    for (name, _, _, words) in &cases {
        wait_pod(
            &ns,
            name,
            Duration::from_secs(60),
            "the kubelet's refusal",
            |p| {
                init_status(p, "setup")["state"]["waiting"]["reason"]
                    == "CreateContainerConfigError"
            },
        )
        .await;
        let explained = explain_one(&ns, name, &[]);
        let f = finding(&explained, "ContainerConfigError");
        for w in *words {
            assert!(
                f["hint"].as_str().unwrap_or_default().contains(w),
                "{name}: {w:?} not in {f:#}"
            );
        }
    }
}

/// An init container whose environment reads a missing Secret (`envFrom`), a missing ConfigMap
/// and an existing Secret (`valueFrom`), and a missing optional Secret: the real kubelet names
/// only the first object it meets (`envFrom` first); explain names both missing ones, and
/// neither the existing nor the optional one.
#[tokio::test]
#[ignore = "needs the real node: `make test` runs it when the node is up"]
async fn real_node_every_missing_config_object_is_named() {
    let node = real_node();
    let ns = TestNs::new("rnconfig").await;
    ns.create::<k8s_openapi::api::core::v1::Secret>(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db-pass}\nstringData: {password: x}\n",
    )
    .await;
    let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: cfg}
spec:
  initContainers:
  - name: setup
    image: busybox:1.35
    imagePullPolicy: Never
    command: ['true']
    envFrom: [{secretRef: {name: all-secrets}}]
    env:
    - {name: DB_HOST, valueFrom: {configMapKeyRef: {name: app-config, key: DB_HOST}}}
    - {name: DB_PASS, valueFrom: {secretKeyRef: {name: db-pass, key: password}}}
    - {name: OPT, valueFrom: {secretKeyRef: {name: opt-secret, key: k, optional: true}}}
  containers:
  - {name: app, image: busybox:1.35, imagePullPolicy: Never, command: ['sleep', '3600']}
"#;
    pod_on(&ns, node, yaml).await;
    let p = wait_pod(
        &ns,
        "cfg",
        Duration::from_secs(60),
        "the kubelet's refusal",
        |p| init_status(p, "setup")["state"]["waiting"]["reason"] == "CreateContainerConfigError",
    )
    .await;
    assert_eq!(
        init_status(&p, "setup")["state"]["waiting"]["message"],
        "secret \"all-secrets\" not found",
        "the kubelet names the first object it meets"
    );
    let explained = explain_one(&ns, "cfg", &[]);
    let f = finding(&explained, "ConfigMissing");
    assert_eq!(
        f["message"],
        format!(
            "init container setup cannot be created: Secret \"all-secrets\" and ConfigMap \"app-config\" do not exist in namespace {}",
            ns.name
        ),
        "{f:#}"
    );
    let hint = f["hint"].as_str().unwrap_or_default();
    for w in [
        "kubectl create secret generic all-secrets",
        "kubectl create configmap app-config",
    ] {
        assert!(hint.contains(w), "{w:?} not in {f:#}");
    }
    let text = format!("{f}");
    assert!(!text.contains("opt-secret"), "an optional reference: {f:#}");
    assert!(
        !f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("db-pass"),
        "db-pass exists: {f:#}"
    );
}
