//! End-to-end tests of leanvibe-test: they build fixture harnesses, run the
//! real binaries, and check what they print, exit with and write.
//!
//! These need only the Rust toolchain and run under libtest, so a harness
//! bug cannot hide its own failures. Tests that need other tools (nextest,
//! schema validators) are in `tests/tools/`, under this harness, where a
//! missing tool is a visible skip (a failure in CI).

mod adversary;
mod budgets;
mod cli;
mod gate;
mod html;
mod lifecycle;
mod migrate;
mod outcomes;
mod perf;
mod plugins;
mod property;
mod reports;
mod retries;
mod security;
mod selection;
mod sharding;
mod verdicts;
