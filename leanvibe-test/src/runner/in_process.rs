//! Running tests one after another in the harness process: `--in-process`
//! (for debuggers) and under nextest (which gives each test its own process
//! and supervises it).
//!
//! A test here shares the harness's fate, so three things that would end the
//! process end the run in order instead, each through [`Guard::stop`]: the
//! running test fails with the reason, the reports are written (marked as a
//! run that did not complete), and the process exits.
//!
//! | what | caught by | verdict of the running test | exit code |
//! |---|---|---|---|
//! | past `timeout_ms` | a watchdog thread | `timeout` | 101 |
//! | SIGINT, SIGTERM, SIGHUP | the [`interrupt`](super::interrupt) thread | `interrupted` | 128 + signal |
//! | `std::process::exit(n)`, any `n` | an `atexit` handler | `crash` | 101 |
//!
//! A test that aborts, segfaults or overflows its stack kills the process
//! before any code of ours can run, as under libtest: the event stream holds
//! the run up to that test, and no JUnit or CTRF file is left (a stale one
//! was removed when the run started). The pool, the default, has none of
//! these limits, and resumes a test that saved a
//! [`checkpoint`](super::checkpoint) (the security suite) after its crash;
//! here only an `exit` is caught, its message naming the last checkpoint.

use super::capture::FdCapture;
use super::interrupt::{self, Signal};
use super::{Dispatch, RunSettings, execute, failed_outcome, record};
use crate::plan::PlannedTest;
use crate::record::{Attempt, FailureKind, TestRecord};
use crate::report::{RunEnd, RunEvent};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// What the three stop paths share with the loop running the tests.
struct Guard {
    dispatch: Mutex<Dispatch>,
    capture: Mutex<Option<FdCapture>>,
    state: Mutex<State>,
    wake: Condvar,
    run_started: Instant,
    output_cap: usize,
}

struct State {
    running: Option<Running>,
    /// Tests started so far (the running one included).
    started: usize,
    total: usize,
    /// The loop has run every test and is writing the reports.
    done: bool,
}

/// The test in progress.
struct Running {
    /// Its record, to fill in if the run stops while it runs.
    record: TestRecord,
    started: Instant,
    deadline: Instant,
    timeout: Duration,
}

/// Why the run stops early.
enum Stop {
    Timeout,
    Signal(Signal),
    Exit,
}

/// The guard of this process's in-process run, for the `atexit` handler.
static GUARD: OnceLock<Arc<Guard>> = OnceLock::new();

pub(super) fn run(
    tests: &[&PlannedTest],
    settings: &RunSettings,
    dispatch: Dispatch,
    run_started: Instant,
) -> i32 {
    execute::install_panic_hook();
    let capture = match settings.capture.then(FdCapture::new).transpose() {
        Ok(capture) => capture,
        Err(e) => return cannot_capture(tests, settings, dispatch, run_started, e),
    };
    let guard = Arc::new(Guard {
        dispatch: Mutex::new(dispatch),
        capture: Mutex::new(capture),
        state: Mutex::new(State {
            running: None,
            started: 0,
            total: tests.len(),
            done: false,
        }),
        wake: Condvar::new(),
        run_started,
        output_cap: settings.output_cap,
    });
    arm_stop_paths(&guard);
    for test in tests {
        let budget = settings.budget_for(test);
        {
            let mut dispatch = lock(&guard.dispatch);
            dispatch.emit(&RunEvent::TestStarted { name: &test.name });
            // The test may run long, or end the process: show and record
            // what is done so far first.
            dispatch.flush();
        }
        let timeout = settings.timeout_for(test);
        let now = Instant::now();
        {
            let mut state = lock(&guard.state);
            state.started += 1;
            state.running = Some(Running {
                record: record(
                    test,
                    budget,
                    super::ignored_outcome(crate::registry::Ignore::No),
                    vec![],
                    vec![],
                ),
                started: now,
                deadline: now + timeout,
                timeout,
            });
        }
        guard.wake.notify_all();
        if let Some(capture) = lock(&guard.capture).as_mut()
            && let Err(e) = capture.begin()
        {
            eprintln!("error: cannot capture test output: {e}");
        }
        let mut on_retry = |mut attempt: Attempt| {
            // Flushed holding no lock: if a thread the attempt left behind
            // holds stdout's lock, this blocks, and the watchdog or a
            // signal can still stop the run.
            super::capture::flush_std();
            // `state` before `capture`, as the stop paths take them, so a
            // stop finds the attempt with its output or not at all.
            let mut state = lock(&guard.state);
            if let Some(capture) = lock(&guard.capture).as_mut() {
                (attempt.stdout, attempt.stderr) =
                    capture.cut(settings.output_cap).unwrap_or_default();
            }
            if let Some(running) = state.running.as_mut() {
                // Kept where the stop paths find it, and each attempt gets
                // the whole timeout.
                running.record.outcome.earlier_attempts.push(attempt);
                running.deadline = Instant::now() + running.timeout;
            }
        };
        super::checkpoint::begin_in_process();
        let mut outcome = execute::run_test(test.case, &budget, &settings.retry, 0, &mut on_retry);
        super::checkpoint::end();
        // Disarmed first: a test that has returned is not a timeout.
        if let Some(running) = lock(&guard.state).running.take() {
            outcome.earlier_attempts = running.record.outcome.earlier_attempts;
        }
        let (stdout, stderr) = match lock(&guard.capture).as_mut() {
            Some(capture) => capture.end(settings.output_cap).unwrap_or_default(),
            None => Default::default(),
        };
        let record = record(test, budget, outcome, stdout, stderr);
        lock(&guard.dispatch).finished(&record);
    }
    // From here a signal or the final `exit` no longer stops anything.
    lock(&guard.state).done = true;
    lock(&guard.dispatch).finish(run_started, &RunEnd::Completed)
}

