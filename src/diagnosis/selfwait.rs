//! A wait that can never end because it waits on the pod itself (`WaitsOnItself`): an init
//! container (or native sidecar) that waits for a Service which selects this very pod, or for
//! this pod's own DNS name under its headless Service. A Service has a ready endpoint for the
//! pod only once the pod is Ready, and the pod is not Ready before its init containers finish
//! (a sidecar's failure keeps it un-Ready too): the wait never ends. The wait findings judge the
//! Service from the cluster (no endpoints, not resolvable, refused); this pass names the loop.
//!
//!
//! Through other pods (`WaitCycle`): the wait findings follow the chain of what not-ready backing
//! pods wait on, and mark a pod met twice ("already followed: the waits form a loop"); when the
//! pod met again is this one, the pods wait on each other in a cycle and none becomes Ready.
//!
//! Pure: the pod, its findings and the Services the waits fetched; each finding is looked at
//! once against at most the fetched Services, its evidence lines read once.

use k8s_openapi::api::core::v1::{Pod, Service};

use crate::finding::{Finding, ObjectRef, Severity, finding};
use crate::waits::resolve::selector_matches;

/// The wait findings that a self-wait explains (what the cluster shows of the Service while
/// the pod waits on itself).
const EXPLAINED: &[&str] = &[
    "HeadlessNotResolvable",
    "ServiceNoEndpoints",
    "ServiceEndpointsNotReady",
    "ResolvesButWaits",
    "WaitLogShowsCause",
];

/// Replace each finding of `findings` that waits on `pod` itself by `WaitsOnItself`.
pub fn reconcile(pod: &Pod, services: &[Service], findings: &mut [Finding]) {
    if crate::timeline::ready_condition(pod) {
        return;
    }
    for f in findings.iter_mut().filter(|f| explained(f)) {
        // The pod's own loopback is served by whatever runs in it (a native sidecar), ready
        // or not: no Service or DNS record waits for readiness there.
        if f.evidence
            .iter()
            .any(|l| l == crate::waits::findings::LOOPBACK)
        {
            continue;
        }
        if let Some(via) = f.resolved.as_ref().and_then(|r| itself(pod, services, r)) {
            *f = finding_for(f, &via);
        }
    }
}

/// Whether `f` is what the cluster shows of a Service while the pod waits on itself: one of
/// [`EXPLAINED`], or a check run once that will fail for one of them (`CheckWillFail` with
/// `cause: CODE` in its evidence: a sidecar's client connecting once, restarted until
/// the pod is Ready).
fn explained(f: &Finding) -> bool {
    EXPLAINED.contains(&f.code.as_str())
        || f.code == "CheckWillFail"
            && f.evidence
                .iter()
                .find_map(|l| l.strip_prefix("cause: "))
                .is_some_and(|c| EXPLAINED.contains(&c))
}

/// The marker the chain of backing pods writes when it meets a pod it has followed already.
const LOOP_MARK: &str = "already followed: the waits form a loop";

/// Replace each wait finding whose chain of backing pods leads back to `pod` by `WaitCycle`.
pub fn cycles(pod: &Pod, findings: &mut [Finding]) {
    if crate::timeline::ready_condition(pod) {
        return;
    }
    let me = pod.metadata.name.as_deref().unwrap_or_default();
    for f in findings
        .iter_mut()
        .filter(|f| EXPLAINED.contains(&f.code.as_str()) || f.code == "WaitingOnPod")
    {
        if let Some(path) = path_back(&f.evidence, me) {
            *f = cycle_finding(f, &path);
        }
    }
}

/// The pods of the chain from the first followed to `me` met again, when the chain's loop
/// closes on `me` (the line before the marker is `pod ME: …`).
fn path_back(evidence: &[String], me: &str) -> Option<Vec<String>> {
    let at = evidence.iter().position(|l| l.contains(LOOP_MARK))?;
    let pod_of = |l: &String| {
        l.trim_start()
            .strip_prefix("pod ")
            .and_then(|rest| rest.split_once(':'))
            .map(|(name, _)| name.to_string())
    };
    let closing = evidence[..at].iter().rev().find_map(pod_of)?;
    if closing != me {
        return None;
    }
    let path: Vec<String> = evidence[..at].iter().filter_map(pod_of).collect();
    (path.len() >= 2).then_some(path)
}

fn cycle_finding(wait: &Finding, path: &[String]) -> Finding {
    let name = wait.container.as_deref().unwrap_or("");
    let target = wait.target.as_deref().unwrap_or("its target");
    let mut f = finding(
        "WaitCycle",
        Severity::Error,
        wait.container.as_deref(),
        format!(
            "init container {name} waits on `{target}`, whose pods wait back on this pod: {} — they wait on each other in a cycle and none can become Ready",
            path.join(" → ")
        ),
    );
    f.target = wait.target.clone();
    f.resolved = wait.resolved.clone();
    f.evidence.push(format!("{}: {}", wait.code, wait.message));
    f.evidence.extend(wait.evidence.iter().cloned());
    f.hint = "break the cycle: one of these waits must go (let that workload start without waiting, and retry its connection in the app instead), or reach the peer without waiting for its readiness (publishNotReadyAddresses on a headless Service)".into();
    f
}

