//! The misuse guard: with the `handle-registry` feature every handle pointer
//! returned by `spawn` is recorded until it is destroyed or consumed, and
//! every call checks its handle against the record first. A destroyed,
//! consumed or forged pointer is then an [`InvalidHandle`] error instead of
//! undefined behaviour.
//!
//! Limits: it catches use after destroy/wait on any thread, but not a destroy
//! that races with a call still running on the same handle on another thread
//! (that needs the caller's own synchronisation). Without the feature every
//! function here compiles to nothing.

#[cfg(feature = "handle-registry")]
mod imp {
    use std::{
        collections::HashSet,
        sync::{Mutex, OnceLock},
    };

    use crate::error::InvalidHandle;

    fn live() -> std::sync::MutexGuard<'static, HashSet<usize>> {
        static LIVE: OnceLock<Mutex<HashSet<usize>>> = OnceLock::new();
        LIVE.get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn insert(addr: usize) {
        live().insert(addr);
    }

    pub(crate) fn check(addr: usize) -> Result<(), InvalidHandle> {
        if live().contains(&addr) {
            Ok(())
        } else {
            Err(InvalidHandle(addr))
        }
    }

    pub(crate) fn remove(addr: usize) -> Result<(), InvalidHandle> {
        if live().remove(&addr) {
            Ok(())
        } else {
            Err(InvalidHandle(addr))
        }
    }
}

#[cfg(not(feature = "handle-registry"))]
mod imp {
    use crate::error::InvalidHandle;

    #[inline(always)]
    pub(crate) fn insert(_addr: usize) {}

    #[inline(always)]
    pub(crate) fn check(_addr: usize) -> Result<(), InvalidHandle> {
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn remove(_addr: usize) -> Result<(), InvalidHandle> {
        Ok(())
    }
}

pub(crate) use imp::{check, insert, remove};

/// Whether this build detects invalid handles.
pub(crate) const ENABLED: bool = cfg!(feature = "handle-registry");
