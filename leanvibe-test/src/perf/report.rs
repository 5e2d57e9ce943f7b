//! Results of a perf run: what was measured, every threshold with its
//! measured value and verdict, and how they reach the test's report.

use super::latency::{Latencies, LatencySummary};
use super::metrics::{Observed, Thresholds};
use crate::record::{Failure, FailureKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version of the JSON shape of [`PerfReport`] (attached under `perf` and
/// described in `docs/perf.md`). Raised when a field changes meaning or is
/// removed; new fields may appear without it.
pub const PERF_SCHEMA: u64 = 1;

/// The attachment topic perf results go under, in the test's CTRF `extra`.
pub const TOPIC: &str = "perf";

/// The result of one compliance, throughput, stress or load run.
///
/// ```
/// # leanvibe_test::tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let report = leanvibe_test::perf::compliance(|| async {})
///     .iterations(10)
///     .thresholds(["max<1000", "success==1"])
///     .run()
///     .await;
/// assert!(report.passed);
/// assert_eq!(report.runs[0].operations, 10);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerfReport {
    /// [`PERF_SCHEMA`].
    pub schema: u64,
    /// `compliance`, `throughput`, `stress` or `load`.
    pub kind: String,
    /// The name given to the run (defaults to the kind).
    pub name: String,
    /// Every threshold of every run held.
    pub passed: bool,
    /// One run, or one per stress level.
    pub runs: Vec<RunReport>,
}

/// What one run (or stress level) measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// `concurrency 50` for a stress level; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Concurrent operations (1 for compliance; absent for load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    /// Operations attempted (dropped load requests included).
    pub operations: u64,
    /// Operations that succeeded.
    pub successes: u64,
    /// Operations that returned an error.
    pub errors: u64,
    /// Operations that panicked.
    pub panics: u64,
    /// Load requests not sent because the in-flight cap was reached.
    pub dropped: u64,
    /// `successes / operations`.
    pub success_rate: f64,
    /// Wall time of the measured part, in seconds.
    pub duration_s: f64,
    /// Completed operations per second over `duration_s`.
    pub throughput_per_s: f64,
    /// Latency in ms.
    pub latency_ms: LatencySummary,
    /// The latency distribution as `[percentile, ms]` points at HDR's
    /// log-spaced percentiles (0, 50, 75, 87.5, ... 99.9, 100), for plotting
    /// a percentile curve; empty when nothing was measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latency_curve_ms: Vec<[f64; 2]>,
    /// Open-loop figures; absent for closed-loop runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadFigures>,
    /// Every threshold, in the order given.
    pub thresholds: Vec<ThresholdVerdict>,
}

/// Open-loop figures of a load run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoadFigures {
    /// The rate asked for, per second.
    pub target_rate_per_s: f64,
    /// Requests issued (sent or dropped) per second of the sending window.
    pub achieved_rate_per_s: f64,
    /// Largest number of operations in flight at once.
    pub max_in_flight: u64,
    /// How late the generator issued requests against their intended send
    /// times, in ms (the latency figures already include it).
    pub pacing_ms: PacingSummary,
}

/// Lateness of sends against their intended times, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PacingSummary {
    /// Mean lateness.
    pub mean: f64,
    /// Median lateness.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Latest send.
    pub max: f64,
}

/// One threshold with what was measured and whether it held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdVerdict {
    /// The threshold as written, e.g. `p(95)<40`.
    pub threshold: String,
    /// The measured value; `null` when there was nothing to measure (no
    /// samples), which fails the threshold.
    pub measured: Option<f64>,
    /// Whether it held.
    pub passed: bool,
}

/// Judges every threshold against what a run observed.
pub(crate) fn judge(thresholds: &Thresholds, observed: &Observed<'_>) -> Vec<ThresholdVerdict> {
    thresholds
        .iter()
        .map(|t| {
            let measured = observed.value_of(t);
            ThresholdVerdict {
                threshold: t.source.clone(),
                measured,
                passed: measured.is_some_and(|v| t.holds(v)),
            }
        })
        .collect()
}

