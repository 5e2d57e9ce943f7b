//! Execution: the selected tests run either in a pool of worker processes
//! (the default, also for a single test) or one after another inside the
//! harness (`--in-process`, and under nextest, which already gives every test
//! a process of its own). Either way every result becomes a [`TestRecord`]
//! sent to the reporters as events.

pub(crate) mod capture;
pub(crate) mod checkpoint;
pub(crate) mod execute;
mod in_process;
mod interrupt;
mod pool;
mod protocol;
pub(crate) mod retry;
pub(crate) mod spawn;
pub(crate) mod worker;

use crate::plan::{Plan, PlannedTest};
use crate::record::{Failure, FailureKind, Measurements, Status, TestOutcome, TestRecord};
use crate::registry::{Budget, Ignore};
use crate::report::{Reporter, RunEnd, RunEvent, RunInfo, RunSummary, stdio};
use std::time::{Duration, Instant};

/// Catches SIGINT, SIGTERM and SIGHUP from now on, so that one that comes
/// before the tests start still ends the run in order.
pub(crate) fn listen_for_interrupts() {
    let _ = interrupt::listen();
}

/// Settings for one run, resolved from the command line, the profile and the
/// environment.
pub(crate) struct RunSettings {
    /// Worker processes for the pool.
    pub workers: usize,
    /// Capture output (false with `--nocapture`).
    pub capture: bool,
    /// Run in this process instead of a pool.
    pub in_process: bool,
    /// Timeout for tests that set no `timeout_ms`.
    pub default_timeout: Duration,
    /// The `leanvibe.toml` profile: budget defaults under each test's own.
    pub profile: crate::config::Profile,
    /// Bytes of each test's stdout and stderr the harness keeps.
    pub output_cap: usize,
    /// Which failures are retried (`--only-rerun`), retries allowing.
    pub retry: retry::RetryFilter,
    /// A flaky test fails the run (`--flaky-result fail`).
    pub flaky_fails: bool,
}

impl RunSettings {
    fn budget_for(&self, test: &PlannedTest) -> Budget {
        self.profile.apply(&test.case.attrs.budget)
    }

    fn timeout_for(&self, test: &PlannedTest) -> Duration {
        test.case
            .attrs
            .timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(self.default_timeout)
    }
}

/// Fans events out to every reporter and keeps the counts. A reporter that
/// fails is remembered and shown at the end; the others go on.
pub(crate) struct Dispatch {
    reporters: Vec<Box<dyn Reporter>>,
    summary: RunSummary,
    errors: Vec<String>,
    /// `--flaky-result fail`: see [`flaky_verdict`].
    flaky_fails: bool,
}

impl Dispatch {
    /// `errors` are problems met while setting up the sinks: shown at the
    /// end, and they make the run fail, but the tests still run.
    pub(crate) fn new(
        reporters: Vec<Box<dyn Reporter>>,
        filtered_out: usize,
        errors: Vec<String>,
        flaky_fails: bool,
    ) -> Dispatch {
        Dispatch {
            reporters,
            summary: RunSummary {
                filtered_out,
                ..RunSummary::default()
            },
            errors,
            flaky_fails,
        }
    }

    fn emit(&mut self, event: &RunEvent<'_>) {
        for reporter in &mut self.reporters {
            if let Err(e) = reporter.on_event(event)
                && self.errors.len() < 10
            {
                self.errors
                    .push(format!("a report could not be written: {e}"));
            }
        }
    }

    /// Lets every reporter write out what it buffered.
    fn flush(&mut self) {
        for reporter in &mut self.reporters {
            if let Err(e) = reporter.flush()
                && self.errors.len() < 10
            {
                self.errors
                    .push(format!("a report could not be written: {e}"));
            }
        }
    }

