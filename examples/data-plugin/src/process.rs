//! The `process_data` task: validate records, normalise and escape their
//! names, compute statistics over their values.

use crate::params::kind;
use leanvibe_test::plugin::{ErrorCode, PluginError, Task};
use serde_json::{Map, Value, json};

/// Limits `process_data` enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most items per task; more is `PAYLOAD_TOO_LARGE`.
    pub max_items: usize,
    /// Longest name in characters after normalisation; longer is
    /// `INVALID_PARAMETER`.
    pub max_name_chars: usize,
}

/// Runs `process_data` on the task's `input_data`.
///
/// `input_data` must be an array of objects, each with a string `name` and a
/// number `value`:
/// - absent (or `null`) `input_data`, or an item without `name`/`value`:
///   `MISSING_PARAMETER`;
/// - anything of the wrong type, or a name empty after trimming or too long:
///   `INVALID_PARAMETER`, naming the offending `input_data[i].field`;
/// - more than [`Limits::max_items`] items: `PAYLOAD_TOO_LARGE`.
///
/// Each name is trimmed, its control characters removed, its runs of
/// whitespace collapsed to one space, and the result HTML-escaped (`&`, `<`,
/// `>`, `"`, `'`, `/`), so it is safe in HTML text and quoted attributes.
/// Other fields of an item are dropped. Values are kept as given.
///
/// ```
/// use data_plugin::process::{process_data, Limits};
/// use leanvibe_test::plugin::Task;
/// use serde_json::json;
///
/// let task = Task::new("t1", "process_data")
///     .param("input_data", json!([{"name": "  <b>Ann</b> ", "value": 2}, {"name": "Bo", "value": 4}]));
/// let out = process_data(&task, Limits { max_items: 10, max_name_chars: 50 }).unwrap();
/// assert_eq!(out["items"][0]["name"], "&lt;b&gt;Ann&lt;&#x2F;b&gt;");
/// assert_eq!(out["statistics"]["mean"], 3.0);
/// ```
pub fn process_data(task: &Task, limits: Limits) -> Result<Value, PluginError> {
    let input = task.required("input_data")?;
    let items = input.as_array().ok_or_else(|| {
        invalid(format!(
            "`input_data` must be an array of objects, got {}",
            kind(input)
        ))
    })?;
    if items.len() > limits.max_items {
        return Err(PluginError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "`input_data` has {} items, more than the limit of {}",
                items.len(),
                limits.max_items
            ),
        ));
    }

    let mut out = Vec::with_capacity(items.len());
    let mut stats = Statistics::default();
    for (index, item) in items.iter().enumerate() {
        let object = item.as_object().ok_or_else(|| {
            invalid(format!(
                "input_data[{index}] must be an object, got {}",
                kind(item)
            ))
        })?;
        let name = normalise_name(field(object, index, "name")?, index, limits)?;
        let value = field(object, index, "value")?;
        let number = value.as_f64().ok_or_else(|| {
            invalid(format!(
                "input_data[{index}].value must be a number, got {}",
                kind(value)
            ))
        })?;
        stats.add(number);
        out.push(json!({ "name": name, "value": value }));
    }
    if !stats.sum.is_finite() {
        return Err(invalid(
            "the sum of `input_data` values overflows a 64-bit float".to_owned(),
        ));
    }
    Ok(json!({ "items": out, "statistics": stats.to_json() }))
}

fn field<'a>(
    object: &'a Map<String, Value>,
    index: usize,
    name: &str,
) -> Result<&'a Value, PluginError> {
    match object.get(name) {
        None | Some(Value::Null) => Err(PluginError::new(
            ErrorCode::MissingParameter,
            format!("input_data[{index}].{name} is missing"),
        )),
        Some(value) => Ok(value),
    }
}

fn normalise_name(value: &Value, index: usize, limits: Limits) -> Result<String, PluginError> {
    let raw = value.as_str().ok_or_else(|| {
        invalid(format!(
            "input_data[{index}].name must be a string, got {}",
            kind(value)
        ))
    })?;
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    let normalised = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if normalised.is_empty() {
        return Err(invalid(format!("input_data[{index}].name is empty")));
    }
    let chars = normalised.chars().count();
    if chars > limits.max_name_chars {
        return Err(invalid(format!(
            "input_data[{index}].name has {chars} characters, more than the limit of {}",
            limits.max_name_chars
        )));
    }
    Ok(html_escape::encode_safe(&normalised).into_owned())
}

