//! Property tests as a user sees them: the shrunk input in the console,
//! JUnit and CTRF; the regressions file written, replayed and reported when
//! a seed goes stale; a fixed seed repeating a run; `max_ms` per case.

use leanvibe_test_e2e::{Run, fixture_bin, run};
use serde_json::Value;
use std::path::Path;

/// Runs the property fixture with `args`, its regressions in `regressions`
/// and its reports in `reports`.
fn props(regressions: &Path, reports: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--report-dir", reports.to_str().unwrap()]);
    let mut vars = vec![(
        "LEANVIBE_PROPTEST_REGRESSIONS",
        regressions.to_str().unwrap(),
    )];
    vars.extend_from_slice(env);
    run(&fixture_bin("props"), &all, &vars)
}

fn ctrf_test(reports: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(reports.join("props.ctrf.json")).unwrap();
    let ctrf: Value = serde_json::from_str(&text).unwrap();
    ctrf["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the CTRF file"))
        .clone()
}

#[test]
fn a_failure_shows_its_shrunk_input_everywhere_and_its_seed_is_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let (regressions, reports) = (dir.path().join("regressions"), dir.path().join("reports"));
    let first = props(
        &regressions,
        &reports,
        &["--exact", "small_numbers_only"],
        &[],
    );
    assert_eq!(first.code, Some(101), "{}", first.stdout);
    let headline = "minimal failing input: x = 100, flag = false";
    assert!(
        first.stdout.contains(headline),
        "console:\n{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("x was 100 (flag false)"),
        "the case's own panic"
    );
    let junit = std::fs::read_to_string(reports.join("props.junit.xml")).unwrap();
    assert!(
        junit.contains(&format!("message=\"{headline}\"")),
        "{junit}"
    );
    let test = ctrf_test(&reports, "small_numbers_only");
    assert_eq!(test["message"], headline);
    let property = &test["extra"]["property"];
    assert_eq!(property["minimal_input"], "x = 100, flag = false");
    assert!(
        test["trace"].as_str().unwrap().contains("x was 100"),
        "{test}"
    );

    let file = std::fs::read_to_string(regressions.join("props.txt")).expect("the seed is saved");
    let seeds: Vec<&str> = file.lines().filter(|l| l.starts_with("cc ")).collect();
    assert_eq!(seeds.len(), 1, "{file}");
    assert!(
        seeds[0].ends_with("# props::small_numbers_only: shrinks to x = 100, flag = false"),
        "{file}"
    );

    // Replayed first: the same minimal case, without a new search.
    let second = props(
        &regressions,
        &reports,
        &["--exact", "small_numbers_only"],
        &[],
    );
    assert_eq!(second.code, Some(101));
    assert!(second.stdout.contains(headline), "{}", second.stdout);
    assert!(second.stdout.contains("replayed from"), "{}", second.stdout);
    let property = &ctrf_test(&reports, "small_numbers_only")["extra"]["property"];
    assert_eq!(
        (property["replayed"].as_u64(), property["cases"].as_u64()),
        (Some(1), Some(0))
    );
    let again = std::fs::read_to_string(regressions.join("props.txt")).unwrap();
    assert_eq!(again, file, "a replayed failure is not saved twice");
}

#[test]
fn an_error_shrinks_too_and_the_async_and_fixture_tests_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (regressions, reports) = (dir.path().join("r"), dir.path().join("out"));
    let ran = props(
        &regressions,
        &reports,
        &[
            "--exact",
            "no_angle_brackets",
            "async_sums_stay_ordered",
            "reversing_twice_is_identity",
        ],
        &[],
    );
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    assert_eq!(ran.status_of("async_sums_stay_ordered"), "ok");
    assert_eq!(ran.status_of("reversing_twice_is_identity"), "ok");
    let test = ctrf_test(&reports, "no_angle_brackets");
    assert_eq!(test["message"], "minimal failing input: text = \"<\"");
    assert_eq!(test["extra"]["leanvibe"]["failureKind"], "error");
    let cases =
        ctrf_test(&reports, "async_sums_stay_ordered")["extra"]["property"]["cases"].clone();
    assert_eq!(cases, 32, "every case ran");
}

#[test]
fn a_seed_that_no_longer_fails_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (regressions, reports) = (dir.path().join("r"), dir.path().join("out"));
    let failing = props(&regressions, &reports, &["--exact", "fixed_by_env"], &[]);
    assert_eq!(failing.code, Some(101), "{}", failing.stdout);
    let fixed = props(
        &regressions,
        &reports,
        &["--exact", "fixed_by_env", "--show-output"],
        &[("PROPERTY_FIXED", "1")],
    );
    assert_eq!(fixed.code, Some(0), "{}", fixed.stdout);
    let file = regressions.join("props.txt");
    let line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .position(|l| l.contains("props::fixed_by_env"))
        .unwrap()
        + 1;
    let note = format!(
        "the seed on line {line} of {} no longer fails",
        file.display()
    );
    assert!(fixed.stdout.contains(&note), "{}", fixed.stdout);
    let test = ctrf_test(&reports, "fixed_by_env");
    assert_eq!(
        test["extra"]["property"]["stale_seeds"],
        serde_json::json!([line])
    );
    assert!(test["stderr"].to_string().contains(&note), "{test}");
}

