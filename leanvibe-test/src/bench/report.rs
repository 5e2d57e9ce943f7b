//! The compliance file (our JSON, [`BENCH_SCHEMA`]) and the JUnit file of a
//! bench target.

use super::regression::Change;
use crate::perf::ThresholdVerdict;
use crate::report::ctrf::{
    CtrfReport, CtrfResults, CtrfStatus, CtrfSummary, CtrfTest, CtrfTool, EXTRA_KEY, EXTRA_SCHEMA,
    RunExtra, SPEC_VERSION, TestExtra,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the compliance file's shape (`docs/perf.md`). Raised when a
/// field changes meaning or is removed; new fields may appear without it.
pub const BENCH_SCHEMA: u64 = 1;

/// The compliance file of one bench target:
/// `<target dir>/leanvibe/bench/<target>.compliance.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    /// [`BENCH_SCHEMA`].
    pub schema: u64,
    /// Always `bench`.
    pub kind: String,
    /// The bench target's name.
    pub target: String,
    /// No budget broken, no significant regression, no required baseline missing.
    pub passed: bool,
    /// Where criterion's results were read from.
    pub criterion_dir: String,
    /// What happened with the baseline file.
    pub baseline: BaselineStatus,
    /// One entry per benchmark with a declared budget, in declaration order.
    pub benches: Vec<BenchResult>,
}

/// The baseline file and what was done with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineStatus {
    /// Its path.
    pub path: String,
    /// `compare`, `update` or `require` (from `LEANVIBE_BENCH_BASELINE`).
    pub mode: String,
    /// `compared`, `missing`, `updated` or `invalid`.
    pub status: String,
    /// A sentence for people.
    pub message: String,
}

/// One benchmark's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// Criterion's full id (`group/function/value`).
    pub id: String,
    /// `passed`, `failed` or `not_run` (filtered out of this run).
    pub status: String,
    /// Criterion's estimates, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimates_ms: Option<EstimatesMs>,
    /// Figures over the per-iteration sample times, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_ms: Option<SampleFigures>,
    /// The budget: every threshold with its measured value and verdict.
    pub thresholds: Vec<ThresholdVerdict>,
    /// The change against the baseline, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression: Option<Regression>,
    /// Notes for people (missing baseline entry, not run, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Criterion's `estimates.json`, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EstimatesMs {
    /// `mean.point_estimate`.
    pub mean: f64,
    /// `mean.confidence_interval` bounds.
    pub mean_ci: [f64; 2],
    /// `median.point_estimate`.
    pub median: f64,
    /// `std_dev.point_estimate`.
    pub std_dev: f64,
}

/// Nearest-rank figures over the per-iteration sample times, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleFigures {
    /// Samples (criterion's sample size).
    pub count: usize,
    /// Fastest sample.
    pub min: f64,
    /// Median sample.
    pub p50: f64,
    /// 95th-percentile sample: the "p95-ish" figure (see `docs/perf.md`).
    pub p95: f64,
    /// Slowest sample.
    pub max: f64,
}

/// The regression check of one benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Regression {
    /// Allowed relative slowdown of the mean (0.10 = 10 %).
    pub tolerance: f64,
    /// The baseline's mean, ms.
    pub baseline_mean_ms: f64,
    /// `mean(new) / mean(baseline) - 1`, with its 95 % bootstrap interval.
    pub change: Change,
    /// The whole interval lies above the tolerance.
    pub significant: bool,
}

impl BenchReport {
    /// Writes the compliance JSON (pretty, trailing newline).
    pub(crate) fn write_json(&self, path: &Path) -> std::io::Result<()> {
        crate::report::atomic::write_atomically(path, |out| {
            serde_json::to_writer_pretty(&mut *out, self)?;
            out.write_all(b"\n")
        })
    }

    /// Writes the JUnit XML through the CTRF model, one test case per benchmark.
    pub(crate) fn write_junit(
        &self,
        path: &Path,
        start_ms: u64,
        stop_ms: u64,
    ) -> std::io::Result<()> {
        crate::report::junit::write_file(&self.to_ctrf(start_ms, stop_ms), path)
    }

