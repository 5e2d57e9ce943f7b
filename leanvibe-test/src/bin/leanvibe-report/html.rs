//! `leanvibe-report html`: one HTML page from the CTRF reports of several
//! binaries or shards.

use crate::args::{self, Complete};
use leanvibe_test::report::{ctrf::CtrfReport, html, merge};
use lexopt::{Arg, Parser};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

pub const HELP: &str = "\
Render one HTML page from CTRF reports: several test binaries, or the shards
of one run (merged, as `leanvibe-report merge` would).

Usage: leanvibe-report html [OPTIONS] <INPUT>...

Arguments:
  <INPUT>...  Reports: `*.ctrf.json` files, or directories holding them

Options:
  -o, --out <PATH>     Write the page here [default: report.html]
      --history <DIR>  Show trends over the runs kept in DIR (a harness's --history)
  -h, --help           Print help
";

/// The `html` subcommand's arguments.
#[derive(Default)]
pub struct HtmlArgs {
    inputs: Vec<PathBuf>,
    out: Option<PathBuf>,
    history: Option<PathBuf>,
}

impl HtmlArgs {
    pub fn take(&mut self, arg: Arg<'_>, parser: &mut Parser) -> Result<(), String> {
        match arg {
            Arg::Value(input) => self.inputs.push(input.into()),
            Arg::Short('o') | Arg::Long("out") => {
                self.out = Some(args::value(parser, "--out <PATH>")?.into());
            }
            Arg::Long("history") => {
                self.history = Some(args::value(parser, "--history <DIR>")?.into());
            }
            other => return Err(args::unexpected(other)),
        }
        Ok(())
    }
}

impl Complete for HtmlArgs {
    fn complete(&self) -> Result<(), String> {
        args::some_inputs("html", &self.inputs)
    }
}

/// Renders and prints the path written: exit 0, or 1 with the error.
pub fn run(args: HtmlArgs) -> ExitCode {
    match render(&args) {
        Ok(path) => {
            println!("reports: {}", path.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("leanvibe-report: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn render(args: &HtmlArgs) -> Result<PathBuf, String> {
    let files = merge::expand_inputs(&args.inputs).map_err(|e| e.to_string())?;
    if files.is_empty() {
        return Err("no *.ctrf.json file in the inputs".into());
    }
    let mut by_binary: BTreeMap<String, Vec<(PathBuf, CtrfReport)>> = BTreeMap::new();
    for path in files {
        let report =
            CtrfReport::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        by_binary
            .entry(html::binary_name(&report))
            .or_default()
            .push((path, report));
    }
    let mut reports = Vec::new();
    for (binary, group) in by_binary {
        let shards = group
            .iter()
            .filter(|(_, r)| r.run_extra().is_some_and(|e| e.partition.is_some()))
            .count();
        if shards > 1 {
            if shards < group.len() {
                return Err(format!(
                    "{binary}: shards and whole runs mixed; give one run"
                ));
            }
            reports.push(merge::merge(group).map_err(|e| e.to_string())?);
        } else {
            reports.extend(group.into_iter().map(|(_, report)| report));
        }
    }
    let earlier = match &args.history {
        Some(dir) => {
            let history = html::History::new(dir.clone(), usize::MAX);
            let mut runs = Vec::new();
            for report in &reports {
                runs.extend(
                    history
                        .runs_of(&html::binary_name(report))
                        .map_err(|e| format!("cannot read history {}: {e}", dir.display()))?,
                );
            }
            Some(runs)
        }
        None => None,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("report.html"));
    html::write(&out, &reports, earlier.as_deref())
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(out)
}
