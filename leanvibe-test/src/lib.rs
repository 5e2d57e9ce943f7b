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

#[cfg(feature = "bench")]
pub mod bench;
pub mod budget;
pub mod cli;
pub mod config;
pub mod harness;
pub mod perf;
pub mod plan;
pub mod plugin;
pub mod record;
pub mod registry;
pub mod report;
pub mod service;
pub mod threshold;

/// Credential detection and redaction, shared by the report writers and the
/// security suite.
pub use report::redact as secrets;

mod attach;
mod fixture;
mod measure;
mod runner;
mod skip;

pub use attach::attach;
pub use skip::skip;

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
/// A free function without generics, `const`, `unsafe` or `extern`. Its
/// parameters, if any, are fixtures, injected by name: see
/// [`fixture`](macro@fixture). On any mistake the errors are emitted together
/// with the function unchanged, so the rest of the crate still type-checks.
pub use leanvibe_test_macros::plugin_test;

/// Declares a fixture: a function whose value tests receive by naming it as
/// a parameter, as in rstest.
///
/// ```no_run,standalone_crate
/// use leanvibe_test::prelude::*;
/// use std::sync::atomic::{AtomicU16, Ordering};
///
/// struct TempDir(std::path::PathBuf);
///
/// impl Drop for TempDir {
///     // Teardown: runs after the test, also when the test fails.
///     fn drop(&mut self) {
///         let _ = std::fs::remove_dir_all(&self.0);
///     }
/// }
///
/// /// Per test (the default): a fresh directory for each test that asks.
/// #[fixture]
/// fn workdir() -> std::io::Result<TempDir> {
///     let path = std::env::temp_dir().join(format!("plugin-{}", std::process::id()));
///     std::fs::create_dir_all(&path)?; // an `Err` is a setup error
///     Ok(TempDir(path))
/// }
///
/// struct Server {
///     port: u16,
/// }
///
/// /// Once per worker process, shared by the tests that run there.
/// #[fixture(scope = "worker")]
/// async fn server() -> Server {
///     static NEXT: AtomicU16 = AtomicU16::new(8000);
///     // Tasks spawned here keep running on the worker's own runtime.
///     Server { port: NEXT.fetch_add(1, Ordering::Relaxed) }
/// }
///
/// /// A fixture may take other fixtures.
/// #[fixture]
/// fn url(server: &Server) -> String {
///     format!("http://127.0.0.1:{}", server.port)
/// }
///
/// #[plugin_test]
/// fn writes_output(workdir: TempDir, url: String) {
///     std::fs::write(workdir.0.join("url"), url).unwrap();
/// }
///
/// #[plugin_test]
/// async fn talks_to_server(server: &Server) {
///     assert!(server.port >= 8000);
/// }
///
/// # leanvibe_test::main!();
/// ```
///
/// # Injection
///
/// A parameter `db: Db` of a `#[plugin_test]` (or of another fixture) is
/// built by the fixture named `db`. Names resolve as Rust names do: a test
/// sees the fixtures of its module and those it imports (`use
/// crate::fixtures::db;`, or a glob). Parameters must be plain names, not
/// patterns (`mut db: Db` is fine). Mistakes are compile errors on the
/// parameter:
///
/// - no fixture of that name in scope: "cannot find type `db` in this scope"
///   (the attribute emits a hidden type of the fixture's name beside the
///   function), and "expected type, found function `db`" if `db` is a plain
///   function without `#[fixture]`;
/// - a parameter type the fixture does not provide: "fixture `db` does not
///   provide a `T`";
/// - a per-test async fixture in a sync test: "fixture `client` is async, so
///   only an async test or async fixture can use it".
///
/// Fixtures are built in parameter order, each use separately: two
/// fixtures that both take `db` get a `db` each.
///
/// # Scopes
///
/// | scope | parameter | built | dropped |
/// |---|---|---|---|
/// | `"test"` (default) | by value, `db: Db` | before each run of the test body (each of `warmup` + `iterations` runs) | when the test function returns or unwinds, so teardown in `Drop` runs for failing tests too |
/// | `"worker"` | by shared reference, `pool: &Pool` | once per worker process, by the first test there that needs it | never: see below |
///
/// A *worker* is an operating-system process of the harness's pool. It runs
/// one test at a time and many tests in sequence, so a worker-scope value is
/// shared by the tests that happen to run in that process (with
/// `--test-threads N`, up to N processes each build their own). Tests must
/// not depend on which others share it. The value must be `Send + Sync +
/// 'static`. Its `Drop` is **not** run: workers end with `process::exit`
/// (or are killed on a timeout), so a teardown could not be guaranteed;
/// memory, sockets and file descriptors go with the process, but clean up
/// files or child processes in a per-test fixture instead. A worker-scope
/// fixture that fails is tried again by the next test that needs it, so
/// each of those tests reports the error.
///
/// # Sync and async
///
/// A fixture may be an `async fn`.
///
/// - Per-test async fixtures run on the test's own tokio runtime, before the
///   body, and are dropped on it; only `async` tests (and async fixtures) can
///   take them. A sync test has no runtime, and one built just for the
///   fixture would be gone (with any task the value relies on) before the
///   test ran, so this is a compile error rather than a surprise.
/// - Worker-scope async fixtures outlive any test's runtime, so they run on
///   a separate runtime owned by the worker process (multi-thread, one
///   thread, never shut down): tasks they spawn, such as a server, keep
///   running for later tests. Sync and async tests can both take them.
/// - Sync fixtures can be used anywhere.
///
/// # Failures are setup errors
///
/// A fixture that panics, or returns `Err(e)` (any return type whose path
/// ends in `Result`, with `e: Debug`), ends the test as a **setup** error
/// (`setup` in the console and the reports), not a test failure, with the
/// message ``fixture `db` failed: {e:?}`` or ``fixture `db` panicked: ...``.
/// When a fixture depends on another, the message names the one that
/// failed. Fixtures built before it are dropped. `should_panic` does not
/// apply to setup errors.
///
/// # Budgets
///
/// Fixtures are built before the measurement window opens, so `max_ms` and
/// the statistics time the body only. Per-test values are dropped when the
/// test function returns, which is inside the window. Heap and RSS budgets
/// cover the whole attempt, fixtures included.
///
/// # Keys
///
/// | key | value | default | meaning |
/// |---|---|---|---|
/// | `scope` | `"test"` or `"worker"` | `"test"` | How long the value lives (above). |
/// | `crate` | `"path"` | `"::leanvibe_test"` | Path the generated code names this crate by. |
///
/// # The function
///
/// A free function, sync or `async`, without generics, `where` clause or
/// `unsafe`, returning a nameable type (not `impl Trait`). It is emitted
/// unchanged, so it can also be called directly.
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
    pub use crate::plugin::{
        ErrorCode, HarnessError, Plugin, PluginConfig, PluginError, PluginHarness, Task,
        TaskResult, async_trait,
    };
    pub use crate::{fixture, plugin_test};
}

