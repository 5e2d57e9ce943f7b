//! `leanvibe.toml`: named profiles of defaults for a test crate.
//!
//! The file is optional and sits at the root of the crate that declares the
//! tests (next to its `Cargo.toml`). It holds profiles, as nextest does:
//! `[profile.default]` applies unless another is chosen with
//! `--profile NAME` or the `LEANVIBE_PROFILE` environment variable, and every
//! other profile inherits each setting it leaves out from `default`.
//!
//! The plugin SDK's standard budgets, with a stricter CI profile:
//!
//! ```toml
//! [profile.default]
//! max_ms = 50          # wall time of one run of a test body, ms (float allowed)
//! max_mb = 80          # peak heap growth, MiB; or max_kb = 512 for small budgets
//! timeout_ms = 60000   # kill a test's worker after this long
//!
//! [profile.ci]
//! retries = 2          # rerun a failure; a later pass is reported as flaky
//! test_threads = 2     # worker processes
//! max_rss_mb = 256     # peak resident-set growth (Linux only)
//! report_dir = "target/leanvibe"   # relative to this file
//! junit = "target/leanvibe/junit.xml"
//! json = "target/leanvibe/ctrf.json"
//! html = "target/leanvibe/report.html"  # or false: no HTML page
//! history_dir = "target/leanvibe/history"  # keep runs for the page's trends
//! history_runs = 20    # runs of each binary kept there
//! proptest_cases = 64  # cases of property tests that set none
//! proptest_seed = 7    # fix the cases, to rerun a failure exactly
//! redact = true        # scrub secrets from reports
//! ```
//!
//! Budgets in the profile apply to tests whose attribute does not set that
//! budget ([`Profile::apply`]). An unknown key or a bad value is an error
//! naming the file, line and key, and the harness exits with code 101.
//!
//! ```
//! use leanvibe_test::config::Config;
//! use leanvibe_test::budget::Budget;
//!
//! let text = "[profile.default]\nmax_ms = 50\nmax_mb = 80\n\n[profile.ci]\nretries = 2\n";
//! let config = Config::parse(text, "leanvibe.toml".as_ref())?;
//! let ci = config.profile("ci")?;
//! assert_eq!((ci.max_ms, ci.retries), (Some(50.0), Some(2)));
//!
//! // A test's own attribute wins over the profile.
//! let attrs = Budget { max_ms: Some(200.0), ..Budget::NONE };
//! let budget = ci.apply(&attrs);
//! assert_eq!(budget.max_ms, Some(200.0));
//! assert_eq!(budget.max_heap_bytes, Some(80 << 20));
//! # Ok::<(), leanvibe_test::config::ConfigError>(())
//! ```

mod parse;

pub use crate::errors::ConfigError;

use crate::registry::Budget;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// The file name looked for in the test crate's root.
pub const FILE_NAME: &str = "leanvibe.toml";

/// The profile used unless another is asked for; the one others inherit from.
pub const DEFAULT_PROFILE: &str = "default";

/// The environment variable naming the profile (`--profile` wins over it).
pub const PROFILE_ENV: &str = "LEANVIBE_PROFILE";

/// One profile's settings. `None` means "not set": for a budget, the test's
/// attribute or nothing applies; for the rest, the harness's default.
///
/// ```
/// let profile = leanvibe_test::config::Profile::default();
/// assert_eq!(profile.max_ms, None);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Profile {
    /// The profile's name (`default`, `ci`, ...).
    pub name: String,
    /// `max_ms`: default wall-time budget of one run, in ms.
    pub max_ms: Option<f64>,
    /// `max_mb` / `max_kb`: default peak heap growth budget, in bytes.
    pub max_heap_bytes: Option<u64>,
    /// `max_rss_mb`: default peak RSS growth budget, in bytes.
    pub max_rss_bytes: Option<u64>,
    /// `timeout_ms`: default per-test timeout.
    pub timeout_ms: Option<u64>,
    /// `retries`: default reruns of a failed test.
    pub retries: Option<u32>,
    /// `flaky_result`: whether a test that passed on a retry passes or
    /// fails the run (nextest's `flaky-result`).
    pub flaky_result: Option<FlakyResult>,
    /// `only_rerun`: retry only failures matching one of these patterns
    /// (empty: every failure).
    pub only_rerun: Vec<String>,
    /// `test_threads`: how many workers run tests at once.
    pub test_threads: Option<NonZeroUsize>,
    /// `report_dir`: where reports go, resolved against the file's directory.
    pub report_dir: Option<PathBuf>,
    /// `junit`: path of the JUnit XML report, resolved likewise.
    pub junit: Option<PathBuf>,
    /// `json`: path of the CTRF JSON report, resolved likewise.
    pub json: Option<PathBuf>,
    /// `html`: where the HTML report goes (resolved like `junit`), or
    /// `false` for no page.
    pub html: Option<HtmlSetting>,
    /// `history_dir`: keep each run's CTRF file here, for the HTML
    /// report's trends; resolved likewise.
    pub history_dir: Option<PathBuf>,
    /// `history_runs`: how many runs of each binary the history keeps
    /// (default 20).
    pub history_runs: Option<NonZeroUsize>,
    /// `redact`: scrub secrets from reports.
    pub redact: Option<bool>,
    /// `proptest_cases`: cases of a property test that sets none.
    pub proptest_cases: Option<u32>,
    /// `proptest_max_shrink_iters`: shrink steps of a property test's failure.
    pub proptest_max_shrink_iters: Option<u32>,
    /// `proptest_seed`: the seed of every property test's cases, to rerun a
    /// CI failure exactly.
    pub proptest_seed: Option<u64>,
}

