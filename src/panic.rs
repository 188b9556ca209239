//! Quiet task panics, opt-in.
//!
//! A panic in a task (or in a task's `Clone` or `Drop`, an output's `Drop`, a
//! completion callback, an error's `Display`) is caught by the library and
//! reported as a `Panicked` error, but Rust's default panic hook has already
//! printed its message on the worker's standard error. That is usually what
//! you want while developing. A host application that reports task failures
//! its own way can call [`quiet_task_panics`] once: from then on, a panic
//! caught by the library prints nothing, while every other panic (on any
//! thread, in code that does not run inside the library) still reaches the
//! panic hook that was installed before.
//!
//! ```rust
//! use ffi_tasks::{task::{CancellationToken, TaskHandle}, Task};
//!
//! #[derive(Clone)]
//! struct Boom;
//!
//! impl Task for Boom {
//!     type Output = ();
//!     fn run(&self, _: &CancellationToken) -> anyhow::Result<()> {
//!         panic!("reported as an error, not printed")
//!     }
//! }
//!
//! ffi_tasks::panic::quiet_task_panics();
//! let error = TaskHandle::spawn(Boom).wait().unwrap_err();
//! assert!(error.to_string().contains("reported as an error, not printed"));
//! ```
//!
//! C callers use `ffi_tasks_quiet_task_panics()`.

use std::{
    cell::Cell,
    panic::{self, UnwindSafe},
    sync::Once,
};

thread_local! {
    /// How many of the library's catch boundaries the thread is inside.
    static CATCH_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Makes panics that the library catches silent, for the whole process.
///
/// Installs a panic hook that says nothing while the panicking thread is
/// inside one of the library's catch boundaries (a task's `run`, the `Clone`
/// and `Drop` of tasks, outputs and errors, completion callbacks) and calls
/// the hook that was installed before otherwise. The panic is still reported
/// as usual: a `Panicked` error with the panic's message.
///
/// Never installed by default. Calling it again does nothing; a hook that is
/// set *after* it replaces it (and the quietness with it), as with any panic
/// hook.
///
/// # Panics
///
/// If called while the calling thread is panicking (in a `Drop` during an
/// unwind), as [`std::panic::set_hook`] does.
pub fn quiet_task_panics() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !inside_catch() {
                previous(info);
            }
        }));
    });
}

/// [`std::panic::catch_unwind`], counted: while `f` runs, the thread is
/// inside a catch boundary of the library, where [`quiet_task_panics`] keeps
/// panics silent. Every place that catches user code's panics goes through
/// it (directly or through `unwind::catch`).
pub(crate) fn catch_unwind<F: FnOnce() -> R + UnwindSafe, R>(f: F) -> std::thread::Result<R> {
    let _inside = Inside::enter();
    panic::catch_unwind(f)
}

fn inside_catch() -> bool {
    CATCH_DEPTH
        .try_with(|depth| depth.get() > 0)
        .unwrap_or(false)
}

/// One level of [`CATCH_DEPTH`], left when dropped (after `catch_unwind`
/// returns, so also after a caught panic).
struct Inside;

impl Inside {
    fn enter() -> Inside {
        let _ = CATCH_DEPTH.try_with(|depth| depth.set(depth.get() + 1));
        Inside
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        let _ = CATCH_DEPTH.try_with(|depth| depth.set(depth.get() - 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_depth_counts_nested_boundaries_and_is_left_after_a_panic() {
        assert!(!inside_catch());
        let inner = catch_unwind(|| {
            assert!(inside_catch());
            catch_unwind(|| {
                assert!(inside_catch());
                panic!("inner");
            })
            .is_err()
                && inside_catch()
        });
        assert_eq!(inner.ok(), Some(true));
        assert!(!inside_catch(), "left after the panic and the return");
    }
}
