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

pub mod plugin;
pub mod record;
pub mod registry;
pub mod report;
pub mod service;

pub mod harness;
mod measure;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Registers a test with the harness. See the crate README for every key.
///
/// ```no_run
/// use leanvibe_test::prelude::*;
///
/// #[plugin_test(should_panic = "index out of bounds")]
/// fn panics() {
///     let v: Vec<u8> = vec![];
///     let _ = v[1];
/// }
/// # leanvibe_test::main!();
/// ```
pub use leanvibe_test_macros::plugin_test;

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
    pub use crate::plugin_test;
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
