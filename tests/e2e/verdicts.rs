//! The model-based property test of verdicts.
//!
//! proptest generates suites of 5 to 40 tests drawn from {pass, failed
//! assertion, panic, `Err`, abort, segfault, `exit(0)`, `exit(n)`, stack
//! overflow, hang past `timeout_ms`, 3 MiB of output, runtime skip,
//! flaky-then-pass}. The `model` fixture is built once; each suite is
//! chosen through its environment. Every suite runs in every mode the
//! harness supervises: the pool with 1, 2 and 4 workers, and each test
//! alone with `--exact`. For every run the console, the JUnit file, the
//! CTRF file and the event stream must each give every test exactly the
//! model's verdict (failure kind and headline included), the counts and
//! exit code must follow, the files must share one run id, and each test's
//! captured output must be its own. The nextest mode is in `tests/tools/`.
//!
//! `PROPTEST_CASES` sets the number of suites (default 3; CI runs 64 in a
//! step of its own). A failing suite is shrunk and its seed persisted under
//! `tests/proptest-regressions/`, replayed first on later runs.

use leanvibe_test_e2e::model::{self, Behaviour, Suite, Verdict};
use leanvibe_test_e2e::{Run, fixture_bin, run};
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn every_mode_gives_every_test_the_models_verdict() {
    let bin = fixture_bin("model");
    let config = Config {
        cases: model::cases(3),
        max_shrink_iters: 48,
        max_shrink_time: 120_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        source_file: Some(file!()),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&model::suite(), |suite| {
        check_suite(&bin, &suite).map_err(TestCaseError::fail)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

/// Runs `suite` in every mode at once (the runs are mostly waiting on hangs
/// and process start-up) and collects every disagreement.
fn check_suite(bin: &Path, suite: &Suite) -> Result<(), String> {
    let errors: Vec<String> = std::thread::scope(|scope| {
        let mut modes = Vec::new();
        for threads in [1, 2, 4] {
            modes.push(scope.spawn(move || {
                let mut args = vec!["--test-threads".to_string(), threads.to_string()];
                args.push("--exact".into());
                args.extend(suite.names());
                check_run(&format!("pool of {threads}"), bin, suite, &args, suite)
            }));
        }
        // Each test alone is the longest mode (a process per test), so it
        // is spread over two threads.
        for half in [0, 1] {
            modes.push(scope.spawn(move || {
                suite
                    .tests
                    .iter()
                    .skip(half)
                    .step_by(2)
                    .map(|&(slot, behaviour)| {
                        let alone = Suite {
                            tests: vec![(slot, behaviour)],
                        };
                        let args = vec!["--exact".to_string(), Suite::name(slot)];
                        check_run(
                            &format!("{} alone", Suite::name(slot)),
                            bin,
                            suite,
                            &args,
                            &alone,
                        )
                    })
                    .collect::<Result<Vec<()>, String>>()
                    .map(|_| ())
            }));
        }
        modes
            .into_iter()
            .filter_map(|mode| mode.join().expect("a mode's thread panicked").err())
            .collect()
    });
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("suite {suite:?}:\n{}", errors.join("\n")))
    }
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// One run of the fixture with `args`, the environment of `suite`, and a
/// report directory of its own; `selected` is what the arguments select.
fn check_run(
    mode: &str,
    bin: &Path,
    suite: &Suite,
    args: &[String],
    selected: &Suite,
) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut all_args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report_dir = dir.path().to_str().expect("utf-8 temp path");
    all_args.extend(["--report-dir", report_dir]);
    let env = suite.env();
    let run = run(bin, &all_args, &[("LEANVIBE_MODEL_SUITE", env.as_str())]);
    check_outputs(&run, dir.path(), selected).map_err(|e| {
        // The verdict lines and the summary; the failure sections are long.
        let console: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.starts_with("test ") || l.starts_with("error"))
            .collect();
        format!(
            "[{mode}] {e}\n--- console ---\n{}\n--- stderr ---\n{}",
            console.join("\n"),
            run.stderr
        )
    })
}

