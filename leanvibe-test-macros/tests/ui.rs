//! Compile-fail cases (`tests/ui/`, one mistake per file, `.stderr` generated
//! with `TRYBUILD=overwrite`) and pass cases (`tests/pass/`, each a binary
//! whose `main` checks what the macro registered).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/pass/*.rs");
}
