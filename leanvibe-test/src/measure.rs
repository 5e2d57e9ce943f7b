//! The window around one run of a test body.
//!
//! The generated body marks when the user's code starts and ends, so the
//! harness times the body only: building a tokio runtime for an async test is
//! outside the window. A worker runs one test at a time, so one process-wide
//! window is enough.

use std::sync::Mutex;
use std::time::Instant;

static WINDOW: Mutex<Window> = Mutex::new(Window { start: None, end: None });

#[derive(Clone, Copy)]
struct Window {
    start: Option<Instant>,
    end: Option<Instant>,
}

fn window() -> std::sync::MutexGuard<'static, Window> {
    // A test that panicked while we held the lock cannot have left the
    // window in a broken state: it is two plain values.
    WINDOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Marks the start of the user's code for the current run.
pub(crate) fn body_started() {
    window().start = Some(Instant::now());
}

/// Marks the end of the user's code for the current run.
pub(crate) fn body_finished() {
    window().end = Some(Instant::now());
}

/// Clears the window before a run.
pub(crate) fn reset() {
    *window() = Window { start: None, end: None };
}

/// Wall time of the last run in milliseconds. A body that never marked its
/// start (it panicked while building its runtime) counts from `fallback_start`;
/// one that never marked its end (it panicked) counts to now.
pub(crate) fn elapsed_ms(fallback_start: Instant) -> f64 {
    let w = *window();
    let start = w.start.unwrap_or(fallback_start);
    let end = w.end.unwrap_or_else(Instant::now);
    end.saturating_duration_since(start).as_secs_f64() * 1000.0
}
