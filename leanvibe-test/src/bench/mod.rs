//! `cargo bench` that gates CI: criterion measures, then this module reads
//! criterion's results, judges each benchmark's budget and its regression
//! against a committed baseline, writes a compliance JSON and a JUnit file
//! under the target directory, and exits non-zero when something broke.
//!
//! Behind the `bench` cargo feature, so crates that do not bench never
//! build criterion:
//!
//! ```toml
//! [dev-dependencies]
//! leanvibe-test = { version = "0.1", features = ["bench"] }
//!
//! [[bench]]
//! name = "process"
//! harness = false
//! ```
//!
//! ```no_run
//! // benches/process.rs
//! use leanvibe_test::bench::{BenchGate, criterion::Criterion};
//! use std::time::Duration;
//!
//! fn benches(c: &mut Criterion) {
//!     c.bench_function("parse/small", |b| b.iter(|| "1,2,3".split(',').count()));
//! }
//!
//! fn main() {
//!     BenchGate::new("process")                       // the [[bench]] name
//!         .budget("parse/small", ["avg<25", "p(95)<40"]) // ms
//!         .tolerance(0.10)                       // +10 % mean allowed
//!         .configure(|c| c.sample_size(10).measurement_time(Duration::from_secs(1)))
//!         .run(benches)
//!         .exit();
//! }
//! ```
//!
//! - Files: `<target>/leanvibe/bench/<name>.compliance.json` ([`BENCH_SCHEMA`])
//!   and `<name>.junit.xml`.
//! - Baseline: `<package>/benches/baselines/<name>.json`, committed
//!   (`<name>.debug.json` for `cargo bench --profile dev`: one per profile).
//!   `LEANVIBE_BENCH_BASELINE=update cargo bench` writes it; `=require`
//!   makes a missing one a failure; otherwise a missing baseline is a note.
//! - `docs/perf.md` says which criterion fields are read and how the
//!   p95-ish figure is derived.

mod baseline;
mod gate;
mod regression;
mod report;
mod results;

pub use baseline::{BASELINE_ENV, BASELINE_SCHEMA, BaselineBench, BaselineFile, BaselineMode};
pub use gate::{BENCH_METRICS, BenchConclusion, BenchGate};
pub use regression::Change;
pub use report::{
    BENCH_SCHEMA, BaselineStatus, BenchReport, BenchResult, EstimatesMs, Regression, SampleFigures,
};

/// The criterion this module drives, re-exported so a bench needs no
/// separate dependency (and gets the version whose files we read).
pub use criterion;
