//! The readiness gate for CI: `leanvibe-report gate`.
//!
//! Reads the CTRF reports of a run and the bench compliance files, checks a
//! [`GatePolicy`], and renders a Markdown summary for the CI job page.
//! A run is ready when:
//!
//! - there is at least one CTRF report;
//! - every leanvibe CTRF report is of a run that completed, is its binary's
//!   latest run, agrees with the JUnit file beside it
//!   ([`identity`](crate::report::identity)), and covers the whole suite
//!   (no filters, `--skip`, `--ignored` or unmerged shard) unless
//!   `allow_partial` is set; and no binary in a directory given has a
//!   latest run that left no report (killed, or run under nextest);
//! - every failed test carries one of the allowed tags (none by default);
//! - no failed test, allowed or not, failed with a forbidden kind (read
//!   from CTRF `extra.leanvibe.failureKind`; by default `budget.*`,
//!   `security` and `performance`);
//! - every bench compliance file says `"passed": true` (and there is one,
//!   if the policy requires benches);
//! - the coverage figure, when a minimum is set, reaches it.
//!
//! **Bench compliance files** are assumed to be JSON files named
//! `*.compliance.json` as `leanvibe_test::bench` writes them (docs/perf.md):
//! a top-level `"passed": bool` and a `"benches": [...]` list; an entry with
//! `"status": "failed"` is named (by its `"id"`) in the summary. Other fields
//! are ignored.
//!
//! **Coverage files** hold a percentage: either a bare number (`83.4` or
//! `83.4%`), or JSON with `data[0].totals.lines.percent` (the summary of
//! `cargo llvm-cov --json --summary-only`) or a top-level `coverage` or
//! `percent` number.
//!
//! ```
//! use leanvibe_test::report::gate::{evaluate, GateInputs, GatePolicy};
//! let dir = tempfile::tempdir().unwrap();
//! let report = dir.path().join("suite.ctrf.json");
//! std::fs::write(&report, r#"{"reportFormat":"CTRF","specVersion":"0.0.0","results":{
//!   "tool":{"name":"leanvibe-test"},"summary":{"tests":1,"passed":0,"failed":1,"skipped":0,
//!   "pending":0,"other":0,"start":0,"stop":0},"tests":[{"name":"slow","status":"failed",
//!   "duration":61,"message":"took 61 ms, over max_ms = 50",
//!   "extra":{"leanvibe":{"schema":1,"failureKind":"budget.time","attempts":1}}}]}}"#).unwrap();
//! let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
//! let verdict = evaluate(&GatePolicy::default(), &inputs).unwrap();
//! assert!(!verdict.ready);
//! assert!(verdict.markdown().contains("| `slow` | budget.time |"));
//! ```

use crate::errors::GateError;
use crate::json::Value;
use crate::report::ctrf::{CtrfReport, CtrfStatus, EXTRA_KEY};
use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What makes a run ready. Built from flags, a TOML file, or both.
///
/// ```
/// use leanvibe_test::report::gate::GatePolicy;
/// let policy = GatePolicy::default();
/// assert!(policy.is_forbidden("budget.memory"));
/// assert!(policy.is_forbidden("security"));
/// assert!(!policy.is_forbidden("panic"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GatePolicy {
    /// Failed tests carrying one of these tags do not block (unless their
    /// failure kind is forbidden).
    pub allowed_failure_tags: Vec<String>,
    /// Failure kinds that always block. `prefix.*` matches every kind
    /// starting with `prefix.`.
    pub forbidden_kinds: Vec<String>,
    /// Require at least one bench compliance file.
    pub require_benches: bool,
    /// The file holding the coverage percentage.
    pub coverage_file: Option<PathBuf>,
    /// The lowest acceptable coverage percentage.
    pub min_coverage: Option<f64>,
    /// Accept reports of filtered runs and unmerged shards.
    pub allow_partial: bool,
}

