//! Manifests as text to objects, the way `kubectl apply -f` reads them: YAML with several
//! documents (`---`), JSON, and `List`s (`kind: List`, `…List`) unwrapped into their items.
//! Pure and bounded: at most [`MAX_OBJECTS`] objects, `List`s nested [`MAX_LIST_DEPTH`] deep;
//! the YAML reader has its own budget (aliases, depth, size).

use serde_json::Value;

/// The most objects one run reads, over every file.
pub const MAX_OBJECTS: usize = 20_000;
/// How deep `List`s inside `List`s are unwrapped.
const MAX_LIST_DEPTH: usize = 4;

/// One object of the bundle and where it was read (`file` or `file#3`, the document).
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub source: String,
    pub value: Value,
}

/// The objects of one file's text (`name` is the file, `-` for stdin). Empty documents and
/// `null`s are skipped; a document that is not an object, or an object without `kind`, is an
/// error naming the file and the document.
pub fn parse(name: &str, text: &str) -> Result<Vec<Loaded>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let documents: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // JSON: one value, or several one after the other (kubectl reads a stream).
        serde_json::Deserializer::from_str(trimmed)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{name}: not valid JSON: {e}"))?
    } else {
        // YAML 1.1 numbers, as the API machinery reads them: `0644` is octal.
        let options = serde_saphyr::options! { legacy_octal_numbers: true };
        serde_saphyr::from_multiple_with_options::<Value>(trimmed, options)
            .map_err(|e| format!("{name}: not valid YAML: {}", first_line(&e.to_string())))?
    };
    let many = documents.len() > 1;
    let mut out = Vec::new();
    for (i, doc) in documents.into_iter().enumerate() {
        let source = if many {
            format!("{name}#{}", i + 1)
        } else {
            name.to_string()
        };
        unwrap(doc, &source, 0, &mut out)?;
        if out.len() > MAX_OBJECTS {
            return Err(format!(
                "{name}: more than {MAX_OBJECTS} objects: split the bundle"
            ));
        }
    }
    Ok(out)
}

fn unwrap(doc: Value, source: &str, depth: usize, out: &mut Vec<Loaded>) -> Result<(), String> {
    match doc {
        Value::Null => Ok(()),
        Value::Array(items) => items
            .into_iter()
            .try_for_each(|item| unwrap(item, source, depth + 1, out)),
        Value::Object(map) => {
            let Some(kind) = map.get("kind").and_then(Value::as_str).map(str::to_string) else {
                return Err(format!(
                    "{source}: an object without `kind`: every manifest needs apiVersion and kind"
                ));
            };
            if kind.ends_with("List") && map.get("items").is_some_and(Value::is_array) {
                if depth >= MAX_LIST_DEPTH {
                    return Err(format!(
                        "{source}: Lists nested more than {MAX_LIST_DEPTH} deep"
                    ));
                }
                let Some(Value::Array(items)) =
                    map.into_iter().find(|(k, _)| k == "items").map(|(_, v)| v)
                else {
                    return Ok(());
                };
                return items
                    .into_iter()
                    .try_for_each(|item| unwrap(item, source, depth + 1, out));
            }
            out.push(Loaded {
                source: source.to_string(),
                value: Value::Object(map),
            });
            Ok(())
        }
        other => Err(format!(
            "{source}: not a Kubernetes object (a {}): every document must be a mapping with apiVersion and kind",
            match other {
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                _ => "string",
            }
        )),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(loaded: &[Loaded]) -> Vec<String> {
        loaded
            .iter()
            .map(|l| format!("{}@{}", l.value["kind"].as_str().unwrap(), l.source))
            .collect()
    }

    #[test]
    fn documents_lists_and_json_become_objects() {
        // (what, text, the kinds and sources read, or a part of the error)
        type Case<'a> = (&'a str, &'a str, Result<&'a [&'a str], &'a str>);
        let cases: &[Case] = &[
            (
                "one yaml",
                "kind: Service\nmetadata: {name: a}\n",
                Ok(&["Service@f"]),
            ),
            (
                "several documents, empty ones and comments skipped",
                "# Source: x\n---\nkind: Service\n---\n\n---\n# only a comment\n---\nkind: Pod\n",
                Ok(&["Service@f#1", "Pod@f#2"]),
            ),
            (
                "a List and a typed list",
                "kind: List\nitems:\n- kind: ConfigMap\n- kind: ServiceList\n  items: [{kind: Service}]\n",
                Ok(&["ConfigMap@f", "Service@f"]),
            ),
            ("json", "{\"kind\": \"Pod\"}", Ok(&["Pod@f"])),
            (
                "a json stream",
                "{\"kind\": \"Pod\"}\n{\"kind\": \"Service\"}",
                Ok(&["Pod@f#1", "Service@f#2"]),
            ),
            ("a json array", "[{\"kind\": \"Pod\"}]", Ok(&["Pod@f"])),
            ("no kind", "metadata: {name: a}\n", Err("without `kind`")),
            ("a scalar", "just text\n", Err("not a Kubernetes object")),
            ("bad yaml", "kind: [unclosed\n", Err("not valid YAML")),
            ("bad json", "{\"kind\": ", Err("not valid JSON")),
        ];
        for (what, text, want) in cases {
            let got = parse("f", text);
            match (want, got) {
                (Ok(want), Ok(got)) => assert_eq!(kinds(&got), *want, "{what}"),
                (Err(want), Err(got)) => assert!(got.contains(want), "{what}: {got}"),
                (want, got) => panic!("{what}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn numbers_are_read_as_the_api_machinery_reads_them() {
        // YAML 1.1: a leading 0 is octal (`defaultMode: 0644` is 420).
        let got = parse("f", "kind: Pod\nmode: 0644\nport: 8080\n").unwrap();
        assert_eq!(got[0].value["mode"], 420);
        assert_eq!(got[0].value["port"], 8080);
    }

    #[test]
    fn lists_nested_too_deep_are_refused() {
        let deep = format!(
            "{}{{\"kind\":\"Pod\"}}{}",
            "{\"kind\":\"List\",\"items\":[".repeat(6),
            "]}".repeat(6)
        );
        assert!(parse("f", &deep).unwrap_err().contains("nested"));
    }
}
