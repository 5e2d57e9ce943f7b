//! Execution: the selected tests run either in a pool of worker processes
//! (the default) or one after another inside the harness (`--in-process`,
//! under nextest, or when one test is selected). Either way every result
//! becomes a [`TestRecord`] sent to the reporters as events.

pub(crate) mod capture;
pub(crate) mod execute;
mod pool;
mod protocol;
pub(crate) mod worker;

use crate::plan::{Plan, PlannedTest};
use crate::record::{Failure, FailureKind, Measurements, Outcome, Status, TestRecord};
use crate::registry::{Budget, Ignore};
use crate::report::{Event, Reporter, RunInfo, Summary};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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
    summary: Summary,
    errors: Vec<String>,
}

impl Dispatch {
    /// `errors` are problems met while setting up the sinks: shown at the
    /// end, and they make the run fail, but the tests still run.
    pub(crate) fn new(
        reporters: Vec<Box<dyn Reporter>>,
        filtered_out: usize,
        errors: Vec<String>,
    ) -> Dispatch {
        Dispatch {
            reporters,
            summary: Summary {
                filtered_out,
                ..Summary::default()
            },
            errors,
        }
    }

    fn emit(&mut self, event: &Event<'_>) {
        for reporter in &mut self.reporters {
            if let Err(e) = reporter.on_event(event)
                && self.errors.len() < 10
            {
                self.errors.push(e.to_string());
            }
        }
    }

    /// Lets every reporter write out what it buffered.
    fn flush(&mut self) {
        for reporter in &mut self.reporters {
            if let Err(e) = reporter.flush()
                && self.errors.len() < 10
            {
                self.errors.push(e.to_string());
            }
        }
    }

    fn finished(&mut self, record: &TestRecord) {
        self.summary.count(record);
        self.emit(&Event::TestFinished(record));
    }

    /// Ends the run: the summary event, reporter errors, the report paths.
    /// Returns the exit code.
    pub(crate) fn finish(&mut self, started: Instant) -> i32 {
        let summary = self.summary.clone();
        let elapsed_s = started.elapsed().as_secs_f64();
        self.emit(&Event::RunFinished {
            summary: &summary,
            elapsed_s,
        });
        for error in &self.errors {
            eprintln!("error: a report could not be written: {error}");
        }
        let paths: Vec<String> = self
            .reporters
            .iter()
            .flat_map(|r| r.written_paths())
            .map(|p| p.display().to_string())
            .collect();
        if !paths.is_empty() {
            println!("reports: {}", paths.join(" "));
        }
        if summary.failed > 0 || !self.errors.is_empty() {
            101
        } else {
            0
        }
    }
}

