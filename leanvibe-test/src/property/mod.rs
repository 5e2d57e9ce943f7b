//! Property tests: a `#[plugin_test]` whose arguments are marked
//! `#[strategy(...)]` or `#[any]` runs its body once per generated case,
//! shrinks a failure to a minimal input with proptest, and keeps the
//! failing seed in proptest's regressions file, which the next run replays
//! first.
//!
//! Generated code calls [`run`] (through `__private`) with the strategies
//! as one tuple and a closure that runs one case: it builds the test's
//! per-test fixtures, then calls [`case`] (or [`case_async`]) around the
//! body, which times it. Each case's time is one measured run of the test,
//! so `max_ms` applies per case; the memory window spans the whole test, so
//! `max_mb` applies over all of it.
//!
//! Why not `proptest::test_runner::TestRunner::run`: its replay keys seeds
//! by source file only and keeps a seed that no longer fails without a
//! word. Here each case gets its own seed (derived from the run's seed, so
//! one number reproduces the run), the seed of a failure is written with
//! the test's name, and a seed of this test that now passes is reported.
//! Generating and shrinking one case is proptest's own `run_one`.

mod regressions;
mod settings;

pub use settings::PropertyAttrs;
pub(crate) use settings::{RunDefaults, set_run_defaults};

use crate::record::{Failure, FailureKind};
use proptest::strategy::Strategy;
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use regressions::{Persisted, Regressions};
use std::any::Any;
use std::cell::RefCell;
use std::fmt::Debug;
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

/// Where a test is, as the registration knows it.
pub struct PropertySite {
    /// The test's full name (`module::function`, as libtest prints it).
    pub name: &'static str,
    /// `file!()` of the test.
    pub file: &'static str,
    /// `env!("CARGO_MANIFEST_DIR")` of the crate.
    pub manifest_dir: &'static str,
}

/// What a run of a property found, attached to the test's report under
/// `property` (CTRF `extra.property`).
#[derive(Debug, Default, serde::Serialize)]
struct Summary {
    /// New cases that passed.
    cases: u32,
    /// Cases `prop_assume!` rejected.
    rejected: u32,
    /// The run's seed: `LEANVIBE_PROPTEST_SEED=<seed>` runs the same cases.
    seed: u64,
    /// Persisted seeds replayed before the new cases.
    replayed: u32,
    /// The regressions file.
    regressions_file: String,
    /// Seeds this test wrote that no longer fail, by line of the file.
    stale_seeds: Vec<usize>,
    /// The minimal failing input, `Debug`-printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    minimal_input: Option<String>,
    /// Shrink steps that led to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    shrink_steps: Option<u32>,
    /// Whether the failing seed came from the regressions file.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    from_regressions: bool,
}

