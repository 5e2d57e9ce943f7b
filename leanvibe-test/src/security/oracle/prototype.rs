//! The `prototype_pollution` oracle: keys in JSON output that a JavaScript
//! consumer's recursive merge (`_.merge`, `Object.assign` in a loop, a
//! hand-written deep copy) would follow out of the object it merges into.
//!
//! `JSON.parse` makes `__proto__` an ordinary own key; the damage is done by
//! the merge that copies it: `target["__proto__"]` is `Object.prototype`, so
//! every object in the program gains the payload's properties. The same
//! holds for `constructor` holding an object (`target.constructor` is
//! `Object`; with a nested `prototype` it is `Object.prototype` again).
//! So a finding is:
//!
//! - a `__proto__` key anywhere, whatever its value;
//! - a `constructor` or `prototype` key whose value is an object (a merge
//!   recurses into it). Holding a string or a number they only overwrite an
//!   own property, which data such as `{"constructor": "Ferrari"}` does.
//!
//! Keys at paths the function's benign output already has are not findings.

use crate::json::Value;

/// Strings longer than this are not parsed as embedded JSON documents.
const EMBEDDED_JSON_MAX: usize = 1 << 20;

/// The paths (`a.__proto__`, `[0].constructor.prototype`) of the keys a
/// merge would follow out of `value`. A string that holds a JSON object
/// or array is looked into as well (`body(JSON).__proto__`): a consumer
/// that parses it merges what it holds.
pub(crate) fn polluting_paths(value: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    walk(value, "", &mut paths);
    paths
}

fn walk(value: &Value, path: &str, paths: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let followed = match key.as_str() {
                    "__proto__" => true,
                    "constructor" | "prototype" => matches!(item, Value::Object(_)),
                    _ => false,
                };
                if followed {
                    paths.push(here.clone());
                }
                walk(item, &here, paths);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{index}]"), paths);
            }
        }
        Value::String(text) => {
            if let Some(embedded) = json_document(text) {
                walk(&embedded, &format!("{path}(JSON)"), paths);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `text` as a JSON object or array, if it is one.
pub(crate) fn json_document(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.len() > EMBEDDED_JSON_MAX || !(trimmed.starts_with('{') || trimmed.starts_with('['))
    {
        return None;
    }
    crate::json::from_str::<Value>(trimmed)
        .ok()
        .filter(|v| matches!(v, Value::Object(_) | Value::Array(_)))
}

/// The finding's evidence for `paths` (those not in the benign output), or
/// `None` when there are none.
pub(crate) fn evidence(paths: &[String], benign: &[String]) -> Option<String> {
    let new: Vec<&str> = paths
        .iter()
        .filter(|p| !benign.contains(p))
        .map(String::as_str)
        .collect();
    if new.is_empty() {
        return None;
    }
    let reaches_object_prototype = new
        .iter()
        .any(|p| p.ends_with("__proto__") || p.ends_with("constructor.prototype"));
    let effect = if reaches_object_prototype {
        "a JavaScript consumer that merges this output writes to Object.prototype"
    } else {
        "a JavaScript consumer that merges this output writes into a constructor or prototype"
    };
    Some(format!(
        "the JSON output keeps {}: {effect}",
        new.iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str) -> Vec<String> {
        polluting_paths(&json_document(text).expect("JSON"))
    }

    #[test]
    fn finds_proto_and_constructor_prototype_at_any_depth() {
        assert_eq!(paths(r#"{"__proto__":{"admin":true}}"#), ["__proto__"]);
        assert_eq!(
            paths(r#"{"constructor":{"prototype":{"x":1}}}"#),
            ["constructor", "constructor.prototype"]
        );
        assert_eq!(
            paths(r#"{"a":{"b":[{"__proto__":null}]}}"#),
            ["a.b[0].__proto__"]
        );
        assert_eq!(
            paths(r#"{"body":"{\"__proto__\":{\"x\":1}}"}"#),
            ["body(JSON).__proto__"]
        );
    }

    #[test]
    fn plain_values_under_constructor_or_prototype_are_data() {
        assert!(paths(r#"{"constructor":"Ferrari","prototype":3,"name":"__proto__"}"#).is_empty());
        assert!(paths(r#"["__proto__", {"html": "&quot;__proto__&quot;"}]"#).is_empty());
        assert!(json_document("__proto__[admin]=1").is_none());
        assert!(json_document("\"a string\"").is_none());
    }

    #[test]
    fn evidence_skips_what_the_benign_output_has() {
        let found = vec!["meta.constructor".to_string(), "__proto__".to_string()];
        let benign = vec!["meta.constructor".to_string()];
        assert_eq!(
            evidence(&found, &benign).unwrap(),
            "the JSON output keeps `__proto__`: a JavaScript consumer that merges this output \
             writes to Object.prototype"
        );
        assert!(evidence(&benign, &benign).is_none());
        let prototype_only = vec!["prototype".to_string()];
        assert!(
            evidence(&prototype_only, &[])
                .unwrap()
                .contains("into a constructor or prototype")
        );
    }
}
