//! The static description of every test, as `#[plugin_test]` registers it.
//!
//! The macro expands to an `inventory::submit!` of a [`TestCase`]; the harness
//! collects them with [`all`]. Everything here is `'static` and `const`-built so
//! registration costs nothing at start-up beyond walking inventory's list.

/// One registered test, as the attribute macro describes it.
///
/// Built by `#[plugin_test]`; users do not write these by hand.
///
/// ```
/// for case in leanvibe_test::__private::registry::all() {
///     assert!(!case.name.is_empty());
///     assert!(case.line > 0);
/// }
/// ```
#[derive(Debug)]
pub struct TestCase {
    /// The function's name.
    pub name: &'static str,
    /// `module_path!()` at the function, crate name included.
    pub module_path: &'static str,
    /// `file!()` at the function.
    pub file: &'static str,
    /// `line!()` of the function's name.
    pub line: u32,
    /// `env!("CARGO_MANIFEST_DIR")` of the crate that declared the test, so the
    /// harness can find `leanvibe.toml` next to it.
    pub manifest_dir: &'static str,
    /// Everything the attribute said.
    pub attrs: TestAttrs,
    /// Runs the test body once. Panics propagate; `Err` means failure.
    pub body: TestBody,
}

/// The function the harness calls to run one test body once.
pub type TestBody = fn() -> Result<(), String>;

/// What a `#[plugin_test(...)]` attribute configured.
#[derive(Debug, Clone, Copy)]
pub struct TestAttrs {
    /// `ignore` / `ignore = "reason"` / a separate `#[ignore]`.
    pub ignore: Ignore,
    /// `should_panic` / `should_panic = "substring"` / `#[should_panic(expected = "..")]`.
    pub should_panic: ShouldPanic,
    /// Wall-clock limit after which the worker running the test is killed.
    pub timeout_ms: Option<u64>,
    /// Free-form tags, reported in the CTRF `tags` field.
    pub tags: &'static [&'static str],
    /// CTRF `type` of the test (`unit` unless the macro that made it says otherwise).
    pub kind: &'static str,
    /// Time, memory and statistical limits.
    pub budget: Budget,
}

impl TestAttrs {
    /// The attributes of a plain `#[plugin_test]`.
    ///
    /// ```
    /// let attrs = leanvibe_test::__private::registry::TestAttrs::DEFAULT;
    /// assert_eq!(attrs.kind, "unit");
    /// ```
    pub const DEFAULT: TestAttrs = TestAttrs {
        ignore: Ignore::No,
        should_panic: ShouldPanic::No,
        timeout_ms: None,
        tags: &[],
        kind: "unit",
        budget: Budget::NONE,
    };
}

/// Whether a test is ignored, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignore {
    /// Runs normally.
    No,
    /// Skipped unless `--ignored` or `--include-ignored`.
    Yes,
    /// Skipped, with the reason libtest prints after `ignored, `.
    Because(&'static str),
}

/// libtest's `should_panic` semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShouldPanic {
    /// A panic fails the test.
    No,
    /// The test passes only if it panics.
    Yes,
    /// The test passes only if it panics with a message containing this text.
    WithMessage(&'static str),
}

/// Per-test limits. `None` means "not set here": the profile's default applies.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Budget {
    /// Wall time of one run of the body, in milliseconds.
    pub max_ms: Option<f64>,
    /// Peak heap growth during the test, in bytes (`max_mb`/`max_kb` converted).
    pub max_heap_bytes: Option<u64>,
    /// Peak resident-set growth of the worker during the test, in bytes.
    pub max_rss_bytes: Option<u64>,
    /// Measured runs of the body (statistical keys apply over these).
    pub iterations: Option<u32>,
    /// Unmeasured runs before the measured ones.
    pub warmup: Option<u32>,
    /// Limit on the mean of the measured runs, in milliseconds.
    pub mean_ms: Option<f64>,
    /// Limit on the nearest-rank 50th percentile, in milliseconds.
    pub p50_ms: Option<f64>,
    /// Limit on the nearest-rank 95th percentile, in milliseconds.
    pub p95_ms: Option<f64>,
    /// Limit on the nearest-rank 99th percentile, in milliseconds.
    pub p99_ms: Option<f64>,
    /// Reruns of a failed test; a later pass is reported as flaky.
    pub retries: Option<u32>,
}

impl Budget {
    /// No limit set.
    pub const NONE: Budget = Budget {
        max_ms: None,
        max_heap_bytes: None,
        max_rss_bytes: None,
        iterations: None,
        warmup: None,
        mean_ms: None,
        p50_ms: None,
        p95_ms: None,
        p99_ms: None,
        retries: None,
    };
}

inventory::collect!(TestCase);

/// Every registered test, in registration order (unspecified; the planner sorts).
///
/// ```
/// for case in leanvibe_test::__private::registry::all() {
///     println!("{}", case.name);
/// }
/// ```
pub fn all() -> impl Iterator<Item = &'static TestCase> {
    inventory::iter::<TestCase>.into_iter()
}

impl TestCase {
    /// The name libtest would print: the module path without the crate's own
    /// name, then the function, joined by `::`.
    ///
    /// ```
    /// # use leanvibe_test::__private::registry::*;
    /// fn body() -> Result<(), String> { Ok(()) }
    /// let case = TestCase {
    ///     name: "parses", module_path: "suite::unit", file: "tests/suite.rs", line: 3,
    ///     manifest_dir: ".", attrs: TestAttrs::DEFAULT, body,
    /// };
    /// assert_eq!(case.full_name(), "unit::parses");
    /// ```
    pub fn full_name(&self) -> String {
        let mut name = String::new();
        self.write_full_name(&mut name);
        name
    }

    /// [`full_name`](TestCase::full_name) into `out`, replacing what it
    /// held: selection builds every test's name, and reusing one buffer
    /// spares an allocation per test.
    ///
    /// ```
    /// # use leanvibe_test::__private::registry::*;
    /// # fn body() -> Result<(), String> { Ok(()) }
    /// # let case = TestCase { name: "t", module_path: "suite::a", file: "", line: 1,
    /// #     manifest_dir: ".", attrs: TestAttrs::DEFAULT, body };
    /// let mut name = String::from("old");
    /// case.write_full_name(&mut name);
    /// assert_eq!(name, "a::t");
    /// ```
    pub fn write_full_name(&self, out: &mut String) {
        out.clear();
        let module = self.module();
        if !module.is_empty() {
            out.push_str(module);
            out.push_str("::");
        }
        out.push_str(self.name);
    }

    /// The module path without the crate name (`""` at the crate root): the
    /// JUnit `classname` and CTRF `suite`.
    ///
    /// ```
    /// # use leanvibe_test::__private::registry::*;
    /// # fn body() -> Result<(), String> { Ok(()) }
    /// # let case = TestCase { name: "t", module_path: "suite::a::b", file: "", line: 1,
    /// #     manifest_dir: ".", attrs: TestAttrs::DEFAULT, body };
    /// assert_eq!(case.module(), "a::b");
    /// ```
    pub fn module(&self) -> &'static str {
        // A module path holds `:` only in its `::` separators; a byte search
        // is much cheaper than a substring search, run once per test.
        match self.module_path.find(':') {
            Some(colon) => &self.module_path[colon + 2..],
            None => "",
        }
    }
}
