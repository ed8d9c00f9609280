//! Missing configuration: `ConfigMissing` (CreateContainerConfigError) and `VolumeMountFailed`
//! (FailedMount events), naming the ConfigMap, Secret or PersistentVolumeClaim and where the pod
//! refers to it. The kubelet's message names only the first missing object it meets (`envFrom`
//! in order, then `env`); the others the environment requires are looked up by the edge
//! ([`to_look_up`], read in `cluster/policies.rs`) and named in the same finding.

use k8s_openapi::api::core::v1::{Container, Pod, Volume};

use super::context::{Blocker, Context, event_line, finding, one_line, quoted_after};
use crate::diagnosis::Lookup;
use crate::diagnosis::evidence::{ConfigRef, waiting_reason};
use crate::finding::{Finding, Severity};
use crate::timeline::InitState;

/// How many of a pod's ConfigMaps and Secrets are looked up beside the one the kubelet names.
pub const CONFIG_OBJECTS_READ: usize = 16;

/// The ConfigMaps and Secrets `container`'s environment cannot start without (not marked
/// `optional: true`), in the order the kubelet meets them: `envFrom` in order, then `env`'s
/// `valueFrom`; each once.
pub fn required_refs(container: &Container) -> Vec<ConfigRef> {
    let mut refs: Vec<ConfigRef> = Vec::new();
    let mut add = |kind: &'static str, name: &str, optional: Option<bool>| {
        let r = ConfigRef {
            kind,
            name: name.to_string(),
        };
        if optional != Some(true) && !name.is_empty() && !refs.contains(&r) {
            refs.push(r);
        }
    };
    for from in container.env_from.iter().flatten() {
        if let Some(r) = &from.config_map_ref {
            add("ConfigMap", &r.name, r.optional);
        }
        if let Some(r) = &from.secret_ref {
            add("Secret", &r.name, r.optional);
        }
    }
    for env in container.env.iter().flatten() {
        let Some(from) = &env.value_from else {
            continue;
        };
        if let Some(r) = &from.config_map_key_ref {
            add("ConfigMap", &r.name, r.optional);
        }
        if let Some(r) = &from.secret_key_ref {
            add("Secret", &r.name, r.optional);
        }
    }
    refs
}

/// The ConfigMaps and Secrets worth looking up for `pod`: those the containers waiting in
/// `CreateContainerConfigError` over a missing object or key require, but the one the
/// kubelet's message names; at most [`CONFIG_OBJECTS_READ`].
pub fn to_look_up(pod: &Pod) -> Vec<ConfigRef> {
    let (Some(spec), Some(status)) = (pod.spec.as_ref(), pod.status.as_ref()) else {
        return Vec::new();
    };
    let containers = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter());
    let statuses: Vec<_> = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .collect();
    let mut refs: Vec<ConfigRef> = Vec::new();
    for container in containers {
        let Some(s) = statuses.iter().find(|s| s.name == container.name) else {
            continue;
        };
        if waiting_reason(s) != Some("CreateContainerConfigError") {
            continue;
        }
        let message = s
            .state
            .as_ref()
            .and_then(|st| st.waiting.as_ref()?.message.as_deref())
            .unwrap_or_default();
        let Some(named) = missing_object(message) else {
            continue;
        };
        for r in required_refs(container) {
            let named_here = r.kind == named.kind && r.name == named.name;
            if !named_here && !refs.contains(&r) {
                refs.push(r);
            }
        }
    }
    refs.truncate(CONFIG_OBJECTS_READ);
    refs
}

/// A ConfigMap, Secret or PVC the kubelet could not find, and the key when a key was missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingObject {
    /// `ConfigMap`, `Secret` or `PersistentVolumeClaim`.
    pub kind: &'static str,
    pub name: String,
    pub key: Option<String>,
}

