//! # leanvibe-test
//!
//! A test harness for plugin authors. Tests are written with
//! [`#[plugin_test]`](plugin_test), collected through `inventory`, and run by
//! this crate's own harness: isolated in a pool of worker processes, under
//! time and memory budgets, with JUnit XML and JSON reports for CI.
//!
//! ```toml
//! # Cargo.toml of a plugin
//! [dev-dependencies]
//! leanvibe-test = "0.1"
//!
//! [[test]]
//! name = "suite"
//! harness = false
//! ```
//!
//! ```no_run
//! // tests/suite.rs
//! use leanvibe_test::prelude::*;
//!
//! #[plugin_test]
//! fn adds() {
//!     assert_eq!(1 + 1, 2);
//! }
//!
//! #[plugin_test(timeout_ms = 2000, tags = ["integration"])]
//! async fn handles_task() -> Result<(), String> {
//!     Ok(())
//! }
//!
//! leanvibe_test::main!();
//! ```
//!
//! `cargo test`, `cargo nextest run` and rust-analyzer's "Run test" all work;
//! the command line is libtest's (see the README for the full reference).

pub mod cli;
pub mod harness;
pub mod plan;
pub mod record;
pub mod registry;
pub mod report;

mod attach;
mod budget;
mod fixture;
mod measure;
mod runner;

pub use attach::attach;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Registers a function as a test of the `leanvibe-test` harness.
///
/// The function is kept as written (other code can still call it) and is
/// registered through `inventory` with everything the attribute says. It may
/// be sync or `async`, and return `()` or `Result<(), E>` with `E: Debug`
/// (an `Err` fails the test with `Error: {e:?}`, as libtest prints it).
///
/// ```no_run,standalone_crate
/// use leanvibe_test::prelude::*;
///
/// #[plugin_test]
/// fn parses_manifest() {
///     assert_eq!("a=1".split_once('='), Some(("a", "1")));
/// }
///
/// #[plugin_test(
///     tags = ["perf"],
///     max_ms = 50,            // each run of the body under 50 ms
///     max_mb = 1.5,           // heap growth under 1.5 MiB
///     iterations = 100,       // measure 100 runs...
///     warmup = 10,            // ...after 10 unmeasured ones
///     p95_ms = 5,             // nearest-rank p95 of the 100 runs
/// )]
/// fn encodes_quickly() {
///     let _ = format!("{:?}", [0u8; 256]);
/// }
///
/// #[plugin_test(timeout_ms = 2000, flavor = "multi_thread", worker_threads = 2)]
/// async fn serves_requests() -> Result<(), std::io::Error> {
///     leanvibe_test::tokio::task::yield_now().await;
///     Ok(())
/// }
///
/// #[plugin_test]
/// #[should_panic(expected = "out of range")]
/// fn rejects_bad_index() {
///     panic!("index out of range");
/// }
///
/// # leanvibe_test::main!();
/// ```
///
/// # Keys
///
/// Every key is optional; a key given twice is an error, and so is an unknown
/// key (the error lists the valid ones). All mistakes in one attribute are
/// reported together, each on the token to fix.
///
/// | key | value | default | meaning |
/// |---|---|---|---|
/// | `ignore` | flag, or `"reason"` | not ignored | Skip the test unless `--ignored`/`--include-ignored`; the reason is printed after `ignored, `. |
/// | `should_panic` | flag, or `"text"` | must not panic | Pass only if the body panics (with a message containing `text`). Not allowed on a test returning `Result`, as in libtest. |
/// | `timeout_ms` | integer ≥ 1 | profile default | Wall-clock limit; the worker running the test is killed after it. |
/// | `tags` | `["a", "b"]` | none | Free-form labels (filters, CTRF `tags`). Non-empty, no duplicates. |
/// | `flavor` | `"current_thread"` or `"multi_thread"` | `"current_thread"` | Tokio runtime of an `async fn` test. |
/// | `worker_threads` | integer ≥ 1 | tokio's default (one per core) | Threads of the multi-thread runtime; needs `flavor = "multi_thread"`. |
/// | `start_paused` | `true`/`false` | `false` | Start tokio's clock paused (auto-advancing); current-thread runtime only, as in tokio. |
/// | `crate` | `"path"` | `"::leanvibe_test"` | Path the generated code names this crate by, for a renamed dependency or a re-export. |
/// | `max_ms` | number > 0 | profile default | Wall time limit of one run of the body, in milliseconds. |
/// | `max_mb` | number > 0 | profile default | Peak heap growth limit in MiB (2^20 bytes); `1.5` is 1 572 864 bytes. |
/// | `max_kb` | number > 0 | profile default | The same limit in KiB (2^10 bytes). Give `max_mb` or `max_kb`, not both. |
/// | `max_rss_mb` | number > 0 | profile default | Peak resident-set growth of the worker, in MiB. |
/// | `iterations` | integer ≥ 1 | 1 | Measured runs of the body; the statistical keys apply over them. |
/// | `warmup` | integer ≥ 0 | 0 | Unmeasured runs before the measured ones; needs `iterations`. |
/// | `mean_ms` | number > 0 | none | Limit on the mean of the measured runs; needs `iterations`. |
/// | `p50_ms` | number > 0 | none | Limit on the nearest-rank median; needs `iterations`. |
/// | `p95_ms` | number > 0 | none | Limit on the nearest-rank 95th percentile; needs `iterations`. |
/// | `p99_ms` | number > 0 | none | Limit on the nearest-rank 99th percentile; needs `iterations`. |
/// | `retries` | integer ≥ 0 | 0 | Reruns of a failed test; a later pass is reported as flaky. |
///
/// "Profile default" means the limit comes from the run's configuration, if
/// it sets one. `flavor`, `worker_threads` and `start_paused` apply only to an
/// `async fn`.
///
/// # Attributes beside it
///
/// As with `#[test]`, the function may also carry `#[ignore]`,
/// `#[ignore = "reason"]`, `#[should_panic]`, `#[should_panic = "text"]` or
/// `#[should_panic(expected = "text")]`. They mean the same as the keys, are
/// removed from the emitted function, and may not repeat a key.
///
/// # The function
///
/// A free function without parameters (fixtures are not supported yet),
/// generics, `const`, `unsafe` or `extern`. On any mistake the errors are
/// emitted together with the function unchanged, so the rest of the crate
/// still type-checks.
pub use leanvibe_test_macros::plugin_test;

/// FIXTURE DOCS
pub use leanvibe_test_macros::fixture;

/// The tokio this crate runs async tests on, re-exported so plugin tests need
/// no separate dependency.
///
/// ```
/// let runtime = leanvibe_test::tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {});
/// ```
pub use tokio;

/// What a test file needs: `use leanvibe_test::prelude::*;`.
///
/// ```
/// use leanvibe_test::prelude::*;
/// ```
pub mod prelude {
    pub use crate::{fixture, plugin_test};
}

/// Defines `main` for a `harness = false` test target: collects the
/// registered tests and runs them with the libtest-compatible command line.
///
/// ```no_run
/// leanvibe_test::main!();
/// ```
#[macro_export]
macro_rules! main {
    () => {
        fn main() {
            $crate::__private::harness_main()
        }
    };
}
