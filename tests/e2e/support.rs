//! Helpers for the end-to-end tests: build the fixture harnesses once, run
//! them, and read what they print, exit with and write.
//!
//! Fixture crates are workspace members whose test targets say `test = false`,
//! so `cargo test --workspace` does not run them (they fail on purpose). The
//! end-to-end tests build them with one `cargo build --workspace --test ...`
//! into the workspace's own target directory: the same feature resolution as
//! the outer `cargo test --workspace`, so nothing is compiled twice.

pub mod model;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The fixture test targets the end-to-end tests run.
pub const FIXTURE_TARGETS: &[&str] = &[
    "basic",
    "select",
    "select_libtest",
    "budgets",
    "badconfig",
    "hostile",
    "suite",
    "broken_plugin",
    "fixture_scopes",
    "worker_service",
    "queue",
    "deploy",
    "vulnerable",
    "perf_checks",
    "model",
    "interrupted",
    "flood",
    "slow_start",
    "forgot_harness",
    "adversary",
    "props",
];

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

/// The reference data the project is checked against (the Jenkins JUnit XSD
/// and the CTRF JSON schema, under `schemas/`): `$LEANVIBE_REFERENCE_DIR`
/// if set, else `../shared/reference` beside the checkout. It is others'
/// work, read from there and never copied into the project.
pub fn reference_dir() -> PathBuf {
    std::env::var_os("LEANVIBE_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/reference"))
}

/// The `cargo` running this test (cargo sets `CARGO`), else the one on PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Path of a built fixture test binary, building all fixtures on first use.
pub fn fixture_bin(target: &str) -> PathBuf {
    static BUILT: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    let built = BUILT.get_or_init(build_fixtures);
    built
        .get(target)
        .unwrap_or_else(|| {
            panic!(
                "fixture target {target} was not built; built: {:?}",
                built.keys()
            )
        })
        .clone()
}

fn build_fixtures() -> HashMap<String, PathBuf> {
    let mut command = Command::new(cargo());
    command.current_dir(workspace_root()).args([
        "build",
        "--workspace",
        "--message-format=json-render-diagnostics",
    ]);
    for target in FIXTURE_TARGETS {
        command.args(["--test", target]);
    }
    command.args(["--bin", "leanvibe-report"]);
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "building the fixtures failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut bins = HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(name), Some(exe)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) else {
            continue;
        };
        bins.insert(name.to_string(), PathBuf::from(exe));
    }
    bins
}

/// What a run of a binary did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// `test NAME ... STATUS` lines, as (name, status) pairs, sorted.
    pub fn test_lines(&self) -> Vec<(String, String)> {
        let mut lines: Vec<_> = self
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix("test "))
            .filter_map(|l| l.split_once(" ... "))
            .map(|(name, status)| (name.to_string(), status.to_string()))
            .collect();
        lines.sort();
        lines
    }

    /// The status printed for one test.
    pub fn status_of(&self, name: &str) -> String {
        self.test_lines()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
            .unwrap_or_else(|| panic!("no line for test {name} in:\n{}", self.stdout))
    }

    /// The `test result:` line without its timing.
    pub fn summary(&self) -> String {
        let line = self
            .stdout
            .lines()
            .find(|l| l.starts_with("test result:"))
            .unwrap_or_else(|| {
                panic!(
                    "no summary line in:\n{}\nstderr:\n{}",
                    self.stdout, self.stderr
                )
            });
        match line.split_once("; finished in") {
            Some((counts, _)) => counts.to_string(),
            None => line.to_string(),
        }
    }

    /// The failure section of one test: from its first `---- NAME ` header to
    /// the next test's header.
    pub fn section(&self, name: &str) -> String {
        let header = format!("---- {name} ");
        let mut out = String::new();
        let mut inside = false;
        for line in self.stdout.lines() {
            if line.starts_with("---- ") {
                inside = line.starts_with(&header);
            } else if line == "failures:" || line == "successes:" {
                inside = false;
            }
            if inside {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// Runs `bin` with `args` and extra environment (NEXTEST, RUST_TEST_THREADS
/// and RUST_BACKTRACE removed, NO_COLOR set), and waits for it.
pub fn run(bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(bin);
    command
        .args(args)
        .env_remove("NEXTEST")
        .env_remove("RUST_TEST_THREADS")
        // Fixtures' findings are counted exactly: mutations only where a
        // suite asks for them (CI sets a default for the example plugin).
        .env_remove("LEANVIBE_SECURITY_MUTATIONS");
    command.env("NO_COLOR", "1").env_remove("RUST_BACKTRACE");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs fixture `target` with `args` into a fresh report directory, which
/// it returns; the run must end with an exit code (no signal).
pub fn reports_of(target: &str, args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut all = args.to_vec();
    all.extend(["--report-dir", dir.path().to_str().expect("a UTF-8 path")]);
    let ran = run(&fixture_bin(target), &all, &[]);
    assert!(
        ran.code.is_some(),
        "{target} did not exit normally: {}",
        ran.stderr
    );
    dir
}
