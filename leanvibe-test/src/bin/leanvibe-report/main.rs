//! `leanvibe-report`: tools for leanvibe-test report files, and the
//! converter from libtest.
//!
//! ```text
//! leanvibe-report merge shard-1/ shard-2/ shard-3/ -o target/leanvibe/merged
//! leanvibe-report merge a.ctrf.json b.ctrf.json --junit out.xml --ctrf out.json
//! leanvibe-report html target/leanvibe/ shard-2/ -o report.html --history ci-history/
//! leanvibe-report gate target/leanvibe/ target/bench/ --min-coverage 80 --coverage cov.txt
//! leanvibe-report migrate --manifest-path my-plugin/Cargo.toml --dry-run
//! ```
//!
//! The converter lives here, not in the library: it is a one-off tool, and
//! keeping it out of `leanvibe_test`'s API keeps that API the harness's.
//! Arguments are read with `lexopt`, as the harness reads its own.

mod args;
mod gate;
mod html;
mod merge;
mod migrate;

use std::process::ExitCode;

const HELP: &str = "\
Work with leanvibe-test report files, and migrate test suites from libtest

Usage: leanvibe-report <COMMAND> [OPTIONS]

Commands:
  merge    Merge the CTRF reports of a sharded run into one JUnit and one CTRF file
  html     Render one HTML page from the reports of several binaries or shards
  gate     Decide whether a run is ready to deploy; print a Markdown summary
  migrate  Convert a package's libtest test targets to leanvibe-test

Run `leanvibe-report <COMMAND> --help` for a command's options.
";

fn main() -> ExitCode {
    let mut parser = lexopt::Parser::from_env();
    let command = match args::command(&mut parser, HELP) {
        Ok(command) => command,
        Err(exit) => return exit,
    };
    match command.as_str() {
        "merge" => {
            args::parse(parser, merge::HELP, merge::MergeArgs::take).map_or_else(|e| e, merge::run)
        }
        "html" => {
            args::parse(parser, html::HELP, html::HtmlArgs::take).map_or_else(|e| e, html::run)
        }
        "gate" => {
            args::parse(parser, gate::HELP, gate::GateArgs::take).map_or_else(|e| e, gate::run)
        }
        "migrate" => args::parse(parser, migrate::HELP, migrate::MigrateArgs::take)
            .map_or_else(|e| e, migrate::run_command),
        "--version" | "-V" => {
            println!("leanvibe-report {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        other => args::usage_error(&format!(
            "unrecognized subcommand '{other}'; expected merge, html, gate or migrate"
        )),
    }
}
