//! `leanvibe-report migrate` on real test suites: a crate's own tests,
//! copied from the local cargo registry, are built and run under libtest,
//! migrated, built and run under leanvibe-test, and must list the same tests
//! with the same verdicts.
//!
//! The crates are dependencies in the workspace's `Cargo.lock`, so a build
//! of the workspace has put them in the registry. Each copy is built into
//! the workspace's target directory with the workspace's `Cargo.lock`, so
//! the registry crates and leanvibe-test are compiled once and reused on
//! later runs. The copies keep the crate's sources and a few test files;
//! the manifest loses only the tables of targets and dev-dependencies those
//! files do not use (some are not in the registry).

use leanvibe_test_e2e::{cargo, fixture_bin, run, workspace_root};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

/// once_cell's suite: one target whose root is only `mod` declarations
/// (six module files, some under `cfg`), a `#[should_panic(expected)]`, a
/// `#[cfg_attr(miri, ignore)]`, and a test that runs one of the crate's
/// examples.
#[test]
fn once_cell_suite_keeps_every_test_and_verdict() {
    let copy = RegistryCopy::new("once_cell", &["src", "tests/it", "examples"], |table| {
        let header = table.lines().next().unwrap_or("");
        match header {
            // Its optional dependencies and the dev-dependency
            // critical-section are not in the registry; only the `regex`
            // example uses the regex dev-dependency.
            _ if header.starts_with("[dependencies.") || header.starts_with("[dev-dependencies.") => None,
            "[[example]]" if !table.contains("\"reentrant_init_deadlocks\"") => None,
            // The features that do not name those dependencies.
            "[features]" => Some(
                "[features]\nalloc = [\"race\"]\ndefault = [\"std\"]\nrace = []\nstd = [\"alloc\"]\nunstable = []\n\n"
                    .into(),
            ),
            _ => Some(table.into()),
        }
    });
    // get_or_init_stress takes some 20 s on two cores in a debug build: it
    // is listed and compared there, not run.
    let outcome = copy.migrate_and_compare(
        &["--test", "it", "--example", "reentrant_init_deadlocks"],
        &["--skip", "get_or_init_stress"],
    );
    assert!(
        outcome.lists["it"].contains(&"sync_once_cell::get_or_init_stress".to_string()),
        "{:?}",
        outcome.lists
    );
    assert!(
        outcome
            .migrate_stdout
            .contains("71 tests converted in 6 files of 1 test target; 0 warnings"),
        "{}",
        outcome.migrate_stdout
    );
    assert_eq!(
        outcome.verdicts["it"]["unsync_once_cell::reentrant_init"], "ok",
        "the should_panic test"
    );
}

/// ryu's suite: separate targets in `[[test]]` tables, one ignored with a
/// reason through `cfg_attr`, one that includes a library source through
/// `#[path = "../src/common.rs"]` (left as it is), and dev-dependencies as
/// dotted tables with no `[dev-dependencies]` header.
#[test]
fn ryu_suite_keeps_every_test_and_verdict() {
    let copy = RegistryCopy::new(
        "ryu",
        &["src", "tests/common_test.rs", "tests/exhaustive.rs"],
        |table| {
            let kept_target = ["\"common_test\"", "\"exhaustive\""]
                .iter()
                .any(|name| table.contains(name));
            let keep = match table.lines().next().unwrap_or("") {
                "[[test]]" => kept_target,
                "[[example]]" | "[[bench]]" => false,
                // no-panic (optional) is not in the registry.
                "[dependencies.no-panic]" => false,
                header if header.contains("dev-dependencies") => header.ends_with(".num_cpus]"),
                _ => true,
            };
            keep.then(|| table.to_string())
        },
    );
    let outcome = copy.migrate_and_compare(&["--test", "common_test", "--test", "exhaustive"], &[]);
    assert_eq!(
        outcome.verdicts["exhaustive"]["test_exhaustive"], "ignored, requires cfg(exhaustive)",
        "{:?}",
        outcome.verdicts
    );
    assert_eq!(outcome.verdicts["common_test"].len(), 6);
    assert!(
        outcome
            .migrate_stdout
            .contains("7 tests converted in 2 files of 2 test targets; 0 warnings"),
        "{}",
        outcome.migrate_stdout
    );
}

