//! The cxx bridge (placeholder until the bridge issue lands).
