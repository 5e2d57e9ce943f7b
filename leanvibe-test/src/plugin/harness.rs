//! [`PluginHarness`]: drives one plugin through its lifecycle and its tasks,
//! checking the contract on the way (the Python SDK's `PluginTestFramework`).

use super::{ErrorCode, HarnessMarks, Plugin, PluginConfig, Task, TaskResult};
use crate::errors::HarnessError;
use futures_util::future::join_all;
use std::fmt;
use std::time::Duration;
use tokio::time::Instant;

/// The per-task timeout of a new harness, as in the SDK.
pub const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(30);

/// Owns one plugin (as `Box<dyn Plugin>`) and runs it the way a host would.
///
/// - [`start`](PluginHarness::start) builds the plugin from a factory and
///   initializes it, checking `is_initialized()` before and after.
/// - [`run_task`](PluginHarness::run_task) times the task itself (the
///   plugin's own `execution_time_ms` is kept in
///   [`HarnessMarks::plugin_reported_ms`]) and cuts it off at the per-task
///   timeout with a harness-made [`TIMEOUT`](ErrorCode::Timeout) result.
/// - [`run_many`](PluginHarness::run_many) runs tasks concurrently and
///   returns results in input order.
/// - [`check_success`](PluginHarness::check_success) /
///   [`check_error`](PluginHarness::check_error) return a [`HarnessError`]
///   showing the task and the result as JSON; the `expect_*` forms panic with
///   the same message.
/// - [`cleanup`](PluginHarness::cleanup) checks that the plugin let go.
///
/// Tasks run on the caller's tokio runtime (one with the time driver, as
/// `#[plugin_test] async fn` provides); concurrency is that of
/// `join_all` on the calling task, so a plugin that blocks the thread blocks
/// its siblings and cannot be cut off.
///
/// ```
/// use leanvibe_test::plugin::*;
/// use serde_json::json;
///
/// struct Upper { ready: bool }
///
/// #[async_trait]
/// impl Plugin for Upper {
///     fn id(&self) -> &str { "upper" }
///     fn is_initialized(&self) -> bool { self.ready }
///     async fn initialize(&mut self) -> Result<(), PluginError> { self.ready = true; Ok(()) }
///     async fn handle_task(&self, task: &Task) -> TaskResult {
///         match task.required_str("text") {
///             Ok(text) => TaskResult::success(text.to_uppercase()),
///             Err(e) => e.into(),
///         }
///     }
///     async fn cleanup(&mut self) -> Result<(), PluginError> { self.ready = false; Ok(()) }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let mut harness = PluginHarness::start(|_config| Upper { ready: false }, PluginConfig::new("upper", "1.0.0"))
///     .await
///     .unwrap();
/// let ok = harness.expect_success(Task::new("t1", "up").param("text", "abc")).await;
/// assert_eq!(ok.data, json!("ABC"));
/// harness.expect_error(Task::new("t2", "up"), ErrorCode::MissingParameter).await;
/// harness.cleanup().await.unwrap();
/// # });
/// ```
pub struct PluginHarness {
    plugin: Box<dyn Plugin>,
    task_timeout: Duration,
}

impl PluginHarness {
    /// Builds the plugin by calling `factory(config)`; does not initialize it.
    ///
    /// ```
    /// # use leanvibe_test::plugin::*;
    /// # struct P;
    /// # #[async_trait] impl Plugin for P {
    /// #   fn id(&self) -> &str { "p" } fn is_initialized(&self) -> bool { false }
    /// #   async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
    /// #   async fn handle_task(&self, _: &Task) -> TaskResult { TaskResult::success(()) }
    /// #   async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) } }
    /// let harness = PluginHarness::new(|_config| P, PluginConfig::new("p", "0.1.0"));
    /// assert_eq!(harness.plugin().id(), "p");
    /// ```
    pub fn new<P, F>(factory: F, config: PluginConfig) -> Self
    where
        P: Plugin + 'static,
        F: FnOnce(PluginConfig) -> P,
    {
        Self::from_boxed(Box::new(factory(config)))
    }

