//! Every error this crate returns, in one place (as nextest-runner keeps
//! its `errors.rs`). Each is one line of `Display` naming the file, key or
//! value at fault; none is a `String`.
//!
//! The errors a *plugin* returns are not here: they are part of the plugin
//! contract ([`PluginError`](crate::plugin::PluginError) under `plugin`,
//! [`EnvError`](crate::deploy::EnvError) under `deploy`).

#[cfg(feature = "plugin")]
use crate::plugin::{PluginError, Task, TaskResult};
use crate::report::partition::Partition;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// An unreadable or invalid `leanvibe.toml`, or a profile that does not
/// exist. Every message is one line naming the file (with the line, when it
/// is about a place in the file) and the key or profile concerned; the harness
/// prints it and exits with code 101.
///
/// ```
/// use leanvibe_test::config::Config;
/// let text = "[profile.ci]\nmax_mbs = 80\n";
/// let err = Config::parse(text, "leanvibe.toml".as_ref()).unwrap_err();
/// assert!(err.to_string().starts_with("leanvibe.toml:2: unknown key `max_mbs` in [profile.ci]"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file exists but could not be read.
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    Syntax {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// The TOML parser's message (first line).
        message: String,
    },
    /// A key this version does not know.
    UnknownKey {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the key.
        line: usize,
        /// The key as written: bare, or quoted with its escapes.
        key: String,
        /// Where it was: `[profile.ci]`, or `the top level`.
        table: String,
        /// The keys allowed there, comma-separated.
        valid: String,
    },
    /// A known key with a value of the wrong type or out of range.
    BadValue {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the value.
        line: usize,
        /// The key.
        key: String,
        /// Where it was: `[profile.ci]`.
        table: String,
        /// What the key takes (`a positive number`).
        expected: &'static str,
        /// What was written (`string "fast"`).
        found: String,
    },
    /// Two keys that set the same thing (`max_mb` and `max_kb`).
    Conflict {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the second key.
        line: usize,
        /// Where: `[profile.ci]`.
        table: String,
        /// One key.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// `--profile NAME` / `LEANVIBE_PROFILE` named a profile that is not there.
    UnknownProfile {
        /// The config file (which may not exist: then only `default` does).
        path: PathBuf,
        /// The profile asked for.
        name: String,
        /// The profiles that exist, comma-separated.
        available: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "{}: cannot read: {source}", path.display()),
            Self::Syntax {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            Self::UnknownKey {
                path,
                line,
                key,
                table,
                valid,
            } => write!(
                f,
                "{}:{line}: unknown key `{key}` in {table}; valid keys: {valid}",
                path.display()
            ),
            Self::BadValue {
                path,
                line,
                key,
                table,
                expected,
                found,
            } => write!(
                f,
                "{}:{line}: `{key}` in {table} must be {expected}, found {found}",
                path.display()
            ),
            Self::Conflict {
                path,
                line,
                table,
                first,
                second,
            } => write!(
                f,
                "{}:{line}: {table} sets both `{first}` and `{second}`; keep one",
                path.display()
            ),
            Self::UnknownProfile {
                path,
                name,
                available,
            } => write!(
                f,
                "{}: no profile named `{name}`; profiles: {available}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a report cannot stand for its binary's current run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityError {
    /// The report has our run data but no run id: an older leanvibe-test
    /// wrote it.
    NoRunId {
        /// The CTRF report.
        path: PathBuf,
    },
    /// The run was stopped before every test ran.
    Incomplete {
        /// The CTRF report.
        path: PathBuf,
        /// Why it stopped.
        reason: String,
        /// Tests that never started.
        not_run: u64,
    },
    /// A later run of the same binary exists (its event stream says so).
    Superseded {
        /// The CTRF report.
        path: PathBuf,
        /// Its run id.
        report_run: String,
        /// The latest run's id, from the event stream.
        latest_run: String,
        /// `nextest` when that run was a `cargo nextest run`.
        latest_runner: Option<String>,
    },
    /// The JUnit file beside the report is from another run.
    Disagree {
        /// The CTRF report.
        path: PathBuf,
        /// Its run id.
        report_run: String,
        /// The JUnit file.
        junit: PathBuf,
        /// The JUnit file's run id (empty if it has none).
        junit_run: String,
    },
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRunId { path } => write!(
                f,
                "{}: no run id (written by an older leanvibe-test); run the suite again",
                path.display()
            ),
            Self::Incomplete {
                path,
                reason,
                not_run,
            } => write!(
                f,
                "{}: the run did not complete ({reason}; {not_run} test(s) did not run)",
                path.display()
            ),
            Self::Superseded {
                path,
                report_run,
                latest_run,
                latest_runner,
            } => write!(
                f,
                "{}: stale: it is from run {report_run}, but the binary's last run is {}{}",
                path.display(),
                if latest_run.is_empty() {
                    "one that stopped before it started"
                } else {
                    latest_run.as_str()
                },
                crate::report::identity::describe_latest(latest_runner.as_deref())
            ),
            Self::Disagree {
                path,
                report_run,
                junit,
                junit_run,
            } => write!(
                f,
                "{}: its run id {junit_run} disagrees with {} (run {report_run})",
                junit.display(),
                path.display()
            ),
        }
    }
}

