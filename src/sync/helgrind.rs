//! `std`'s synchronisation primitives, annotated for Valgrind's Helgrind
//! (cargo feature `helgrind`; `scripts/helgrind.sh`).
//!
//! Each type wraps its `std` counterpart and tells Helgrind, through client
//! requests, what the operation guarantees:
//!
//! * **Mutex**: unlocking *happens before* the next lock of the same mutex
//!   (`ANNOTATE_HAPPENS_BEFORE` on unlock, `ANNOTATE_HAPPENS_AFTER` on lock;
//!   a condition-variable wait unlocks and relocks). The protected value sits
//!   beside the raw `std` mutex, so Helgrind still checks every access to it.
//! * **Atomics**: an atomic access is never a data race, so the atomic's own
//!   bytes are excluded from checking; a `Release` (or stronger) operation
//!   happens before any later `Acquire` (or stronger) one on the same atomic.
//!   `Relaxed` operations add no ordering, so a missing `Acquire` still shows
//!   up as a race on the data it should have ordered.
//! * **Arc**: dropping a reference happens before the value is destroyed by
//!   whichever reference goes last (what `Arc`'s release decrement and
//!   acquire fence guarantee). Its reference counts are excluded from
//!   checking (see [`Arc::new`]).
//! * **OnceLock**: initialisation happens before every read of the value.
//!   The value is boxed so that the cell itself holds one pointer, written
//!   once, which is excluded from checking along with the `Once` state.
//! * The internals of the `std` primitives (futex words, poison flags) are
//!   excluded from checking: they are synchronisation, not data.
//!
//! Written by hand: the `crabgrind` crate has the client requests but not
//! `VALGRIND_HG_DISABLE_CHECKING`, which the atomics need, and it generates
//! its bindings with bindgen (libclang). The four requests used here are
//! compiled from `<valgrind/helgrind.h>` by `build.rs` (`src/sync/helgrind.c`).
//!
//! Differences from `std` that callers can see: none in behaviour. An `Arc`'s
//! value is boxed inside the `std` allocation, so that [`Arc::into_inner`]
//! moves out a pointer (written once, at creation) rather than the value,
//! whose bytes other threads wrote: it reads the value only after the
//! annotation that orders those writes before it.

// The types mirror `std`'s public API; only `Mutex`, `MutexGuard` and
// `Condvar` are reachable from outside (through `__private::sync`).
#![allow(unreachable_pub)]

use std::{
    cell::UnsafeCell,
    ffi::c_void,
    fmt,
    ops::{Deref, DerefMut},
    panic::{RefUnwindSafe, UnwindSafe},
    sync::{self as std_sync, atomic::Ordering, LockResult, PoisonError, WaitTimeoutResult},
    time::Duration,
};

mod sys {
    //! The client requests (`src/sync/helgrind.c`).
    use std::ffi::c_void;

    extern "C" {
        fn ffi_tasks_hg_happens_before(key: *const c_void);
        fn ffi_tasks_hg_happens_after(key: *const c_void);
        fn ffi_tasks_hg_forget(key: *const c_void);
        fn ffi_tasks_hg_untrack(start: *const c_void, len: usize);
    }

    // SAFETY (all four): a client request passes its arguments to Valgrind as
    // plain numbers; neither the shim nor Valgrind dereferences them, and
    // outside Valgrind the request does nothing. Any address is valid.

    pub(super) fn happens_before(key: *const c_void) {
        // SAFETY: see above.
        unsafe { ffi_tasks_hg_happens_before(key) }
    }

    pub(super) fn happens_after(key: *const c_void) {
        // SAFETY: see above.
        unsafe { ffi_tasks_hg_happens_after(key) }
    }

    pub(super) fn forget(key: *const c_void) {
        // SAFETY: see above.
        unsafe { ffi_tasks_hg_forget(key) }
    }

    /// Excludes the bytes of `value` from race checking.
    pub(super) fn untrack<T>(value: &T) {
        untrack_range((value as *const T).cast(), std::mem::size_of::<T>());
    }

    /// Excludes `len` bytes at `start` from race checking.
    pub(super) fn untrack_range(start: *const c_void, len: usize) {
        // SAFETY: see above.
        unsafe { ffi_tasks_hg_untrack(start, len) }
    }
}

fn key<T: ?Sized>(value: &T) -> *const c_void {
    (value as *const T).cast()
}

