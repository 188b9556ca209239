//! Running user code where a panic must not unwind: a `Drop` (of a task, an
//! output, an error, a captured value, a panic payload) called by the
//! library, on a worker, in a destructor, or on the way back to C.
//!
//! A panic unwinding out of a `Drop` that already runs during an unwind, or
//! out of an `extern "C"` function or a thread-local destructor, aborts the
//! process. Everything here turns such a panic into a [`Panic`] value
//! instead; the panic hook has already printed its message.

use std::panic::AssertUnwindSafe;

use crate::{error::Panic, panic::catch_unwind};

/// Runs `f`, turning a panic into a [`Panic`] (whose payload is dropped
/// with its own panic contained). A catch boundary of the library, where
/// [`quiet_task_panics`](crate::panic::quiet_task_panics) keeps panics
/// silent.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
    catch_unwind(AssertUnwindSafe(f)).map_err(Panic::from_payload)
}

/// Drops `value`, returning the panic of its `Drop` instead of unwinding.
pub(crate) fn drop_contained<T>(value: T) -> Result<(), Panic> {
    catch(move || drop(value))
}

/// A value whose `Drop` never unwinds: a panic in the value's own `Drop` is
/// contained and discarded. [`DropContained::into_inner`] gives the value
/// back for a caller that wants to drop it itself and learn of the panic.
pub(crate) struct DropContained<T>(Option<T>);

impl<T> DropContained<T> {
    pub(crate) fn new(value: T) -> DropContained<T> {
        DropContained(Some(value))
    }

    pub(crate) fn into_inner(mut self) -> T {
        self.0.take().expect("the value is present until dropped")
    }
}

impl<T> std::ops::Deref for DropContained<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.0.as_ref().expect("the value is present until dropped")
    }
}

impl<T> Drop for DropContained<T> {
    fn drop(&mut self) {
        if let Some(value) = self.0.take() {
            let _ = drop_contained(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Loud;

    impl Drop for Loud {
        fn drop(&mut self) {
            panic!("loud drop");
        }
    }

    #[test]
    fn a_panicking_drop_is_returned_or_discarded() {
        assert_eq!(drop_contained(Loud).unwrap_err().message, "loud drop");
        drop(DropContained::new(Loud));
        let wrapped = DropContained::new(Loud);
        let _: &Loud = &wrapped;
        assert!(drop_contained(wrapped.into_inner()).is_err());
        assert_eq!(catch(|| 5).unwrap(), 5);
    }
}