/// Runs the property: persisted seeds of this test first, then new cases
/// until `cases` passed or one failed. A failure is shrunk, its seed
/// persisted, and the minimal input run once more outside the search, so
/// that its panic (message, location) or error is the test's failure, with
/// the input on the failure's first line.
pub fn run<S>(
    site: PropertySite,
    attrs: PropertyAttrs,
    strategy: S,
    describe: impl Fn(&S::Value) -> String,
    one_case: impl Fn(S::Value) -> Result<(), String>,
) -> Result<(), String>
where
    S: Strategy,
{
    let mut settings = attrs.resolve();
    if let Some(seed) = failed_run_seed(site.name) {
        settings.seed = seed;
    }
    let regressions = regressions_of(&site);
    let mut summary = Summary {
        seed: settings.seed,
        regressions_file: regressions.path.display().to_string(),
        ..Summary::default()
    };
    let persisted = match regressions.load() {
        Ok(seeds) => seeds,
        Err(e) => {
            eprintln!("warning: {} not read: {e}", regressions.path.display());
            Vec::new()
        }
    };
    let search = Search {
        strategy: &strategy,
        describe: &describe,
        one_case: &one_case,
        max_shrink_iters: settings.max_shrink_iters,
        stopped: RefCell::new(None),
    };
    // First, so that a case that hangs or crashes the worker (which ends
    // the test without a verdict from here) leaves the seed in its output.
    eprintln!(
        "property {}: seed {} (LEANVIBE_PROPTEST_SEED={} reruns these cases)",
        site.name, settings.seed, settings.seed
    );
    crate::measure::body_started();
    crate::runner::execute::quiet_panics(true);
    let mut found = None;
    for seed in persisted
        .iter()
        .filter(|p| p.test.as_deref().is_none_or(|t| t == site.name))
    {
        summary.replayed += 1;
        match search.one(&seed.seed) {
            Outcome::Passed if seed.test.is_some() => summary.stale_seeds.push(seed.line),
            Outcome::Passed | Outcome::Rejected => {}
            failed => {
                found = Some((seed.clone(), failed));
                summary.from_regressions = true;
                break;
            }
        }
        if search.stopped.borrow().is_some() {
            break;
        }
    }
    let mut index = 0u64;
    while found.is_none() && summary.cases < settings.cases && search.stopped.borrow().is_none() {
        let seed = case_seed(settings.seed, index);
        index += 1;
        match search.one(&seed) {
            Outcome::Passed => summary.cases += 1,
            Outcome::Rejected => {
                summary.rejected += 1;
                if summary.rejected > settings.cases.saturating_mul(4).max(1024) {
                    found = Some((
                        Persisted {
                            seed,
                            test: None,
                            line: 0,
                        },
                        Outcome::Aborted(format!(
                            "too many cases rejected by prop_assume! ({} for {} passed)",
                            summary.rejected, summary.cases
                        )),
                    ));
                }
            }
            failed => {
                found = Some((
                    Persisted {
                        seed,
                        test: None,
                        line: 0,
                    },
                    failed,
                ))
            }
        }
    }
    crate::runner::execute::quiet_panics(false);
    crate::measure::body_finished();
    if let Some(payload) = search.stopped.into_inner() {
        crate::attach("property", &summary);
        panic::resume_unwind(payload);
    }
    for line in &summary.stale_seeds {
        eprintln!(
            "note: the seed on line {line} of {} no longer fails; remove it once the fix is in",
            regressions.path.display()
        );
    }
    let Some((seed, outcome)) = found else {
        crate::attach("property", &summary);
        return Ok(());
    };
    remember_failed_run_seed(site.name, settings.seed);
    match outcome {
        Outcome::Failed {
            input,
            value,
            steps,
        } => {
            summary.minimal_input = Some(input.clone());
            summary.shrink_steps = Some(steps);
            if !summary.from_regressions
                && let Err(e) = regressions.add(&seed.seed, site.name, &input)
            {
                eprintln!(
                    "warning: failing seed not saved to {}: {e}",
                    regressions.path.display()
                );
            }
            crate::attach("property", &summary);
            let note = note(&input, &summary, &regressions);
            // The minimal case once more, as a test run: its panic or error,
            // with location, becomes the failure, the input its first line.
            // On stderr too, right before the case's own panic message: the
            // console shows a failing test's output.
            eprintln!("{note}");
            crate::runner::execute::note_failure(note.clone());
            match one_case(value) {
                Err(message) => Err(message),
                Ok(()) => crate::__private::fail_with(Failure::new(
                    FailureKind::Panic,
                    format!(
                        "{note}\nthe minimal input passed when run again: the property is not deterministic"
                    ),
                )),
            }
        }
        Outcome::Aborted(reason) => {
            crate::attach("property", &summary);
            crate::__private::fail_with(Failure::new(
                FailureKind::Error,
                format!("property test aborted: {reason}"),
            ))
        }
        Outcome::Passed | Outcome::Rejected => unreachable!("only failures are kept"),
    }
}

/// The run seeds of this process's property tests that failed, by test: a
/// retry (which runs in the same worker) uses the same seed, so it runs the
/// same cases and finds the counterexample again, even where its seed could
/// not be saved to the regressions file. With a fresh seed, a property that
/// fails on few inputs would pass the retry and count as flaky.
static FAILED_RUN_SEEDS: std::sync::Mutex<Vec<(&str, u64)>> = std::sync::Mutex::new(Vec::new());

fn failed_run_seed(test: &str) -> Option<u64> {
    let seeds = FAILED_RUN_SEEDS.lock().unwrap_or_else(|p| p.into_inner());
    seeds
        .iter()
        .find(|(name, _)| *name == test)
        .map(|&(_, seed)| seed)
}