/// Maps what a `std` lock operation returned, poisoned or not (the `std`
/// guard becomes the annotated one either way).
fn map_lock_result<A, B>(result: LockResult<A>, f: impl FnOnce(A) -> B) -> LockResult<B> {
    match result {
        Ok(a) => Ok(f(a)),
        Err(poisoned) => Err(PoisonError::new(f(poisoned.into_inner()))),
    }
}

// ---- Mutex -------------------------------------------------------------------

/// [`std::sync::Mutex`], with lock and unlock annotated.
pub struct Mutex<T: ?Sized> {
    raw: std_sync::Mutex<()>,
    data: UnsafeCell<T>,
}

// SAFETY: as for `std::sync::Mutex`: `data` is only reached through a guard,
// and a guard exists only while `raw` is locked, so one thread at a time.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// As for `std::sync::Mutex`: poisoning reports a panic inside a lock.
impl<T: ?Sized> UnwindSafe for Mutex<T> {}
impl<T: ?Sized> RefUnwindSafe for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            raw: std_sync::Mutex::new(()),
            data: UnsafeCell::new(value),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, as [`std::sync::Mutex::lock`].
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        sys::untrack(&self.raw);
        map_lock_result(self.raw.lock(), |raw| MutexGuard::locked(self, raw))
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized> Drop for Mutex<T> {
    fn drop(&mut self) {
        // Lets Helgrind free what it recorded for this address.
        sys::forget(key(self));
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").finish_non_exhaustive()
    }
}

/// [`std::sync::MutexGuard`] of an annotated [`Mutex`].
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// `None` only between a condition variable's unlock and relock.
    raw: Option<std_sync::MutexGuard<'a, ()>>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    fn locked(mutex: &'a Mutex<T>, raw: std_sync::MutexGuard<'a, ()>) -> Self {
        sys::happens_after(key(mutex));
        MutexGuard {
            mutex,
            raw: Some(raw),
        }
    }

    /// Takes the raw guard out, annotating the unlock that follows: the one
    /// place an unlock is annotated (a drop, or a condition variable's wait).
    fn release(&mut self) -> Option<std_sync::MutexGuard<'a, ()>> {
        let raw = self.raw.take()?;
        sys::happens_before(key(self.mutex));
        Some(raw)
    }

    /// Hands back the raw guard for a condition variable to unlock.
    fn unlock(mut self) -> (&'a Mutex<T>, std_sync::MutexGuard<'a, ()>) {
        let raw = self.release().expect("a guard holds its lock");
        (self.mutex, raw)
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock (see `Mutex`'s `Sync`).
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the lock, and `&mut self` makes this the
        // only reference through it.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.release());
    }
}

// ---- Condvar -----------------------------------------------------------------

/// [`std::sync::Condvar`] for annotated [`Mutex`]es.
#[derive(Default)]
pub struct Condvar {
    raw: std_sync::Condvar,
}

impl Condvar {
    /// A new condition variable.
    pub const fn new() -> Condvar {
        Condvar {
            raw: std_sync::Condvar::new(),
        }
    }