    /// The CTRF document the JUnit file is rendered from.
    pub(crate) fn to_ctrf(&self, start_ms: u64, stop_ms: u64) -> CtrfReport {
        let tests: Vec<CtrfTest> = self.benches.iter().map(|b| self.ctrf_test(b)).collect();
        let count = |s: CtrfStatus| tests.iter().filter(|t| t.status == s).count() as u64;
        let summary = CtrfSummary {
            tests: tests.len() as u64,
            passed: count(CtrfStatus::Passed),
            failed: count(CtrfStatus::Failed),
            skipped: count(CtrfStatus::Skipped),
            suites: Some(1),
            start: start_ms,
            stop: stop_ms,
            duration: Some(stop_ms.saturating_sub(start_ms)),
            ..CtrfSummary::default()
        };
        let run = RunExtra {
            schema: EXTRA_SCHEMA,
            binary: self.target.clone(),
            ..RunExtra::default()
        };
        let mut extra = crate::json::Map::new();
        extra.insert(
            EXTRA_KEY.into(),
            crate::json::to_value(&run).unwrap_or_default(),
        );
        CtrfReport {
            report_format: "CTRF".into(),
            spec_version: SPEC_VERSION.into(),
            timestamp: None,
            generated_by: Some(format!("leanvibe-test {}", env!("CARGO_PKG_VERSION"))),
            results: CtrfResults {
                tool: CtrfTool {
                    name: "leanvibe-test".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                },
                summary,
                tests,
                environment: None,
            },
            extra,
        }
    }

    fn ctrf_test(&self, bench: &BenchResult) -> CtrfTest {
        let status = match bench.status.as_str() {
            "passed" => CtrfStatus::Passed,
            "not_run" => CtrfStatus::Skipped,
            _ => CtrfStatus::Failed,
        };
        let message = bench_message(bench);
        let (first, trace) = match message.split_once('\n') {
            Some((first, _)) => (first.to_string(), Some(message.clone())),
            None => (message.clone(), None),
        };
        let leanvibe = TestExtra {
            schema: EXTRA_SCHEMA,
            failure_kind: (status == CtrfStatus::Failed).then(|| "performance".to_string()),
            attempts: 1,
            ..TestExtra::default()
        };
        let mut extra = crate::json::Map::new();
        extra.insert(
            EXTRA_KEY.into(),
            crate::json::to_value(&leanvibe).unwrap_or_default(),
        );
        extra.insert(
            "bench".into(),
            crate::json::to_value(&bench).unwrap_or_default(),
        );
        CtrfTest {
            name: bench.id.clone(),
            status,
            duration: 0,
            start: None,
            stop: None,
            suite: vec![self.target.clone()],
            message: (status != CtrfStatus::Passed).then_some(first),
            trace: if status == CtrfStatus::Passed {
                None
            } else {
                trace
            },
            line: None,
            tags: vec!["bench".into()],
            kind: Some("performance".into()),
            file_path: None,
            retries: None,
            retry_attempts: Vec::new(),
            flaky: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            extra,
        }
    }
}

/// What a benchmark's verdict says, one line per threshold and regression.
pub(crate) fn bench_message(bench: &BenchResult) -> String {
    let mut broken: Vec<&str> = bench
        .thresholds
        .iter()
        .filter(|t| !t.passed)
        .map(|t| t.threshold.as_str())
        .collect();
    if bench.regression.is_some_and(|r| r.significant) {
        broken.push("regression");
    }
    let mut lines = vec![if broken.is_empty() {
        format!("bench `{}` {}", bench.id, bench.status)
    } else {
        format!(
            "bench `{}` {}: {}",
            bench.id,
            bench.status,
            broken.join(", ")
        )
    }];
    for t in &bench.thresholds {
        let mark = if t.passed { "✓" } else { "✗" };
        match t.measured {
            Some(v) => lines.push(format!("  {mark} {}: measured {v:.4} ms", t.threshold)),
            None => lines.push(format!("  {mark} {}: nothing measured", t.threshold)),
        }
    }
    if let Some(r) = &bench.regression {
        let mark = if r.significant { "✗" } else { "✓" };
        lines.push(format!(
            "  {mark} regression: mean {:+.1}% [{:+.1}%, {:+.1}%] vs baseline {:.4} ms, tolerance {:.1}%",
            r.change.point * 100.0,
            r.change.lower * 100.0,
            r.change.upper * 100.0,
            r.baseline_mean_ms,
            r.tolerance * 100.0
        ));
    }
    lines.extend(bench.notes.iter().map(|n| format!("  note: {n}")));
    lines.join("\n")
}
