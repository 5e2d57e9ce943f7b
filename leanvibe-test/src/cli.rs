//! The command line: libtest's stable options with the same meaning, plus
//! this harness's own (`--in-process`, `--profile`, `--partition`, reports).

use clap::{Parser, ValueEnum};

/// Parsed command-line arguments of a test binary.
///
/// ```
/// use clap::Parser;
/// let args = leanvibe_test::cli::Args::try_parse_from(["suite", "unit::", "--exact", "--skip", "slow"]).unwrap();
/// assert_eq!(args.filters, ["unit::"]);
/// assert!(args.exact);
/// ```
#[derive(Debug, Clone, Default, Parser)]
#[command(
    about = "A leanvibe-test harness: runs the #[plugin_test] tests of this binary.",
    // Without this, clap shows this type's doc comment, example and all.
    long_about = None,
    disable_version_flag = true
)]
pub struct Args {
    /// Run only tests whose name contains one of these filters.
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,

    /// Filters and --skip match whole names instead of substrings.
    #[arg(long)]
    pub exact: bool,

    /// Skip tests whose name contains FILTER (repeatable).
    #[arg(long, value_name = "FILTER")]
    pub skip: Vec<String>,

    /// Run only ignored tests.
    #[arg(long, conflicts_with = "include_ignored")]
    pub ignored: bool,

    /// Run ignored tests as well as the others.
    #[arg(long)]
    pub include_ignored: bool,

    /// List the tests instead of running them.
    #[arg(long)]
    pub list: bool,

    /// Output format.
    #[arg(long, value_enum, value_name = "pretty|terse")]
    pub format: Option<Format>,

    /// Terse output: one character per test (same as --format terse).
    #[arg(short, long)]
    pub quiet: bool,

    /// Worker processes to run tests in (default: available parallelism).
    #[arg(long, value_name = "N", env = "RUST_TEST_THREADS")]
    pub test_threads: Option<usize>,

    /// Do not capture test output: pass it through to the terminal.
    #[arg(long, alias = "no-capture")]
    pub nocapture: bool,

    /// Show the captured output of passing tests too.
    #[arg(long)]
    pub show_output: bool,

    /// When to use colours.
    #[arg(
        long,
        value_enum,
        value_name = "auto|always|never",
        default_value = "auto"
    )]
    pub color: ColorChoice,

    /// Accepted for compatibility with cargo; tests are run as usual.
    #[arg(long)]
    pub test: bool,

    /// Run benchmarks: this harness has none, so no test runs.
    #[arg(long)]
    pub bench: bool,

    /// Run tests one after another inside this process (for debuggers).
    #[arg(long)]
    pub in_process: bool,

    /// Configuration profile from leanvibe.toml.
    #[arg(long, value_name = "NAME", env = "LEANVIBE_PROFILE")]
    pub profile: Option<String>,

    /// Run a deterministic share of the tests: `slice:M/N` or `hash:M/N`.
    #[arg(long, value_name = "slice:M/N|hash:M/N")]
    pub partition: Option<crate::plan::Partition>,

    /// Write the JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<std::path::PathBuf>,

    /// Write the CTRF JSON report here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<std::path::PathBuf>,

    /// Directory for all report files.
    #[arg(long, value_name = "DIR", env = "LEANVIBE_REPORT_DIR")]
    pub report_dir: Option<std::path::PathBuf>,

    /// Write no report files.
    #[arg(long)]
    pub no_report: bool,

    /// Do not redact credentials found in output and messages.
    #[arg(long)]
    pub no_redact: bool,

    /// End the run with the tests closest to their budgets.
    #[arg(long)]
    pub show_budgets: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per test.
    Pretty,
    /// One character per test; with `--list`, `name: test` lines only.
    Terse,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl Args {
    /// Parses arguments; a bad one gives a one-line message (no usage dump).
    ///
    /// `--help` is returned as `Err` carrying the full help text with
    /// `is_help` set, so the caller prints it and exits 0.
    ///
    /// ```
    /// let err = leanvibe_test::cli::Args::parse_from_iter(["suite", "--test-threads", "zero"]).unwrap_err();
    /// assert!(err.message.contains("--test-threads"));
    /// assert!(!err.message.contains('\n'));
    /// ```
    pub fn parse_from_iter<I, T>(args: I) -> Result<Args, ArgsError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let args = Args::try_parse_from(args).map_err(|e| {
            use clap::error::ErrorKind;
            let is_help = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            let message = if is_help {
                e.render().to_string()
            } else {
                one_line(&e.render().to_string())
            };
            ArgsError { message, is_help }
        })?;
        if args.test_threads == Some(0) {
            return Err(ArgsError {
                message: "error: --test-threads must be at least 1".into(),
                is_help: false,
            });
        }
        Ok(args)
    }

    /// The output format after `-q` is taken into account.
    ///
    /// ```
    /// use leanvibe_test::cli::{Args, Format};
    /// let args = Args::parse_from_iter(["suite", "-q"]).unwrap();
    /// assert_eq!(args.effective_format(), Format::Terse);
    /// ```
    pub fn effective_format(&self) -> Format {
        match (self.format, self.quiet) {
            (Some(format), _) => format,
            (None, true) => Format::Terse,
            (None, false) => Format::Pretty,
        }
    }
}

/// A command line the harness cannot run with.
#[derive(Debug, Clone)]
pub struct ArgsError {
    /// What to print: one line for an error, the whole help for `--help`.
    pub message: String,
    /// `--help` was asked for: print and exit 0.
    pub is_help: bool,
}

/// clap's first line names the problem; the rest (tips, usage) is left out so
/// the error stays one line in CI logs. A hint line like "tip: ..." is kept
/// when it names the fix, joined with "; ".
fn one_line(rendered: &str) -> String {
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines
        .next()
        .unwrap_or("error: invalid arguments")
        .to_string();
    // clap suggests `-- --flag` for an unknown flag, but these arguments
    // already come after cargo's `--`: a user who typed a flag we do not
    // have needs the list of flags, not a second `--`.
    match lines.find(|l| l.starts_with("tip:")) {
        Some(tip) if !tip.starts_with("tip: to pass") => format!("{first}; {tip}"),
        _ if first.starts_with("error: unexpected argument") => {
            format!("{first}; see --help for the options")
        }
        _ => first,
    }
}