fn cannot_capture(
    tests: &[&PlannedTest],
    settings: &RunSettings,
    mut dispatch: Dispatch,
    run_started: Instant,
    e: std::io::Error,
) -> i32 {
    eprintln!("error: cannot capture test output: {e}");
    for test in tests {
        let outcome = failed_outcome(
            FailureKind::Harness,
            format!("not run: cannot capture test output: {e}"),
            Duration::ZERO,
        );
        let budget = settings.budget_for(test);
        dispatch.finished(&record(test, budget, outcome, vec![], vec![]));
    }
    dispatch.finish(run_started, &RunEnd::Completed)
}

/// Starts the watchdog, and routes signals and `exit` to [`Guard::stop`].
fn arm_stop_paths(guard: &Arc<Guard>) {
    let watchdog = guard.clone();
    let spawned = std::thread::Builder::new()
        .name("leanvibe-watchdog".into())
        .spawn(move || watchdog.watch());
    if let Err(e) = spawned {
        eprintln!("warning: no watchdog thread ({e}): in-process timeouts are not enforced");
    }
    let on_signal = guard.clone();
    if let Some(interrupts) = interrupt::listen()
        && let Err(e) = interrupts.on_thread(move |signal| on_signal.stop(Stop::Signal(signal)))
    {
        eprintln!("warning: no signal thread ({e}): an interrupted run writes no reports");
    }
    if GUARD.set(guard.clone()).is_ok() {
        // SAFETY: registers a plain `extern "C" fn()`; it runs during `exit`.
        unsafe { libc::atexit(on_exit) };
    }
}

extern "C" fn on_exit() {
    if let Some(guard) = GUARD.get() {
        guard.stop(Stop::Exit);
    }
}

impl Guard {
    /// The watchdog: waits for the running test's deadline.
    fn watch(&self) {
        let mut state = lock(&self.state);
        loop {
            let wait = match state.running.as_ref() {
                Some(running) => running.deadline.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if wait.is_zero() && state.running.is_some() {
                drop(state);
                self.stop(Stop::Timeout);
                state = lock(&self.state);
                continue;
            }
            state = self
                .wake
                .wait_timeout(state, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Ends the run early: fails the running test (if any) with the reason,
    /// writes the reports and exits. Returns once the loop is done (the
    /// harness is exiting on its own, as it should). The state lock is held
    /// to the end, so the test loop cannot start another test.
    fn stop(&self, why: Stop) {
        let mut state = lock(&self.state);
        if state.done {
            return;
        }
        let running = state.running.take();
        if running.is_none() && matches!(why, Stop::Timeout) {
            return;
        }
        let not_run = state.total - state.started;
        let (kind, message, reason, code) = match &why {
            Stop::Timeout => {
                let timeout = running.as_ref().map_or(0, |r| r.timeout.as_millis());
                (
                    FailureKind::Timeout,
                    format!(
                        "timed out: still running after {timeout} ms (timeout_ms); running in-process, so the harness exits"
                    ),
                    "a test timed out in the harness process".to_string(),
                    101,
                )
            }
            Stop::Signal(signal) => (
                FailureKind::Interrupted,
                format!(
                    "interrupted by {}: the run was stopped while this test was running",
                    signal.name()
                ),
                format!("interrupted by {}", signal.name()),
                signal.exit_code(),
            ),
            Stop::Exit => (
                FailureKind::Crash,
                format!(
                    "the test called `std::process::exit` while running in the harness process, which ends the run{}",
                    super::checkpoint::last_note()
                        .map(|note| format!(" (at its last checkpoint: {note})"))
                        .unwrap_or_default()
                ),
                "a test called `std::process::exit` in the harness process".to_string(),
                101,
            ),
        };
        let mut dispatch = lock(&self.dispatch);
        if let Some(running) = running {
            // Without flushing std's buffers: the test may hold their locks
            // (it is still running), and waiting for them could be forever.
            let (stdout, stderr) = match lock(&self.capture).as_mut() {
                Some(capture) => capture.end_unflushed(self.output_cap).unwrap_or_default(),
                None => Default::default(),
            };
            let mut record = running.record;
            let earlier = std::mem::take(&mut record.outcome.earlier_attempts);
            record.outcome = failed_outcome(kind, message, running.started.elapsed());
            record.outcome.measurements.attempts = earlier.len() as u32 + 1;
            record.outcome.earlier_attempts = earlier;
            record.stdout = stdout;
            record.stderr = stderr;
            dispatch.finished(&record);
        }
        dispatch.finish(self.run_started, &RunEnd::Stopped { reason, not_run });
        // `_exit`: from inside `exit` (the atexit path) a second `exit` is
        // undefined, and nothing else needs to run.
        // SAFETY: ends the process.
        unsafe { libc::_exit(code) }
    }
}

/// Locks a mutex whose holder may have panicked: the guarded values here are
/// plain data that a panic cannot leave half-updated.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
