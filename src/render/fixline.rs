//! A group's fix in one line that pastes. The one-pod view prints a manifest fix whole (a
//! heredoc for `kubectl apply`); the namespace view, where one fix stands for many pods, says the
//! same in one command: `kubectl create service clusterip …` when a Service manifest is one that
//! command makes (selector `app: NAME`, one TCP port), else `kubectl apply -f FILE` naming the
//! file to write the manifest to (shown by `--details` or the pod's own view).

use serde_json::Value;

/// The one-line form of a fix whose body is a manifest (`apiVersion: …` after its first line),
/// or `None` when the fix is a line already (or its body is not a manifest this can read).
pub fn one_line(fix: &str) -> Option<String> {
    let (_, body) = fix.split_once('\n')?;
    if !body.trim_start().starts_with("apiVersion:") {
        return None;
    }
    // Our own manifests, a few lines long; anything larger is not one of them.
    if body.len() > 4096 {
        return None;
    }
    let manifest: Value = serde_saphyr::from_str(&dedent(body)).ok()?;
    let kind = manifest["kind"].as_str()?;
    let name = manifest["metadata"]["name"].as_str()?;
    let namespace = manifest["metadata"]["namespace"].as_str();
    let ns = namespace.map(|n| format!(" -n {n}")).unwrap_or_default();
    if kind == "Service"
        && let Some(tcp) = create_service_tcp(&manifest, name)
    {
        return Some(format!(
            "kubectl create service clusterip {name} --tcp={tcp}{ns}"
        ));
    }
    let file = format!("{}-{}.yaml", name, kind.to_ascii_lowercase());
    Some(format!(
        "kubectl apply -f {file}{ns}   # {file}: the {kind} manifest of one pod's view (or --details)"
    ))
}

/// `PORT:TARGET` when `kubectl create service clusterip NAME --tcp=PORT:TARGET` makes this
/// Service: its selector is `app: NAME` alone (the one that command sets), one port, TCP.
fn create_service_tcp(manifest: &Value, name: &str) -> Option<String> {
    let spec = &manifest["spec"];
    let selector = spec["selector"].as_object()?;
    if selector.len() != 1 || selector.get("app").and_then(Value::as_str) != Some(name) {
        return None;
    }
    if spec.get("type").is_some_and(|t| t != "ClusterIP") {
        return None;
    }
    let [port] = spec["ports"].as_array()?.as_slice() else {
        return None;
    };
    if port.get("protocol").is_some_and(|p| p != "TCP") {
        return None;
    }
    let number = port["port"].as_u64()?;
    let target = match &port["targetPort"] {
        Value::Null => number,
        v => v.as_u64()?,
    };
    Some(format!("{number}:{target}"))
}

/// The lines without the indentation they share (a fix's manifest is indented under its line).
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::one_line;

    const SERVICE: &str = "apply the Service:\n  apiVersion: v1\n  kind: Service\n  metadata:\n    name: orders-db\n    namespace: shop\n  spec:\n    selector:\n      app: orders-db   # the labels of the pods that serve orders-db\n    ports:\n    - port: 80   # any port\n      targetPort: 8080\n";

    #[test]
    fn manifests_become_one_command() {
        let cases: [(&str, Option<&str>); 5] = [
            (
                SERVICE,
                Some("kubectl create service clusterip orders-db --tcp=80:8080 -n shop"),
            ),
            (
                &SERVICE.replace("app: orders-db", "app.kubernetes.io/name: orders-db"),
                Some(
                    "kubectl apply -f orders-db-service.yaml -n shop   # orders-db-service.yaml: the Service manifest of one pod's view (or --details)",
                ),
            ),
            (
                &SERVICE.replace(
                    "      targetPort: 8080\n",
                    "      targetPort: 8080\n    - port: 81\n",
                ),
                Some(
                    "kubectl apply -f orders-db-service.yaml -n shop   # orders-db-service.yaml: the Service manifest of one pod's view (or --details)",
                ),
            ),
            ("read why it fails: kubectl logs x", None),
            ("do this:\n  step one\n  step two", None),
        ];
        for (fix, want) in cases {
            assert_eq!(one_line(fix).as_deref(), want, "{fix}");
        }
    }
}