impl Default for GatePolicy {
    fn default() -> Self {
        GatePolicy {
            allowed_failure_tags: Vec::new(),
            forbidden_kinds: DEFAULT_FORBIDDEN_KINDS
                .iter()
                .map(|k| k.to_string())
                .collect(),
            require_benches: false,
            coverage_file: None,
            min_coverage: None,
            allow_partial: false,
        }
    }
}

/// The failure kinds that block by default.
pub const DEFAULT_FORBIDDEN_KINDS: &[&str] = &["budget.*", "security", "performance"];

/// The TOML form of a policy; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    allowed_failure_tags: Option<Vec<String>>,
    forbidden_kinds: Option<Vec<String>>,
    require_benches: Option<bool>,
    coverage_file: Option<PathBuf>,
    min_coverage: Option<f64>,
    allow_partial: Option<bool>,
}

impl GatePolicy {
    /// Reads a policy from TOML; keys left out keep their defaults. A
    /// relative `coverage_file` is taken relative to the policy file.
    ///
    /// ```toml
    /// allowed_failure_tags = ["experimental"]
    /// forbidden_kinds = ["budget.*", "security", "performance", "timeout"]
    /// require_benches = true
    /// coverage_file = "target/coverage.txt"
    /// min_coverage = 80.0
    /// allow_partial = false
    /// ```
    ///
    /// ```
    /// use leanvibe_test::report::gate::GatePolicy;
    /// let policy = GatePolicy::from_toml("min_coverage = 75\nallowed_failure_tags = [\"net\"]", None).unwrap();
    /// assert_eq!(policy.min_coverage, Some(75.0));
    /// assert!(GatePolicy::from_toml("min_coverge = 75", None).is_err());
    /// ```
    pub fn from_toml(text: &str, path: Option<&Path>) -> Result<GatePolicy, GateError> {
        let where_ = path.unwrap_or(Path::new("policy"));
        let file: PolicyFile = toml::from_str(text).map_err(|e| GateError::Invalid {
            path: where_.to_path_buf(),
            problem: e.to_string().trim_end().to_string(),
        })?;
        let mut policy = GatePolicy::default();
        if let Some(tags) = file.allowed_failure_tags {
            policy.allowed_failure_tags = tags;
        }
        if let Some(kinds) = file.forbidden_kinds {
            policy.forbidden_kinds = kinds;
        }
        if let Some(require) = file.require_benches {
            policy.require_benches = require;
        }
        policy.coverage_file = file
            .coverage_file
            .map(|file| match path.and_then(Path::parent) {
                Some(dir) if file.is_relative() => dir.join(file),
                _ => file,
            });
        policy.min_coverage = file.min_coverage;
        policy.allow_partial = file.allow_partial.unwrap_or(false);
        Ok(policy)
    }

    /// Reads a policy file ([`from_toml`](GatePolicy::from_toml)).
    ///
    /// ```no_run
    /// let policy = leanvibe_test::report::gate::GatePolicy::load("verdict.toml".as_ref())?;
    /// # Ok::<(), leanvibe_test::errors::GateError>(())
    /// ```
    pub fn load(path: &Path) -> Result<GatePolicy, GateError> {
        let text = std::fs::read_to_string(path).map_err(|source| GateError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        GatePolicy::from_toml(&text, Some(path))
    }

    /// Whether failure `kind` always blocks.
    ///
    /// ```
    /// # use leanvibe_test::report::gate::GatePolicy;
    /// let policy = GatePolicy { forbidden_kinds: vec!["budget.*".into()], ..Default::default() };
    /// assert!(policy.is_forbidden("budget.time"));
    /// assert!(!policy.is_forbidden("budget"));
    /// ```
    pub fn is_forbidden(&self, kind: &str) -> bool {
        self.forbidden_kinds
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => kind.starts_with(prefix),
                None => kind == pattern,
            })
    }
}

