//! What a migration changed, per target and file, and what it could not.
//!
//! ```text
//! leanvibe-report migrate: Cargo.toml
//! test target `it` (tests/it/main.rs): 6 files
//!   tests/it/main.rs: leanvibe_test::main!() appended
//!   tests/it/race.rs: 9 tests converted
//! Cargo.toml: [[test]] `it`: harness = false
//! Cargo.toml: [dev-dependencies] leanvibe-test = "0.1"
//! warning: tests/it/race.rs:40: `#[rstest]` expands to a libtest `#[test]`, …
//! 9 tests converted in 1 file of 1 test target; 1 warning
//! ```

use super::manifest::Plan;
use super::targets::TestTarget;
use std::fmt;
use std::path::{Path, PathBuf};

/// The report of one run of `migrate`.
#[derive(Debug)]
pub struct Summary {
    package_dir: PathBuf,
    /// The manifest, absolute.
    pub manifest: PathBuf,
    dry_run: bool,
    /// Converted targets, in order.
    pub targets: Vec<TargetReport>,
    manifest_changes: Vec<String>,
    /// `path:line: message`, with paths relative to the package.
    pub warnings: Vec<String>,
}

/// One converted target.
#[derive(Debug)]
pub struct TargetReport {
    name: String,
    root: PathBuf,
    /// Every file of the target that the converter may rewrite.
    pub files: Vec<FileReport>,
}

impl TargetReport {
    pub(super) fn new(target: &TestTarget) -> Self {
        TargetReport {
            name: target.name.clone(),
            root: target.root.clone(),
            files: Vec::new(),
        }
    }
}

/// One file of a converted target.
#[derive(Debug)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Test attributes converted in it.
    pub converted: usize,
    /// Whether `leanvibe_test::main!();` was appended to it.
    pub main_added: bool,
}

impl Summary {
    pub(super) fn new(package_dir: &Path, manifest: &Path, dry_run: bool) -> Self {
        Summary {
            package_dir: package_dir.to_path_buf(),
            manifest: manifest.to_path_buf(),
            dry_run,
            targets: Vec::new(),
            manifest_changes: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Records a warning about `file` (at `line`, if known).
    pub(super) fn warn(&mut self, file: &Path, line: Option<usize>, message: String) {
        let file = self.relative(file);
        self.warnings.push(match line {
            Some(line) => format!("{file}:{line}: {message}"),
            None => format!("{file}: {message}"),
        });
    }

    /// Records the manifest changes of `plan`.
    pub(super) fn describe_manifest(&mut self, plan: &Plan) {
        let manifest = self.relative(&self.manifest.clone());
        for (name, _) in &plan.new_targets {
            self.manifest_changes.push(format!(
                "{manifest}: [[test]] `{name}` added, harness = false"
            ));
        }
        for (_, name) in &plan.harness_off {
            self.manifest_changes
                .push(format!("{manifest}: [[test]] `{name}`: harness = false"));
        }
        if let Some(dependency) = &plan.dependency {
            self.manifest_changes.push(format!(
                "{manifest}: [dev-dependencies] {}",
                dependency.line
            ));
        }
    }

    /// Test attributes converted, over all targets.
    pub fn converted(&self) -> usize {
        self.files().map(|f| f.converted).sum()
    }

    fn files(&self) -> impl Iterator<Item = &FileReport> {
        self.targets.iter().flat_map(|t| &t.files)
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.package_dir)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let manifest = self.relative(&self.manifest);
        if self.dry_run {
            writeln!(
                f,
                "leanvibe-report migrate: {manifest} (dry run: nothing written)"
            )?;
        } else {
            writeln!(f, "leanvibe-report migrate: {manifest}")?;
        }
        for target in &self.targets {
            writeln!(
                f,
                "test target `{}` ({}): {}",
                target.name,
                self.relative(&target.root),
                plural(target.files.len(), "file")
            )?;
            for file in target
                .files
                .iter()
                .filter(|f| f.converted > 0 || f.main_added)
            {
                let mut changes = Vec::new();
                if file.converted > 0 {
                    changes.push(format!("{} converted", plural(file.converted, "test")));
                }
                if file.main_added {
                    changes.push("leanvibe_test::main!() appended".into());
                }
                writeln!(f, "  {}: {}", self.relative(&file.path), changes.join(", "))?;
            }
        }
        for change in &self.manifest_changes {
            writeln!(f, "{change}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        let changed_files = self.files().filter(|f| f.converted > 0).count();
        writeln!(
            f,
            "{} converted in {} of {}; {}",
            plural(self.converted(), "test"),
            plural(changed_files, "file"),
            plural(self.targets.len(), "test target"),
            plural(self.warnings.len(), "warning")
        )
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
