//! A package's test targets, as cargo finds them: the `[[test]]` tables,
//! and, unless `autotests = false`, `tests/*.rs` and `tests/*/main.rs`.
//!
//! ```ignore
//! let manifest: toml::Table =
//!     "[package]\nname = \"p\"\n[[test]]\nname = \"it\"\npath = \"tests/it/main.rs\"".parse()?;
//! let targets = test_targets(&manifest, Path::new("/src/p"))?;
//! assert_eq!(targets[0].name, "it");
//! assert_eq!(targets[0].root, Path::new("/src/p/tests/it/main.rs"));
//! assert_eq!(targets[0].table, Some(0));
//! ```

use std::path::{Path, PathBuf};

/// One test target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestTarget {
    /// Its name (`cargo test --test NAME`).
    pub name: String,
    /// Its root source file, under the package directory.
    pub root: PathBuf,
    /// Whether libtest builds its `main` (`harness`, default true).
    pub harness: bool,
    /// Its index in the manifest's `[[test]]` array; `None` when cargo
    /// discovered it from the `tests/` directory.
    pub table: Option<usize>,
}

/// The test targets of the package whose parsed manifest is `manifest`,
/// rooted at `package_dir`: declared ones first, in manifest order, then
/// discovered ones by name.
pub fn test_targets(manifest: &toml::Table, package_dir: &Path) -> Result<Vec<TestTarget>, String> {
    let package = manifest
        .get("package")
        .and_then(toml::Value::as_table)
        .ok_or(
            "the manifest has no [package] (a virtual workspace?): give the --manifest-path of \
             a member package",
        )?;
    let tests_dir = package_dir.join("tests");
    let mut targets = Vec::new();
    let declared = match manifest.get("test") {
        None => &Vec::new(),
        Some(toml::Value::Array(tables)) => tables,
        Some(_) => return Err("`test` in the manifest is not an array of [[test]] tables".into()),
    };
    for (index, table) in declared.iter().enumerate() {
        let table = table
            .as_table()
            .ok_or_else(|| format!("[[test]] entry {} is not a table", index + 1))?;
        let path = table.get("path").and_then(toml::Value::as_str);
        let name = match (table.get("name").and_then(toml::Value::as_str), path) {
            (Some(name), _) => name.to_string(),
            (None, Some(path)) => file_stem(Path::new(path)),
            (None, None) => return Err(format!("[[test]] entry {} has no name", index + 1)),
        };
        let root = match path {
            Some(path) => package_dir.join(path),
            None => default_root(&tests_dir, &name),
        };
        let harness = table
            .get("harness")
            .and_then(toml::Value::as_bool)
            .unwrap_or(true);
        targets.push(TestTarget {
            name,
            root,
            harness,
            table: Some(index),
        });
    }
    let autotests = package
        .get("autotests")
        .and_then(toml::Value::as_bool)
        .unwrap_or(true);
    if autotests {
        for (name, root) in discovered(&tests_dir) {
            if targets.iter().any(|t| t.name == name || t.root == root) {
                continue;
            }
            targets.push(TestTarget {
                name,
                root,
                harness: true,
                table: None,
            });
        }
    }
    Ok(targets)
}

/// `tests/NAME.rs` if it exists, else `tests/NAME/main.rs`, as cargo does.
fn default_root(tests_dir: &Path, name: &str) -> PathBuf {
    let flat = tests_dir.join(format!("{name}.rs"));
    if flat.is_file() {
        flat
    } else {
        tests_dir.join(name).join("main.rs")
    }
}

/// `tests/*.rs` and `tests/*/main.rs`, by name.
fn discovered(tests_dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(tests_dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter_map(|path| {
            if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
                Some((file_stem(&path), path))
            } else if path.join("main.rs").is_file() {
                let name = path.file_name()?.to_str()?.to_string();
                Some((name, path.join("main.rs")))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example() {
        let manifest: toml::Table =
            "[package]\nname = \"p\"\n[[test]]\nname = \"it\"\npath = \"tests/it/main.rs\""
                .parse()
                .unwrap();
        let targets = test_targets(&manifest, Path::new("/src/p")).unwrap();
        assert_eq!(targets[0].name, "it");
        assert_eq!(targets[0].root, Path::new("/src/p/tests/it/main.rs"));
        assert_eq!(targets[0].table, Some(0));
    }

    #[test]
    fn declared_then_discovered_without_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let tests = dir.path().join("tests");
        std::fs::create_dir_all(tests.join("it")).unwrap();
        std::fs::create_dir_all(tests.join("common")).unwrap();
        for file in ["a.rs", "b.rs", "it/main.rs", "common/mod.rs"] {
            std::fs::write(tests.join(file), "").unwrap();
        }
        let manifest: toml::Table =
            "[package]\nname = \"p\"\n[[test]]\nname = \"b\"\nharness = false\n[[test]]\nname = \"x\"\npath = \"tests/a.rs\"\n"
                .parse()
                .unwrap();
        let found = test_targets(&manifest, dir.path()).unwrap();
        let summary: Vec<_> = found
            .iter()
            .map(|t| {
                let root = t
                    .root
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string();
                (t.name.as_str(), root, t.harness, t.table)
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("b", "tests/b.rs".into(), false, Some(0)),
                ("x", "tests/a.rs".into(), true, Some(1)),
                ("it", "tests/it/main.rs".into(), true, None),
            ]
        );
    }

    #[test]
    fn autotests_false_discovers_nothing_and_a_workspace_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::write(dir.path().join("tests/a.rs"), "").unwrap();
        let manifest: toml::Table = "[package]\nname = \"p\"\nautotests = false\n"
            .parse()
            .unwrap();
        assert!(test_targets(&manifest, dir.path()).unwrap().is_empty());
        let workspace: toml::Table = "[workspace]\nmembers = []\n".parse().unwrap();
        assert!(
            test_targets(&workspace, dir.path())
                .unwrap_err()
                .contains("[package]")
        );
    }
}
