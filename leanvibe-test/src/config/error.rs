//! What can be wrong with `leanvibe.toml` or the profile asked for.

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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// The TOML parser's message (first line).
        message: String,
    },
    /// A key this version does not know.
    #[error("{}:{line}: unknown key `{key}` in {table}; valid keys: {valid}", path.display())]
    UnknownKey {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the key.
        line: usize,
        /// The key as written.
        key: String,
        /// Where it was: `[profile.ci]`, or `the top level`.
        table: String,
        /// The keys allowed there, comma-separated.
        valid: String,
    },
    /// A known key with a value of the wrong type or out of range.
    #[error("{}:{line}: `{key}` in {table} must be {expected}, found {found}", path.display())]
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
    #[error("{}:{line}: {table} sets both `{first}` and `{second}`; keep one", path.display())]
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
    #[error("{}: no profile named `{name}`; profiles: {available}", path.display())]
    UnknownProfile {
        /// The config file (which may not exist: then only `default` does).
        path: PathBuf,
        /// The profile asked for.
        name: String,
        /// The profiles that exist, comma-separated.
        available: String,
    },
}
