//! The standard checks every plugin must pass, as the SDK lists them, in one
//! line: [`conformance!`](crate::conformance) registers each as its own test
//! (`conformance::lifecycle`, `conformance::invalid_task_type`, ...), and each
//! fails with a message telling the plugin author what their plugin did wrong.
//!
//! ```no_run,standalone_crate
//! use leanvibe_test::plugin::conformance::Conformance;
//! use leanvibe_test::prelude::*;
//! use serde_json::json;
//!
//! # struct MyPlugin;
//! # #[async_trait] impl Plugin for MyPlugin {
//! #   fn id(&self) -> &str { "p" } fn is_initialized(&self) -> bool { false }
//! #   async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
//! #   async fn handle_task(&self, _: &Task) -> TaskResult { TaskResult::success(()) }
//! #   async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) } }
//! # impl MyPlugin { fn new(_: PluginConfig) -> Self { MyPlugin } }
//! fn conformance() -> Conformance {
//!     Conformance::new(MyPlugin::new, PluginConfig::new("my-plugin", "1.0.0"))
//!         .task(Task::new("t1", "process_data").param("input_data", json!([{"name": "a", "value": 1}])))
//!         .skip("memory_budget", "measured by the soak suite instead")
//! }
//!
//! leanvibe_test::conformance!(conformance());
//! leanvibe_test::main!();
//! ```
//!
//! What each check does, with the defaults (all adjustable on the builder):
//!
//! | check | passes when |
//! |---|---|
//! | `lifecycle` | `is_initialized()` is false before `initialize`, true after; the task succeeds; `cleanup` makes it false again |
//! | `invalid_task_type` | an unknown task type is rejected with `INVALID_TASK_TYPE` |
//! | `missing_parameters` | the task without each of its parameters (or the tasks given) is rejected with `MISSING_PARAMETER` |
//! | `wrong_parameter_types` | the task with each parameter replaced by a value of another JSON type (or the tasks given) is rejected with `INVALID_PARAMETER` |
//! | `concurrent_tasks` | 10 copies of the task run concurrently and all succeed |
//! | `state_isolation` | a fresh instance answers the task as the first one did, after another instance has run it 5 times; cleaning one instance up leaves another working |
//! | `task_timeout` | the `timeout_task` is reported as `TIMEOUT`, and every task returns within the per-task timeout (2 s); skipped, with the reason, when no `timeout_task` is given |
//! | `latency_budget` | 20 runs of the task (after 2 warm-ups) each finish under 50 ms, as the harness measures them |
//! | `memory_budget` | 100 runs of the task grow the heap by under 80 MiB at peak |
//!
//! A panic in the plugin fails the check with the task that caused it: a
//! plugin must turn failures into error results (`INTERNAL`), not panic.
//! `state_isolation` compares result `data` as JSON: name fields that differ
//! between identical runs (timestamps, ids) with
//! [`ignore_fields`](Conformance::ignore_fields).

use super::{ErrorCode, Plugin, PluginConfig, PluginHarness, Task, TaskResult};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// One standard check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// initialize / is_initialized / cleanup.
    Lifecycle,
    /// Unknown task types are rejected with `INVALID_TASK_TYPE`.
    InvalidTaskType,
    /// Missing parameters are rejected with `MISSING_PARAMETER`.
    MissingParameters,
    /// Wrongly typed parameters are rejected with `INVALID_PARAMETER`.
    WrongParameterTypes,
    /// Concurrent tasks all succeed.
    ConcurrentTasks,
    /// Instances share no state.
    StateIsolation,
    /// Tasks return within the timeout; timeouts are reported as such.
    TaskTimeout,
    /// The task meets the latency budget.
    LatencyBudget,
    /// The task meets the memory budget.
    MemoryBudget,
}

impl Check {
    /// Every check, in the order `conformance!` registers them.
    pub const ALL: [Check; 9] = [
        Check::Lifecycle,
        Check::InvalidTaskType,
        Check::MissingParameters,
        Check::WrongParameterTypes,
        Check::ConcurrentTasks,
        Check::StateIsolation,
        Check::TaskTimeout,
        Check::LatencyBudget,
        Check::MemoryBudget,
    ];

