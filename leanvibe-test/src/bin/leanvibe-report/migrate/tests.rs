//! The whole conversion on a small package on disk: which targets and files
//! change, which are protected, what is reported, and that a second run
//! changes nothing.

use super::*;
use std::fs;

const MANIFEST: &str = "\
[package]
name = \"p\"
version = \"0.1.0\"
edition = \"2021\"

[[test]]
name = \"custom\"
harness = false
";

/// A package with four test targets:
/// - `a` (discovered): a root and a module file, both with tests, and a
///   `#[path]` into `src/` (a test there stays, with a warning);
/// - `b` (discovered), whose module `common` is also `keep`'s;
/// - `keep` (discovered), not selected in some tests;
/// - `custom`, `harness = false` with a harness of its own.
fn package() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod util;\n"),
        (
            "src/util.rs",
            "pub fn one() -> u8 { 1 }\n#[test]\nfn in_src() {}\n",
        ),
        (
            "tests/a.rs",
            "mod helpers;\n#[path = \"../src/util.rs\"]\nmod util;\n\n#[test]\nfn a1() {}\n",
        ),
        (
            "tests/helpers/mod.rs",
            "#[test]\n#[ignore]\nfn h1() {}\n#[rstest]\nfn r() {}\n",
        ),
        ("tests/b.rs", "mod common;\n#[test]\nfn b1() {}\n"),
        ("tests/keep.rs", "mod common;\n"),
        ("tests/common/mod.rs", "#[test]\nfn shared() {}\n"),
        ("tests/custom.rs", "fn main() {}\n#[test]\nfn c() {}\n"),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn options(dir: &Path, tests: &[&str], dry_run: bool) -> Options {
    Options {
        manifest_path: dir.join("Cargo.toml"),
        tests: tests.iter().map(|t| t.to_string()).collect(),
        dry_run,
        dependency: None,
    }
}

fn read(dir: &Path, path: &str) -> String {
    fs::read_to_string(dir.join(path)).unwrap()
}

#[test]
fn converts_selected_targets_and_protects_what_others_compile() {
    let dir = package();
    let summary = run(&options(dir.path(), &["a", "b"], false)).unwrap();
    let report = summary.to_string();

    assert_eq!(
        read(dir.path(), "tests/a.rs"),
        "mod helpers;\n#[path = \"../src/util.rs\"]\nmod util;\n\n#[leanvibe_test::plugin_test]\nfn a1() {}\n\nleanvibe_test::main!();\n"
    );
    assert_eq!(
        read(dir.path(), "tests/helpers/mod.rs"),
        "#[leanvibe_test::plugin_test]\n#[ignore]\nfn h1() {}\n#[rstest]\nfn r() {}\n"
    );
    // Under src/, and shared with `keep`: left as they were.
    assert!(read(dir.path(), "src/util.rs").contains("#[test]"));
    assert_eq!(
        read(dir.path(), "tests/common/mod.rs"),
        "#[test]\nfn shared() {}\n"
    );
    assert!(read(dir.path(), "tests/custom.rs").contains("#[test]"));
    assert_eq!(
        read(dir.path(), "Cargo.toml"),
        format!(
            "{MANIFEST}\n[[test]]\nname = \"a\"\npath = \"tests/a.rs\"\nharness = false\n\n[[test]]\nname = \"b\"\npath = \"tests/b.rs\"\nharness = false\n\n[dev-dependencies]\nleanvibe-test = \"0.1\"\n"
        )
    );

    assert_eq!(
        report,
        "\
leanvibe-report migrate: Cargo.toml
test target `a` (tests/a.rs): 2 files
  tests/a.rs: 1 test converted, leanvibe_test::main!() appended
  tests/helpers/mod.rs: 1 test converted
test target `b` (tests/b.rs): 1 file
  tests/b.rs: 1 test converted, leanvibe_test::main!() appended
Cargo.toml: [[test]] `a` added, harness = false
Cargo.toml: [[test]] `b` added, harness = false
Cargo.toml: [dev-dependencies] leanvibe-test = \"0.1\"
warning: tests/helpers/mod.rs:4: `#[rstest]` expands to a libtest `#[test]`, which a harness = false target compiles out; rewrite this test as a `#[leanvibe_test::plugin_test]` function
warning: src/util.rs: 1 test(s) here are not converted because this file is under src/, a source of the package's other targets (where its tests still run); they no longer run in test target `a`
warning: tests/common/mod.rs: 1 test(s) here are not converted because this file is also compiled by test target `keep`, which keeps libtest; they no longer run in test target `b`
3 tests converted in 3 files of 2 test targets; 3 warnings
"
    );
}

#[test]
fn a_second_run_changes_nothing_and_finds_tests_added_since() {
    let dir = package();
    run(&options(dir.path(), &[], false)).unwrap();
    let manifest = read(dir.path(), "Cargo.toml");
    let again = run(&options(dir.path(), &[], false)).unwrap();
    assert_eq!(again.converted(), 0, "{again}");
    assert_eq!(read(dir.path(), "Cargo.toml"), manifest);

    // A test written the old way after the migration is still caught.
    let helpers = dir.path().join("tests/helpers/mod.rs");
    let text = fs::read_to_string(&helpers).unwrap();
    fs::write(&helpers, format!("{text}#[test]\nfn later() {{}}\n")).unwrap();
    let third = run(&options(dir.path(), &[], false)).unwrap();
    assert_eq!(third.converted(), 1, "{third}");
    assert_eq!(read(dir.path(), "Cargo.toml"), manifest);
}

#[test]
fn all_targets_convert_shared_files_and_leave_a_custom_harness_alone() {
    let dir = package();
    let summary = run(&options(dir.path(), &[], false)).unwrap();
    assert_eq!(
        read(dir.path(), "tests/common/mod.rs"),
        "#[leanvibe_test::plugin_test]\nfn shared() {}\n"
    );
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.starts_with("tests/custom.rs: test target `custom` has harness = false")),
        "{summary}"
    );
    assert_eq!(
        read(dir.path(), "tests/custom.rs"),
        "fn main() {}\n#[test]\nfn c() {}\n"
    );
}

#[test]
fn a_dry_run_writes_nothing() {
    let dir = package();
    let before: Vec<String> = ["Cargo.toml", "tests/a.rs", "tests/helpers/mod.rs"]
        .iter()
        .map(|p| read(dir.path(), p))
        .collect();
    let summary = run(&options(dir.path(), &[], true)).unwrap();
    assert!(
        summary
            .to_string()
            .starts_with("leanvibe-report migrate: Cargo.toml (dry run: nothing written)\n")
    );
    assert!(summary.converted() > 0);
    let after: Vec<String> = ["Cargo.toml", "tests/a.rs", "tests/helpers/mod.rs"]
        .iter()
        .map(|p| read(dir.path(), p))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn errors_name_what_is_wrong() {
    let dir = package();
    let unknown = run(&options(dir.path(), &["nope"], true)).unwrap_err();
    assert!(
        unknown.contains("no test target `nope`") && unknown.contains("custom, a, b, keep"),
        "{unknown}"
    );
    let missing = run(&options(&dir.path().join("absent"), &[], true)).unwrap_err();
    assert!(missing.starts_with("cannot read "), "{missing}");
    let bad_dependency = run(&Options {
        dependency: Some("serde = \"1\"".into()),
        ..options(dir.path(), &[], true)
    })
    .unwrap_err();
    assert!(
        bad_dependency.contains("leanvibe-test = …"),
        "{bad_dependency}"
    );
}
