//! What happened when a test ran: the record every reporter consumes.
//!
//! A worker builds an [`TestOutcome`] for each test and sends it to the harness as
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
    /// assert!(!leanvibe_test::report::Status::Passed.is_failed());
    /// ```
    pub fn is_failed(&self) -> bool {
        matches!(self, Status::Failed(_))
    }
}

/// Why a test failed.
///
/// `message` is what the test or the harness said, without decoration: the
/// panic payload, the returned error, the measured figure, the signal. Its
/// first line is the [`headline`](Failure::headline) that CI pages show
/// (JUnit `message`, CTRF `message`); the [`full_text`](Failure::full_text)
/// adds the location the way libtest prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The kind of failure, used as JUnit `type` and in the console.
    pub kind: FailureKind,
    /// What went wrong, possibly over several lines.
    pub message: String,
    /// Where it went wrong (`tests/suite.rs:12:5` for a panic), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Longest headline, in bytes; a longer first line is cut with `…`.
const HEADLINE_MAX: usize = 500;

impl Failure {
    /// A failure without a location.
    ///
    /// ```
    /// use leanvibe_test::report::{Failure, FailureKind};
    /// let failure = Failure::new(FailureKind::Error, "Error: \"disk full\"");
    /// assert_eq!(failure.headline(), "Error: \"disk full\"");
    /// ```
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            location: None,
        }
    }

    /// The first non-empty line of the message, at most 500 bytes: what a CI
    /// page shows in its failure list.
    ///
    /// ```
    /// use leanvibe_test::report::{Failure, FailureKind};
    /// let failure = Failure {
    ///     kind: FailureKind::Panic,
    ///     message: "assertion `left == right` failed\n  left: 1\n right: 2".into(),
    ///     location: Some("tests/suite.rs:12:5".into()),
    /// };
    /// assert_eq!(failure.headline(), "assertion `left == right` failed");
    /// ```
    pub fn headline(&self) -> &str {
        let line = self
            .message
            .lines()
            .map(str::trim_end)
            .find(|l| !l.trim().is_empty())
            .unwrap_or(self.kind.as_str());
        if line.len() <= HEADLINE_MAX {
            return line;
        }
        let mut end = HEADLINE_MAX;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        &line[..end]
    }

    /// The whole text as libtest prints it: `panicked at LOCATION:` above a
    /// panic's message, `at LOCATION` below any other message that has one.
    ///
    /// ```
    /// use leanvibe_test::report::{Failure, FailureKind};
    /// let failure = Failure {
    ///     kind: FailureKind::Panic,
    ///     message: "boom".into(),
    ///     location: Some("src/lib.rs:3:9".into()),
    /// };
    /// assert_eq!(failure.full_text(), "panicked at src/lib.rs:3:9:\nboom");
    /// ```
    pub fn full_text(&self) -> String {
        match (&self.location, self.kind) {
            (None, _) => self.message.clone(),
            (Some(location), FailureKind::Panic) => {
                format!("panicked at {location}:\n{}", self.message)
            }
            (Some(location), _) => format!("{}\n  at {location}", self.message),
        }
    }
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
    /// The run was stopped (SIGINT, SIGTERM) while the test was running.
    #[serde(rename = "interrupted")]
    Interrupted,
    /// The test failed, then passed when retried, and the run treats flaky
    /// tests as failures (`--flaky-result fail`, nextest's
    /// `flaky-result = "fail"`).
    #[serde(rename = "flaky")]
    Flaky,
}

impl FailureKind {
    /// The stable name used in reports (`panic`, `timeout`, `budget.time`, ...).
    ///
    /// ```
    /// use leanvibe_test::report::FailureKind;
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
            FailureKind::Interrupted => "interrupted",
            FailureKind::Flaky => "flaky",
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

/// An attempt of a test that was then run again: it failed, and a retry was
/// left (see `retries`).
///
/// ```
/// use leanvibe_test::report::{Attempt, Failure, FailureKind};
/// let attempt = Attempt {
///     failure: Failure::new(FailureKind::Panic, "connection reset"),
///     duration_ms: 12.5,
///     stdout: b"connecting\n".to_vec(),
///     stderr: vec![],
/// };
/// assert_eq!(attempt.failure.headline(), "connection reset");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Why the attempt failed.
    pub failure: Failure,
    /// Its wall time in milliseconds.
    pub duration_ms: f64,
    /// Its captured standard output. Not part of a worker's message: the
    /// harness cuts it from the capture file.
    #[serde(skip)]
    pub stdout: Vec<u8>,
    /// Its captured standard error, likewise.
    #[serde(skip)]
    pub stderr: Vec<u8>,
}

/// What a worker knows about one test once it has run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestOutcome {
    /// Pass, fail or ignored.
    #[serde(flatten)]
    pub status: Status,
    /// Whole-test wall time in milliseconds (all attempts, fixtures included).
    pub duration_ms: f64,
    /// Measurements for the budgets (of the last attempt).
    pub measurements: Measurements,
    /// The failed attempts before the last one, oldest first: empty unless
    /// the test was retried. The last attempt is [`status`](Self::status)
    /// and the record's own output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_attempts: Vec<Attempt>,
    /// Extra data attached by the test (perf results, findings, ...), keyed
    /// by topic, reported under CTRF `extra`.
    #[serde(default, skip_serializing_if = "crate::json::Map::is_empty")]
    pub extra: crate::json::Map,
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
    pub outcome: TestOutcome,
    /// Captured standard output of the last attempt (empty with
    /// `--nocapture`); earlier attempts keep theirs in
    /// [`TestOutcome::earlier_attempts`].
    pub stdout: Vec<u8>,
    /// Captured standard error (empty with `--nocapture`).
    pub stderr: Vec<u8>,
}

impl TestRecord {
    /// A test that passed after failing at least once (nextest's "flaky"),
    /// also when the run counts that as a failure ([`FailureKind::Flaky`]).
    ///
    /// ```
    /// # use leanvibe_test::report::*;
    /// let record = TestRecord {
    ///     name: "t".into(), module: "".into(), file: "f.rs".into(), line: 1,
    ///     tags: vec![], kind: "unit".into(), budget: Default::default(),
    ///     outcome: TestOutcome { status: Status::Passed, duration_ms: 1.0,
    ///         measurements: Measurements { attempts: 2, ..Default::default() },
    ///         earlier_attempts: vec![], extra: Default::default() },
    ///     stdout: vec![], stderr: vec![],
    /// };
    /// assert!(record.is_flaky());
    /// ```
    pub fn is_flaky(&self) -> bool {
        let attempts = self.outcome.measurements.attempts;
        match &self.outcome.status {
            Status::Passed => attempts > 1,
            Status::Failed(failure) => failure.kind == FailureKind::Flaky,
            Status::Ignored { .. } => false,
        }
    }
}