    /// The check's name, which is also its test's name under `conformance::`.
    ///
    /// ```
    /// use leanvibe_test::plugin::conformance::Check;
    /// assert_eq!(Check::StateIsolation.name(), "state_isolation");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Check::Lifecycle => "lifecycle",
            Check::InvalidTaskType => "invalid_task_type",
            Check::MissingParameters => "missing_parameters",
            Check::WrongParameterTypes => "wrong_parameter_types",
            Check::ConcurrentTasks => "concurrent_tasks",
            Check::StateIsolation => "state_isolation",
            Check::TaskTimeout => "task_timeout",
            Check::LatencyBudget => "latency_budget",
            Check::MemoryBudget => "memory_budget",
        }
    }
}

/// A check that failed: what the plugin did wrong. Its `Debug` is its
/// `Display`, so a test returning it prints the message as written.
#[derive(Clone, PartialEq, Eq)]
pub struct ConformanceError {
    /// The check that failed.
    pub check: &'static str,
    /// What was wrong, with the task and result concerned.
    pub message: String,
}

impl fmt::Display for ConformanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conformance::{} failed: {}", self.check, self.message)
    }
}

impl fmt::Debug for ConformanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ConformanceError {}

type Factory = Arc<dyn Fn() -> Box<dyn Plugin> + Send + Sync>;

/// What the standard checks need to know about a plugin. Built once per test
/// by the function given to [`conformance!`](crate::conformance).
#[derive(Clone)]
pub struct Conformance {
    factory: Factory,
    task: Option<Task>,
    missing_parameters: Option<Vec<Task>>,
    wrong_parameter_types: Option<Vec<Task>>,
    timeout_task: Option<Task>,
    task_timeout: Duration,
    concurrency: usize,
    latency_ms: f64,
    latency_runs: usize,
    memory_mb: f64,
    memory_runs: usize,
    ignore_fields: Vec<String>,
    skipped: Vec<(String, String)>,
}

/// The task type the `invalid_task_type` check sends.
pub const UNKNOWN_TASK_TYPE: &str = "__leanvibe_unknown_task_type__";

