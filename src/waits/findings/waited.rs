//! Pods, Jobs and workloads waited on: `kubectl wait`, `kubectl rollout status` and k8s-wait-for
//! (`WaitingOnPod`, `WaitingOnJob`, `WaitingOnRollout`).

use super::Walk;

use k8s_openapi::api::core::v1::Pod;

use super::backing::{follow, pod_state};
use super::{MAX_PODS_SHOWN, logs_hint, new, pod_name};
use crate::command::{Check, Tool};
use crate::finding::{Finding, Severity};
use crate::waits::ObjectRef;
use crate::waits::resolve::{self, World};

/// `kubectl wait … pod` / k8s-wait-for `pod -l…`.
pub(super) fn pods_wait(
    w: Walk,
    check: &Check,
    namespace: Option<&str>,
    selector: Option<&str>,
    names: &[String],
    condition: &str,
) -> Vec<Finding> {
    let Walk { world, ext, .. } = w;
    let ns = namespace.unwrap_or(world.namespace);
    let what = match selector {
        Some(s) => format!("pods matching {s}"),
        None => format!("pod {}", names.join(", ")),
    };
    let Some(objects) = world.objects else {
        return Vec::new();
    };
    let Some(pods) = world.pods(ns) else {
        let mut f = new(
            "WaitingOnPod",
            Severity::Info,
            ext,
            check,
            format!("waits for {what} in namespace {ns}: pods there are not listed, not checked"),
        );
        f.hint = format!("`kubectl get pods -n {ns}`");
        return vec![f];
    };
    if let Some(problem) = objects.problems.iter().find(|p| p.contains("list pods")) {
        let mut f = new(
            "TargetUnknown",
            Severity::Warning,
            ext,
            check,
            format!("could not check {what}"),
        );
        f.evidence.push(problem.clone());
        return vec![f];
    }
    let parsed = selector.map(resolve::Selector::parse);
    if let Some(None) = parsed {
        let mut f = new(
            "TargetUnknown",
            Severity::Warning,
            ext,
            check,
            format!(
                "the selector `{}` is not understood",
                selector.unwrap_or("")
            ),
        );
        f.hint = logs_hint(world, ext);
        return vec![f];
    }
    let matched: Vec<&Pod> = pods
        .iter()
        .filter(|p| match &parsed {
            Some(Some(sel)) => sel.matches(p.metadata.labels.as_ref()),
            _ => p.metadata.name.as_ref().is_some_and(|n| names.contains(n)),
        })
        .collect();
    let me = pod_name(world).to_string();
    let resolved = match matched.as_slice() {
        [one] => Some(ObjectRef::new(
            "Pod",
            ns,
            one.metadata.name.as_deref().unwrap_or(""),
        )),
        _ => None,
    };
    let f = |code: &str, severity: Severity, message: String| {
        let mut f = new(code, severity, ext, check, message);
        f.resolved = resolved.clone();
        f
    };
    let waits_for_delete = condition == "delete";
    if !waits_for_delete
        && ns == world.namespace
        && matched
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some(me.as_str()))
    {
        let mut x = f(
            "WaitingOnPod",
            Severity::Error,
            format!(
                "it waits for {what}, which includes this pod itself: it cannot be Ready before its init containers finish, so it waits forever"
            ),
        );
        x.hint = "narrow the selector so it matches only the pods of the dependency".into();
        return vec![x];
    }
    if matched.is_empty() {
        if waits_for_delete {
            let mut x = f(
                "ResolvesButWaits",
                Severity::Warning,
                format!(
                    "no {what} remains in namespace {ns}, so the wait for deletion should be over"
                ),
            );
            x.hint = logs_hint(world, ext);
            return vec![x];
        }
        let mut x = f(
            "WaitingOnPod",
            Severity::Error,
            format!("no pod in namespace {ns} matches: it waits for {what}"),
        );
        if check.tool == Tool::KubectlWait {
            x.evidence.push("`kubectl wait` with a selector that matches nothing fails at once (error: no matching resources found), so the container restarts with back-off".into());
        }
        if let Some(Some(_)) = &parsed
            && let Some(sel) = selector
        {
            let as_map = resolve::selector_pairs(sel);
            for (pod, labels) in resolve::closest_label_sets(&as_map, pods, 3) {
                x.evidence
                    .push(format!("closest: pod {pod} has labels {labels}"));
            }
        }
        x.hint = format!(
            "create the pods it waits for, or fix the selector (`kubectl get pods -n {ns} --show-labels`)"
        );
        return vec![x];
    }
    if waits_for_delete {
        let mut x = f(
            "WaitingOnPod",
            Severity::Warning,
            format!(
                "it waits for {} pod(s) to be deleted: {}",
                matched.len(),
                pod_list(&matched)
            ),
        );
        x.hint = format!("`kubectl get pods -n {ns}`");
        return vec![x];
    }
    let condition_type = condition.strip_prefix("condition=").unwrap_or(condition);
    let condition_type = condition_type.split('=').next().unwrap_or("Ready");
    // `phase=P (any one)` (pod-dependency-init-container): one matching pod in phase P is enough.
    let phase = condition
        .strip_prefix("phase=")
        .and_then(|p| p.split_whitespace().next());
    let meets = |p: &Pod| match phase {
        Some(phase) => p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some(phase),
        None => pod_condition(p, condition_type),
    };
    let not_ready: Vec<&Pod> = matched.iter().copied().filter(|p| !meets(p)).collect();
    let any_one = condition.ends_with("(any one)") && not_ready.len() < matched.len();
    if not_ready.is_empty() || any_one {
        let sa = service_account(world);
        let mut x = f(
            "ResolvesButWaits",
            Severity::Warning,
            if not_ready.is_empty() {
                format!(
                    "all {} {what} meet {condition}, so the wait should be over",
                    matched.len()
                )
            } else {
                format!(
                    "{} of {} {what} meet {condition}, so the wait should be over",
                    matched.len() - not_ready.len(),
                    matched.len()
                )
            },
        );
        x.evidence.push(format!("pods: {}", pod_list(&matched)));
        x.evidence.push(format!("the check runs with ServiceAccount {sa}: without RBAC get/list/watch on pods in {ns} it fails with Forbidden"));
        x.hint = format!(
            "{}; grant it: `kubectl create role pod-reader --verb=get,list,watch --resource=pods -n {ns}` and a rolebinding for {sa}",
            logs_hint(world, ext)
        );
        return vec![x];
    }
    let mut x = f(
        "WaitingOnPod",
        Severity::Error,
        format!(
            "{} of {} {what} do not meet {condition}: {}",
            not_ready.len(),
            matched.len(),
            pod_list(&not_ready)
        ),
    );
    x.evidence.push(format!(
        "chain: {}",
        not_ready
            .iter()
            .take(MAX_PODS_SHOWN)
            .map(|p| format!(
                "Pod {ns}/{} ({})",
                p.metadata.name.as_deref().unwrap_or(""),
                pod_state(p)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for p in not_ready.iter().take(MAX_PODS_SHOWN) {
        x.evidence.extend(follow(w, p));
    }
    let first = not_ready[0].metadata.name.clone().unwrap_or_default();
    x.hint =
        format!("find out why {first} is not ready: `kubectl initdoctor explain {first} -n {ns}`");
    vec![x]
}

pub(super) fn pod_condition(pod: &Pod, type_: &str) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_.eq_ignore_ascii_case(type_) && c.status == "True")
        })
}

