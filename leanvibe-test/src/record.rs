//! What happened when a test ran: the record every reporter consumes.
//!
//! A worker builds an [`Outcome`] for each test and sends it to the harness as
//! JSON; the harness adds what only it knows (captured output, crashes,
//! timeouts) and turns it into a [`TestRecord`] for the reporters.

use serde::{Deserialize, Serialize};

/// How a test ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// The test passed (perhaps after retries: see [`Measurements::attempts`]).
    Passed,
    /// The test failed.
    Failed(Failure),
    /// The test was not run because it is ignored.
    Ignored {
        /// The reason given in `ignore = "..."`, if any.
        reason: Option<String>,
    },
}

impl Status {
    /// `true` for [`Status::Failed`].
    ///
    /// ```
    /// assert!(!leanvibe_test::record::Status::Passed.is_failed());
    /// ```
    pub fn is_failed(&self) -> bool {
        matches!(self, Status::Failed(_))
    }
}

/// Why a test failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The kind of failure, used as JUnit `type` and in the console.
    pub kind: FailureKind,
    /// The whole human-readable message (panic message with location, the
    /// measured figure for a budget, the signal for a crash, ...).
    pub message: String,
}

/// The kind of a failure. Its [`as_str`](FailureKind::as_str) form is stable
/// and appears in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FailureKind {
    /// The body panicked.
    #[serde(rename = "panic")]
    Panic,
    /// The body returned `Err`.
    #[serde(rename = "error")]
    Error,
    /// `should_panic` was set and the body did not panic, or panicked with the
    /// wrong message.
    #[serde(rename = "should_panic")]
    ShouldPanic,
    /// The test ran past its `timeout_ms` and its worker was killed.
    #[serde(rename = "timeout")]
    Timeout,
    /// The worker process died while running the test (abort, signal, stack
    /// overflow, `exit`).
    #[serde(rename = "crash")]
    Crash,
    /// A run took longer than `max_ms`.
    #[serde(rename = "budget.time")]
    BudgetTime,
    /// Heap growth exceeded `max_mb`/`max_kb`.
    #[serde(rename = "budget.memory")]
    BudgetMemory,
    /// Resident-set growth exceeded `max_rss_mb`.
    #[serde(rename = "budget.rss")]
    BudgetRss,
    /// A statistic over iterations (`mean_ms`, `p95_ms`, ...) exceeded its limit.
    #[serde(rename = "budget.stats")]
    BudgetStats,
    /// A fixture failed before the body ran.
    #[serde(rename = "setup")]
    Setup,
    /// A security oracle found a flaw.
    #[serde(rename = "security")]
    Security,
    /// A performance threshold (`p(95)<40`, a bench gate, ...) was not met.
    #[serde(rename = "performance")]
    Performance,
    /// The harness itself could not run the test.
    #[serde(rename = "harness")]
    Harness,
}

impl FailureKind {
    /// The stable name used in reports (`panic`, `timeout`, `budget.time`, ...).
    ///
    /// ```
    /// use leanvibe_test::record::FailureKind;
    /// assert_eq!(FailureKind::BudgetTime.as_str(), "budget.time");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Panic => "panic",
            FailureKind::Error => "error",
            FailureKind::ShouldPanic => "should_panic",
            FailureKind::Timeout => "timeout",
            FailureKind::Crash => "crash",
            FailureKind::BudgetTime => "budget.time",
            FailureKind::BudgetMemory => "budget.memory",
            FailureKind::BudgetRss => "budget.rss",
            FailureKind::BudgetStats => "budget.stats",
            FailureKind::Setup => "setup",
            FailureKind::Security => "security",
            FailureKind::Performance => "performance",
            FailureKind::Harness => "harness",
        }
    }
}

/// Figures measured while the test ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measurements {
    /// Wall time of each measured run of the body, in milliseconds.
    pub runs_ms: Vec<f64>,
    /// Peak heap growth over the test, in bytes, when the tracking allocator
    /// is installed.
    pub peak_heap_bytes: Option<u64>,
    /// Peak resident-set growth over the test, in bytes, where measured.
    pub peak_rss_bytes: Option<u64>,
    /// How many times the test was run (1 + retries used).
    pub attempts: u32,
}

/// What a worker knows about one test once it has run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Pass, fail or ignored.
    #[serde(flatten)]
    pub status: Status,
    /// Whole-test wall time in milliseconds (all attempts, fixtures included).
    pub duration_ms: f64,
    /// Measurements for the budgets.
    pub measurements: Measurements,
    /// Extra data attached by the test (perf results, findings, ...), keyed
    /// by topic, reported under CTRF `extra`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Everything the reporters get about one finished test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestRecord {
    /// Full name as libtest prints it (`unit::parses_config`).
    pub name: String,
    /// Module path without the crate name; `""` at the root.
    pub module: String,
    /// Source file of the test.
    pub file: String,
    /// Line of the test function.
    pub line: u32,
    /// Tags from the attribute.
    pub tags: Vec<String>,
    /// CTRF `type` (`unit`, `security`, ...).
    pub kind: String,
    /// The limits that applied (attribute merged over the profile's defaults).
    pub budget: crate::registry::Budget,
    /// What happened.
    pub outcome: Outcome,
    /// Captured standard output (empty with `--nocapture`).
    pub stdout: Vec<u8>,
    /// Captured standard error (empty with `--nocapture`).
    pub stderr: Vec<u8>,
}

impl TestRecord {
    /// A test that passed after failing at least once (nextest's "flaky").
    ///
    /// ```
    /// # use leanvibe_test::record::*;
    /// let record = TestRecord {
    ///     name: "t".into(), module: "".into(), file: "f.rs".into(), line: 1,
    ///     tags: vec![], kind: "unit".into(), budget: Default::default(),
    ///     outcome: Outcome { status: Status::Passed, duration_ms: 1.0,
    ///         measurements: Measurements { attempts: 2, ..Default::default() },
    ///         extra: Default::default() },
    ///     stdout: vec![], stderr: vec![],
    /// };
    /// assert!(record.is_flaky());
    /// ```
    pub fn is_flaky(&self) -> bool {
        self.outcome.status == Status::Passed && self.outcome.measurements.attempts > 1
    }
}
