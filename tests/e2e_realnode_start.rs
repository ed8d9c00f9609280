//! Init containers the runtime cannot start, on the real node (containerd and runc write the
//! statuses): a program the image lacks, a script from a ConfigMap whose files are not
//! executable (the volume's default mode, 0644), and a volume mounted where the image has a
//! file. explain names the cause from the pod, and does not read the runtime's exit code 128 as
//! the program's.

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