/// The files to read: CTRF reports and bench compliance files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateInputs {
    /// `*.ctrf.json` reports.
    pub ctrf: Vec<PathBuf>,
    /// `*.compliance.json` bench files.
    pub compliance: Vec<PathBuf>,
    /// Directories given, whose event streams are checked for runs that
    /// left no report.
    pub dirs: Vec<PathBuf>,
}

impl GateInputs {
    /// Sorts files given on the command line: a directory contributes its
    /// `*.ctrf.json` and `*.compliance.json` files (not its subdirectories);
    /// a file ending in `.compliance.json` is a compliance file, any other
    /// file a CTRF report.
    ///
    /// ```
    /// use leanvibe_test::report::gate::GateInputs;
    /// let dir = tempfile::tempdir().unwrap();
    /// for name in ["a.ctrf.json", "b.junit.xml", "encode.compliance.json"] {
    ///     std::fs::write(dir.path().join(name), "{}").unwrap();
    /// }
    /// let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
    /// assert_eq!(inputs.ctrf, vec![dir.path().join("a.ctrf.json")]);
    /// assert_eq!(inputs.compliance, vec![dir.path().join("encode.compliance.json")]);
    /// assert_eq!(inputs.dirs, vec![dir.path().to_owned()]);
    /// ```
    pub fn find(paths: &[PathBuf]) -> Result<GateInputs, GateError> {
        let mut inputs = GateInputs::default();
        for path in paths {
            if path.is_dir() {
                inputs.dirs.push(path.clone());
                let entries = std::fs::read_dir(path).map_err(|source| GateError::Read {
                    path: path.clone(),
                    source,
                })?;
                let mut found: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                found.sort();
                for file in found {
                    let name = file.to_string_lossy();
                    if name.ends_with(".ctrf.json") {
                        inputs.ctrf.push(file);
                    } else if name.ends_with(".compliance.json") {
                        inputs.compliance.push(file);
                    }
                }
            } else if path.to_string_lossy().ends_with(".compliance.json") {
                inputs.compliance.push(path.clone());
            } else {
                inputs.ctrf.push(path.clone());
            }
        }
        Ok(inputs)
    }
}

/// One check of the gate and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct GateCheck {
    /// `Reports`, `Tests`, `Failure kinds`, `Benches`, `Coverage`.
    pub name: &'static str,
    /// `Some(true)` passed, `Some(false)` blocks, `None` did not apply.
    pub passed: Option<bool>,
    /// One line of explanation.
    pub detail: String,
}

/// A failed test found in the reports.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedTest {
    /// Its name.
    pub name: String,
    /// `extra.leanvibe.failureKind`, when the report has it.
    pub kind: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// First line of the failure message.
    pub message: Option<String>,
    /// It carries an allowed tag.
    pub allowed: bool,
    /// Its kind is forbidden.
    pub forbidden: bool,
}

/// The gate's verdict, with everything the summary shows.
#[derive(Debug, Clone, PartialEq)]
pub struct GateVerdict {
    /// Every check passed or did not apply.
    pub ready: bool,
    /// The checks, in order.
    pub checks: Vec<GateCheck>,
    /// Every failed test.
    pub failed_tests: Vec<FailedTest>,
    /// Names of failing benches, with their compliance file.
    pub failed_benches: Vec<String>,
    /// Reports refused, one line each: not complete, not current, partial,
    /// or missing.
    pub refused: Vec<String>,
}

