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
//! ```no_run,standalone_crate
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

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "bench")]
#[cfg_attr(docsrs, doc(cfg(feature = "bench")))]
pub mod bench;
pub mod budget;
mod ci_env;
mod cli;
pub mod config;
#[cfg(feature = "deploy")]
#[cfg_attr(docsrs, doc(cfg(feature = "deploy")))]
pub mod deploy;
pub mod errors;
mod harness;
pub mod json;
#[cfg(feature = "perf")]
#[cfg_attr(docsrs, doc(cfg(feature = "perf")))]
pub mod perf;
mod plan;
#[cfg(feature = "plugin")]
#[cfg_attr(docsrs, doc(cfg(feature = "plugin")))]
pub mod plugin;
#[cfg(feature = "proptest")]
mod property;
mod record;
mod registry;
pub mod report;
#[cfg(feature = "security")]
#[cfg_attr(docsrs, doc(cfg(feature = "security")))]
pub mod security;
#[cfg(feature = "services")]
#[cfg_attr(docsrs, doc(cfg(feature = "services")))]
pub mod service;
#[cfg(any(feature = "perf", feature = "deploy"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "perf", feature = "deploy"))))]
pub mod threshold;

/// Credential detection and redaction, shared by the report writers and the
/// security suite.
pub use report::redact as secrets;

mod attach;
mod fixture;
mod measure;
mod runner;
mod scratch;
mod skip;

pub use attach::attach;
pub use harness::{RunConclusion, run};
pub use skip::{REQUIRE_PREREQUISITES_ENV, prerequisite_missing, skip};

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
/// | `retries` | integer ≥ 0 | profile, else 0 | Reruns of a failed test, crashes and timeouts included (in a fresh worker); a later pass is reported as flaky. |
/// | `cases` | integer ≥ 1 | `--proptest-cases`, `LEANVIBE_PROPTEST_CASES` or `PROPTEST_CASES`, the profile, else 256 | Cases of a property test (one with `#[strategy(...)]`/`#[any]` arguments; `proptest` feature). |
/// | `max_shrink_iters` | integer ≥ 0 | likewise, else 4 × `cases` | Shrink steps of a property test's failure. |
/// | `seed` | integer ≥ 0 | `--proptest-seed`, `LEANVIBE_PROPTEST_SEED` or `PROPTEST_RNG_SEED`, the profile, else random | The seed of a property test's cases. |
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
///   function); for a misspelling, rustc points at the `#[fixture]` with the
///   nearest name ("similarly named struct `database` defined here") and
///   suggests the fix. "expected type, found function `db`" if `db` is a
///   plain function without `#[fixture]`;
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

