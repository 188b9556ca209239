//! `fork()` and the pool: a forked child has only the thread that called
//! `fork`, so a pool made before it has no workers there, though its
//! counters say otherwise, and its lock may have been held by a thread that
//! no longer exists.
//!
//! A `pthread_atfork` child handler bumps a generation counter (an atomic
//! add, safe in the child); every pool records the generation it was made
//! in and compares it before it takes its lock. A pool from before the fork
//! is never locked again in the child: the global one is replaced by a fresh
//! one (`executor.rs`), a private one refuses new tasks with a message saying
//! why (`pool.rs`). Hand-written because no crate offers this (the `libc`
//! crate only wraps the call).

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// Forks since the process started (in this process's line of ancestry).
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The number of `fork`s between the first pool and now; compare two
/// readings to tell whether the process forked in between.
#[inline]
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Installs the child handler, once per process (children inherit it).
pub(crate) fn watch() {
    #[cfg(all(unix, not(miri), not(ffi_tasks_loom)))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            extern "C" fn child() {
                GENERATION.fetch_add(1, Ordering::AcqRel);
            }
            // SAFETY: `child` only does an atomic add, which is
            // async-signal-safe as the child handler of a multi-threaded
            // process requires. Registering cannot break other handlers.
            let rc = unsafe { libc::pthread_atfork(None, None, Some(child)) };
            // On failure (ENOMEM) a fork goes unnoticed, as before.
            debug_assert_eq!(rc, 0, "pthread_atfork failed");
        });
    }
}

/// A value made afresh in each forked child: the first call in a process
/// generation makes it, later ones share it. A value from an earlier
/// generation is left alone (leaked), never dropped: its locks may be held
/// by threads that did not survive the fork.
pub(crate) struct PerFork<T> {
    /// Null, or a leaked `(generation, value)`.
    slot: AtomicPtr<(u64, T)>,
}

impl<T: Send + Sync> PerFork<T> {
    pub(crate) const fn new() -> Self {
        PerFork {
            slot: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// This generation's value, made with `make` if there is none yet.
    pub(crate) fn get_or_init(&'static self, make: impl FnOnce() -> T) -> &'static T {
        let generation = generation();
        let seen = self.slot.load(Ordering::Acquire);
        if let Some(value) = Self::of(seen, generation) {
            return value;
        }
        let fresh: &'static mut (u64, T) = Box::leak(Box::new((generation, make())));
        let fresh_ptr: *mut (u64, T) = fresh;
        match self
            .slot
            .compare_exchange(seen, fresh_ptr, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => &fresh.1,
            // Another thread installed one first: use it (ours stays unused).
            Err(other) => Self::of(other, generation).unwrap_or(&fresh.1),
        }
    }

    fn of(ptr: *mut (u64, T), generation: u64) -> Option<&'static T> {
        // SAFETY: the slot only ever holds null or a pointer from `Box::leak`
        // in `get_or_init`, which is never freed nor written through again,
        // so it is valid and shared for the rest of the process.
        let (born, value) = unsafe { ptr.as_ref() }?;
        (*born == generation).then_some(value)
    }
}
