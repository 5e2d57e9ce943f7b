//! Running one test in the current process: the body (warm-up and measured
//! runs), panics, `should_panic`, budgets and retries, into an [`TestOutcome`].
//!
//! Both a pool worker and the in-process mode call [`run_test`]; neither
//! knows anything else about how a test is judged.

use super::retry::RetryFilter;
use crate::__private::{KindedFailure, SetupFailure};
use crate::measure;
use crate::record::{Attempt, Failure, FailureKind, Measurements, Status, TestOutcome};
use crate::registry::{Budget, ShouldPanic, TestCase};
use crate::skip::Skipped;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Instant;

thread_local! {
    /// Where and why the last panic on this thread happened, recorded by our
    /// hook: `catch_unwind` gives the payload but not the location.
    static LAST_PANIC: RefCell<Option<PanicReport>> = const { RefCell::new(None) };
    /// The body running on this thread is `should_panic`: its panic is the
    /// expected outcome, not news.
    static PANIC_EXPECTED: Cell<bool> = const { Cell::new(false) };
    /// The heap budget (bytes) of the test running on this thread, its
    /// attribute's or else the profile's: for library code that judges the
    /// heap per call inside a test (the security suite's `oversize`).
    static HEAP_BUDGET: Cell<Option<u64>> = const { Cell::new(None) };
    /// A line to put first in this run's failure message: a property test's
    /// minimal input.
    static FAILURE_NOTE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics on this thread are expected for now and not printed: a property
/// test's search, whose failing cases are shrunk, not news. The minimal
/// case is run again with this off, so its panic prints as any test's.
#[cfg(feature = "proptest")]
pub(crate) fn quiet_panics(quiet: bool) {
    PANIC_EXPECTED.with(|expected| expected.set(quiet));
}

/// Puts `note` first in the message of this run's failure, if it fails.
#[cfg(feature = "proptest")]
pub(crate) fn note_failure(note: String) {
    FAILURE_NOTE.with(|slot| *slot.borrow_mut() = Some(note));
}

/// Whether a panic payload ends the test as it is, whatever catches it: a
/// skip or a fixture's setup error.
#[cfg(feature = "proptest")]
pub(crate) fn ends_the_test(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.is::<Skipped>() || payload.is::<SetupFailure>()
}

/// The heap budget of the test running on this thread (`max_mb`/`max_kb`
/// from its attribute, else from the `leanvibe.toml` profile), if any.
#[cfg(feature = "security")]
pub(crate) fn running_heap_budget() -> Option<u64> {
    HEAP_BUDGET.with(Cell::get)
}

#[derive(Debug, Clone)]
struct PanicReport {
    message: String,
    location: Option<String>,
}

/// Installs a panic hook that records the panic for [`run_test`] and then
/// prints it as the default hook does (into the captured stderr, where
/// libtest users expect it).
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let report = PanicReport {
                message: payload_text(info.payload()),
                location: info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
            };
            // `try_with`: a panic during thread teardown must not panic again.
            let _ = LAST_PANIC.try_with(|slot| *slot.borrow_mut() = Some(report));
            // A `should_panic` body's own panic is not printed: with
            // RUST_BACKTRACE set, the default hook would capture and
            // symbolise a backtrace for every passing test, into its output
            // and the reports. What a wrong panic said is in the failure
            // message (`judge_run`). Panics on other threads still print.
            if PANIC_EXPECTED.try_with(Cell::get).unwrap_or(false) {
                return;
            }
            // Printing (and, with RUST_BACKTRACE set, capturing a backtrace)
            // is diagnostics, not the test: neither its heap nor its time
            // counts against the budgets.
            let started = Instant::now();
            crate::budget::alloc::uncounted(|| default_hook(info));
            measure::exclude(started.elapsed());
        }));
    });
}

/// The message of a panic payload (`&str` or `String`), as the default hook
/// prints it.
pub(crate) fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}

/// How one run of the body ended.
enum RunEnd {
    Returned(Result<(), String>),
    Panicked(PanicReport),
    /// A fixture failed before the body ran (`__private::fail_setup`).
    SetupFailed(String),
    /// The test called `leanvibe_test::skip`.
    Skipped(String),
    /// Library code ended the test with a failure of its own kind.
    Kinded(Failure),
}

