//! Who restarts what: `RestartNeverFailed` (an init container's failure that nothing retries
//! failed the pod for good), `RestartedByRule` (a container's own `restartPolicyRules` or
//! `restartPolicy` restarted it — under a pod's `restartPolicy: Never` too, so its restarts are
//! legitimate) and `AllContainersRestarting` (a `RestartAllContainers` rule restarts the whole
//! pod in place: every container is removed and the init containers run again). The kubelet's
//! decision is [`crate::diagnosis::restart`].

use k8s_openapi::api::core::v1::{Container, ContainerStateTerminated, ContainerStatus};

use super::context::{Context, finding};
use crate::diagnosis::evidence::{app_spec, app_status, init_spec, init_status, waiting_reason};
use crate::diagnosis::exits;
use crate::diagnosis::restart::{
    self, RESTART_ALL_CONTAINERS, RESTARTING_ALL_CONTAINERS, describe_rule, removed_for_pod_restart,
};
use crate::finding::{Finding, Severity};
use crate::timeline::{InitContainerRow, InitState};

/// The condition the kubelet sets while it restarts the pod in place
/// (kubernetes/pkg/kubelet/status/generate.go, `GenerateAllContainersRestartingCondition`).
const CONDITION: &str = "AllContainersRestarting";

/// A non-sidecar init container terminated non-zero, and neither its rules, its own
/// `restartPolicy` nor the pod's run it again: the pod has failed for good.
pub fn check_restart_never_failed(cx: &Context) -> Option<Finding> {
    let (row, code, decision) = cx.diagnosis.init_containers.iter().find_map(|r| {
        let failed = r.state == InitState::Terminated
            && !r.sidecar
            && r.reason.as_deref() != Some(RESTARTING_ALL_CONTAINERS);
        let code = r.exit_code.filter(|c| failed && *c != 0)?;
        let decision = restart::decide(cx.pod, init_spec(cx.pod, &r.name)?, code);
        (!decision.restart).then_some((r, code, decision))
    })?;
    let why = decision.reason(code);
    let mut f = finding(
        "RestartNeverFailed",
        Severity::Error,
        Some(&row.name),
        format!(
            "{why}, so the failure of this init container (exit code {code}) failed the pod for good: it will not be retried"
        ),
    );
    f.evidence.push(format!(
        "pod phase {}, restartPolicy {}",
        cx.diagnosis.phase,
        cx.restart_policy()
    ));
    if let Some(rules) = rules_line(init_spec(cx.pod, &row.name)) {
        f.evidence.push(rules);
    }
    f.evidence.push(exits::explain(code));
    f.hint = format!(
        "fix the cause, then recreate the pod: kubectl delete pod {} and apply its manifest again (a Job or Deployment recreates pods for you)",
        cx.pod_args()
    );
    Some(f)
}

/// One container as these checks see it.
struct Seen<'a> {
    row: InitContainerRow,
    spec: &'a Container,
    status: &'a ContainerStatus,
    app: bool,
}

impl Seen<'_> {
    fn field(&self) -> String {
        let list = if self.app {
            "containers"
        } else {
            "initContainers"
        };
        format!("spec.{list}[{}]", self.row.index)
    }

    fn kind(&self) -> &'static str {
        if self.app { "app" } else { "init" }
    }

    /// The termination that made it restart: the last instance's (the current one's when
    /// there is none yet), unless the kubelet removed it for an in-place restart.
    fn last_exit(&self) -> Option<&ContainerStateTerminated> {
        let last = self
            .status
            .last_state
            .as_ref()
            .and_then(|l| l.terminated.as_ref());
        let current = self
            .status
            .state
            .as_ref()
            .and_then(|s| s.terminated.as_ref());
        last.into_iter()
            .chain(current)
            .find(|t| !removed_for_pod_restart(t))
    }
}

