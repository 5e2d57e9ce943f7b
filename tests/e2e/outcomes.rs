//! Every way a test can end, in the worker pool: each fails with the right
//! reason, every other test still runs, counts are right, and captured output
//! lands with the test that printed it.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use std::sync::OnceLock;

/// One pool run of the `basic` fixture, shared by the checks below.
fn pool_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| run(&fixture_bin("basic"), &["--test-threads", "2"], &[]))
}

#[test]
fn exit_code_and_summary_count_every_test() {
    let run = pool_run();
    assert_eq!(run.code, Some(101), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.summary(),
        "test result: FAILED. 6 passed; 8 failed; 2 ignored; 0 measured; 0 filtered out"
    );
}

#[test]
fn each_failure_has_its_reason() {
    let run = pool_run();
    let expect = [
        ("panics", "FAILED"),
        ("returns_err", "FAILED"),
        ("aborts", "FAILED"),
        ("overflows_stack", "FAILED"),
        ("hangs", "FAILED"),
        ("should_panic_but_does_not", "FAILED"),
        ("unit::async_fails", "FAILED"),
        ("exits_midway", "FAILED"),
        ("passes", "ok"),
        ("should_panic_ok", "ok"),
        ("no_newline_output", "ok"),
        ("unit::passes", "ok"),
        ("unit::async_passes", "ok"),
        ("unit::multi_thread_passes", "ok"),
        ("ignored_with_reason", "ignored, needs a GPU"),
        ("ignored_plain", "ignored"),
    ];
    for (name, status) in expect {
        assert_eq!(run.status_of(name), status, "status of {name}");
    }
    let reasons = [
        ("panics", "boom from panics"),
        ("returns_err", "Error: \"went wrong\""),
        ("aborts", "signal 6 (SIGABRT)"),
        ("overflows_stack", "stack overflow"),
        ("hangs", "timed out: still running after 300 ms"),
        (
            "should_panic_but_does_not",
            "test did not panic as expected",
        ),
        ("unit::async_fails", "async failure"),
        ("exits_midway", "exited with code 3"),
    ];
    for (name, reason) in reasons {
        let section = run.section(name);
        assert!(
            section.contains(reason),
            "{name} should fail with {reason:?}; its section:\n{section}"
        );
    }
}

#[test]
fn captured_output_lands_with_its_test() {
    let run = pool_run();
    let panics = run.section("panics");
    assert!(
        panics.contains("---- panics stdout ----\nstdout before the panic\n"),
        "{panics}"
    );
    assert!(
        panics.contains("---- panics stderr ----\nstderr before the panic\n"),
        "{panics}"
    );
    assert!(run.section("aborts").contains("stdout before abort"));
    assert!(run.section("hangs").contains("stdout before the hang"));
    // Passing tests' output is not shown without --show-output...
    assert!(!run.stdout.contains("stdout of passes"));
    // ...and no test's output leaks into another's section.
    let markers = [
        ("panics", "before the panic"),
        ("aborts", "before abort"),
        ("hangs", "before the hang"),
        ("returns_err", "\u{0}no output of its own"),
    ];
    for (name, _) in markers {
        let section = run.section(name);
        for (other, marker) in markers {
            if other != name {
                assert!(
                    !section.contains(marker),
                    "{name}'s section holds {other}'s output:\n{section}"
                );
            }
        }
    }
}

#[test]
fn show_output_shows_passing_tests_output_with_the_right_test() {
    let run = run(&fixture_bin("basic"), &["--show-output", "passes"], &[]);
    assert!(
        run.stdout
            .contains("---- passes stdout ----\nstdout of passes\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("---- unit::passes stdout ----\nstdout of unit::passes\n"),
        "{}",
        run.stdout
    );
    let partial = run_partial();
    assert!(
        partial.stdout.contains("partial line without newline"),
        "{}",
        partial.stdout
    );
    assert!(
        partial.stdout.contains("partial stderr"),
        "{}",
        partial.stdout
    );
}

fn run_partial() -> Run {
    run(
        &fixture_bin("basic"),
        &[
            "--show-output",
            "--exact",
            "no_newline_output",
            "unit::passes",
        ],
        &[],
    )
}

#[test]
fn a_single_selected_test_runs_in_a_worker_with_capture() {
    let run = run(&fixture_bin("basic"), &["--exact", "panics"], &[]);
    assert_eq!(run.code, Some(101));
    assert_eq!(
        run.summary(),
        "test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 15 filtered out"
    );
    assert!(
        run.section("panics").contains("stdout before the panic"),
        "{}",
        run.stdout
    );
    let run = leanvibe_test_e2e::run(&fixture_bin("basic"), &["--exact", "passes"], &[]);
    assert_eq!(run.code, Some(0));
    assert!(
        !run.stdout.contains("stdout of passes"),
        "captured, not shown: {}",
        run.stdout
    );
}

/// How people rerun one failed test: a crash keeps its reason, its output
/// and its reports.
#[test]
fn a_single_crashing_test_keeps_its_reason_and_reports() {
    for (name, reason) in [
        ("overflows_stack", "stack overflow"),
        ("aborts", "signal 6 (SIGABRT)"),
        ("exits_midway", "exited with code 3"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let ran = run(
            &fixture_bin("basic"),
            &[
                "--exact",
                name,
                "--report-dir",
                dir.path().to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(ran.code, Some(101), "{}", ran.stdout);
        assert_eq!(ran.status_of(name), "FAILED");
        assert!(ran.section(name).contains(reason), "{name}: {}", ran.stdout);
        let ctrf: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join("basic.ctrf.json")).expect("a CTRF report"),
        )
        .unwrap();
        let test = &ctrf["results"]["tests"][0];
        assert_eq!(test["extra"]["leanvibe"]["failureKind"], "crash", "{test}");
        assert!(test["message"].as_str().unwrap().contains(reason), "{test}");
        assert!(dir.path().join("basic.junit.xml").exists());
    }
}

#[test]
fn in_process_timeout_reports_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let run = run(
        &fixture_bin("basic"),
        &[
            "--in-process",
            "--exact",
            "hangs",
            "passes",
            "--report-dir",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.code, Some(101));
    assert!(
        run.section("hangs")
            .contains("running in-process, so the harness exits"),
        "{}",
        run.stdout
    );
    assert!(run.summary().contains("1 failed"));
    let ctrf: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("basic.ctrf.json")).unwrap())
            .unwrap();
    assert_eq!(ctrf["extra"]["leanvibe"]["completed"], false);
    assert_eq!(
        ctrf["extra"]["leanvibe"]["notRun"], 1,
        "`passes` comes after `hangs`"
    );
}

