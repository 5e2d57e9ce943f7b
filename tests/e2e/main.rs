//! End-to-end tests of leanvibe-test: they build fixture harnesses, run the
//! real binaries, and check what they print, exit with and write.

mod budgets;
mod cli;
mod nextest;
mod outcomes;
mod perf;
mod reports;
mod selection;
