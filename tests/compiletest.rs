//! Compile-fail and pass cases of the macros, run by trybuild.
//!
//! Regenerate the `.stderr` snapshots with
//! `TRYBUILD=overwrite cargo test --test compiletest`, then read the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/interruptible/*.rs");
    cases.compile_fail("tests/ui/critical/*.rs");
    cases.compile_fail("tests/ui/main/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
