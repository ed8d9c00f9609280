//! Other waits: dig and sleep, DNS policies, kubectl wait on Pods and Jobs, service links, and
//! the table section.
use super::*;
use serde_json::json;

#[test]
fn seed_dig_never_waits_and_plain_sleep() {
    let found = explain(
        pod_json(
            "w",
            json!([{"name": "w", "image": "tutum/dnsutils", "command": ["sh", "-c",
            "for i in {1..100}; do sleep 1; if dig myservice; then exit 0; fi; done; exit 1"]}]),
            json!({}),
        ),
        Objects::default(),
    );
    let f = one(&found, "CheckNeverWaits");
    assert!(
        f.message
            .contains("exits 0 even when the name does not exist")
    );
    assert_eq!(one(&found, "ServiceNotFound").severity, Severity::Info);
    assert!(
        f.evidence.iter().any(|e| e.contains("{1..N}")),
        "{:?}",
        f.evidence
    );
    let found = explain(
        pod_json(
            "w",
            json!([{"name": "w", "image": "busybox", "command": ["sleep", "60"]}]),
            json!({}),
        ),
        Objects::default(),
    );
    assert_eq!(
        one(&found, "TimedWait").message,
        "a timed wait: sleeps 60s, about 30s left (running for 30s)"
    );
}

#[test]
fn dns_policy_default_and_none() {
    let inits = json!([nslookup("init-service", "busybox:1.28", "testservice")]);
    let services = json!([service(
        "testservice",
        "shop",
        json!({"clusterIP": "10.96.0.9"})
    )]);
    let found = explain(
        pod_json("t", inits.clone(), json!({"dnsPolicy": "Default"})),
        Objects {
            services: services.clone(),
            ..Default::default()
        },
    );
    assert_eq!(codes(&found), ["DnsPolicyBypassesClusterDns"]);
    let found = explain(
        pod_json(
            "t",
            inits,
            json!({"dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.2.3.4"]}}),
        ),
        Objects {
            services,
            ..Default::default()
        },
    );
    let f = one(&found, "DnsPolicyBypassesClusterDns");
    assert!(f.message.contains("1.2.3.4"), "{}", f.message);
}

#[test]
fn kubectl_wait_pods_and_jobs() {
    let for_pods = "kubectl wait --for=condition=Ready pod -l app=db";
    let for_job = "kubectl wait --for=condition=complete job/migrate";
    let db_ready = json!([ready_pod("db-0", json!({"app": "db"}), json!([]))]);
    let migrating =
        json!([{"metadata": {"name": "migrate", "namespace": "shop"}, "status": {"active": 1}}]);
    // (command, pods, jobs, code, part of its message, what it resolved to, part of an evidence line)
    type Case<'a> = (
        &'a str,
        Value,
        Value,
        &'a str,
        &'a str,
        Option<ObjectRef>,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            for_pods,
            json!([]),
            json!([]),
            "WaitingOnPod",
            "no pod in namespace shop matches",
            None,
            "",
        ),
        (
            "kubectl wait --for=condition=Ready pod -l app=web",
            json!([]),
            json!([]),
            "WaitingOnPod",
            "this pod itself",
            None,
            "",
        ),
        (
            for_pods,
            db_ready,
            json!([]),
            "ResolvesButWaits",
            "",
            Some(ObjectRef::new("Pod", "shop", "db-0")),
            "ServiceAccount default",
        ),
        (
            for_job,
            json!([]),
            json!([]),
            "WaitingOnJob",
            "",
            Some(ObjectRef::new("Job", "shop", "migrate")),
            "",
        ),
        (
            for_job,
            json!([]),
            migrating,
            "WaitingOnJob",
            "1 active, 0 succeeded",
            None,
            "",
        ),
        // A name no Job can have: said, never looked up.
        (
            "kubectl wait --for=condition=complete job/hjob?watch=1",
            json!([]),
            json!([]),
            "WaitingOnJob",
            "its name \"hjob?watch=1\" is not a valid name, so no Job can have it",
            Some(ObjectRef::new("Job", "shop", "hjob?watch=1")),
            "",
        ),
        (
            "kubectl wait --for=condition=complete job/x -n Bad_NS",
            json!([]),
            json!([]),
            "WaitingOnJob",
            "its namespace \"Bad_NS\" is not a valid name, so no Job can have it",
            Some(ObjectRef::new("Job", "Bad_NS", "x")),
            "",
        ),
        // Workloads and Jobs picked by a selector are said, not looked up.
        (
            "kubectl rollout status deployment/api -n shop --timeout=60s",
            json!([]),
            json!([]),
            "WaitingOnRollout",
            "the rollout of deployment/api in namespace shop",
            Some(ObjectRef::new("Deployment", "shop", "api")),
            "",
        ),
        (
            "kubectl rollout status deployment/a;b -n shop",
            json!([]),
            json!([]),
            "WaitingOnRollout",
            "the rollout of deployment/a;b",
            None,
            "",
        ),
        (
            "wait_for.sh job -lapp=migrate",
            json!([]),
            json!([]),
            "WaitingOnJob",
            "every job matching app=migrate in namespace shop",
            None,
            "",
        ),
    ];
    for (command, pods, jobs, code, message, resolved, evidence) in cases {
        let args: Vec<&str> = command.split(' ').collect();
        let found = explain(
            pod_json(
                "web",
                json!([{"name": "wait", "image": "bitnami/kubectl", "command": args}]),
                json!({}),
            ),
            Objects {
                pods,
                jobs,
                ..Default::default()
            },
        );
        let f = one(&found, code);
        assert!(f.message.contains(message), "{command}: {}", f.message);
        if resolved.is_some() {
            assert_eq!(f.resolved, resolved, "{command}");
        }
        assert!(
            f.evidence.iter().any(|e| e.contains(evidence)),
            "{command}: {:?}",
            f.evidence
        );
        // A workload whose name is no name: said, never put in a command line or the JSON.
        if command.contains("a;b") {
            assert_eq!(
                (f.resolved.clone(), f.hint.as_str()),
                (None, ""),
                "{command}"
            );
        }
    }
}