impl std::error::Error for IdentityError {}

/// Why shard reports could not be merged.
#[derive(Debug)]
#[non_exhaustive]
pub enum MergeError {
    /// A report could not be read or parsed.
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Nothing was given, or a directory held no `*.ctrf.json`.
    Empty,
    /// A report lacks our run data or partition, among several to merge.
    NotShard {
        /// The file.
        path: PathBuf,
    },
    /// Reports of different test binaries.
    MixedBinaries {
        /// First binary seen.
        first: String,
        /// Its report.
        first_path: PathBuf,
        /// The other binary.
        second: String,
        /// Its report.
        second_path: PathBuf,
    },
    /// The shards do not hold every test they were cut from.
    TestsInNoShard {
        /// Tests selected before partitioning.
        expected: u64,
        /// Tests the shards hold.
        found: u64,
        /// Which shard disagrees, or the likely cause.
        detail: String,
    },
    /// Shards of different CI pipelines (a stale shard of an earlier run).
    MixedPipelines {
        /// First pipeline seen (`None`: run outside CI).
        first: Option<String>,
        /// Its report.
        first_path: PathBuf,
        /// The other pipeline.
        second: Option<String>,
        /// Its report.
        second_path: PathBuf,
    },
    /// Shards of different partitionings (`hash` vs `count`, or 3 vs 4 shards).
    MixedPartitions {
        /// First partition seen.
        first: Partition,
        /// Its report.
        first_path: PathBuf,
        /// The disagreeing one.
        second: Partition,
        /// Its report.
        second_path: PathBuf,
    },
    /// The same shard given twice.
    DuplicateShard {
        /// The shard.
        partition: Partition,
        /// One report.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// One test reported by two shards.
    Overlap {
        /// The test.
        test: String,
        /// One report.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// A shard's report does not describe a finished, current run.
    NotCurrent(IdentityError),
    /// Shards that selected different tests before partitioning.
    MixedSelections {
        /// The first shard's selection.
        first: String,
        /// Its report.
        first_path: PathBuf,
        /// The other selection.
        second: String,
        /// Its report.
        second_path: PathBuf,
    },
    /// A shard's report is missing.
    MissingShard {
        /// Partition kind.
        kind: crate::report::partition::PartitionKind,
        /// The missing shard, from 1.
        index: u32,
        /// Number of shards.
        total: u32,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Empty => write!(f, "no CTRF reports found in the inputs given"),
            Self::NotShard { path } => write!(
                f,
                "{} is not a shard report (no extra.leanvibe.partition); only shards of one run can be merged",
                path.display()
            ),
            Self::MixedBinaries {
                first,
                first_path,
                second,
                second_path,
            } => write!(
                f,
                "{} is from binary `{second}` but {} is from `{first}`; merge one binary's shards at a time",
                second_path.display(),
                first_path.display()
            ),
            Self::TestsInNoShard {
                expected,
                found,
                detail,
            } => write!(
                f,
                "the shards hold {found} of the {expected} tests they were cut from: {detail}"
            ),
            Self::MixedPipelines {
                first,
                first_path,
                second,
                second_path,
            } => {
                let name = |p: &Option<String>| {
                    p.as_deref()
                        .map_or("no CI pipeline".to_string(), |p| format!("pipeline {p}"))
                };
                write!(
                    f,
                    "{} is from {} but {} is from {}: shards of one CI run only",
                    second_path.display(),
                    name(second),
                    first_path.display(),
                    name(first)
                )
            }
            Self::MixedPartitions {
                first,
                first_path,
                second,
                second_path,
            } => write!(
                f,
                "{} is shard {second} but {} is shard {first}: not the same partitioning",
                second_path.display(),
                first_path.display()
            ),
            Self::DuplicateShard {
                partition,
                first,
                second,
            } => write!(
                f,
                "shard {partition} given twice: {} and {}",
                first.display(),
                second.display()
            ),
            Self::Overlap {
                test,
                first,
                second,
            } => write!(
                f,
                "shards overlap: test `{test}` is in {} and {}",
                first.display(),
                second.display()
            ),
            Self::NotCurrent(inner) => fmt::Display::fmt(inner, f),
            Self::MixedSelections {
                first,
                first_path,
                second,
                second_path,
            } => write!(
                f,
                "{} selected {second} but {} selected {first}: shards of one run select the same tests",
                second_path.display(),
                first_path.display()
            ),
            Self::MissingShard { kind, index, total } => write!(
                f,
                "shard {index} of {total} ({kind}:{index}/{total}) is missing: no report for it among the inputs"
            ),
        }
    }
}

impl std::error::Error for MergeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::NotCurrent(inner) => inner.source(),
            _ => None,
        }
    }
}

