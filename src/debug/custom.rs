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
/// As kubectl: JSON that does not read as a container is read again as YAML, and YAML is read as
/// `sigs.k8s.io/yaml` reads it — YAML 1.1 numbers (a leading `0` is octal: `runAsUser: 0644`
/// is 420), turned into JSON by Go's encoder, which writes a whole float as an integer (`1e3`
/// is 1000; `09`, not octal, is the float 9).
pub fn parse(text: &str, file: &str) -> Result<Value, String> {
    let value: Value = match serde_json::from_str::<Value>(text) {
        Ok(v) if serde_json::from_value::<EphemeralContainer>(with_name(&v)).is_ok() => v,
        _ => {
            let mut value: Value = serde_saphyr::from_str_with_options(
                text,
                serde_saphyr::options! { legacy_octal_numbers: true },
            )
            .map_err(|e| {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or("").to_string();
                format!("{file} does not contain a valid container spec: {first}")
            })?;
            whole_floats_as_integers(&mut value);
            value
        }
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

/// Go's JSON encoder writes a float that is a whole number (below 1e21) without a fraction:
/// such a float fits an integer field. Beyond `i64` it stays a float (and fits none).
fn whole_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e18
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_floats_as_integers),
        _ => {}
    }
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
    fn numbers_read_as_kubectl_reads_them() {
        // (runAsUser as written, what kubectl debug --custom sends, None: refused) — kubectl's
        // answers, from its reader (JSON, then sigs.k8s.io/yaml v1.6.0) into a corev1.Container.
        let yaml_cases = [
            ("0644", Some(420)),
            ("-0644", Some(-420)),
            ("+0644", Some(420)),
            ("0_644", Some(420)),
            ("0o644", Some(420)),
            ("0x1A4", Some(420)),
            ("0b110100100", Some(420)),
            ("644", Some(644)),
            ("0", Some(0)),
            ("00", Some(0)),
            ("09", Some(9)),
            ("1_000", Some(1000)),
            ("1e3", Some(1000)),
            ("9.0", Some(9)),
            ("0644.5", None),
            ("1e21", None),
            ("\"0644\"", None),
        ];
        let json_cases = [
            ("0644", Some(420)),
            ("644", Some(644)),
            ("1e3", Some(1000)),
            ("9.0", Some(9)),
            ("9.5", None),
        ];
        let texts = yaml_cases
            .iter()
            .map(|(n, want)| (format!("securityContext:\n  runAsUser: {n}\n"), *want))
            .chain(json_cases.iter().map(|(n, want)| {
                (
                    format!(r#"{{"securityContext": {{"runAsUser": {n}}}}}"#),
                    *want,
                )
            }));
        for (text, want) in texts {
            let sent = parse(&text, "p")
                .and_then(|custom| apply(&container(), &custom))
                .map(|merged| merged.security_context.and_then(|s| s.run_as_user));
            match want {
                Some(user) => assert_eq!(sent, Ok(Some(user)), "{text}"),
                None => assert!(sent.is_err(), "{text}: {sent:?}"),
            }
        }
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
