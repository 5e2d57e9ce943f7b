//! Selection matches libtest's on the same names: the `select` fixture and
//! its plain-`#[test]` twin `select_libtest` are run with the same arguments.

use leanvibe_test_e2e::{Run, fixture_bin, run};

const ARGUMENT_SETS: &[&[&str]] = &[
    &[],
    &["alpha"],
    &["alpha", "gamma"],
    &["unit::"],
    &["--exact", "alpha"],
    &["--exact", "unit::alpha", "beta"],
    &["--exact", "unit"],
    &["--skip", "alpha"],
    &["--skip", "alpha", "--skip", "io::"],
    &["alpha", "--skip", "beta"],
    &["--exact", "--skip", "alpha"],
    &["--ignored"],
    &["--ignored", "gamma"],
    &["--include-ignored"],
    &["--include-ignored", "--skip", "unit"],
    &["nothing-matches"],
];

fn both(args: &[&str]) -> (Run, Run) {
    let ours = run(&fixture_bin("select"), args, &[]);
    let theirs = run(&fixture_bin("select_libtest"), args, &[]);
    (ours, theirs)
}

#[test]
fn list_selects_what_libtest_selects() {
    for args in ARGUMENT_SETS {
        for format in [&["--list"][..], &["--list", "--format", "terse"][..]] {
            let args: Vec<&str> = args.iter().chain(format).copied().collect();
            let (ours, theirs) = both(&args);
            assert_eq!(ours.code, Some(0), "{args:?}: {}", ours.stderr);
            assert_eq!(
                ours.stdout, theirs.stdout,
                "--list output differs for {args:?}"
            );
        }
    }
}

#[test]
fn runs_and_counts_what_libtest_runs_and_counts() {
    for args in ARGUMENT_SETS {
        let (ours, theirs) = both(args);
        assert_eq!(ours.code, theirs.code, "exit code differs for {args:?}");
        assert_eq!(
            ours.test_lines(),
            theirs.test_lines(),
            "test lines differ for {args:?}"
        );
        assert_eq!(
            ours.summary(),
            theirs.summary(),
            "summary differs for {args:?}"
        );
    }
}

#[test]
fn terse_list_prints_nothing_else() {
    let ours = run(
        &fixture_bin("select"),
        &["--list", "--format", "terse", "--ignored"],
        &[],
    );
    let lines: Vec<&str> = ours.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "io::write_file: test",
            "slow_alpha: test",
            "unit::ignored_gamma: test"
        ]
    );
}
