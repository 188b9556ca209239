//! Compile-fail tests for misuse of `export_task!`: each `tests/ui/<case>.rs`
//! must fail to compile with the diagnostic in `tests/ui/<case>.stderr`.
//!
//! After an intended change of a message, regenerate the `.stderr` files
//! with `TRYBUILD=overwrite cargo test --test compiletest` and review the
//! diff. The expected output is that of the stable toolchain this project
//! pins; rustc's wording of *its own* errors (the `Task`/`Clone` bound cases)
//! can change between compiler releases.

#[test]
#[cfg_attr(miri, ignore)]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