    /// Wraps an already-built plugin.
    ///
    /// ```
    /// # use leanvibe_test::plugin::*;
    /// # struct P;
    /// # #[async_trait] impl Plugin for P {
    /// #   fn id(&self) -> &str { "p" } fn is_initialized(&self) -> bool { false }
    /// #   async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
    /// #   async fn handle_task(&self, _: &Task) -> TaskResult { TaskResult::success(()) }
    /// #   async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) } }
    /// let plugin: Box<dyn Plugin> = Box::new(P);
    /// let harness = PluginHarness::from_boxed(plugin);
    /// ```
    pub fn from_boxed(plugin: Box<dyn Plugin>) -> Self {
        Self {
            plugin,
            task_timeout: DEFAULT_TASK_TIMEOUT,
        }
    }

    /// [`new`](PluginHarness::new), then [`initialize`](PluginHarness::initialize).
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # struct P;
    /// # #[async_trait] impl Plugin for P {
    /// #   fn id(&self) -> &str { "p" } fn is_initialized(&self) -> bool { true }
    /// #   async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
    /// #   async fn handle_task(&self, _: &Task) -> TaskResult { TaskResult::success(()) }
    /// #   async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) } }
    /// # use leanvibe_test::errors::HarnessError;
    /// # async fn f() -> Result<(), HarnessError> {
    /// let harness = PluginHarness::start(|_| P, PluginConfig::new("p", "0.1.0")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn start<P, F>(factory: F, config: PluginConfig) -> Result<Self, HarnessError>
    where
        P: Plugin + 'static,
        F: FnOnce(PluginConfig) -> P,
    {
        let mut harness = Self::new(factory, config);
        harness.initialize().await?;
        Ok(harness)
    }

    /// Sets the per-task timeout (default [`DEFAULT_TASK_TIMEOUT`]).
    ///
    /// ```
    /// # use leanvibe_test::plugin::*;
    /// # use std::time::Duration;
    /// # struct P;
    /// # #[async_trait] impl Plugin for P {
    /// #   fn id(&self) -> &str { "p" } fn is_initialized(&self) -> bool { false }
    /// #   async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
    /// #   async fn handle_task(&self, _: &Task) -> TaskResult { TaskResult::success(()) }
    /// #   async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) } }
    /// let harness = PluginHarness::new(|_| P, PluginConfig::new("p", "0.1.0"))
    ///     .with_task_timeout(Duration::from_millis(500));
    /// assert_eq!(harness.task_timeout(), Duration::from_millis(500));
    /// ```
    pub fn with_task_timeout(mut self, timeout: Duration) -> Self {
        self.task_timeout = timeout;
        self
    }

    /// The per-task timeout.
    ///
    /// ```
    /// # use leanvibe_test::plugin::*;
    /// # struct P;
    /// # #[async_trait] impl Plugin for P {
    /// #   fn id(&self) -> &str { "p" } fn is_initialized(&self) -> bool { false }
    /// #   async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
    /// #   async fn handle_task(&self, _: &Task) -> TaskResult { TaskResult::success(()) }
    /// #   async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) } }
    /// let harness = PluginHarness::new(|_| P, PluginConfig::new("p", "0.1.0"));
    /// assert_eq!(harness.task_timeout(), DEFAULT_TASK_TIMEOUT);
    /// ```
    pub fn task_timeout(&self) -> Duration {
        self.task_timeout
    }

    /// The plugin, for calls the harness does not wrap.
    ///
    /// ```
    /// # use leanvibe_test::plugin::*;
    /// # struct P;
    /// # #[async_trait] impl Plugin for P {
    /// #   fn id(&self) -> &str { "p" } fn is_initialized(&self) -> bool { false }
    /// #   async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
    /// #   async fn handle_task(&self, _: &Task) -> TaskResult { TaskResult::success(()) }
    /// #   async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) } }
    /// let harness = PluginHarness::new(|_| P, PluginConfig::new("p", "0.1.0"));
    /// assert!(!harness.plugin().is_initialized());
    /// ```
    pub fn plugin(&self) -> &dyn Plugin {
        &*self.plugin
    }

