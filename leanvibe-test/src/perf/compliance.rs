//! Compliance runs: one operation, N times in a row, against thresholds.

use super::latency::Latencies;
use super::metrics::{Observed, Thresholds};
use super::outcome::{OpResult, Tally, run_one};
use super::report::{PerfReport, run_report};
use std::future::Future;
use std::time::Instant;

/// A compliance run being configured; start one with [`compliance`](super::compliance).
///
/// Operations run one after another on the calling task (closed loop): each
/// sample is the time from the operation's start to its end. The operation
/// may borrow from the test (it is `FnMut`, not `'static`).
#[must_use = "a compliance run does nothing until `.check().await` or `.run().await`"]
pub struct Compliance<F> {
    op: F,
    name: Option<String>,
    warmup: usize,
    iterations: usize,
    thresholds: Thresholds,
}

impl<F, Fut> Compliance<F>
where
    F: FnMut() -> Fut,
    Fut: Future,
    Fut::Output: OpResult,
{
    pub(crate) fn new(op: F) -> Self {
        Compliance {
            op,
            name: None,
            warmup: 0,
            iterations: 100,
            thresholds: Thresholds::default(),
        }
    }

    /// Names the run in reports (default `compliance`).
    ///
    /// ```
    /// let _run = leanvibe_test::perf::compliance(|| async {}).name("process_data");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Unmeasured runs before the measured ones (default 0).
    ///
    /// ```
    /// let _run = leanvibe_test::perf::compliance(|| async {}).warmup(10);
    /// ```
    pub fn warmup(mut self, runs: usize) -> Self {
        self.warmup = runs;
        self
    }

    /// Measured runs (default 100, at least 1).
    ///
    /// ```
    /// let _run = leanvibe_test::perf::compliance(|| async {}).iterations(500);
    /// ```
    pub fn iterations(mut self, runs: usize) -> Self {
        self.iterations = runs.max(1);
        self
    }

    /// The thresholds to check (see [`METRICS`](super::METRICS)). A
    /// threshold that does not parse panics here, at the caller's line, with
    /// a message naming it and listing the valid metrics.
    ///
    /// ```
    /// let _run = leanvibe_test::perf::compliance(|| async {})
    ///     .thresholds(["avg<25", "p(95)<40", "rate(>40)<0.05", "max<50", "success>0.99"]);
    /// ```
    #[track_caller]
    pub fn thresholds<I>(mut self, thresholds: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.thresholds = Thresholds::parse_or_panic(thresholds);
        self
    }

    /// Runs, attaches the report to the test, and fails the test (kind
    /// `performance`) when a threshold fails. The primary API.
    ///
    /// ```
    /// # leanvibe_test::tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// leanvibe_test::perf::compliance(|| async { 2 + 2 == 4 })
    ///     .iterations(20)
    ///     .thresholds(["max<1000", "success==1"])
    ///     .check()
    ///     .await;
    /// # });
    /// ```
    pub async fn check(self) -> PerfReport {
        self.run().await.enforce()
    }

    /// Runs and returns the report, without attaching or judging the test.
    ///
    /// ```
    /// # leanvibe_test::tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let report = leanvibe_test::perf::compliance(|| async {}).iterations(5).run().await;
    /// assert_eq!(report.runs[0].latency_ms.count, 5);
    /// # });
    /// ```
    pub async fn run(mut self) -> PerfReport {
        for _ in 0..self.warmup {
            run_one((self.op)()).await;
        }
        let mut tally = Tally::default();
        let mut samples = Vec::with_capacity(self.iterations);
        let start = Instant::now();
        for _ in 0..self.iterations {
            let (ended, took) = run_one((self.op)()).await;
            tally.add(ended);
            samples.push(took);
        }
        let duration_s = start.elapsed().as_secs_f64();
        let latencies = Latencies::exact(samples);
        let observed = Observed {
            latencies: &latencies,
            attempted: tally.total(),
            successes: tally.successes,
            errors: tally.errors,
            panics: tally.panics,
            dropped: 0,
            throughput: Some(tally.total() as f64 / duration_s.max(f64::MIN_POSITIVE)),
        };
        let run = run_report(None, Some(1), &observed, duration_s, &self.thresholds);
        PerfReport::new("compliance", self.name, vec![run])
    }
}