    fn finished(&mut self, record: &TestRecord) {
        if self.flaky_fails && record.is_flaky() {
            let mut failed = record.clone();
            failed.outcome.status = Status::Failed(flaky_verdict(record));
            self.summary.count(&failed);
            self.emit(&RunEvent::TestFinished(&failed));
            return;
        }
        self.summary.count(record);
        self.emit(&RunEvent::TestFinished(record));
    }

    /// Ends the run: the summary event, reporter errors, the report paths.
    /// Returns libtest's exit code: 0 when the run completed and nothing
    /// failed, 101 otherwise.
    pub(crate) fn finish(&mut self, started: Instant, end: &RunEnd) -> i32 {
        let summary = self.summary.clone();
        let elapsed_s = started.elapsed().as_secs_f64();
        self.emit(&RunEvent::RunFinished {
            summary: &summary,
            elapsed_s,
            end,
        });
        for error in &self.errors {
            stdio::eprint_line(&format!("error: {error}"));
        }
        let paths: Vec<String> = self
            .reporters
            .iter()
            .flat_map(|r| r.written_paths())
            .map(|p| p.display().to_string())
            .collect();
        if !paths.is_empty() {
            stdio::print_line(&format!("reports: {}", paths.join(" ")));
        }
        if summary.failed > 0 || !self.errors.is_empty() || !end.is_completed() {
            101
        } else {
            0
        }
    }
}

/// What a flaky test fails with when the run counts flakiness as failure
/// (`--flaky-result fail`): it passed, so the headline says on which
/// attempt, and the first failure it had.
fn flaky_verdict(record: &TestRecord) -> Failure {
    let attempts = record.outcome.measurements.attempts;
    let first = record
        .outcome
        .earlier_attempts
        .first()
        .map(|a| format!("{}: {}", a.failure.kind.as_str(), a.failure.headline()))
        .unwrap_or_else(|| "a failure".to_owned());
    Failure::new(
        FailureKind::Flaky,
        format!(
            "flaky: passed on attempt {attempts} after {first} (--flaky-result fail counts this as a failure)"
        ),
    )
}

/// Builds the record reporters get from what the runner knows.
fn record(
    test: &PlannedTest,
    budget: Budget,
    outcome: TestOutcome,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
) -> TestRecord {
    let case = test.case;
    TestRecord {
        name: test.name.clone(),
        module: case.module().to_string(),
        file: case.file.to_string(),
        line: case.line,
        tags: case.attrs.tags.iter().map(|t| t.to_string()).collect(),
        kind: case.attrs.kind.to_string(),
        budget,
        outcome,
        stdout,
        stderr,
    }
}

/// The outcome of a test the harness failed itself (it crashed, hung, was
/// interrupted, or could not be run).
fn failed_outcome(kind: FailureKind, message: String, duration: Duration) -> TestOutcome {
    TestOutcome {
        status: Status::Failed(Failure::new(kind, message)),
        duration_ms: duration.as_secs_f64() * 1000.0,
        measurements: Measurements {
            attempts: 1,
            ..Measurements::default()
        },
        earlier_attempts: Vec::new(),
        extra: Default::default(),
    }
}

fn ignored_outcome(ignore: Ignore) -> TestOutcome {
    TestOutcome {
        status: Status::Ignored {
            reason: match ignore {
                Ignore::Because(reason) => Some(reason.to_string()),
                _ => None,
            },
        },
        duration_ms: 0.0,
        measurements: Measurements::default(),
        earlier_attempts: Vec::new(),
        extra: Default::default(),
    }
}

/// Runs the plan and returns the exit code.
pub(crate) fn run(
    plan: &Plan,
    settings: &RunSettings,
    info: RunInfo,
    mut dispatch: Dispatch,
) -> i32 {
    let started = Instant::now();
    dispatch.emit(&RunEvent::RunStarted(&info));
    for test in plan.tests.iter().filter(|t| !t.run) {
        let record = record(
            test,
            Budget::NONE,
            ignored_outcome(test.case.attrs.ignore),
            vec![],
            vec![],
        );
        dispatch.finished(&record);
    }
    let runnable: Vec<&PlannedTest> = plan.tests.iter().filter(|t| t.run).collect();
    if settings.in_process {
        in_process::run(&runnable, settings, dispatch, started)
    } else {
        in_pool(&runnable, settings, dispatch, started)
    }
}

