//! Reporting: the runner emits [`RunEvent`]s; each [`Reporter`] consumes them.
//!
//! The console, the JUnit and CTRF files and the streaming event log are
//! independent sinks. None reaches back into the runner; the runner knows
//! nothing of formats. A sink that fails to write reports its error at the end
//! of the run without stopping the others.

pub(crate) mod console;

pub mod atomic;
mod collect;
pub mod ctrf;
pub mod events;
pub mod files;
pub mod gate;
pub mod html;
pub mod identity;
pub mod junit;
pub mod merge;
mod options;
pub mod partition;
pub mod redact;
pub mod sanitize;
pub(crate) mod stdio;
pub mod timings;

/// What each reporter is given about a finished test.
pub use crate::record::{
    Attempt, Failure, FailureKind, Measurements, Status, TestOutcome, TestRecord,
};
pub use options::ReportOptions;

use std::time::SystemTime;

/// Facts about the whole run, fixed when it starts.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// This run's identity: 32 hex digits, fresh for every run (under
    /// nextest, nextest's own run id). Every report file of the run carries
    /// it, so a reader can tell files of one run from leftovers of another.
    pub run_id: String,
    /// Name of the test binary (`suite` for `target/debug/deps/suite-1a2b`).
    pub binary_name: String,
    /// Full names of the selected tests, in name order: the tests that will
    /// run or be reported as ignored. The event stream lists them as
    /// `discover_case` lines.
    pub tests: Vec<String>,
    /// Tests removed by filters, `--skip`, `--ignored` or a partition.
    pub filtered_out: usize,
    /// Of those, the tests a partition gave to the other shards.
    pub partitioned_out: usize,
    /// Wall-clock time the run started.
    pub started_at: SystemTime,
    /// What the command line asked for.
    pub selection: Selection,
    /// Worker processes (0 when running in-process).
    pub workers: usize,
    /// The CI pipeline this run is part of, shared by its shards (see the
    /// README's sharding section); `None` outside CI.
    pub pipeline: Option<String>,
}

impl RunInfo {
    /// How many tests were selected: [`tests`](RunInfo::tests)`.len()`.
    pub fn selected(&self) -> usize {
        self.tests.len()
    }
}

/// A fresh run id: 32 hex digits, from the standard library's randomly
/// seeded hasher (seeded by the operating system), mixed with the time and
/// the process id.
///
/// ```
/// let a = leanvibe_test::report::new_run_id();
/// assert_eq!(a.len(), 32);
/// assert_ne!(a, leanvibe_test::report::new_run_id());
/// ```
pub fn new_run_id() -> String {
    use std::hash::BuildHasher;
    let seed = (SystemTime::now(), std::process::id());
    let high = std::collections::hash_map::RandomState::new().hash_one(seed);
    let low = std::collections::hash_map::RandomState::new().hash_one((seed, high));
    format!("{high:016x}{low:016x}")
}

/// What a run was asked to run: enough for a reader of its reports to tell
/// the whole suite from a filtered part of it.
///
/// ```
/// use leanvibe_test::report::Selection;
/// assert!(Selection::default().is_whole());
/// let filtered = Selection { filters: vec!["unit::".into()], ..Selection::default() };
/// assert!(!filtered.is_whole());
/// assert_eq!(filtered.describe(), "filters unit::");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    /// Name filters (`cargo test -- FILTER...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
    /// `--skip` filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<String>,
    /// `--exact`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
    /// `--ignored`: only the ignored tests ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_ignored: bool,
    /// `--include-ignored`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_ignored: bool,
    /// `--partition`, e.g. `hash:1/3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
}

impl Selection {
    /// No filter, skip, partition or `--ignored`: every test of the binary
    /// was selected.
    pub fn is_whole(&self) -> bool {
        self.filters.is_empty()
            && self.skip.is_empty()
            && !self.only_ignored
            && self.partition.is_none()
    }

