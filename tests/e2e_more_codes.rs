//! End to end on the real control plane: the finding codes of `explain` that had unit tests
//! only — `ExternalNameService`, `PingClusterIp`, `WaitsOnLocalhost`, `TargetUnknown` (part 2)
//! and `ContainerConfigError` (part 1) — and a pull refused for a Docker Hub official image
//! that does not exist. Each situation is created as a cluster would show it, then the real
//! binary is run and its JSON and table are checked.

mod common;

use common::{TestNs, evidence_has, explain_table, finding, state};
use k8s_openapi::api::core::v1::{Secret, Service};
use serde_json::json;

/// A pod with one init container `wait` running `script` (and `extra` YAML under it), one app
/// container; the init container runs, as the kubelet would report.
async fn waiting_pod(ns: &TestNs, script: &str, extra: &str, ip: &str) {
    ns.pod(&format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: app}}
spec:
  initContainers:
  - name: wait
    image: busybox:1.28
    command: ['sh', '-c', '{script}']
{extra}
  containers: [{{name: app, image: app}}]
"#
    ))
    .await;
    ns.set_initializing("app", ip).await;
}

#[tokio::test]
async fn external_name_service_names_the_external_host() {
    let ns = TestNs::new("m-extname").await;
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: legacy-db}\nspec:\n  type: ExternalName\n  externalName: db.example.com\n",
    )
    .await;
    waiting_pod(
        &ns,
        "until nslookup legacy-db; do echo waiting; sleep 2; done",
        "",
        "10.244.20.10",
    )
    .await;

    let pod = common::explain_one(&ns, "app", &[]);
    let f = finding(&pod, "ExternalNameService");
    assert_eq!(f["severity"], "info");
    assert_eq!(f["container"], "wait");
    assert_eq!(f["target"], "legacy-db");
    assert_eq!(
        f["message"],
        format!(
            "Service {}/legacy-db is an ExternalName for `db.example.com`: the name resolves to that external host, which is not checked",
            ns.name
        )
    );
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("nslookup db.example.com"),
        "{f:#}"
    );

    let table = explain_table(&ns, "app");
    assert!(table.contains("  wait → legacy-db\n"), "{table}");
    assert!(
        table.contains(&format!(
            "    [info] ExternalNameService: Service {}/legacy-db is an ExternalName for `db.example.com`",
            ns.name
        )),
        "{table}"
    );
}

#[tokio::test]
async fn ping_of_a_cluster_ip_never_answers() {
    let ns = TestNs::new("m-ping").await;
    ns.create::<Service>(
        "apiVersion: v1\nkind: Service\nmetadata: {name: myservice}\nspec:\n  ports: [{port: 80, targetPort: 8080}]\n",
    )
    .await;
    waiting_pod(
        &ns,
        "until ping -c 1 myservice; do echo waiting; sleep 2; done",
        "",
        "10.244.21.10",
    )
    .await;

    let pod = common::explain_one(&ns, "app", &[]);
    let f = finding(&pod, "PingClusterIp");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["container"], "wait");
    assert_eq!(f["target"], "myservice");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("pings a ClusterIP, which is virtual"),
        "{f:#}"
    );
    assert!(
        evidence_has(f, &format!("chain: Service {}/myservice", ns.name)),
        "{f:#}"
    );
    assert_eq!(
        f["hint"],
        "check the service port instead: `nc -z myservice PORT` or `nslookup myservice`"
    );

    let table = explain_table(&ns, "app");
    assert!(table.contains("  wait → myservice\n"), "{table}");
    assert!(
        table.contains("    [warning] PingClusterIp: `ping -c 1 myservice` pings a ClusterIP"),
        "{table}"
    );
}

#[tokio::test]
async fn waits_on_localhost_before_the_app_starts() {
    let ns = TestNs::new("m-local").await;
    waiting_pod(
        &ns,
        "until nc -z localhost 8080; do echo waiting; sleep 2; done",
        "",
        "10.244.22.10",
    )
    .await;

    let pod = common::explain_one(&ns, "app", &[]);
    let f = finding(&pod, "WaitsOnLocalhost");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["container"], "wait");
    assert_eq!(f["target"], "localhost");
    assert_eq!(
        f["message"],
        "`localhost` (port 8080) is this pod itself: no app container runs before the init containers finish, so nothing listens there"
    );
    assert!(
        f["hint"].as_str().unwrap().contains("native sidecar"),
        "{f:#}"
    );
    assert_eq!(
        f["resolved"],
        json!({"kind": "Pod", "namespace": ns.name, "name": "app"})
    );

    let table = explain_table(&ns, "app");
    assert!(table.contains("  wait → localhost\n"), "{table}");
    assert!(
        table.contains("    [error] WaitsOnLocalhost: `localhost` (port 8080) is this pod itself"),
        "{table}"
    );
}

