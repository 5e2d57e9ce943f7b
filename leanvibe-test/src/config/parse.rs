//! Reading `leanvibe.toml` into profiles, checking every key and value
//! against the spans toml keeps, so errors can name the line.

use super::{FlakyResult, HtmlSetting, Profile};
use crate::errors::ConfigError;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Keys a profile may set, in the order error messages list them.
pub(super) const PROFILE_KEYS: &[&str] = &[
    "max_ms",
    "max_mb",
    "max_kb",
    "max_rss_mb",
    "timeout_ms",
    "retries",
    "flaky_result",
    "only_rerun",
    "test_threads",
    "report_dir",
    "junit",
    "json",
    "html",
    "history_dir",
    "history_runs",
    "redact",
    "proptest_cases",
    "proptest_max_shrink_iters",
    "proptest_seed",
];

const MIB: f64 = (1u64 << 20) as f64;
const KIB: f64 = (1u64 << 10) as f64;

/// The profiles of a config file, as written (no inheritance applied).
pub(super) fn profiles(text: &str, path: &Path) -> Result<BTreeMap<String, Profile>, ConfigError> {
    let file = File { text, path };
    let document = DeTable::parse(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        line: file.line(e.span().map_or(0, |s| s.start)),
        message: e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string(),
    })?;
    let mut profiles = BTreeMap::new();
    for (key, value) in in_file_order(document.get_ref()) {
        if key.get_ref() != "profile" {
            return Err(file.unknown_key(key, "the top level", "profile"));
        }
        let DeValue::Table(table) = value.get_ref() else {
            return Err(file.bad_value("profile", "the top level", "a table", value));
        };
        for (name, body) in in_file_order(table) {
            let DeValue::Table(body) = body.get_ref() else {
                return Err(file.bad_value(
                    &shown(name.get_ref()),
                    "[profile]",
                    "a table ([profile.NAME])",
                    body,
                ));
            };
            let profile = file.profile(name.get_ref(), body)?;
            profiles.insert(name.get_ref().to_string(), profile);
        }
    }
    Ok(profiles)
}

fn in_file_order<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

struct File<'a> {
    text: &'a str,
    path: &'a Path,
}

