use super::*;

fn dependency() -> Option<Dependency> {
    Some(Dependency::parse("leanvibe-test = { path = \"../lt\" }").unwrap())
}

fn harness_off(index: usize) -> Vec<(usize, String)> {
    vec![(index, format!("t{index}"))]
}

#[test]
fn doc_example() {
    let plan = Plan {
        harness_off: vec![(0, "it".into())],
        new_targets: vec![],
        dependency: Some(Dependency::default()),
    };
    let edited = edit(
        "[package]\nname = \"p\"\n\n[[test]]\nname = \"it\"\n",
        &plan,
    )
    .unwrap();
    assert_eq!(
        edited,
        "[package]\nname = \"p\"\n\n[[test]]\nname = \"it\"\nharness = false\n\n[dev-dependencies]\nleanvibe-test = \"0.1\"\n"
    );
}

#[test]
fn harness_goes_after_the_last_key_before_comments_of_the_next_table() {
    let text = "[package]\nname = \"p\" # the name\n\n[[test]]\nname = \"a\"\n\n[[test]]\nname = \"b\"\npath = \"tests/b/main.rs\"\n\n# Benches.\n[[bench]]\nname = \"x\"\n";
    let plan = Plan {
        harness_off: harness_off(1),
        ..Plan::default()
    };
    assert_eq!(
        edit(text, &plan).unwrap(),
        text.replace(
            "path = \"tests/b/main.rs\"\n",
            "path = \"tests/b/main.rs\"\nharness = false\n"
        )
    );
}

#[test]
fn harness_true_is_replaced_in_place() {
    let text = "[package]\nname = \"p\"\n[[test]]\nname = \"a\"\nharness = true # libtest\n";
    let plan = Plan {
        harness_off: harness_off(0),
        ..Plan::default()
    };
    assert_eq!(
        edit(text, &plan).unwrap(),
        "[package]\nname = \"p\"\n[[test]]\nname = \"a\"\nharness = false # libtest\n"
    );
}

#[test]
fn a_discovered_target_gets_a_table_after_the_last_test_table() {
    let text = "[package]\nname = \"p\"\n\n[[test]]\nname = \"a\"\n\n[dependencies]\nx = \"1\"\n";
    let plan = Plan {
        new_targets: vec![("b".into(), "tests/b.rs".into())],
        ..Plan::default()
    };
    assert_eq!(
        edit(text, &plan).unwrap(),
        "[package]\nname = \"p\"\n\n[[test]]\nname = \"a\"\n\n[[test]]\nname = \"b\"\npath = \"tests/b.rs\"\nharness = false\n\n[dependencies]\nx = \"1\"\n"
    );
}

#[test]
fn the_dependency_joins_dev_dependencies_or_opens_it() {
    let plan = Plan {
        dependency: dependency(),
        ..Plan::default()
    };
    let with = "[package]\nname = \"p\"\n\n[dev-dependencies]\nserde = \"1\"\n\n[features]\n";
    assert_eq!(
        edit(with, &plan).unwrap(),
        "[package]\nname = \"p\"\n\n[dev-dependencies]\nserde = \"1\"\nleanvibe-test = { path = \"../lt\" }\n\n[features]\n"
    );
    // Dotted tables as `cargo publish` writes them, and no final newline.
    let dotted = "[package]\nname = \"p\"\n\n[dev-dependencies.num_cpus]\nversion = \"1.8\"";
    assert_eq!(
        edit(dotted, &plan).unwrap(),
        format!("{dotted}\n\n[dev-dependencies]\nleanvibe-test = {{ path = \"../lt\" }}\n")
    );
}

#[test]
fn brackets_inside_values_are_not_headers() {
    let text = "[package]\nname = \"p\"\nexclude = [\n    \"[[test]]\",\n    \"x\",\n]\ndescription = \"\"\"\n[[test]]\n\"\"\"\n\n[[test]]\nname = \"a\"\nrequired-features = [\n  \"std\",\n]\n";
    let plan = Plan {
        harness_off: harness_off(0),
        dependency: dependency(),
        ..Plan::default()
    };
    let edited = edit(text, &plan).unwrap();
    assert!(
        edited.ends_with("required-features = [\n  \"std\",\n]\nharness = false\n\n[dev-dependencies]\nleanvibe-test = { path = \"../lt\" }\n"),
        "{edited}"
    );
}

#[test]
fn an_edit_that_would_not_parse_as_intended_is_refused() {
    // The targets are an inline array: there is no [[test]] table to edit.
    let text = "[package]\nname = \"p\"\ntest = [{ name = \"a\" }]\n";
    let plan = Plan {
        harness_off: harness_off(0),
        ..Plan::default()
    };
    let error = edit(text, &plan).unwrap_err();
    assert!(
        error.contains("by hand") && error.contains("harness = false"),
        "{error}"
    );
}

#[test]
fn dependency_lines_must_name_leanvibe_test() {
    assert!(Dependency::parse("leanvibe-test = \"0.1\"").is_ok());
    assert!(Dependency::parse("lt = { package = \"leanvibe-test\" }").is_err());
    assert!(Dependency::parse("leanvibe-test = ").is_err());
    assert_eq!(Dependency::default().line, "leanvibe-test = \"0.1\"");
}

#[test]
fn presence_sees_dev_normal_target_and_renamed_dependencies() {
    let parse = |text: &str| presence(&text.parse::<toml::Table>().unwrap());
    assert_eq!(
        parse("[dev-dependencies]\nleanvibe-test = \"0.1\""),
        Presence::Present
    );
    assert_eq!(
        parse("[dependencies.leanvibe-test]\npath = \"x\""),
        Presence::Present
    );
    assert_eq!(
        parse("[target.'cfg(unix)'.dev-dependencies]\nleanvibe-test = \"0.1\""),
        Presence::Present
    );
    assert_eq!(
        parse("[dev-dependencies]\nlt = { package = \"leanvibe-test\" }"),
        Presence::Renamed("lt".into())
    );
    assert_eq!(parse("[dev-dependencies]\nserde = \"1\""), Presence::Absent);
}
