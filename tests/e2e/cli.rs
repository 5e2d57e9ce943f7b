//! The command line: bad input is a one-line error and exit 101, never a panic.

use leanvibe_test_e2e::{fixture_bin, run};

#[test]
fn bad_arguments_are_one_line_errors_with_exit_101() {
    let cases: &[(&[&str], &str)] = &[
        (&["--frobnicate"], "--frobnicate"),
        (&["--test-threads", "zero"], "--test-threads"),
        (&["--test-threads", "0"], "--test-threads"),
        (&["--format", "json"], "json"),
        (&["--color", "sometimes"], "sometimes"),
        (&["--partition", "hash:0/2"], "hash:0/2"),
        (&["--ignored", "--include-ignored"], "--include-ignored"),
    ];
    for (args, named) in cases {
        let run = run(&fixture_bin("select"), args, &[]);
        assert_eq!(run.code, Some(101), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?} printed to stdout");
        let stderr = run.stderr.trim_end();
        assert!(!stderr.contains('\n'), "{args:?}: not one line:\n{stderr}");
        assert!(
            stderr.contains(named),
            "{args:?}: {stderr:?} should name {named}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // The arguments already come after cargo's `--`: no advice to add one.
    let run = run(&fixture_bin("select"), &["--bogus"], &[]);
    assert_eq!(
        run.stderr.trim_end(),
        "error: unexpected argument '--bogus' found; see --help for the options"
    );
}

#[test]
fn help_is_the_options_not_the_source_docs() {
    let run = run(&fixture_bin("select"), &["--help"], &[]);
    assert_eq!(run.code, Some(0));
    assert!(
        run.stdout.starts_with(
            "A leanvibe-test harness: runs the #[plugin_test] tests of this binary.\n"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("```"), "{}", run.stdout);
    assert!(run.stdout.contains("--test-threads <N>"), "{}", run.stdout);
}

#[test]
fn bad_environment_is_a_one_line_error() {
    for (key, value) in [
        ("LEANVIBE_TIMEOUT_MS", "soon"),
        ("RUST_TEST_THREADS", "many"),
    ] {
        let run = run(&fixture_bin("select"), &[], &[(key, value)]);
        assert_eq!(run.code, Some(101), "{key}={value}: {}", run.stderr);
        let stderr = run.stderr.trim_end();
        assert!(
            !stderr.contains('\n') && stderr.contains(value),
            "{key}: {stderr}"
        );
    }
}

#[test]
fn cargo_compatibility_flags_are_accepted() {
    let run = run(&fixture_bin("select"), &["--test", "-q", "alpha"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("test result: ok. 3 passed"),
        "{}",
        run.stdout
    );
    let run = leanvibe_test_e2e::run(&fixture_bin("select"), &["--bench"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("0 passed"), "{}", run.stdout);
}

#[test]
fn help_exits_zero() {
    let run = run(&fixture_bin("select"), &["--help"], &[]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("--test-threads"));
}

#[test]
fn terse_format_prints_one_character_per_test() {
    let run = run(&fixture_bin("select"), &["--format", "terse"], &[]);
    assert_eq!(run.code, Some(0));
    let marks: String = run.stdout.lines().nth(2).unwrap_or_default().to_string();
    assert_eq!(
        marks.chars().filter(|c| *c == '.').count(),
        6,
        "{}",
        run.stdout
    );
    assert_eq!(
        marks.chars().filter(|c| *c == 'i').count(),
        3,
        "{}",
        run.stdout
    );
}

#[test]
fn a_forgotten_harness_false_fails_and_says_what_to_add() {
    let ran = run(&fixture_bin("forgot_harness"), &[], &[]);
    assert_eq!(ran.code, Some(101), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("test leanvibe_test_needs_harness_false ... FAILED"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("[[test]]\nname = \"forgot_harness\"\nharness = false"),
        "{}",
        ran.stdout
    );
}
