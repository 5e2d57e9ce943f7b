//! The trait every plugin implements, and the error its lifecycle returns.

use super::{ErrorCode, Task, TaskResult};
use async_trait::async_trait;

/// A plugin: built from a [`PluginConfig`](super::PluginConfig) by a factory,
/// then `initialize`d, sent tasks, and `cleanup`ed.
///
/// The async methods go through [`async_trait`] (boxed futures) so that
/// `Box<dyn Plugin>` works: the [`PluginHarness`](super::PluginHarness) and
/// hosts hold plugins as trait objects, and native `async fn` in traits is
/// not dyn-compatible. Implement it with the same attribute, re-exported as
/// [`leanvibe_test::plugin::async_trait`](super::async_trait).
///
/// The lifecycle methods take `&mut self`; `handle_task` takes `&self` so one
/// plugin can serve many tasks at once (keep per-task counters in atomics or
/// a mutex). `handle_task` must not block the thread: the harness's per-task
/// timeout can only cut a task off at an `.await`.
///
/// ```
/// use leanvibe_test::plugin::{async_trait, ErrorCode, Plugin, PluginError, Task, TaskResult};
///
/// struct Echo { ready: bool }
///
/// #[async_trait]
/// impl Plugin for Echo {
///     fn id(&self) -> &str { "echo" }
///     fn is_initialized(&self) -> bool { self.ready }
///     async fn initialize(&mut self) -> Result<(), PluginError> { self.ready = true; Ok(()) }
///     async fn handle_task(&self, task: &Task) -> TaskResult {
///         match task.task_type.as_str() {
///             "echo" => TaskResult::success(serde_json::Value::Object(task.parameters.clone())),
///             other => TaskResult::error(ErrorCode::InvalidTaskType, format!("unknown task type `{other}`")),
///         }
///     }
///     async fn cleanup(&mut self) -> Result<(), PluginError> { self.ready = false; Ok(()) }
/// }
///
/// let plugin: Box<dyn Plugin> = Box::new(Echo { ready: false });
/// assert_eq!(plugin.id(), "echo");
/// ```
#[async_trait]
pub trait Plugin: Send + Sync {
    /// A stable id, echoed in every [`TaskResult::plugin_id`].
    fn id(&self) -> &str;

    /// `true` between a successful [`initialize`](Plugin::initialize) and
    /// [`cleanup`](Plugin::cleanup).
    fn is_initialized(&self) -> bool;

    /// Acquires what the plugin needs (connections, clients). Called once,
    /// before any task.
    async fn initialize(&mut self) -> Result<(), PluginError>;

    /// Runs one task. Failures are results with an
    /// [`ErrorCode`], not panics.
    async fn handle_task(&self, task: &Task) -> TaskResult;

    /// Releases what `initialize` acquired; afterwards `is_initialized()` is
    /// `false`.
    async fn cleanup(&mut self) -> Result<(), PluginError>;
}

/// A failure with an [`ErrorCode`]: what `initialize`/`cleanup` return, and a
/// convenient error type for task logic (see [`TaskResult::from_outcome`]).
///
/// ```
/// use leanvibe_test::plugin::{ErrorCode, PluginError};
/// let e = PluginError::new(ErrorCode::DatabaseError, "connection refused");
/// assert_eq!(e.to_string(), "DATABASE_ERROR: connection refused");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{code}: {message}")]
#[non_exhaustive]
pub struct PluginError {
    /// The machine-readable code.
    pub code: ErrorCode,
    /// What went wrong, for a human.
    pub message: String,
}

impl PluginError {
    /// An error with a code and a message.
    ///
    /// ```
    /// use leanvibe_test::plugin::{ErrorCode, PluginError};
    /// assert_eq!(PluginError::new(ErrorCode::Internal, "x").code, ErrorCode::Internal);
    /// ```
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<PluginError> for TaskResult {
    fn from(e: PluginError) -> Self {
        TaskResult::error(e.code, e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_error_round_trips_and_becomes_an_error_result() {
        let e = PluginError::new(ErrorCode::custom("QUOTA"), "over quota");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "QUOTA", "message": "over quota"})
        );
        assert_eq!(serde_json::from_value::<PluginError>(json).unwrap(), e);
        let result = TaskResult::from(e);
        assert!(!result.success);
        assert_eq!(result.error_code, Some(ErrorCode::custom("QUOTA")));
    }
}
