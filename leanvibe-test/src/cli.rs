//! The command line: libtest's stable options with the same meaning, plus
//! this harness's own (`--in-process`, `--profile`, `--partition`, reports).
//!
//! Parsed with `lexopt` rather than `clap`: the harness is linked into every
//! test binary, and clap's derive costs more to build than the rest of the
//! core together. The help text is written out below.

use crate::config::FlakyResult;
use crate::report::partition::{Partition, PartitionKind};
use crate::runner::retry::RetryFilter;
use lexopt::{Arg, Parser, ValueExt};
use std::ffi::OsString;
use std::path::PathBuf;

/// Parsed command-line arguments of a test binary.
#[derive(Debug, Clone, Default)]
pub(crate) struct Args {
    /// Run only tests whose name contains one of these filters.
    pub filters: Vec<String>,
    /// Filters and `--skip` match whole names instead of substrings.
    pub exact: bool,
    /// Skip tests whose name contains one of these (repeatable).
    pub skip: Vec<String>,
    /// Run only ignored tests.
    pub ignored: bool,
    /// Run ignored tests as well as the others.
    pub include_ignored: bool,
    /// List the tests instead of running them.
    pub list: bool,
    /// `--format`, if given.
    pub format: Option<Format>,
    /// `-q`: the same as `--format terse`.
    pub quiet: bool,
    /// Worker processes (`--test-threads`, else `RUST_TEST_THREADS`).
    pub test_threads: Option<usize>,
    /// Pass test output through instead of capturing it.
    pub nocapture: bool,
    /// Show the captured output of passing tests too.
    pub show_output: bool,
    /// When to use colours.
    pub color: ColorChoice,
    /// Run tests one after another inside this process.
    pub in_process: bool,
    /// Profile from `leanvibe.toml` (`--profile`, else `LEANVIBE_PROFILE`).
    pub profile: Option<String>,
    /// Run only this share of the tests (`--partition`, else Bazel's
    /// `TEST_SHARD_INDEX`/`TEST_TOTAL_SHARDS`).
    pub partition: Option<Partition>,
    /// `--partition auto`: the shard comes from the CI matrix's variables.
    partition_auto: bool,
    /// Earlier reports to balance `--partition duration:M/N` with
    /// (repeatable).
    pub timings: Vec<PathBuf>,
    /// Bazel's `TEST_SHARD_STATUS_FILE`, to touch when its shard is run.
    pub shard_status_file: Option<PathBuf>,
    /// Where to write the JUnit XML report (else Bazel's `XML_OUTPUT_FILE`).
    pub junit: Option<PathBuf>,
    /// Where to write the CTRF JSON report.
    pub json: Option<PathBuf>,
    /// Directory for all report files (else `LEANVIBE_REPORT_DIR`, else
    /// Bazel's `TEST_UNDECLARED_OUTPUTS_DIR`).
    pub report_dir: Option<PathBuf>,
    /// Where to write the HTML report.
    pub html: Option<PathBuf>,
    /// Write no HTML report (the other files still).
    pub no_html: bool,
    /// Keep this run's CTRF file in this directory and show trends over
    /// the runs kept there.
    pub history: Option<PathBuf>,
    /// `--proptest-cases`: cases of property tests that set none.
    pub proptest_cases: Option<u32>,
    /// `--proptest-max-shrink-iters`.
    pub proptest_max_shrink_iters: Option<u32>,
    /// `--proptest-seed`: the seed of every property test's cases.
    pub proptest_seed: Option<u64>,
    /// Write no report files.
    pub no_report: bool,
    /// Do not redact credentials in output and messages.
    pub no_redact: bool,
    /// End the run with the tests closest to their budgets.
    pub show_budgets: bool,
    /// `--retries`: reruns of a failed test, over the profile's default
    /// (a test's own `retries` still wins).
    pub retries: Option<u32>,
    /// `--flaky-result`: whether a test that passed on a retry fails the run.
    pub flaky_result: Option<FlakyResult>,
    /// `--only-rerun` (repeatable): retry only failures matching one of
    /// these; `Some` replaces the profile's `only_rerun`.
    pub only_rerun: Option<Vec<String>>,
    /// `--bench`: this harness has no benchmarks, so no test runs.
    pub bench: bool,
    /// `--help`: print the help. Answered after every argument is checked,
    /// so a bad one next to it still gets its error.
    help: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per test.
    Pretty,
    /// One character per test; with `--list`, `name: test` lines only.
    Terse,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// What `--help` prints.
const HELP: &str = "\
A leanvibe-test harness: runs the #[plugin_test] tests of this binary.

Usage: <test-binary> [OPTIONS] [FILTER]...

Arguments:
  [FILTER]...  Run only tests whose name contains one of these filters

Options:
      --exact                     Filters and --skip match whole names instead of substrings
      --skip <FILTER>             Skip tests whose name contains FILTER (repeatable)
      --ignored                   Run only ignored tests
      --include-ignored           Run ignored tests as well as the others
      --list                      List the tests instead of running them
      --format <pretty|terse>     Output format
  -q, --quiet                     Terse output: one character per test (same as --format terse)
      --test-threads <N>          Worker processes to run tests in (default: available
                                  parallelism) [env: RUST_TEST_THREADS]
      --nocapture                 Do not capture test output: pass it through (alias: --no-capture)
      --show-output               Show the captured output of passing tests too
      --color <auto|always|never> When to use colours [default: auto]
      --test                      Accepted for compatibility with cargo; tests run as usual
      --bench                     Run benchmarks: this harness has none, so no test runs
      --in-process                Run tests one after another inside this process (for debuggers)
      --profile <NAME>            Configuration profile from leanvibe.toml [env: LEANVIBE_PROFILE]
      --partition <count:M/N|hash:M/N|duration:M/N|auto>
                                  Run shard M of N: by position, by name hash (nextest's),
                                  or by durations from --timings; auto reads GitLab's or
                                  Buildkite's shard variables [env: TEST_SHARD_INDEX,
                                  TEST_TOTAL_SHARDS (Bazel)]
      --timings <FILE|DIR>        CTRF or JUnit reports of an earlier run, for duration:M/N
                                  (repeatable; folders are searched)
      --junit <PATH>              Write the JUnit XML report here [env: XML_OUTPUT_FILE]
      --json <PATH>               Write the CTRF JSON report here
      --report-dir <DIR>          Directory for all report files [env: LEANVIBE_REPORT_DIR,
                                  TEST_UNDECLARED_OUTPUTS_DIR]
      --html <PATH>               Write the HTML report here
      --no-html                   Write no HTML report
      --history <DIR>             Keep this run's CTRF file in DIR; the HTML report shows
                                  trends over the runs kept there
      --no-report                 Write no report files
      --proptest-cases <N>        Cases of property tests that set none [env:
                                  LEANVIBE_PROPTEST_CASES, PROPTEST_CASES] [default: 256]
      --proptest-max-shrink-iters <N>
                                  Shrink steps of a property test's failure [env:
                                  LEANVIBE_PROPTEST_MAX_SHRINK_ITERS]
      --proptest-seed <N>         Seed of property tests' cases, to rerun a failure [env:
                                  LEANVIBE_PROPTEST_SEED, PROPTEST_RNG_SEED]
      --no-redact                 Do not redact credentials found in output and messages
      --show-budgets              End the run with the tests closest to their budgets
      --retries <N>               Run a failed test up to N more times (a test's own
                                  `retries` wins) [default: the profile's, else 0]
      --only-rerun <REGEX>        Retry only failures whose `<kind>: <message>` matches
                                  (repeatable; pytest-rerunfailures' option)
      --flaky-result <pass|fail>  Whether a test that passed on a retry passes or fails the
                                  run [default: pass]
  -h, --help                      Print help
";

impl Args {
    /// Parses `args` (the first is the program name) and the environment
    /// variables that stand in for absent flags. A bad argument gives a
    /// one-line message naming it; `--help` is returned as `Err` with
    /// `is_help` set and the help text, so the caller prints it and exits 0.
    pub fn parse_from_iter<I, T>(args: I) -> Result<Args, ArgsError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let mut args = Args::parse_flags(args).map_err(|message| ArgsError {
            message: format!("error: {message}"),
            is_help: false,
        })?;
        args.fill_from_env().map_err(|message| ArgsError {
            message: format!("error: {message}"),
            is_help: false,
        })?;
        if args.help {
            return Err(ArgsError {
                message: HELP.to_string(),
                is_help: true,
            });
        }
        Ok(args)
    }

    /// The output format after `-q` is taken into account.
    pub fn effective_format(&self) -> Format {
        match (self.format, self.quiet) {
            (Some(format), _) => format,
            (None, true) => Format::Terse,
            (None, false) => Format::Pretty,
        }
    }

    fn parse_flags<I, T>(args: I) -> Result<Args, String>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let mut parsed = Args::default();
        let mut parser = Parser::from_iter(args);
        while let Some(arg) = parser.next().map_err(|e| lexopt_message(&e))? {
            match arg {
                Arg::Value(filter) => parsed.filters.push(text(filter, "FILTER")?),
                Arg::Short('h') | Arg::Long("help") => parsed.help = true,
                Arg::Short('q') | Arg::Long("quiet") => parsed.quiet = true,
                Arg::Long("exact") => parsed.exact = true,
                Arg::Long("skip") => parsed.skip.push(value(&mut parser, "--skip <FILTER>")?),
                Arg::Long("ignored") => parsed.ignored = true,
                Arg::Long("include-ignored") => parsed.include_ignored = true,
                Arg::Long("list") => parsed.list = true,
                Arg::Long("format") => {
                    let format = value(&mut parser, "--format <pretty|terse>")?;
                    parsed.format = Some(match format.as_str() {
                        "pretty" => Format::Pretty,
                        "terse" => Format::Terse,
                        _ => {
                            return Err(invalid(
                                &format,
                                "--format <pretty|terse>",
                                "pretty, terse",
                            ));
                        }
                    });
                }
                Arg::Long("test-threads") => {
                    let n = value(&mut parser, "--test-threads <N>")?;
                    parsed.test_threads = Some(threads(&n, "--test-threads <N>")?);
                }
                Arg::Long("nocapture" | "no-capture") => parsed.nocapture = true,
                Arg::Long("show-output") => parsed.show_output = true,
                Arg::Long("color") => {
                    let choice = value(&mut parser, "--color <auto|always|never>")?;
                    parsed.color = match choice.as_str() {
                        "auto" => ColorChoice::Auto,
                        "always" => ColorChoice::Always,
                        "never" => ColorChoice::Never,
                        _ => {
                            return Err(invalid(
                                &choice,
                                "--color <auto|always|never>",
                                "auto, always, never",
                            ));
                        }
                    };
                }
                // cargo passes `--test` to test targets; tests run as usual.
                Arg::Long("test") => {}
                Arg::Long("bench") => parsed.bench = true,
                Arg::Long("in-process") => parsed.in_process = true,
                Arg::Long("profile") => {
                    parsed.profile = Some(value(&mut parser, "--profile <NAME>")?);
                }
                Arg::Long("partition") => {
                    const OPTION: &str = "--partition <count:M/N|hash:M/N|duration:M/N|auto>";
                    let text = value(&mut parser, OPTION)?;
                    if text == "auto" {
                        parsed.partition_auto = true;
                    } else {
                        let partition = text.parse::<Partition>().map_err(|e| {
                            format!("invalid value '{text}' for '{OPTION}': {}", e.problem)
                        })?;
                        parsed.partition = Some(partition);
                    }
                }
                Arg::Long("timings") => parsed.timings.push(path(&mut parser)?),
                Arg::Long("junit") => parsed.junit = Some(path(&mut parser)?),
                Arg::Long("json") => parsed.json = Some(path(&mut parser)?),
                Arg::Long("report-dir") => parsed.report_dir = Some(path(&mut parser)?),
                Arg::Long("html") => parsed.html = Some(path(&mut parser)?),
                Arg::Long("no-html") => parsed.no_html = true,
                Arg::Long("history") => parsed.history = Some(path(&mut parser)?),
                Arg::Long("no-report") => parsed.no_report = true,
                Arg::Long(option @ ("proptest-cases" | "proptest-max-shrink-iters")) => {
                    let option = format!("--{option} <N>");
                    let n = value(&mut parser, &option)?;
                    let parsed_n = n.parse::<u32>().map_err(|_| {
                        format!(
                            "invalid value '{n}' for '{option}': expected a whole number, 0 or more"
                        )
                    })?;
                    if option.starts_with("--proptest-cases") {
                        parsed.proptest_cases = Some(parsed_n);
                    } else {
                        parsed.proptest_max_shrink_iters = Some(parsed_n);
                    }
                }
                Arg::Long("proptest-seed") => {
                    const OPTION: &str = "--proptest-seed <N>";
                    let n = value(&mut parser, OPTION)?;
                    parsed.proptest_seed = Some(n.parse::<u64>().map_err(|_| {
                        format!(
                            "invalid value '{n}' for '{OPTION}': expected a whole number, 0 or more"
                        )
                    })?);
                }
                Arg::Long("no-redact") => parsed.no_redact = true,
                Arg::Long("show-budgets") => parsed.show_budgets = true,
                Arg::Long("retries") => {
                    const OPTION: &str = "--retries <N>";
                    let n = value(&mut parser, OPTION)?;
                    let retries = n.parse::<u32>().map_err(|_| {
                        format!(
                            "invalid value '{n}' for '{OPTION}': expected a whole number, 0 or more"
                        )
                    })?;
                    parsed.retries = Some(retries);
                }
                Arg::Long("only-rerun") => {
                    let pattern = value(&mut parser, "--only-rerun <REGEX>")?;
                    RetryFilter::new(std::slice::from_ref(&pattern))?;
                    parsed.only_rerun.get_or_insert_with(Vec::new).push(pattern);
                }
                Arg::Long("flaky-result") => {
                    const OPTION: &str = "--flaky-result <pass|fail>";
                    let choice = value(&mut parser, OPTION)?;
                    parsed.flaky_result = Some(match choice.as_str() {
                        "pass" => FlakyResult::Pass,
                        "fail" => FlakyResult::Fail,
                        _ => {
                            return Err(format!(
                                "invalid value '{choice}' for '{OPTION}': expected pass or fail"
                            ));
                        }
                    });
                }
                Arg::Short(flag) => {
                    return Err(format!(
                        "unexpected argument '-{flag}' found; see --help for the options"
                    ));
                }
                Arg::Long(flag) => {
                    return Err(format!(
                        "unexpected argument '--{flag}' found; see --help for the options"
                    ));
                }
            }
        }
        if parsed.ignored && parsed.include_ignored {
            return Err(
                "the argument '--ignored' cannot be used with '--include-ignored'".to_string(),
            );
        }
        Ok(parsed)
    }

    fn fill_from_env(&mut self) -> Result<(), String> {
        if self.test_threads.is_none()
            && let Some(n) = env("RUST_TEST_THREADS")?
        {
            self.test_threads = Some(threads(&n, "RUST_TEST_THREADS")?);
        }
        if self.profile.is_none() {
            self.profile = env("LEANVIBE_PROFILE")?;
        }
        if self.report_dir.is_none() {
            self.report_dir = ["LEANVIBE_REPORT_DIR", "TEST_UNDECLARED_OUTPUTS_DIR"]
                .into_iter()
                .find_map(|name| std::env::var_os(name).filter(|dir| !dir.is_empty()))
                .map(PathBuf::from);
        }
        if self.junit.is_none() {
            self.junit = std::env::var_os("XML_OUTPUT_FILE")
                .filter(|file| !file.is_empty())
                .map(PathBuf::from);
        }
        let env = crate::ci_env::process_env;
        // Bazel's `--test_filter`, when the command line has none.
        if self.filters.is_empty()
            && let Some(filter) = env("TESTBRIDGE_TEST_ONLY")
        {
            self.filters.push(filter);
        }
        let explicit = self.partition.is_some();
        if self.partition_auto {
            self.partition = Some(crate::ci_env::matrix(&env)?);
        } else if !explicit && let Some(bazel) = crate::ci_env::bazel(&env)? {
            self.partition = Some(bazel.partition);
            self.shard_status_file = bazel.status_file;
        }
        self.check_timings(explicit)
    }

    /// `--timings` balances shards by duration: with `duration:M/N`, or with
    /// a shard the CI gave (`auto`, Bazel), which it turns into one.
    fn check_timings(&mut self, explicit: bool) -> Result<(), String> {
        match (&mut self.partition, !self.timings.is_empty()) {
            (Some(p), false) if p.kind == PartitionKind::Duration => {
                Err("--partition duration:M/N needs --timings <FILE|DIR>".to_string())
            }
            (Some(p), true) if !explicit => {
                p.kind = PartitionKind::Duration;
                Ok(())
            }
            (Some(p), true) if p.kind != PartitionKind::Duration => Err(format!(
                "--timings is read only when shards are balanced by duration, not with --partition {p}"
            )),
            (None, true) => Err(
                "--timings is read only with --partition duration:M/N or auto, or under Bazel sharding"
                    .to_string(),
            ),
            _ => Ok(()),
        }
    }
}

