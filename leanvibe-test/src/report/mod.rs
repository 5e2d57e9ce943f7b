//! Reporting: the runner emits [`Event`]s; each [`Reporter`] consumes them.
//!
//! The console, the JUnit and CTRF files and the streaming event log are
//! independent sinks. None reaches back into the runner; the runner knows
//! nothing of formats. A sink that fails to write reports its error at the end
//! of the run without stopping the others.

pub mod console;

pub mod atomic;
mod collect;
pub mod ctrf;
pub mod events;
pub mod files;
pub mod junit;
pub mod merge;
mod options;
pub mod partition;
pub mod redact;
pub mod sanitize;

pub use options::ReportOptions;

use crate::record::TestRecord;
use std::time::SystemTime;

/// Facts about the whole run, fixed when it starts.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Name of the test binary (`suite` for `target/debug/deps/suite-1a2b`).
    pub binary_name: String,
    /// Tests that will run or be reported as ignored.
    pub selected: usize,
    /// Tests removed by filters, `--skip`, `--ignored` or a partition.
    pub filtered_out: usize,
    /// Wall-clock time the run started.
    pub started_at: SystemTime,
    /// `--partition` in force, e.g. `hash:1/3`.
    pub partition: Option<String>,
    /// Worker processes (0 when running in-process).
    pub workers: usize,
}

/// Counts at the end of the run, as libtest's summary line gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Tests that passed (flaky ones included).
    pub passed: usize,
    /// Tests that failed.
    pub failed: usize,
    /// Tests not run because ignored.
    pub ignored: usize,
    /// Tests that passed only after a retry.
    pub flaky: usize,
    /// Tests removed by selection.
    pub filtered_out: usize,
}

impl Summary {
    /// Adds one finished test to the counts.
    ///
    /// ```
    /// # use leanvibe_test::report::Summary;
    /// let summary = Summary::default();
    /// assert_eq!(summary.passed + summary.failed, 0);
    /// ```
    pub fn count(&mut self, record: &TestRecord) {
        use crate::record::Status;
        match &record.outcome.status {
            Status::Passed => {
                self.passed += 1;
                if record.is_flaky() {
                    self.flaky += 1;
                }
            }
            Status::Failed(_) => self.failed += 1,
            Status::Ignored { .. } => self.ignored += 1,
        }
    }
}

/// Something that happened during a run, in the order it happened.
#[derive(Debug)]
pub enum Event<'a> {
    /// The run is about to start running tests.
    RunStarted(&'a RunInfo),
    /// A test started on a worker (or in-process).
    TestStarted {
        /// Full test name.
        name: &'a str,
    },
    /// A test finished, was found ignored, or was lost with its worker.
    TestFinished(&'a TestRecord),
    /// Every test has finished.
    RunFinished {
        /// Final counts.
        summary: &'a Summary,
        /// Wall time of the whole run in seconds.
        elapsed_s: f64,
    },
}

/// A sink for run events.
///
/// ```
/// use leanvibe_test::report::{Event, Reporter};
/// struct CountFinished(usize);
/// impl Reporter for CountFinished {
///     fn on_event(&mut self, event: &Event<'_>) -> std::io::Result<()> {
///         if let Event::TestFinished(_) = event { self.0 += 1; }
///         Ok(())
///     }
/// }
/// ```
pub trait Reporter: Send {
    /// Handles one event. Errors are collected and shown at the end of the run.
    fn on_event(&mut self, event: &Event<'_>) -> std::io::Result<()>;

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