/// The command line: an error is one line on stderr, exit 1, nothing written.
#[test]
fn migrate_refuses_a_workspace_manifest() {
    let manifest = workspace_root().join("Cargo.toml");
    let before = std::fs::read_to_string(&manifest).unwrap();
    let refused = run(
        &fixture_bin("leanvibe-report"),
        &["migrate", "--manifest-path", manifest.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .starts_with("leanvibe-report: error: the manifest has no [package]"),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), before);
}

/// A crate from the registry, copied to a fixed place under the target
/// directory (a fixed path keeps cargo's hashes, so reruns rebuild only it).
struct RegistryCopy {
    name: &'static str,
    source: PathBuf,
    dir: PathBuf,
}

/// What a migration did, and the migrated targets' test lists and verdicts.
struct Outcome {
    migrate_stdout: String,
    lists: BTreeMap<String, Vec<String>>,
    verdicts: BTreeMap<String, BTreeMap<String, String>>,
}

impl RegistryCopy {
    /// Copies `paths` of the locked version of crate `name`, and its
    /// manifest as a workspace of its own, each table (given as its text,
    /// header first) as `adapt` returns it, or dropped for `None`.
    fn new(name: &'static str, paths: &[&str], adapt: impl Fn(&str) -> Option<String>) -> Self {
        let source = registry_dir(name);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("migrate")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        for path in paths {
            copy_recursively(&source.join(path), &dir.join(path));
        }
        let manifest = std::fs::read_to_string(source.join("Cargo.toml")).unwrap();
        let kept: String = tables(&manifest).iter().filter_map(|t| adapt(t)).collect();
        std::fs::write(dir.join("Cargo.toml"), format!("{kept}\n[workspace]\n")).unwrap();
        RegistryCopy { name, source, dir }
    }

    /// Builds the targets `build_args` select and runs them with `run_args`
    /// under libtest, migrates, does it again, and asserts that the test
    /// lists and the verdicts are equal.
    fn migrate_and_compare(&self, build_args: &[&str], run_args: &[&str]) -> Outcome {
        let before = self.build_and_run(build_args, run_args);

        let migrate = run(
            &fixture_bin("leanvibe-report"),
            &[
                "migrate",
                "--manifest-path",
                self.dir.join("Cargo.toml").to_str().unwrap(),
                "--dependency",
                &format!(
                    "leanvibe-test = {{ path = {:?} }}",
                    workspace_root().join("leanvibe-test")
                ),
            ],
            &[],
        );
        assert_eq!(
            migrate.code,
            Some(0),
            "{}\n{}",
            migrate.stdout,
            migrate.stderr
        );
        self.assert_only_attributes_changed();

        let no_report = [run_args, &["--no-report"]].concat();
        let after = self.build_and_run(build_args, &no_report);
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "the same test targets"
        );
        for (target, (list_before, verdicts_before)) in &before {
            let (list_after, verdicts_after) = &after[target];
            assert!(!list_before.is_empty(), "{target}: libtest listed no test");
            assert_eq!(list_before, list_after, "{target}: --list");
            assert_eq!(verdicts_before, verdicts_after, "{target}: verdicts");
        }
        let (lists, verdicts) = after
            .into_iter()
            .map(|(target, (list, verdicts))| ((target.clone(), list), (target, verdicts)))
            .unzip();
        Outcome {
            migrate_stdout: migrate.stdout,
            lists,
            verdicts,
        }
    }

    /// Per test target: `--list` names, and each test's verdict in a run.
    #[allow(clippy::type_complexity)]
    fn build_and_run(
        &self,
        build_args: &[&str],
        run_args: &[&str],
    ) -> BTreeMap<String, (Vec<String>, BTreeMap<String, String>)> {
        // The workspace's lock file: the versions already built there.
        std::fs::copy(
            workspace_root().join("Cargo.lock"),
            self.dir.join("Cargo.lock"),
        )
        .unwrap();
        let output = Command::new(cargo())
            .args([
                "build",
                "--offline",
                "--message-format=json-render-diagnostics",
            ])
            .arg("--manifest-path")
            .arg(self.dir.join("Cargo.toml"))
            .args(build_args)
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "building the {} copy failed:\n{}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let mut results = BTreeMap::new();
        for (target, exe) in test_executables(&output.stdout) {
            let list = run(&exe, &["--list", "--format", "terse"], &[]);
            let names: Vec<String> = list
                .stdout
                .lines()
                .filter_map(|line| line.strip_suffix(": test"))
                .map(str::to_string)
                .collect();
            let ran = run(&exe, run_args, &[]);
            assert!(
                ran.stdout.contains("test result: ok."),
                "{target}:\n{}{}",
                ran.stdout,
                ran.stderr
            );
            let verdicts = ran
                .test_lines()
                .into_iter()
                // libtest names a should_panic test `name - should panic`.
                .map(|(name, status)| {
                    (name.trim_end_matches(" - should panic").to_string(), status)
                })
                .collect();
            results.insert(target, (names, verdicts));
        }
        results
    }

    /// Every copied test file differs from the registry's only in converted
    /// attributes and an appended `leanvibe_test::main!();`.
    fn assert_only_attributes_changed(&self) {
        for file in rust_files(&self.dir.join("tests")) {
            let relative = file.strip_prefix(&self.dir).unwrap();
            let original = std::fs::read_to_string(self.source.join(relative)).unwrap();
            let migrated = std::fs::read_to_string(&file).unwrap();
            let undone = migrated.replace("#[leanvibe_test::plugin_test]", "#[test]");
            let undone = undone
                .strip_suffix("\nleanvibe_test::main!();\n")
                .unwrap_or(&undone);
            assert_eq!(undone, original, "{}", relative.display());
        }
    }
}