/// Read the object out of a kubelet message (`configmap "x" not found`,
/// `couldn't find key k in Secret ns/x`, …).
pub fn missing_object(message: &str) -> Option<MissingObject> {
    let lower = message.to_ascii_lowercase();
    if let Some(at) = lower.find("couldn't find key ") {
        let rest = &message[at + "couldn't find key ".len()..];
        let (key, rest) = rest.split_once(" in ")?;
        let (kind, rest) = rest.split_once(' ')?;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "configmap" => "ConfigMap",
            "secret" => "Secret",
            _ => return None,
        };
        let object = rest.split_whitespace().next()?;
        let name = object.rsplit('/').next()?.trim_end_matches([',', '.', ';']);
        return Some(MissingObject {
            kind,
            name: name.to_string(),
            key: Some(key.to_string()),
        });
    }
    for (prefix, kind) in [
        ("configmaps \"", "ConfigMap"),
        ("configmap \"", "ConfigMap"),
        ("secrets \"", "Secret"),
        ("secret \"", "Secret"),
        ("persistentvolumeclaims \"", "PersistentVolumeClaim"),
        ("persistentvolumeclaim \"", "PersistentVolumeClaim"),
    ] {
        if let Some(at) = lower.find(prefix)
            && lower.contains("not found")
        {
            let rest = &message[at + prefix.len()..];
            let name = &rest[..rest.find('"')?];
            return Some(MissingObject {
                kind,
                name: name.to_string(),
                key: None,
            });
        }
    }
    None
}

/// The blocker waits in `CreateContainerConfigError`: a ConfigMap, Secret or key it uses is
/// missing (or another container setting cannot be applied).
pub fn check_config_missing(cx: &Context) -> Option<Finding> {
    config_missing(cx, cx.blocker.as_ref()?)
}

/// [`check_config_missing`] about any container (`AppConfigMissing`, `AppContainerConfigError`).
pub fn config_missing(cx: &Context, blocker: &Blocker) -> Option<Finding> {
    if blocker.waiting_reason() != Some("CreateContainerConfigError") {
        return None;
    }
    let message = blocker.waiting_message().unwrap_or_default();
    let events = cx.events(Some(blocker.name()), &["Failed"]);
    let missing = missing_object(message)
        .or_else(|| events.iter().rev().find_map(|e| missing_object(&e.message)));
    let ns = cx.namespace();
    let (others, unchecked) = match (&missing, blocker.spec) {
        (Some(m), Some(spec)) => also_missing(cx, spec, m),
        _ => (Vec::new(), Vec::new()),
    };
    let mut f = match &missing {
        Some(m) => {
            let mut names = vec![match &m.key {
                Some(key) => format!("key {key:?} of {} {:?}", m.kind, m.name),
                None => format!("{} {:?}", m.kind, m.name),
            }];
            names.extend(others.iter().map(|o| format!("{} {:?}", o.kind, o.name)));
            let verb = if names.len() == 1 { "does" } else { "do" };
            finding(
                &blocker.code("ConfigMissing"),
                Severity::Error,
                Some(blocker.name()),
                format!(
                    "{} cannot be created: {} {verb} not exist in namespace {ns}",
                    blocker.noun(),
                    and_list(&names)
                ),
            )
        }
        None => finding(
            &blocker.code("ContainerConfigError"),
            Severity::Error,
            Some(blocker.name()),
            format!(
                "{} cannot be created (CreateContainerConfigError): {}",
                blocker.noun(),
                if message.is_empty() {
                    "see the events"
                } else {
                    message
                }
            ),
        ),
    };
    if !message.is_empty() {
        f.evidence.push(format!("kubelet: {}", one_line(message)));
    }
    if let Some(e) = events.iter().rfind(|e| e.is_warning()) {
        f.evidence.push(event_line(e));
    }
    if let (Some(m), Some(spec)) = (&missing, blocker.spec) {
        f.evidence.extend(env_references(spec, m));
        for o in &others {
            f.evidence.extend(env_references(spec, o));
        }
    }
    if !others.is_empty() {
        let names: Vec<String> = others
            .iter()
            .map(|o| format!("{} {:?}", o.kind, o.name))
            .collect();
        f.evidence.push(format!(
            "looked up: {} {} not exist either (the kubelet names only the first missing object it meets)",
            and_list(&names),
            if names.len() == 1 { "does" } else { "do" }
        ));
    }
    f.evidence.extend(unchecked);
    f.hint = match &missing {
        Some(m) if !others.is_empty() => {
            let fixes: Vec<String> = std::iter::once(m)
                .chain(&others)
                .map(|o| fix_command(o, ns))
                .collect();
            format!(
                "create or fix each: {} (or fix the names in the pod spec), or mark the references `optional: true`",
                fixes.join("; ")
            )
        }
        Some(m) => create_hint(m, ns, "or mark the reference `optional: true`"),
        None if super::nonroot::hint(cx.pod, blocker, message).is_some() => {
            super::nonroot::hint(cx.pod, blocker, message).unwrap_or_default()
        }
        None => format!(
            "see the kubelet's message; details: kubectl describe pod {}",
            cx.pod_args()
        ),
    };
    Some(f)
}

