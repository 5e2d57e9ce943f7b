//! Closed-loop concurrent runs: throughput at one concurrency, and stress
//! over several.

use super::latency::Latencies;
use super::metrics::{Observed, Thresholds};
use super::outcome::{OpResult, Tally, run_one};
use super::report::{PerfReport, RunReport, run_report};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A throughput run being configured; start one with [`throughput`](super::throughput).
///
/// `concurrency` tasks are spawned on the current tokio runtime; each takes
/// the next of the `tasks` operations as soon as its previous one ends
/// (closed loop). On a multi-thread runtime they run in parallel; on a
/// current-thread runtime they interleave at `.await` points only.
#[must_use = "a throughput run does nothing until `.check().await` or `.run().await`"]
pub struct Throughput<F> {
    op: Arc<F>,
    tasks: usize,
    concurrency: usize,
    name: Option<String>,
    thresholds: Thresholds,
}

/// A stress run being configured; start one with [`stress`](super::stress).
///
/// Runs a [`Throughput`] run per concurrency level, in order, and judges
/// the same thresholds at every level.
#[must_use = "a stress run does nothing until `.check().await` or `.run().await`"]
pub struct Stress<F> {
    op: Arc<F>,
    levels: Vec<usize>,
    tasks_per_level: Option<usize>,
    name: Option<String>,
    thresholds: Thresholds,
}

impl<F, Fut> Throughput<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OpResult,
{
    pub(crate) fn new(tasks: usize, concurrency: usize, op: F) -> Self {
        Throughput {
            op: Arc::new(op),
            tasks,
            concurrency: concurrency.max(1),
            name: None,
            thresholds: Thresholds::default(),
        }
    }

    /// Names the run in reports (default `throughput`).
    ///
    /// ```
    /// let _run = leanvibe_test::perf::throughput(100, 4, || async {}).name("fetch");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Thresholds, as for [`Compliance::thresholds`](super::Compliance::thresholds);
    /// `throughput>N` is in completed operations per second.
    ///
    /// ```
    /// let _run = leanvibe_test::perf::throughput(100, 4, || async {}).thresholds(["throughput>50"]);
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

    /// Runs, attaches the report and fails the test on a broken threshold.
    ///
    /// ```
    /// # leanvibe_test::tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let report = leanvibe_test::perf::throughput(200, 8, || async {
    ///     leanvibe_test::tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    /// })
    /// .thresholds(["success==1"])
    /// .check()
    /// .await;
    /// assert!(report.runs[0].throughput_per_s > 0.0);
    /// # });
    /// ```
    pub async fn check(self) -> PerfReport {
        self.run().await.enforce()
    }

    /// Runs and returns the report without attaching or judging the test.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn run(self) -> PerfReport {
        let run = measure_level(
            &self.op,
            self.tasks,
            self.concurrency,
            None,
            &self.thresholds,
        )
        .await;
        PerfReport::new("throughput", self.name, vec![run])
    }
}

impl<F, Fut> Stress<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OpResult,
{
    pub(crate) fn new(levels: Vec<usize>, op: F) -> Self {
        Stress {
            op: Arc::new(op),
            levels,
            tasks_per_level: None,
            name: None,
            thresholds: Thresholds::default(),
        }
    }

    /// Names the run in reports (default `stress`).
    ///
    /// ```
    /// let _run = leanvibe_test::perf::stress([10, 50], || async {}).name("process_data");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Operations per level (default: 10 × the level, at least 100).
    ///
    /// ```
    /// let _run = leanvibe_test::perf::stress([10, 50], || async {}).tasks_per_level(1000);
    /// ```
    pub fn tasks_per_level(mut self, tasks: usize) -> Self {
        self.tasks_per_level = Some(tasks);
        self
    }

    /// Thresholds judged at every level, e.g. `["success>0.95", "panics==0"]`.
    ///
    /// ```
    /// let _run = leanvibe_test::perf::stress([10, 50], || async {})
    ///     .thresholds(["success>0.95", "panics==0"]);
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

    /// Runs every level, attaches the report, and fails the test when a
    /// threshold fails at any level.
    ///
    /// ```
    /// # leanvibe_test::tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let report = leanvibe_test::perf::stress([1, 4], || async {})
    ///     .thresholds(["success==1", "panics==0"])
    ///     .check()
    ///     .await;
    /// assert_eq!(report.runs.len(), 2);
    /// # });
    /// ```
    pub async fn check(self) -> PerfReport {
        self.run().await.enforce()
    }

    /// Runs every level and returns the report without judging the test.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn run(self) -> PerfReport {
        let mut runs = Vec::with_capacity(self.levels.len());
        for &level in &self.levels {
            let level = level.max(1);
            let tasks = self.tasks_per_level.unwrap_or((level * 10).max(100));
            let label = format!("concurrency {level}");
            runs.push(measure_level(&self.op, tasks, level, Some(label), &self.thresholds).await);
        }
        PerfReport::new("stress", self.name, runs)
    }
}

/// Runs `tasks` operations on `concurrency` spawned tasks and reports them.
async fn measure_level<F, Fut>(
    op: &Arc<F>,
    tasks: usize,
    concurrency: usize,
    label: Option<String>,
    thresholds: &Thresholds,
) -> RunReport
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OpResult,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(tasks.max(1)) {
        let (op, next) = (Arc::clone(op), Arc::clone(&next));
        workers.spawn(async move {
            let mut tally = Tally::default();
            let mut samples: Vec<Duration> = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < tasks {
                let (ended, took) = run_one(op()).await;
                tally.add(ended);
                samples.push(took);
            }
            (tally, samples)
        });
    }
    let mut tally = Tally::default();
    let mut samples = Vec::with_capacity(tasks);
    while let Some(joined) = workers.join_next().await {
        // Operations' panics are caught inside the worker; a worker itself
        // cannot panic short of an allocation failure.
        let (t, s) = joined.expect("a perf worker task failed");
        tally.merge(t);
        samples.extend(s);
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
    run_report(label, Some(concurrency), &observed, duration_s, thresholds)
}