#[test]
fn a_fixed_seed_repeats_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = |name: &str, seed: &str| {
        let (regressions, reports) = (
            dir.path().join(format!("r-{name}")),
            dir.path().join(format!("o-{name}")),
        );
        let ran = props(
            &regressions,
            &reports,
            &["--exact", "rarely_fails", "--proptest-seed", seed],
            &[],
        );
        let property = ctrf_test(&reports, "rarely_fails")["extra"]["property"].clone();
        (
            ran.code,
            property["cases"].clone(),
            property["minimal_input"].clone(),
            property["seed"].clone(),
        )
    };
    let first = outcome("a", "7");
    assert_eq!(
        first,
        outcome("b", "7"),
        "the same seed, the same cases and failure"
    );
    assert_eq!(first.3, 7);
    // The variable works as the option does.
    let dir2 = tempfile::tempdir().unwrap();
    let (regressions, reports) = (dir2.path().join("r"), dir2.path().join("o"));
    props(
        &regressions,
        &reports,
        &["--exact", "rarely_fails"],
        &[("LEANVIBE_PROPTEST_SEED", "7")],
    );
    let by_env = ctrf_test(&reports, "rarely_fails")["extra"]["property"].clone();
    assert_eq!(
        (by_env["cases"].clone(), by_env["minimal_input"].clone()),
        (first.1, first.2)
    );
}

#[test]
fn max_ms_applies_to_each_case() {
    let dir = tempfile::tempdir().unwrap();
    let (regressions, reports) = (dir.path().join("r"), dir.path().join("o"));
    let ran = props(
        &regressions,
        &reports,
        &["--exact", "every_case_within_budget"],
        &[],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stdout);
    let test = ctrf_test(&reports, "every_case_within_budget");
    let runs = test["extra"]["leanvibe"]["measurements"]["runs_ms"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(runs.len(), 8, "one measured run per case");
    let total: f64 = runs.iter().map(|r| r.as_f64().unwrap()).sum();
    assert!(
        total > 60.0 && runs.iter().all(|r| r.as_f64().unwrap() < 60.0),
        "{runs:?}"
    );
}

/// A retry runs the same cases: a counterexample found by attempt 1 fails
/// the test even where its seed could not be saved (a read-only checkout),
/// instead of a fresh seed passing attempt 2 and the test counting as a
/// flaky pass.
#[test]
fn a_retry_replays_the_failing_cases_even_when_the_seed_was_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    // A directory under a regular file can never be created.
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "").unwrap();
    let regressions = blocker.join("regressions");
    let run = props(
        &regressions,
        dir.path(),
        &["--exact", "fails_on_its_first_input", "--retries", "1"],
        &[],
    );
    assert_eq!(
        run.status_of("fails_on_its_first_input"),
        "FAILED",
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(output.contains("failing seed not saved"), "{output}");
}

/// `prop_assume!` discards a case (it is not a failure, and does not count
/// towards `cases`); `prop_assert!` fails one with its message.
#[test]
fn prop_assume_rejects_and_prop_assert_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (regressions, reports) = (dir.path().join("r"), dir.path().join("o"));
    let ran = props(
        &regressions,
        &reports,
        &["--exact", "assumes_and_holds", "even_numbers_below_100"],
        &[],
    );
    assert_eq!(ran.status_of("assumes_and_holds"), "ok", "{}", ran.stdout);
    let property = ctrf_test(&reports, "assumes_and_holds")["extra"]["property"].clone();
    assert_eq!(property["cases"], 32);
    assert!(property["rejected"].as_u64().unwrap() > 0, "{property}");
    // Shrinking walks through rejected (odd) inputs, so it may stop above
    // 100, as proptest's own does; the input is even, failing, and named.
    let failed = ctrf_test(&reports, "even_numbers_below_100");
    let message = failed["message"].as_str().unwrap();
    let x: u32 = message
        .strip_prefix("minimal failing input: x = ")
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    assert!(x >= 100 && x.is_multiple_of(2), "{message}");
    assert_eq!(failed["extra"]["leanvibe"]["failureKind"], "error");
    assert!(
        failed["trace"]
            .as_str()
            .unwrap()
            .contains(&format!("x was {x}")),
        "{failed}"
    );
}
