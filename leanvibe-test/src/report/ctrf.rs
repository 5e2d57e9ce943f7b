//! The CTRF JSON report: the document model, and the sink that writes it.
//!
//! The model is also what the JUnit sink renders and what `leanvibe-report
//! merge` reads and combines, so the two formats always agree. Our own data
//! sits under `extra.leanvibe`, in the versioned shape described in
//! `docs/reports.md` ([`EXTRA_SCHEMA`]).

use crate::json::Map;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The CTRF specification version written in `specVersion`.
pub const SPEC_VERSION: &str = "0.0.0";

/// Version of the shape of our data under `extra.leanvibe`. Raised when a
/// field changes meaning or is removed; new fields may appear without it.
pub const EXTRA_SCHEMA: u64 = 1;

/// The key under every `extra` that holds our data.
pub const EXTRA_KEY: &str = "leanvibe";

/// A whole CTRF document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CtrfReport {
    /// Always `CTRF`.
    pub report_format: String,
    /// [`SPEC_VERSION`].
    pub spec_version: String,
    /// When the report was written (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// `leanvibe-test <version>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_by: Option<String>,
    /// The results.
    pub results: CtrfResults,
    /// Run-level data; ours under `leanvibe` ([`RunExtra`]).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map,
}

/// `results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CtrfResults {
    /// The tool that ran the tests.
    pub tool: CtrfTool,
    /// Counts and times.
    pub summary: CtrfSummary,
    /// One entry per test.
    pub tests: Vec<CtrfTest>,
    /// Where the run happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<CtrfEnvironment>,
}

/// `results.tool`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CtrfTool {
    /// `leanvibe-test`.
    pub name: String,
    /// This crate's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `results.summary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CtrfSummary {
    /// Tests reported (run or ignored).
    pub tests: u64,
    /// Passed, flaky included.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Ignored.
    pub skipped: u64,
    /// Always 0.
    pub pending: u64,
    /// Always 0.
    pub other: u64,
    /// Passed after a retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flaky: Option<u64>,
    /// Test binaries in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suites: Option<u64>,
    /// Run start, milliseconds since the Unix epoch.
    pub start: u64,
    /// Run end, milliseconds since the Unix epoch.
    pub stop: u64,
    /// `stop - start` in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
}

/// The outcome of one test, as CTRF names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CtrfStatus {
    /// Passed (flaky included).
    Passed,
    /// Failed.
    Failed,
    /// Ignored.
    Skipped,
    /// Not produced by us; accepted when reading.
    Pending,
    /// Not produced by us; accepted when reading.
    Other,
}

/// `results.tests[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CtrfTest {
    /// Full test name (`unit::parses_config`).
    pub name: String,
    /// Outcome.
    pub status: CtrfStatus,
    /// Whole-test wall time in milliseconds.
    pub duration: u64,
    /// When the test started, ms since the epoch (when the runner said so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
    /// When the test finished, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<u64>,
    /// `[binary, module, submodule, ...]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suite: Vec<String>,
    /// First line of the failure message (or the ignore reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The whole failure message when it has more than one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// Line of the test function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Tags from the attribute.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `unit`, `security`, ...
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Source file of the test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    /// Retries used (attempts - 1), when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// One entry per attempt, when there was more than one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retry_attempts: Vec<CtrfAttempt>,
    /// Passed after failing at least once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flaky: Option<bool>,
    /// Captured standard output, line by line (cleaned, redacted, capped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stdout: Vec<String>,
    /// Captured standard error, line by line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stderr: Vec<String>,
    /// Ours under `leanvibe` ([`TestExtra`]), then the test's own topics.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map,
}

/// `results.tests[].retryAttempts[]`: every attempt of a retried test, the
/// last included. The last attempt's output is the test's own `stdout` and
/// `stderr`, not repeated here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CtrfAttempt {
    /// From 1.
    pub attempt: u32,
    /// Every attempt but a flaky test's last failed: retries happen only
    /// after a failure.
    pub status: CtrfStatus,
    /// Its wall time, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    /// A failed attempt's headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A failed attempt's whole text, when longer than its headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// An earlier attempt's standard output, line by line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stdout: Vec<String>,
    /// An earlier attempt's standard error, line by line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stderr: Vec<String>,
    /// `{"leanvibe": {"failureKind": ...}}` for a failed attempt.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map,
}

impl CtrfAttempt {
    /// The failure kind of a failed attempt (`panic`, `timeout`, ...).
    ///
    /// ```
    /// # use leanvibe_test::report::ctrf::{CtrfAttempt, CtrfStatus};
    /// let attempt: CtrfAttempt = leanvibe_test::json::from_str(
    ///     r#"{"attempt":1,"status":"failed","extra":{"leanvibe":{"failureKind":"crash"}}}"#,
    /// ).unwrap();
    /// assert_eq!(attempt.failure_kind().as_deref(), Some("crash"));
    /// ```
    pub fn failure_kind(&self) -> Option<String> {
        match self.extra.get(EXTRA_KEY)?.get("failureKind")? {
            crate::json::Value::String(kind) => Some(kind.clone()),
            _ => None,
        }
    }
}

/// `results.environment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CtrfEnvironment {
    /// The test binary's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_name: Option<String>,
    /// `linux`, `macos`, `windows`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_platform: Option<String>,
    /// The `--partition` string of a shard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_id: Option<String>,
}