#[test]
fn service_links_and_not_understood() {
    let found = explain(
        pod_json(
            "reg",
            json!([{"name": "register", "image": "curlimages/curl", "command": ["sh", "-c",
            "curl -X POST http://$MANAGEMENT_SERVICE_HOST:$MANAGEMENT_SERVICE_PORT/register -d 'instance=$(<POD_NAME>)&ip=$(<POD_IP>)'"]}]),
            json!({}),
        ),
        Objects::default(),
    );
    // A single POST, not a loop: it fails when the Service is missing.
    let f = one(&found, "CheckWillFail");
    assert!(f.evidence.contains(&"cause: ServiceNotFound".to_string()));
    assert_eq!(f.target.as_deref(), Some("$MANAGEMENT_SERVICE_HOST"));
    assert_eq!(
        f.resolved,
        Some(ObjectRef::new("Service", "shop", "management"))
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("existed when the container started"))
    );
    let found = explain(
        pod_json(
            "m",
            json!([{"name": "db-migration", "image": "myapp:latest", "command": ["python", "manage.py", "migrate"]}]),
            json!({}),
        ),
        Objects::default(),
    );
    let f = one(&found, "WaitNotUnderstood");
    assert!(f.message.contains("`python manage.py migrate`"));
    assert_eq!(f.target, None);
}