impl File<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn unknown_key<K: AsRef<str>>(
        &self,
        key: &Spanned<K>,
        table: &str,
        valid: &str,
    ) -> ConfigError {
        ConfigError::UnknownKey {
            path: self.path.to_path_buf(),
            line: self.line(key.span().start),
            key: shown(key.get_ref().as_ref()),
            table: table.to_string(),
            valid: valid.to_string(),
        }
    }

    fn bad_value(
        &self,
        key: &str,
        table: &str,
        expected: &'static str,
        value: &Spanned<DeValue<'_>>,
    ) -> ConfigError {
        ConfigError::BadValue {
            path: self.path.to_path_buf(),
            line: self.line(value.span().start),
            key: key.to_string(),
            table: table.to_string(),
            expected,
            found: describe(value.get_ref()),
        }
    }

    /// Relative report paths are relative to the directory of the file.
    fn resolve(&self, written: &str) -> PathBuf {
        match self.path.parent() {
            Some(dir) => dir.join(written),
            None => PathBuf::from(written),
        }
    }

    fn profile(&self, name: &str, body: &DeTable<'_>) -> Result<Profile, ConfigError> {
        let table = format!("[profile.{}]", shown(name));
        let mut profile = Profile {
            name: name.to_string(),
            ..Profile::default()
        };
        let mut heap_key: Option<&'static str> = None;
        for (key, value) in in_file_order(body) {
            let bad = |expected| self.bad_value(key.get_ref(), &table, expected, value);
            let v = value.get_ref();
            match key.get_ref().as_ref() {
                "max_ms" => profile.max_ms = Some(positive(v).ok_or_else(|| bad(POSITIVE))?),
                k @ ("max_mb" | "max_kb") => {
                    let k: &'static str = if k == "max_mb" { "max_mb" } else { "max_kb" };
                    if let Some(first) = heap_key {
                        return Err(ConfigError::Conflict {
                            path: self.path.to_path_buf(),
                            line: self.line(key.span().start),
                            table,
                            first,
                            second: k,
                        });
                    }
                    heap_key = Some(k);
                    let unit = if k == "max_mb" { MIB } else { KIB };
                    let amount = positive(v).ok_or_else(|| bad(POSITIVE))?;
                    profile.max_heap_bytes =
                        Some(bytes(amount, unit).ok_or_else(|| bad(POSITIVE))?);
                }
                "max_rss_mb" => {
                    let amount = positive(v).ok_or_else(|| bad(POSITIVE))?;
                    profile.max_rss_bytes = Some(bytes(amount, MIB).ok_or_else(|| bad(POSITIVE))?);
                }
                "timeout_ms" => {
                    let ms = integer(v)
                        .filter(|&n| n > 0)
                        .ok_or_else(|| bad(POSITIVE_INTEGER))?;
                    profile.timeout_ms = Some(ms as u64);
                }
                "retries" => {
                    let n = integer(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| bad("a whole number, 0 or more"))?;
                    profile.retries = Some(n);
                }
                "flaky_result" => {
                    profile.flaky_result = Some(match v {
                        DeValue::String(s) if s == "pass" => FlakyResult::Pass,
                        DeValue::String(s) if s == "fail" => FlakyResult::Fail,
                        _ => return Err(bad("\"pass\" or \"fail\"")),
                    });
                }
                "only_rerun" => {
                    const PATTERNS: &str = "a regular expression, or an array of them";
                    let patterns: Vec<String> = match v {
                        DeValue::String(s) => vec![s.to_string()],
                        DeValue::Array(items) => items
                            .iter()
                            .map(|item| match item.get_ref() {
                                DeValue::String(s) => Ok(s.to_string()),
                                _ => Err(bad(PATTERNS)),
                            })
                            .collect::<Result<_, _>>()?,
                        _ => return Err(bad(PATTERNS)),
                    };
                    if let Some(invalid) =
                        patterns.iter().find(|p| regex_lite::Regex::new(p).is_err())
                    {
                        return Err(ConfigError::BadValue {
                            path: self.path.to_path_buf(),
                            line: self.line(value.span().start),
                            key: "only_rerun".to_string(),
                            table: table.clone(),
                            expected: PATTERNS,
                            found: format!("the invalid pattern {invalid:?}"),
                        });
                    }
                    profile.only_rerun = patterns;
                }
                "test_threads" => {
                    let n = integer(v)
                        .and_then(|n| usize::try_from(n).ok())
                        .and_then(NonZeroUsize::new)
                        .ok_or_else(|| bad(POSITIVE_INTEGER))?;
                    profile.test_threads = Some(n);
                }
                k @ ("report_dir" | "junit" | "json") => {
                    let DeValue::String(s) = v else {
                        return Err(bad("a path string"));
                    };
                    if s.is_empty() {
                        return Err(bad("a path string"));
                    }
                    let resolved = Some(self.resolve(s));
                    match k {
                        "report_dir" => profile.report_dir = resolved,
                        "junit" => profile.junit = resolved,
                        _ => profile.json = resolved,
                    }
                }
                "html" => {
                    profile.html = Some(match v {
                        DeValue::Boolean(false) => HtmlSetting::Off,
                        DeValue::String(s) if !s.is_empty() => HtmlSetting::At(self.resolve(s)),
                        _ => return Err(bad("a path string, or false to write no page")),
                    });
                }
                "history_dir" => {
                    let DeValue::String(s) = v else {
                        return Err(bad("a path string"));
                    };
                    if s.is_empty() {
                        return Err(bad("a path string"));
                    }
                    profile.history_dir = Some(self.resolve(s));
                }
                "history_runs" => {
                    let n = integer(v)
                        .and_then(|n| usize::try_from(n).ok())
                        .and_then(NonZeroUsize::new)
                        .ok_or_else(|| bad(POSITIVE_INTEGER))?;
                    profile.history_runs = Some(n);
                }
                k @ ("proptest_cases" | "proptest_max_shrink_iters") => {
                    let n = integer(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|n| *n > 0 || k == "proptest_max_shrink_iters")
                        .ok_or_else(|| bad(POSITIVE_INTEGER))?;
                    match k {
                        "proptest_cases" => profile.proptest_cases = Some(n),
                        _ => profile.proptest_max_shrink_iters = Some(n),
                    }
                }
                "proptest_seed" => {
                    let n = integer(v)
                        .and_then(|n| u64::try_from(n).ok())
                        .ok_or_else(|| bad("a whole number, 0 or more"))?;
                    profile.proptest_seed = Some(n);
                }
                "redact" => {
                    let DeValue::Boolean(b) = v else {
                        return Err(bad("true or false"));
                    };
                    profile.redact = Some(*b);
                }
                _ => return Err(self.unknown_key(key, &table, &PROFILE_KEYS.join(", "))),
            }
        }
        Ok(profile)
    }
}

/// A key or profile name for a message, as it could be written: bare when
/// TOML allows, else quoted with its escapes. A quoted key may hold a line
/// break (`[profile."a\nb"]`), which written raw would split the one-line
/// error over lines.
fn shown(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

const POSITIVE: &str = "a positive number";
const POSITIVE_INTEGER: &str = "a positive whole number";

fn integer(value: &DeValue<'_>) -> Option<i64> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// A finite number above zero, integer or float.
fn positive(value: &DeValue<'_>) -> Option<f64> {
    let n = match value {
        DeValue::Integer(_) => integer(value)? as f64,
        DeValue::Float(f) => f.as_str().parse::<f64>().ok()?,
        _ => return None,
    };
    (n.is_finite() && n > 0.0).then_some(n)
}

fn bytes(amount: f64, unit: f64) -> Option<u64> {
    let bytes = (amount * unit).round();
    (bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// How a value looks in an error: `string "fast"`, `integer -3`.
fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("string {s:?}"),
        DeValue::Integer(i) => format!("integer {i}"),
        DeValue::Float(f) => format!("float {}", f.as_str()),
        DeValue::Boolean(b) => format!("boolean {b}"),
        DeValue::Datetime(d) => format!("datetime {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}
