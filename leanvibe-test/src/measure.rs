//! The window around one run of a test body.
//!
//! The generated body marks when the user's code starts and ends, so the
//! harness times the body only: building a tokio runtime for an async test is
//! outside the window. A worker runs one test at a time, so one process-wide
//! window is enough.
//!
//! The same marks drive the memory budgets. At body start the heap baseline
//! is taken (live bytes, the peak restarted from there) and, only for a test
//! with an RSS budget, the kernel's RSS high-water mark is reset. A run's
//! memory window closes when the next run starts or the test's
//! [`TestMeter`](crate::budget::TestMeter) finishes, so that batches flushed
//! by tokio workers as their runtime shuts down still count. Warmup runs are
//! not measured.

use crate::budget::{alloc, rss};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static WINDOW: Mutex<Window> = Mutex::new(Window {
    start: None,
    end: None,
    excluded: Duration::ZERO,
});

#[derive(Clone, Copy)]
struct Window {
    start: Option<Instant>,
    end: Option<Instant>,
    /// Time spent in the harness's own code inside the window (the panic
    /// hook), taken off the run's wall time.
    excluded: Duration,
}

fn window() -> std::sync::MutexGuard<'static, Window> {
    // A test that panicked while we held the lock cannot have left the
    // window in a broken state: it is two plain values.
    WINDOW
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Marks the start of the user's code for the current run.
pub(crate) fn body_started() {
    open_memory_window();
    window().start = Some(Instant::now());
}

/// Marks the end of the user's code for the current run.
pub(crate) fn body_finished() {
    window().end = Some(Instant::now());
    // The body's thread holds the run's allocations in its batch.
    alloc::flush_thread();
}

/// Each case's time of the property test running now, in ms.
static CASES: Mutex<Option<Vec<f64>>> = Mutex::new(None);

/// Records one case of a property test: a measured run of its own.
#[cfg(feature = "proptest")]
pub(crate) fn record_case(elapsed: Duration) {
    let mut cases = CASES.lock().unwrap_or_else(|p| p.into_inner());
    cases
        .get_or_insert_with(Vec::new)
        .push(elapsed.as_secs_f64() * 1e3);
}

/// The case times recorded since the last call, if the body was a property
/// test.
pub(crate) fn take_cases() -> Option<Vec<f64>> {
    CASES.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// Clears the window before a run.
pub(crate) fn reset() {
    *window() = Window {
        start: None,
        end: None,
        excluded: Duration::ZERO,
    };
}

/// Takes `spent` off the current run's wall time: the panic hook calls this,
/// so that capturing a backtrace (`RUST_BACKTRACE=1`) never counts against
/// `max_ms`.
pub(crate) fn exclude(spent: Duration) {
    let mut w = window();
    if w.start.is_some() && w.end.is_none() {
        w.excluded += spent;
    }
}

/// Wall time of the last run in milliseconds. A body that never marked its
/// start (it panicked while building its runtime) counts from `fallback_start`;
/// one that never marked its end (it panicked) counts to now.
pub(crate) fn elapsed_ms(fallback_start: Instant) -> f64 {
    let w = *window();
    let start = w.start.unwrap_or(fallback_start);
    let end = w.end.unwrap_or_else(Instant::now);
    end.saturating_duration_since(start)
        .saturating_sub(w.excluded)
        .as_secs_f64()
        * 1000.0
}

static MEMORY: Mutex<Memory> = Mutex::new(Memory::IDLE);

/// Memory figures of the test in progress, over its measured runs.
#[derive(Debug)]
struct Memory {
    /// Runs left to skip (warmup).
    warmup_left: u32,
    /// Reset the RSS high-water mark at each run (the test has an RSS budget).
    rss_armed: bool,
    /// Baselines of the run in progress, if it is measured.
    open: Option<OpenRun>,
    /// Largest heap growth of a closed measured run, in bytes.
    peak_heap: Option<u64>,
    /// Largest RSS growth of a closed measured run, in bytes.
    peak_rss: Option<u64>,
    /// RSS could not be read in some measured run.
    rss_failed: bool,
}

#[derive(Debug)]
struct OpenRun {
    heap_baseline: i64,
    rss_baseline: Option<u64>,
}

impl Memory {
    const IDLE: Memory = Memory {
        warmup_left: 0,
        rss_armed: false,
        open: None,
        peak_heap: None,
        peak_rss: None,
        rss_failed: false,
    };

    /// Folds the open run's growth into the peaks and closes it.
    fn close_run(&mut self) {
        let Some(run) = self.open.take() else { return };
        alloc::flush_thread();
        let heap = (alloc::peak_bytes() - run.heap_baseline).max(0) as u64;
        self.peak_heap = Some(self.peak_heap.map_or(heap, |p| p.max(heap)));
        if let Some(baseline) = run.rss_baseline {
            match rss::peak_bytes() {
                Ok(peak) => {
                    let growth = peak.saturating_sub(baseline);
                    self.peak_rss = Some(self.peak_rss.map_or(growth, |p| p.max(growth)));
                }
                Err(_) => self.rss_failed = true,
            }
        }
    }
}

fn memory() -> std::sync::MutexGuard<'static, Memory> {
    // Plain values only: a poisoned lock holds nothing half-updated.
    MEMORY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts measuring memory for a new test: its first `warmup` runs are
/// skipped; RSS is measured only when `rss` is set.
pub(crate) fn start_test(warmup: u32, rss: bool) {
    *memory() = Memory {
        warmup_left: warmup,
        rss_armed: rss,
        ..Memory::IDLE
    };
}

/// Closes the last run and returns the test's peak heap and RSS growth (each
/// `None` if no measured run was seen or, for RSS, it could not be read).
pub(crate) fn finish_test() -> (Option<u64>, Option<u64>) {
    let mut m = memory();
    m.close_run();
    let rss = if m.rss_failed { None } else { m.peak_rss };
    let figures = (m.peak_heap, rss);
    *m = Memory::IDLE;
    figures
}

fn open_memory_window() {
    let mut m = memory();
    m.close_run();
    if m.warmup_left > 0 {
        m.warmup_left -= 1;
        return;
    }
    // RSS first: reading /proc allocates, and must not count as the body's.
    let rss_baseline = if m.rss_armed {
        match rss::reset_peak() {
            Ok(baseline) => Some(baseline),
            Err(_) => {
                m.rss_failed = true;
                None
            }
        }
    } else {
        None
    };
    let heap_baseline = alloc::reset_peak();
    m.open = Some(OpenRun {
        heap_baseline,
        rss_baseline,
    });
}