/// A command line the harness cannot run with.
#[derive(Debug, Clone)]
pub(crate) struct ArgsError {
    /// What to print: one line for an error, the whole help for `--help`.
    pub message: String,
    /// `--help` was asked for: print and exit 0.
    pub is_help: bool,
}

/// The value of the option being parsed, as UTF-8.
fn value(parser: &mut Parser, option: &str) -> Result<String, String> {
    let value = parser
        .value()
        .map_err(|_| format!("a value is required for '{option}' but none was supplied"))?;
    text(value, option)
}

fn path(parser: &mut Parser) -> Result<PathBuf, String> {
    parser
        .value()
        .map(PathBuf::from)
        .map_err(|e| lexopt_message(&e))
}

fn text(value: OsString, what: &str) -> Result<String, String> {
    value
        .string()
        .map_err(|e| format!("invalid UTF-8 in '{what}': {e}"))
}

fn threads(n: &str, option: &str) -> Result<usize, String> {
    match n.trim().parse::<usize>() {
        Ok(0) => Err(format!(
            "invalid value '{n}' for '{option}': must be at least 1"
        )),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("invalid value '{n}' for '{option}': {e}")),
    }
}

fn invalid(value: &str, option: &str, possible: &str) -> String {
    format!("invalid value '{value}' for '{option}'; possible values: {possible}")
}

