//! End-to-end tests that need tools beyond the Rust toolchain. They run
//! under leanvibe-test's own harness so that a missing tool is reported as
//! skipped, with the reason, on a developer's machine, and fails in CI
//! (`CI=true`), where `.ci/run` installs every tool: see
//! `leanvibe_test::prerequisite_missing`.

mod browser;
mod junitparser;
mod nextest;
mod schemas;

leanvibe_test::main!();