pub(super) fn pod_list(pods: &[&Pod]) -> String {
    let mut shown: Vec<String> = pods
        .iter()
        .take(MAX_PODS_SHOWN)
        .map(|p| {
            format!(
                "{} ({})",
                p.metadata.name.as_deref().unwrap_or(""),
                pod_state(p)
            )
        })
        .collect();
    if pods.len() > MAX_PODS_SHOWN {
        shown.push(format!("and {} more", pods.len() - MAX_PODS_SHOWN));
    }
    shown.join(", ")
}

/// `kubectl wait … job/x` / k8s-wait-for `job x`.
pub(super) fn job_wait(
    w: Walk,
    check: &Check,
    namespace: Option<&str>,
    name: &str,
) -> Vec<Finding> {
    let Walk { world, ext, .. } = w;
    let ns = namespace.unwrap_or(world.namespace);
    let Some(objects) = world.objects else {
        return Vec::new();
    };
    let resolved = Some(ObjectRef::new("Job", ns, name));
    let f = |code: &str, severity: Severity, message: String| {
        let mut f = new(code, severity, ext, check, message);
        f.resolved = resolved.clone();
        f
    };
    let job = objects.jobs.iter().find(|j| {
        j.metadata.name.as_deref() == Some(name)
            && j.metadata.namespace.as_deref().unwrap_or(world.namespace) == ns
    });
    let Some(job) = job else {
        if let Some(problem) = objects.problems.iter().find(|p| p.contains("jobs")) {
            let mut x = f(
                "TargetUnknown",
                Severity::Warning,
                format!("could not check Job {ns}/{name}"),
            );
            x.evidence.push(problem.clone());
            return vec![x];
        }
        // A name no Job can have (nothing was asked: cluster/waits.rs).
        let invalid = [("name", name, crate::validate::object_name_in_path(name))]
            .into_iter()
            .chain([("namespace", ns, crate::validate::namespace_in_path(ns))])
            .find(|(_, _, valid)| !valid);
        if let Some((what, bad, _)) = invalid {
            let mut x = f(
                "WaitingOnJob",
                Severity::Error,
                format!(
                    "Job {ns}/{name}: its {what} {bad:?} is not a valid name, so no Job can have it and the wait never ends"
                ),
            );
            x.hint = format!(
                "fix the Job's {what} in the command: lowercase letters, digits and '-' ('.' too in a name)"
            );
            return vec![x];
        }
        let mut x = f(
            "WaitingOnJob",
            Severity::Error,
            format!("no Job {name} in namespace {ns}: it waits for a Job that does not exist"),
        );
        x.hint = format!("create the Job (or fix its name): `kubectl get jobs -n {ns}`");
        return vec![x];
    };
    let status = job.status.as_ref();
    let cond = |t: &str| {
        status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == t && c.status == "True"))
    };
    if cond("Complete").is_some() {
        let sa = service_account(world);
        let mut x = f(
            "ResolvesButWaits",
            Severity::Warning,
            format!("Job {ns}/{name} is complete, so the wait should be over"),
        );
        x.evidence.push(format!("the check runs with ServiceAccount {sa}: without RBAC get/list/watch on jobs in {ns} it fails with Forbidden"));
        x.hint = logs_hint(world, ext);
        return vec![x];
    }
    if let Some(failed) = cond("Failed") {
        let mut x = f(
            "WaitingOnJob",
            Severity::Error,
            format!(
                "Job {ns}/{name} failed ({}): it will never complete",
                failed.reason.clone().unwrap_or_else(|| "Failed".into())
            ),
        );
        if let Some(m) = &failed.message {
            x.evidence.push(m.clone());
        }
        x.hint = format!(
            "read its logs: `kubectl logs job/{name} -n {ns}`, fix it and recreate the Job"
        );
        return vec![x];
    }
    let count = |v: Option<i32>| v.unwrap_or(0);
    let mut x = f(
        "WaitingOnJob",
        Severity::Error,
        format!(
            "Job {ns}/{name} has not completed: {} active, {} succeeded, {} failed",
            count(status.and_then(|s| s.active)),
            count(status.and_then(|s| s.succeeded)),
            count(status.and_then(|s| s.failed))
        ),
    );
    if let Some(pods) = world.pods(ns) {
        let job_pods: Vec<&Pod> = pods
            .iter()
            .filter(|p| {
                p.metadata.labels.as_ref().is_some_and(|l| {
                    l.get("batch.kubernetes.io/job-name")
                        .or_else(|| l.get("job-name"))
                        .map(String::as_str)
                        == Some(name)
                })
            })
            .collect();
        if !job_pods.is_empty() {
            x.evidence.push(format!(
                "chain: Job {ns}/{name} → Pods {}",
                pod_list(&job_pods)
            ));
        }
        for p in job_pods
            .iter()
            .filter(|p| !resolve::pod_terminal(p))
            .take(MAX_PODS_SHOWN)
        {
            x.evidence.extend(follow(w, p));
        }
    }
    x.hint = format!(
        "follow it: `kubectl get job {name} -n {ns}` and `kubectl logs job/{name} -n {ns}`"
    );
    vec![x]
}

