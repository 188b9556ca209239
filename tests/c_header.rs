//! `cpp/include/ffi_tasks/ffi_tasks.h` is generated from the crate's Rust
//! definitions by cbindgen (`cbindgen.toml`). This test generates it again
//! and compares the result with the checked-in file byte for byte, so a
//! change to a type, constant or function of the C ABI that is not reflected
//! in the header fails here. `FFI_TASKS_BLESS=1 cargo test --test c_header`
//! rewrites the header instead.

use std::{env, fs, path::Path};

const HEADER: &str = "cpp/include/ffi_tasks/ffi_tasks.h";

/// cbindgen can only prefix an enum's variants with the enum's own name
/// (`FFI_TASKS_ERROR_KIND_NONE`); the C ABI's names are `FFI_TASKS_ERROR_*`.
const KIND_PREFIX: (&str, &str) = ("FFI_TASKS_ERROR_KIND_", "FFI_TASKS_ERROR_");

fn generate(root: &Path) -> String {
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .expect("cbindgen.toml is a valid cbindgen configuration");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_crate(root)
        .generate()
        .expect("cbindgen can parse the crate");
    let mut out = Vec::new();
    bindings.write(&mut out);
    let header = String::from_utf8(out).expect("cbindgen writes UTF-8");
    header.replace(KIND_PREFIX.0, KIND_PREFIX.1)
}

#[test]
#[cfg_attr(miri, ignore = "runs cargo metadata and parses the crate")]
fn checked_in_c_header_is_what_cbindgen_generates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(HEADER);
    let generated = generate(root);
    if env::var_os("FFI_TASKS_BLESS").is_some_and(|v| v == "1") {
        fs::write(&path, &generated).expect("can write the header");
        return;
    }
    let checked_in = fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let line = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| checked_in.lines().count().min(generated.lines().count()));
        panic!(
            "{HEADER} is not what cbindgen generates from the Rust sources \
             (first difference at line {}: checked in {:?}, generated {:?}).\n\
             Regenerate it with: FFI_TASKS_BLESS=1 cargo test --test c_header",
            line + 1,
            checked_in.lines().nth(line).unwrap_or("<end of file>"),
            generated.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}
