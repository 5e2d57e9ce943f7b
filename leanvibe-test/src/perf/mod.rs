//! Performance checks for plugin tests: compliance runs against k6-style
//! thresholds, closed-loop throughput and stress, and open-loop load.
//!
//! ```no_run,standalone_crate
//! use leanvibe_test::prelude::*;
//! use leanvibe_test::perf;
//! use std::time::Duration;
//!
//! #[plugin_test(flavor = "multi_thread", worker_threads = 2, timeout_ms = 30000)]
//! async fn answers_within_the_standard() {
//!     // 100 runs after 10 warm-up runs; the SDK's response-time standard.
//!     perf::compliance(|| async { /* one task */ })
//!         .warmup(10)
//!         .iterations(100)
//!         .thresholds(["avg<25", "max<50", "rate(>40)<0.05", "success>0.99"])
//!         .check()
//!         .await;
//!
//!     // Concurrency levels, each judged on its own.
//!     perf::stress([10, 25, 50, 100, 200], || async { Ok::<_, String>(()) })
//!         .thresholds(["success>0.95", "panics==0"])
//!         .check()
//!         .await;
//!
//!     // 200 requests a second for 2 s, latency from the intended send time.
//!     perf::load(200.0, Duration::from_secs(2), || async {})
//!         .thresholds(["p(99)<100", "dropped==0"])
//!         .check()
//!         .await;
//! }
//!
//! leanvibe_test::main!();
//! ```
//!
//! `check()` is the primary API: it runs, appends a [`PerfReport`] to the
//! test's `perf` attachment (CTRF `extra.perf`, a JSON array), and ends the
//! test with a `performance` failure listing every threshold with its
//! measured value when one fails. `run()` returns the report without
//! judging, for tests that assert on it themselves; [`PerfReport::enforce`]
//! judges it later.
//!
//! Thresholds use [`METRICS`]; a typo panics at the line that gave it, with
//! the valid metrics listed. `docs/perf.md` describes the vocabulary, the
//! report's JSON schema ([`PERF_SCHEMA`]) and how each figure is measured.

mod compliance;
mod concurrent;
pub(crate) mod latency;
mod load;
mod metrics;
mod outcome;
pub(crate) mod report;

pub use compliance::Compliance;
pub use concurrent::{Stress, Throughput};
pub use latency::LatencySummary;
pub use load::Load;
pub use metrics::{METRICS, Thresholds};
pub use outcome::OpResult;
pub use report::{
    LoadFigures, PERF_SCHEMA, PacingSummary, PerfReport, RunReport, TOPIC, ThresholdVerdict,
};

use std::future::Future;
use std::time::Duration;

/// A compliance run: `op` awaited `iterations` times in a row after
/// `warmup` unmeasured runs, each timed, then judged against thresholds.
///
/// ```
/// # leanvibe_test::tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use leanvibe_test::perf;
/// let report = perf::compliance(|| async { Ok::<_, std::io::Error>(()) })
///     .warmup(2)
///     .iterations(50)
///     .thresholds(["avg<25", "p(95)<40", "max<50", "success>0.99"])
///     .check()
///     .await;
/// assert!(report.passed);
/// # });
/// ```
pub fn compliance<F, Fut>(op: F) -> Compliance<F>
where
    F: FnMut() -> Fut,
    Fut: Future,
    Fut::Output: OpResult,
{
    Compliance::new(op)
}

/// A throughput run: `tasks` operations on `concurrency` spawned tasks
/// (closed loop), reporting operations per second and latency.
///
/// ```
/// # leanvibe_test::tokio::runtime::Builder::new_multi_thread().enable_time().build().unwrap().block_on(async {
/// let report = leanvibe_test::perf::throughput(100, 10, || async {}).run().await;
/// assert_eq!(report.runs[0].operations, 100);
/// # });
/// ```
pub fn throughput<F, Fut>(tasks: usize, concurrency: usize, op: F) -> Throughput<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OpResult,
{
    Throughput::new(tasks, concurrency, op)
}

/// A stress run: a throughput run at each concurrency level in `levels`,
/// each judged against the same thresholds.
///
/// ```
/// # leanvibe_test::tokio::runtime::Builder::new_multi_thread().enable_time().build().unwrap().block_on(async {
/// let report = leanvibe_test::perf::stress([10, 50], || async {}).run().await;
/// assert_eq!(report.runs[1].concurrency, Some(50));
/// # });
/// ```
pub fn stress<F, Fut>(levels: impl IntoIterator<Item = usize>, op: F) -> Stress<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OpResult,
{
    Stress::new(levels.into_iter().collect(), op)
}

/// An open-loop load run at `rate_per_s` for `duration` (see [`Load`]).
///
/// ```
/// # leanvibe_test::tokio::runtime::Builder::new_multi_thread().enable_time().build().unwrap().block_on(async {
/// use std::time::Duration;
/// let report = leanvibe_test::perf::load(100.0, Duration::from_millis(200), || async {}).run().await;
/// assert_eq!(report.runs[0].operations, 20);
/// # });
/// ```
#[track_caller]
pub fn load<F, Fut>(rate_per_s: f64, duration: Duration, op: F) -> Load<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: OpResult,
{
    Load::new(rate_per_s, duration, op)
}