/// Reads the inputs and checks them against the policy.
///
/// ```
/// use leanvibe_test::report::gate::{evaluate, GateInputs, GatePolicy};
/// let verdict = evaluate(&GatePolicy::default(), &GateInputs::default()).unwrap();
/// assert!(!verdict.ready); // no reports at all is not ready
/// ```
pub fn evaluate(policy: &GatePolicy, inputs: &GateInputs) -> Result<GateVerdict, GateError> {
    let mut checks = Vec::new();
    let (mut passed, mut skipped) = (0u64, 0u64);
    let mut failed_tests = Vec::new();
    let mut forbidden_attempts: Vec<String> = Vec::new();
    let mut refused = Vec::new();
    for path in &inputs.ctrf {
        let report = CtrfReport::read(path).map_err(|source| GateError::Read {
            path: path.clone(),
            source,
        })?;
        // The verdicts of a stale or unfinished report are not this run's:
        // they are not counted, and the gate cannot pass.
        if let Err(e) = crate::report::identity::verify(path, &report) {
            refused.push(e.to_string());
            continue;
        }
        if let Some(run) = report.run_extra()
            && !run.selection.is_whole()
            && !policy.allow_partial
        {
            refused.push(format!(
                "{}: covers only part of the suite ({}); run it whole, merge the shards, or allow partial runs (--allow-partial)",
                path.display(),
                run.selection.describe()
            ));
        }
        for test in report.results.tests {
            // A retry that passed does not undo a forbidden failure before
            // it: a missed budget or a finding on attempt 1 still counts.
            let last = test.retry_attempts.len().saturating_sub(1);
            for attempt in &test.retry_attempts[..last] {
                if let Some(kind) = attempt.failure_kind().filter(|k| policy.is_forbidden(k)) {
                    forbidden_attempts.push(format!(
                        "`{}` ({kind} on attempt {})",
                        test.name, attempt.attempt
                    ));
                }
            }
            match test.status {
                CtrfStatus::Passed => passed += 1,
                CtrfStatus::Skipped | CtrfStatus::Pending => skipped += 1,
                CtrfStatus::Failed | CtrfStatus::Other => {
                    let kind = test
                        .extra
                        .get(EXTRA_KEY)
                        .and_then(|extra| extra.get("failureKind"))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    failed_tests.push(FailedTest {
                        allowed: test
                            .tags
                            .iter()
                            .any(|t| policy.allowed_failure_tags.contains(t)),
                        forbidden: kind.as_deref().is_some_and(|k| policy.is_forbidden(k)),
                        message: test.message.clone(),
                        name: test.name,
                        kind,
                        tags: test.tags,
                    });
                }
            }
        }
    }
    for dir in &inputs.dirs {
        let missing = crate::report::identity::runs_without_report(dir).map_err(|source| {
            GateError::Read {
                path: dir.clone(),
                source,
            }
        })?;
        refused.extend(missing);
    }
    let reports = inputs.ctrf.len();
    checks.push(GateCheck {
        name: "Reports",
        passed: Some(reports > 0 && refused.is_empty()),
        detail: match (reports, refused.first()) {
            (0, _) => "no CTRF reports found".to_string(),
            (_, Some(first)) if refused.len() == 1 => format!("refused: {first}"),
            (_, Some(first)) => format!("{} refused, first: {first}", refused.len()),
            (1, None) => "1 CTRF report, complete and current".to_string(),
            (n, None) => format!("{n} CTRF reports, complete and current"),
        },
    });
    let blocking = failed_tests.iter().filter(|t| !t.allowed).count();
    let allowed = failed_tests.len() - blocking;
    checks.push(GateCheck {
        name: "Tests",
        passed: Some(blocking == 0),
        detail: format!(
            "{passed} passed, {} failed ({allowed} allowed by tag), {skipped} skipped",
            failed_tests.len()
        ),
    });
    let forbidden: Vec<String> = failed_tests
        .iter()
        .filter(|t| t.forbidden)
        .map(|t| format!("`{}` ({})", t.name, t.kind.as_deref().unwrap_or("?")))
        .chain(forbidden_attempts)
        .collect();
    checks.push(GateCheck {
        name: "Failure kinds",
        passed: Some(forbidden.is_empty()),
        detail: if forbidden.is_empty() {
            format!("none of {}", policy.forbidden_kinds.join(", "))
        } else {
            format!("{} forbidden: {}", forbidden.len(), forbidden.join(", "))
        },
    });
    let failed_benches = bench_check(policy, inputs, &mut checks)?;
    coverage_check(policy, &mut checks)?;
    Ok(GateVerdict {
        ready: checks.iter().all(|c| c.passed != Some(false)),
        checks,
        failed_tests,
        failed_benches,
        refused,
    })
}

