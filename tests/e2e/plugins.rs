//! The plugin kit: the conformance suite fails a broken plugin by check name
//! with messages that say what was wrong; fixture scopes hold (per test, per
//! worker process); a failing fixture is a setup error.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn conformance_fails_each_flaw_by_name_and_says_what_was_wrong() {
    let run = run(&fixture_bin("broken_plugin"), &["--no-report"], &[]);
    assert_eq!(run.code, Some(101));
    let failing = [
        (
            "conformance::invalid_task_type",
            "the plugin accepted it; an unknown task type must be rejected with INVALID_TASK_TYPE",
        ),
        ("conformance::state_isolation", "instances share state"),
        (
            "conformance::task_timeout",
            "handle_task() did not return within 300 ms",
        ),
        (
            "conformance::missing_parameters",
            "handle_task() panicked: \"input_data is always there\"",
        ),
    ];
    for (name, message) in failing {
        assert_eq!(run.status_of(name), "FAILED", "{name}");
        let section = run.section(name);
        assert!(
            section.contains(message),
            "{name} should say {message:?}:\n{section}"
        );
    }
    for passing in [
        "conformance::lifecycle",
        "conformance::wrong_parameter_types",
        "conformance::concurrent_tasks",
        "conformance::latency_budget",
        "conformance::memory_budget",
    ] {
        assert_eq!(
            run.status_of(passing),
            "ok",
            "{passing}:\n{}",
            run.section(passing)
        );
    }
    assert_eq!(
        run.summary(),
        "test result: FAILED. 5 passed; 4 failed; 0 ignored; 0 measured; 0 filtered out"
    );
}

fn scopes_run() -> Run {
    run(
        &fixture_bin("fixture_scopes"),
        &["--show-output", "--test-threads", "2", "--no-report"],
        &[],
    )
}

/// Every `(label, pid, number)` in lines like `built worker #1 in pid 42`.
fn builds(stdout: &str, label: &str) -> Vec<(u32, u32)> {
    let prefix = format!("built {label} #");
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|rest| {
            let (number, pid) = rest.split_once(" in pid ").expect("build line format");
            (pid.trim().parse().unwrap(), number.parse().unwrap())
        })
        .collect()
}

#[test]
fn a_worker_fixture_is_built_once_per_worker_process() {
    let run = scopes_run();
    let worker_builds = builds(&run.stdout, "worker");
    let mut per_pid: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (pid, number) in &worker_builds {
        per_pid.entry(*pid).or_default().push(*number);
    }
    assert!(!per_pid.is_empty(), "{}", run.stdout);
    for (pid, numbers) in &per_pid {
        assert_eq!(
            numbers,
            &[1],
            "worker {pid} built the worker fixture {numbers:?} times"
        );
    }
    let users: BTreeSet<u32> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test in pid "))
        .map(|rest| rest.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        users,
        per_pid.keys().copied().collect(),
        "one build in each worker that used it"
    );
    assert_eq!(
        run.stdout.matches("sees worker #1 and").count(),
        5,
        "{}",
        run.stdout
    );
}

#[test]
fn a_per_test_fixture_is_built_for_each_test_and_each_run() {
    let run = scopes_run();
    for test in [
        "uses_both_1",
        "uses_both_2",
        "uses_both_3",
        "uses_both_4",
        "uses_both_async",
    ] {
        let section = run.section(test);
        assert_eq!(
            section.matches("built per-test #").count(),
            1,
            "{test}:\n{section}"
        );
        assert_eq!(
            section.matches("teardown per-test #").count(),
            1,
            "{test}:\n{section}"
        );
    }
    let per_run = run.section("built_per_run");
    assert_eq!(per_run.matches("built per-test #").count(), 3, "{per_run}");
    assert_eq!(
        per_run.matches("teardown per-test #").count(),
        3,
        "{per_run}"
    );
}

#[test]
fn teardown_runs_after_a_failing_body() {
    let run = scopes_run();
    assert_eq!(run.status_of("teardown_after_panic"), "FAILED");
    let section = run.section("teardown_after_panic");
    assert!(section.contains("teardown per-test #"), "{section}");
}

#[test]
fn a_failing_fixture_is_a_setup_error_not_a_test_failure() {
    let dir = tempfile::tempdir().unwrap();
    let report_dir = dir.path().to_str().unwrap().to_string();
    let run = run(
        &fixture_bin("fixture_scopes"),
        &["--report-dir", &report_dir],
        &[],
    );
    assert_eq!(run.status_of("setup_fails"), "FAILED");
    let section = run.section("setup_fails");
    assert!(section.contains("failure (setup)"), "{section}");
    assert!(
        section.contains("fixture `database` failed: \"database unreachable\""),
        "{section}"
    );
    assert!(
        !run.stdout.contains("body ran with"),
        "the body must not run"
    );
    let junit = std::fs::read_to_string(dir.path().join("fixture_scopes.junit.xml")).unwrap();
    assert!(
        junit.contains("<error message=") && junit.contains("type=\"setup\""),
        "{junit}"
    );
    let ctrf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("fixture_scopes.ctrf.json")).unwrap(),
    )
    .unwrap();
    let setup = ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "setup_fails")
        .unwrap();
    assert_eq!(setup["status"], "failed");
    assert_eq!(setup["extra"]["leanvibe"]["failureKind"], "setup");
}

#[test]
fn fixture_setup_is_outside_the_time_budget() {
    let run = scopes_run();
    assert_eq!(
        run.status_of("slow_fixture_is_not_timed"),
        "ok",
        "{}",
        run.section("slow_fixture_is_not_timed")
    );
}

/// A worker-scope service outlives every test of its worker and is never
/// dropped: when the worker exits, the service is stopped and its
/// temporary directory removed all the same (PostgreSQL's is 62 MB).
#[test]
fn worker_scope_services_are_stopped_and_cleaned_up_when_workers_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let reports = tempfile::tempdir().unwrap();
    let ran = run(
        &fixture_bin("worker_service"),
        &[
            "--show-output",
            "--test-threads",
            "2",
            "--report-dir",
            reports.path().to_str().unwrap(),
        ],
        &[("TMPDIR", tmp.path().to_str().unwrap())],
    );
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let dirs: Vec<&str> = ran
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("service dir "))
        .collect();
    assert!(!dirs.is_empty(), "{}", ran.stdout);
    for dir in &dirs {
        assert!(
            dir.starts_with(tmp.path().to_str().unwrap()),
            "{dir} is not under TMPDIR"
        );
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let still_running: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).replace('\0', " "))
        .filter(|cmdline| cmdline.trim_end() == "sleep 613")
        .collect();
    assert!(still_running.is_empty(), "{still_running:?}");
}