/// Runs a function against attack payloads, one registered test per
/// vector, judged by oracles that observe what happened (files read,
/// commands run, expressions evaluated, requests made, time and memory), not
/// only whether the payload was echoed. Needs the `security` feature (the
/// example's last function, the `plugin` feature too).
///
#[cfg_attr(
    all(feature = "security", feature = "plugin"),
    doc = "```no_run,standalone_crate"
)]
#[cfg_attr(not(all(feature = "security", feature = "plugin")), doc = "```ignore")]
/// use leanvibe_test::prelude::*;
///
/// /// Payload only: registers `render::xss`, `render::log_injection`, ...
/// #[security_suite(vectors = [xss, sql_injection, log_injection, template_injection])]
/// fn render(payload: &str) -> Result<String, String> {
///     Ok(payload.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
///         .replace(['\r', '\n', '\u{1b}'], " "))
/// }
///
/// /// The full probe: sandbox root, canary URL, secrets, credentials.
/// #[security_suite(vectors = [path_traversal, oversize], max_mb = 8)]
/// fn read_file(probe: &Probe) -> Result<String, String> {
///     if probe.payload().len() > 4096 {
///         return Err("path is too long (limit 4096 bytes)".into());
///     }
///     let root = probe.sandbox_root().canonicalize().map_err(|e| e.to_string())?;
///     let path = root.join(probe.payload()).canonicalize().map_err(|e| e.to_string())?;
///     if !path.starts_with(&root) {
///         return Err("path leaves the root".into());
///     }
///     std::fs::read_to_string(path).map_err(|e| e.to_string())
/// }
///
/// /// Async works too, with any `IntoResponse` (here the plugin contract's).
/// #[security_suite(vectors = [xss])]
/// async fn handle(payload: &str) -> TaskResult {
///     TaskResult::error(ErrorCode::InvalidParameter, "names may not hold markup")
/// }
///
/// # leanvibe_test::main!();
/// ```
///
/// Each vector becomes its own test named `<fn>::<vector>` (the function is
/// emitted unchanged, the tests are registered beside it), tagged `security`
/// and `<vector>`, CTRF type `security`; so
/// `cargo test -- sql_injection` runs one vector everywhere. Without
/// `vectors`, every vector that applies to the signature runs.
///
/// # The function
///
/// Sync or `async`, with one parameter: `payload: &str`, or `probe: &Probe`
/// ([`security::Probe`]: the payload plus the sandbox root, canary URL,
/// generated secrets, credentials and account). `path_traversal`, `secrets`
/// and `auth_bypass` need the probe. It returns anything implementing
/// [`security::IntoResponse`]: `TaskResult` (a rejection must carry an
/// `error_code`), `Result<T: Serialize, E: Display>`, or
/// [`security::Response`]. Each payload runs on its own thread with fds 1
/// and 2 captured; an async function gets a fresh tokio runtime per payload.
///
/// # Judging
///
/// For every vector, a panic (caught per payload: the rest still run), no
/// answer within the per-payload limit, or heap growth over `max_mb` during
/// one call is a finding; so is a rejection without a message (or without
/// a code, for `TaskResult`). A generated secret seen anywhere is a finding.
/// An acceptance, and for leak oracles a rejection's message too, is then
/// judged by the vector's oracle:
///
/// | vector | payloads | finding when |
/// |---|---|---|
/// | `sql_injection` | 19: union, boolean, stacked, time-based, NoSQL | a payload with a quote or terminator comes back unchanged; a time-based payload makes the call take its 200 ms sleep longer than a benign call, confirmed by a 400 ms run taking twice as long |
/// | `xss` | 14: tags, handlers, `javascript:` URLs, polyglots, mixed case | `<script`, an `on*=` attribute, a `javascript:` attribute value or a frame survives unescaped (markup also in a benign call's output is ignored) |
/// | `path_traversal` | 21: `../`, URL/double/overlong/Unicode-encoded, `....//`, `..;/`, Windows, UNC, absolute, `file://` | the random token of the canary files planted one and two levels above `probe.sandbox_root()` is in the output or printed; or `/etc/passwd` content |
/// | `command_injection` | 15: `;`, `&&`, `\|\|`, `\|`, `&`, backticks, `$()`, `${IFS}`, newlines, quote breaks, argument injection | the echoed token (only a shell joins its halves around `''`) is in the output or printed, or the marker file exists |
/// | `template_injection` | 12: Jinja, `${}`, ERB, `#{}`, Razor, Thymeleaf, Smarty, polyglots | the product of two random 6-digit factors is in the output |
/// | `ssrf` | 16: loopback in decimal, octal, hex, short, IPv6 and mapped forms, userinfo, metadata endpoints, `file://` | any request reaches the suite's loopback listener (127.0.0.1 and ::1); an accepted URL without a hit is a warning |
/// | `xxe` | 8: external entities, parameter entities, XInclude, billion laughs | canary token or a listener hit |
/// | `log_injection` | 11: CR/LF forged lines, ESC sequences, `${jndi:...}` | a raw CR, LF or ESC from the payload (as given or percent-decoded) in the output or printed |
/// | `header_injection` | 9: `%0d%0a`, double encoding, `嘊嘍`, raw CRLF | the same, in the output |
/// | `secrets` | 11: `config`, `debug`, `env`, format strings, ... | a value of `probe.secret(kind)` or anything the [`secrets`] detector matches in the output or printed |
/// | `oversize` | 9, generated: 64 KiB, 1 MiB, 16 MiB, 100 000-deep arrays and objects, paths over 4096 bytes, 100 000 parameters | a rejection whose message names no size or limit; a call over the time limit; heap growth over `max_mb`, else the profile's `max_mb`, else 80 MiB; heap growth over 16 times the input and over 8 MiB (amplification) |
/// | `auth_bypass` | 16: missing, empty, SQLi/NoSQL, case variants, fullwidth, `alg: none`, expired, wrong or no signature, malformed JWTs | any acceptance |
/// | `ldap_injection` | 8: `*`, `*)(&`, injected `\|` branches and `uid=*` clauses, metacharacters, NUL | the LDAP filter built from the payload (from the output's first `(`, parsed per RFC 4515) differs in structure from the one built from a benign value: a presence test or wildcard appeared, components or filters were added, or it no longer parses; RFC 4515-escaped values pass |
/// | `prototype_pollution` | 8: `__proto__` and `constructor.prototype` as JSON, query pairs, nested | the JSON output keeps a `__proto__` key, or a `constructor`/`prototype` key holding an object, that a benign call's output does not have |
///
/// A failing vector ends with a `security` failure listing every finding
/// (payload id, escaped payload, oracle, evidence, fix hint); the findings
/// and warnings are also attached under `security` (CTRF `extra`).
///
/// # Keys
///
/// | key | value | meaning |
/// |---|---|---|
/// | `vectors` | `[xss, ssrf]` | Vectors to run; default: all that apply. |
/// | `max_ms` | number > 0 | Per-payload time limit (default 5000 ms); past it the payload counts as hung and the remaining ones are not run (the thread cannot be stopped). |
/// | `max_mb` / `max_kb` | number > 0 | Per-payload heap growth limit (needs `leanvibe_test::main!()`); the suite's own generated inputs do not count. For `oversize`, without the key: the profile's, else 80 MiB. |
/// | `mutations` | integer ≥ 0 | Mutation cases per vector after its corpus, shrunk on a finding (`proptest` feature); default `LEANVIBE_SECURITY_MUTATIONS`, else 0. |
/// | `timeout_ms`, `ignore`, `tags`, `flavor`, `worker_threads`, `start_paused`, `crate` | as for [`plugin_test`] | Apply to each vector's test. |
///
/// `should_panic`, `iterations` and the statistical keys do not apply.
/// Mistakes (unknown or duplicate vectors, a vector needing the probe on a
/// `&str` function, a wrong parameter) are reported together, with the
/// function still emitted.
pub use leanvibe_test_macros::security_suite;