fn bench_check(
    policy: &GatePolicy,
    inputs: &GateInputs,
    checks: &mut Vec<GateCheck>,
) -> Result<Vec<String>, GateError> {
    let mut failed_files = Vec::new();
    let mut failed_benches = Vec::new();
    let mut benches = 0usize;
    for path in &inputs.compliance {
        let invalid = |problem: &str| GateError::Invalid {
            path: path.clone(),
            problem: problem.to_string(),
        };
        let text = std::fs::read(path).map_err(|source| GateError::Read {
            path: path.clone(),
            source,
        })?;
        let doc: Value = crate::json::from_slice(&text).map_err(|e| invalid(&e.to_string()))?;
        let passed = doc.get("passed").and_then(Value::as_bool).ok_or_else(|| {
            invalid("no top-level boolean `passed` (expected a bench compliance file)")
        })?;
        let list = doc
            .get("benches")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                invalid("no top-level `benches` list (expected a bench compliance file)")
            })?;
        benches += list.len();
        for bench in list.iter().filter(|bench| bench_failed(bench)) {
            let name = ["id", "name"]
                .iter()
                .find_map(|key| bench.get(key).and_then(Value::as_str))
                .unwrap_or("?");
            failed_benches.push(format!("{name} ({})", path.display()));
        }
        if !passed {
            failed_files.push(path.display().to_string());
        }
    }
    let files = inputs.compliance.len();
    checks.push(if files == 0 {
        GateCheck {
            name: "Benches",
            passed: if policy.require_benches {
                Some(false)
            } else {
                None
            },
            detail: "no bench compliance files".to_string(),
        }
    } else if failed_files.is_empty() {
        GateCheck {
            name: "Benches",
            passed: Some(true),
            detail: format!("{benches} benches in {files} compliance files, all gates green"),
        }
    } else {
        GateCheck {
            name: "Benches",
            passed: Some(false),
            detail: format!(
                "{} of {files} compliance files failed: {}",
                failed_files.len(),
                failed_files.join(", ")
            ),
        }
    });
    Ok(failed_benches)
}

fn coverage_check(policy: &GatePolicy, checks: &mut Vec<GateCheck>) -> Result<(), GateError> {
    let check = match (&policy.coverage_file, policy.min_coverage) {
        (None, None) => GateCheck {
            name: "Coverage",
            passed: None,
            detail: "no minimum set".to_string(),
        },
        (None, Some(min)) => GateCheck {
            name: "Coverage",
            passed: Some(false),
            detail: format!("a minimum of {min}% is set but no coverage file was given"),
        },
        (Some(file), min) => {
            let figure = read_coverage(file)?;
            match min {
                Some(min) => GateCheck {
                    name: "Coverage",
                    passed: Some(figure >= min),
                    detail: format!(
                        "{figure:.1}% {} minimum {min}%",
                        if figure >= min { "≥" } else { "<" }
                    ),
                },
                None => GateCheck {
                    name: "Coverage",
                    passed: None,
                    detail: format!("{figure:.1}% (no minimum set)"),
                },
            }
        }
    };
    checks.push(check);
    Ok(())
}

