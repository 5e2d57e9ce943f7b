//! What a plugin answers to a task.

use super::{ErrorCode, PluginError, Task};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The outcome of one task.
///
/// Plugins build it with [`TaskResult::success`] or [`TaskResult::error`] and
/// tag it with [`for_task`](TaskResult::for_task); a result whose ids are left
/// empty is stamped by the [`PluginHarness`](super::PluginHarness).
///
/// ```
/// use leanvibe_test::plugin::{ErrorCode, Task, TaskResult};
/// use serde_json::json;
///
/// let task = Task::new("t1", "process_data");
/// let ok = TaskResult::success(json!({"count": 2})).for_task("data-plugin", &task);
/// assert!(ok.success && ok.error_code.is_none());
///
/// let err = TaskResult::error(ErrorCode::MissingParameter, "missing `input_data`");
/// assert_eq!(
///     serde_json::to_value(&err).unwrap()["error_code"],
///     json!("MISSING_PARAMETER"),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskResult {
    /// `true` when the task did what it was asked.
    pub success: bool,
    /// The id of the plugin that produced the result.
    #[serde(default)]
    pub plugin_id: String,
    /// The id of the task this answers.
    #[serde(default)]
    pub task_id: String,
    /// The task's output (`null` when there is none).
    #[serde(default)]
    pub data: Value,
    /// A human-readable error message, for failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The machine-readable error code, for failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    /// How long the task took, in milliseconds. The harness overwrites it with
    /// its own measurement (see [`HarnessMarks::plugin_reported_ms`]).
    #[serde(default)]
    pub execution_time_ms: f64,
    /// Set by the [`PluginHarness`](super::PluginHarness) only: what it changed
    /// or produced. Absent on results straight from a plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness: Option<HarnessMarks>,
}

/// What the harness recorded about a result it returned.
///
/// ```
/// use leanvibe_test::plugin::HarnessMarks;
/// let marks = HarnessMarks { plugin_reported_ms: Some(5.0), timed_out_after_ms: None };
/// let json = serde_json::to_value(&marks).unwrap();
/// assert_eq!(serde_json::from_value::<HarnessMarks>(json).unwrap(), marks);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HarnessMarks {
    /// The `execution_time_ms` the plugin itself reported, replaced in the
    /// result by the harness's measurement. `None` when the harness produced
    /// the result (timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_reported_ms: Option<f64>,
    /// `Some(limit)` when the task ran past the harness's per-task timeout of
    /// `limit` ms and this result was produced by the harness, not the plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timed_out_after_ms: Option<u64>,
}

impl TaskResult {
    /// A successful result carrying `data`, with empty ids.
    ///
    /// ```
    /// let result = leanvibe_test::plugin::TaskResult::success(serde_json::json!([1, 2]));
    /// assert!(result.success);
    /// ```
    pub fn success(data: impl Into<Value>) -> Self {
        Self {
            success: true,
            data: data.into(),
            ..Self::default()
        }
    }

    /// A failed result with a code and a message, with empty ids.
    ///
    /// ```
    /// use leanvibe_test::plugin::{ErrorCode, TaskResult};
    /// let result = TaskResult::error(ErrorCode::Timeout, "upstream took 5 s");
    /// assert_eq!(result.error.as_deref(), Some("upstream took 5 s"));
    /// ```
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            success: false,
            error: Some(message.into()),
            error_code: Some(code),
            ..Self::default()
        }
    }

    /// [`success`](TaskResult::success) for `Ok(data)`,
    /// [`error`](TaskResult::error) for `Err`: lets a plugin write its task
    /// logic with `?`.
    ///
    /// ```
    /// use leanvibe_test::plugin::{ErrorCode, PluginError, TaskResult};
    /// let failed = TaskResult::from_outcome(Err(PluginError::new(ErrorCode::Internal, "boom")));
    /// assert_eq!(failed.error_code, Some(ErrorCode::Internal));
    /// ```
    pub fn from_outcome(outcome: Result<Value, PluginError>) -> Self {
        match outcome {
            Ok(data) => Self::success(data),
            Err(e) => Self::error(e.code, e.message),
        }
    }

    /// Tags the result with the plugin's id and the task's id.
    ///
    /// ```
    /// use leanvibe_test::plugin::{Task, TaskResult};
    /// let result = TaskResult::success(1).for_task("p", &Task::new("t1", "x"));
    /// assert_eq!((result.plugin_id.as_str(), result.task_id.as_str()), ("p", "t1"));
    /// ```
    pub fn for_task(mut self, plugin_id: impl Into<String>, task: &Task) -> Self {
        self.plugin_id = plugin_id.into();
        self.task_id = task.task_id.clone();
        self
    }

    /// Sets the execution time the plugin reports (the harness replaces it
    /// with its own measurement).
    ///
    /// ```
    /// let result = leanvibe_test::plugin::TaskResult::success(1).with_execution_time_ms(3.5);
    /// assert_eq!(result.execution_time_ms, 3.5);
    /// ```
    pub fn with_execution_time_ms(mut self, ms: f64) -> Self {
        self.execution_time_ms = ms;
        self
    }

    /// `true` when the harness cut the task off at its per-task timeout and
    /// produced this result itself.
    ///
    /// ```
    /// assert!(!leanvibe_test::plugin::TaskResult::success(1).timed_out_by_harness());
    /// ```
    pub fn timed_out_by_harness(&self) -> bool {
        self.harness
            .as_ref()
            .is_some_and(|marks| marks.timed_out_after_ms.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn success_and_error_round_trip_through_json() {
        let task = Task::new("t1", "process_data");
        let results = [
            TaskResult::success(json!({"items": [1, 2], "mean": 1.5}))
                .for_task("p", &task)
                .with_execution_time_ms(12.25),
            TaskResult::error(ErrorCode::PayloadTooLarge, "1001 items > 1000").for_task("p", &task),
            TaskResult::error(ErrorCode::custom("QUOTA"), "slow down"),
            TaskResult {
                harness: Some(HarnessMarks {
                    plugin_reported_ms: None,
                    timed_out_after_ms: Some(50),
                }),
                ..TaskResult::error(ErrorCode::Timeout, "cut off")
            },
        ];
        for result in results {
            let text = serde_json::to_string(&result).unwrap();
            assert_eq!(serde_json::from_str::<TaskResult>(&text).unwrap(), result);
        }
    }

    #[test]
    fn the_sdk_wire_form_is_read() {
        let result: TaskResult = serde_json::from_value(json!({
            "success": false, "plugin_id": "p", "task_id": "t",
            "data": null, "error": "no", "error_code": "UNAUTHORIZED",
            "execution_time_ms": 3
        }))
        .unwrap();
        assert_eq!(result.error_code, Some(ErrorCode::Unauthorized));
        assert_eq!(result.execution_time_ms, 3.0);
        assert!(result.harness.is_none());
    }

    #[test]
    fn a_plain_plugin_result_has_no_harness_key() {
        let json = serde_json::to_value(TaskResult::success(1)).unwrap();
        assert!(json.get("harness").is_none());
        assert!(json.get("error_code").is_none());
    }
}