fn remember_failed_run_seed(test: &'static str, seed: u64) {
    let mut seeds = FAILED_RUN_SEEDS.lock().unwrap_or_else(|p| p.into_inner());
    if !seeds.iter().any(|(name, _)| *name == test) {
        seeds.push((test, seed));
    }
}

/// The failure's first line and the how-to-reproduce lines after it.
fn note(input: &str, summary: &Summary, regressions: &Regressions) -> String {
    let shown: String = if input.chars().count() > 300 {
        input.chars().take(300).chain("…".chars()).collect()
    } else {
        input.to_string()
    };
    let source = if summary.from_regressions {
        format!("replayed from {}", regressions.path.display())
    } else {
        format!(
            "after {} passing case(s), seed {} (LEANVIBE_PROPTEST_SEED={} reruns them); saved to {}",
            summary.cases,
            summary.seed,
            summary.seed,
            regressions.path.display()
        )
    };
    format!(
        "minimal failing input: {}\nshrunk in {} step(s), {source}",
        shown.replace(['\n', '\r'], " "),
        summary.shrink_steps.unwrap_or(0)
    )
}

/// A directory for every regressions file instead of proptest's place
/// beside the sources: for read-only checkouts, and for tests of tests.
pub(crate) const REGRESSIONS_DIR_ENV: &str = "LEANVIBE_PROPTEST_REGRESSIONS";

fn regressions_of(site: &PropertySite) -> Regressions {
    if let Some(dir) = std::env::var_os(REGRESSIONS_DIR_ENV) {
        let stem = std::path::Path::new(site.file).with_extension("txt");
        let name = stem.file_name().unwrap_or(stem.as_os_str());
        return Regressions {
            path: std::path::Path::new(&dir).join(name),
        };
    }
    // `file!()` is relative to the workspace root the crate was built in;
    // the manifest directory is inside it.
    let mut root = std::path::PathBuf::from(site.manifest_dir);
    let source = loop {
        let candidate = root.join(site.file);
        if candidate.is_file() || !root.pop() {
            break candidate;
        }
    };
    Regressions::for_source(&source)
}

/// The seed of case `index` of a run seeded with `run_seed`: 32 bytes, as
/// proptest's ChaCha generator takes.
fn case_seed(run_seed: u64, index: u64) -> [u8; 32] {
    let mut seed = [0u8; 32];
    for (lane, chunk) in seed.chunks_mut(8).enumerate() {
        let word = xxhash_rust::xxh64::xxh64(&index.to_le_bytes(), run_seed ^ lane as u64);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    seed
}

enum Outcome<V> {
    Passed,
    Rejected,
    Failed { input: String, value: V, steps: u32 },
    Aborted(String),
}

/// The strategy and the case runner, for one case at a time.
struct Search<'a, S: Strategy, D, F> {
    strategy: &'a S,
    /// `x = 0, y = ""`: the value with the parameters' names.
    describe: &'a D,
    one_case: &'a F,
    max_shrink_iters: u32,
    /// A skip or a setup error raised by a case: it ends the test, as it
    /// would a plain one, and the remaining cases and shrinking are cut short.
    stopped: RefCell<Option<Box<dyn Any + Send>>>,
}