/// Reads a coverage percentage (formats in the [module docs](self)).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let plain = dir.path().join("coverage.txt");
/// std::fs::write(&plain, "83.4%\n").unwrap();
/// assert_eq!(leanvibe_test::report::gate::read_coverage(&plain).unwrap(), 83.4);
/// let llvm = dir.path().join("coverage.json");
/// std::fs::write(&llvm, r#"{"data":[{"totals":{"lines":{"percent":71.25}}}]}"#).unwrap();
/// assert_eq!(leanvibe_test::report::gate::read_coverage(&llvm).unwrap(), 71.25);
/// ```
pub fn read_coverage(path: &Path) -> Result<f64, GateError> {
    let text = std::fs::read_to_string(path).map_err(|source| GateError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let trimmed = text.trim();
    let figure = if let Ok(number) = trimmed.trim_end_matches('%').trim().parse::<f64>() {
        Some(number)
    } else if let Ok(doc) = crate::json::from_str::<Value>(trimmed) {
        Some(&doc["data"][0]["totals"]["lines"]["percent"])
            .filter(|figure| !figure.is_null())
            .or_else(|| doc.get("coverage"))
            .or_else(|| doc.get("percent"))
            .and_then(Value::as_f64)
    } else {
        None
    };
    figure
        .filter(|f| f.is_finite())
        .ok_or_else(|| GateError::Invalid {
            path: path.to_path_buf(),
            problem: "expected a coverage percentage: a number, or JSON with \
                      data[0].totals.lines.percent, `coverage` or `percent`"
                .to_string(),
        })
}

impl GateVerdict {
    /// The summary as GitHub-flavoured Markdown, for `$GITHUB_STEP_SUMMARY`.
    ///
    /// ```
    /// use leanvibe_test::report::gate::{evaluate, GateInputs, GatePolicy};
    /// let md = evaluate(&GatePolicy::default(), &GateInputs::default()).unwrap().markdown();
    /// assert!(md.starts_with("## ❌ Not ready to deploy"));
    /// ```
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let title = if self.ready {
            "✅ Ready to deploy"
        } else {
            "❌ Not ready to deploy"
        };
        let _ = writeln!(out, "## {title}\n");
        let _ = writeln!(out, "| GateCheck | Result | Details |\n|---|---|---|");
        for check in &self.checks {
            let mark = match check.passed {
                Some(true) => "✅ pass",
                Some(false) => "❌ fail",
                None => "➖ n/a",
            };
            let _ = writeln!(out, "| {} | {mark} | {} |", check.name, cell(&check.detail));
        }
        if !self.failed_tests.is_empty() {
            let _ = writeln!(
                out,
                "\n### Failed tests\n\n| Test | Kind | Tags | Blocks | Message |\n|---|---|---|---|---|"
            );
            for test in &self.failed_tests {
                let blocks = match (test.forbidden, test.allowed) {
                    (true, _) => "yes (forbidden kind)",
                    (false, true) => "no (allowed tag)",
                    (false, false) => "yes",
                };
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {blocks} | {} |",
                    test.name.replace('`', "'"),
                    test.kind.as_deref().unwrap_or("?"),
                    cell(&test.tags.join(", ")),
                    cell(test.message.as_deref().unwrap_or(""))
                );
            }
        }
        if !self.refused.is_empty() {
            let _ = writeln!(out, "\n### Refused reports\n");
            for reason in &self.refused {
                let _ = writeln!(out, "- {}", cell(reason));
            }
        }
        if !self.failed_benches.is_empty() {
            let _ = writeln!(out, "\n### Failing benches\n");
            for bench in &self.failed_benches {
                let _ = writeln!(out, "- {}", cell(bench));
            }
        }
        out
    }
}

/// Text safe inside a Markdown table cell: one line, pipes escaped, capped.
fn cell(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut capped: String = line.chars().take(160).collect();
    if line.chars().count() > 160 {
        capped.push('…');
    }
    capped.replace('|', "\\|")
}

