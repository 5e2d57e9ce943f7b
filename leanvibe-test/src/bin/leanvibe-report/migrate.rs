//! `leanvibe-report migrate`: converts a package's libtest test targets to
//! leanvibe-test, so that no test is lost on the way.
//!
//! In a `harness = false` target, a `#[test]` that stays unconverted is
//! compiled out, and the run still says ok. So the converter rewrites every
//! file a target compiles: its root and, recursively, the module files it
//! includes (`mod foo;`, `#[path = "…"] mod foo;`, `automod::dir!`,
//! `include!`).
//!
//! ```text
//! leanvibe-report migrate --dry-run                 # what would change
//! leanvibe-report migrate --test it --test api      # two targets only
//! leanvibe-report migrate --dependency 'leanvibe-test = { path = "../leanvibe-test" }'
//! ```
//!
//! Per target it:
//! - rewrites `#[test]` and `#[tokio::test]` (keys `flavor`,
//!   `worker_threads`, `start_paused`) to `#[leanvibe_test::plugin_test]`,
//!   also inside `cfg_attr(…)` and macro bodies, and leaves `#[ignore]`,
//!   `#[should_panic]` and `#[cfg_attr(…, ignore)]` as they are
//!   (`plugin_test` reads them, in either order);
//! - appends `leanvibe_test::main!();` to the root if it is not there;
//! - sets `harness = false` in its `[[test]]` table, adding the table for a
//!   target cargo discovered in `tests/`;
//! - adds the `leanvibe-test` dev-dependency if the package lacks it.
//!
//! Whatever would still be lost is a warning naming the file and line:
//! other frameworks' test attributes (`#[rstest]`, `#[test_case]`,
//! `#[async_std::test]`, …), `#[bench]`, `quickcheck!`, a crate-level
//! `#![cfg]` (it removes `main` too), a `#[global_allocator]`, and module
//! files that cannot be found or are computed. (`cfg(test)` needs nothing:
//! cargo sets it in `harness = false` test targets too.)
//!
//! Files are only rewritten when they belong to the converted targets
//! alone: a file that is also a source of the library, binaries, benches or
//! examples (under `src/`, `benches/`, `examples/`), lies outside the
//! package, or is shared with a test target that keeps libtest, is left as
//! it is, with a warning counting the tests the converted target loses.
//!
//! Running it again is safe: converted attributes, an existing `main!()`
//! and existing manifest entries are left alone, and a target that is
//! already `harness = false` with `leanvibe_test::main!()` is scanned again
//! for tests added since.

mod attribute;
mod lexer;
mod manifest;
mod modules;
mod rewrite;
mod summary;
mod targets;

use manifest::{Dependency, Plan, Presence};
use modules::ModuleFile;
use rewrite::{Role, Warning};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
pub use summary::Summary;
use summary::{FileReport, TargetReport};
use targets::TestTarget;

pub const HELP: &str = "\
Convert a package's libtest test targets to leanvibe-test.

Rewrites `#[test]` and `#[tokio::test]` to `#[leanvibe_test::plugin_test]`
in each target's root and every module file it includes, appends
`leanvibe_test::main!();`, and sets `harness = false` and the
dev-dependency in Cargo.toml. Prints what changed and, as warnings with
file and line, every test it could not convert. Exits 0 when done
(warnings included), 1 on an error (nothing is written then).

Usage: leanvibe-report migrate [OPTIONS]

Options:
      --manifest-path <PATH>  The package's Cargo.toml [default: Cargo.toml]
      --test <NAME>           Convert this test target only (repeatable); default: every test target
      --dry-run               Print what would change; write nothing
      --dependency <TOML>     The dev-dependency line to add when the package has none, e.g.
                              `leanvibe-test = { path = \"../leanvibe-test\" }`; default:
                              `leanvibe-test = \"<this version's MAJOR.MINOR>\"`
  -h, --help                  Print help
";

/// The `migrate` command line.
pub type MigrateArgs = Options;

impl Options {
    pub fn take(
        &mut self,
        arg: lexopt::Arg<'_>,
        parser: &mut lexopt::Parser,
    ) -> Result<(), String> {
        use crate::args;
        use lexopt::Arg;
        match arg {
            Arg::Long("manifest-path") => {
                self.manifest_path = args::value(parser, "--manifest-path <PATH>")?.into();
            }
            Arg::Long("test") => self.tests.push(args::text(parser, "--test <NAME>")?),
            Arg::Long("dry-run") => self.dry_run = true,
            Arg::Long("dependency") => {
                self.dependency = Some(args::text(parser, "--dependency <TOML>")?);
            }
            other => return Err(args::unexpected(other)),
        }
        Ok(())
    }
}

