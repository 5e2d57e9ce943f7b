//! Skipping a test from inside it, when something it needs is missing.
//!
//! A test that cannot run here (no `redis-server` installed, no GPU) should
//! say so, not pass: [`skip`] ends the test and reports it as skipped, with
//! the reason, on the console (`ignored, <reason>`) and in the reports
//! (CTRF `skipped`, JUnit `<skipped message>`).

/// Panic payload that marks a skip; the harness reports the test as skipped.
#[derive(Debug, Clone)]
pub(crate) struct Skipped {
    pub(crate) reason: String,
}

/// Ends the running test as skipped, with `reason`. Fixtures and values
/// already built are dropped as on any early exit.
///
/// ```no_run
/// use leanvibe_test::prelude::*;
///
/// #[plugin_test]
/// fn needs_a_gpu() {
///     if std::env::var_os("GPU").is_none() {
///         leanvibe_test::skip("no GPU on this machine");
///     }
/// }
/// # leanvibe_test::main!();
/// ```
pub fn skip(reason: impl Into<String>) -> ! {
    // resume_unwind does not run the panic hook: nothing is printed as a panic.
    std::panic::resume_unwind(Box::new(Skipped {
        reason: reason.into(),
    }))
}
