//! Whether the kubelet runs a container again after it exits, and why: the container's
//! `restartPolicyRules` first (KEP-5307, feature gate `ContainerRestartRules`, beta and on by
//! default since 1.35), then its own `restartPolicy`, then the pod's — as the kubelet decides
//! (`ContainerShouldRestart` and `FindMatchingContainerRestartRule` in
//! kubernetes/pkg/api/v1/pod/util.go, v1.37.2). A rule whose action is `RestartAllContainers`
//! (KEP-5532, gate `RestartAllContainersOnContainerExits`, beta and on by default since 1.36)
//! restarts the whole pod in place.

use k8s_openapi::api::core::v1::{Container, ContainerRestartRule, ContainerStateTerminated, Pod};

/// The reason the kubelet writes on the containers it removed for an in-place restart of the
/// pod (`RestartingAllContainers` in kubernetes/pkg/kubelet/kubelet_pods.go): their last
/// termination (exit 137) and their waiting state until they run again.
pub const RESTARTING_ALL_CONTAINERS: &str = "RestartingAllContainers";

/// The rule action that restarts the whole pod in place.
pub const RESTART_ALL_CONTAINERS: &str = "RestartAllContainers";

/// What decides whether a container runs again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Because<'a> {
    /// `restartPolicyRules[index]` matched the exit code.
    Rule {
        index: usize,
        rule: &'a ContainerRestartRule,
    },
    /// The container's own `restartPolicy` (no rule matched).
    Container(&'a str),
    /// The pod's `restartPolicy` (the container has none of its own).
    Pod(&'a str),
}

/// The kubelet's decision about a container that exited with some code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision<'a> {
    /// It runs again (alone, or with the whole pod for `RestartAllContainers`).
    pub restart: bool,
    pub because: Because<'a>,
    /// The container has `restartPolicyRules` (none matched unless `because` is a rule).
    pub has_rules: bool,
}

impl Decision<'_> {
    /// True when a rule with action `RestartAllContainers` matched: the pod restarts in place.
    pub fn whole_pod(&self) -> bool {
        matches!(self.because, Because::Rule { rule, .. } if rule.action == RESTART_ALL_CONTAINERS)
    }

    /// Why, in words: `restartPolicyRules[0] (Restart when the exit code is In [42]) matches
    /// exit code 42`, `its own restartPolicy OnFailure`, `the pod's restartPolicy Never`.
    pub fn reason(&self, exit_code: i32) -> String {
        match self.because {
            Because::Rule { index, rule } => {
                format!(
                    "{} matches exit code {exit_code}",
                    describe_rule(index, rule)
                )
            }
            Because::Container(p) if self.has_rules => format!(
                "its own restartPolicy is {p} and none of its restartPolicyRules matches exit code {exit_code}"
            ),
            Because::Container(p) => format!("its own restartPolicy is {p}"),
            Because::Pod(p) => format!("restartPolicy is {p}"),
        }
    }
}

/// `restartPolicyRules[0] (Restart when the exit code is In [42])`.
pub fn describe_rule(index: usize, rule: &ContainerRestartRule) -> String {
    let when = match &rule.exit_codes {
        Some(codes) => {
            let values = codes
                .values
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            format!(" when the exit code is {} [{values}]", codes.operator)
        }
        None => String::new(),
    };
    format!("restartPolicyRules[{index}] ({}{when})", rule.action)
}

/// The first rule of `container` that matches `exit_code`, in order, as the kubelet looks
/// (only when the container sets `restartPolicy`, which rules require).
pub fn matching_rule(
    container: &Container,
    exit_code: i32,
) -> Option<(usize, &ContainerRestartRule)> {
    container.restart_policy.as_ref()?;
    container
        .restart_policy_rules
        .iter()
        .flatten()
        .enumerate()
        .find(|(_, rule)| {
            rule.exit_codes.as_ref().is_some_and(|codes| {
                let listed = codes.values.iter().flatten().any(|v| *v == exit_code);
                match codes.operator.as_str() {
                    "In" => listed,
                    "NotIn" => !listed,
                    _ => false,
                }
            })
        })
}

/// Whether the kubelet runs `container` of `pod` again after it exited with `exit_code`.
/// A rule with an action the kubelet does not know falls through to the policies, as there.
pub fn decide<'a>(pod: &'a Pod, container: &'a Container, exit_code: i32) -> Decision<'a> {
    let has_rules = container
        .restart_policy_rules
        .as_ref()
        .is_some_and(|r| !r.is_empty());
    if let Some(own) = container.restart_policy.as_deref() {
        if let Some((index, rule)) = matching_rule(container, exit_code)
            && matches!(rule.action.as_str(), "Restart" | RESTART_ALL_CONTAINERS)
        {
            return Decision {
                restart: true,
                because: Because::Rule { index, rule },
                has_rules,
            };
        }
        if let Some(restart) = by_policy(own, exit_code) {
            return Decision {
                restart,
                because: Because::Container(own),
                has_rules,
            };
        }
    }
    let policy = pod
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or("Always");
    Decision {
        restart: by_policy(policy, exit_code).unwrap_or(true),
        because: Because::Pod(policy),
        has_rules,
    }
}

