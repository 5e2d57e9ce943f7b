//! Retries as CI tools read them: every attempt kept with its own failure
//! and output, crashes and timeouts retried in a fresh worker, the
//! `--only-rerun` and `--flaky-result` options. Driven through the `model`
//! fixture, whose every test has `retries = 1`.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use serde_json::Value;
use std::path::Path;

/// Runs the model fixture's tests `t00..` for `suite` with `extra` args,
/// into `dir`; returns the run and the CTRF tests by name.
fn model_run(
    dir: &Path,
    suite: &str,
    extra: &[&str],
) -> (Run, std::collections::BTreeMap<String, Value>) {
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let slots = suite.split(',').count();
    let names: Vec<String> = (0..slots).map(|i| format!("t{i:02}")).collect();
    let reports = dir.join("reports");
    let mut args: Vec<&str> = vec!["--exact"];
    args.extend(names.iter().map(String::as_str));
    args.extend(["--report-dir", reports.to_str().unwrap()]);
    args.extend(extra);
    let ran = run(
        &fixture_bin("model"),
        &args,
        &[
            ("LEANVIBE_MODEL_SUITE", suite),
            ("LEANVIBE_MODEL_STATE", state.to_str().unwrap()),
        ],
    );
    let ctrf: Value =
        serde_json::from_slice(&std::fs::read(reports.join("model.ctrf.json")).unwrap()).unwrap();
    let tests = ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect();
    (ran, tests)
}