#[tokio::test]
async fn target_unknown_when_the_host_comes_from_a_secret() {
    let ns = TestNs::new("m-secret").await;
    ns.create::<Secret>(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db-secret}\nstringData: {host: postgres}\n",
    )
    .await;
    waiting_pod(
        &ns,
        "until nc -z $(DB_HOST) 5432; do echo waiting; sleep 2; done",
        "    env:\n    - name: DB_HOST\n      valueFrom: {secretKeyRef: {name: db-secret, key: host}}",
        "10.244.23.10",
    )
    .await;

    let pod = common::explain_one(&ns, "app", &[]);
    let f = finding(&pod, "TargetUnknown");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["container"], "wait");
    assert_eq!(f["target"], "$(DB_HOST)");
    assert_eq!(
        f["message"],
        "cannot tell what `$(DB_HOST)` is, so it is not checked"
    );
    assert!(
        evidence_has(
            f,
            "DB_HOST comes from Secret db-secret (key host); its value is not read"
        ),
        "{f:#}"
    );
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains(&format!("kubectl get secret db-secret -n {}", ns.name)),
        "{f:#}"
    );

    let table = explain_table(&ns, "app");
    assert!(table.contains("  wait → $(DB_HOST)\n"), "{table}");
    assert!(
        table.contains("    [warning] TargetUnknown: cannot tell what `$(DB_HOST)` is"),
        "{table}"
    );
}

#[tokio::test]
async fn container_config_error_run_as_non_root() {
    let ns = TestNs::new("m-nonroot").await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: nonroot}
spec:
  securityContext: {runAsNonRoot: true}
  initContainers:
  - name: init-setup
    image: busybox:1.28
    command: ['sh', '-c', 'echo setting up']
  containers: [{name: app, image: busybox:1.28}]
"#,
    )
    .await;
    let message = format!(
        "container has runAsNonRoot and image will run as root (pod: \"nonroot_{}(0b7f7a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b)\", container: init-setup)",
        ns.name
    );
    ns.set_status(
        "nonroot",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::waiting("init-setup", "busybox:1.28",
                   "CreateContainerConfigError", &message, 0)],
               "containerStatuses": [state::waiting("app", "busybox:1.28", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.container_event(
        "nonroot",
        "spec.initContainers{init-setup}",
        "Warning",
        "Failed",
        &format!("Error: {message}"),
        3,
    )
    .await;

    let pod = common::explain_one(&ns, "nonroot", &[]);
    assert_eq!(pod["status"], "Init:CreateContainerConfigError");
    assert!(
        pod["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] != "ConfigMissing"),
        "{pod:#}"
    );
    let f = finding(&pod, "ContainerConfigError");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["container"], "init-setup");
    assert_eq!(
        f["message"],
        format!(
            "init container init-setup cannot be created (CreateContainerConfigError): {message}"
        )
    );
    assert!(
        evidence_has(
            f,
            "Failed (x3, kubelet): Error: container has runAsNonRoot and image will run as root"
        ),
        "{f:#}"
    );
    // The refusal's own fix: no runAsUser, so the image's root user runs it.
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("sets no runAsUser, so it runs as its image's user, root, while")
            && f["hint"]
                .as_str()
                .unwrap()
                .contains("spec.initContainers[0].securityContext.runAsUser"),
        "{f:#}"
    );

    let table = explain_table(&ns, "nonroot");
    assert!(
        table.contains(
            "[error] ContainerConfigError (init-setup): init container init-setup cannot be created (CreateContainerConfigError): container has runAsNonRoot and image will run as root"
        ),
        "{table}"
    );
}

