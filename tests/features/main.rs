//! What the default build of `leanvibe-test` (no cargo features) does to a
//! plugin's test target, compiled by trybuild against that build alone:
//! this crate depends on `leanvibe-test` without features, and trybuild's
//! project is its own workspace, so the features other members enable do
//! not leak in.
//!
//! - `fail/`: an attribute or macro whose feature is off is one error naming the
//!   feature and the `Cargo.toml` line (`.stderr` generated with
//!   `TRYBUILD=overwrite`).
//! - `pass/`: the harness does not change how user code type-checks.

#[test]
fn default_features() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("features/fail/*.rs");
    cases.pass("features/pass/*.rs");
}