    /// Initializes the plugin: checks it was not initialized yet, calls
    /// `initialize`, and checks that `is_initialized()` is then `true`.
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # use leanvibe_test::errors::HarnessError;
    /// # async fn f(mut harness: PluginHarness) -> Result<(), HarnessError> {
    /// harness.initialize().await?;
    /// # Ok(()) }
    /// ```
    pub async fn initialize(&mut self) -> Result<(), HarnessError> {
        let plugin_id = self.plugin.id().to_owned();
        if self.plugin.is_initialized() {
            return Err(HarnessError::InitializedTooEarly { plugin_id });
        }
        self.plugin
            .initialize()
            .await
            .map_err(|source| HarnessError::Initialize {
                plugin_id: plugin_id.clone(),
                source,
            })?;
        if !self.plugin.is_initialized() {
            return Err(HarnessError::NotInitialized { plugin_id });
        }
        Ok(())
    }

    /// Cleans the plugin up and checks that `is_initialized()` is then
    /// `false`.
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # use leanvibe_test::errors::HarnessError;
    /// # async fn f(mut harness: PluginHarness) -> Result<(), HarnessError> {
    /// harness.cleanup().await?;
    /// assert!(!harness.plugin().is_initialized());
    /// # Ok(()) }
    /// ```
    pub async fn cleanup(&mut self) -> Result<(), HarnessError> {
        let plugin_id = self.plugin.id().to_owned();
        self.plugin
            .cleanup()
            .await
            .map_err(|source| HarnessError::Cleanup {
                plugin_id: plugin_id.clone(),
                source,
            })?;
        if self.plugin.is_initialized() {
            return Err(HarnessError::StillInitialized { plugin_id });
        }
        Ok(())
    }

