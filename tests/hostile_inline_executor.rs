//! With an executor that runs jobs inline (installed process-wide: its own
//! test binary), a cancel runs an async task's last poll, and so its C
//! completion callback, before the cancelling call returns. A callback that
//! then consumes the handle (`wait`) or destroys the token the cancel was
//! called on must be fine: the cancelling call may not be borrowing either.
//! The defect this guards against was undefined behaviour that only Miri
//! sees (`scripts/miri.sh` runs this file); natively it passes either way.

mod core_support;

use std::{
    ffi::c_void,
    future::Future,
    os::raw::c_int,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Once,
    },
};

use anyhow::Error;
use core_support::assert_no_error;
use ffi_tasks::{
    async_task::AsyncTask,
    c,
    executor::{Executor, Job, SpawnError},
    global::set_global_executor,
    task::{CancellationToken, TaskHandle},
};

/// Runs every job at once on the calling thread.
struct Inline;

impl Executor for Inline {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        job.run();
        Ok(())
    }
}

fn install_inline_executor() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        set_global_executor(Box::new(Inline)).expect("the first executor");
    });
}

/// Pending until cancelled.
#[derive(Clone)]
#[repr(C)]
pub struct Pending {
    /// Unused.
    pub unused: u64,
}

impl AsyncTask for Pending {
    type Output = u64;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        _: CancellationToken,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'static {
        async {
            std::future::pending::<()>().await;
            Ok(0)
        }
    }
}

ffi_tasks::export_task! {
    AsyncTask: Pending;
    spawn: pending_spawn;
    spawn_with_token: pending_spawn_with_token;
    wait: pending_wait;
    cancel: pending_cancel;
    on_complete: pending_on_complete;
    handle_destroy: pending_handle_destroy;
}

static CALLED: AtomicUsize = AtomicUsize::new(0);

/// Takes the (cancelled) outcome with `wait`, consuming the handle.
unsafe extern "C" fn consume_with_wait(user_data: *mut c_void) {
    // SAFETY: `user_data` is the live handle, consumed once, here.
    let result = unsafe { pending_wait(user_data.cast()) };
    assert!(result.is_null(), "cancelled");
    CALLED.fetch_add(1, Ordering::SeqCst);
}

/// Destroys the token that `user_data` points to.
unsafe extern "C" fn destroy_the_token(user_data: *mut c_void) {
    // SAFETY: `user_data` is the live token, destroyed once, here.
    unsafe { c::ffi_tasks_token_destroy(user_data.cast()) };
    CALLED.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_callback_run_by_cancel_may_consume_the_handle_or_destroy_the_token() {
    install_inline_executor();
    CALLED.store(0, Ordering::SeqCst);
    // SAFETY: live handles and tokens, each consumed or destroyed once.
    unsafe {
        // The handle's own cancel; the callback consumes the handle.
        let h = pending_spawn(&Pending { unused: 0 });
        assert!(!h.is_null());
        assert_eq!(pending_on_complete(h, Some(consume_with_wait), h.cast()), 0);
        pending_cancel(h);
        assert_no_error();
        assert_eq!(CALLED.load(Ordering::SeqCst), 1);

        // A group token's cancel; the callback destroys that token.
        let token = c::ffi_tasks_token_new();
        let h = pending_spawn_with_token(&Pending { unused: 0 }, token);
        assert!(!h.is_null());
        assert_eq!(
            pending_on_complete(h, Some(destroy_the_token), token.cast()),
            0
        );
        c::ffi_tasks_token_cancel(token);
        assert_no_error();
        assert_eq!(CALLED.load(Ordering::SeqCst), 2);
        pending_handle_destroy(h);

        // A deadline of zero through `handle_cancel_after`; the callback
        // consumes the handle.
        let h = pending_spawn(&Pending { unused: 0 });
        assert_eq!(pending_on_complete(h, Some(consume_with_wait), h.cast()), 0);
        assert_eq!(c::ffi_tasks_handle_cancel_after(h.cast(), 0), 0 as c_int);
        assert_no_error();
        assert_eq!(CALLED.load(Ordering::SeqCst), 3);
    }
    // The Rust API is not involved, but the same task runs there too.
    let handle = TaskHandle::spawn_async(Pending { unused: 0 });
    handle.cancel();
    assert!(handle.wait().is_err());
}
