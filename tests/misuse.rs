//! The misuse guard (`cargo test --features handle-registry --test misuse`):
//! a handle pointer that was destroyed, consumed by `wait`, never returned by
//! `spawn`, or returned by another task type's `spawn` is reported as
//! `INVALID_HANDLE` through `LAST_ERROR`, with the call's error value, and is
//! never dereferenced. Without the feature those calls are undefined
//! behaviour, so the tests are compiled out; only the flag check remains.

mod reliability_support;

use ffi_tasks::c;

#[test]
fn registry_flag_matches_the_build() {
    assert_eq!(
        c::ffi_tasks_handle_registry_enabled(),
        i32::from(cfg!(feature = "handle-registry"))
    );
}

#[cfg(feature = "handle-registry")]
mod guarded {
    use std::{
        os::raw::c_int,
        ptr,
        sync::{Mutex, MutexGuard},
    };

    use anyhow::Error;
    use ffi_tasks::{
        error::ErrorKind,
        task::{CancellationToken, Progress, Task, TaskHandle},
    };

    use super::reliability_support::last_error;

    /// Returns its value.
    #[derive(Debug, Clone)]
    pub struct Echo(pub u64);

    impl Task for Echo {
        type Output = u64;
        fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
            Ok(self.0)
        }
    }

    ffi_tasks::export_task! {
        Task: Echo;
        spawn: echo_spawn;
        poll: echo_poll;
        wait: echo_wait;
        wait_timeout: echo_wait_timeout;
        cancel: echo_cancel;
        cancelled: echo_cancelled;
        status: echo_status;
        progress: echo_progress;
        on_complete: echo_on_complete;
        handle_destroy: echo_handle_destroy;
        result_destroy: echo_result_destroy;
    }

    /// A task of another type (different output), for type confusion.
    #[derive(Debug, Clone)]
    pub struct Words(pub usize);

    impl Task for Words {
        type Output = Vec<String>;
        fn run(&self, _: &CancellationToken) -> Result<Vec<String>, Error> {
            Ok(vec!["word".to_owned(); self.0])
        }
    }

    ffi_tasks::export_task! {
        Task: Words;
        spawn: words_spawn;
        poll: words_poll;
        wait: words_wait;
        status: words_status;
        handle_destroy: words_handle_destroy;
        result_destroy: words_result_destroy;
    }

    type EchoHandle = TaskHandle<u64>;

    /// A freed handle's address can be reused by the next handle any test
    /// spawns, which would make a "dead" pointer live again: the tests run
    /// one at a time and spawn nothing between freeing a handle and reusing
    /// its pointer.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn expect_invalid(call: &str) {
        let (kind, message) = last_error();
        assert_eq!(kind, ErrorKind::InvalidHandle, "{call}: {message:?}");
        let message = message.unwrap_or_default();
        assert!(message.contains("invalid handle"), "{call}: {message}");
    }

    unsafe extern "C" fn never_called(_: *mut std::ffi::c_void) {
        panic!("a callback registered on an invalid handle ran");
    }

    /// Every per-task function on `h`, which must be rejected each time.
    /// The consuming calls come last and are rejected too, so `h` stays as
    /// invalid as it was.
    ///
    /// # Safety
    ///
    /// `h` is not a live `Echo` handle (the registry must reject it).
    unsafe fn all_calls_rejected(h: *mut EchoHandle) {
        // SAFETY: the registry rejects `h` before any dereference.
        unsafe {
            assert!(echo_poll(h).is_null());
            expect_invalid("poll");
            assert!(echo_wait_timeout(h, 0).is_null());
            expect_invalid("wait_timeout");
            echo_cancel(h);
            expect_invalid("cancel");
            assert_eq!(echo_cancelled(h), -1);
            expect_invalid("cancelled");
            assert_eq!(echo_status(h), -1);
            expect_invalid("status");
            let mut p = Progress::default();
            assert_eq!(echo_progress(h, &mut p), -1);
            expect_invalid("progress");
            let rc: c_int = echo_on_complete(h, Some(never_called), ptr::null_mut());
            assert_eq!(rc, -1);
            expect_invalid("on_complete");
            assert!(echo_wait(h).is_null());
            expect_invalid("wait");
            echo_handle_destroy(h);
            expect_invalid("handle_destroy");
        }
    }

    fn spawn_echo(v: u64) -> *mut EchoHandle {
        // SAFETY: valid task pointer.
        let h = unsafe { echo_spawn(&Echo(v)) };
        assert!(!h.is_null(), "{:?}", last_error());
        h
    }

    #[test]
    fn double_destroy_is_an_invalid_handle_error() {
        let _serial = serial();
        let h = spawn_echo(1);
        // SAFETY: live handle; then dead, which the registry catches.
        unsafe {
            echo_handle_destroy(h);
            assert_eq!(last_error().0, ErrorKind::None);
            echo_handle_destroy(h);
        }
        expect_invalid("second handle_destroy");
    }

    #[test]
    fn use_after_wait_is_an_invalid_handle_error() {
        let _serial = serial();
        let h = spawn_echo(2);
        // SAFETY: live handle, consumed by wait; then dead.
        unsafe {
            let r = echo_wait(h);
            assert_eq!(*r, 2);
            echo_result_destroy(r);
            all_calls_rejected(h);
        }
    }

    #[test]
    fn use_after_destroy_is_an_invalid_handle_error() {
        let _serial = serial();
        let h = spawn_echo(3);
        // SAFETY: live handle, destroyed; then dead.
        unsafe {
            echo_handle_destroy(h);
            all_calls_rejected(h);
        }
    }

    #[test]
    fn wait_that_fails_still_consumes_the_handle() {
        let _serial = serial();
        let h = spawn_echo(4);
        // SAFETY: live handle. The result is taken by poll (waiting for the
        // task with wait_timeout), so wait fails with ALREADY_TAKEN, but
        // still consumes the handle.
        unsafe {
            let mut r = ptr::null_mut();
            for _ in 0..600 {
                r = echo_wait_timeout(h, 100);
                if !r.is_null() {
                    break;
                }
                assert_eq!(last_error().0, ErrorKind::TimedOut);
            }
            assert!(!r.is_null(), "the task never finished (hang guard)");
            echo_result_destroy(r);
            assert!(echo_wait(h).is_null());
            assert_eq!(last_error().0, ErrorKind::AlreadyTaken);
            all_calls_rejected(h);
        }
    }

    #[test]
    fn forged_pointers_are_invalid_handles() {
        let _serial = serial();
        let mut on_stack = [0u64; 8];
        let on_heap = Box::new([0u64; 8]);
        let live = spawn_echo(5);
        // A result pointer is valid memory, but not a handle.
        // SAFETY: live handle, consumed by wait.
        let result = unsafe { echo_wait(live) };
        assert!(!result.is_null());
        let forged: [*mut EchoHandle; 7] = [
            on_stack.as_mut_ptr().cast(),
            on_heap.as_ptr() as *mut EchoHandle,
            result.cast(),
            ptr::without_provenance_mut(0x7),
            ptr::without_provenance_mut(0x1000),
            ptr::NonNull::dangling().as_ptr(),
            ptr::without_provenance_mut(usize::MAX),
        ];
        for h in forged {
            // SAFETY: never live handles; the registry rejects them.
            unsafe { all_calls_rejected(h) };
        }
        // SAFETY: the result from wait, freed once.
        unsafe { echo_result_destroy(result) };
        assert_eq!(on_stack, [0; 8], "a forged handle was written through");
        assert_eq!(*on_heap, [0; 8], "a forged handle was written through");
    }

    #[test]
    fn a_handle_of_another_task_type_is_an_invalid_handle() {
        let _serial = serial();
        // SAFETY: valid task pointer.
        let words = unsafe { words_spawn(&Words(3)) };
        assert!(!words.is_null());
        let echo = spawn_echo(6);
        // SAFETY: both live, each passed to the other type's functions,
        // which the registry must reject before dereferencing.
        unsafe {
            assert!(echo_poll(words.cast()).is_null());
            expect_invalid("echo_poll(words handle)");
            assert!(words_poll(echo.cast()).is_null());
            expect_invalid("words_poll(echo handle)");
            assert_eq!(words_status(echo.cast()), -1);
            expect_invalid("words_status(echo handle)");
            words_handle_destroy(echo.cast());
            expect_invalid("words_handle_destroy(echo handle)");
            assert!(echo_wait(words.cast()).is_null());
            expect_invalid("echo_wait(words handle)");

            // Both are still live and work with their own functions.
            let w = words_wait(words);
            assert!(!w.is_null(), "{:?}", last_error());
            assert_eq!(*w, vec!["word"; 3]);
            words_result_destroy(w);
            let e = echo_wait(echo);
            assert_eq!(*e, 6);
            echo_result_destroy(e);
        }
    }

    #[test]
    fn a_destroyed_handle_is_rejected_from_another_thread() {
        let _serial = serial();
        let h = spawn_echo(7) as usize;
        // SAFETY: live handle, destroyed.
        unsafe { echo_handle_destroy(h as *mut EchoHandle) };
        std::thread::spawn(move || {
            // SAFETY: dead handle; the registry rejects it.
            unsafe { all_calls_rejected(h as *mut EchoHandle) };
        })
        .join()
        .unwrap();
    }

    /// Every job function on `h`, which must be rejected each time.
    ///
    /// # Safety
    ///
    /// `h` is not a live job handle (the registry must reject it).
    unsafe fn all_job_calls_rejected(h: *mut ffi_tasks::c::JobHandle) {
        use ffi_tasks::c::{
            ffi_tasks_job_cancel, ffi_tasks_job_cancelled, ffi_tasks_job_handle_destroy,
            ffi_tasks_job_on_complete, ffi_tasks_job_poll, ffi_tasks_job_progress,
            ffi_tasks_job_status, ffi_tasks_job_wait, ffi_tasks_job_wait_timeout,
        };
        // SAFETY: the registry rejects `h` before any dereference.
        unsafe {
            assert!(ffi_tasks_job_poll(h).is_null());
            expect_invalid("job_poll");
            assert!(ffi_tasks_job_wait_timeout(h, 0).is_null());
            expect_invalid("job_wait_timeout");
            ffi_tasks_job_cancel(h);
            expect_invalid("job_cancel");
            assert_eq!(ffi_tasks_job_cancelled(h), -1);
            expect_invalid("job_cancelled");
            assert_eq!(ffi_tasks_job_status(h), -1);
            expect_invalid("job_status");
            let untouched = Progress { done: 7, total: 1 };
            let mut p = untouched;
            assert_eq!(ffi_tasks_job_progress(h, &mut p), -1);
            expect_invalid("job_progress");
            assert_eq!(p, untouched);
            let rc = ffi_tasks_job_on_complete(h, Some(never_called), ptr::null_mut());
            assert_eq!(rc, -1);
            expect_invalid("job_on_complete");
            assert!(ffi_tasks_job_wait(h).is_null());
            expect_invalid("job_wait");
            ffi_tasks_job_handle_destroy(h);
            expect_invalid("job_handle_destroy");
        }
    }

    #[test]
    fn the_job_functions_of_the_bridge_reject_foreign_destroyed_and_forged_handles() {
        let _serial = serial();
        // A live handle of another task type: rejected, and still live.
        let echo = spawn_echo(8);
        // SAFETY: the registry rejects the echo handle as a job handle.
        unsafe { all_job_calls_rejected(echo.cast()) };
        // SAFETY: live handle, consumed by wait.
        let e = unsafe { echo_wait(echo) };
        assert!(!e.is_null(), "{:?}", last_error());
        // SAFETY: the result from wait, freed once.
        unsafe { echo_result_destroy(e) };

        // A destroyed handle, and forged pointers.
        let dead = spawn_echo(9);
        // SAFETY: live handle, destroyed once.
        unsafe { echo_handle_destroy(dead) };
        let mut on_stack = [0u64; 8];
        let forged: [*mut ffi_tasks::c::JobHandle; 5] = [
            dead.cast(),
            on_stack.as_mut_ptr().cast(),
            0x1000 as *mut _,
            ptr::NonNull::dangling().as_ptr(),
            usize::MAX as *mut _,
        ];
        for h in forged {
            // SAFETY: never live job handles; the registry rejects them.
            unsafe { all_job_calls_rejected(h) };
        }
        assert_eq!(on_stack, [0; 8], "a forged handle was written through");
    }
}