    /// A short description for messages: `filters a b; skip c; partition
    /// hash:1/3`, or `all tests`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.filters.is_empty() {
            parts.push(format!("filters {}", self.filters.join(" ")));
        }
        if !self.skip.is_empty() {
            parts.push(format!("skip {}", self.skip.join(" ")));
        }
        if self.only_ignored {
            parts.push("ignored tests only".to_string());
        }
        if let Some(partition) = &self.partition {
            parts.push(format!("partition {partition}"));
        }
        if parts.is_empty() {
            "all tests".to_string()
        } else {
            parts.join("; ")
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// Every selected test ran to a verdict.
    Completed,
    /// The run stopped early: a signal, or a test that ended the harness
    /// process while running in it. Tests still running are reported failed;
    /// tests not started are counted in `not_run` and not listed.
    Stopped {
        /// Why, in a few words: `interrupted by SIGTERM`.
        reason: String,
        /// Selected tests that never started.
        not_run: usize,
    },
}

impl RunEnd {
    /// `true` for [`RunEnd::Completed`].
    ///
    /// ```
    /// assert!(leanvibe_test::report::RunEnd::Completed.is_completed());
    /// ```
    pub fn is_completed(&self) -> bool {
        matches!(self, RunEnd::Completed)
    }
}

/// Counts at the end of the run, as libtest's summary line gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Tests that passed (flaky ones included).
    pub passed: usize,
    /// Tests that failed.
    pub failed: usize,
    /// Tests not run because ignored.
    pub ignored: usize,
    /// Tests that passed only after a retry (counted as passed, or as
    /// failed with `--flaky-result fail`).
    pub flaky: usize,
    /// Tests removed by selection.
    pub filtered_out: usize,
}

impl RunSummary {
    /// Adds one finished test to the counts.
    ///
    /// ```
    /// # use leanvibe_test::report::RunSummary;
    /// let summary = RunSummary::default();
    /// assert_eq!(summary.passed + summary.failed, 0);
    /// ```
    pub fn count(&mut self, record: &TestRecord) {
        use crate::record::Status;
        match &record.outcome.status {
            Status::Passed => self.passed += 1,
            Status::Failed(_) => self.failed += 1,
            Status::Ignored { .. } => self.ignored += 1,
        }
        if record.is_flaky() {
            self.flaky += 1;
        }
    }
}

/// Something that happened during a run, in the order it happened.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// The run is about to start running tests.
    RunStarted(&'a RunInfo),
    /// A test started on a worker (or in-process).
    TestStarted {
        /// Full test name.
        name: &'a str,
    },
    /// A test finished, was found ignored, or was lost with its worker.
    TestFinished(&'a TestRecord),
    /// The run is over: every test has finished, or the run was stopped.
    RunFinished {
        /// Final counts.
        summary: &'a RunSummary,
        /// Wall time of the whole run in seconds.
        elapsed_s: f64,
        /// Whether every selected test ran.
        end: &'a RunEnd,
    },
}

/// A sink for run events.
///
/// ```
/// use leanvibe_test::report::{RunEvent, Reporter};
/// struct CountFinished(usize);
/// impl Reporter for CountFinished {
///     fn on_event(&mut self, event: &RunEvent<'_>) -> std::io::Result<()> {
///         if let RunEvent::TestFinished(_) = event { self.0 += 1; }
///         Ok(())
///     }
/// }
/// ```
pub trait Reporter: Send {
    /// Handles one event. Errors are collected and shown at the end of the run.
    fn on_event(&mut self, event: &RunEvent<'_>) -> std::io::Result<()>;

    /// Writes out anything buffered. The runner calls it whenever it is about
    /// to wait, so buffered output never lags behind a slow test.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    /// The files this sink has written, for the summary's last line.
    fn written_paths(&self) -> Vec<&std::path::Path> {
        Vec::new()
    }
}
