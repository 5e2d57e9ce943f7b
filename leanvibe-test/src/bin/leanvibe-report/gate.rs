//! `leanvibe-report gate`: whether a run is ready to deploy, as a Markdown
//! summary and an exit code.

use crate::args::{self, Complete};
use lexopt::{Arg, Parser};
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "\
Decide whether a run is ready to deploy; print a Markdown summary.

Exits 0 when ready, 1 when not, 2 when the inputs cannot be read.
See `leanvibe_test::report::gate` for the policy and formats.

Usage: leanvibe-report gate [OPTIONS] <INPUT>...

Arguments:
  <INPUT>...  CTRF reports (`*.ctrf.json`), bench compliance files
              (`*.compliance.json`), or directories holding them

Options:
      --allow-failure-tag <TAG>  Failed tests with this tag do not block (repeatable)
      --forbid-kind <KIND>       Failure kinds that always block, `budget.*` style (repeatable;
                                 replaces the default `budget.*`, `security`, `performance`)
      --require-benches          Require at least one bench compliance file
      --allow-partial            Accept reports of filtered runs (filters, --skip, --ignored)
                                 and unmerged shards
      --coverage <PATH>          File holding the coverage percentage
      --min-coverage <PERCENT>   Lowest acceptable coverage percentage
      --policy <PATH>            TOML policy file; flags given as well override or extend it
      --summary <PATH>           Also append the Markdown summary to this file
                                 (e.g. `$GITHUB_STEP_SUMMARY`)
  -h, --help                     Print help
";

/// The `gate` subcommand's arguments.
#[derive(Default)]
pub struct GateArgs {
    inputs: Vec<PathBuf>,
    allow_failure_tags: Vec<String>,
    forbid_kinds: Vec<String>,
    require_benches: bool,
    allow_partial: bool,
    coverage: Option<PathBuf>,
    min_coverage: Option<f64>,
    policy: Option<PathBuf>,
    summary: Option<PathBuf>,
}

impl GateArgs {
    pub fn take(&mut self, arg: Arg<'_>, parser: &mut Parser) -> Result<(), String> {
        match arg {
            Arg::Value(input) => self.inputs.push(input.into()),
            Arg::Long("allow-failure-tag") => self
                .allow_failure_tags
                .push(args::text(parser, "--allow-failure-tag <TAG>")?),
            Arg::Long("forbid-kind") => self
                .forbid_kinds
                .push(args::text(parser, "--forbid-kind <KIND>")?),
            Arg::Long("require-benches") => self.require_benches = true,
            Arg::Long("allow-partial") => self.allow_partial = true,
            Arg::Long("coverage") => {
                self.coverage = Some(args::value(parser, "--coverage <PATH>")?.into());
            }
            Arg::Long("min-coverage") => {
                let text = args::text(parser, "--min-coverage <PERCENT>")?;
                let percent = text.trim().parse::<f64>().map_err(|e| {
                    format!("invalid value '{text}' for '--min-coverage <PERCENT>': {e}")
                })?;
                self.min_coverage = Some(percent);
            }
            Arg::Long("policy") => {
                self.policy = Some(args::value(parser, "--policy <PATH>")?.into())
            }
            Arg::Long("summary") => {
                self.summary = Some(args::value(parser, "--summary <PATH>")?.into());
            }
            other => return Err(args::unexpected(other)),
        }
        Ok(())
    }
}

impl Complete for GateArgs {
    fn complete(&self) -> Result<(), String> {
        args::some_inputs("gate", &self.inputs)
    }
}

/// Evaluates the policy over the inputs: exit 0 when ready, 1 when not, 2
/// when the inputs cannot be read.
pub fn run(args: GateArgs) -> ExitCode {
    use leanvibe_test::report::gate::{GateInputs, GatePolicy, evaluate};
    let evaluated = (|| {
        let mut policy = match &args.policy {
            Some(path) => GatePolicy::load(path)?,
            None => GatePolicy::default(),
        };
        policy.allowed_failure_tags.extend(args.allow_failure_tags);
        if !args.forbid_kinds.is_empty() {
            policy.forbidden_kinds = args.forbid_kinds;
        }
        policy.require_benches |= args.require_benches;
        policy.allow_partial |= args.allow_partial;
        policy.coverage_file = args.coverage.or(policy.coverage_file);
        policy.min_coverage = args.min_coverage.or(policy.min_coverage);
        evaluate(&policy, &GateInputs::find(&args.inputs)?)
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