impl From<IdentityError> for MergeError {
    fn from(inner: IdentityError) -> MergeError {
        Self::NotCurrent(inner)
    }
}

/// Why the gate could not be evaluated (as opposed to "not ready").
#[derive(Debug)]
#[non_exhaustive]
pub enum GateError {
    /// A file or directory could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A file was read but is not what it should be.
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

impl fmt::Display for GateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Invalid { path, problem } => write!(f, "{}: {problem}", path.display()),
        }
    }
}

impl std::error::Error for GateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why the peak resident set could not be measured.
///
/// ```
/// let e = leanvibe_test::errors::RssError::Unsupported;
/// assert!(e.to_string().starts_with("max_rss_mb is unsupported on this platform"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RssError {
    /// Not Linux: there is no resettable high-water mark.
    Unsupported,
    /// `/proc/self/clear_refs` or `/proc/self/status` could not be used.
    Proc {
        /// What was being done (`writing /proc/self/clear_refs`).
        what: &'static str,
        /// The I/O error.
        source: io::Error,
    },
}

impl fmt::Display for RssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported => write!(
                f,
                "max_rss_mb is unsupported on this platform (it needs Linux's /proc/self/clear_refs)"
            ),
            Self::Proc { what, source } => {
                write!(f, "max_rss_mb could not be measured: {what}: {source}")
            }
        }
    }
}

impl std::error::Error for RssError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Proc { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A `--partition` that is not `count:M/N`, `hash:M/N` or `duration:M/N`
/// with `1 <= M <= N`.
///
/// ```
/// let err = "hash:4/3".parse::<leanvibe_test::report::partition::Partition>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid partition `hash:4/3`: expected 1 <= M <= N");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for PartitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { text, problem } = self;
        write!(f, "invalid partition `{text}`: {problem}")
    }
}

impl std::error::Error for PartitionError {}

/// `--timings` names a file or folder that holds no readable durations.
///
/// ```
/// use leanvibe_test::report::timings::Timings;
/// let err = Timings::load(&["/nonexistent/t.xml".into()], "suite").unwrap_err();
/// assert!(err.to_string().starts_with("--timings /nonexistent/t.xml: "), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingsError {
    /// The file or folder.
    pub path: std::path::PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for TimingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--timings {}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for TimingsError {}

/// A JSON document could not be read, or a value could not be converted.
///
/// ```
/// let err = leanvibe_test::json::from_str::<u32>("[1,").unwrap_err();
/// assert_eq!(err.to_string(), "at byte 3: unexpected end of the text");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    message: String,
}