/// CrashLoop between two crashes, with the statuses the real kubelet wrote on the real node
/// (`tests/e2e_realnode.rs`): the restarted instance running, the last exit in `lastState`, the
/// kubelet's BackOff event. Without that event the same status is a restart, not a loop.
#[tokio::test]
async fn crash_loop_between_two_crashes() {
    for backoff in [true, false] {
        let ns = TestNs::new("m-between").await;
        ns.pod(
            r#"
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  initContainers:
  - {name: migrate, image: busybox:1.35, command: ['sh', '-c', 'echo "migration failed"; exit 3']}
  containers: [{name: app, image: busybox:1.35}]
"#,
        )
        .await;
        let mut migrate = state::running("migrate", "busybox:1.35", "2026-01-01T00:00:20Z");
        migrate["restartCount"] = json!(2);
        migrate["lastState"] = json!({"terminated": {"exitCode": 3, "reason": "Error",
            "startedAt": "2026-01-01T00:00:10Z", "finishedAt": "2026-01-01T00:00:10Z"}});
        ns.set_status(
            "crasher",
            json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                   "initContainerStatuses": [migrate],
                   "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
        )
        .await;
        ns.write_log("crasher", "migrate", "migration failed\n", true);
        if backoff {
            ns.container_event(
                "crasher",
                "spec.initContainers{migrate}",
                "Warning",
                "BackOff",
                "Back-off restarting failed container migrate in pod crasher",
                2,
            )
            .await;
        }
        let pod = common::explain_one(&ns, "crasher", &[]);
        assert_eq!(pod["status"], "Init:0/1", "{pod:#}");
        let looping = pod["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "CrashLoop");
        assert_eq!(looping, backoff, "BackOff event: {backoff}; {pod:#}");
        if backoff {
            let f = finding(&pod, "CrashLoop");
            assert!(
                f["message"].as_str().unwrap().contains("exits 3 (Error)"),
                "{f:#}"
            );
            assert!(common::evidence_has(f, "migration failed"), "{f:#}");
        }
    }
}

/// A root chown refused on an NFS volume (the share squashes root), as the kubelet reports the
/// crash loop: `InitPermissionDenied` says the spec gives chown what it needs and names the
/// volume and its storage, not a securityContext field to change.
#[tokio::test]
async fn a_root_chown_refused_by_the_storage_names_the_volume() {
    let ns = TestNs::new("m-squash").await;
    ns.pod(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  initContainers:
  - name: volume-permissions
    image: busybox:1.35
    command: ['chown', '-R', '1001:1001', '/data']
    securityContext: {runAsUser: 0}
    volumeMounts: [{name: data, mountPath: /data}]
  containers: [{name: db, image: busybox:1.35}]
  volumes: [{name: data, nfs: {server: 10.0.0.20, path: /exports/db}}]
"#,
    )
    .await;
    let mut init = state::waiting(
        "volume-permissions",
        "busybox:1.35",
        "CrashLoopBackOff",
        "back-off",
        4,
    );
    init["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
        "startedAt": "2026-01-01T00:00:10Z", "finishedAt": "2026-01-01T00:00:10Z"}});
    ns.set_status(
        "db",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [init],
               "containerStatuses": [state::waiting("db", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
    ns.write_log(
        "db",
        "volume-permissions",
        "chown: changing ownership of '/data': Operation not permitted\n",
        true,
    );
    let pod = common::explain_one(&ns, "db", &[]);
    let f = finding(&pod, "InitPermissionDenied");
    let message = f["message"].as_str().unwrap_or("");
    assert!(
        message.contains("the volume \"data\" (an NFS volume)"),
        "{f:#}"
    );
    assert!(message.contains("it runs as root"), "{f:#}");
    let hint = f["hint"].as_str().unwrap_or("");
    assert!(
        hint.contains("root squash") && hint.contains("fsGroup"),
        "{f:#}"
    );
    assert!(!hint.contains("runAsUser"), "{f:#}");
    assert!(evidence_has(f, "Operation not permitted"), "{f:#}");
}

/// containerd's refusal of a repository that does not exist or is private (`REF` the reference).
const CONTAINERD_DENIED: &str = "failed to pull and unpack image \"REF\": failed to resolve reference \"REF\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed";

/// Docker Hub's answer for the same, as containerd passes it on.
const HUB_DENIED: &str =
    "reading manifest 2.11.9 in REF: requested access to the resource is denied";

/// A pull refused with "repository does not exist or may require authorization" (containerd's
/// words, which do not say which): for a Docker Hub official image (no organisation, here a
/// kustomize base's placeholder `controller:latest`) the repository does not exist, as that
/// namespace holds only public images, so no credentials are suggested; the same words, or
/// Docker Hub's "requested access to the resource is denied", for an organisation's image still
/// leave both causes open.
#[tokio::test]
async fn a_refused_official_image_does_not_exist() {
    for (image, official, error) in [
        ("controller:latest", true, CONTAINERD_DENIED),
        ("example-org/controller:latest", false, CONTAINERD_DENIED),
        ("docker.io/vectorim/op:2.11.9", false, HUB_DENIED),
    ] {
        let ns = TestNs::new("m-official").await;
        ns.pod(&format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: manager}}
spec:
  initContainers: [{{name: setup, image: "{image}"}}]
  containers: [{{name: app, image: busybox:1.35}}]
"#
        ))
        .await;
        ns.set_status(
            "manager",
            json!({"phase": "Pending", "conditions": state::initializing_conditions(),
                   "initContainerStatuses": [state::waiting("setup", image, "ImagePullBackOff",
                       &format!("Back-off pulling image \"{image}\""), 0)],
                   "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
        )
        .await;
        let reference = match image.strip_prefix("docker.io/") {
            Some(_) => image.to_string(),
            None if official => format!("docker.io/library/{image}"),
            None => format!("docker.io/{image}"),
        };
        ns.container_event(
            "manager",
            "spec.initContainers{setup}",
            "Warning",
            "Failed",
            &format!(
                "Failed to pull image \"{image}\": rpc error: code = Unknown desc = {}",
                error.replace("REF", &reference)
            ),
            4,
        )
        .await;
        let pod = common::explain_one(&ns, "manager", &[]);
        let f = finding(&pod, "ImagePullFailed");
        let (message, hint) = (
            f["message"].as_str().unwrap_or_default(),
            f["hint"].as_str().unwrap_or_default(),
        );
        if official {
            assert!(
                message.contains("names a Docker Hub official image (library/), and those are all public, so the repository does not exist"),
                "{f:#}"
            );
            assert!(!hint.contains("imagePullSecret"), "{f:#}");
            assert!(hint.contains("spec.initContainers[0].image"), "{f:#}");
        } else {
            assert!(message.contains("or it is private"), "{f:#}");
            assert!(hint.contains("imagePullSecrets"), "{f:#}");
        }
    }
}