/// Defines `main` for a `harness = false` test target: collects the
/// registered tests and runs them with the libtest-compatible command line.
///
/// It also installs [`budget::TrackingAllocator`] as the global allocator,
/// which `max_mb` / `max_kb` budgets need:
///
/// ```no_run
/// leanvibe_test::main!();
/// ```
///
/// A test target that wants another allocator names it, and the tracking
/// allocator wraps it. For a unit struct (as most allocator crates export),
/// give its path:
///
/// ```no_run
/// # mod my_alloc { pub use std::alloc::System as Jemalloc; }
/// leanvibe_test::main!(allocator = my_alloc::Jemalloc);
/// ```
///
/// For anything else, give the type and a constant expression building it:
///
/// ```no_run
/// use std::alloc::{GlobalAlloc, Layout, System};
///
/// struct Logged { inner: System }
/// unsafe impl GlobalAlloc for Logged {
///     unsafe fn alloc(&self, l: Layout) -> *mut u8 { unsafe { self.inner.alloc(l) } }
///     unsafe fn dealloc(&self, p: *mut u8, l: Layout) { unsafe { self.inner.dealloc(p, l) } }
/// }
///
/// leanvibe_test::main!(allocator: Logged = Logged { inner: System });
/// ```
///
/// A target with its own `#[global_allocator]` cannot use `main!`; it can
/// wrap that allocator in a [`budget::TrackingAllocator`] itself and call
/// `leanvibe_test::harness::run().exit()` from its own `main`.
#[macro_export]
macro_rules! main {
    () => {
        $crate::main!(@define
            $crate::budget::TrackingAllocator = $crate::budget::TrackingAllocator::system()
        );
    };
    (allocator = $alloc:path $(,)?) => {
        $crate::main!(@define
            $crate::budget::TrackingAllocator<$alloc> = $crate::budget::TrackingAllocator::new($alloc)
        );
    };
    (allocator: $ty:ty = $init:expr $(,)?) => {
        $crate::main!(@define
            $crate::budget::TrackingAllocator<$ty> = $crate::budget::TrackingAllocator::new($init)
        );
    };
    (@define $ty:ty = $init:expr) => {
        #[global_allocator]
        static __LEANVIBE_TEST_ALLOCATOR: $ty = $init;

        fn main() {
            $crate::__private::harness_main()
        }
    };
}
