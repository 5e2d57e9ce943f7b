//! The nextest contract: `cargo nextest run` lists and runs our harnesses,
//! and reports the failures of a failing fixture by name.

use leanvibe_test_e2e::{cargo, nextest_available, workspace_root};
use std::process::Command;

fn nextest(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(cargo())
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
        .output()
        .expect("cargo nextest runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

#[test]
fn nextest_runs_the_example_suite() {
    if !nextest_available() {
        return;
    }
    let (code, text) = nextest(&["--test", "suite", "-E", "package(data-plugin)"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("PASS"), "{text}");
}

#[test]
fn nextest_reports_each_failure_of_a_failing_fixture() {
    if !nextest_available() {
        return;
    }
    let (code, text) = nextest(&["--test", "basic", "--run-ignored", "all"]);
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
