//! The misuse guard: with the `handle-registry` feature every handle pointer
//! returned by `spawn` (and every stream item and wait set) is recorded,
//! with its type, until it is destroyed or consumed, and every call checks
//! its handle against the record first. A destroyed, consumed or forged
//! pointer, or a live handle passed to another task type's functions (a
//! handle of a different output type), is then an [`InvalidHandle`] error
//! instead of undefined behaviour.
//!
//! Limits: it catches use after destroy/wait on any thread, but not a destroy
//! that races with a call still running on the same handle on another thread
//! (that needs the caller's own synchronisation). Without the feature every
//! function here compiles to nothing.

#[cfg(feature = "handle-registry")]
mod imp {
    use std::{
        any::type_name,
        collections::{hash_map::Entry, HashMap},
    };

    use crate::error::InvalidHandle;
    use std::sync::OnceLock;

    use crate::loom::{
        lock,
        sync::{Mutex, MutexGuard},
    };

    /// A live address: the type it points to (`type_name` rather than
    /// `TypeId`, which would need `'static` output types), and whether it
    /// is a task handle (not a stream item).
    type Record = (&'static str, bool);

    /// Live addresses and their records.
    fn live() -> MutexGuard<'static, HashMap<usize, Record>> {
        static LIVE: OnceLock<Mutex<HashMap<usize, Record>>> = OnceLock::new();
        lock(LIVE.get_or_init(Default::default))
    }

    /// Records a task handle (of any task type, stream handles included).
    pub(crate) fn insert<H>(addr: usize) {
        live().insert(addr, (type_name::<H>(), true));
    }

    /// Records a pointer that is no task handle (a stream item, a wait
    /// set): only its own type's functions accept it, never `check_any`.
    pub(crate) fn insert_other<H>(addr: usize) {
        live().insert(addr, (type_name::<H>(), false));
    }

    pub(crate) fn check<H>(addr: usize) -> Result<(), InvalidHandle> {
        match live().get(&addr) {
            Some((ty, _)) if *ty == type_name::<H>() => Ok(()),
            _ => Err(InvalidHandle(addr)),
        }
    }

    /// Whether `addr` is a live handle of any task type.
    pub(crate) fn check_any(addr: usize) -> Result<(), InvalidHandle> {
        match live().get(&addr) {
            Some((_, true)) => Ok(()),
            _ => Err(InvalidHandle(addr)),
        }
    }

    pub(crate) fn remove<H>(addr: usize) -> Result<(), InvalidHandle> {
        match live().entry(addr) {
            Entry::Occupied(e) if e.get().0 == type_name::<H>() => {
                e.remove();
                Ok(())
            }
            _ => Err(InvalidHandle(addr)),
        }
    }
}

#[cfg(not(feature = "handle-registry"))]
#[allow(clippy::extra_unused_type_parameters)] // same signatures as above
mod imp {
    use crate::error::InvalidHandle;

    #[inline(always)]
    pub(crate) fn insert<H>(_addr: usize) {}

    #[inline(always)]
    pub(crate) fn insert_other<H>(_addr: usize) {}

    #[inline(always)]
    pub(crate) fn check<H>(_addr: usize) -> Result<(), InvalidHandle> {
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn check_any(_addr: usize) -> Result<(), InvalidHandle> {
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn remove<H>(_addr: usize) -> Result<(), InvalidHandle> {
        Ok(())
    }
}

pub(crate) use imp::{check, check_any, insert, insert_other, remove};

/// Whether this build detects invalid handles.
pub(crate) const ENABLED: bool = cfg!(feature = "handle-registry");