    /// Runs one task and returns the plugin's result, with:
    /// - `execution_time_ms` replaced by the harness's measurement (the
    ///   plugin's figure kept in [`HarnessMarks::plugin_reported_ms`]);
    /// - empty `plugin_id`/`task_id` filled in;
    /// - on timeout, a [`TIMEOUT`](ErrorCode::Timeout) result made by the
    ///   harness ([`TaskResult::timed_out_by_harness`] is `true`).
    ///
    /// The task is sent whatever the lifecycle state, so tests can check how a
    /// plugin answers before `initialize` or after `cleanup`. A panic in the
    /// plugin propagates (the test fails with the plugin's panic message).
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # async fn f(harness: PluginHarness) {
    /// let result = harness.run_task(Task::new("t1", "process_data")).await;
    /// assert!(result.harness.is_some());
    /// # }
    /// ```
    pub async fn run_task(&self, task: Task) -> TaskResult {
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.task_timeout, self.plugin.handle_task(&task)).await;
        let measured_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut result = match outcome {
            Ok(mut result) => {
                result.harness = Some(HarnessMarks {
                    plugin_reported_ms: Some(result.execution_time_ms),
                    timed_out_after_ms: None,
                });
                result
            }
            Err(_elapsed) => {
                let limit_ms = u64::try_from(self.task_timeout.as_millis()).unwrap_or(u64::MAX);
                let mut result = TaskResult::error(
                    ErrorCode::Timeout,
                    format!(
                        "harness: task `{}` ({}) exceeded the per-task timeout of {limit_ms} ms",
                        task.task_id, task.task_type
                    ),
                );
                result.harness = Some(HarnessMarks {
                    plugin_reported_ms: None,
                    timed_out_after_ms: Some(limit_ms),
                });
                result
            }
        };
        result.execution_time_ms = measured_ms;
        if result.plugin_id.is_empty() {
            result.plugin_id = self.plugin.id().to_owned();
        }
        if result.task_id.is_empty() {
            result.task_id = task.task_id;
        }
        result
    }

    /// Runs all tasks concurrently (each as [`run_task`](PluginHarness::run_task),
    /// with its own timeout) and returns their results in the order given.
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # async fn f(harness: PluginHarness) {
    /// let tasks = (0..3).map(|i| Task::new(format!("t{i}"), "process_data"));
    /// let results = harness.run_many(tasks).await;
    /// assert_eq!(results[2].task_id, "t2");
    /// # }
    /// ```
    pub async fn run_many(&self, tasks: impl IntoIterator<Item = Task>) -> Vec<TaskResult> {
        join_all(tasks.into_iter().map(|task| self.run_task(task))).await
    }

    /// Runs the task and checks that it succeeded and that the result is
    /// consistent (ids match, no error code on success).
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # use leanvibe_test::errors::HarnessError;
    /// # async fn f(harness: PluginHarness) -> Result<(), HarnessError> {
    /// let result = harness.check_success(Task::new("t1", "process_data")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn check_success(&self, task: Task) -> Result<TaskResult, HarnessError> {
        let result = self.run_task(task.clone()).await;
        let problem = self.contract_problem(&task, &result).or_else(|| {
            (!result.success).then(|| {
                format!(
                    "expected success, got {}: {}",
                    code_name(&result),
                    result.error.as_deref().unwrap_or("(no message)")
                )
            })
        });
        finish(problem, task, result)
    }

    /// Runs the task and checks that it failed with `code` and that the
    /// result is consistent (ids match, an error message is present).
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # use leanvibe_test::errors::HarnessError;
    /// # async fn f(harness: PluginHarness) -> Result<(), HarnessError> {
    /// harness.check_error(Task::new("t1", "nope"), ErrorCode::InvalidTaskType).await?;
    /// # Ok(()) }
    /// ```
    pub async fn check_error(
        &self,
        task: Task,
        code: ErrorCode,
    ) -> Result<TaskResult, HarnessError> {
        let result = self.run_task(task.clone()).await;
        let problem = self.contract_problem(&task, &result).or_else(|| {
            if result.success {
                Some(format!("expected error {code}, got success"))
            } else if result.error_code.as_ref() != Some(&code) {
                Some(format!("expected error {code}, got {}", code_name(&result)))
            } else if result.error.as_deref().is_none_or(str::is_empty) {
                Some(format!("error {code} carries no message"))
            } else {
                None
            }
        });
        finish(problem, task, result)
    }

    /// [`check_success`](PluginHarness::check_success), panicking with the
    /// error's message (task and result as JSON) on failure.
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # async fn f(harness: PluginHarness) {
    /// let result = harness.expect_success(Task::new("t1", "process_data")).await;
    /// # }
    /// ```
    pub async fn expect_success(&self, task: Task) -> TaskResult {
        self.check_success(task)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`check_error`](PluginHarness::check_error), panicking with the
    /// error's message (task and result as JSON) on failure.
    ///
    /// ```no_run
    /// # use leanvibe_test::plugin::*;
    /// # async fn f(harness: PluginHarness) {
    /// harness.expect_error(Task::new("t1", "nope"), ErrorCode::InvalidTaskType).await;
    /// # }
    /// ```
    pub async fn expect_error(&self, task: Task, code: ErrorCode) -> TaskResult {
        self.check_error(task, code)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// What breaks the contract whatever was expected.
    fn contract_problem(&self, task: &Task, result: &TaskResult) -> Option<String> {
        if result.task_id != task.task_id {
            Some(format!(
                "result answers task `{}`, not `{}`",
                result.task_id, task.task_id
            ))
        } else if result.plugin_id != self.plugin.id() {
            Some(format!(
                "result names plugin `{}`, but the plugin's id is `{}`",
                result.plugin_id,
                self.plugin.id()
            ))
        } else if result.success && result.error_code.is_some() {
            Some("result has success = true and an error_code".to_owned())
        } else if !result.success && result.error_code.is_none() {
            Some("result has success = false and no error_code".to_owned())
        } else {
            None
        }
    }
}

impl fmt::Debug for PluginHarness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginHarness")
            .field("plugin_id", &self.plugin.id())
            .field("initialized", &self.plugin.is_initialized())
            .field("task_timeout", &self.task_timeout)
            .finish()
    }
}

fn code_name(result: &TaskResult) -> &str {
    result
        .error_code
        .as_ref()
        .map_or("no error code", ErrorCode::as_str)
}

fn finish(
    problem: Option<String>,
    task: Task,
    result: TaskResult,
) -> Result<TaskResult, HarnessError> {
    match problem {
        None => Ok(result),
        Some(problem) => Err(HarnessError::UnexpectedResult {
            problem,
            task: Box::new(task),
            result: Box::new(result),
        }),
    }
}

pub(crate) fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("<not serialisable: {e}>"))
}

#[cfg(test)]
mod tests;

impl fmt::Debug for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