/// The profile's `html` key.
///
/// ```
/// use leanvibe_test::config::{Config, HtmlSetting};
/// let config = Config::parse("[profile.ci]\nhtml = false\n", "leanvibe.toml".as_ref())?;
/// assert_eq!(config.profile("ci")?.html, Some(HtmlSetting::Off));
/// # Ok::<(), leanvibe_test::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtmlSetting {
    /// Write the page here.
    At(PathBuf),
    /// Write no page.
    Off,
}

/// What a flaky test (failed, then passed on a retry) counts as.
///
/// ```
/// use leanvibe_test::config::{Config, FlakyResult};
/// let config = Config::parse("[profile.ci]\nflaky_result = \"fail\"\n", "leanvibe.toml".as_ref())?;
/// assert_eq!(config.profile("ci")?.flaky_result, Some(FlakyResult::Fail));
/// # Ok::<(), leanvibe_test::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlakyResult {
    /// It passes, marked flaky in the console and the reports (the default,
    /// as in nextest).
    #[default]
    Pass,
    /// It fails the run, with failure kind `flaky`.
    Fail,
}

impl Profile {
    /// The budget a test runs under: each limit its attribute sets, else the
    /// profile's. Statistical keys, iterations and warmup come from the
    /// attribute only.
    ///
    /// ```
    /// use leanvibe_test::config::Config;
    /// use leanvibe_test::budget::Budget;
    /// let config = Config::parse("[profile.default]\nmax_kb = 512\nretries = 1\n", "leanvibe.toml".as_ref())?;
    /// let profile = config.profile("default")?;
    /// let budget = profile.apply(&Budget { retries: Some(0), ..Budget::NONE });
    /// assert_eq!(budget.max_heap_bytes, Some(512 * 1024));
    /// assert_eq!(budget.retries, Some(0));
    /// # Ok::<(), leanvibe_test::config::ConfigError>(())
    /// ```
    pub fn apply(&self, attrs_budget: &Budget) -> Budget {
        Budget {
            max_ms: attrs_budget.max_ms.or(self.max_ms),
            max_heap_bytes: attrs_budget.max_heap_bytes.or(self.max_heap_bytes),
            max_rss_bytes: attrs_budget.max_rss_bytes.or(self.max_rss_bytes),
            retries: attrs_budget.retries.or(self.retries),
            ..*attrs_budget
        }
    }

    /// This profile with every unset field taken from `parent`.
    fn inherit(self, parent: &Profile) -> Profile {
        Profile {
            name: self.name,
            max_ms: self.max_ms.or(parent.max_ms),
            max_heap_bytes: self.max_heap_bytes.or(parent.max_heap_bytes),
            max_rss_bytes: self.max_rss_bytes.or(parent.max_rss_bytes),
            timeout_ms: self.timeout_ms.or(parent.timeout_ms),
            retries: self.retries.or(parent.retries),
            flaky_result: self.flaky_result.or(parent.flaky_result),
            only_rerun: if self.only_rerun.is_empty() {
                parent.only_rerun.clone()
            } else {
                self.only_rerun
            },
            test_threads: self.test_threads.or(parent.test_threads),
            report_dir: self.report_dir.or_else(|| parent.report_dir.clone()),
            junit: self.junit.or_else(|| parent.junit.clone()),
            json: self.json.or_else(|| parent.json.clone()),
            html: self.html.or_else(|| parent.html.clone()),
            history_dir: self.history_dir.or_else(|| parent.history_dir.clone()),
            history_runs: self.history_runs.or(parent.history_runs),
            redact: self.redact.or(parent.redact),
            proptest_cases: self.proptest_cases.or(parent.proptest_cases),
            proptest_max_shrink_iters: self
                .proptest_max_shrink_iters
                .or(parent.proptest_max_shrink_iters),
            proptest_seed: self.proptest_seed.or(parent.proptest_seed),
        }
    }
}