fn in_pool(
    tests: &[&PlannedTest],
    settings: &RunSettings,
    mut dispatch: Dispatch,
    started: Instant,
) -> i32 {
    let jobs: Vec<pool::Job> = tests
        .iter()
        .map(|test| pool::Job {
            registry_index: test.registry_index,
            name: test.name.clone(),
            budget: settings.budget_for(test),
            timeout: settings.timeout_for(test),
        })
        .collect();
    struct Events<'a> {
        tests: &'a [&'a PlannedTest],
        jobs: &'a [pool::Job],
        dispatch: &'a mut Dispatch,
        started: Vec<bool>,
        finished: Vec<bool>,
    }
    impl pool::PoolEvents for Events<'_> {
        fn started(&mut self, job: usize) {
            // A test the pool gave back (its worker was stopped before it
            // began) starts again elsewhere: one `started` is enough.
            if std::mem::replace(&mut self.started[job], true) {
                return;
            }
            self.dispatch.emit(&RunEvent::TestStarted {
                name: &self.tests[job].name,
            });
        }
        fn finished(&mut self, job: usize, outcome: TestOutcome, stdout: Vec<u8>, stderr: Vec<u8>) {
            // Each job is reported once; the pool guarantees it. Were it
            // ever not so, a second verdict would be a lie in every report:
            // it is dropped, and the run fails saying why.
            if self.finished[job] {
                self.dispatch.errors.push(format!(
                    "internal error: `{}` got a second verdict, which was dropped",
                    self.tests[job].name
                ));
                return;
            }
            self.finished[job] = true;
            let record = record(
                self.tests[job],
                self.jobs[job].budget,
                outcome,
                stdout,
                stderr,
            );
            self.dispatch.finished(&record);
        }
        fn idle(&mut self) {
            self.dispatch.flush();
        }
    }
    let config = pool::PoolConfig {
        workers: settings.workers,
        capture: settings.capture,
        output_cap: settings.output_cap,
        retry: settings.retry.clone(),
    };
    let mut events = Events {
        tests,
        jobs: &jobs,
        dispatch: &mut dispatch,
        started: vec![false; jobs.len()],
        finished: vec![false; jobs.len()],
    };
    let end = match pool::run(&jobs, &config, &mut events) {
        Ok(pool::PoolEnd::Completed) => RunEnd::Completed,
        Ok(pool::PoolEnd::Stopped { reason, not_run }) => RunEnd::Stopped { reason, not_run },
        Ok(pool::PoolEnd::Interrupted { signal, not_run }) => {
            let end = RunEnd::Stopped {
                reason: format!("interrupted by {}", signal.name()),
                not_run,
            };
            dispatch.finish(started, &end);
            return signal.exit_code();
        }
        Err(e) => {
            eprintln!("error: the worker pool failed: {e}");
            // Every test without a verdict is reported as failed, so the
            // summary and the report files agree with the exit code; the run
            // did not complete.
            let unfinished: Vec<usize> = (0..jobs.len()).filter(|&j| !events.finished[j]).collect();
            for job in unfinished {
                let outcome = failed_outcome(
                    FailureKind::Harness,
                    format!("not run: the worker pool failed: {e}"),
                    Duration::ZERO,
                );
                pool::PoolEvents::finished(&mut events, job, outcome, Vec::new(), Vec::new());
            }
            RunEnd::Stopped {
                reason: format!("the worker pool failed: {e}"),
                not_run: 0,
            }
        }
    };
    dispatch.finish(started, &end)
}
