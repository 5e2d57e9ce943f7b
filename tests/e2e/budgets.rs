//! Budgets, in the parallel pool: each `over_*` test fails with its measured
//! figure, each `within_*` test passes; retries report flaky tests; profiles
//! supply defaults; a broken leanvibe.toml is a clear error.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use std::sync::OnceLock;

fn pool_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| run(&fixture_bin("budgets"), &["--test-threads", "2"], &[]))
}

/// The first number after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> f64 {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in:\n{text}"))
        + marker.len();
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {marker:?} in:\n{text}"))
}

#[test]
fn time_budget_fails_slow_runs_with_the_measured_figure() {
    let run = pool_run();
    assert_eq!(run.status_of("within_time"), "ok");
    assert_eq!(run.status_of("over_time"), "FAILED");
    let section = run.section("over_time");
    assert!(section.contains("failure (budget.time)"), "{section}");
    let measured = number_after(&section, "time budget exceeded: ");
    assert!(
        measured >= 60.0,
        "a 60 ms sleep measured {measured} ms:\n{section}"
    );
    assert!(section.contains(" ms > 50 ms"), "{section}");
}

#[test]
fn memory_budget_counts_the_peak_from_every_thread() {
    let run = pool_run();
    for within in [
        "within_memory",
        "within_memory_in_spawned_thread",
        "within_memory_in_tokio_worker",
    ] {
        assert_eq!(
            run.status_of(within),
            "ok",
            "{within}:\n{}",
            run.section(within)
        );
    }
    for over in [
        "over_memory_peak",
        "over_memory_in_spawned_thread",
        "over_memory_in_tokio_worker",
        "over_memory_by_realloc",
    ] {
        assert_eq!(run.status_of(over), "FAILED", "{over}");
        let section = run.section(over);
        assert!(
            section.contains("failure (budget.memory)"),
            "{over}:\n{section}"
        );
        let peak = number_after(&section, "memory budget exceeded: peak heap +");
        let floor = if over.ends_with("realloc") {
            90.0
        } else {
            100.0
        };
        assert!(
            peak >= floor && peak < floor + 2.0,
            "{over}: peak {peak} MiB:\n{section}"
        );
        assert!(section.contains(" MiB > 80 MiB"), "{over}:\n{section}");
    }
    let small = run.section("over_small_memory_budget");
    assert!(small.contains("KiB > 64 KiB"), "{small}");
}

#[test]
fn rss_budget_fails_resident_growth_on_linux() {
    let run = pool_run();
    assert_eq!(
        run.status_of("within_rss"),
        "ok",
        "{}",
        run.section("within_rss")
    );
    assert_eq!(run.status_of("over_rss"), "FAILED");
    let section = run.section("over_rss");
    if cfg!(target_os = "linux") {
        assert!(section.contains("failure (budget.rss)"), "{section}");
        assert!(section.contains("> 50 MiB"), "{section}");
    } else {
        assert!(section.contains("unsupported"), "{section}");
    }
}

#[test]
fn show_budgets_lists_the_tests_closest_to_their_limits() {
    let run = run(&fixture_bin("budgets"), &["within_", "--show-budgets"], &[]);
    let closest = run
        .stdout
        .split("closest to budget:")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        closest.contains("within_memory  ") && closest.contains("/80 MiB"),
        "{closest}"
    );
    assert!(
        closest.contains("within_time  ") && closest.contains("/50 ms"),
        "{closest}"
    );
}

#[test]
fn percentile_budget_is_judged_on_the_right_side() {
    let run = pool_run();
    assert_eq!(
        run.status_of("within_p95"),
        "ok",
        "{}",
        run.section("within_p95")
    );
    assert_eq!(run.status_of("over_p95"), "FAILED");
    let section = run.section("over_p95");
    assert!(section.contains("failure (budget.stats)"), "{section}");
    assert!(
        section.contains("p95") && section.contains("> 20 ms over 20 runs"),
        "{section}"
    );
}

