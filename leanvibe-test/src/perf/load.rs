//! Open-loop load: operations started at a constant intended rate, with
//! latency measured from each one's intended send time (as wrk2 does), so a
//! stall shows in the figures of every request queued behind it.

use super::latency::Latencies;
use super::metrics::{Observed, Thresholds};
use super::outcome::{Ended, OpResult, Tally, run_one};
use super::report::{LoadFigures, PerfReport, pacing, run_report};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// A load run being configured; start one with [`load`](super::load).
///
/// Send times are fixed before the run: request `i` is due at
/// `t0 + i / rate`. The generator sleeps until each is due (tokio's timer,
/// 1 ms resolution: requests due within the same millisecond leave
/// together), then spawns the operation on the current runtime. Latency is
/// the time from the *intended* send to the operation's end, recorded in an
/// HDR histogram (µs, 3 significant digits). When `max_in_flight`
/// operations are already running, the request is not sent and counts as
/// `dropped` (a failure for `success`). Use a multi-thread runtime
/// (`flavor = "multi_thread"`) so the generator and the operations run in
/// parallel; on a current-thread runtime a slow operation also delays the
/// generator (which the latencies then show).
#[must_use = "a load run does nothing until `.check().await` or `.run().await`"]
pub struct Load<F> {
    op: Arc<F>,
    rate_per_s: f64,
    duration: Duration,
    max_in_flight: usize,
    name: Option<String>,
    thresholds: Thresholds,
}

impl<F, Fut> Load<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OpResult,
{
    /// # Panics
    ///
    /// When `rate_per_s` is not a positive finite number.
    #[track_caller]
    pub(crate) fn new(rate_per_s: f64, duration: Duration, op: F) -> Self {
        assert!(
            rate_per_s.is_finite() && rate_per_s > 0.0,
            "perf::load: the rate must be a positive number of operations per second, got {rate_per_s}"
        );
        Load {
            op: Arc::new(op),
            rate_per_s,
            duration,
            max_in_flight: 1000,
            name: None,
            thresholds: Thresholds::default(),
        }
    }

    /// Names the run in reports (default `load`).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let _run = leanvibe_test::perf::load(100.0, Duration::from_secs(1), || async {}).name("fetch");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Most operations running at once (default 1000); requests due while
    /// the cap is reached are dropped and counted.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let _run = leanvibe_test::perf::load(100.0, Duration::from_secs(1), || async {}).max_in_flight(50);
    /// ```
    pub fn max_in_flight(mut self, cap: usize) -> Self {
        self.max_in_flight = cap.max(1);
        self
    }

    /// Thresholds, as for [`Compliance::thresholds`](super::Compliance::thresholds).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let _run = leanvibe_test::perf::load(100.0, Duration::from_secs(1), || async {})
    ///     .thresholds(["p(99)<100", "success>0.99", "dropped==0"]);
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

    /// Runs, attaches the report, and fails the test on a broken threshold.
    ///
    /// ```
    /// # leanvibe_test::tokio::runtime::Builder::new_multi_thread().enable_time().build().unwrap().block_on(async {
    /// # use std::time::Duration;
    /// let report = leanvibe_test::perf::load(200.0, Duration::from_millis(250), || async {})
    ///     .thresholds(["success==1", "p(99)<1000"])
    ///     .check()
    ///     .await;
    /// assert_eq!(report.runs[0].operations, 50);
    /// # });
    /// ```
    pub async fn check(self) -> PerfReport {
        self.run().await.enforce()
    }

    /// Runs and returns the report without judging the test.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime with the time driver enabled.
    pub async fn run(self) -> PerfReport {
        let total = (self.rate_per_s * self.duration.as_secs_f64()).round() as u64;
        let mut latencies = Latencies::hdr();
        let mut lateness = Latencies::hdr();
        let mut tally = Tally::default();
        let mut dropped = 0u64;
        let mut max_in_flight = 0u64;
        let mut in_flight: JoinSet<(Ended, Duration)> = JoinSet::new();
        let collect = |joined: Result<(Ended, Duration), tokio::task::JoinError>,
                       tally: &mut Tally,
                       latencies: &mut Latencies| {
            // Panics are caught inside the task; a JoinError means the
            // runtime is shutting down, which we count as a panic.
            let (ended, latency) = joined.unwrap_or((Ended::Panic, Duration::ZERO));
            tally.add(ended);
            latencies.record_hdr(latency);
        };
        let t0 = Instant::now();
        let mut last_send = t0;
        for i in 0..total {
            let intended = t0 + Duration::from_secs_f64(i as f64 / self.rate_per_s);
            if intended > Instant::now() {
                tokio::time::sleep_until(intended.into()).await;
            }
            last_send = Instant::now();
            lateness.record_hdr(last_send.saturating_duration_since(intended));
            while let Some(joined) = in_flight.try_join_next() {
                collect(joined, &mut tally, &mut latencies);
            }
            if in_flight.len() >= self.max_in_flight {
                dropped += 1;
                continue;
            }
            let op = Arc::clone(&self.op);
            in_flight.spawn(async move {
                let (ended, _) = run_one(op()).await;
                (ended, intended.elapsed())
            });
            max_in_flight = max_in_flight.max(in_flight.len() as u64);
        }
        // The sending window: from t0 to one interval after the last send.
        let window = if total == 0 {
            0.0
        } else {
            (last_send - t0).as_secs_f64() + 1.0 / self.rate_per_s
        };
        while let Some(joined) = in_flight.join_next().await {
            collect(joined, &mut tally, &mut latencies);
        }
        let duration_s = t0.elapsed().as_secs_f64();
        let observed = Observed {
            latencies: &latencies,
            attempted: tally.total() + dropped,
            successes: tally.successes,
            errors: tally.errors,
            panics: tally.panics,
            dropped,
            throughput: Some(tally.total() as f64 / duration_s.max(f64::MIN_POSITIVE)),
        };
        let mut run = run_report(None, None, &observed, duration_s, &self.thresholds);
        run.load = Some(LoadFigures {
            target_rate_per_s: self.rate_per_s,
            achieved_rate_per_s: if window > 0.0 {
                total as f64 / window
            } else {
                0.0
            },
            max_in_flight,
            pacing_ms: pacing(&lateness),
        });
        PerfReport::new("load", self.name, vec![run])
    }
}
