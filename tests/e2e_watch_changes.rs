//! End to end (fake node): what `explain --watch` prints when a row changes in the multi-pod
//! view. A finding that changes comes with its fix, as in the first print (the group of the new
//! finding, not the whole view again); a pod that went Ready (and so left the selection) and then
//! crashed is the pod seen before, and its row says what it was and what it is now.

mod common;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::credentials::waiting_pod;
use common::{TestNs, state};
use k8s_openapi::api::core::v1::Service;
use serde_json::json;

/// The lines up to the first holding every one of `needles` (within 20 s), and whether it came.
fn until_line(lines: &Receiver<(Instant, String)>, needles: &[&str]) -> (bool, Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok((_, line)) = lines.recv_timeout(left) else {
            break;
        };
        let hit = needles.iter().all(|n| line.contains(n));
        seen.push(line);
        if hit {
            return (true, seen);
        }
    }
    (false, seen)
}

/// The lines that come within `quiet` of each other, after those already read.
fn settle(lines: &Receiver<(Instant, String)>, quiet: Duration) -> Vec<String> {
    let mut seen = Vec::new();
    while let Ok((_, line)) = lines.recv_timeout(quiet) {
        seen.push(line);
    }
    seen
}

/// The group of `code` in `lines` (`[error] CODE …: 1 pod: …`), its message and its fix line.
fn group_with_fix<'a>(lines: &'a [String], code: &str) -> Option<(&'a str, &'a str)> {
    let at = lines
        .iter()
        .position(|l| l.starts_with(&format!("[error] {code} ")))?;
    let fix = lines[at + 1..]
        .iter()
        .take_while(|l| l.starts_with("    "))
        .find(|l| l.trim_start().starts_with("fix: "))?;
    Some((&lines[at], fix))
}

#[tokio::test]
async fn a_changed_finding_comes_with_its_fix_and_a_pod_back_from_ready_is_no_new_pod() {
    let ns = TestNs::new("watchchg").await;
    let db = format!("db-{}", common::random_suffix());
    // `api` waits on `db`; `stay` waits on a Service never made (the watch goes on).
    waiting_pod(&ns, &db).await;
    ns.pod(
        &"apiVersion: v1\nkind: Pod\nmetadata: {name: stay}\nspec:\n  initContainers:\n  - {name: wait, image: busybox:1.28, command: ['sh', '-c', 'until nc -w 1 nowhere-DB 80; do sleep 2; done']}\n  containers:\n  - {name: app, image: busybox:1.35, command: ['sleep', '3600']}\n"
            .replace("DB", &db),
    )
    .await;
    ns.set_status(
        "stay",
        json!({"phase": "Pending", "conditions": state::initializing_conditions(),
               "initContainerStatuses": [state::running("wait", "busybox:1.28", "2026-01-01T00:00:00Z")],
               "containerStatuses": [state::waiting("app", "busybox:1.35", "PodInitializing", "", 0)]}),
    )
    .await;
    let mut child = common::spawn_initdoctor(&["explain", "-n", &ns.name, "--watch"]);
    let lines = common::lines_of(&mut child);
    let (found, mut first) = until_line(&lines, &["[error] ServiceNotFound", "1 pod: stay"]);
    first.extend(settle(&lines, Duration::from_millis(1500)));
    assert!(found, "no first print: {first:#?}");
    assert!(
        group_with_fix(&first, "ServiceNotFound").is_some(),
        "the first print gives the fix: {first:#?}"
    );

    // The Service appears: `api`'s finding changes, and its new finding comes with its fix;
    // the finding `stay` still has is not printed again.
    ns.create::<Service>(
        &"apiVersion: v1\nkind: Service\nmetadata: {name: DB}\nspec: {selector: {app: DB}, ports: [{port: 5432}]}\n"
            .replace("DB", &db),
    )
    .await;
    let (found, mut change) =
        until_line(&lines, &[" api ", "ServiceNotFound → ServiceNoEndpoints"]);
    change.extend(settle(&lines, Duration::from_millis(1500)));
    assert!(found, "{change:#?}");
    let (group, fix) =
        group_with_fix(&change, "ServiceNoEndpoints").unwrap_or_else(|| panic!("{change:#?}"));
    assert!(group.ends_with(": 1 pod: api"), "{change:#?}");
    assert!(fix.len() > "    fix: ".len(), "{change:#?}");
    assert!(
        !change
            .iter()
            .any(|l| l.starts_with("[error] ServiceNotFound")),
        "only the new finding's group: {change:#?}"
    );

    // `api` is Ready: it leaves the selection.
    ns.set_ready("api", "10.244.0.9").await;
    let (found, ready) = until_line(&lines, &[" api ", "→ Ready"]);
    assert!(found, "{ready:#?}");

    // Then its app container crash-loops: it is selected again, as the pod seen before.
    ns.set_status(
        "api",
        json!({"phase": "Running",
               "conditions": [
                   {"type": "Initialized", "status": "True"},
                   {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
                   {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady"},
                   {"type": "PodScheduled", "status": "True"}],
               "initContainerStatuses": [state::completed("wait-db", "busybox:1.28")],
               "containerStatuses": [{
                   "name": "app", "image": "busybox:1.35", "imageID": "", "ready": false,
                   "restartCount": 4, "started": false,
                   "state": {"waiting": {"reason": "CrashLoopBackOff",
                             "message": "back-off 1m20s restarting failed container=app"}},
                   "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                 "startedAt": "2026-01-01T00:00:00Z",
                                 "finishedAt": "2026-01-01T00:00:03Z"}}}]}),
    )
    .await;
    let (found, mut crashed) = until_line(&lines, &[" api "]);
    crashed.extend(settle(&lines, Duration::from_millis(1500)));
    assert!(found, "{crashed:#?}");
    let row = crashed.iter().find(|l| l.contains(" api ")).unwrap();
    assert!(
        row.ends_with("was Ready, now CrashLoopBackOff"),
        "the pod seen before, and what changed: {crashed:#?}"
    );
    assert!(
        crashed
            .iter()
            .any(|l| l.starts_with("[error] ") && l.ends_with(": 1 pod: api"))
            && crashed.iter().any(|l| l.trim_start().starts_with("fix: ")),
        "the crash comes with its fix: {crashed:#?}"
    );
    let _ = child.kill();
    let _ = child.wait();
}