#[test]
fn a_test_passing_on_retry_is_flaky_and_one_failing_every_time_fails() {
    let run = pool_run();
    assert_eq!(
        run.status_of("flaky_passes_on_second_attempt"),
        "ok (flaky: passed on attempt 2)"
    );
    assert!(
        run.stdout.contains(
            "flaky (passed after a retry):\n    flaky_passes_on_second_attempt (attempt 2)"
        )
    );
    assert_eq!(run.status_of("always_fails_despite_retries"), "FAILED");
}

#[test]
fn budgets_do_not_charge_the_panic_hook_whatever_rust_backtrace_says() {
    let bin = fixture_bin("budgets");
    for backtrace in ["0", "1", "full"] {
        let dir = tempfile::tempdir().unwrap();
        let ran = run(
            &bin,
            &[
                "--exact",
                "should_panic_within_budgets",
                "--report-dir",
                dir.path().to_str().unwrap(),
            ],
            &[("RUST_BACKTRACE", backtrace)],
        );
        assert_eq!(
            ran.status_of("should_panic_within_budgets"),
            "ok",
            "RUST_BACKTRACE={backtrace}:\n{}",
            ran.stdout
        );
        let ctrf: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("budgets.ctrf.json")).unwrap())
                .unwrap();
        let peak =
            &ctrf["results"]["tests"][0]["extra"]["leanvibe"]["measurements"]["peak_heap_bytes"];
        assert!(
            peak.as_u64().is_some_and(|bytes| bytes < 1 << 20),
            "RUST_BACKTRACE={backtrace}: peak heap {peak}"
        );
        // The expected panic is the test passing: no panic message and no
        // backtrace in its output or the reports.
        let stderr = ctrf["results"]["tests"][0]["stderr"].to_string();
        assert!(
            !stderr.contains("panicked at") && !stderr.contains("stack backtrace"),
            "RUST_BACKTRACE={backtrace}: {stderr}"
        );
    }
}

#[test]
fn summary_counts_match() {
    let run = pool_run();
    assert_eq!(run.code, Some(101));
    assert_eq!(
        run.summary(),
        "test result: FAILED. 9 passed; 9 failed; 0 ignored; 0 measured; 0 filtered out"
    );
}

#[test]
fn profile_supplies_default_budgets() {
    let bin = fixture_bin("budgets");
    let default = run(&bin, &["--exact", "budget_from_profile"], &[]);
    assert_eq!(default.code, Some(0), "{}", default.stdout);
    let sdk = run(
        &bin,
        &["--exact", "budget_from_profile", "--profile", "sdk"],
        &[],
    );
    assert_eq!(sdk.code, Some(101), "{}", sdk.stdout);
    assert!(
        sdk.section("budget_from_profile").contains(" ms > 50 ms"),
        "{}",
        sdk.stdout
    );
    let env = run(
        &bin,
        &["--exact", "budget_from_profile"],
        &[("LEANVIBE_PROFILE", "sdk")],
    );
    assert_eq!(env.code, Some(101), "{}", env.stdout);
    let missing = run(&bin, &["--profile", "nightly"], &[]);
    assert_eq!(missing.code, Some(101));
    assert!(
        missing.stderr.contains("nightly") && missing.stderr.contains("sdk"),
        "{}",
        missing.stderr
    );
}

#[test]
fn broken_config_is_a_one_line_error_naming_file_key_and_line() {
    let run = run(&fixture_bin("badconfig"), &[], &[]);
    assert_eq!(run.code, Some(101));
    let stderr = run.stderr.trim_end();
    assert!(!stderr.contains('\n'), "{stderr}");
    assert!(stderr.contains("leanvibe.toml:4"), "{stderr}");
    assert!(stderr.contains("max_mbs"), "{stderr}");
    assert!(
        stderr.contains("max_mb"),
        "the valid keys are listed: {stderr}"
    );
    assert_eq!(run.stdout, "", "no test ran");
}