/// Our run-level data, `extra.leanvibe` of the document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunExtra {
    /// [`EXTRA_SCHEMA`].
    pub schema: u64,
    /// The run this report belongs to ([`RunInfo::run_id`](super::RunInfo::run_id));
    /// the JUnit file and the event stream of the same run carry the same id.
    #[serde(default)]
    pub run_id: String,
    /// Every selected test ran to a verdict. A report of a run that was
    /// stopped (a signal, a crash in-process) says `false`.
    #[serde(default)]
    pub completed: bool,
    /// Selected tests that never started, when the run did not complete.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_run: u64,
    /// Why the run did not complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// What the command line selected; absent (all defaults) for a whole run.
    #[serde(default, skip_serializing_if = "is_whole")]
    pub selection: super::Selection,
    /// Name of the test binary.
    pub binary: String,
    /// Machine the run happened on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The shard this report covers; absent for a whole run or a merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<super::partition::Partition>,
    /// The CI pipeline the run was part of ([`RunInfo::pipeline`](super::RunInfo::pipeline)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    /// The commit tested, from the CI system's variables
    /// ([`ci_env::commit`](crate::ci_env)); absent outside CI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Tests removed by filters (and, in a shard, by the partition).
    pub filtered_out: u64,
    /// In a shard, the tests the partition gave to the others: the shards
    /// of one run hold `tests + partitioned_out` tests between them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub partitioned_out: u64,
    /// Worker processes (0 in-process).
    #[serde(default)]
    pub workers: u64,
    /// For a merged report, the partitions it was made from, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_whole(selection: &super::Selection) -> bool {
    *selection == super::Selection::default()
}

/// Our per-test data, `extra.leanvibe` of a test.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestExtra {
    /// [`EXTRA_SCHEMA`].
    pub schema: u64,
    /// [`FailureKind::as_str`](crate::record::FailureKind::as_str) of a failed test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_kind: Option<String>,
    /// Times the test was run (1 + retries used).
    pub attempts: u32,
    /// The limits that applied, only those set (`max_ms`, `p95_ms`, ...).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub budget: Map,
    /// What was measured: `runs_ms`, `peak_heap_bytes`, `peak_rss_bytes`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub measurements: Map,
    /// Statistics over `runs_ms` when there were several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<crate::budget::stats::SampleStats>,
}

impl CtrfReport {
    /// Our run-level data, if the report has it in a shape we understand.
    ///
    /// ```
    /// # use leanvibe_test::report::ctrf::CtrfReport;
    /// let report: CtrfReport = leanvibe_test::json::from_str(r#"{"reportFormat":"CTRF","specVersion":"0.0.0",
    ///   "results":{"tool":{"name":"x"},"summary":{"tests":0,"passed":0,"failed":0,"skipped":0,
    ///   "pending":0,"other":0,"start":0,"stop":0},"tests":[]}}"#).unwrap();
    /// assert!(report.run_extra().is_none());
    /// ```
    pub fn run_extra(&self) -> Option<RunExtra> {
        crate::json::from_value(self.extra.get(EXTRA_KEY)?.clone()).ok()
    }

    /// Reads a CTRF file.
    ///
    /// ```no_run
    /// let report = leanvibe_test::report::ctrf::CtrfReport::read("target/leanvibe/suite.ctrf.json".as_ref())?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn read(path: &Path) -> std::io::Result<CtrfReport> {
        let text = std::fs::read(path)?;
        crate::json::from_slice(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// Writes the document atomically, as compact JSON.
    ///
    /// ```no_run
    /// # fn f(report: &leanvibe_test::report::ctrf::CtrfReport) -> std::io::Result<()> {
    /// report.write("target/leanvibe/suite.ctrf.json".as_ref())
    /// # }
    /// ```
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        super::atomic::write_atomically(path, |out| {
            // Compact: a large suite's report runs to megabytes, and its
            // readers are programs (`jq .` shows it to a person).
            crate::json::to_writer(&mut *out, self)?;
            out.write_all(b"\n")
        })
    }
}

impl CtrfTest {
    /// Our per-test data, if present.
    ///
    /// ```
    /// # use leanvibe_test::report::ctrf::*;
    /// let test = CtrfTest { name: "t".into(), status: CtrfStatus::Passed, duration: 1, start: None,
    ///     stop: None, suite: vec![], message: None, trace: None, line: None, tags: vec![],
    ///     kind: None, file_path: None, retries: None, retry_attempts: vec![], flaky: None,
    ///     stdout: vec![], stderr: vec![], extra: Default::default() };
    /// assert!(test.test_extra().is_none());
    /// ```
    pub fn test_extra(&self) -> Option<TestExtra> {
        crate::json::from_value(self.extra.get(EXTRA_KEY)?.clone()).ok()
    }

    /// The full failure text: `trace` when present, else `message`.
    ///
    /// ```
    /// # use leanvibe_test::report::ctrf::*;
    /// # let mut test: CtrfTest = leanvibe_test::json::from_str(r#"{"name":"t","status":"failed","duration":0}"#).unwrap();
    /// test.message = Some("first".into());
    /// assert_eq!(test.full_message(), Some("first"));
    /// ```
    pub fn full_message(&self) -> Option<&str> {
        self.trace.as_deref().or(self.message.as_deref())
    }
}
