//! The entry point: read the command line, then list the tests, or run them.

use crate::cli::{Args, Format};
use crate::config::{self, Config, FlakyResult, HtmlSetting, Profile};
use crate::plan::{self, Plan};
use crate::registry;
use crate::report::console::{self, Console, ConsoleOptions};
use crate::report::files::{ReportPaths, default_report_dir};
use crate::report::timings::Timings;
use crate::report::{self, ReportOptions, Reporter, RunInfo, Selection};
use crate::runner::retry::RetryFilter;
use crate::runner::{self, Dispatch, RunSettings, worker};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How a harness run ended. Call [`RunConclusion::exit`] to end the process with
/// libtest's exit code.
///
/// ```no_run
/// // What `leanvibe_test::main!()` expands to, in effect:
/// leanvibe_test::run().exit();
/// ```
#[must_use = "a conclusion carries the exit code"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConclusion {
    /// 0 when every selected test passed, 101 otherwise (libtest's codes).
    pub exit_code: i32,
}

impl RunConclusion {
    /// Ends the process with [`exit_code`](RunConclusion::exit_code).
    pub fn exit(self) -> ! {
        let _ = std::io::stdout().flush();
        std::process::exit(self.exit_code)
    }
}

/// Runs the harness with the process's arguments. In a worker process (one
/// the harness started) this runs the worker loop instead and never returns.
/// Call it first thing in `main`, before starting threads (as `main!()` does):
/// a worker edits its own environment.
pub fn run() -> RunConclusion {
    if let Some(protocol) = worker::worker_protocol() {
        worker::worker_main(&protocol);
    }
    run_with_args(std::env::args_os())
}

/// Runs the harness with the given arguments (the first is the program name).
pub(crate) fn run_with_args<I, T>(argv: I) -> RunConclusion
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let exit_code = match Args::parse_from_iter(argv) {
        Ok(args) => run_args(&args),
        Err(e) if e.is_help => {
            print!("{}", e.message);
            0
        }
        Err(e) => {
            eprintln!("{}", e.message);
            101
        }
    };
    RunConclusion { exit_code }
}

fn run_args(args: &Args) -> i32 {
    let cases: Vec<_> = registry::all().collect();
    let binary = binary_name();
    let timings = if args.timings.is_empty() {
        Timings::default()
    } else {
        match Timings::load(&args.timings, &binary) {
            Ok(timings) => timings,
            Err(e) => {
                eprintln!("error: {e}");
                return 101;
            }
        }
    };
    let plan = plan::select(&cases, args, &timings);
    if let Some(status_file) = &args.shard_status_file {
        // Bazel's protocol: touching the file says this runner honours
        // TEST_SHARD_INDEX (Bazel 7 and later, with
        // --incompatible_check_sharding_support, fail a test that does not).
        if let Err(e) = touch(status_file) {
            eprintln!(
                "error: TEST_SHARD_STATUS_FILE {}: {e}",
                status_file.display()
            );
            return 101;
        }
    }
    if args.list {
        return list(&plan, args);
    }
    // Signals are caught from here on: one that comes while the old
    // reports are being replaced still ends the run in order.
    runner::listen_for_interrupts();
    let manifest_dir = cases.first().map(|case| Path::new(case.manifest_dir));
    let settings = match settings(args, &plan, manifest_dir) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("error: {message}");
            return 101;
        }
    };
    pass_property_settings(args, &settings.profile);
    let nextest_run = std::env::var("NEXTEST_RUN_ID")
        .ok()
        .filter(|_| under_nextest());
    let info = RunInfo {
        run_id: nextest_run.clone().unwrap_or_else(report::new_run_id),
        binary_name: binary,
        tests: plan.tests.iter().map(|t| t.name.clone()).collect(),
        filtered_out: plan.filtered_out,
        partitioned_out: plan.partitioned_out,
        started_at: SystemTime::now(),
        selection: selection(args),
        workers: if settings.in_process {
            0
        } else {
            settings.workers
        },
        pipeline: crate::ci_env::pipeline(&crate::ci_env::process_env),
    };
    let report_options = ReportOptions {
        redact: !args.no_redact && settings.profile.redact.unwrap_or(true),
        output_cap: settings.output_cap,
    };
    let console = Console::new(ConsoleOptions {
        format: args.effective_format(),
        color: console::use_color(args.color),
        show_output: args.show_output,
        progress: !args.nocapture && std::io::stderr().is_terminal(),
        show_budgets: args.show_budgets,
        redact: report_options.redact,
        output_cap: report_options.output_cap,
    });
    let mut reporters: Vec<Box<dyn Reporter>> = vec![Box::new(console)];
    let mut setup_errors = Vec::new();
    if !args.no_report {
        let mut paths = report_paths(args, &settings.profile, &info.binary_name);
        // Files of an earlier run must not pass for this one's: a run that
        // never finishes leaves no JUnit or CTRF file rather than an old one.
        if let Err(e) = paths.remove_final_reports() {
            setup_errors.push(format!("a stale report could not be removed: {e}"));
        }
        // Switched off, the page is still removed above: an old one would
        // read as this run's.
        if args.no_html || (args.html.is_none() && profile_html_off(&settings.profile)) {
            paths.html = None;
        }
        if under_nextest() {
            // Each test is a process of its own under nextest, and nextest
            // writes the run's JUnit file; ours would overwrite each other.
            // What is recorded is that this binary's last run was nextest's,
            // so `leanvibe-report gate` reads no older report as current.
            if let Err(e) = paths.record_nextest_run(&info, &report_options) {
                setup_errors.push(format!("a report could not be written: {e}"));
            }
        } else {
            match paths.reporters(&report_options) {
                Ok(sinks) => reporters.extend(sinks),
                Err(e) => setup_errors.push(format!(
                    "a report could not be written: {}: {e}",
                    paths.events.display()
                )),
            }
        }
    }
    let dispatch = Dispatch::new(
        reporters,
        plan.filtered_out,
        setup_errors,
        settings.flaky_fails,
    );
    runner::run(&plan, &settings, info, dispatch)
}