/// `~/.cargo/registry/src/*/NAME-VERSION`, VERSION as locked in the workspace.
fn registry_dir(name: &str) -> PathBuf {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).unwrap();
    let version = lock
        .split("[[package]]")
        .find_map(|package| {
            let mut lines = package.lines().map(str::trim);
            let found = lines.any(|l| l == format!("name = \"{name}\""));
            let version = lines
                .next()?
                .strip_prefix("version = \"")?
                .strip_suffix('"')?;
            found.then(|| version.to_string())
        })
        .unwrap_or_else(|| {
            panic!("{name} is not in the workspace's Cargo.lock any more: pick another crate")
        });
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cargo")
        });
    let registries = cargo_home.join("registry/src");
    let found = std::fs::read_dir(&registries)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|index| index.path().join(format!("{name}-{version}")))
        .find(|dir| dir.join("Cargo.toml").is_file());
    found.unwrap_or_else(|| {
        panic!(
            "{name} {version} (locked in the workspace's Cargo.lock) is not in the local cargo \
             registry under {}; build the workspace (or run `cargo fetch`) first",
            registries.display()
        )
    })
}

/// The target directory the fixtures were built in.
fn target_dir() -> PathBuf {
    let report = fixture_bin("leanvibe-report");
    // <target>/debug/leanvibe-report
    report
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf()
}

/// Test target name → executable, from cargo's JSON messages.
fn test_executables(messages: &[u8]) -> HashMap<String, PathBuf> {
    let mut found = HashMap::new();
    for line in String::from_utf8_lossy(messages).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_test = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "test"));
        if let (true, Some(name), Some(exe)) = (
            is_test,
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            found.insert(name.to_string(), PathBuf::from(exe));
        }
    }
    found
}

/// The manifest's tables, each with its header line and the lines up to
/// the next header (a published manifest starts every header at column 0,
/// and nothing else there with `[`); the text before the first header too.
fn tables(manifest: &str) -> Vec<String> {
    let mut tables = vec![String::new()];
    for line in manifest.lines() {
        if line.starts_with('[') {
            tables.push(String::new());
        }
        let table = tables.last_mut().unwrap();
        table.push_str(line);
        table.push('\n');
    }
    tables
}

fn copy_recursively(from: &Path, to: &Path) {
    if from.is_dir() {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_recursively(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