/// A parsed `leanvibe.toml` (or the empty configuration when there is none).
///
/// ```
/// let config = leanvibe_test::config::Config::load(env!("CARGO_MANIFEST_DIR").as_ref())?;
/// let profile = config.profile("default")?;
/// # let _ = profile;
/// # Ok::<(), leanvibe_test::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    path: PathBuf,
    profiles: BTreeMap<String, Profile>,
}

impl Config {
    /// Reads `leanvibe.toml` from `manifest_dir` (`TestCase::manifest_dir`).
    /// A missing file is an empty configuration with only `default`.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let config = leanvibe_test::config::Config::load(dir.path()).unwrap();
    /// assert_eq!(config.profile_names().collect::<Vec<_>>(), ["default"]);
    /// ```
    pub fn load(manifest_dir: &Path) -> Result<Config, ConfigError> {
        let path = manifest_dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config {
                path,
                profiles: BTreeMap::new(),
            }),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses the text of a config file; `path` is used in error messages and
    /// to resolve relative report paths.
    ///
    /// ```
    /// use leanvibe_test::config::Config;
    /// let err = Config::parse("[profile.default]\nmax_ms = \"fast\"\n", "leanvibe.toml".as_ref()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "leanvibe.toml:2: `max_ms` in [profile.default] must be a positive number, found string \"fast\"",
    /// );
    /// ```
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Ok(Config {
            path: path.to_path_buf(),
            profiles: parse::profiles(text, path)?,
        })
    }

    /// The file this configuration came from (or would have).
    ///
    /// ```
    /// let config = leanvibe_test::config::Config::parse("", "leanvibe.toml".as_ref()).unwrap();
    /// assert_eq!(config.path(), std::path::Path::new("leanvibe.toml"));
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names of the profiles that exist, `default` always among them, sorted.
    ///
    /// ```
    /// let config = leanvibe_test::config::Config::parse("[profile.ci]\n", "leanvibe.toml".as_ref()).unwrap();
    /// assert_eq!(config.profile_names().collect::<Vec<_>>(), ["ci", "default"]);
    /// ```
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        let default_missing = !self.profiles.contains_key(DEFAULT_PROFILE);
        let mut names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
        if default_missing {
            names.push(DEFAULT_PROFILE);
            names.sort_unstable();
        }
        names.into_iter()
    }

    /// The profile called `name`, with what it leaves unset taken from
    /// `default`.
    ///
    /// ```
    /// let config = leanvibe_test::config::Config::parse("[profile.ci]\n", "leanvibe.toml".as_ref()).unwrap();
    /// let err = config.profile("cii").unwrap_err();
    /// assert_eq!(err.to_string(), "leanvibe.toml: no profile named `cii`; profiles: ci, default");
    /// ```
    pub fn profile(&self, name: &str) -> Result<Profile, ConfigError> {
        let default = self
            .profiles
            .get(DEFAULT_PROFILE)
            .cloned()
            .unwrap_or_else(|| Profile {
                name: DEFAULT_PROFILE.to_string(),
                ..Profile::default()
            });
        if name == DEFAULT_PROFILE {
            return Ok(default);
        }
        match self.profiles.get(name) {
            Some(profile) => Ok(profile.clone().inherit(&default)),
            None => Err(ConfigError::UnknownProfile {
                path: self.path.clone(),
                name: name.to_string(),
                available: self.profile_names().collect::<Vec<_>>().join(", "),
            }),
        }
    }
}

/// The profile to use: `cli` (from `--profile`) if given, else
/// `$LEANVIBE_PROFILE` if set and not empty, else `default`.
///
/// ```
/// assert_eq!(leanvibe_test::config::profile_name(Some("ci")), "ci");
/// ```
pub fn profile_name(cli: Option<&str>) -> String {
    cli.map(str::to_string)
        .or_else(|| std::env::var(PROFILE_ENV).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string())
}

#[cfg(test)]
mod tests;