fn run_body_once(case: &TestCase) -> (RunEnd, f64) {
    measure::reset();
    LAST_PANIC.with(|slot| slot.borrow_mut().take());
    FAILURE_NOTE.with(|slot| slot.borrow_mut().take());
    PANIC_EXPECTED.with(|expected| expected.set(case.attrs.should_panic != ShouldPanic::No));
    let started = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(case.body));
    let elapsed_ms = measure::elapsed_ms(started);
    PANIC_EXPECTED.with(|expected| expected.set(false));
    let end = match result {
        Ok(returned) => RunEnd::Returned(returned),
        Err(payload) if payload.is::<Skipped>() => {
            let skipped = payload.downcast::<Skipped>().expect("checked by is()");
            RunEnd::Skipped(skipped.reason)
        }
        Err(payload) if payload.is::<KindedFailure>() => {
            let kinded = payload
                .downcast::<KindedFailure>()
                .expect("checked by is()");
            RunEnd::Kinded(kinded.failure)
        }
        Err(payload) if payload.is::<SetupFailure>() => {
            let failure = payload.downcast::<SetupFailure>().expect("checked by is()");
            RunEnd::SetupFailed(failure.message)
        }
        Err(payload) => {
            let recorded = LAST_PANIC.with(|slot| slot.borrow_mut().take());
            RunEnd::Panicked(recorded.unwrap_or_else(|| PanicReport {
                message: payload_text(payload.as_ref()),
                location: None,
            }))
        }
    };
    (with_note(end), elapsed_ms)
}

/// The end of a run with its failure note, if the body left one, first in
/// the message.
fn with_note(end: RunEnd) -> RunEnd {
    let Some(note) = FAILURE_NOTE.with(|slot| slot.borrow_mut().take()) else {
        return end;
    };
    let noted = |message: String| format!("{note}\n{message}");
    match end {
        RunEnd::Returned(Err(message)) => RunEnd::Returned(Err(noted(message))),
        RunEnd::Kinded(mut failure) => {
            failure.message = noted(failure.message);
            RunEnd::Kinded(failure)
        }
        RunEnd::Panicked(mut report) => {
            report.message = noted(report.message);
            RunEnd::Panicked(report)
        }
        other => other,
    }
}

/// Runs `case` with its effective `budget` (attributes merged over the
/// profile), retrying a failure while `budget.retries` allows and `retry`
/// lets it. `attempts_before` attempts already ran elsewhere (in workers
/// that crashed). Each failed attempt that is retried goes to `on_retry`
/// as it happens, so the caller can keep it, and the output it wrote, even
/// if a later attempt takes the process down.
pub(crate) fn run_test(
    case: &TestCase,
    budget: &Budget,
    retry: &RetryFilter,
    attempts_before: u32,
    on_retry: &mut dyn FnMut(Attempt),
) -> TestOutcome {
    let started = Instant::now();
    let attempts_allowed = budget.retries.unwrap_or(0).saturating_add(1);
    let mut attempts = attempts_before;
    loop {
        attempts += 1;
        let attempt_started = Instant::now();
        let (status, mut measurements) = run_attempt(case, budget);
        let retried = match &status {
            Status::Failed(failure) if attempts < attempts_allowed && retry.allows(failure) => {
                Some(failure.clone())
            }
            _ => None,
        };
        let Some(failure) = retried else {
            measurements.attempts = attempts;
            return TestOutcome {
                status,
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
                measurements,
                earlier_attempts: Vec::new(),
                extra: crate::attach::take(),
            };
        };
        on_retry(Attempt {
            failure,
            duration_ms: attempt_started.elapsed().as_secs_f64() * 1000.0,
            stdout: Vec::new(),
            stderr: Vec::new(),
        });
    }
}