/// An environment variable; set but empty counts as unset.
fn env(key: &str) -> Result<Option<String>, String> {
    match std::env::var(key) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(value)) => Err(format!(
            "invalid UTF-8 in {key}: {}",
            value.to_string_lossy()
        )),
    }
}

/// lexopt's messages, in the words used above.
fn lexopt_message(error: &lexopt::Error) -> String {
    match error {
        lexopt::Error::UnexpectedValue { option, value } => format!(
            "unexpected value '{}' for '{option}': it takes none",
            value.to_string_lossy()
        ),
        lexopt::Error::MissingValue {
            option: Some(option),
        } => format!("a value is required for '{option}' but none was supplied"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, ArgsError> {
        Args::parse_from_iter(std::iter::once("suite").chain(args.iter().copied()))
    }

    #[test]
    fn libtest_options_parse_as_libtest_reads_them() {
        let args = parse(&["unit::", "--exact", "--skip", "slow", "--skip=flaky", "-q"]).unwrap();
        assert_eq!(args.filters, ["unit::"]);
        assert!(args.exact);
        assert_eq!(args.skip, ["slow", "flaky"]);
        assert_eq!(args.effective_format(), Format::Terse);
        let args = parse(&[
            "--test-threads=3",
            "--format",
            "pretty",
            "-q",
            "--no-capture",
        ])
        .unwrap();
        assert_eq!(args.test_threads, Some(3));
        assert_eq!(args.effective_format(), Format::Pretty);
        assert!(args.nocapture);
        let args = parse(&["--partition", "hash:2/3", "--color", "never"]).unwrap();
        assert_eq!(args.partition.unwrap().to_string(), "hash:2/3");
        assert_eq!(args.color, ColorChoice::Never);
    }

    #[test]
    fn retry_options_parse() {
        let args = parse(&[
            "--retries=2",
            "--only-rerun",
            "^timeout",
            "--only-rerun=reset",
            "--flaky-result",
            "fail",
        ])
        .unwrap();
        assert_eq!(args.retries, Some(2));
        assert_eq!(
            args.only_rerun.as_deref(),
            Some(&["^timeout".to_owned(), "reset".to_owned()][..])
        );
        assert_eq!(args.flaky_result, Some(FlakyResult::Fail));
        let args = parse(&[]).unwrap();
        assert_eq!(
            (args.retries, args.only_rerun, args.flaky_result),
            (None, None, None)
        );
    }

    #[test]
    fn errors_are_one_line_and_name_the_argument() {
        for (argv, named) in [
            (&["--test-threads", "zero"][..], "--test-threads"),
            (&["--test-threads", "0"], "--test-threads"),
            (&["--test-threads"], "--test-threads"),
            (&["--format", "json"], "json"),
            (&["--color", "sometimes"], "sometimes"),
            (&["--partition", "hash:0/2"], "hash:0/2"),
            (&["--ignored", "--include-ignored"], "--include-ignored"),
            (&["--exact=yes"], "--exact"),
            (&["-x"], "-x"),
            (&["--retries", "-1"], "--retries"),
            (&["--flaky-result", "maybe"], "maybe"),
            (&["--only-rerun", "conn(ection"], "--only-rerun"),
        ] {
            let err = parse(argv).unwrap_err();
            assert!(!err.is_help);
            assert!(err.message.starts_with("error: "), "{}", err.message);
            assert!(!err.message.contains('\n'), "{}", err.message);
            assert!(err.message.contains(named), "{argv:?}: {}", err.message);
        }
    }

    #[test]
    fn help_wins_over_filters_but_not_over_errors() {
        let help = parse(&["some_test", "--help"]).unwrap_err();
        assert!(help.is_help);
        assert!(help.message.contains("--test-threads <N>"));
        assert!(!parse(&["--help", "--bogus"]).unwrap_err().is_help);
    }
}
