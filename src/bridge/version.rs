//! The crate version, for C++.

pub(super) fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
