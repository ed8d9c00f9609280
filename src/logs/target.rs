//! What `logs` was asked for: a pod, an owner (`deployment/api`, `cronjob/nightly`: the pods
//! of its Jobs), or a selector — and the
//! selector string an owner's `spec.selector` stands for.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// The kinds `logs TYPE/NAME` accepts, with kubectl's aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    /// Its pods are those of the Jobs it owns.
    CronJob,
}

impl OwnerKind {
    pub fn resource(self) -> &'static str {
        match self {
            OwnerKind::Deployment => "deployments",
            OwnerKind::StatefulSet => "statefulsets",
            OwnerKind::DaemonSet => "daemonsets",
            OwnerKind::ReplicaSet => "replicasets",
            OwnerKind::Job => "jobs",
            OwnerKind::CronJob => "cronjobs",
        }
    }
}

/// The object named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pod(String),
    Owner(OwnerKind, String),
}

/// Parse `POD`, `pod/NAME` or `TYPE/NAME` as kubectl does (`deploy/`, `sts/`, `ds/`, `rs/`,
/// `job.batch/`, …); the error says what is accepted.
pub fn parse(text: &str) -> Result<Target, String> {
    let Some((kind, name)) = text.split_once('/') else {
        return check_name(text).map(|n| Target::Pod(n.to_string()));
    };
    let name = check_name(name)?.to_string();
    let kind = kind.to_ascii_lowercase();
    let kind = kind.split('.').next().unwrap_or("");
    Ok(match kind {
        "po" | "pod" | "pods" => Target::Pod(name),
        "deploy" | "deployment" | "deployments" => Target::Owner(OwnerKind::Deployment, name),
        "sts" | "statefulset" | "statefulsets" => Target::Owner(OwnerKind::StatefulSet, name),
        "ds" | "daemonset" | "daemonsets" => Target::Owner(OwnerKind::DaemonSet, name),
        "rs" | "replicaset" | "replicasets" => Target::Owner(OwnerKind::ReplicaSet, name),
        "job" | "jobs" => Target::Owner(OwnerKind::Job, name),
        "cj" | "cronjob" | "cronjobs" => Target::Owner(OwnerKind::CronJob, name),
        other => {
            return Err(format!(
                "cannot show logs of {other:?}: name a pod, pod/NAME, deployment/, statefulset/, daemonset/, replicaset/, job/ or cronjob/NAME, or use -l"
            ));
        }
    })
}

fn check_name(name: &str) -> Result<&str, String> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok {
        Ok(name)
    } else {
        Err(format!(
            "{:?} is not a valid object name (lowercase letters, digits, '-' and '.')",
            crate::sanitize::line(name)
        ))
    }
}

/// The label selector string of a `spec.selector` (`matchLabels` and `matchExpressions`).
pub fn selector_string(selector: &LabelSelector) -> Result<String, String> {
    let mut terms: Vec<String> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        terms.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            other => return Err(format!("unknown selector operator {other:?}")),
        });
    }
    if terms.is_empty() {
        return Err("its selector is empty (it would select every pod)".into());
    }
    Ok(terms.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_kinds_parse_like_kubectl() {
        let cases = [
            ("web-1", Ok(Target::Pod("web-1".into()))),
            ("pod/web-1", Ok(Target::Pod("web-1".into()))),
            ("po/web-1", Ok(Target::Pod("web-1".into()))),
            (
                "deployment/api",
                Ok(Target::Owner(OwnerKind::Deployment, "api".into())),
            ),
            (
                "deploy/api",
                Ok(Target::Owner(OwnerKind::Deployment, "api".into())),
            ),
            (
                "deployment.apps/api",
                Ok(Target::Owner(OwnerKind::Deployment, "api".into())),
            ),
            (
                "sts/db",
                Ok(Target::Owner(OwnerKind::StatefulSet, "db".into())),
            ),
            (
                "job/migrate",
                Ok(Target::Owner(OwnerKind::Job, "migrate".into())),
            ),
            (
                "ds/agent",
                Ok(Target::Owner(OwnerKind::DaemonSet, "agent".into())),
            ),
            (
                "rs/api-1",
                Ok(Target::Owner(OwnerKind::ReplicaSet, "api-1".into())),
            ),
            (
                "cronjob.batch/nightly",
                Ok(Target::Owner(OwnerKind::CronJob, "nightly".into())),
            ),
            (
                "cj/nightly",
                Ok(Target::Owner(OwnerKind::CronJob, "nightly".into())),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), want, "{text}");
        }
        for bad in ["service/web", "Web", "pod/", "", "a b", "pod/\u{1b}[2J"] {
            let err = parse(bad).unwrap_err();
            assert!(!err.contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn selectors_render_as_kubectl_reads_them() {
        let selector: LabelSelector = serde_json::from_value(json!({
            "matchLabels": {"app": "api"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["web", "edge"]},
                {"key": "canary", "operator": "DoesNotExist"}
            ]
        }))
        .unwrap();
        assert_eq!(
            selector_string(&selector).unwrap(),
            "app=api,tier in (web,edge),!canary"
        );
        assert!(selector_string(&LabelSelector::default()).is_err());
    }
}