#[test]
fn a_missing_service_manifest_uses_the_awaited_port_and_the_backing_containerport() {
    // `nc db 5432`, and a pod labelled app=db listening on 6543: port 5432, targetPort 6543.
    let backing = json!([{"metadata": {"name": "db-0", "namespace": "shop", "labels": {"app": "db"}},
        "spec": {"containers": [{"name": "pg", "image": "postgres",
                                 "ports": [{"containerPort": 6543}]}]}}]);
    let nc = json!([{"name": "wait-db", "image": "busybox:1.28",
        "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]}]);
    let found = explain(
        pod_json("web", nc.clone(), json!({})),
        Objects {
            pods: backing,
            ..Default::default()
        },
    );
    let f = one(&found, "ServiceNotFound");
    assert!(
        f.hint
            .contains("  selector:\n    app: db\n  ports:\n  - port: 5432\n    targetPort: 6543"),
        "{}",
        f.hint
    );
    // No backing pod known: the awaited port, and a comment where the target port goes.
    let found = explain(pod_json("web", nc, json!({})), Objects::default());
    let f = one(&found, "ServiceNotFound");
    assert!(
        f.hint.contains(
            "  - port: 5432\n    targetPort: 5432   # the containerPort the pods listen on"
        ),
        "{}",
        f.hint
    );
}

/// ylonkar/pod-dependency-init-container waits until one pod matching POD_LABELS is Running in
/// KUBE_NAMESPACE (yogeshlonkar/pod-dependency-init-container src/lib/k8s.js, src/index.js).
#[test]
fn pod_dependency_waits_for_one_running_pod() {
    let pod = |name: &str, phase: &str| {
        json!({"metadata": {"name": name, "namespace": "shop", "labels": {"app": "mongodb"}},
               "spec": {"containers": [{"name": "db", "image": "mongo"}]},
               "status": {"phase": phase}})
    };
    let init = json!([{"name": "pod-dependency",
        "image": "ylonkar/pod-dependency-init-container:1.0",
        "env": [{"name": "POD_LABELS", "value": "app=mongodb"},
                {"name": "KUBE_NAMESPACE",
                 "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}]}]);
    // (pods, code, part of its message)
    let cases = [
        (
            json!([pod("mongodb-0", "Pending")]),
            "WaitingOnPod",
            "1 of 1 pods matching app=mongodb do not meet phase=Running",
        ),
        (
            json!([pod("mongodb-0", "Pending"), pod("mongodb-1", "Running")]),
            "ResolvesButWaits",
            "1 of 2 pods matching app=mongodb meet phase=Running",
        ),
        (
            json!([]),
            "WaitingOnPod",
            "no pod in namespace shop matches",
        ),
    ];
    for (pods, code, message) in cases {
        let found = explain(
            pod_json("web", init.clone(), json!({})),
            Objects {
                pods,
                ..Default::default()
            },
        );
        let f = one(&found, code);
        assert!(f.message.contains(message), "{}", f.message);
    }
    // Without KUBE_NAMESPACE the namespace it lists is not known: said, not guessed.
    let init = json!([{"name": "pod-dependency",
        "image": "ylonkar/pod-dependency-init-container:1.0",
        "env": [{"name": "POD_LABELS", "value": "app=mongodb"}]}]);
    let found = explain(pod_json("web", init, json!({})), Objects::default());
    assert!(
        one(&found, "WaitNotUnderstood")
            .message
            .contains("KUBE_NAMESPACE"),
        "{found:?}"
    );
}

#[test]
fn a_localhost_wait_behind_a_native_sidecar() {
    let wait = json!({"name": "wait", "image": "busybox",
        "command": ["sh", "-c", "until nc -w 1 127.0.0.1 15000 </dev/null; do sleep 1; done"]});
    let sidecar = |ports: Value| {
        json!({"name": "proxy", "image": "busybox", "restartPolicy": "Always",
               "command": ["sh", "-c", "nc -l -p 15000 -e cat"], "ports": ports})
    };
    let plain = json!({"name": "proxy", "image": "busybox", "command": ["true"]});
    // (case, init containers, code, severity, words of the message)
    let cases = [
        (
            "no sidecar: nothing listens",
            json!([plain, wait.clone()]),
            "WaitsOnLocalhost",
            Severity::Error,
            "no app container runs before the init containers finish",
        ),
        (
            "a sidecar declaring the port",
            json!([sidecar(json!([{"containerPort": 15000}])), wait.clone()]),
            "ResolvesButWaits",
            Severity::Warning,
            "the native sidecar proxy runs before this container and may serve it",
        ),
        (
            "a sidecar declaring no ports may listen on any",
            json!([sidecar(json!(null)), wait.clone()]),
            "ResolvesButWaits",
            Severity::Warning,
            "may serve it (it declares no ports, so whether it listens there is not known here)",
        ),
        (
            "a sidecar declaring only other ports",
            json!([sidecar(json!([{"containerPort": 15090}])), wait.clone()]),
            "WaitsOnLocalhost",
            Severity::Warning,
            "only the native sidecar proxy runs before this container, and it does not declare that port (it declares 15090)",
        ),
        (
            "a sidecar declared after the wait serves nothing yet",
            json!([wait.clone(), sidecar(json!(null))]),
            "WaitsOnLocalhost",
            Severity::Error,
            "no app container runs before the init containers finish",
        ),
    ];
    for (case, inits, code, severity, words) in cases {
        let sidecar_at: Vec<bool> = inits
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["restartPolicy"] == "Always")
            .collect();
        let mut pod = pod_json("p", inits, json!({}));
        // The wait runs: the sidecar before it (if any) has started.
        let statuses = pod["status"]["initContainerStatuses"]
            .as_array_mut()
            .unwrap();
        let at = statuses.iter().position(|s| s["name"] == "wait").unwrap();
        for (i, s) in statuses.iter_mut().enumerate() {
            s["state"] = if i == at || (i < at && sidecar_at[i]) {
                json!({"running": {"startedAt": "2026-01-01T00:09:30Z"}})
            } else if i < at {
                json!({"terminated": {"exitCode": 0, "reason": "Completed"}})
            } else {
                json!({"waiting": {"reason": "PodInitializing"}})
            };
            s["started"] = json!(i <= at);
        }
        let found = explain(pod, Objects::default());
        let f = found
            .iter()
            .find(|f| f.container.as_deref() == Some("wait"))
            .unwrap_or_else(|| panic!("{case}: no finding for wait in {found:#?}"));
        assert_eq!(
            (f.code.as_str(), f.severity),
            (code, severity),
            "{case}: {f:#?}"
        );
        assert!(f.message.contains(words), "{case}: {}", f.message);
    }
}