fn run_attempt(case: &TestCase, budget: &Budget) -> (Status, Measurements) {
    let warmup = budget.warmup.unwrap_or(0);
    let measured = budget.iterations.unwrap_or(1).max(1);
    HEAP_BUDGET.with(|slot| slot.set(budget.max_heap_bytes));
    let meter = crate::budget::TestMeter::start(budget);
    let mut runs_ms = Vec::with_capacity(measured as usize);
    let mut verdict = None;
    for run in 0..warmup + measured {
        let (end, elapsed_ms) = run_body_once(case);
        if let RunEnd::Skipped(reason) = end {
            let status = Status::Ignored {
                reason: Some(reason),
            };
            HEAP_BUDGET.with(|slot| slot.set(None));
            return (status, meter.finish());
        }
        // A property test times each case: those are its runs.
        let cases = measure::take_cases();
        if run >= warmup {
            match cases {
                Some(cases) => runs_ms.extend(cases),
                None => runs_ms.push(elapsed_ms),
            }
        }
        if let Some(failure) = judge_run(case.attrs.should_panic, end) {
            verdict = Some(failure);
            break;
        }
    }
    HEAP_BUDGET.with(|slot| slot.set(None));
    let mut measurements = meter.finish();
    measurements.runs_ms = runs_ms;
    let failure = verdict.or_else(|| crate::budget::check(budget, &measurements));
    let status = match failure {
        Some(failure) => Status::Failed(failure),
        None => Status::Passed,
    };
    (status, measurements)
}

/// libtest's rules for one run; `None` means it passed.
fn judge_run(should_panic: ShouldPanic, end: RunEnd) -> Option<Failure> {
    let fail = |kind, message: String| Some(Failure::new(kind, message));
    match (should_panic, end) {
        (_, RunEnd::SetupFailed(message)) => fail(FailureKind::Setup, message),
        (_, RunEnd::Kinded(failure)) => Some(failure),
        (_, RunEnd::Skipped(_)) => unreachable!("a skip ends the attempt before it is judged"),
        (ShouldPanic::No, RunEnd::Returned(Ok(()))) => None,
        (ShouldPanic::No, RunEnd::Returned(Err(message))) => fail(FailureKind::Error, message),
        (ShouldPanic::No, RunEnd::Panicked(report)) => Some(Failure {
            kind: FailureKind::Panic,
            message: report.message,
            location: report.location,
        }),
        (_, RunEnd::Returned(_)) => fail(
            FailureKind::ShouldPanic,
            "test did not panic as expected".into(),
        ),
        (ShouldPanic::Yes, RunEnd::Panicked(_)) => None,
        (ShouldPanic::WithMessage(expected), RunEnd::Panicked(report)) => {
            if report.message.contains(expected) {
                None
            } else {
                fail(
                    FailureKind::ShouldPanic,
                    format!(
                        "panic did not contain expected string\n      panic message: {:?}\n expected substring: {:?}",
                        report.message, expected
                    ),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panicked(message: &str) -> RunEnd {
        RunEnd::Panicked(PanicReport {
            message: message.into(),
            location: Some("src/lib.rs:1:1".into()),
        })
    }

    #[test]
    fn should_panic_rules_match_libtest() {
        assert!(judge_run(ShouldPanic::No, RunEnd::Returned(Ok(()))).is_none());
        let failure = judge_run(ShouldPanic::No, panicked("boom")).unwrap();
        assert_eq!(failure.kind, FailureKind::Panic);
        assert_eq!(failure.headline(), "boom");
        assert_eq!(failure.full_text(), "panicked at src/lib.rs:1:1:\nboom");
        let failure = judge_run(
            ShouldPanic::No,
            RunEnd::Returned(Err("Error: \"x\"".into())),
        )
        .unwrap();
        assert_eq!(failure.kind, FailureKind::Error);
        assert!(judge_run(ShouldPanic::Yes, panicked("anything")).is_none());
        let failure = judge_run(ShouldPanic::Yes, RunEnd::Returned(Ok(()))).unwrap();
        assert_eq!(failure.message, "test did not panic as expected");
        assert!(
            judge_run(
                ShouldPanic::WithMessage("out of bounds"),
                panicked("index out of bounds: 1")
            )
            .is_none()
        );
        let failure = judge_run(
            ShouldPanic::WithMessage("overflow"),
            panicked("index out of bounds"),
        )
        .unwrap();
        assert_eq!(failure.kind, FailureKind::ShouldPanic);
        assert!(failure.message.contains("expected substring: \"overflow\""));
    }
}
