//! The plugin contract and a harness to test plugins against it.
//!
//! A plugin implements [`Plugin`]: it is built from a [`PluginConfig`], then
//! initialized, sent [`Task`]s that it answers with [`TaskResult`]s (failures
//! carry an [`ErrorCode`]), and cleaned up. [`PluginHarness`] drives a plugin
//! through that lifecycle the way a host does, times each task itself, cuts
//! off tasks that run past a per-task timeout, and offers `expect_*` checks
//! whose failure messages show the task and result as JSON.
//!
//! Every data type is serde-serialisable in the SDK's wire form (snake_case
//! fields, SCREAMING_SNAKE_CASE error codes).
//!
//! The async trait methods use [`async_trait`] (re-exported here) so the
//! trait is usable as `Box<dyn Plugin>`.
//!
//! ```
//! use leanvibe_test::plugin::*;
//! use serde_json::json;
//!
//! struct Counter { ready: bool }
//!
//! #[async_trait]
//! impl Plugin for Counter {
//!     fn id(&self) -> &str { "counter" }
//!     fn is_initialized(&self) -> bool { self.ready }
//!     async fn initialize(&mut self) -> Result<(), PluginError> { self.ready = true; Ok(()) }
//!     async fn handle_task(&self, task: &Task) -> TaskResult {
//!         match task.task_type.as_str() {
//!             "count" => TaskResult::from_outcome(
//!                 task.required("items")
//!                     .and_then(|items| items.as_array().ok_or_else(|| {
//!                         PluginError::new(ErrorCode::InvalidParameter, "`items` must be an array")
//!                     }))
//!                     .map(|items| json!(items.len())),
//!             ),
//!             other => TaskResult::error(ErrorCode::InvalidTaskType, format!("unknown task type `{other}`")),
//!         }
//!     }
//!     async fn cleanup(&mut self) -> Result<(), PluginError> { self.ready = false; Ok(()) }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let mut harness = PluginHarness::start(|_| Counter { ready: false }, PluginConfig::new("counter", "1.0.0"))
//!     .await
//!     .unwrap();
//! let result = harness.expect_success(Task::new("t1", "count").param("items", json!([1, 2, 3]))).await;
//! assert_eq!(result.data, json!(3));
//! harness.expect_error(Task::new("t2", "count").param("items", 5), ErrorCode::InvalidParameter).await;
//! harness.expect_error(Task::new("t3", "delete"), ErrorCode::InvalidTaskType).await;
//! harness.cleanup().await.unwrap();
//! # });
//! ```

mod config;
pub mod conformance;
mod contract;
mod error_code;
pub(crate) mod harness;
mod result;
mod task;

pub use config::PluginConfig;
pub use contract::{Plugin, PluginError};
pub use error_code::ErrorCode;
pub use harness::{DEFAULT_TASK_TIMEOUT, PluginHarness};
pub use result::{HarnessMarks, TaskResult};
pub use task::Task;

/// The attribute to put on `impl Plugin for ...` blocks (and on traits
/// extending [`Plugin`]): it boxes the async methods' futures so the trait is
/// dyn-compatible. Re-exported from the `async-trait` crate so plugins need
/// no extra dependency.
///
/// ```
/// use leanvibe_test::plugin::{async_trait, Plugin, PluginError, Task, TaskResult};
///
/// struct Nop;
///
/// #[async_trait]
/// impl Plugin for Nop {
///     fn id(&self) -> &str { "nop" }
///     fn is_initialized(&self) -> bool { true }
///     async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
///     async fn handle_task(&self, _task: &Task) -> TaskResult { TaskResult::success(()) }
///     async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) }
/// }
/// ```
pub use async_trait::async_trait;
