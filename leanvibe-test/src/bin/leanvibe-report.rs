//! `leanvibe-report`: tools for leanvibe-test report files.
//!
//! ```text
//! leanvibe-report merge shard-1/ shard-2/ shard-3/ -o target/leanvibe/merged
//! leanvibe-report merge a.ctrf.json b.ctrf.json --junit out.xml --ctrf out.json
//! leanvibe-report gate target/leanvibe/ target/bench/ --min-coverage 80 --coverage cov.txt
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
    /// Decide whether a run is ready to deploy; print a Markdown summary.
    ///
    /// Exits 0 when ready, 1 when not, 2 when the inputs cannot be read.
    /// See `leanvibe_test::deploy::readiness` for the policy and formats.
    Gate(GateArgs),
}

#[derive(clap::Args)]
struct GateArgs {
    /// CTRF reports (`*.ctrf.json`), bench compliance files
    /// (`*.compliance.json`), or directories holding them.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Failed tests with this tag do not block (repeatable).
    #[arg(long = "allow-failure-tag", value_name = "TAG")]
    allow_failure_tags: Vec<String>,
    /// Failure kinds that always block, `budget.*` style (repeatable; replaces
    /// the default `budget.*`, `security`, `performance`).
    #[arg(long = "forbid-kind", value_name = "KIND")]
    forbid_kinds: Vec<String>,
    /// Require at least one bench compliance file.
    #[arg(long)]
    require_benches: bool,
    /// Accept reports of filtered runs (filters, --skip, --ignored) and
    /// unmerged shards.
    #[arg(long)]
    allow_partial: bool,
    /// File holding the coverage percentage.
    #[arg(long, value_name = "PATH")]
    coverage: Option<PathBuf>,
    /// Lowest acceptable coverage percentage.
    #[arg(long, value_name = "PERCENT")]
    min_coverage: Option<f64>,
    /// TOML policy file; flags given as well override or extend it.
    #[arg(long, value_name = "PATH")]
    policy: Option<PathBuf>,
    /// Also append the Markdown summary to this file (e.g. `$GITHUB_STEP_SUMMARY`).
    #[arg(long, value_name = "PATH")]
    summary: Option<PathBuf>,
}

fn main() -> ExitCode {
    let (inputs, out_dir, junit, ctrf) = match Cli::parse().command {
        Command::Merge {
            inputs,
            out_dir,
            junit,
            ctrf,
        } => (inputs, out_dir, junit, ctrf),
        Command::Gate(args) => return run_gate(args),
    };
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

fn run_gate(args: GateArgs) -> ExitCode {
    use leanvibe_test::deploy::readiness::{Inputs, ReadinessPolicy, evaluate};
    let evaluated = (|| {
        let mut policy = match &args.policy {
            Some(path) => ReadinessPolicy::load(path)?,
            None => ReadinessPolicy::default(),
        };
        policy.allowed_failure_tags.extend(args.allow_failure_tags);
        if !args.forbid_kinds.is_empty() {
            policy.forbidden_kinds = args.forbid_kinds;
        }
        policy.require_benches |= args.require_benches;
        policy.allow_partial |= args.allow_partial;
        policy.coverage_file = args.coverage.or(policy.coverage_file);
        policy.min_coverage = args.min_coverage.or(policy.min_coverage);
        evaluate(&policy, &Inputs::find(&args.inputs)?)
    })();
    let readiness = match evaluated {
        Ok(readiness) => readiness,
        Err(e) => {
            eprintln!("leanvibe-report: error: {e}");
            return ExitCode::from(2);
        }
    };
    for reason in &readiness.refused {
        eprintln!("leanvibe-report: refused: {reason}");
    }
    let markdown = readiness.markdown();
    print!("{markdown}");
    if let Some(path) = &args.summary {
        use std::io::Write;
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| file.write_all(markdown.as_bytes()));
        if let Err(e) = appended {
            eprintln!(
                "leanvibe-report: error: cannot write {}: {e}",
                path.display()
            );
            return ExitCode::from(2);
        }
    }
    if readiness.ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
