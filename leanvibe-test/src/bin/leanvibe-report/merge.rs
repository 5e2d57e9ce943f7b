//! `leanvibe-report merge`: the CTRF reports of a sharded run into one
//! JUnit and one CTRF file.

use crate::args::{self, Complete};
use leanvibe_test::report::{ctrf::CtrfReport, junit, merge};
use lexopt::{Arg, Parser};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "\
Merge the CTRF reports of a sharded run into one JUnit and one CTRF file.

Fails if a shard is missing, given twice, or two shards ran the same test.

Usage: leanvibe-report merge [OPTIONS] <INPUT>...

Arguments:
  <INPUT>...  Shard reports: `*.ctrf.json` files, or directories holding them

Options:
  -o, --out-dir <DIR>  Write `<binary>.junit.xml` and `<binary>.ctrf.json` into this directory
      --junit <PATH>   Write the merged JUnit XML here
      --ctrf <PATH>    Write the merged CTRF JSON here
  -h, --help           Print help
";

/// The `merge` subcommand's arguments.
#[derive(Default)]
pub struct MergeArgs {
    inputs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    junit: Option<PathBuf>,
    ctrf: Option<PathBuf>,
}

impl MergeArgs {
    pub fn take(&mut self, arg: Arg<'_>, parser: &mut Parser) -> Result<(), String> {
        match arg {
            Arg::Value(input) => self.inputs.push(input.into()),
            Arg::Short('o') | Arg::Long("out-dir") => {
                self.out_dir = Some(args::value(parser, "--out-dir <DIR>")?.into());
            }
            Arg::Long("junit") => self.junit = Some(args::value(parser, "--junit <PATH>")?.into()),
            Arg::Long("ctrf") => self.ctrf = Some(args::value(parser, "--ctrf <PATH>")?.into()),
            other => return Err(args::unexpected(other)),
        }
        Ok(())
    }
}

impl Complete for MergeArgs {
    fn complete(&self) -> Result<(), String> {
        args::some_inputs("merge", &self.inputs)
    }
}

/// Merges and prints the paths written: exit 0, or 1 with the error.
pub fn run(args: MergeArgs) -> ExitCode {
    match run_merge(&args.inputs, args.out_dir, args.junit, args.ctrf) {
        Ok(written) => {
            println!("reports: {}", written.join(" "));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("leanvibe-report: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Merges `inputs` and writes the files asked for; the paths written.
fn run_merge(
    inputs: &[PathBuf],
    out_dir: Option<PathBuf>,
    junit_path: Option<PathBuf>,
    ctrf_path: Option<PathBuf>,
) -> Result<Vec<String>, String> {
    if out_dir.is_none() && junit_path.is_none() && ctrf_path.is_none() {
        return Err("nowhere to write: give -o DIR, --junit PATH or --ctrf PATH".into());
    }
    let files = merge::expand_inputs(inputs).map_err(|e| e.to_string())?;
    let merged: CtrfReport = merge::merge_files(&files).map_err(|e| e.to_string())?;
    let binary = merged
        .run_extra()
        .map(|r| r.binary)
        .unwrap_or_else(|| "merged".into());
    let (default_junit, default_ctrf) = match &out_dir {
        Some(dir) => {
            let (j, c) = merge::output_paths(dir, &binary);
            (Some(j), Some(c))
        }
        None => (None, None),
    };
    let mut written = Vec::new();
    if let Some(path) = junit_path.or(default_junit) {
        junit::write_file(&merged, &path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path.display().to_string());
    }
    if let Some(path) = ctrf_path.or(default_ctrf) {
        merged
            .write(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path.display().to_string());
    }
    Ok(written)
}
