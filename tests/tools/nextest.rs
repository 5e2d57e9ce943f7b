//! The nextest contract: `cargo nextest run` lists and runs our harnesses,
//! gives every test of a generated suite the model's verdict, and leaves no
//! leanvibe report that could pass for its run.

use leanvibe_test::prelude::*;
use leanvibe_test_e2e::model::{self, Suite};
use leanvibe_test_e2e::{cargo, fixture_bin, workspace_root};
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use std::collections::BTreeMap;
use std::process::Command;

/// Skips (fails in CI) unless `cargo nextest` runs.
fn require_nextest() {
    let installed = Command::new(cargo())
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        leanvibe_test::prerequisite_missing(
            "cargo-nextest is not installed (cargo install --locked cargo-nextest)",
        );
    }
}

/// Runs `cargo nextest run --workspace ARGS`. Reports go to a directory of
/// the run's own (or where `env` says): never the workspace's
/// `target/leanvibe`, whose files other tests and CI read.
fn nextest(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let own_dir = tempfile::tempdir().expect("a temporary directory");
    let mut command = Command::new(cargo());
    command.env("LEANVIBE_REPORT_DIR", own_dir.path());
    command
        .current_dir(workspace_root())
        .args([
            "nextest",
            "run",
            "--workspace",
            "--no-fail-fast",
            "--color",
            "never",
        ])
        .args(args)
        .env_remove("NEXTEST")
        .env_remove("NEXTEST_RUN_ID")
        .env_remove("RUST_BACKTRACE");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("cargo nextest runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

#[plugin_test(timeout_ms = 300_000)]
fn nextest_runs_the_example_suite() {
    require_nextest();
    let (code, text) = nextest(&["--test", "suite", "-E", "package(data-plugin)"], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("PASS"), "{text}");
}

#[plugin_test(timeout_ms = 300_000)]
fn nextest_reports_each_failure_of_a_failing_fixture() {
    require_nextest();
    let (code, text) = nextest(&["--test", "basic", "--run-ignored", "all"], &[]);
    assert_ne!(code, Some(0), "{text}");
    for failing in [
        "basic panics",
        "basic returns_err",
        "basic aborts",
        "basic overflows_stack",
        "basic hangs",
        "basic exits_midway",
        "basic should_panic_but_does_not",
        "basic unit::async_fails",
        "basic ignored_plain",
    ] {
        let failed = text.lines().any(|l| {
            (l.contains("FAIL")
                || l.contains("SIGABRT")
                || l.contains("TIMEOUT")
                || l.contains("ABORT"))
                && l.ends_with(failing)
        });
        assert!(failed, "nextest should report {failing} failed:\n{text}");
    }
    for passing in [
        "basic passes",
        "basic unit::multi_thread_passes",
        "basic should_panic_ok",
        "basic ignored_with_reason",
    ] {
        let passed = text
            .lines()
            .any(|l| l.contains("PASS") && l.ends_with(passing));
        assert!(passed, "nextest should report {passing} passed:\n{text}");
    }
    let summary = text
        .lines()
        .find(|l| l.contains("tests run:"))
        .unwrap_or_default();
    assert!(
        summary.contains("16 tests run: 7 passed"),
        "{summary}\n{text}"
    );
}

/// The nextest half of the model-based verdict test (`tests/e2e/verdicts.rs`
/// has the pool and `--exact` modes): under `cargo nextest run` every test
/// passes or fails as the model says (nextest has no runtime skip, so a
/// skipped test passes there), `exit(0)` included; no leanvibe JUnit or CTRF
/// file is left for the run; and the readiness gate refuses the directory.
#[plugin_test(timeout_ms = 900_000)]
fn nextest_gives_every_test_the_models_verdict() {
    require_nextest();
    let report = fixture_bin("leanvibe-report");
    let config = Config {
        cases: model::cases(2),
        max_shrink_iters: 16,
        max_shrink_time: 120_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        source_file: Some(file!()),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&model::suite(), |suite| {
        check_under_nextest(&suite, &report).map_err(TestCaseError::fail)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

fn check_under_nextest(suite: &Suite, report_bin: &std::path::Path) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let filter = suite
        .names()
        .iter()
        .map(|name| format!("test(={name})"))
        .collect::<Vec<_>>()
        .join(" | ");
    let env = suite.env();
    let report_dir = dir.path().to_str().expect("utf-8 temp path");
    let (code, text) = nextest(
        &["--test", "model", "-E", &filter],
        &[
            ("LEANVIBE_MODEL_SUITE", &env),
            ("LEANVIBE_REPORT_DIR", report_dir),
        ],
    );
    let fail = |what: String| Err(format!("{what}\nsuite {suite:?}\n--- nextest ---\n{text}"));
    let mut statuses: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let Some((head, name)) = line.rsplit_once(" fixture-model::model ") else {
            continue;
        };
        if !head.contains('[') {
            continue;
        }
        let status = head.split_whitespace().next().unwrap_or_default();
        statuses
            .entry(name.to_string())
            .or_insert_with(|| status.to_string());
    }
    let expected: BTreeMap<String, bool> = suite
        .tests
        .iter()
        .map(|(slot, b)| (Suite::name(*slot), b.passes_under_nextest()))
        .collect();
    let got: BTreeMap<String, bool> = statuses
        .iter()
        .map(|(name, status)| (name.clone(), status == "PASS"))
        .collect();
    if got != expected {
        return fail(format!("nextest verdicts {got:?}, expected {expected:?}"));
    }
    let passed = expected.values().filter(|p| **p).count();
    let failed = expected.len() - passed;
    let want = if failed > 0 {
        format!(
            "{} tests run: {passed} passed, {failed} failed",
            expected.len()
        )
    } else {
        format!("{} tests run: {passed} passed", expected.len())
    };
    if !text.contains(&want) {
        return fail(format!("no `{want}` in nextest's summary"));
    }
    if (failed > 0) != (code != Some(0)) {
        return fail(format!("nextest exited with {code:?}"));
    }
    for stale in ["model.junit.xml", "model.ctrf.json"] {
        if dir.path().join(stale).exists() {
            return fail(format!("{stale} was written under nextest"));
        }
    }
    let events = std::fs::read_to_string(dir.path().join("model.events.jsonl"))
        .map_err(|e| format!("no nextest marker: {e}"))?;
    let marker = match events.lines().collect::<Vec<_>>()[..] {
        [line] => serde_json::from_str::<serde_json::Value>(line).ok(),
        _ => None,
    };
    let is_marker = marker
        .is_some_and(|m| m["event"] == "discover_start" && m["leanvibe"]["runner"] == "nextest");
    if !is_marker {
        return fail(format!(
            "the event stream is not one nextest marker line:\n{events}"
        ));
    }
    let gate = Command::new(report_bin)
        .args(["gate", report_dir])
        .output()
        .map_err(|e| e.to_string())?;
    let gate_err = String::from_utf8_lossy(&gate.stderr);
    if gate.status.code() != Some(1) || !gate_err.contains("cargo nextest run") {
        return fail(format!(
            "the gate did not refuse a nextest run's directory: {:?}\n{gate_err}",
            gate.status.code()
        ));
    }
    Ok(())
}

/// `--partition count:M/N` and `hash:M/N` run the tests nextest's do: the
/// same hash, and `#[ignore]` tests counted apart from the others, in each
/// of nextest's `--run-ignored` modes (ours: default, `--include-ignored`,
/// `--ignored`).
#[plugin_test(timeout_ms = 300_000)]
fn count_and_hash_shards_run_what_nextests_run() {
    require_nextest();
    let select = fixture_bin("select");
    for (ours, theirs) in [
        (None, "default"),
        (Some("--include-ignored"), "all"),
        (Some("--ignored"), "only"),
    ] {
        for kind in ["count", "hash"] {
            for total in [2, 3] {
                for index in 1..=total {
                    let partition = format!("{kind}:{index}/{total}");
                    let listed = Command::new(cargo())
                        .current_dir(workspace_root())
                        .args(["nextest", "list", "--workspace", "--test", "select"])
                        .args(["--message-format", "oneline", "--color", "never"])
                        .args(["--run-ignored", theirs, "--partition", &partition])
                        .env_remove("NEXTEST")
                        .output()
                        .expect("cargo nextest list runs");
                    assert!(
                        listed.status.success(),
                        "{}",
                        String::from_utf8_lossy(&listed.stderr)
                    );
                    let nextest: Vec<String> = String::from_utf8_lossy(&listed.stdout)
                        .lines()
                        .filter_map(|line| line.split_whitespace().last())
                        .map(str::to_string)
                        .collect();
                    let mut args = vec!["--partition", partition.as_str(), "--no-report"];
                    args.extend(ours);
                    let ran = leanvibe_test_e2e::run(&select, &args, &[]);
                    let ran_ok: Vec<String> = ran
                        .test_lines()
                        .into_iter()
                        .filter(|(_, status)| status == "ok")
                        .map(|(name, _)| name)
                        .collect();
                    assert_eq!(
                        ran_ok, nextest,
                        "{partition} with --run-ignored {theirs}:\n{}",
                        ran.stdout
                    );
                }
            }
        }
    }
}