/// Every init container (sidecars included) and app container with its spec and status.
fn containers<'a>(cx: &Context<'a>) -> Vec<Seen<'a>> {
    let pod = cx.pod;
    let inits = cx.diagnosis.init_containers.iter().filter_map(|row| {
        Some(Seen {
            row: row.clone(),
            spec: init_spec(pod, &row.name)?,
            status: init_status(pod, &row.name)?,
            app: false,
        })
    });
    let apps = crate::timeline::app_rows(pod)
        .into_iter()
        .filter_map(|row| {
            Some(Seen {
                spec: app_spec(pod, &row.name)?,
                status: app_status(pod, &row.name)?,
                row,
                app: true,
            })
        });
    inits.chain(apps).collect()
}

/// A container restarted by its own rules or `restartPolicy`: which one, and that the restarts
/// are theirs (not the pod's `restartPolicy`, which may be `Never`).
pub fn restarted_by_rule(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in containers(cx) {
        if c.row.restarts == 0 || !restart::has_own_rules(c.spec, !c.app) {
            continue;
        }
        let Some(t) = c.last_exit() else { continue };
        let code = t.exit_code;
        let decision = restart::decide(cx.pod, c.spec, code);
        if !decision.restart || decision.whole_pod() {
            continue;
        }
        let pods = cx.restart_policy();
        let pod_would = match pods {
            "Never" => false,
            "OnFailure" => code != 0,
            _ => true,
        };
        let although = if pod_would {
            String::new()
        } else {
            format!(", although the pod's restartPolicy is {pods}")
        };
        let looping = waiting_reason(c.status) == Some("CrashLoopBackOff")
            || !cx
                .events(Some(c.row.name.as_str()), &["BackOff"])
                .is_empty();
        let then = if looping {
            format!(
                "; it keeps exiting {code}, so the kubelet keeps retrying it, with its back-off"
            )
        } else {
            ": these restarts are expected, not a fault".into()
        };
        let n = c.row.restarts;
        let mut f = finding(
            "RestartedByRule",
            Severity::Info,
            Some(&c.row.name),
            format!(
                "restarted {n} time{} because {}, so the kubelet runs it again{although}{then}",
                if n == 1 { "" } else { "s" },
                decision.reason(code)
            ),
        );
        f.evidence.push(format!(
            "last exit: code {code} ({}){}",
            t.reason.as_deref().unwrap_or("Error"),
            t.finished_at
                .as_ref()
                .map(|at| format!(" at {}", at.0))
                .unwrap_or_default()
        ));
        f.evidence.push(exits::explain(code));
        f.evidence.extend(rules_line(Some(c.spec)));
        f.hint = if looping {
            format!(
                "the rule only retries it: find why it keeps exiting {code}: kubectl logs {} -c {} --previous",
                cx.pod_args(),
                c.row.name
            )
        } else {
            format!(
                "nothing to fix for the restarts: {}.restartPolicyRules asks for them; to stop retrying on exit code {code}, change the rule (the pod must be recreated)",
                c.field()
            )
        };
        out.push(f);
    }
    out
}