/// The ServiceAccount the waiting pod runs as (`default` when unset).
fn service_account<'w>(world: &'w World<'_>) -> &'w str {
    world
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.service_account_name.as_deref())
        .unwrap_or("default")
}

/// `kubectl rollout status deployment/x`, k8s-wait-for `job -lSEL`: what is waited for, said
/// once; these objects are not looked up (only Pods, Services and Jobs by name are).
pub(super) fn workload_wait(
    w: Walk,
    check: &Check,
    namespace: Option<&str>,
    kind: &str,
    name: Option<&str>,
    selector: Option<&str>,
) -> Vec<Finding> {
    let Walk { world, ext, .. } = w;
    let ns = namespace.unwrap_or(world.namespace);
    if world.objects.is_none() {
        return Vec::new();
    }
    let what = match (name, selector) {
        (Some(n), _) => format!("{kind}/{n}"),
        (None, Some(s)) => format!("every {kind} matching {s}"),
        (None, None) => kind.to_string(),
    };
    let (code, message, hint) = if kind == "job" {
        (
            "WaitingOnJob",
            format!(
                "waits for {what} in namespace {ns} to finish (no active and no failed pod): Jobs picked by a selector are not checked"
            ),
            format!(
                "`kubectl get jobs -n {ns} -l '{}'`",
                selector.unwrap_or_default()
            ),
        )
    } else {
        (
            "WaitingOnRollout",
            format!(
                "waits for the rollout of {what} in namespace {ns} (its updated replicas available): not checked"
            ),
            match (name, selector) {
                (Some(n), _) => format!("`kubectl rollout status {kind}/{n} -n {ns}`"),
                (None, s) => format!(
                    "`kubectl get {kind} -n {ns} -l '{}'`",
                    s.unwrap_or_default()
                ),
            },
        )
    };
    let mut f = new(code, Severity::Info, ext, check, message);
    // Names from the pod's spec reach a command line and the JSON only when they are names.
    let is_name = |t: &str| {
        !t.is_empty()
            && t.len() <= 253
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    let selector_ok = selector.is_none_or(|s| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " ,=!()-_./".contains(c))
    });
    if !is_name(ns) || name.is_some_and(|n| !is_name(n)) || !selector_ok {
        return vec![f];
    }
    f.hint = hint;
    if let Some(n) = name {
        f.resolved = Some(ObjectRef::new(
            match kind {
                "deployment" => "Deployment",
                "statefulset" => "StatefulSet",
                "daemonset" => "DaemonSet",
                _ => "Job",
            },
            ns,
            n,
        ));
    }
    vec![f]
}