/// Property tests' run settings (cases, shrink steps, seed): the command
/// line, else `LEANVIBE_PROPTEST_*`, else proptest's `PROPTEST_CASES`,
/// `PROPTEST_MAX_SHRINK_ITERS`, `PROPTEST_RNG_SEED`, else the profile. They reach tests run
/// here and forked workers through memory, and exec'd workers through the
/// same variables. Without the `proptest` feature there are no property
/// tests, and the options change nothing.
fn pass_property_settings(args: &Args, profile: &Profile) {
    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok()?.trim().parse().ok()
    }
    // Ours, then proptest's own variable, then the profile.
    let cases = args
        .proptest_cases
        .or_else(|| env("LEANVIBE_PROPTEST_CASES"))
        .or_else(|| env("PROPTEST_CASES"))
        .or(profile.proptest_cases);
    let max_shrink_iters = args
        .proptest_max_shrink_iters
        .or_else(|| env("LEANVIBE_PROPTEST_MAX_SHRINK_ITERS"))
        .or_else(|| env("PROPTEST_MAX_SHRINK_ITERS"))
        .or(profile.proptest_max_shrink_iters);
    let seed = args
        .proptest_seed
        .or_else(|| env("LEANVIBE_PROPTEST_SEED"))
        .or_else(|| env("PROPTEST_RNG_SEED"))
        .or(profile.proptest_seed);
    let vars = [
        ("LEANVIBE_PROPTEST_CASES", cases.map(u64::from)),
        (
            "LEANVIBE_PROPTEST_MAX_SHRINK_ITERS",
            max_shrink_iters.map(u64::from),
        ),
        ("LEANVIBE_PROPTEST_SEED", seed),
    ];
    runner::spawn::pass_to_workers(
        vars.into_iter()
            .filter_map(|(name, value)| Some((name.to_string(), value?.to_string())))
            .collect(),
    );
    #[cfg(feature = "proptest")]
    crate::property::set_run_defaults(crate::property::RunDefaults {
        cases,
        max_shrink_iters,
        seed,
    });
}

/// Creates `path`, or updates its modification time.
fn touch(path: &Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.set_modified(SystemTime::now())
}

/// Whether a debugger (or any tracer) is attached: `TracerPid` in
/// `/proc/self/status` is not 0.
fn being_debugged() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("TracerPid:"))
            .is_some_and(|pid| pid.trim() != "0")
    })
}

/// Whether nextest started this process (it sets `NEXTEST=1` for tests).
fn under_nextest() -> bool {
    std::env::var_os("NEXTEST").is_some()
}

/// What the command line selected, as the reports record it.
fn selection(args: &Args) -> Selection {
    Selection {
        filters: args.filters.clone(),
        skip: args.skip.clone(),
        exact: args.exact,
        only_ignored: args.ignored,
        include_ignored: args.include_ignored,
        partition: args.partition.map(|p| p.to_string()),
    }
}