    /// As [`std::sync::Condvar::wait`].
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        sys::untrack(&self.raw);
        let (mutex, raw) = guard.unlock();
        map_lock_result(self.raw.wait(raw), |raw| MutexGuard::locked(mutex, raw))
    }

    /// As [`std::sync::Condvar::wait_timeout`].
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        sys::untrack(&self.raw);
        let (mutex, raw) = guard.unlock();
        map_lock_result(self.raw.wait_timeout(raw, timeout), |(raw, result)| {
            (MutexGuard::locked(mutex, raw), result)
        })
    }

    /// As [`std::sync::Condvar::notify_one`].
    pub fn notify_one(&self) {
        sys::untrack(&self.raw);
        self.raw.notify_one();
    }

    /// As [`std::sync::Condvar::notify_all`].
    pub fn notify_all(&self) {
        sys::untrack(&self.raw);
        self.raw.notify_all();
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

// ---- atomics -----------------------------------------------------------------

fn releases(order: Ordering) -> bool {
    matches!(
        order,
        Ordering::Release | Ordering::AcqRel | Ordering::SeqCst
    )
}

fn acquires(order: Ordering) -> bool {
    matches!(
        order,
        Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst
    )
}

macro_rules! annotated_atomic {
    ($(#[$doc:meta])* $name:ident($value:ty) $(, arithmetic: $($arith:ident),*)?) => {
        $(#[$doc])*
        #[derive(Default)]
        pub struct $name(std_sync::atomic::$name);

        // Each atomic type of the crate uses a different subset of these.
        #[allow(dead_code)]
        impl $name {
            /// A new atomic.
            pub const fn new(value: $value) -> $name {
                $name(std_sync::atomic::$name::new(value))
            }

            /// Runs one atomic operation with the annotations its orderings
            /// call for.
            fn annotated<R>(
                &self,
                release: bool,
                acquire: bool,
                op: impl FnOnce(&std_sync::atomic::$name) -> R,
            ) -> R {
                sys::untrack(&self.0);
                if release {
                    sys::happens_before(key(self));
                }
                let result = op(&self.0);
                if acquire {
                    sys::happens_after(key(self));
                }
                result
            }

            /// As `std`'s `load`.
            pub fn load(&self, order: Ordering) -> $value {
                self.annotated(false, acquires(order), |a| a.load(order))
            }

            /// As `std`'s `store`.
            pub fn store(&self, value: $value, order: Ordering) {
                self.annotated(releases(order), false, |a| a.store(value, order))
            }

            /// As `std`'s `swap`.
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                self.annotated(releases(order), acquires(order), |a| a.swap(value, order))
            }

            /// As `std`'s `fetch_update`.
            pub fn fetch_update(
                &self,
                set: Ordering,
                fetch: Ordering,
                f: impl FnMut($value) -> Option<$value>,
            ) -> Result<$value, $value> {
                self.annotated(
                    releases(set),
                    acquires(set) || acquires(fetch),
                    |a| a.fetch_update(set, fetch, f),
                )
            }

            $($(
                /// As `std`'s method of the same name.
                pub fn $arith(&self, value: $value, order: Ordering) -> $value {
                    self.annotated(releases(order), acquires(order), |a| a.$arith(value, order))
                }
            )*)?
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.load(Ordering::Relaxed), f)
            }
        }
    };
}

annotated_atomic!(
    /// [`std::sync::atomic::AtomicBool`], annotated.
    AtomicBool(bool)
);
annotated_atomic!(
    /// [`std::sync::atomic::AtomicU8`], annotated.
    AtomicU8(u8), arithmetic: fetch_add, fetch_sub
);
annotated_atomic!(
    /// [`std::sync::atomic::AtomicUsize`], annotated.
    AtomicUsize(usize), arithmetic: fetch_add, fetch_sub
);
annotated_atomic!(
    /// [`std::sync::atomic::AtomicU64`], annotated.
    AtomicU64(u64), arithmetic: fetch_add, fetch_sub
);

// ---- Arc and Weak ----------------------------------------------------------

/// The shared value of an [`Arc`]: destroying it happens after every drop of
/// a reference to it.
struct Tracked<T> {
    /// `None` only once `Arc::into_inner` moved it out (and moved this
    /// `Tracked` out of the allocation, so that `self` is no longer the key).
    value: Option<Box<T>>,
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        if self.value.is_some() {
            sys::happens_after(key(self));
            sys::forget(key(self));
        }
    }
}

/// [`std::sync::Arc`] (sized values only), with its release-on-drop
/// annotated.
pub struct Arc<T> {
    /// `None` only once `into_inner` consumed it.
    inner: Option<std_sync::Arc<Tracked<T>>>,
}

impl<T> Arc<T> {
    /// As [`std::sync::Arc::new`].
    pub fn new(value: T) -> Arc<T> {
        let shared = std_sync::Arc::new(Tracked {
            value: Some(Box::new(value)),
        });
        // The reference counts: `std` lays an `Arc`'s allocation out as
        // `#[repr(C)] { strong, weak, value }` (so that `into_raw` and
        // `from_raw` work), so they are the two words just before the value,
        // padded to its alignment. They are atomics, changed by
        // read-modify-write instructions (reads to Helgrind) and, in some of
        // `std`'s paths (`get_mut`), plain stores: not data.
        let counts = 2 * std::mem::size_of::<usize>();
        let offset = counts.next_multiple_of(std::mem::align_of::<Tracked<T>>());
        let value = std_sync::Arc::as_ptr(&shared).cast::<u8>();
        sys::untrack_range(value.wrapping_sub(offset).cast(), counts);
        Arc {
            inner: Some(shared),
        }
    }

    fn shared(&self) -> &std_sync::Arc<Tracked<T>> {
        self.inner.as_ref().expect("an Arc holds its reference")
    }