#[derive(Default)]
struct Statistics {
    count: usize,
    sum: f64,
    min: Option<f64>,
    max: Option<f64>,
}

impl Statistics {
    fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = Some(self.min.map_or(value, |m| m.min(value)));
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
    }

    fn to_json(&self) -> Value {
        let mean = (self.count > 0).then(|| self.sum / self.count as f64);
        json!({
            "count": self.count,
            "sum": self.sum,
            "mean": mean,
            "min": self.min,
            "max": self.max,
        })
    }
}

fn invalid(message: String) -> PluginError {
    PluginError::new(ErrorCode::InvalidParameter, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_items: 3,
        max_name_chars: 40,
    };

    fn run(input: Value) -> Result<Value, PluginError> {
        process_data(
            &Task::new("t", "process_data").param("input_data", input),
            LIMITS,
        )
    }

    #[test]
    fn transforms_and_computes_statistics() {
        let out = run(json!([
            {"name": "  alpha\t\n beta ", "value": 1.5, "extra": "dropped"},
            {"name": "x\u{0007}y", "value": -3},
            {"name": "Tom & \"Jerry\"", "value": 10},
        ]))
        .unwrap();
        assert_eq!(
            out["items"],
            json!([
                {"name": "alpha beta", "value": 1.5},
                {"name": "xy", "value": -3},
                {"name": "Tom &amp; &quot;Jerry&quot;", "value": 10},
            ])
        );
        assert_eq!(
            out["statistics"],
            json!({"count": 3, "sum": 8.5, "mean": 8.5 / 3.0, "min": -3.0, "max": 10.0})
        );
    }

    #[test]
    fn an_empty_array_has_null_statistics() {
        let out = run(json!([])).unwrap();
        assert_eq!(
            out["statistics"],
            json!({"count": 0, "sum": 0.0, "mean": null, "min": null, "max": null})
        );
    }

    #[test]
    fn script_payloads_come_out_inert() {
        let out = run(json!([
            {"name": "<script>alert('x')</script>", "value": 1},
            {"name": "\"><img src=x>", "value": 2},
        ]))
        .unwrap();
        for item in out["items"].as_array().unwrap() {
            let name = item["name"].as_str().unwrap();
            assert!(!name.contains(['<', '>', '"', '\'']), "{name}");
        }
    }

    #[test]
    fn validation_errors_name_the_offender() {
        let cases = [
            (
                Value::Null,
                ErrorCode::MissingParameter,
                "missing required parameter `input_data`",
            ),
            (
                json!({"name": "a"}),
                ErrorCode::InvalidParameter,
                "`input_data` must be an array of objects, got an object",
            ),
            (
                json!([{"name": "a", "value": 1}, 7]),
                ErrorCode::InvalidParameter,
                "input_data[1] must be an object, got a number",
            ),
            (
                json!([{"value": 1}]),
                ErrorCode::MissingParameter,
                "input_data[0].name is missing",
            ),
            (
                json!([{"name": "a"}]),
                ErrorCode::MissingParameter,
                "input_data[0].value is missing",
            ),
            (
                json!([{"name": 5, "value": 1}]),
                ErrorCode::InvalidParameter,
                "input_data[0].name must be a string, got a number",
            ),
            (
                json!([{"name": "a", "value": "1"}]),
                ErrorCode::InvalidParameter,
                "input_data[0].value must be a number, got a string",
            ),
            (
                json!([{"name": " \t ", "value": 1}]),
                ErrorCode::InvalidParameter,
                "input_data[0].name is empty",
            ),
            (
                json!([{"name": "é".repeat(41), "value": 1}]),
                ErrorCode::InvalidParameter,
                "input_data[0].name has 41 characters, more than the limit of 40",
            ),
            (
                json!([{"name": "a", "value": 1e308}, {"name": "b", "value": 1e308}]),
                ErrorCode::InvalidParameter,
                "overflows",
            ),
            (
                json!([{}, {}, {}, {}]),
                ErrorCode::PayloadTooLarge,
                "`input_data` has 4 items, more than the limit of 3",
            ),
        ];
        for (input, code, message) in cases {
            let err = run(input.clone()).unwrap_err();
            assert_eq!(err.code, code, "{input}: {err}");
            assert!(err.message.contains(message), "{input}: {err}");
        }
    }
}