/// Where the report files go. Precedence: `--junit`/`--json`/`--html` for
/// those files (`--no-html` over all), then the profile's
/// `junit`/`json`/`html`; the history from `--history`, then the
/// profile's `history_dir`; the directory from
/// `--report-dir` or `LEANVIBE_REPORT_DIR`, then the profile's `report_dir`,
/// then `<target-dir>/leanvibe`.
fn report_paths(args: &Args, profile: &Profile, binary: &str) -> ReportPaths {
    let dir = args
        .report_dir
        .clone()
        .or_else(|| profile.report_dir.clone())
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| default_report_dir(&exe))
        })
        .unwrap_or_else(|| Path::new("target").join("leanvibe"));
    let mut paths = ReportPaths::in_dir(&dir, binary);
    if let Some(junit) = args.junit.clone().or_else(|| profile.junit.clone()) {
        paths.junit = junit;
    }
    if let Some(ctrf) = args.json.clone().or_else(|| profile.json.clone()) {
        paths.ctrf = ctrf;
    }
    if let Some(html) = args.html.clone().or_else(|| match &profile.html {
        Some(HtmlSetting::At(html)) => Some(html.clone()),
        _ => None,
    }) {
        paths.html = Some(html);
    }
    paths.history = args
        .history
        .clone()
        .or_else(|| profile.history_dir.clone())
        .map(|dir| {
            let runs = profile
                .history_runs
                .map_or(report::html::DEFAULT_RUNS, usize::from);
            report::html::History::new(dir, runs)
        });
    paths
}

fn profile_html_off(profile: &Profile) -> bool {
    profile.html == Some(HtmlSetting::Off)
}

/// `--list`: libtest's `name: test` lines; the pretty format adds a count.
fn list(plan: &Plan, args: &Args) -> i32 {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for test in &plan.tests {
        let _ = writeln!(out, "{}: test", test.name);
    }
    if args.effective_format() == Format::Pretty {
        let n = plan.tests.len();
        let noun = if n == 1 { "test" } else { "tests" };
        if n != 0 {
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "{n} {noun}, 0 benchmarks");
    }
    0
}

/// Resolves the run's settings. Precedence, highest first: the test's own
/// attribute, the command line, the environment, the profile, the default.
fn settings(args: &Args, plan: &Plan, manifest_dir: Option<&Path>) -> Result<RunSettings, String> {
    let mut profile = match manifest_dir {
        Some(dir) => {
            let config = Config::load(dir).map_err(|e| e.to_string())?;
            config
                .profile(&config::profile_name(args.profile.as_deref()))
                .map_err(|e| e.to_string())?
        }
        None => Profile::default(),
    };
    if args.retries.is_some() {
        profile.retries = args.retries;
    }
    let only_rerun = match &args.only_rerun {
        Some(patterns) => patterns,
        None => &profile.only_rerun,
    };
    let retry = RetryFilter::new(only_rerun)?;
    let flaky_fails = args
        .flaky_result
        .or(profile.flaky_result)
        .unwrap_or_default()
        == FlakyResult::Fail;
    let runnable = plan.tests.iter().filter(|t| t.run).count();
    let workers = args
        .test_threads
        .or(profile.test_threads.map(usize::from))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .min(runnable.max(1));
    Ok(RunSettings {
        workers,
        capture: !args.nocapture,
        // A single selected test still runs in a worker: a crash then
        // fails that test with its reason instead of taking the harness,
        // its console summary and its reports down with it. Under a
        // debugger (rust-analyzer's "Debug test") tests run here, where
        // its breakpoints are: debuggers do not follow a fork by default.
        in_process: args.in_process || under_nextest() || being_debugged(),
        default_timeout: default_timeout(profile.timeout_ms)?,
        profile,
        output_cap: ReportOptions::default().output_cap,
        retry,
        flaky_fails,
    })
}

/// `LEANVIBE_TIMEOUT_MS`, else the profile's `timeout_ms`, else 60 s.
fn default_timeout(profile: Option<u64>) -> Result<Duration, String> {
    match std::env::var("LEANVIBE_TIMEOUT_MS") {
        Err(_) => Ok(Duration::from_millis(profile.unwrap_or(60_000))),
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
            _ => Err(format!(
                "LEANVIBE_TIMEOUT_MS must be a whole number of milliseconds above 0, got `{value}`"
            )),
        },
    }
}

/// `suite` for `target/debug/deps/suite-0123abcd`: the test target's name.
pub(crate) fn binary_name() -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe
        .as_deref()
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tests".into());
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            name.to_string()
        }
        _ => stem,
    }
}
