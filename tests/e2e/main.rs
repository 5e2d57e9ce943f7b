//! End-to-end tests of leanvibe-test: they build fixture harnesses, run the
//! real binaries, and check what they print, exit with and write.

mod budgets;
mod cli;
mod gate;
mod nextest;
mod outcomes;
mod perf;
mod plugins;
mod reports;
mod security;
mod selection;
