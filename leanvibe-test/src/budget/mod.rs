//! Per-test budgets: measuring time, heap and RSS, and judging the figures.
//!
//! | key | measures | module |
//! |---|---|---|
//! | `max_ms` | wall time of each run of the body | the runner, via `measure` |
//! | `max_mb`, `max_kb` | peak live heap growth, all threads | [`alloc`] |
//! | `max_rss_mb` | peak resident-set growth of the worker (Linux) | [`rss`] |
//! | `mean_ms`, `p50_ms`, `p95_ms`, `p99_ms` | over `iterations` runs after `warmup` | [`stats`] |
//!
//! The runner starts a [`TestMeter`] for each attempt, runs the body
//! `warmup + iterations` times, finishes the meter, fills in the run times,
//! and asks [`check`] for the first broken budget:
//!
//! ```
//! use leanvibe_test::budget::{check, TestMeter};
//! use leanvibe_test::budget::Budget;
//!
//! let budget = Budget { max_heap_bytes: Some(80 << 20), ..Budget::NONE };
//! let meter = TestMeter::start(&budget);
//! let mut measurements = meter.finish();
//! measurements.runs_ms = vec![1.5];
//! // Doctests do not install the tracking allocator, so a heap budget fails
//! // loudly rather than passing unchecked.
//! let failure = check(&budget, &measurements).unwrap();
//! assert_eq!(failure.message, "max_mb needs the tracking allocator: use leanvibe_test::main!()");
//! ```

pub mod alloc;
mod check;
mod meter;
pub mod rss;
pub mod stats;

pub use crate::registry::Budget;
pub use alloc::TrackingAllocator;
pub use check::check;
pub use meter::TestMeter;
