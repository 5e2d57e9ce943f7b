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
/// ```no_run,standalone_crate
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

/// Environment variable that makes [`prerequisite_missing`] fail a test
/// instead of skipping it (any value but empty or `0`). CI's own `CI=true`
/// does the same.
pub const REQUIRE_PREREQUISITES_ENV: &str = "LEANVIBE_TEST_REQUIRE_SERVICES";

/// Ends the running test because something it needs is not on this
/// machine: a tool, a service, a file.
///
/// On a developer's machine the test is skipped with `reason` (as
/// [`skip`] does), so a suite passes with only the Rust toolchain and says
/// what it could not check. In CI, where the pipeline installs everything
/// the tests use, a missing prerequisite is a broken pipeline: with `CI`
/// set to `true` or `1` (GitHub Actions, GitLab CI and Buildkite set it) or
/// [`REQUIRE_PREREQUISITES_ENV`] set, the test fails instead, saying what
/// is missing.
///
/// ```no_run,standalone_crate
/// use leanvibe_test::prelude::*;
///
/// #[plugin_test]
/// fn validates_against_the_schema() {
///     if std::process::Command::new("xmllint").arg("--version").output().is_err() {
///         leanvibe_test::prerequisite_missing("xmllint is not installed (apt-get install libxml2-utils)");
///     }
///     // ...
/// }
/// # leanvibe_test::main!();
/// ```
pub fn prerequisite_missing(reason: impl Into<String>) -> ! {
    let reason = reason.into();
    if prerequisites_required() {
        fail_missing(&reason);
    }
    skip(reason)
}

/// Fails the running test for a prerequisite that is required here.
pub(crate) fn fail_missing(reason: &str) -> ! {
    panic!(
        "{reason}: required here (CI or {REQUIRE_PREREQUISITES_ENV} is set), so this is a failure, not a skip"
    )
}

/// Whether this environment requires every prerequisite: CI, or
/// [`REQUIRE_PREREQUISITES_ENV`].
pub(crate) fn prerequisites_required() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0");
    set(REQUIRE_PREREQUISITES_ENV) || std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}