impl JsonError {
    pub(crate) fn at(offset: usize, what: impl fmt::Display) -> JsonError {
        JsonError {
            message: format!("at byte {offset}: {what}"),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonError {}

impl serde::ser::Error for JsonError {
    fn custom<T: fmt::Display>(message: T) -> JsonError {
        JsonError {
            message: message.to_string(),
        }
    }
}

impl serde::de::Error for JsonError {
    fn custom<T: fmt::Display>(message: T) -> JsonError {
        JsonError {
            message: message.to_string(),
        }
    }
}

impl From<JsonError> for io::Error {
    fn from(e: JsonError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

#[cfg(any(feature = "perf", feature = "deploy"))]
/// Why a threshold did not parse. The message names the text and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad threshold `{text}`: {problem}")]
pub struct ThresholdError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub problem: String,
}

/// A `LEANVIBE_BENCH_BASELINE` value that is not a mode.
///
/// ```
/// let err = leanvibe_test::bench::BaselineMode::parse("save").unwrap_err();
/// assert_eq!(err.to_string(), r#"LEANVIBE_BENCH_BASELINE="save" is not a mode; use one of: compare, update, require"#);
/// ```
#[cfg(feature = "bench")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("LEANVIBE_BENCH_BASELINE={value:?} is not a mode; use one of: compare, update, require")]
pub struct BaselineModeError {
    /// The value given.
    pub value: String,
}

#[cfg(feature = "services")]
/// Why a service could not be started.
///
/// ```
/// use leanvibe_test::errors::ServiceError;
/// let e = ServiceError::NotInstalled { program: "redis-server".into() };
/// assert_eq!(e.to_string(), "redis-server not installed (not found on PATH)");
/// assert!(e.is_not_installed());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The program is not on `PATH`: a test may skip.
    #[error("{program} not installed (not found on PATH)")]
    NotInstalled {
        /// The program looked for.
        program: String,
    },
    /// The program started but exited early or was not ready in time.
    #[error(
        "{program} failed to start: {reason}\n--- last lines of {} ---\n{log_tail}\n--- end ---",
        log_path.display()
    )]
    FailedToStart {
        /// The program started.
        program: String,
        /// What went wrong.
        reason: String,
        /// The full log.
        log_path: PathBuf,
        /// The log's last lines.
        log_tail: String,
    },
    /// A statement sent to a running database server failed.
    #[error("{program}: {what} failed: {message}")]
    Statement {
        /// The server's program (`postgres`).
        program: String,
        /// What was being done (`CREATE DATABASE t_1234_1`).
        what: String,
        /// What the server or its client said.
        message: String,
    },
    /// Preparing or spawning the process failed.
    #[error("{program}: {context}: {source}")]
    Io {
        /// The program concerned.
        program: String,
        /// The step that failed.
        context: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

#[cfg(feature = "services")]
impl ServiceError {
    /// `true` for [`ServiceError::NotInstalled`].
    ///
    /// ```
    /// let e = leanvibe_test::errors::ServiceError::NotInstalled { program: "x".into() };
    /// assert!(e.is_not_installed());
    /// ```
    pub fn is_not_installed(&self) -> bool {
        matches!(self, ServiceError::NotInstalled { .. })
    }
}

#[cfg(feature = "plugin")]
/// What a [`PluginHarness`] check found wrong.
///
/// `Debug` prints the same text as `Display`, so a test returning
/// `Result<(), HarnessError>` shows the task and result JSON readably.
///
/// ```
/// use leanvibe_test::errors::HarnessError;
/// let e = HarnessError::StillInitialized { plugin_id: "p".into() };
/// assert!(e.to_string().contains("still"));
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// `is_initialized()` was `true` before `initialize` was called.
    #[error("plugin `{plugin_id}`: is_initialized() is true before initialize() was called")]
    InitializedTooEarly {
        /// The plugin's id.
        plugin_id: String,
    },
    /// `initialize` returned an error.
    #[error("plugin `{plugin_id}`: initialize() failed: {source}")]
    Initialize {
        /// The plugin's id.
        plugin_id: String,
        /// What the plugin returned.
        #[source]
        source: PluginError,
    },
    /// `initialize` returned `Ok` but `is_initialized()` stayed `false`.
    #[error("plugin `{plugin_id}`: initialize() returned Ok but is_initialized() is false")]
    NotInitialized {
        /// The plugin's id.
        plugin_id: String,
    },
    /// `cleanup` returned an error.
    #[error("plugin `{plugin_id}`: cleanup() failed: {source}")]
    Cleanup {
        /// The plugin's id.
        plugin_id: String,
        /// What the plugin returned.
        #[source]
        source: PluginError,
    },
    /// `cleanup` returned `Ok` but `is_initialized()` is still `true`.
    #[error("plugin `{plugin_id}`: cleanup() returned Ok but is_initialized() is still true")]
    StillInitialized {
        /// The plugin's id.
        plugin_id: String,
    },
    /// A task's result was not what the check expected, or broke the contract.
    #[error(
        "{problem}\n  task:   {}\n  result: {}",
        crate::plugin::harness::to_json(task),
        crate::plugin::harness::to_json(result)
    )]
    UnexpectedResult {
        /// What was wrong, in one line.
        problem: String,
        /// The task sent.
        task: Box<Task>,
        /// The result returned by the harness (with its timing and marks).
        result: Box<TaskResult>,
    },
}
