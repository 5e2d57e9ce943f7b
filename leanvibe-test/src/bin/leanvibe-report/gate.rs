//! `leanvibe-report gate`: whether a run is ready to deploy, as a Markdown
//! summary and an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

/// The `gate` subcommand's arguments.
#[derive(clap::Args)]
pub struct GateArgs {
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

/// Evaluates the policy over the inputs: exit 0 when ready, 1 when not, 2
/// when the inputs cannot be read.
pub fn run_gate(args: GateArgs) -> ExitCode {
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
