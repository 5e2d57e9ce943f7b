//! `leanvibe-report`: tools for leanvibe-test report files.
//!
//! ```text
//! leanvibe-report merge shard-1/ shard-2/ shard-3/ -o target/leanvibe/merged
//! leanvibe-report merge a.ctrf.json b.ctrf.json --junit out.xml --ctrf out.json
//! ```

use clap::{Parser, Subcommand};
use leanvibe_test::report::{ctrf::CtrfReport, junit, merge};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "leanvibe-report",
    version,
    about = "Work with leanvibe-test report files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Merge the CTRF reports of a sharded run into one JUnit and one CTRF file.
    ///
    /// Fails if a shard is missing, given twice, or two shards ran the same test.
    Merge {
        /// Shard reports: `*.ctrf.json` files, or directories holding them.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
        /// Write `<binary>.junit.xml` and `<binary>.ctrf.json` into this directory.
        #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// Write the merged JUnit XML here.
        #[arg(long, value_name = "PATH")]
        junit: Option<PathBuf>,
        /// Write the merged CTRF JSON here.
        #[arg(long, value_name = "PATH")]
        ctrf: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let Command::Merge {
        inputs,
        out_dir,
        junit,
        ctrf,
    } = Cli::parse().command;
    match run_merge(&inputs, out_dir, junit, ctrf) {
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
