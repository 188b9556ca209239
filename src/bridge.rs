//! The cxx bridge: what C++ gets beyond the plain C functions.
//!
//! Generated on the C++ side by `corrosion_add_cxxbridge` (CMake), so the file
//! must stay a plain `#[cxx::bridge]` module that `cxxbridge` can parse.
//! Items are added here as the bridge grows; the logic they call lives in the
//! rest of the crate.

#[allow(unreachable_pub)]
#[cxx::bridge(namespace = "ffi_tasks::bridge")]
mod ffi {
    /// The calling thread's last error: kind (`ErrorKind` as an integer, 0
    /// when there is none) and message with its cause chain.
    struct LastError {
        kind: i32,
        message: String,
    }

    extern "Rust" {
        /// Reads the calling thread's last error without clearing it.
        fn last_error() -> LastError;
        /// The crate version.
        fn version() -> &'static str;
    }
}

use ffi::LastError;

fn last_error() -> LastError {
    LastError {
        kind: crate::error_handling::last_error_kind() as i32,
        message: crate::error_handling::error_message().unwrap_or_default(),
    }
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