/// A bench entry of a compliance file that failed its gate.
fn bench_failed(bench: &Value) -> bool {
    bench.get("status").and_then(Value::as_str) == Some("failed")
        || bench.get("passed").and_then(Value::as_bool) == Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn report(dir: &Path, name: &str, tests: Value) -> PathBuf {
        let path = dir.join(format!("{name}.ctrf.json"));
        let doc = json!({"reportFormat": "CTRF", "specVersion": "0.0.0", "results": {
            "tool": {"name": "leanvibe-test"},
            "summary": {"tests": 0, "passed": 0, "failed": 0, "skipped": 0, "pending": 0,
                        "other": 0, "start": 0, "stop": 0},
            "tests": tests}});
        std::fs::write(&path, doc.to_string()).unwrap();
        path
    }

    fn failed(name: &str, kind: &str, tags: &[&str]) -> Value {
        json!({"name": name, "status": "failed", "duration": 1, "tags": tags,
               "message": format!("{name} failed | badly"),
               "extra": {"leanvibe": {"schema": 1, "failureKind": kind, "attempts": 1}}})
    }

    fn passed(name: &str) -> Value {
        json!({"name": name, "status": "passed", "duration": 1})
    }

    fn check<'a>(verdict: &'a GateVerdict, name: &str) -> &'a GateCheck {
        verdict.checks.iter().find(|c| c.name == name).unwrap()
    }

    /// A test that missed its memory budget, then passed on a retry, is
    /// flaky; the gate still sees the forbidden kind on its first attempt.
    #[test]
    fn a_forbidden_kind_on_an_earlier_attempt_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let attempt = |n: u32, status: &str, kind: Option<&str>| match kind {
            Some(kind) => json!({"attempt": n, "status": status,
                                 "extra": {"leanvibe": {"failureKind": kind}}}),
            None => json!({"attempt": n, "status": status}),
        };
        let mut retried = passed("retried_budget");
        retried["flaky"] = json!(true);
        retried["retryAttempts"] = json!([
            attempt(1, "failed", Some("budget.memory")),
            attempt(2, "passed", None)
        ]);
        let mut retried_panic = passed("retried_panic");
        retried_panic["retryAttempts"] = json!([
            attempt(1, "failed", Some("panic")),
            attempt(2, "passed", None)
        ]);
        report(dir.path(), "a", json!([retried_panic]));
        let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
        let verdict = evaluate(&GatePolicy::default(), &inputs).unwrap();
        assert!(verdict.ready, "{}", verdict.markdown());

        report(dir.path(), "b", json!([retried]));
        let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
        let verdict = evaluate(&GatePolicy::default(), &inputs).unwrap();
        assert!(!verdict.ready);
        assert_eq!(
            check(&verdict, "Failure kinds").detail,
            "1 forbidden: `retried_budget` (budget.memory on attempt 1)"
        );
    }

    #[test]
    fn allowed_tags_excuse_ordinary_failures_but_not_forbidden_kinds() {
        let dir = tempfile::tempdir().unwrap();
        report(
            dir.path(),
            "a",
            json!([passed("ok"), failed("flaky_net", "panic", &["network"])]),
        );
        let policy = GatePolicy {
            allowed_failure_tags: vec!["network".into()],
            ..GatePolicy::default()
        };
        let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
        let verdict = evaluate(&policy, &inputs).unwrap();
        assert!(verdict.ready, "{}", verdict.markdown());
        assert_eq!(
            check(&verdict, "Tests").detail,
            "1 passed, 1 failed (1 allowed by tag), 0 skipped"
        );

        report(
            dir.path(),
            "b",
            json!([failed("leaks", "budget.memory", &["network"])]),
        );
        let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
        let verdict = evaluate(&policy, &inputs).unwrap();
        assert!(!verdict.ready);
        assert_eq!(check(&verdict, "Tests").passed, Some(true));
        assert_eq!(check(&verdict, "Failure kinds").passed, Some(false));
        let md = verdict.markdown();
        assert!(md.contains("| `leaks` | budget.memory | network | yes (forbidden kind) | leaks failed \\| badly |"), "{md}");
        assert!(
            md.contains("| `flaky_net` | panic | network | no (allowed tag) |"),
            "{md}"
        );
    }

    #[test]
    fn an_unexcused_failure_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = report(dir.path(), "a", json!([failed("boom", "panic", &[])]));
        let inputs = GateInputs::find(&[path]).unwrap();
        let verdict = evaluate(&GatePolicy::default(), &inputs).unwrap();
        assert!(!verdict.ready);
        assert_eq!(check(&verdict, "Tests").passed, Some(false));
        assert_eq!(check(&verdict, "Failure kinds").passed, Some(true));
    }

    #[test]
    fn bench_compliance_files_must_pass() {
        let dir = tempfile::tempdir().unwrap();
        report(dir.path(), "a", json!([passed("ok")]));
        std::fs::write(
            dir.path().join("encode.compliance.json"),
            json!({"schema": 1, "kind": "bench", "passed": true,
                   "benches": [{"id": "encode/100", "status": "passed"}]})
            .to_string(),
        )
        .unwrap();
        let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
        let verdict = evaluate(&GatePolicy::default(), &inputs).unwrap();
        assert!(verdict.ready, "{}", verdict.markdown());
        assert_eq!(
            check(&verdict, "Benches").detail,
            "1 benches in 1 compliance files, all gates green"
        );

        std::fs::write(
            dir.path().join("decode.compliance.json"),
            json!({"schema": 1, "kind": "bench", "passed": false,
                   "benches": [{"id": "encode/100", "status": "passed"},
                               {"id": "decode/100", "status": "failed"}]})
            .to_string(),
        )
        .unwrap();
        let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
        let verdict = evaluate(&GatePolicy::default(), &inputs).unwrap();
        assert!(!verdict.ready);
        assert_eq!(
            verdict.failed_benches.len(),
            1,
            "{:?}",
            verdict.failed_benches
        );
        assert!(verdict.failed_benches[0].starts_with("decode/100 ("));

        std::fs::write(dir.path().join("bad.compliance.json"), "{\"ok\": true}").unwrap();
        let inputs = GateInputs::find(&[dir.path().to_owned()]).unwrap();
        let err = evaluate(&GatePolicy::default(), &inputs)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bad.compliance.json: no top-level boolean `passed`"),
            "{err}"
        );
    }

    #[test]
    fn required_benches_and_coverage_minimums_apply() {
        let dir = tempfile::tempdir().unwrap();
        let path = report(dir.path(), "a", json!([passed("ok")]));
        let coverage = dir.path().join("coverage.txt");
        std::fs::write(&coverage, "79.9").unwrap();
        let inputs = GateInputs::find(&[path]).unwrap();
        let mut policy = GatePolicy {
            require_benches: true,
            ..GatePolicy::default()
        };
        let verdict = evaluate(&policy, &inputs).unwrap();
        assert_eq!(check(&verdict, "Benches").passed, Some(false));

        policy.require_benches = false;
        policy.min_coverage = Some(80.0);
        let verdict = evaluate(&policy, &inputs).unwrap();
        assert_eq!(check(&verdict, "Coverage").passed, Some(false));
        assert!(
            check(&verdict, "Coverage")
                .detail
                .contains("no coverage file")
        );

        policy.coverage_file = Some(coverage.clone());
        let verdict = evaluate(&policy, &inputs).unwrap();
        assert_eq!(check(&verdict, "Coverage").detail, "79.9% < minimum 80%");
        assert!(!verdict.ready);
        std::fs::write(&coverage, "80").unwrap();
        assert!(evaluate(&policy, &inputs).unwrap().ready);
    }

    #[test]
    fn policy_files_resolve_coverage_relative_to_themselves() {
        let policy = GatePolicy::from_toml(
            "coverage_file = \"cov.txt\"\nforbidden_kinds = [\"timeout\"]",
            Some(Path::new("ci/verdict.toml")),
        )
        .unwrap();
        assert_eq!(policy.coverage_file, Some(PathBuf::from("ci/cov.txt")));
        assert!(policy.is_forbidden("timeout") && !policy.is_forbidden("budget.time"));
        let err = GatePolicy::from_toml("min_coverage = \"high\"", None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("policy: "), "{err}");
    }
}