/// The other objects `container` requires that the edge looked up and found missing, and a
/// line for each it could not check.
fn also_missing(
    cx: &Context,
    container: &Container,
    named: &MissingObject,
) -> (Vec<MissingObject>, Vec<String>) {
    let ns = cx.namespace();
    let mut missing = Vec::new();
    let mut unchecked = Vec::new();
    for r in required_refs(container) {
        if r.kind == named.kind && r.name == named.name {
            continue;
        }
        let Some((_, found)) = cx.evidence.config_objects.iter().find(|(c, _)| *c == r) else {
            continue;
        };
        match found {
            Lookup::Found(false) => missing.push(MissingObject {
                kind: r.kind,
                name: r.name,
                key: None,
            }),
            Lookup::Denied => unchecked.push(format!(
                "could not check whether {} {:?} exists (RBAC: cannot get {}s in namespace {ns})",
                r.kind,
                r.name,
                r.kind.to_ascii_lowercase()
            )),
            Lookup::Failed(why) => unchecked.push(format!(
                "could not check whether {} {:?} exists ({why})",
                r.kind, r.name
            )),
            Lookup::Found(true) | Lookup::NotChecked => {}
        }
    }
    (missing, unchecked)
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The one change that makes `m` exist.
fn fix_command(m: &MissingObject, ns: &str) -> String {
    let resource = m.kind.to_ascii_lowercase();
    match (&m.key, m.kind) {
        (Some(key), _) => format!(
            "add key {key:?} to {} {} (kubectl edit {resource} {} -n {ns})",
            m.kind, m.name, m.name
        ),
        (None, "Secret") => format!(
            "kubectl create secret generic {} -n {ns} --from-literal=KEY=VALUE",
            m.name
        ),
        (None, _) => format!(
            "kubectl create {resource} {} -n {ns} --from-literal=KEY=VALUE",
            m.name
        ),
    }
}

/// Where a container's environment refers to the missing object.
fn env_references(container: &Container, missing: &MissingObject) -> Vec<String> {
    let mut lines = Vec::new();
    for env in container.env.iter().flatten() {
        let Some(from) = env.value_from.as_ref() else {
            continue;
        };
        let reference = match missing.kind {
            "ConfigMap" => from
                .config_map_key_ref
                .as_ref()
                .map(|r| (r.name.as_str(), r.key.as_str())),
            "Secret" => from
                .secret_key_ref
                .as_ref()
                .map(|r| (r.name.as_str(), r.key.as_str())),
            _ => None,
        };
        if let Some((name, key)) = reference
            && name == missing.name
            && missing.key.as_deref().is_none_or(|k| k == key)
        {
            lines.push(format!(
                "env {} comes from {} {name:?} key {key:?}",
                env.name, missing.kind
            ));
        }
    }
    for from in container.env_from.iter().flatten() {
        let name = match missing.kind {
            "ConfigMap" => from.config_map_ref.as_ref().map(|r| r.name.as_str()),
            "Secret" => from.secret_ref.as_ref().map(|r| r.name.as_str()),
            _ => None,
        };
        if name == Some(missing.name.as_str()) {
            lines.push(format!(
                "envFrom takes all keys of {} {name:?}",
                missing.kind,
                name = missing.name
            ));
        }
    }
    lines
}

fn create_hint(m: &MissingObject, ns: &str, alternative: &str) -> String {
    match (m.kind, &m.key) {
        ("ConfigMap", Some(key)) => format!(
            "add key {key:?} to the ConfigMap (kubectl edit configmap {} -n {ns}), {alternative}",
            m.name
        ),
        ("Secret", Some(key)) => format!(
            "add key {key:?} to the Secret (kubectl edit secret {} -n {ns}), {alternative}",
            m.name
        ),
        ("ConfigMap", None) => format!(
            "create it: kubectl create configmap {} -n {ns} --from-literal=KEY=VALUE (or fix the name in the pod spec), {alternative}",
            m.name
        ),
        ("Secret", None) => format!(
            "create it: kubectl create secret generic {} -n {ns} --from-literal=KEY=VALUE (or fix the name in the pod spec), {alternative}",
            m.name
        ),
        _ => format!(
            "create the PersistentVolumeClaim {} in namespace {ns} (kubectl get pvc -n {ns}), or fix claimName in the pod spec",
            m.name
        ),
    }
}

/// FailedMount events while no container has started: a volume cannot be set up, so no
/// container of the pod can start.
pub fn check_volume_mount_failed(cx: &Context) -> Option<Finding> {
    let started = |r: &crate::timeline::InitContainerRow| {
        r.state != InitState::Waiting || r.restarts > 0 || r.exit_code.is_some()
    };
    // A pod without init containers is initialized at once: then its app containers tell.
    let any_started =
        cx.diagnosis.init_containers.iter().any(started) || cx.apps.iter().any(|c| started(c.row));
    if any_started {
        return None;
    }
    let events = cx.events(None, &["FailedMount", "FailedAttachVolume"]);
    let warning = events.iter().rev().find(|e| e.is_warning())?;
    let volume_name = events
        .iter()
        .rev()
        .find_map(|e| quoted_after(&e.message, "for volume "))
        .map(str::to_string)
        .or_else(|| unmounted_volumes(&warning.message).into_iter().next());
    let missing = events.iter().rev().find_map(|e| missing_object(&e.message));
    let volume = volume_name.as_deref().and_then(|name| {
        cx.pod
            .spec
            .as_ref()?
            .volumes
            .as_ref()?
            .iter()
            .find(|v| v.name == name)
    });
    let source = volume.and_then(volume_source);
    let message = match (&volume_name, &missing) {
        (Some(v), Some(m)) => format!(
            "volume {v:?} cannot be mounted: {} {:?} does not exist, so no container can start",
            m.kind, m.name
        ),
        (Some(v), None) => format!("volume {v:?} cannot be mounted, so no container can start"),
        (None, Some(m)) => format!(
            "a volume cannot be mounted: {} {:?} does not exist, so no container can start",
            m.kind, m.name
        ),
        (None, None) => "a volume cannot be mounted, so no container can start".into(),
    };
    let container = cx.blocker.as_ref().map(Blocker::name);
    let mut f = finding("VolumeMountFailed", Severity::Error, container, message);
    if let (Some(v), Some(source)) = (&volume_name, &source) {
        f.evidence.push(format!("volume {v:?} is {source}"));
    }
    for e in events
        .iter()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        f.evidence.push(event_line(e));
    }
    let ns = cx.namespace();
    f.hint = match &missing {
        Some(m) => create_hint(m, ns, "or mark the volume source `optional: true`"),
        None => format!(
            "see why the volume cannot be set up: kubectl describe pod {}",
            cx.pod_args()
        ),
    };
    Some(f)
}

