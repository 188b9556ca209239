//! Compiles the C++ half of the cxx bridge (`src/bridge.rs`) for plain cargo
//! builds, so that `cargo test`, `cargo bench` and any pure-Rust user link
//! with every `extern "C++"` item of the bridge resolved.
//!
//! Under CMake, Corrosion builds the crate with `CORROSION_BUILD_DIR` set and
//! `corrosion_add_cxxbridge` compiles the same C++ into the `ffi_tasks::bridge`
//! target instead; compiling it here too would define every bridge symbol
//! twice in the final program. So this script does nothing then.
//!
//! The `cxx` crate already compiles its own C++ runtime with the system C++
//! compiler, so this adds no new requirement.

fn main() {
    println!("cargo:rerun-if-env-changed=CORROSION_BUILD_DIR");
    println!("cargo:rerun-if-changed=src/bridge.rs");
    println!("cargo:rerun-if-changed=cpp/include/ffi_tasks/cpp_job.hpp");
    if std::env::var_os("CORROSION_BUILD_DIR").is_some() {
        return;
    }
    cxx_build::bridge("src/bridge.rs")
        .include("cpp/include")
        .std("c++17")
        .compile("ffi_tasks_bridge");
}
