//! `leanvibe-report`: tools for leanvibe-test report files, and the
//! converter from libtest.
//!
//! ```text
//! leanvibe-report merge shard-1/ shard-2/ shard-3/ -o target/leanvibe/merged
//! leanvibe-report merge a.ctrf.json b.ctrf.json --junit out.xml --ctrf out.json
//! leanvibe-report gate target/leanvibe/ target/bench/ --min-coverage 80 --coverage cov.txt
//! leanvibe-report migrate --manifest-path my-plugin/Cargo.toml --dry-run
//! ```
//!
//! The converter lives here, not in the library: it is a one-off tool, and
//! keeping it out of `leanvibe_test`'s API keeps that API the harness's.

mod gate;
mod merge;
mod migrate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "leanvibe-report",
    version,
    about = "Work with leanvibe-test report files, and migrate test suites from libtest"
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
    /// Decide whether a run is ready to deploy; print a Markdown summary.
    ///
    /// Exits 0 when ready, 1 when not, 2 when the inputs cannot be read.
    /// See `leanvibe_test::deploy::readiness` for the policy and formats.
    Gate(gate::GateArgs),
    /// Convert a package's libtest test targets to leanvibe-test.
    ///
    /// Rewrites `#[test]` and `#[tokio::test]` to `#[leanvibe_test::plugin_test]`
    /// in each target's root and every module file it includes, appends
    /// `leanvibe_test::main!();`, and sets `harness = false` and the
    /// dev-dependency in Cargo.toml. Prints what changed and, as warnings with
    /// file and line, every test it could not convert. Exits 0 when done
    /// (warnings included), 1 on an error (nothing is written then).
    Migrate(MigrateArgs),
}

#[derive(clap::Args)]
struct MigrateArgs {
    /// The package's Cargo.toml.
    #[arg(long, value_name = "PATH", default_value = "Cargo.toml")]
    manifest_path: PathBuf,
    /// Convert this test target only (repeatable); default: every test target.
    #[arg(long = "test", value_name = "NAME")]
    tests: Vec<String>,
    /// Print what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The dev-dependency line to add when the package has none, e.g.
    /// `leanvibe-test = { path = "../leanvibe-test" }`; default:
    /// `leanvibe-test = "<this version's MAJOR.MINOR>"`.
    #[arg(long, value_name = "TOML")]
    dependency: Option<String>,
}

fn main() -> ExitCode {
    let (inputs, out_dir, junit, ctrf) = match Cli::parse().command {
        Command::Merge {
            inputs,
            out_dir,
            junit,
            ctrf,
        } => (inputs, out_dir, junit, ctrf),
        Command::Gate(args) => return gate::run_gate(args),
        Command::Migrate(args) => return run_migrate(args),
    };
    match merge::run_merge(&inputs, out_dir, junit, ctrf) {
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

fn run_migrate(args: MigrateArgs) -> ExitCode {
    let options = migrate::Options {
        manifest_path: args.manifest_path,
        tests: args.tests,
        dry_run: args.dry_run,
        dependency: args.dependency,
    };
    match migrate::run(&options) {
        Ok(summary) => {
            print!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("leanvibe-report: error: {message}");
            ExitCode::FAILURE
        }
    }
}