/// Builds the report of one run from its observations.
pub(crate) fn run_report(
    label: Option<String>,
    concurrency: Option<usize>,
    observed: &Observed<'_>,
    duration_s: f64,
    thresholds: &Thresholds,
) -> RunReport {
    let completed = observed.successes + observed.errors + observed.panics;
    RunReport {
        label,
        concurrency,
        operations: observed.attempted,
        successes: observed.successes,
        errors: observed.errors,
        panics: observed.panics,
        dropped: observed.dropped,
        success_rate: if observed.attempted == 0 {
            0.0
        } else {
            observed.successes as f64 / observed.attempted as f64
        },
        duration_s,
        throughput_per_s: if duration_s > 0.0 {
            completed as f64 / duration_s
        } else {
            0.0
        },
        latency_ms: observed.latencies.summary(),
        latency_curve_ms: observed.latencies.curve(),
        load: None,
        thresholds: judge(thresholds, observed),
    }
}

/// The summary of `latencies` for pacing figures.
pub(crate) fn pacing(latencies: &Latencies) -> PacingSummary {
    let s = latencies.summary();
    PacingSummary {
        mean: s.mean,
        p50: s.p50,
        p99: s.p99,
        max: s.max,
    }
}

impl PerfReport {
    pub(crate) fn new(kind: &str, name: Option<String>, runs: Vec<RunReport>) -> Self {
        PerfReport {
            schema: PERF_SCHEMA,
            kind: kind.to_string(),
            name: name.unwrap_or_else(|| kind.to_string()),
            passed: runs.iter().all(|r| r.thresholds.iter().all(|t| t.passed)),
            runs,
        }
    }

    /// Appends this report to the running test's `perf` attachment (a JSON
    /// array, one entry per run in the order they finished).
    ///
    /// ```
    /// # leanvibe_test::tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let report = leanvibe_test::perf::compliance(|| async {}).iterations(3).run().await;
    /// report.attach();
    /// # });
    /// ```
    pub fn attach(&self) {
        let mut all = match crate::attach::attached(TOPIC) {
            Some(crate::json::Value::Array(items)) => items,
            _ => Vec::new(),
        };
        all.push(crate::json::to_value(self).unwrap_or_default());
        crate::attach(TOPIC, all);
    }

    /// Attaches the report, then ends the test with a `performance` failure
    /// if any threshold failed; returns the report when all held.
    ///
    /// ```should_panic
    /// # leanvibe_test::tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let report = leanvibe_test::perf::compliance(|| async {})
    ///     .iterations(3)
    ///     .thresholds(["errors>0"])
    ///     .run()
    ///     .await;
    /// report.enforce(); // fails: no operation returned an error
    /// # });
    /// ```
    pub fn enforce(self) -> PerfReport {
        self.attach();
        if !self.passed {
            crate::__private::fail_with(Failure::new(FailureKind::Performance, self.to_string()));
        }
        self
    }
}

impl fmt::Display for PerfReport {
    /// `perf <kind> "<name>" failed|passed`, then per run a summary line and
    /// one line per threshold: `  ✗ p(95)<40: measured 52.100` (or `✓`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed { "passed" } else { "failed" };
        write!(f, "perf {} `{}` {verdict}", self.kind, self.name)?;
        for run in &self.runs {
            writeln!(f)?;
            if let Some(label) = &run.label {
                write!(f, "{label}: ")?;
            }
            let l = &run.latency_ms;
            write!(
                f,
                "{} ops, {} ok, {} errors, {} panics, {} dropped; {:.1}/s; latency ms avg {:.3} p50 {:.3} p95 {:.3} p99 {:.3} max {:.3}",
                run.operations,
                run.successes,
                run.errors,
                run.panics,
                run.dropped,
                run.throughput_per_s,
                l.mean,
                l.p50,
                l.p95,
                l.p99,
                l.max
            )?;
            if let Some(load) = &run.load {
                write!(
                    f,
                    "; rate {:.1}/s of {:.1}/s target",
                    load.achieved_rate_per_s, load.target_rate_per_s
                )?;
            }
            for t in &run.thresholds {
                let mark = if t.passed { "✓" } else { "✗" };
                match t.measured {
                    Some(v) => write!(f, "\n  {mark} {}: measured {v:.3}", t.threshold)?,
                    None => write!(f, "\n  {mark} {}: nothing measured", t.threshold)?,
                }
            }
        }
        Ok(())
    }
}