/// How `resolved` leads back to `pod`: the Service that selects it, or its own name.
fn itself(pod: &Pod, services: &[Service], resolved: &ObjectRef) -> Option<String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    if resolved.namespace != ns {
        return None;
    }
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let hostname = pod
        .spec
        .as_ref()
        .and_then(|s| s.hostname.as_deref())
        .unwrap_or(name);
    match resolved.kind.as_str() {
        "Pod" if resolved.name == name || resolved.name == hostname => {
            Some(format!("`{}` is this pod's own DNS name", resolved.name))
        }
        "Service" => {
            let svc = services.iter().find(|s| {
                s.metadata.name.as_deref() == Some(resolved.name.as_str())
                    && s.metadata.namespace.as_deref().is_none_or(|n| n == ns)
            })?;
            let selector = svc.spec.as_ref()?.selector.as_ref()?;
            selector_matches(selector, pod.metadata.labels.as_ref())
                .then(|| format!("Service {ns}/{} selects this pod", resolved.name))
        }
        _ => None,
    }
}

fn finding_for(wait: &Finding, via: &str) -> Finding {
    let name = wait.container.as_deref().unwrap_or("");
    let target = wait.target.as_deref().unwrap_or("its target");
    let mut f = finding(
        "WaitsOnItself",
        Severity::Error,
        wait.container.as_deref(),
        format!(
            "init container {name} waits on this pod itself ({via}): `{target}` has no ready endpoint until this pod is Ready, and the pod cannot be Ready before its init containers finish — it waits forever"
        ),
    );
    f.target = wait.target.clone();
    f.resolved = wait.resolved.clone();
    f.evidence.push(format!("{}: {}", wait.code, wait.message));
    f.evidence.extend(
        wait.evidence
            .iter()
            .filter(|l| !l.contains("should"))
            .cloned(),
    );
    f.hint = format!(
        "do not wait on {target} from inside its own pod: reach the process on localhost (a native sidecar is up before the next init container), or, for peer discovery, set `publishNotReadyAddresses: true` on the headless Service"
    );
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_chain_that_closes_on_this_pod_is_a_cycle_and_others_are_not() {
        let chain = |lines: &[&str]| lines.iter().map(ToString::to_string).collect::<Vec<_>>();
        let mut f = wait("ServiceEndpointsNotReady", "Service", "api");
        f.evidence = chain(&[
            "chain: Service shop/api → pods",
            "pod api-0: Init:0/1",
            "  waits on web (Service shop/web)",
            "  pod web-0: Init:0/1",
            "    ↳ already followed: the waits form a loop",
        ]);
        let mut list = vec![f.clone()];
        cycles(&pod(false), &mut list);
        assert_eq!(list[0].code, "WaitCycle", "{list:?}");
        assert!(
            list[0].message.contains("api-0 → web-0"),
            "{}",
            list[0].message
        );
        // A loop among other pods: not this pod's cycle.
        f.evidence = chain(&[
            "pod api-0: Init:0/1",
            "  pod db-0: Init:0/1",
            "    pod api-0: Init:0/1",
            "      ↳ already followed: the waits form a loop",
        ]);
        let mut list = vec![f.clone()];
        cycles(&pod(false), &mut list);
        assert_eq!(list[0].code, "ServiceEndpointsNotReady");
    }

    fn pod(ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "web-0", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"hostname": "web-0", "subdomain": "web", "containers": [{"name": "c"}]},
            "status": {"conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        }))
        .unwrap()
    }

    fn service(name: &str, app: &str) -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"selector": {"app": app}, "clusterIP": "None"}
        }))
        .unwrap()
    }

    fn wait(code: &str, kind: &str, name: &str) -> Finding {
        let mut f = finding(code, Severity::Error, Some("init"), "m".into());
        f.target = Some(name.into());
        f.resolved = Some(ObjectRef::new(kind, "shop", name));
        f
    }

    fn loopback(code: &str) -> Finding {
        let mut f = wait(code, "Pod", "web-0");
        f.target = Some("127.0.0.1".into());
        f.evidence = vec![crate::waits::findings::LOOPBACK.into()];
        f
    }

    fn will_fail(cause: &str, name: &str) -> Finding {
        let mut f = wait("CheckWillFail", "Service", name);
        f.evidence = vec!["command: client".into(), format!("cause: {cause}")];
        f
    }

    #[test]
    fn waits_that_lead_back_to_the_pod_are_named_and_others_are_left() {
        let services = [service("web", "web"), service("db", "db")];
        let cases = [
            (wait("HeadlessNotResolvable", "Service", "web"), true, false),
            (wait("ServiceNoEndpoints", "Service", "db"), false, false),
            (wait("HeadlessNotResolvable", "Pod", "web-0"), true, false),
            (wait("HeadlessNotResolvable", "Pod", "web-1"), false, false),
            (wait("ServiceNotFound", "Service", "web"), false, false),
            // A Ready pod's wait is not a self-wait (it has ended).
            (wait("ServiceNoEndpoints", "Service", "web"), false, true),
            // A client run once (a sidecar's), failing for the same reasons.
            (will_fail("ServiceEndpointsNotReady", "web"), true, false),
            (will_fail("ServiceNotFound", "web"), false, false),
            // The pod's own loopback, served by a native sidecar: no readiness in between.
            (loopback("ResolvesButWaits"), false, false),
            (loopback("WaitLogShowsCause"), false, false),
        ];
        for (f, want, ready) in cases {
            let mut list = vec![f.clone()];
            reconcile(&pod(ready), &services, &mut list);
            assert_eq!(list[0].code == "WaitsOnItself", want, "{f:?}");
            if want {
                assert!(list[0].hint.contains("publishNotReadyAddresses"));
                assert_eq!(list[0].target, f.target);
            }
        }
    }
}