/// Builds the record reporters get from what the runner knows.
fn record(
    test: &PlannedTest,
    budget: Budget,
    outcome: Outcome,
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

fn failed_outcome(kind: FailureKind, message: String) -> Outcome {
    Outcome {
        status: Status::Failed(Failure { kind, message }),
        duration_ms: 0.0,
        measurements: Measurements {
            attempts: 1,
            ..Measurements::default()
        },
        extra: Default::default(),
    }
}

fn ignored_outcome(ignore: Ignore) -> Outcome {
    Outcome {
        status: Status::Ignored {
            reason: match ignore {
                Ignore::Because(reason) => Some(reason.to_string()),
                _ => None,
            },
        },
        duration_ms: 0.0,
        measurements: Measurements::default(),
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
    dispatch.emit(&Event::RunStarted(&info));
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
        in_process(&runnable, settings, dispatch, started)
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
        finished: Vec<bool>,
    }
    impl pool::PoolEvents for Events<'_> {
        fn started(&mut self, job: usize) {
            self.dispatch.emit(&Event::TestStarted {
                name: &self.tests[job].name,
            });
        }
        fn finished(&mut self, job: usize, outcome: Outcome, stdout: Vec<u8>, stderr: Vec<u8>) {
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
    };
    let mut events = Events {
        tests,
        jobs: &jobs,
        dispatch: &mut dispatch,
        finished: vec![false; jobs.len()],
    };
    if let Err(e) = pool::run(&jobs, &config, &mut events) {
        eprintln!("error: the worker pool failed: {e}");
        // Every test that did not run is reported as failed, so the summary
        // and the report files agree with the exit code.
        let unfinished: Vec<usize> = (0..jobs.len()).filter(|&j| !events.finished[j]).collect();
        for job in unfinished {
            let outcome = failed_outcome(
                FailureKind::Harness,
                format!("not run: the worker pool failed: {e}"),
            );
            pool::PoolEvents::finished(&mut events, job, outcome, Vec::new(), Vec::new());
        }
    }
    dispatch.finish(started)
}

/// The in-process watchdog: a test past its timeout cannot be killed without
/// killing the harness, so the watchdog reports it, writes the reports, and
/// ends the process with libtest's failure code.
struct Watchdog {
    state: Mutex<Option<Armed>>,
    wake: Condvar,
}

struct Armed {
    deadline: Instant,
    started: Instant,
    timeout: Duration,
    record: TestRecord,
}

fn in_process(
    tests: &[&PlannedTest],
    settings: &RunSettings,
    dispatch: Dispatch,
    started: Instant,
) -> i32 {
    execute::install_panic_hook();
    let dispatch = Arc::new(Mutex::new(dispatch));
    let capture = match settings.capture.then(capture::FdCapture::new).transpose() {
        Ok(capture) => Arc::new(Mutex::new(capture)),
        Err(e) => {
            eprintln!("error: cannot capture test output: {e}");
            let mut dispatch = lock(&dispatch);
            for test in tests {
                let outcome = failed_outcome(
                    FailureKind::Harness,
                    format!("not run: cannot capture test output: {e}"),
                );
                dispatch.finished(&record(
                    test,
                    settings.budget_for(test),
                    outcome,
                    vec![],
                    vec![],
                ));
            }
            return dispatch.finish(started);
        }
    };
    let watchdog = Arc::new(Watchdog {
        state: Mutex::new(None),
        wake: Condvar::new(),
    });
    spawn_watchdog(watchdog.clone(), dispatch.clone(), capture.clone(), started);
    for test in tests {
        let budget = settings.budget_for(test);
        {
            let mut dispatch = lock(&dispatch);
            dispatch.emit(&Event::TestStarted { name: &test.name });
            // The test may run long: show what is done so far first.
            dispatch.flush();
        }
        let timeout = settings.timeout_for(test);
        let now = Instant::now();
        *lock(&watchdog.state) = Some(Armed {
            deadline: now + timeout,
            started: now,
            timeout,
            record: record(test, budget, ignored_outcome(Ignore::No), vec![], vec![]),
        });
        watchdog.wake.notify_all();
        if let Some(capture) = lock(&capture).as_mut()
            && let Err(e) = capture.begin()
        {
            eprintln!("error: cannot capture test output: {e}");
        }
        let outcome = execute::run_test(test.case, &budget);
        // Disarmed first: a test that has returned is not a timeout.
        *lock(&watchdog.state) = None;
        let (stdout, stderr) = match lock(&capture).as_mut() {
            Some(capture) => capture.end().unwrap_or_default(),
            None => Default::default(),
        };
        let record = record(test, budget, outcome, stdout, stderr);
        lock(&dispatch).finished(&record);
    }
    lock(&dispatch).finish(started)
}

fn spawn_watchdog(
    watchdog: Arc<Watchdog>,
    dispatch: Arc<Mutex<Dispatch>>,
    capture: Arc<Mutex<Option<capture::FdCapture>>>,
    run_started: Instant,
) {
    let spawned = std::thread::Builder::new()
        .name("leanvibe-watchdog".into())
        .spawn(move || {
            let mut state = lock(&watchdog.state);
            loop {
                let wait = match state.as_ref() {
                    Some(armed) => armed.deadline.saturating_duration_since(Instant::now()),
                    None => Duration::from_secs(3600),
                };
                if wait.is_zero() && state.is_some() {
                    break;
                }
                state = watchdog
                    .wake
                    .wait_timeout(state, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            let armed = state.take().expect("armed when the deadline passed");
            let (stdout, stderr) = match lock(&capture).as_mut() {
                Some(capture) => capture.end().unwrap_or_default(),
                None => Default::default(),
            };
            let mut record = armed.record;
            record.stdout = stdout;
            record.stderr = stderr;
            record.outcome = Outcome {
                status: Status::Failed(Failure {
                    kind: FailureKind::Timeout,
                    message: format!(
                        "timed out: still running after {} ms (timeout_ms); running in-process, so the harness exits",
                        armed.timeout.as_millis()
                    ),
                }),
                duration_ms: armed.started.elapsed().as_secs_f64() * 1000.0,
                measurements: Measurements {
                    attempts: 1,
                    ..Measurements::default()
                },
                extra: Default::default(),
            };
            let mut dispatch = lock(&dispatch);
            dispatch.finished(&record);
            dispatch.finish(run_started);
            std::process::exit(101);
        });
    if let Err(e) = spawned {
        eprintln!("warning: no watchdog thread ({e}): in-process timeouts are not enforced");
    }
}

/// Locks a mutex whose holder may have panicked: the guarded values here are
/// plain data that a panic cannot leave half-updated.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