/// `status:kind` of each attempt, as CTRF `retryAttempts` lists them.
fn attempts(test: &Value) -> Vec<String> {
    test["retryAttempts"]
        .as_array()
        .map(|attempts| {
            attempts
                .iter()
                .map(|a| {
                    let kind = a["extra"]["leanvibe"]["failureKind"].as_str().unwrap_or("");
                    format!("{}:{kind}", a["status"].as_str().unwrap())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn lines(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|lines| lines.iter().map(|l| l.as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[test]
fn each_attempt_keeps_its_own_output_in_the_pool_and_in_process() {
    for mode in [&[][..], &["--in-process"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let (ran, tests) = model_run(dir.path(), "flaky,panic", mode);
        assert_eq!(ran.code, Some(101), "{mode:?}\n{}", ran.stdout);
        assert_eq!(ran.status_of("t00"), "ok (flaky: passed on attempt 2)");
        let flaky = &tests["t00"];
        assert_eq!(attempts(flaky), ["failed:panic", "passed:"], "{mode:?}");
        let first = &flaky["retryAttempts"][0];
        assert_eq!(
            first["message"], "model flaky t00 fails its first attempt",
            "{mode:?}"
        );
        // Each attempt printed one marker line: split at the attempt's end,
        // not all in one place.
        assert_eq!(lines(&first["stdout"]), ["marker t00"], "{mode:?}");
        assert_eq!(lines(&flaky["stdout"]), ["marker t00"], "{mode:?}");
        assert!(
            lines(&first["stderr"]).contains(&"marker t00"),
            "{mode:?}: {first}"
        );
        let failed = &tests["t01"];
        assert_eq!(attempts(failed), ["failed:panic", "failed:panic"]);
        assert_eq!(failed["retries"], 1);
        // The console shows the earlier attempt's output too.
        let section = ran.section("t01");
        assert!(
            section.contains("---- t01 (attempt 1 of 2) stdout ----\nmarker t01"),
            "{mode:?}:\n{section}"
        );
    }
}

#[test]
fn a_crash_or_a_timeout_is_retried_in_a_fresh_worker() {
    let dir = tempfile::tempdir().unwrap();
    let (ran, tests) = model_run(dir.path(), "abort_once,hang_once,abort", &[]);
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    assert_eq!(ran.status_of("t00"), "ok (flaky: passed on attempt 2)");
    assert_eq!(ran.status_of("t01"), "ok (flaky: passed on attempt 2)");
    assert_eq!(ran.status_of("t02"), "FAILED");
    assert_eq!(attempts(&tests["t00"]), ["failed:crash", "passed:"]);
    assert_eq!(attempts(&tests["t01"]), ["failed:timeout", "passed:"]);
    assert_eq!(attempts(&tests["t02"]), ["failed:crash", "failed:crash"]);
    // The lost attempt's output was cut from its dead worker's capture.
    assert_eq!(
        lines(&tests["t00"]["retryAttempts"][0]["stdout"]),
        ["marker t00"]
    );
    let junit = std::fs::read_to_string(dir.path().join("reports/model.junit.xml")).unwrap();
    assert_eq!(junit.matches("<flakyError ").count(), 2, "{junit}");
    assert_eq!(junit.matches("<rerunError ").count(), 1, "{junit}");
}

#[test]
fn only_rerun_retries_only_failures_that_match() {
    let dir = tempfile::tempdir().unwrap();
    let (ran, tests) = model_run(
        dir.path(),
        "err,panic,abort",
        &["--only-rerun", "model error", "--only-rerun", "^crash"],
    );
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    assert_eq!(attempts(&tests["t00"]), ["failed:error", "failed:error"]);
    assert_eq!(
        tests["t01"]["retries"],
        Value::Null,
        "a panic is not retried"
    );
    assert_eq!(attempts(&tests["t02"]), ["failed:crash", "failed:crash"]);

    let bad = run(
        &fixture_bin("model"),
        &["--only-rerun", "model (error"],
        &[],
    );
    assert_eq!(bad.code, Some(101), "{}", bad.stderr);
    let error = bad.stderr.trim_end();
    assert!(
        error.starts_with("error: invalid value 'model (error' for '--only-rerun <REGEX>'")
            && !error.contains('\n'),
        "{error}"
    );
}

#[test]
fn flaky_result_fail_fails_the_run_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (ran, _) = model_run(dir.path(), "flaky,pass", &[]);
    assert_eq!(
        ran.code,
        Some(0),
        "flaky passes by default:\n{}",
        ran.stdout
    );

    let dir = tempfile::tempdir().unwrap();
    let (ran, tests) = model_run(dir.path(), "flaky,pass", &["--flaky-result", "fail"]);
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    assert_eq!(ran.status_of("t00"), "FAILED (flaky: passed on attempt 2)");
    assert_eq!(ran.status_of("t01"), "ok");
    let flaky = &tests["t00"];
    assert_eq!(flaky["status"], "failed");
    assert_eq!(flaky["flaky"], true);
    assert_eq!(flaky["extra"]["leanvibe"]["failureKind"], "flaky");
    assert!(
        flaky["message"]
            .as_str()
            .unwrap()
            .starts_with("flaky: passed on attempt 2 after panic: model flaky t00"),
        "{flaky}"
    );
    assert_eq!(attempts(flaky), ["failed:panic", "passed:"]);
    let junit = std::fs::read_to_string(dir.path().join("reports/model.junit.xml")).unwrap();
    assert!(junit.contains(r#"type="flaky""#), "{junit}");
    assert_eq!(junit.matches("<flakyFailure ").count(), 1, "{junit}");
    assert!(
        ran.stdout
            .contains("test result: FAILED. 1 passed; 1 failed")
    );
}

/// A retry has the whole timeout from when it starts, no more: the worker
/// tells the harness at once that the first attempt failed. Only lower
/// bounds are checked (a timeout never fires early), so a slow machine
/// cannot fail this; a harness that heard of the retry late reported the
/// second attempt at 400 ms, its clock started at the first's deadline.
#[test]
fn a_retry_is_timed_from_its_own_start_and_every_attempt_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (ran, tests) = model_run(dir.path(), "fail_then_hang", &[]);
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    let test = &tests["t00"];
    assert_eq!(attempts(test), ["failed:panic", "failed:timeout"]);
    let durations: Vec<u64> = test["retryAttempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["duration"].as_u64().unwrap())
        .collect();
    assert!(durations[0] >= 100, "{durations:?}");
    assert!(durations[1] >= 500, "the timed-out retry ran {durations:?}");
    // Whole milliseconds, each rounded on its own: the parts may add up to
    // one more than the rounded whole.
    let total = test["duration"].as_u64().unwrap();
    assert!(
        total + 1 >= durations[0] + durations[1],
        "{total} < {durations:?}"
    );
}

/// A skip on the retry is the verdict, and the failure before it stays on
/// record as a rerun, not as a flaky pass.
#[test]
fn a_skip_on_a_retry_is_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (ran, tests) = model_run(dir.path(), "fail_then_skip", &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stdout);
    let test = &tests["t00"];
    assert_eq!(test["status"], "skipped");
    assert_eq!(attempts(test), ["failed:panic", "skipped:"]);
    let junit = std::fs::read_to_string(dir.path().join("reports/model.junit.xml")).unwrap();
    assert_eq!(junit.matches("<rerunFailure ").count(), 1, "{junit}");
    assert_eq!(junit.matches("<flakyFailure ").count(), 0, "{junit}");
}

/// A test that writes `retrying` lines for itself to the worker's results
/// file gets no more attempts, and no more time, than its retries allow:
/// the worker is stopped and the test fails as a harness error.
#[test]
fn fake_retry_lines_cannot_stretch_a_tests_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (ran, tests) = model_run(dir.path(), "fake_retrying,pass", &[]);
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    let test = &tests["t00"];
    assert_eq!(test["status"], "failed", "{test}");
    assert_eq!(test["extra"]["leanvibe"]["failureKind"], "harness");
    assert!(
        test["message"]
            .as_str()
            .unwrap()
            .contains("more retried attempts than the test's 1 retries"),
        "{test}"
    );
    assert_eq!(tests["t01"]["status"], "passed");
}

/// In-process, a thread of the failed attempt holds stdout's lock forever:
/// the harness must not wait for it holding the lock a stop needs, so the
/// retry's timeout still ends the run.
#[test]
fn a_stuck_stdout_lock_does_not_stop_the_in_process_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let mut child = std::process::Command::new(fixture_bin("model"))
        .args(["--exact", "t00", "--in-process", "--report-dir"])
        .arg(dir.path().join("reports"))
        .env("LEANVIBE_MODEL_SUITE", "locked_stdout_then_fail")
        .env("NO_COLOR", "1")
        .env_remove("NEXTEST")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Far beyond the test's 500 ms timeout: only a deadlock takes this long.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the in-process run is deadlocked");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(101));
    let ctrf: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("reports/model.ctrf.json")).unwrap())
            .unwrap();
    let test = &ctrf["results"]["tests"][0];
    assert_eq!(
        test["extra"]["leanvibe"]["failureKind"], "timeout",
        "{test}"
    );
}
