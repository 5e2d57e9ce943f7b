use super::*;

#[test]
fn case_seeds_differ_by_case_and_by_run_and_repeat() {
    assert_eq!(case_seed(7, 3), case_seed(7, 3));
    assert_ne!(case_seed(7, 3), case_seed(7, 4));
    assert_ne!(case_seed(7, 3), case_seed(8, 3));
    let seed = case_seed(1, 0);
    assert_ne!(seed[..8], seed[8..16], "each lane hashed on its own");
}

#[test]
fn the_note_puts_the_input_first_on_one_line_and_says_how_to_rerun() {
    let summary = Summary {
        cases: 12,
        seed: 99,
        shrink_steps: Some(4),
        ..Summary::default()
    };
    let regressions = Regressions {
        path: "tests/suite.proptest-regressions".into(),
    };
    let text = note("x = 0,\ny = \"\"", &summary, &regressions);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("minimal failing input: x = 0, y = \"\""));
    let second = lines.next().unwrap();
    assert!(second.contains("LEANVIBE_PROPTEST_SEED=99"), "{second}");
    assert!(second.contains("after 12 passing case(s)"), "{second}");
    let long = note(&"y".repeat(1000), &summary, &regressions);
    assert!(
        long.lines().next().unwrap().chars().count() < 340,
        "a headline stays short"
    );
}
