//! A unit of work sent to a plugin.

use super::{ErrorCode, PluginError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One task: an id chosen by the caller, a type the plugin dispatches on, and
/// JSON parameters.
///
/// ```
/// use leanvibe_test::plugin::Task;
/// use serde_json::json;
///
/// let task = Task::new("t1", "process_data")
///     .param("input_data", json!([{"name": "a", "value": 1}]));
/// assert_eq!(task.task_type, "process_data");
/// assert_eq!(
///     serde_json::to_value(&task).unwrap(),
///     json!({"task_id": "t1", "task_type": "process_data",
///            "parameters": {"input_data": [{"name": "a", "value": 1}]}}),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Task {
    /// The caller's id for this task; echoed in the [`TaskResult`](super::TaskResult).
    pub task_id: String,
    /// What to do, e.g. `"process_data"`.
    pub task_type: String,
    /// The task's inputs.
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

impl Task {
    /// A task with no parameters.
    ///
    /// ```
    /// let task = leanvibe_test::plugin::Task::new("t1", "ping");
    /// assert!(task.parameters.is_empty());
    /// ```
    pub fn new(task_id: impl Into<String>, task_type: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
            task_type: task_type.into(),
            parameters: Map::new(),
        }
    }

    /// Sets one parameter, replacing an earlier value of the same name.
    ///
    /// ```
    /// let task = leanvibe_test::plugin::Task::new("t1", "cache").param("key", "k");
    /// assert_eq!(task.parameters["key"], "k");
    /// ```
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.parameters.insert(name.into(), value.into());
        self
    }

    /// The value of a parameter, if present.
    ///
    /// ```
    /// let task = leanvibe_test::plugin::Task::new("t1", "cache").param("key", "k");
    /// assert_eq!(task.param_value("key").and_then(|v| v.as_str()), Some("k"));
    /// ```
    pub fn param_value(&self, name: &str) -> Option<&Value> {
        self.parameters.get(name)
    }

    /// The value of a required parameter, or a
    /// [`MISSING_PARAMETER`](ErrorCode::MissingParameter) error naming it.
    /// JSON `null` counts as missing.
    ///
    /// ```
    /// use leanvibe_test::plugin::{ErrorCode, Task};
    ///
    /// let err = Task::new("t1", "cache").required("key").unwrap_err();
    /// assert_eq!(err.code, ErrorCode::MissingParameter);
    /// assert!(err.message.contains("key"));
    /// ```
    pub fn required(&self, name: &str) -> Result<&Value, PluginError> {
        match self.parameters.get(name) {
            Some(Value::Null) | None => Err(PluginError::new(
                ErrorCode::MissingParameter,
                format!("missing required parameter `{name}`"),
            )),
            Some(value) => Ok(value),
        }
    }

    /// A required string parameter: [`MISSING_PARAMETER`](ErrorCode::MissingParameter)
    /// if absent, [`INVALID_PARAMETER`](ErrorCode::InvalidParameter) if not a string.
    ///
    /// ```
    /// use leanvibe_test::plugin::{ErrorCode, Task};
    ///
    /// let task = Task::new("t1", "cache").param("key", 7);
    /// assert_eq!(task.required_str("key").unwrap_err().code, ErrorCode::InvalidParameter);
    /// ```
    pub fn required_str(&self, name: &str) -> Result<&str, PluginError> {
        self.required(name)?.as_str().ok_or_else(|| {
            PluginError::new(
                ErrorCode::InvalidParameter,
                format!("parameter `{name}` must be a string"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_json() {
        let task = Task::new("t-9", "fetch")
            .param("path", "/items")
            .param("nested", json!({"a": [1, 2, {"b": null}]}));
        let text = serde_json::to_string(&task).unwrap();
        assert_eq!(serde_json::from_str::<Task>(&text).unwrap(), task);
    }

    #[test]
    fn parameters_default_to_empty_when_absent_on_the_wire() {
        let task: Task = serde_json::from_value(json!({"task_id": "a", "task_type": "b"})).unwrap();
        assert_eq!(task, Task::new("a", "b"));
    }

    #[test]
    fn null_is_missing() {
        let task = Task::new("t", "x").param("p", Value::Null);
        assert_eq!(
            task.required("p").unwrap_err().code,
            ErrorCode::MissingParameter
        );
    }
}