/// The pod restarts (or has restarted) in place: a container exited with a code a
/// `RestartAllContainers` rule matches, so the kubelet removes every container and runs the
/// init containers again. The kubelet writes: the condition `AllContainersRestarting=True`
/// (`RestartAllContainersStarted`) while it removes them, then `False`; on the removed
/// containers `RestartingAllContainers` (waiting, and as their last termination, exit 137);
/// `Initialized` stays `True` (kubernetes/pkg/kubelet/kubelet_pods.go, status/generate.go).
pub fn check_all_containers_restarting(cx: &Context) -> Option<Finding> {
    let condition = cx
        .pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == CONDITION));
    let now = condition.is_some_and(|c| c.status == "True");
    let all = containers(cx);
    let removed: Vec<&Seen> = all.iter().filter(|c| removed_now_or_before(c)).collect();
    if !now && removed.is_empty() {
        return None;
    }
    // While it restarts, the container that asked for it is terminated with its exit code;
    // once the kubelet has removed it, its last state is RestartingAllContainers like the
    // others', and only its spec says it has such a rule.
    let exited = all.iter().find_map(|c| {
        let t = c.last_exit()?;
        let (index, rule) = restart::matching_rule(c.spec, t.exit_code)?;
        (rule.action == RESTART_ALL_CONTAINERS).then_some((c, Some(t.exit_code), index, rule))
    });
    let source = exited.or_else(|| {
        all.iter().find_map(|c| {
            let (index, rule) = c
                .spec
                .restart_policy_rules
                .iter()
                .flatten()
                .enumerate()
                .find(|(_, r)| r.action == RESTART_ALL_CONTAINERS)?;
            Some((c, None, index, rule))
        })
    });
    let asked = match source {
        Some((c, Some(code), index, rule)) => format!(
            "{} container {} exited with code {code}, which its {} matches",
            c.kind(),
            c.row.name,
            describe_rule(index, rule)
        ),
        Some((c, None, index, rule)) => format!(
            "the {} of {} container {} asked for it",
            describe_rule(index, rule),
            c.kind(),
            c.row.name
        ),
        None => "a restartPolicyRules entry asked for it".into(),
    };
    let message = if now {
        format!(
            "the pod is restarting in place: {asked}, so the kubelet removes every container and runs the init containers again, in order, then the app containers: the restarts and the init containers running again are expected, not a fault"
        )
    } else {
        format!(
            "the pod has restarted in place: {asked}, so the kubelet removed every container and ran the init containers again: those restarts are expected, not a fault"
        )
    };
    let mut f = finding(
        CONDITION,
        Severity::Info,
        source.map(|(c, ..)| c.row.name.as_str()),
        message,
    );
    if let Some(c) = condition {
        f.evidence.push(format!(
            "condition {CONDITION} {}{}{}{}",
            c.status,
            c.reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            c.message
                .as_deref()
                .filter(|m| !m.is_empty())
                .map(|m| format!(": {m}"))
                .unwrap_or_default(),
            c.last_transition_time
                .as_ref()
                .map(|t| format!(", since {}", t.0))
                .unwrap_or_default()
        ));
    }
    if !removed.is_empty() {
        f.evidence.push(format!(
            "removed for the restart ({RESTARTING_ALL_CONTAINERS}, exit 137 as their last state): {}",
            removed
                .iter()
                .map(|c| c.row.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if matches!(source, Some((_, None, ..))) {
        f.evidence.push(
            "the exit code that asked for it is not kept: the kubelet writes RestartingAllContainers as the last state of every container it removed".into(),
        );
    }
    if !cx.diagnosis.init_containers.is_empty() {
        f.evidence.push(format!(
            "the Initialized condition {} True while the init containers run again (the kubelet keeps it)",
            if now { "stays" } else { "stayed" }
        ));
    }
    f.hint = match source {
        Some((c, _, index, _)) => format!(
            "nothing to fix for the restart: {}.restartPolicyRules[{index}] asks for it; if the pod should not restart on that exit code, change the rule (the pod must be recreated)",
            c.field()
        ),
        None => "nothing to fix for the restart: a RestartAllContainers rule asks for it".into(),
    };
    Some(f)
}

/// True when the kubelet removed this container for an in-place restart: its waiting reason,
/// its current or its last termination says `RestartingAllContainers`.
fn removed_now_or_before(c: &Seen) -> bool {
    let state = c.status.state.as_ref();
    waiting_reason(c.status) == Some(RESTARTING_ALL_CONTAINERS)
        || state
            .and_then(|s| s.terminated.as_ref())
            .is_some_and(removed_for_pod_restart)
        || c.status
            .last_state
            .as_ref()
            .and_then(|l| l.terminated.as_ref())
            .is_some_and(removed_for_pod_restart)
}

/// `restartPolicy Never, restartPolicyRules: [0] Restart when the exit code is In [42]`.
fn rules_line(spec: Option<&Container>) -> Option<String> {
    let spec = spec?;
    let rules = spec
        .restart_policy_rules
        .as_deref()
        .filter(|r| !r.is_empty());
    let policy = spec.restart_policy.as_deref()?;
    Some(match rules {
        Some(rules) => format!(
            "its restartPolicy {policy}, {}",
            rules
                .iter()
                .enumerate()
                .map(|(i, r)| describe_rule(i, r))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!("its restartPolicy {policy} (no restartPolicyRules)"),
    })
}