#[test]
fn ignored_tests_run_with_ignored_flag() {
    let run = run(&fixture_bin("basic"), &["--ignored"], &[]);
    assert_eq!(run.code, Some(101));
    assert_eq!(run.status_of("ignored_with_reason"), "ok");
    assert_eq!(run.status_of("ignored_plain"), "FAILED");
    assert!(
        run.section("ignored_plain")
            .contains("ignored_plain ran and failed")
    );
}

#[test]
fn nocapture_passes_output_through() {
    let run = run(
        &fixture_bin("basic"),
        &["--nocapture", "unit::passes", "--test-threads", "1"],
        &[],
    );
    assert_eq!(run.code, Some(0));
    assert!(
        run.stdout.contains("stdout of unit::passes"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_hang_or_crash_behind_a_deep_queue_is_blamed_on_the_right_test() {
    for threads in ["1", "2"] {
        let run = run(&fixture_bin("queue"), &["--test-threads", threads], &[]);
        assert_eq!(run.code, Some(101));
        for (name, status) in run.test_lines() {
            let expected = match name.as_str() {
                "b_aborts" | "m_hangs" | "n_aborts" => "FAILED",
                _ => "ok",
            };
            assert_eq!(
                status, expected,
                "{name} with {threads} worker(s):\n{}",
                run.stdout
            );
        }
        for (name, reason) in [
            ("b_aborts", "signal 6 (SIGABRT)"),
            ("m_hangs", "timed out"),
            ("n_aborts", "signal 6 (SIGABRT)"),
        ] {
            assert!(run.section(name).contains(reason), "{name}: {}", run.stdout);
        }
        assert_eq!(
            run.summary(),
            "test result: FAILED. 201 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out"
        );
    }
}

#[test]
fn the_headline_is_the_message_and_the_location_is_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let ran = run(
        &fixture_bin("basic"),
        &[
            "--exact",
            "panics",
            "returns_err",
            "--report-dir",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    let ctrf: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("basic.ctrf.json")).unwrap())
            .unwrap();
    let test = |name: &str| {
        ctrf["results"]["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()
            .clone()
    };
    let panics = test("panics");
    assert_eq!(panics["message"], "boom from panics", "{panics}");
    let trace = panics["trace"].as_str().unwrap();
    assert!(
        trace.starts_with("panicked at tests/fixtures/basic/tests/basic.rs:")
            && trace.ends_with(":\nboom from panics"),
        "{trace}"
    );
    assert_eq!(test("returns_err")["message"], "Error: \"went wrong\"");
    let junit = std::fs::read_to_string(dir.path().join("basic.junit.xml")).unwrap();
    assert!(
        junit.contains(r#"<failure message="boom from panics" type="panic">panicked at tests/fixtures/basic/tests/basic.rs:"#),
        "{junit}"
    );
    let events = std::fs::read_to_string(dir.path().join("basic.events.jsonl")).unwrap();
    let failed: serde_json::Value = events
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["name"] == "panics" && e["event"] == "case_message")
        .unwrap();
    assert_eq!(failed["kind"], "error", "{failed}");
    assert_eq!(failed["message"], "boom from panics");
    assert_eq!(failed["leanvibe"]["failure_kind"], "panic", "{failed}");
    assert!(
        failed["leanvibe"]["location"]
            .as_str()
            .unwrap()
            .starts_with("tests/fixtures/basic/tests/basic.rs:")
    );
}