/// The tokio this crate runs async tests on, re-exported so plugin tests need
/// no separate dependency.
///
/// ```
/// let runtime = leanvibe_test::tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {});
/// ```
pub use tokio;

/// proptest, for the strategies of property tests (`#[strategy(...)]`
/// arguments of `#[plugin_test]`): the version the harness runs, with no
/// separate dependency.
///
/// ```
/// use leanvibe_test::proptest::prelude::*;
/// let _strategy = (0u32..10, any::<bool>());
/// ```
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub use proptest;

/// What a test file needs: `use leanvibe_test::prelude::*;`.
///
/// ```
/// use leanvibe_test::prelude::*;
/// ```
pub mod prelude {
    #[cfg(feature = "plugin")]
    pub use crate::errors::HarnessError;
    #[cfg(feature = "plugin")]
    pub use crate::plugin::{
        ErrorCode, Plugin, PluginConfig, PluginError, PluginHarness, Task, TaskResult, async_trait,
    };
    #[cfg(feature = "security")]
    pub use crate::security::{IntoResponse, Probe};
    pub use crate::{fixture, plugin_test, security_suite};
}

/// Defines `main` for a `harness = false` test target: collects the
/// registered tests and runs them with the libtest-compatible command line.
///
/// It also installs [`budget::TrackingAllocator`] as the global allocator,
/// which `max_mb` / `max_kb` budgets need:
///
/// ```no_run,standalone_crate
/// leanvibe_test::main!();
/// ```
///
/// A test target that wants another allocator names it, and the tracking
/// allocator wraps it. For a unit struct (as most allocator crates export),
/// give its path:
///
/// ```no_run,standalone_crate
/// # mod my_alloc { pub use std::alloc::System as Jemalloc; }
/// leanvibe_test::main!(allocator = my_alloc::Jemalloc);
/// ```
///
/// For anything else, give the type and a constant expression building it:
///
/// ```no_run,standalone_crate
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
/// If the target's `[[test]]` table lacks `harness = false`, Cargo builds it
/// with libtest instead, which would run none of the `#[plugin_test]`s and
/// report `ok`; `main!` adds one libtest test,
/// `leanvibe_test_needs_harness_false`, that fails in that case with the
/// `Cargo.toml` lines to add.
///
/// A target with its own `#[global_allocator]` cannot use `main!`; it can
/// wrap that allocator in a [`budget::TrackingAllocator`] itself and call
/// `leanvibe_test::run().exit()` from its own `main`.
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

        // Unused only when libtest's harness builds this target: then the
        // test below tells the user.
        #[allow(dead_code)]
        fn main() {
            $crate::__private::harness_main()
        }

        // Compiled only when Cargo builds this target with libtest's harness
        // (`harness = false` is missing): none of its `#[plugin_test]`s would
        // run and libtest would say `ok`, so this fails, saying what to add.
        #[test]
        fn leanvibe_test_needs_harness_false() {
            $crate::__private::harness_false_missing()
        }
    };
}