/// `unmounted volumes=[a b]` → `["a", "b"]`.
fn unmounted_volumes(message: &str) -> Vec<String> {
    let Some(at) = message.find("unmounted volumes=[") else {
        return Vec::new();
    };
    let rest = &message[at + "unmounted volumes=[".len()..];
    let end = rest.find(']').unwrap_or(rest.len());
    rest[..end]
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What a volume is made from, in words.
fn volume_source(volume: &Volume) -> Option<String> {
    if let Some(cm) = &volume.config_map {
        return Some(format!("ConfigMap {:?}", cm.name));
    }
    if let Some(secret) = &volume.secret {
        return Some(format!(
            "Secret {:?}",
            secret.secret_name.as_deref().unwrap_or_default()
        ));
    }
    if let Some(pvc) = &volume.persistent_volume_claim {
        return Some(format!("PersistentVolumeClaim {:?}", pvc.claim_name));
    }
    if let Some(projected) = &volume.projected {
        let parts: Vec<String> = projected
            .sources
            .iter()
            .flatten()
            .filter_map(|s| {
                s.config_map
                    .as_ref()
                    .map(|c| format!("ConfigMap {:?}", c.name))
                    .or_else(|| s.secret.as_ref().map(|c| format!("Secret {:?}", c.name)))
            })
            .collect();
        if !parts.is_empty() {
            return Some(format!("projected from {}", parts.join(", ")));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::checks::testing::*;
    use serde_json::json;

    #[test]
    fn reads_the_kubelets_messages() {
        assert_eq!(
            missing_object("configmap \"app-config\" not found"),
            Some(MissingObject {
                kind: "ConfigMap",
                name: "app-config".into(),
                key: None
            })
        );
        assert_eq!(
            missing_object("Error: secrets \"db-pass\" not found"),
            Some(MissingObject {
                kind: "Secret",
                name: "db-pass".into(),
                key: None
            })
        );
        assert_eq!(
            missing_object("couldn't find key DB_HOST in ConfigMap shop/app-config"),
            Some(MissingObject {
                kind: "ConfigMap",
                name: "app-config".into(),
                key: Some("DB_HOST".into())
            })
        );
        assert_eq!(
            missing_object(
                "MountVolume.SetUp failed for volume \"data\" : persistentvolumeclaim \"pg-data\" not found"
            ),
            Some(MissingObject {
                kind: "PersistentVolumeClaim",
                name: "pg-data".into(),
                key: None
            })
        );
        assert_eq!(
            missing_object("container has runAsNonRoot and image will run as root"),
            None
        );
    }

    fn config_error(message: &str) -> crate::diagnosis::Evidence {
        let mut init = init("init-mydb", "echo $DB_HOST");
        init["env"] = json!([{"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "DB_HOST"}}}]);
        evidence(pod(
            json!([init]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init-mydb", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "CreateContainerConfigError", "message": message}}}]}),
        ))
    }

    #[test]
    fn config_missing_names_object_key_and_reference() {
        let f = only(
            &config_error("couldn't find key DB_HOST in ConfigMap shop/app-config"),
            "ConfigMissing",
        );
        assert_eq!(f.container.as_deref(), Some("init-mydb"));
        assert_eq!(
            f.message,
            "init container init-mydb cannot be created: key \"DB_HOST\" of ConfigMap \"app-config\" does not exist in namespace shop"
        );
        assert!(f.evidence.contains(
            &"env DB_HOST comes from ConfigMap \"app-config\" key \"DB_HOST\"".to_string()
        ));
        assert!(f.hint.contains("kubectl edit configmap app-config -n shop"));

        let f = only(
            &config_error("configmap \"app-config\" not found"),
            "ConfigMissing",
        );
        assert!(
            f.hint
                .contains("kubectl create configmap app-config -n shop")
        );

        let f = only(
            &config_error("container has runAsNonRoot and image will run as root"),
            "ContainerConfigError",
        );
        assert!(f.message.contains("runAsNonRoot"));
    }

    /// An init container in `CreateContainerConfigError` with the kubelet's `message`, its
    /// env reading a Secret through `envFrom`, a ConfigMap and a Secret through `valueFrom`,
    /// and an optional Secret (the spec of a pod run on the real node).
    fn several_refs(message: &str) -> crate::diagnosis::Evidence {
        let mut init = init("init-db", "true");
        init["envFrom"] = json!([{"secretRef": {"name": "all-secrets"}}]);
        init["env"] = json!([
            {"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "DB_HOST"}}},
            {"name": "DB_PASS", "valueFrom": {"secretKeyRef": {"name": "db-pass", "key": "password"}}},
            {"name": "OPT", "valueFrom": {"secretKeyRef": {"name": "opt-secret", "key": "k", "optional": true}}},
            {"name": "AGAIN", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "PORT"}}}]);
        evidence(pod(
            json!([init]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init-db", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "CreateContainerConfigError", "message": message}}}]}),
        ))
    }

    fn cref(kind: &'static str, name: &str) -> ConfigRef {
        ConfigRef {
            kind,
            name: name.into(),
        }
    }

    #[test]
    fn the_objects_to_look_up_are_those_the_kubelet_did_not_name() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            // As the kubelet on the real node wrote it: envFrom comes first.
            (
                "secret \"all-secrets\" not found",
                &[("ConfigMap", "app-config"), ("Secret", "db-pass")],
            ),
            (
                "configmap \"app-config\" not found",
                &[("Secret", "all-secrets"), ("Secret", "db-pass")],
            ),
            // A missing key: its object exists, the others may not.
            (
                "couldn't find key DB_HOST in ConfigMap shop/app-config",
                &[("Secret", "all-secrets"), ("Secret", "db-pass")],
            ),
            // Not about a missing object: nothing to look up.
            ("container has runAsNonRoot and image will run as root", &[]),
        ];
        for (message, want) in cases {
            let e = several_refs(message);
            let want: Vec<ConfigRef> = want.iter().map(|(k, n)| cref(k, n)).collect();
            assert_eq!(to_look_up(&e.pod), want, "{message}");
        }
        // A pod not in CreateContainerConfigError asks for nothing.
        let mut e = several_refs("x");
        e.pod.status = None;
        assert_eq!(to_look_up(&e.pod), Vec::new());
    }

    #[test]
    fn config_missing_names_every_object_looked_up_missing() {
        type Case<'a> = (
            &'a str,
            Vec<(&'static str, &'a str, Lookup<bool>)>,
            &'a str,
            &'a [&'a str],
        );
        let cases: Vec<Case> = vec![
            (
                "secret \"all-secrets\" not found",
                vec![
                    ("ConfigMap", "app-config", Lookup::Found(false)),
                    ("Secret", "db-pass", Lookup::Found(false)),
                ],
                "init container init-db cannot be created: Secret \"all-secrets\", ConfigMap \"app-config\" and Secret \"db-pass\" do not exist in namespace shop",
                &[
                    "env DB_HOST comes from ConfigMap \"app-config\" key \"DB_HOST\"",
                    "env DB_PASS comes from Secret \"db-pass\" key \"password\"",
                    "looked up: ConfigMap \"app-config\" and Secret \"db-pass\" do not exist either",
                    "kubectl create configmap app-config -n shop",
                    "kubectl create secret generic db-pass -n shop",
                    "kubectl create secret generic all-secrets -n shop",
                ],
            ),
            (
                "configmap \"app-config\" not found",
                vec![
                    ("Secret", "all-secrets", Lookup::Found(true)),
                    ("Secret", "db-pass", Lookup::Found(false)),
                ],
                "init container init-db cannot be created: ConfigMap \"app-config\" and Secret \"db-pass\" do not exist in namespace shop",
                &["looked up: Secret \"db-pass\" does not exist either"],
            ),
            (
                "couldn't find key DB_HOST in ConfigMap shop/app-config",
                vec![
                    ("Secret", "all-secrets", Lookup::Found(false)),
                    ("Secret", "db-pass", Lookup::Found(true)),
                ],
                "init container init-db cannot be created: key \"DB_HOST\" of ConfigMap \"app-config\" and Secret \"all-secrets\" do not exist in namespace shop",
                &[
                    "add key \"DB_HOST\" to ConfigMap app-config (kubectl edit configmap app-config -n shop)",
                    "kubectl create secret generic all-secrets -n shop",
                ],
            ),
            (
                "configmap \"app-config\" not found",
                vec![
                    ("Secret", "all-secrets", Lookup::Denied),
                    ("Secret", "db-pass", Lookup::Failed("timed out".into())),
                ],
                "init container init-db cannot be created: ConfigMap \"app-config\" does not exist in namespace shop",
                &[
                    "could not check whether Secret \"all-secrets\" exists (RBAC: cannot get secrets in namespace shop)",
                    "could not check whether Secret \"db-pass\" exists (timed out)",
                    "kubectl create configmap app-config -n shop",
                ],
            ),
            // Nothing looked up: the kubelet's object alone, as before.
            (
                "configmap \"app-config\" not found",
                vec![],
                "init container init-db cannot be created: ConfigMap \"app-config\" does not exist in namespace shop",
                &[],
            ),
        ];
        for (message, looked_up, want, says) in cases {
            let mut e = several_refs(message);
            e.config_objects = looked_up
                .into_iter()
                .map(|(kind, name, found)| (cref(kind, name), found))
                .collect();
            let f = only(&e, "ConfigMissing");
            assert_eq!(f.message, want, "{message}");
            let text = format!("{}\n{}", f.evidence.join("\n"), f.hint);
            for needle in says {
                assert!(text.contains(needle), "{message}: no {needle:?} in\n{text}");
            }
            assert!(!text.contains("opt-secret"), "{text}");
        }
    }

    #[test]
    fn volume_mount_failed_maps_the_volume_to_its_source() {
        let mut p = pod(
            json!([init("init-myservice", "true")]),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}}]}),
        );
        p["spec"]["volumes"] = json!([{"name": "config", "configMap": {"name": "redis-cofig"}}]);
        let e = with_events(
            evidence(p),
            vec![event(
                None,
                "Warning",
                "FailedMount",
                "MountVolume.SetUp failed for volume \"config\" : configmap \"redis-cofig\" not found",
                15,
            )],
        );
        let f = only(&e, "VolumeMountFailed");
        assert_eq!(
            f.message,
            "volume \"config\" cannot be mounted: ConfigMap \"redis-cofig\" does not exist, so no container can start"
        );
        assert_eq!(f.container.as_deref(), Some("init-myservice"));
        assert!(
            f.evidence
                .contains(&"volume \"config\" is ConfigMap \"redis-cofig\"".to_string())
        );
        assert!(
            f.evidence
                .iter()
                .any(|l| l.contains("FailedMount (x15, kubelet)"))
        );
        assert!(
            f.hint
                .contains("kubectl create configmap redis-cofig -n shop")
        );
    }

    #[test]
    fn old_mount_failures_do_not_count_once_a_container_ran() {
        let e = with_events(
            evidence(pod(
                json!([init("init-myservice", "true")]),
                json!({"phase": "Pending", "initContainerStatuses": [
                    {"name": "init-myservice", "image": "busybox:1.28", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"running": {}}}]}),
            )),
            vec![event(
                None,
                "Warning",
                "FailedMount",
                "MountVolume.SetUp failed for volume \"config\" : configmap \"x\" not found",
                1,
            )],
        );
        assert!(!codes(&e).contains(&"VolumeMountFailed".to_string()));
    }
}