    /// As [`std::sync::Arc::strong_count`].
    pub fn strong_count(this: &Arc<T>) -> usize {
        std_sync::Arc::strong_count(this.shared())
    }

    /// As [`std::sync::Arc::downgrade`].
    pub fn downgrade(this: &Arc<T>) -> Weak<T> {
        Weak(std_sync::Arc::downgrade(this.shared()))
    }

    /// As [`std::sync::Arc::ptr_eq`].
    pub fn ptr_eq(this: &Arc<T>, other: &Arc<T>) -> bool {
        std_sync::Arc::ptr_eq(this.shared(), other.shared())
    }

    /// As [`std::sync::Arc::into_inner`]: the value if this was the last
    /// strong reference, else `None` (and the reference is dropped).
    pub fn into_inner(mut this: Arc<T>) -> Option<T> {
        let shared = this.inner.take().expect("an Arc holds its reference");
        let key = key(&*shared);
        sys::happens_before(key);
        // Moves the `Tracked` out: its one field is a pointer, written when
        // the Arc was made, so this reads nothing other threads changed.
        let mut tracked = std_sync::Arc::into_inner(shared)?;
        // The last reference: every other one was dropped (and annotated)
        // before the count reached zero.
        sys::happens_after(key);
        sys::forget(key);
        let value = tracked
            .value
            .take()
            .expect("an Arc's value is moved out once");
        Some(*value)
    }
}

impl<T> Clone for Arc<T> {
    fn clone(&self) -> Arc<T> {
        Arc {
            inner: Some(self.shared().clone()),
        }
    }
}

impl<T> Deref for Arc<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.shared()
            .value
            .as_deref()
            .expect("an Arc's value is there until the Arc is consumed")
    }
}

impl<T> Drop for Arc<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.inner.take() {
            sys::happens_before(key(&*shared));
            drop(shared);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Arc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// [`std::sync::Weak`] of an annotated [`Arc`].
pub struct Weak<T>(std_sync::Weak<Tracked<T>>);

impl<T> Weak<T> {
    /// As [`std::sync::Weak::upgrade`].
    pub fn upgrade(&self) -> Option<Arc<T>> {
        self.0.upgrade().map(|shared| Arc {
            inner: Some(shared),
        })
    }

    /// As [`std::sync::Weak::strong_count`].
    pub fn strong_count(&self) -> usize {
        self.0.strong_count()
    }
}

impl<T> Clone for Weak<T> {
    fn clone(&self) -> Weak<T> {
        Weak(self.0.clone())
    }
}

// ---- OnceLock ----------------------------------------------------------------

/// [`std::sync::OnceLock`], with initialisation annotated.
pub struct OnceLock<T> {
    cell: std_sync::OnceLock<Box<T>>,
}

impl<T> OnceLock<T> {
    /// An empty cell.
    pub const fn new() -> OnceLock<T> {
        OnceLock {
            cell: std_sync::OnceLock::new(),
        }
    }

    /// As [`std::sync::OnceLock::get_or_init`].
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        sys::untrack(&self.cell);
        let value = self.cell.get_or_init(|| {
            let value = Box::new(init());
            sys::happens_before(key(self));
            value
        });
        sys::happens_after(key(self));
        value
    }