impl Conformance {
    /// Checks for plugins built by `factory(config.clone())`; each check
    /// builds fresh instances.
    pub fn new<P, F>(factory: F, config: PluginConfig) -> Conformance
    where
        P: Plugin + 'static,
        F: Fn(PluginConfig) -> P + Send + Sync + 'static,
    {
        Conformance {
            factory: Arc::new(move || Box::new(factory(config.clone())) as Box<dyn Plugin>),
            task: None,
            missing_parameters: None,
            wrong_parameter_types: None,
            timeout_task: None,
            task_timeout: Duration::from_secs(2),
            concurrency: 10,
            latency_ms: 50.0,
            latency_runs: 20,
            memory_mb: 80.0,
            memory_runs: 100,
            ignore_fields: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// A task the plugin must accept: the basis of most checks.
    pub fn task(mut self, task: Task) -> Self {
        self.task = Some(task);
        self
    }

    /// Tasks the plugin must reject with `MISSING_PARAMETER` (default: the
    /// task without each of its parameters in turn).
    pub fn missing_parameters(mut self, tasks: impl IntoIterator<Item = Task>) -> Self {
        self.missing_parameters = Some(tasks.into_iter().collect());
        self
    }

    /// Tasks the plugin must reject with `INVALID_PARAMETER` (default: the
    /// task with each parameter replaced by a value of another JSON type).
    pub fn wrong_parameter_types(mut self, tasks: impl IntoIterator<Item = Task>) -> Self {
        self.wrong_parameter_types = Some(tasks.into_iter().collect());
        self
    }

    /// A task the plugin must answer with `TIMEOUT` (e.g. one against a
    /// service that never answers), within the per-task timeout.
    pub fn timeout_task(mut self, task: Task) -> Self {
        self.timeout_task = Some(task);
        self
    }

    /// The per-task timeout (default 2 s).
    pub fn task_timeout(mut self, timeout: Duration) -> Self {
        self.task_timeout = timeout;
        self
    }

    /// Copies of the task run at once by `concurrent_tasks` (default 10).
    pub fn concurrency(mut self, tasks: usize) -> Self {
        self.concurrency = tasks.max(1);
        self
    }

    /// The latency budget per task in ms (default 50, the SDK's standard).
    pub fn latency_ms(mut self, ms: f64) -> Self {
        self.latency_ms = ms;
        self
    }

    /// The heap-growth budget in MiB (default 80, the SDK's standard).
    pub fn memory_mb(mut self, mib: f64) -> Self {
        self.memory_mb = mib;
        self
    }

    /// Top-level fields of result `data` that may differ between identical
    /// runs (timestamps, generated ids), left out when `state_isolation`
    /// compares results.
    pub fn ignore_fields<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.ignore_fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Switches a check off by name; its test is reported as skipped with
    /// `reason`. An unknown name fails every check, naming the known ones.
    pub fn skip(mut self, check: &str, reason: &str) -> Self {
        self.skipped.push((check.to_string(), reason.to_string()));
        self
    }

    /// Runs one check. A check switched off with [`skip`](Conformance::skip)
    /// ends the test as skipped.
    pub async fn run(&self, check: Check) -> Result<(), ConformanceError> {
        let fail = |message: String| ConformanceError {
            check: check.name(),
            message,
        };
        if let Some((name, _)) = self
            .skipped
            .iter()
            .find(|(name, _)| !Check::ALL.iter().any(|c| c.name() == name))
        {
            let known: Vec<_> = Check::ALL.iter().map(|c| c.name()).collect();
            return Err(fail(format!(
                "unknown check `{name}` in .skip(); known: {}",
                known.join(", ")
            )));
        }
        if let Some((_, reason)) = self.skipped.iter().find(|(name, _)| name == check.name()) {
            crate::skip(format!("switched off: {reason}"));
        }
        let result = match check {
            Check::Lifecycle => self.lifecycle().await,
            Check::InvalidTaskType => self.invalid_task_type().await,
            Check::MissingParameters => self.missing_parameters_check().await,
            Check::WrongParameterTypes => self.wrong_parameter_types_check().await,
            Check::ConcurrentTasks => self.concurrent_tasks().await,
            Check::StateIsolation => self.state_isolation().await,
            Check::TaskTimeout => self.task_timeout_check().await,
            Check::LatencyBudget => self.latency_budget().await,
            Check::MemoryBudget => self.memory_budget().await,
        };
        result.map_err(fail)
    }

    fn valid_task(&self) -> Result<&Task, String> {
        self.task.as_ref().ok_or_else(|| {
            "this check needs a task the plugin accepts: add .task(Task::new(..)) to the Conformance".to_string()
        })
    }

    fn harness(&self) -> PluginHarness {
        PluginHarness::from_boxed((self.factory)()).with_task_timeout(self.task_timeout)
    }

    async fn started(&self) -> Result<PluginHarness, String> {
        let mut harness = self.harness();
        guard("initialize()", harness.initialize())
            .await?
            .map_err(|e| e.to_string())?;
        Ok(harness)
    }

    async fn lifecycle(&self) -> Result<(), String> {
        let task = self.valid_task()?.clone();
        let mut harness = self.started().await?;
        let result = run(&harness, task.clone()).await?;
        expect_success(&task, &result)?;
        guard("cleanup()", harness.cleanup())
            .await?
            .map_err(|e| e.to_string())
    }

    async fn invalid_task_type(&self) -> Result<(), String> {
        let harness = self.started().await?;
        let mut task = self
            .task
            .clone()
            .unwrap_or_else(|| Task::new("conformance", ""));
        task.task_id = "conformance-invalid-type".into();
        task.task_type = UNKNOWN_TASK_TYPE.into();
        let result = run(&harness, task.clone()).await?;
        expect_code(
            &task,
            &result,
            ErrorCode::InvalidTaskType,
            "an unknown task type",
        )
    }

    async fn missing_parameters_check(&self) -> Result<(), String> {
        let tasks = match &self.missing_parameters {
            Some(tasks) => tasks.clone(),
            None => without_each_parameter(self.valid_task()?),
        };
        self.expect_all_rejected(
            tasks,
            ErrorCode::MissingParameter,
            "a task missing a required parameter",
            ".missing_parameters([..])",
        )
        .await
    }

    async fn wrong_parameter_types_check(&self) -> Result<(), String> {
        let tasks = match &self.wrong_parameter_types {
            Some(tasks) => tasks.clone(),
            None => with_each_parameter_mistyped(self.valid_task()?),
        };
        self.expect_all_rejected(
            tasks,
            ErrorCode::InvalidParameter,
            "a parameter of the wrong type",
            ".wrong_parameter_types([..])",
        )
        .await
    }

    /// Sends each task to one started instance; each must be rejected with `code`.
    async fn expect_all_rejected(
        &self,
        tasks: Vec<Task>,
        code: ErrorCode,
        what: &str,
        builder: &str,
    ) -> Result<(), String> {
        if tasks.is_empty() {
            return Err(format!(
                "the task has no parameters to vary: give {builder} or skip the check"
            ));
        }
        let harness = self.started().await?;
        for task in tasks {
            let result = run(&harness, task.clone()).await?;
            expect_code(&task, &result, code.clone(), what)?;
        }
        Ok(())
    }

    async fn concurrent_tasks(&self) -> Result<(), String> {
        let task = self.valid_task()?;
        let harness = self.started().await?;
        let tasks = (0..self.concurrency).map(|i| {
            let mut copy = task.clone();
            copy.task_id = format!("{}-concurrent-{i}", task.task_id);
            copy
        });
        let results = guard("handle_task() under concurrency", harness.run_many(tasks)).await?;
        let failed: Vec<_> = results.iter().filter(|r| !r.success).collect();
        if let Some(first) = failed.first() {
            return Err(format!(
                "{} of {} concurrent copies of the task failed; first failure: {}",
                failed.len(),
                self.concurrency,
                json(first)
            ));
        }
        Ok(())
    }

    async fn state_isolation(&self) -> Result<(), String> {
        let task = self.valid_task()?;
        let fresh = self.started().await?;
        let reference = run(&fresh, task.clone()).await?;
        expect_success(task, &reference)?;
        let mut busy = self.started().await?;
        for _ in 0..5 {
            run(&busy, task.clone()).await?;
        }
        let other = self.started().await?;
        let after = run(&other, task.clone()).await?;
        let (expected, got) = (
            comparable(&reference.data, &self.ignore_fields),
            comparable(&after.data, &self.ignore_fields),
        );
        if expected != got {
            return Err(format!(
                "instances share state: a fresh instance answered the same task differently after another instance had run it 5 times\n  task: {}\n  first instance's data: {}\n  later instance's data: {}\n  (if a field legitimately differs between runs, name it with .ignore_fields([..]))",
                json(task),
                expected,
                got
            ));
        }
        guard("cleanup()", busy.cleanup())
            .await?
            .map_err(|e| e.to_string())?;
        if !other.plugin().is_initialized() {
            return Err(
                "cleaning one instance up uninitialized another: instances share state".into(),
            );
        }
        let still = run(&other, task.clone()).await?;
        expect_success(task, &still).map_err(|e| format!("after cleaning up another instance: {e}"))
    }

    async fn task_timeout_check(&self) -> Result<(), String> {
        if self.timeout_task.is_none() {
            // Without a task that overruns, the plugin's TIMEOUT handling is
            // not exercised: saying "passed" would claim what was not checked.
            crate::skip(
                "no .timeout_task(..) given, so the plugin's own TIMEOUT handling was not checked",
            );
        }
        let harness = self.started().await?;
        let limit = self.task_timeout.as_millis();
        let mut tasks: Vec<(Task, bool)> = self.task.iter().map(|t| (t.clone(), false)).collect();
        tasks.extend(self.timeout_task.iter().map(|t| (t.clone(), true)));
        if tasks.is_empty() {
            return Err("this check needs .task(..) or .timeout_task(..)".into());
        }
        for (task, must_time_out) in tasks {
            let result = run(&harness, task.clone()).await?;
            if result.timed_out_by_harness() {
                return Err(format!(
                    "handle_task() did not return within {limit} ms: the plugin must bound its own work and report TIMEOUT\n  task: {}",
                    json(&task)
                ));
            }
            if must_time_out {
                expect_code(
                    &task,
                    &result,
                    ErrorCode::Timeout,
                    "a task that exceeds its time limit",
                )?;
            }
        }
        Ok(())
    }

    async fn latency_budget(&self) -> Result<(), String> {
        let task = self.valid_task()?;
        let harness = self.started().await?;
        for _ in 0..2 {
            run(&harness, task.clone()).await?;
        }
        let mut slowest = (0.0f64, 0usize);
        for i in 0..self.latency_runs {
            let result = run(&harness, task.clone()).await?;
            expect_success(task, &result)?;
            if result.execution_time_ms > slowest.0 {
                slowest = (result.execution_time_ms, i + 1);
            }
        }
        if slowest.0 >= self.latency_ms {
            return Err(format!(
                "run {} of {} took {:.1} ms, over the {} ms budget\n  task: {}",
                slowest.1,
                self.latency_runs,
                slowest.0,
                self.latency_ms,
                json(task)
            ));
        }
        Ok(())
    }

    async fn memory_budget(&self) -> Result<(), String> {
        use crate::budget::alloc;
        let task = self.valid_task()?;
        if !alloc::is_installed() {
            return Err(
                "memory_budget needs the tracking allocator: use leanvibe_test::main!()".into(),
            );
        }
        let harness = self.started().await?;
        let baseline = alloc::reset_peak();
        for _ in 0..self.memory_runs {
            run(&harness, task.clone()).await?;
        }
        alloc::flush_thread();
        let growth_mib = (alloc::peak_bytes() - baseline) as f64 / (1024.0 * 1024.0);
        if growth_mib >= self.memory_mb {
            return Err(format!(
                "{} runs of the task grew the heap by {growth_mib:.1} MiB at peak, over the {} MiB budget\n  task: {}",
                self.memory_runs,
                self.memory_mb,
                json(task)
            ));
        }
        Ok(())
    }
}

/// Runs one task, turning a panic in the plugin into a message.
async fn run(harness: &PluginHarness, task: Task) -> Result<TaskResult, String> {
    let shown = json(&task);
    guard("handle_task()", harness.run_task(task))
        .await
        .map_err(|e| format!("{e}\n  task: {shown}"))
}

/// Awaits `future`, catching a panic in the plugin.
async fn guard<T>(what: &str, future: impl std::future::Future<Output = T>) -> Result<T, String> {
    crate::fixture::catch_unwind(future).await.map_err(|payload| {
        let message = crate::runner::execute::payload_text(payload.as_ref());
        format!("{what} panicked: {message:?}; a plugin must return an error result (e.g. INTERNAL), not panic")
    })
}

fn expect_success(task: &Task, result: &TaskResult) -> Result<(), String> {
    if result.success {
        return Ok(());
    }
    Err(format!(
        "the task failed where it must succeed\n  task:   {}\n  result: {}",
        json(task),
        json(result)
    ))
}

fn expect_code(
    task: &Task,
    result: &TaskResult,
    code: ErrorCode,
    what: &str,
) -> Result<(), String> {
    if !result.success && result.error_code.as_ref() == Some(&code) {
        return Ok(());
    }
    let did = if result.success {
        "accepted it".to_string()
    } else {
        match &result.error_code {
            Some(other) => format!("rejected it with {other}"),
            None => "rejected it without an error code".to_string(),
        }
    };
    Err(format!(
        "the plugin {did}; {what} must be rejected with {code}\n  task:   {}\n  result: {}",
        json(task),
        json(result)
    ))
}

/// The task once without each of its parameters.
fn without_each_parameter(task: &Task) -> Vec<Task> {
    task.parameters
        .keys()
        .map(|name| {
            let mut copy = task.clone();
            copy.task_id = format!("{}-without-{name}", task.task_id);
            copy.parameters.remove(name);
            copy
        })
        .collect()
}

/// The task once with each parameter replaced by a value of another JSON type.
fn with_each_parameter_mistyped(task: &Task) -> Vec<Task> {
    task.parameters
        .iter()
        .map(|(name, value)| {
            let wrong = match value {
                Value::String(_) => Value::from(12345),
                Value::Number(_) | Value::Bool(_) => Value::from("not-a-number"),
                Value::Array(_) | Value::Object(_) | Value::Null => Value::from(true),
            };
            let mut copy = task.clone();
            copy.task_id = format!("{}-mistyped-{name}", task.task_id);
            copy.parameters.insert(name.clone(), wrong);
            copy
        })
        .collect()
}

fn comparable(data: &Value, ignore: &[String]) -> Value {
    match data {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !ignore.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("<not serialisable: {e}>"))
}

/// Registers the standard plugin checks as nine tests under `conformance::`
/// in the module where it is invoked (`conformance::lifecycle`, ...). `$spec`
/// is an expression giving a
/// [`Conformance`](crate::plugin::conformance::Conformance), evaluated once
/// per test where it is written (usually a function call). Each test runs on
/// a multi-thread tokio runtime with two workers. Invoke it once per module.
///
/// ```no_run,standalone_crate
/// # use leanvibe_test::plugin::conformance::Conformance;
/// # use leanvibe_test::prelude::*;
/// # struct P;
/// # #[async_trait] impl Plugin for P {
/// #   fn id(&self) -> &str { "p" } fn is_initialized(&self) -> bool { false }
/// #   async fn initialize(&mut self) -> Result<(), PluginError> { Ok(()) }
/// #   async fn handle_task(&self, _: &Task) -> TaskResult { TaskResult::success(()) }
/// #   async fn cleanup(&mut self) -> Result<(), PluginError> { Ok(()) } }
/// fn spec() -> Conformance {
///     Conformance::new(|_| P, PluginConfig::new("p", "1.0.0")).task(Task::new("t", "ping"))
/// }
/// leanvibe_test::conformance!(spec());
/// # leanvibe_test::main!();
/// ```
#[macro_export]
macro_rules! conformance {
    ($spec:expr $(,)?) => {
        $crate::__conformance_tests!($spec;
            lifecycle Lifecycle,
            invalid_task_type InvalidTaskType,
            missing_parameters MissingParameters,
            wrong_parameter_types WrongParameterTypes,
            concurrent_tasks ConcurrentTasks,
            state_isolation StateIsolation,
            task_timeout TaskTimeout,
            latency_budget LatencyBudget,
            memory_budget MemoryBudget,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($spec:expr; $($name:ident $check:ident,)*) => {
        // A second `conformance!` in the same module would register the same
        // names twice; this item makes that a compile error instead.
        #[allow(non_camel_case_types, dead_code)]
        struct __leanvibe_conformance_suite_in_this_module;

        // Registered directly (not through a generated `mod conformance`), so
        // `$spec` resolves where it was written, even inside a function body.
        const _: () = {
            $(
                fn $name() -> ::core::result::Result<(), ::std::string::String> {
                    $crate::__private::run_async(
                        $crate::__private::AsyncConfig {
                            multi_thread: true,
                            worker_threads: ::core::option::Option::Some(2),
                            start_paused: false,
                        },
                        || async {
                            $crate::__private::IntoTestResult::into_test_result(
                                $crate::plugin::conformance::Conformance::run(
                                    &$spec,
                                    $crate::plugin::conformance::Check::$check,
                                )
                                .await,
                            )
                        },
                    )
                }
                $crate::__private::inventory::submit! {
                    $crate::__private::TestCase {
                        name: ::core::stringify!($name),
                        module_path: ::core::concat!(::core::module_path!(), "::conformance"),
                        file: ::core::file!(),
                        line: ::core::line!(),
                        manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
                        attrs: $crate::__private::TestAttrs {
                            tags: &["conformance"],
                            ..$crate::__private::TestAttrs::DEFAULT
                        },
                        body: $name,
                    }
                }
            )*
        };
    };
}