fn check_outputs(run: &Run, dir: &Path, selected: &Suite) -> Result<(), String> {
    let expected = selected.expected();
    let failed = expected
        .values()
        .filter(|v| matches!(v, Verdict::Fail { .. }))
        .count();
    let skipped = expected.values().filter(|v| **v == Verdict::Skip).count();
    let passed = expected.len() - failed - skipped;
    let want_code = if failed > 0 { 101 } else { 0 };
    ensure!(
        run.code == Some(want_code),
        "exit code {:?}, expected {want_code}",
        run.code
    );

    let console = model::from_console(&run.stdout);
    ensure!(
        console.twice.is_empty(),
        "console reports {:?} twice",
        console.twice
    );
    ensure!(
        console.verdicts == model::classes(&expected),
        "console verdicts differ from the model:\n{}",
        diff(&model::classes(&expected), &console.verdicts)
    );
    let verdict_word = if failed > 0 { "FAILED" } else { "ok" };
    let summary = format!(
        "test result: {verdict_word}. {passed} passed; {failed} failed; {skipped} ignored; 0 measured; {} filtered out",
        model::SLOTS - expected.len()
    );
    ensure!(
        run.stdout.contains(&summary),
        "console summary is not `{summary}`"
    );

    let read = |suffix: &str| {
        std::fs::read_to_string(dir.join(format!("model.{suffix}")))
            .map_err(|e| format!("model.{suffix}: {e}"))
    };
    let ctrf: Value = serde_json::from_str(&read("ctrf.json")?).map_err(|e| e.to_string())?;
    let events_text = read("events.jsonl")?;
    let (junit, junit_run) = model::from_junit(&dir.join("model.junit.xml"));
    let from_ctrf = model::from_ctrf(&ctrf);
    let events = model::from_events(&events_text);
    for (what, reported) in [("JUnit", &junit), ("CTRF", &from_ctrf), ("events", &events)] {
        ensure!(
            reported.twice.is_empty(),
            "{what} reports {:?} twice",
            reported.twice
        );
        ensure!(
            reported.verdicts == expected,
            "{what} verdicts differ from the model:\n{}",
            diff(&expected, &reported.verdicts)
        );
    }

    // One run, one id, and it says it completed.
    let extra = &ctrf["extra"]["leanvibe"];
    let run_id = extra["runId"].as_str().unwrap_or_default();
    ensure!(run_id.len() == 32, "CTRF run id {run_id:?}");
    ensure!(
        extra["completed"] == true,
        "CTRF says the run did not complete"
    );
    ensure!(
        junit_run.as_deref() == Some(run_id),
        "JUnit run id {junit_run:?} is not {run_id}"
    );
    let lines: Vec<Value> = events_text
        .lines()
        .map(|l| serde_json::from_str(l).expect("checked above"))
        .collect();
    ensure!(
        lines.iter().all(|l| l["leanvibe"]["run_id"] == run_id),
        "event stream lines without the run id {run_id}"
    );
    let (first, last) = (&lines[0], &lines[lines.len() - 1]);
    ensure!(
        first["event"] == "discover_start" && last["event"] == "run_complete",
        "event stream from {first} to {last}"
    );
    let last = &last["leanvibe"];
    ensure!(
        last["completed"] == true,
        "event stream's last line: {last}"
    );
    ensure!(
        last["passed"] == passed && last["failed"] == failed && last["ignored"] == skipped,
        "event stream counts: {last}"
    );
    let summary = &ctrf["results"]["summary"];
    ensure!(
        summary["passed"] == passed && summary["failed"] == failed && summary["skipped"] == skipped,
        "CTRF counts: {summary}"
    );

    // Headlines name what went wrong, not where.
    for (name, verdict) in &expected {
        if !matches!(verdict, Verdict::Fail { .. }) {
            continue;
        }
        let want = selected
            .behaviour(name)
            .headline(name)
            .expect("every failing behaviour has a headline");
        for (what, reported) in [("JUnit", &junit), ("CTRF", &from_ctrf)] {
            let got = reported
                .headlines
                .get(name)
                .map(String::as_str)
                .unwrap_or("");
            ensure!(
                got.contains(&want),
                "{what} headline of {name} is {got:?}, not about {want:?}"
            );
        }
    }

    // Each test's captured output is its own, crashes and hangs included.
    for test in ctrf["results"]["tests"].as_array().into_iter().flatten() {
        let name = test["name"].as_str().unwrap_or_default();
        let stdout: Vec<&str> = test["stdout"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let markers: Vec<&&str> = stdout.iter().filter(|l| l.starts_with("marker ")).collect();
        let own = format!("marker {name}");
        ensure!(
            !markers.is_empty() && markers.iter().all(|m| **m == own),
            "stdout of {name} holds markers {markers:?}"
        );
        if selected.behaviour(name) == Behaviour::Flood {
            let bytes: usize = stdout.iter().map(|l| l.len() + 1).sum();
            ensure!(
                bytes < (1 << 20) + 4096,
                "stdout of {name} holds {bytes} bytes: not capped"
            );
            ensure!(
                stdout.iter().any(|l| l.contains("bytes elided")),
                "stdout of {name} does not say what the cap elided"
            );
        }
    }
    Ok(())
}

/// Lines for the tests whose verdicts differ.
fn diff(expected: &BTreeMap<String, Verdict>, got: &BTreeMap<String, Verdict>) -> String {
    let mut names: Vec<&String> = expected.keys().chain(got.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| expected.get(*n) != got.get(*n))
        .map(|n| {
            format!(
                "  {n}: expected {:?}, got {:?}",
                expected.get(n),
                got.get(n)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