    /// As [`std::sync::OnceLock::set`].
    pub fn set(&self, value: T) -> Result<(), T> {
        sys::untrack(&self.cell);
        let value = Box::new(value);
        sys::happens_before(key(self));
        self.cell.set(value).map_err(|value| *value)
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

#[cfg(test)]
mod tests {
    //! The annotated types must behave as `std`'s (outside Valgrind the
    //! annotations do nothing): `cargo test --features helgrind --lib sync`.
    use std::{panic, thread, time::Duration};

    use super::*;

    struct CountDrops<'a>(&'a std_sync::atomic::AtomicUsize);

    impl Drop for CountDrops<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn mutex_guards_its_value_across_threads() {
        let counter = Arc::new(Mutex::new(0u64));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let counter = counter.clone();
                thread::spawn(move || {
                    for _ in 0..1000 {
                        *counter.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(*counter.lock().unwrap(), 4000);
    }

    #[test]
    fn mutex_is_poisoned_by_a_panic_inside_the_lock() {
        let m = Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let joined = thread::spawn(move || {
            let _guard = m2.lock().unwrap();
            panic!("poison it");
        })
        .join();
        assert!(joined.is_err());
        let poisoned = m.lock().expect_err("poisoned");
        assert_eq!(*poisoned.into_inner(), 1);
        assert_eq!(*crate::sync::lock(&m), 1, "sync::lock ignores poisoning");
    }

    #[test]
    fn condvar_wakes_a_waiter_and_times_out_without_one() {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let (m, cv) = &*pair;
        let (guard, result) = cv
            .wait_timeout(m.lock().unwrap(), Duration::from_millis(1))
            .unwrap();
        assert!(result.timed_out());
        drop(guard);

        let pair2 = pair.clone();
        let setter = thread::spawn(move || {
            let (m, cv) = &*pair2;
            *m.lock().unwrap() = true;
            cv.notify_all();
        });
        let mut ready = m.lock().unwrap();
        while !*ready {
            ready = cv.wait(ready).unwrap();
        }
        drop(ready);
        setter.join().unwrap();
    }

    #[test]
    fn arc_drops_its_value_once_after_the_last_reference() {
        let drops = std_sync::atomic::AtomicUsize::new(0);
        let a = Arc::new(CountDrops(&drops));
        let b = a.clone();
        assert_eq!(Arc::strong_count(&a), 2);
        assert!(Arc::ptr_eq(&a, &b));
        drop(a);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(b);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn arc_into_inner_and_weak_follow_std() {
        let drops = std_sync::atomic::AtomicUsize::new(0);
        let a = Arc::new(CountDrops(&drops));
        let b = a.clone();
        assert!(Arc::into_inner(a).is_none(), "not the last reference");
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        let value = Arc::into_inner(b).expect("the last reference");
        assert_eq!(drops.load(Ordering::SeqCst), 0, "moved out, not dropped");
        drop(value);
        assert_eq!(drops.load(Ordering::SeqCst), 1);

        let a = Arc::new(6);
        let weak = Arc::downgrade(&a);
        assert_eq!(weak.strong_count(), 1);
        assert_eq!(weak.upgrade().as_deref(), Some(&6));
        // As std: weak references do not keep the value from being moved out.
        assert_eq!(Arc::into_inner(a), Some(6));
        assert!(weak.upgrade().is_none());
        assert_eq!(weak.clone().strong_count(), 0);
    }

    #[test]
    fn once_lock_initialises_once() {
        static CELL: OnceLock<u32> = OnceLock::new();
        let threads: Vec<_> = (0..4u32)
            .map(|i| thread::spawn(move || *CELL.get_or_init(|| i)))
            .collect();
        let seen: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(seen.iter().all(|v| *v == seen[0]));
        assert_eq!(CELL.set(99), Err(99));
        let fresh = OnceLock::default();
        assert_eq!(fresh.set(1), Ok(()));
        assert_eq!(*fresh.get_or_init(|| 2), 1);
    }

    #[test]
    fn atomics_follow_std() {
        let a = AtomicUsize::new(1);
        assert_eq!(a.fetch_add(2, Ordering::AcqRel), 1);
        assert_eq!(a.fetch_sub(1, Ordering::Release), 3);
        assert_eq!(a.swap(7, Ordering::SeqCst), 2);
        assert_eq!(
            a.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(7)),
            Ok(7)
        );
        assert_eq!(
            a.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1)),
            Err(0)
        );
        a.store(4, Ordering::Relaxed);
        assert_eq!(a.load(Ordering::Acquire), 4);
        let b = AtomicBool::default();
        assert!(!b.swap(true, Ordering::AcqRel));
        assert_eq!(format!("{b:?}"), "true");
        let c = AtomicU64::new(u64::MAX);
        assert_eq!(c.fetch_add(1, Ordering::Relaxed), u64::MAX);
        assert_eq!(c.load(Ordering::Relaxed), 0);
        let d = AtomicU8::new(3);
        assert_eq!(d.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn panics_in_a_lock_do_not_deadlock_the_condvar_path() {
        // A guard handed through Condvar::wait is still a guard: dropping it
        // (here by unwinding) unlocks exactly once.
        let m = Mutex::new(0);
        let cv = Condvar::new();
        let result = panic::catch_unwind(panic::AssertUnwindSafe(|| {
            let (guard, _) = cv.wait_timeout(m.lock().unwrap(), Duration::ZERO).unwrap();
            let _guard = guard;
            panic!("unwind with the lock held");
        }));
        assert!(result.is_err());
        assert!(m.lock().is_err(), "poisoned, and not left locked");
    }
}