fn by_policy(policy: &str, exit_code: i32) -> Option<bool> {
    match policy {
        "Always" => Some(true),
        "OnFailure" => Some(exit_code != 0),
        "Never" => Some(false),
        _ => None,
    }
}

/// True when the container has restart rules or a `restartPolicy` of its own that is not the
/// native sidecar's `Always` on an init container (whose restarts are the sidecar's nature).
pub fn has_own_rules(container: &Container, init: bool) -> bool {
    let sidecar = init && container.restart_policy.as_deref() == Some("Always");
    container
        .restart_policy_rules
        .as_ref()
        .is_some_and(|r| !r.is_empty())
        || (container.restart_policy.is_some() && !sidecar)
}

/// True when the kubelet ended this instance to restart the whole pod in place, not because it
/// failed (`RestartingAllContainers`, exit 137).
pub fn removed_for_pod_restart(t: &ContainerStateTerminated) -> bool {
    t.reason.as_deref() == Some(RESTARTING_ALL_CONTAINERS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod_with(policy: Option<&str>, container: serde_json::Value) -> Pod {
        let mut spec = json!({"containers": [container]});
        if let Some(p) = policy {
            spec["restartPolicy"] = json!(p);
        }
        serde_json::from_value(json!({"metadata": {"name": "p"}, "spec": spec})).unwrap()
    }

    #[test]
    fn the_kubelets_order_rules_then_container_then_pod() {
        let rules = json!([
            {"action": "Restart", "exitCodes": {"operator": "In", "values": [42, 43]}},
            {"action": "RestartAllContainers", "exitCodes": {"operator": "In", "values": [88]}},
            {"action": "Restart", "exitCodes": {"operator": "NotIn", "values": [0, 1]}}
        ]);
        let with_rules =
            json!({"name": "c", "restartPolicy": "Never", "restartPolicyRules": rules});
        // (pod policy, container, exit code) → (restart, rule index or policy, whole pod)
        let cases = [
            (Some("Never"), with_rules.clone(), 42, true, "rule 0", false),
            (Some("Never"), with_rules.clone(), 88, true, "rule 1", true),
            (Some("Never"), with_rules.clone(), 7, true, "rule 2", false),
            (
                Some("Never"),
                with_rules.clone(),
                1,
                false,
                "container Never",
                false,
            ),
            (
                Some("Always"),
                with_rules.clone(),
                0,
                false,
                "container Never",
                false,
            ),
            (
                Some("Never"),
                json!({"name": "c", "restartPolicy": "OnFailure"}),
                1,
                true,
                "container OnFailure",
                false,
            ),
            (
                Some("Always"),
                json!({"name": "c", "restartPolicy": "OnFailure"}),
                0,
                false,
                "container OnFailure",
                false,
            ),
            (
                Some("OnFailure"),
                json!({"name": "c"}),
                0,
                false,
                "pod OnFailure",
                false,
            ),
            (None, json!({"name": "c"}), 0, true, "pod Always", false),
            // Rules without a restartPolicy are never looked at (validation requires it).
            (
                Some("Never"),
                json!({"name": "c", "restartPolicyRules": [{"action": "Restart", "exitCodes": {"operator": "In", "values": [3]}}]}),
                3,
                false,
                "pod Never",
                false,
            ),
        ];
        for (policy, container, code, restart, why, whole) in cases {
            let pod = pod_with(policy, container);
            let c = &pod.spec.as_ref().unwrap().containers[0];
            let d = decide(&pod, c, code);
            let got = match d.because {
                Because::Rule { index, .. } => format!("rule {index}"),
                Because::Container(p) => format!("container {p}"),
                Because::Pod(p) => format!("pod {p}"),
            };
            assert_eq!(
                (d.restart, got.as_str(), d.whole_pod()),
                (restart, why, whole),
                "{policy:?} exit {code}"
            );
        }
    }

    #[test]
    fn a_rule_in_words() {
        let pod = pod_with(
            Some("Never"),
            json!({"name": "c", "restartPolicy": "Never", "restartPolicyRules": [
                {"action": "Restart", "exitCodes": {"operator": "In", "values": [42]}}]}),
        );
        let c = &pod.spec.as_ref().unwrap().containers[0];
        assert_eq!(
            decide(&pod, c, 42).reason(42),
            "restartPolicyRules[0] (Restart when the exit code is In [42]) matches exit code 42"
        );
        assert_eq!(
            decide(&pod, c, 1).reason(1),
            "its own restartPolicy is Never and none of its restartPolicyRules matches exit code 1"
        );
        assert!(has_own_rules(c, false));
    }
}