impl<S, D, F> Search<'_, S, D, F>
where
    S: Strategy,
    D: Fn(&S::Value) -> String,
    F: Fn(S::Value) -> Result<(), String>,
{
    /// Generates the case of `seed` and runs it; a failure is shrunk.
    fn one(&self, seed: &[u8; 32]) -> Outcome<S::Value> {
        let config = proptest::test_runner::Config {
            cases: 1,
            max_shrink_iters: self.max_shrink_iters,
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, seed));
        let tree = match self.strategy.new_tree(&mut runner) {
            Ok(tree) => tree,
            Err(reason) => {
                return Outcome::Aborted(format!(
                    "the strategy could not generate a case: {reason}"
                ));
            }
        };
        let steps = std::cell::Cell::new(0u32);
        let result = runner.run_one(tree, |value| {
            steps.set(steps.get() + 1);
            self.guarded(value)
        });
        match result {
            Ok(true) => Outcome::Passed,
            Ok(false) => Outcome::Rejected,
            Err(TestError::Fail(_, value)) => Outcome::Failed {
                input: (self.describe)(&value),
                value,
                steps: steps.get().saturating_sub(1),
            },
            Err(TestError::Abort(reason)) => Outcome::Aborted(reason.to_string()),
        }
    }

    /// One case, its panics caught here: a skip or setup error is kept for
    /// the test, anything else is a failure for proptest to shrink.
    fn guarded(&self, value: S::Value) -> Result<(), TestCaseError> {
        if self.stopped.borrow().is_some() {
            return Err(TestCaseError::fail("stopped"));
        }
        match panic::catch_unwind(AssertUnwindSafe(|| (self.one_case)(value))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(TestCaseError::fail(message)),
            Err(payload) if payload.is::<TestCaseError>() => {
                Err(*payload.downcast::<TestCaseError>().expect("checked"))
            }
            Err(payload) if crate::runner::execute::ends_the_test(payload.as_ref()) => {
                *self.stopped.borrow_mut() = Some(payload);
                Err(TestCaseError::fail("stopped"))
            }
            Err(payload) => Err(TestCaseError::fail(crate::runner::execute::payload_text(
                payload.as_ref(),
            ))),
        }
    }
}

/// What a case's body returned, on its way to the harness's result. A body
/// returning `Result<(), TestCaseError>` (so that `prop_assume!` and
/// `prop_assert!` work in it) is read as proptest means it: a rejection
/// discards the case, a failure is one with its reason. Any other return
/// type converts as a plain test's does. Generated code calls
/// `(&&CaseResult::new(value)).case_result()`: method lookup tries the impl
/// on `&CaseResult` first, which exists only for proptest's result, then
/// the one on `CaseResult` (autoref specialisation, stable Rust).
pub struct CaseResult<T>(std::cell::Cell<Option<T>>);

impl<T> CaseResult<T> {
    /// Wraps what the body returned.
    pub fn new(value: T) -> Self {
        CaseResult(std::cell::Cell::new(Some(value)))
    }

    fn take(&self) -> T {
        self.0.take().expect("a case result is converted once")
    }
}

/// See [`CaseResult`]: proptest's own result.
pub trait FromProptest {
    /// The harness's result, a rejection ending the case.
    fn case_result(&self) -> Result<(), String>;
}

impl FromProptest for &CaseResult<Result<(), TestCaseError>> {
    fn case_result(&self) -> Result<(), String> {
        match self.take() {
            Ok(()) => Ok(()),
            // `Search::guarded` hands this payload back to proptest.
            Err(reject @ TestCaseError::Reject(_)) => panic::resume_unwind(Box::new(reject)),
            Err(TestCaseError::Fail(reason)) => Err(reason.to_string()),
        }
    }
}

/// See [`CaseResult`]: anything a plain test may return.
pub trait FromTestResult {
    /// The harness's result.
    fn case_result(&self) -> Result<(), String>;
}

impl<T: crate::__private::IntoTestResult> FromTestResult for CaseResult<T> {
    fn case_result(&self) -> Result<(), String> {
        self.take().into_test_result()
    }
}

/// Runs one case's body (after its fixtures are built) and records its
/// time as one measured run of the test.
pub fn case(body: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let started = Instant::now();
    let result = body();
    crate::measure::record_case(started.elapsed());
    result
}

/// [`case`] for an async body: the runtime is built and the fixtures set
/// up outside the timed part, as for a plain async test.
pub fn case_async<V, SF, F>(
    config: crate::__private::AsyncConfig,
    setup: impl FnOnce() -> SF,
    body: impl FnOnce(V) -> F,
) -> Result<(), String>
where
    SF: std::future::Future<Output = V>,
    F: std::future::Future<Output = Result<(), String>>,
{
    let runtime = crate::__private::build_runtime(config)?;
    let values = runtime.block_on(setup());
    let future = body(values);
    let started = Instant::now();
    let result = runtime.block_on(future);
    crate::measure::record_case(started.elapsed());
    drop(runtime);
    result
}

#[cfg(test)]
mod tests;
