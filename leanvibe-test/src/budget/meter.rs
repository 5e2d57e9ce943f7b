//! [`TestMeter`]: the measurements of one attempt at a test.

use super::alloc;
use crate::measure;
use crate::record::Measurements;
use crate::registry::Budget;

/// Measures one attempt at a test: heap and RSS growth over its measured runs.
///
/// Start it before the first run (warmup included) and finish it after the
/// last, on the thread that runs the body. In between, every run's body marks
/// its own window (the generated code calls `__private::run_sync` /
/// `run_async`), which is where baselines are taken; the meter needs no
/// per-run call. Wall times are the runner's: it fills
/// [`Measurements::runs_ms`] from each run's window.
///
/// ```
/// use leanvibe_test::budget::{check, TestMeter};
/// use leanvibe_test::budget::Budget;
///
/// let budget = Budget { max_ms: Some(50.0), ..Budget::NONE };
/// let meter = TestMeter::start(&budget);
/// // ... run the body warmup + iterations times ...
/// let mut measurements = meter.finish();
/// measurements.runs_ms = vec![12.0];
/// assert!(check(&budget, &measurements).is_none());
/// ```
#[derive(Debug)]
#[must_use = "finish the meter to get the measurements"]
pub struct TestMeter {
    tracking: bool,
}

impl TestMeter {
    /// Starts measuring for `budget`: RSS is measured only when it sets
    /// `max_rss_bytes` (resetting the kernel's mark costs a page-table walk);
    /// the first `budget.warmup` runs are not measured.
    ///
    /// ```
    /// let meter = leanvibe_test::budget::TestMeter::start(&Default::default());
    /// let _ = meter.finish();
    /// ```
    pub fn start(budget: &Budget) -> TestMeter {
        // The probe allocation raises the peak; each run resets it anyway.
        let tracking = alloc::is_installed();
        measure::start_test(budget.warmup.unwrap_or(0), budget.max_rss_bytes.is_some());
        TestMeter { tracking }
    }

    /// Whether heap growth is being measured (the tracking allocator is the
    /// global allocator).
    ///
    /// ```
    /// let meter = leanvibe_test::budget::TestMeter::start(&Default::default());
    /// assert!(!meter.tracks_heap()); // doctests use the system allocator
    /// # let _ = meter.finish();
    /// ```
    pub fn tracks_heap(&self) -> bool {
        self.tracking
    }

    /// Ends the attempt. `peak_heap_bytes` is the largest heap growth of a
    /// measured run (`None` without the tracking allocator; `Some(0)` if no
    /// measured run started its body); `peak_rss_bytes` likewise for RSS
    /// (`None` unless the budget set an RSS limit and it could be read).
    /// `runs_ms` is left empty and `attempts` is 1: both are the runner's.
    ///
    /// ```
    /// let m = leanvibe_test::budget::TestMeter::start(&Default::default()).finish();
    /// assert_eq!(m.peak_heap_bytes, None);
    /// ```
    pub fn finish(self) -> Measurements {
        let (heap, rss) = measure::finish_test();
        Measurements {
            runs_ms: Vec::new(),
            peak_heap_bytes: self.tracking.then(|| heap.unwrap_or(0)),
            peak_rss_bytes: rss,
            attempts: 1,
        }
    }
}
