//! `--custom FILE`: a partial container spec merged into the debug container after the profile,
//! as `kubectl debug --custom` does (a strategic merge: lists of named things merge by their
//! key, everything else replaces), with kubectl's refusals.

use k8s_openapi::api::core::v1::EphemeralContainer;
use serde_json::Value;

/// The fields kubectl refuses in a custom profile.
const NOT_MODIFIABLE: &[&str] = &["name", "command", "image", "lifecycle", "volumeDevices"];

/// The merge key of the container's lists that merge (the others are replaced).
const MERGE_KEYS: &[(&str, &str)] = &[
    ("env", "name"),
    ("volumeMounts", "mountPath"),
    ("ports", "containerPort"),
    ("resizePolicy", "resourceName"),
];

/// Read a custom profile: JSON, else YAML; a mapping that changes none of the refused fields.
pub fn parse(text: &str, file: &str) -> Result<Value, String> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => serde_saphyr::from_str(text).map_err(|e| {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("").to_string();
            format!("{file} does not contain a valid container spec: {first}")
        })?,
    };
    let Some(object) = value.as_object() else {
        return Err(format!(
            "{file} does not contain a valid container spec: expected a mapping of container fields"
        ));
    };
    if NOT_MODIFIABLE.iter().any(|f| object.contains_key(*f)) {
        return Err(
            "name, command, image, lifecycle and volume devices are not modifiable via custom profile"
                .into(),
        );
    }
    // It must read as a container.
    serde_json::from_value::<EphemeralContainer>(with_name(&value))
        .map_err(|e| format!("{file} does not contain a valid container spec: {e}"))?;
    Ok(value)
}

fn with_name(value: &Value) -> Value {
    let mut v = value.clone();
    if let Some(o) = v.as_object_mut() {
        o.insert("name".into(), Value::String("x".into()));
    }
    v
}

/// Merge `custom` into `container`.
pub fn apply(container: &EphemeralContainer, custom: &Value) -> Result<EphemeralContainer, String> {
    let mut base = serde_json::to_value(container).map_err(|e| e.to_string())?;
    merge(&mut base, custom, None);
    serde_json::from_value(base).map_err(|e| format!("the custom profile does not apply: {e}"))
}

fn merge(base: &mut Value, patch: &Value, key: Option<&str>) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                    continue;
                }
                let list_key = MERGE_KEYS.iter().find(|(f, _)| f == k).map(|(_, mk)| *mk);
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v, list_key),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(b), Value::Array(p)) if key.is_some() => {
            let key = key.unwrap_or_default();
            for item in p {
                let id = item.get(key);
                match b.iter_mut().find(|x| id.is_some() && x.get(key) == id) {
                    Some(existing) => merge(existing, item, None),
                    None => b.push(item.clone()),
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn container() -> EphemeralContainer {
        serde_json::from_value(json!({
            "name": "debugger-abcde", "image": "busybox:1.35",
            "env": [{"name": "A", "value": "1"}],
            "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}}
        }))
        .unwrap()
    }

    #[test]
    fn merges_as_a_strategic_patch() {
        let custom = parse(
            "env:\n- name: A\n  value: two\n- name: B\n  value: b\nsecurityContext:\n  runAsUser: 0\nworkingDir: /tmp\n",
            "p.yaml",
        )
        .unwrap();
        let merged = serde_json::to_value(apply(&container(), &custom).unwrap()).unwrap();
        assert_eq!(
            merged,
            json!({
                "name": "debugger-abcde", "image": "busybox:1.35", "workingDir": "/tmp",
                "env": [{"name": "A", "value": "two"}, {"name": "B", "value": "b"}],
                "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}, "runAsUser": 0}
            })
        );
    }

    #[test]
    fn refuses_what_kubectl_refuses() {
        let cases = [
            r#"{"image": "x"}"#,
            r#"{"name": "x"}"#,
            "command: [sh]\n",
            r#"{"lifecycle": {}}"#,
            r#"{"volumeDevices": []}"#,
        ];
        for text in cases {
            assert_eq!(
                parse(text, "f").unwrap_err(),
                "name, command, image, lifecycle and volume devices are not modifiable via custom profile",
                "{text}"
            );
        }
        assert!(
            parse("[1, 2]", "f")
                .unwrap_err()
                .starts_with("f does not contain a valid container spec")
        );
        assert!(
            parse("env: 3\n", "f")
                .unwrap_err()
                .starts_with("f does not contain")
        );
    }
}
