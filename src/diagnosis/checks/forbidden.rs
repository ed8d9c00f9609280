//! `ApiAccessForbidden`: the blocking init container talks to the API server (kubectl, a
//! wait-for tool, a client library) and its log shows the refusal — `… is forbidden: User
//! "system:serviceaccount:NS:SA" cannot VERB resource "R" in API group "G" …`. It can never
//! succeed until the ServiceAccount may do that: the finding gives the Role (or, for a
//! cluster-scope request, the ClusterRole) and the binding to apply.

use super::context::{Context, finding};
use super::permissions::lines_of;
use crate::finding::{Finding, Severity};

/// What the API server refused, read from its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub namespace: String,
    pub account: String,
    pub verb: String,
    pub resource: String,
    pub group: String,
    pub cluster_scope: bool,
}

/// The refusal in one log line, old and new message forms.
pub fn refusal(line: &str) -> Option<Refusal> {
    let at = line.find("system:serviceaccount:")?;
    let rest = &line[at + "system:serviceaccount:".len()..];
    let end = rest.find(['"', ' ', '\\'])?;
    let (namespace, account) = rest[..end].split_once(':')?;
    let after = &rest[end..];
    let cannot = after.find("cannot ")?;
    let mut words = after[cannot + "cannot ".len()..].split_whitespace();
    let verb = words.next()?.to_string();
    let mut next = words.next()?.trim_matches(['"', '\\']).to_string();
    if next == "resource" {
        next = words.next()?.trim_matches(['"', '\\']).to_string();
    }
    let (mut resource, mut group) = match next.split_once('.') {
        Some((r, g)) => (r.to_string(), g.to_string()),
        None => (next, String::new()),
    };
    if let Some(g) = after.find("in API group ") {
        let q = &after[g + "in API group ".len()..];
        // One opening quote (escaped in a JSON log line), then the group up to its closing one.
        let q = q.strip_prefix('\\').unwrap_or(q);
        let q = q.strip_prefix('"').unwrap_or(q);
        group = q.split(['"', '\\']).next().unwrap_or("").to_string();
    }
    resource = resource.trim_end_matches([',', ':']).to_string();
    Some(Refusal {
        namespace: namespace.to_string(),
        account: account.to_string(),
        verb,
        resource,
        group,
        cluster_scope: after.contains("at the cluster scope"),
    })
}

pub fn check_api_access_forbidden(cx: &Context) -> Option<Finding> {
    let b = cx.blocker.as_ref()?;
    let lines = lines_of(b);
    let (line, r) = lines
        .iter()
        .rev()
        .filter(|l| l.to_ascii_lowercase().contains("forbidden"))
        .find_map(|l| refusal(l).map(|r| (l, r)))?;
    let what = if r.group.is_empty() {
        r.resource.clone()
    } else {
        format!("{}.{}", r.resource, r.group)
    };
    let verbs = {
        let mut v = vec![r.verb.clone()];
        for extra in ["get", "list", "watch"] {
            if !v.iter().any(|x| x == extra) {
                v.push(extra.to_string());
            }
        }
        v.join(",")
    };
    let name = format!("{}-{}-reader", r.account, r.resource);
    let sa = format!("{}:{}", r.namespace, r.account);
    let where_ = if r.cluster_scope {
        "at the cluster scope".to_string()
    } else {
        format!("in namespace {}", r.namespace)
    };
    let mut f = finding(
        "ApiAccessForbidden",
        Severity::Error,
        Some(b.name()),
        format!(
            "the API server refuses its requests: ServiceAccount {}/{} may not {} {what} {where_}, so it can never succeed",
            r.namespace, r.account, r.verb
        ),
    );
    f.evidence.push(format!("log: {}", line.trim()));
    f.hint = if r.cluster_scope {
        format!(
            "let it (or give it a narrower query in its namespace): kubectl create clusterrole {name} --verb={verbs} --resource={what} && kubectl create clusterrolebinding {name} --clusterrole={name} --serviceaccount={sa}"
        )
    } else {
        format!(
            "apply a Role and bind it: kubectl create role {name} --verb={verbs} --resource={what} -n {ns} && kubectl create rolebinding {name} --role={name} --serviceaccount={sa} -n {ns}{own}",
            ns = r.namespace,
            own = if r.account == "default" {
                " (better: a ServiceAccount of its own, set as serviceAccountName)"
            } else {
                ""
            }
        )
    };
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// namespace, account, verb, resource, group, cluster scope.
    type Read<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, bool);

    #[test]
    fn reads_old_and_new_refusals() {
        let cases: &[(&str, Read)] = &[
            (
                "Error from server (Forbidden): jobs.batch \"m\" is forbidden: User \"system:serviceaccount:shop:default\" cannot get resource \"jobs\" in API group \"batch\" in the namespace \"shop\"",
                ("shop", "default", "get", "jobs", "batch", false),
            ),
            (
                "pods is forbidden: User \"system:serviceaccount:shop:default\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
                ("shop", "default", "list", "pods", "", true),
            ),
            (
                "Error from server (Forbidden): jobs.batch \"init-data-job\" is forbidden: User \"system:serviceaccount:web:default\" cannot get jobs.batch in the namespace \"web\": Unknown user",
                ("web", "default", "get", "jobs", "batch", false),
            ),
            (
                "Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:kc:default\" cannot list pods in the namespace \"kc\"",
                ("kc", "default", "list", "pods", "", false),
            ),
        ];
        for (line, (ns, sa, verb, res, group, cluster)) in cases {
            let r = refusal(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(
                (
                    r.namespace.as_str(),
                    r.account.as_str(),
                    r.verb.as_str(),
                    r.resource.as_str(),
                    r.group.as_str(),
                    r.cluster_scope
                ),
                (*ns, *sa, *verb, *res, *group, *cluster),
                "{line}"
            );
        }
        assert!(refusal("connection refused").is_none());
    }
}