impl crate::args::Complete for Options {
    fn complete(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Runs the converter and prints its summary: exit 0, or 1 with the error.
pub fn run_command(mut options: Options) -> std::process::ExitCode {
    if options.manifest_path.as_os_str().is_empty() {
        options.manifest_path = PathBuf::from("Cargo.toml");
    }
    match run(&options) {
        Ok(summary) => {
            print!("{summary}");
            std::process::ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("leanvibe-report: error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What the user asked for.
#[derive(Debug, Default)]
pub struct Options {
    /// The package's `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Targets to convert; all test targets when empty.
    pub tests: Vec<String>,
    /// Report only; write nothing.
    pub dry_run: bool,
    /// The dependency line to add, `leanvibe-test = …`; see
    /// [`Dependency::default`] when `None`.
    pub dependency: Option<String>,
}

/// Converts the targets `options` names and reports what was (or, with
/// `dry_run`, would be) changed.
pub fn run(options: &Options) -> Result<Summary, String> {
    let manifest_path = std::path::absolute(&options.manifest_path)
        .map_err(|e| format!("{}: {e}", options.manifest_path.display()))?;
    let manifest_text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let manifest: toml::Table = manifest_text
        .parse()
        .map_err(|e| format!("cannot parse {}: {e}", manifest_path.display()))?;
    let package_dir = manifest_path
        .parent()
        .ok_or("the manifest path has no directory")?
        .to_path_buf();
    let dependency = match &options.dependency {
        Some(line) => Dependency::parse(line)?,
        None => Dependency::default(),
    };

    let all = targets::test_targets(&manifest, &package_dir)?;
    let selected = select(&all, &options.tests)?;
    let mut summary = Summary::new(&package_dir, &manifest_path, options.dry_run);

    let converting = convertible(selected, &mut summary);
    let kept = files_kept_by_libtest(&all, &converting, &package_dir);
    let mut writes: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut done: HashSet<PathBuf> = HashSet::new();
    for target in &converting {
        let report = convert_target(
            target,
            &package_dir,
            &kept,
            &mut done,
            &mut writes,
            &mut summary,
        );
        summary.targets.push(report);
    }

    let plan = manifest_plan(
        &manifest,
        &converting,
        &package_dir,
        dependency,
        &mut summary,
    );
    if !plan.is_empty() {
        let edited = manifest::edit(&manifest_text, &plan)?;
        summary.describe_manifest(&plan);
        writes.insert(manifest_path.clone(), edited);
    }
    if !options.dry_run {
        for (path, text) in &writes {
            std::fs::write(path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    Ok(summary)
}

/// The selected targets the converter takes on: libtest ones, and ours
/// again (for tests added since). A `harness = false` target without
/// `leanvibe_test::main!()` has a harness of its own and is left alone.
fn convertible<'a>(selected: Vec<&'a TestTarget>, summary: &mut Summary) -> Vec<&'a TestTarget> {
    let mut converting = Vec::new();
    for target in selected {
        if target.harness || root_has_main(target) {
            converting.push(target);
        } else {
            summary.warn(
                &target.root,
                None,
                format!(
                    "test target `{}` has harness = false but no `leanvibe_test::main!()`: it has \
                     a harness of its own; left alone",
                    target.name
                ),
            );
        }
    }
    converting
}

/// The files of test targets that keep libtest (by key), with the name of
/// one such target: they must not change under it.
fn files_kept_by_libtest(
    all: &[TestTarget],
    converting: &[&TestTarget],
    package_dir: &Path,
) -> HashMap<PathBuf, String> {
    let mut kept = HashMap::new();
    let converted = |t: &TestTarget| converting.iter().any(|c| c.name == t.name);
    for target in all.iter().filter(|t| t.harness && !converted(t)) {
        for (file, _) in target_files(target, package_dir, &mut Vec::new()) {
            kept.entry(key(&file.path))
                .or_insert_with(|| target.name.clone());
        }
    }
    kept
}

/// Rewrites the files of `target` not `done` yet into `writes`, and
/// reports them; protected files are reported as warnings only.
fn convert_target(
    target: &TestTarget,
    package_dir: &Path,
    kept: &HashMap<PathBuf, String>,
    done: &mut HashSet<PathBuf>,
    writes: &mut BTreeMap<PathBuf, String>,
    summary: &mut Summary,
) -> TargetReport {
    let mut report = TargetReport::new(target);
    let mut walk_warnings = Vec::new();
    for (file, role) in target_files(target, package_dir, &mut walk_warnings) {
        if !done.insert(key(&file.path)) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file.path) else {
            summary.warn(
                &file.path,
                None,
                "cannot read this file; not converted".into(),
            );
            continue;
        };
        let rewrite = rewrite::rewrite(&text, role);
        if let Some(reason) = protected(&file.path, package_dir, kept) {
            if !rewrite.converted.is_empty() {
                summary.warn(
                    &file.path,
                    None,
                    format!(
                        "{} test(s) here are not converted because this file {reason}; they no \
                         longer run in test target `{}`",
                        rewrite.converted.len(),
                        target.name
                    ),
                );
            }
            continue;
        }
        for warning in &rewrite.warnings {
            summary.warn(&file.path, Some(warning.line), warning.message.clone());
        }
        if rewrite.text != text {
            writes.insert(file.path.clone(), rewrite.text);
        }
        report.files.push(FileReport {
            path: file.path.clone(),
            converted: rewrite.converted.len(),
            main_added: rewrite.main_added,
        });
    }
    for (file, warning) in walk_warnings {
        // A protected file's missing modules are its own targets' concern.
        if protected(&file, package_dir, kept).is_none() {
            summary.warn(&file, Some(warning.line), warning.message);
        }
    }
    report
}

/// The targets named in `names` (all when empty), or an error naming the
/// ones that do not exist.
fn select<'a>(all: &'a [TestTarget], names: &[String]) -> Result<Vec<&'a TestTarget>, String> {
    if names.is_empty() {
        if all.is_empty() {
            return Err("the package has no test targets".into());
        }
        return Ok(all.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            all.iter().find(|t| &t.name == name).ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|t| t.name.as_str()).collect();
                format!(
                    "no test target `{name}`; the package has: {}",
                    known.join(", ")
                )
            })
        })
        .collect()
}

fn root_has_main(target: &TestTarget) -> bool {
    std::fs::read_to_string(&target.root)
        .is_ok_and(|text| rewrite::has_main_macro(&lexer::Source::new(&text)))
}

/// Every file `target` compiles, root first, each once, with the warnings
/// of the module walk (by including file).
fn target_files(
    target: &TestTarget,
    package_dir: &Path,
    warnings: &mut Vec<(PathBuf, Warning)>,
) -> Vec<(ModuleFile, Role)> {
    let root = ModuleFile::owning_its_directory(target.root.clone());
    let mut seen: HashSet<PathBuf> = HashSet::from([key(&root.path)]);
    let mut files = vec![(root, Role::Root)];
    let mut next = 0;
    while next < files.len() {
        let file = files[next].0.clone();
        next += 1;
        let Ok(text) = std::fs::read_to_string(&file.path) else {
            continue;
        };
        let source = lexer::Source::new(&text);
        let (children, found_warnings) = modules::included_files(&source, &file, package_dir);
        warnings.extend(found_warnings.into_iter().map(|w| (file.path.clone(), w)));
        for child in children {
            if seen.insert(key(&child.path)) {
                files.push((child, Role::Module));
            }
        }
    }
    files
}

/// Why `path` must not be rewritten, if it must not.
fn protected(path: &Path, package_dir: &Path, kept: &HashMap<PathBuf, String>) -> Option<String> {
    if let Some(target) = kept.get(&key(path)) {
        return Some(format!(
            "is also compiled by test target `{target}`, which keeps libtest"
        ));
    }
    let package = key(package_dir);
    let Ok(inside) = key(path).strip_prefix(&package).map(Path::to_path_buf) else {
        return Some("is outside the package".into());
    };
    match inside
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
    {
        Some(dir @ ("src" | "benches" | "examples")) => Some(format!(
            "is under {dir}/, a source of the package's other targets (where its tests still run)"
        )),
        _ => None,
    }
}

/// The manifest changes for `converting`, and a warning when the package
/// depends on leanvibe-test under another name.
fn manifest_plan(
    manifest: &toml::Table,
    converting: &[&TestTarget],
    package_dir: &Path,
    dependency: Dependency,
    summary: &mut Summary,
) -> Plan {
    let mut plan = Plan::default();
    for target in converting.iter().filter(|t| t.harness) {
        match target.table {
            Some(index) => plan.harness_off.push((index, target.name.clone())),
            None => {
                let relative = target
                    .root
                    .strip_prefix(package_dir)
                    .unwrap_or(&target.root);
                let path = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                plan.new_targets.push((target.name.clone(), path));
            }
        }
    }
    if converting.is_empty() {
        return plan;
    }
    match manifest::presence(manifest) {
        Presence::Absent => plan.dependency = Some(dependency),
        Presence::Present => {}
        Presence::Renamed(name) => summary.warn(
            &summary.manifest.clone(),
            None,
            format!(
                "leanvibe-test is a dependency under the name `{name}`, but converted code names \
                 it `leanvibe_test`: add `{}` or rename it",
                dependency.line
            ),
        ),
    }
    plan
}

/// A path to compare files by: canonical when it exists.
fn key(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests;
