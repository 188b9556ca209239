//! The C ABI driven exactly as a C caller drives it: tasks exported with
//! `export_task!` in this (downstream) crate, raw pointers in and out, and
//! LAST_ERROR read back through the `ffi_tasks_*` functions.
//!
//! Covers: LAST_ERROR cleared on entry by every function, poll of a running
//! task, the status query, results taken once, null pointers everywhere,
//! zero-sized outputs, `wait_timeout`, completion callbacks, progress, child
//! tokens through `spawn_with_token`, and the `ffi_tasks_token_*` functions.

mod core_support;

use std::{
    ffi::{c_void, CStr},
    mem,
    os::raw::c_int,
    ptr,
    sync::atomic::{AtomicI32, AtomicPtr, AtomicU64, Ordering},
};

use anyhow::Error;
use core_support::{
    as_user_data, assert_error, assert_no_error, bump, leaked_counter, set_stale_error, Counter,
    Ending, Gate, PATIENCE,
};
use ffi_tasks::{
    c::{self, PoolStats, Progress},
    error::ErrorKind,
    task::{CancellationToken, Task, TaskHandle, TaskStatus},
};

const PATIENCE_MS: u64 = PATIENCE.as_millis() as u64;

// ===== tasks under test =====

/// Adds two numbers at once.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Add {
    a: u64,
    b: u64,
}

impl Task for Add {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        Ok(self.a + self.b)
    }
}

ffi_tasks::export_task! {
    Task: Add;
    spawn: add_spawn;
    spawn_with_token: add_spawn_with_token;
    poll: add_poll;
    wait: add_wait;
    wait_timeout: add_wait_timeout;
    cancel: add_cancel;
    cancelled: add_cancelled;
    status: add_status;
    progress: add_progress;
    on_complete: add_on_complete;
    handle_destroy: add_handle_destroy;
    result_destroy: add_result_destroy;
}

ffi_tasks::export_task! {
    Task: Gate;
    spawn: gate_spawn;
    spawn_with_token: gate_spawn_with_token;
    poll: gate_poll;
    wait: gate_wait;
    wait_timeout: gate_wait_timeout;
    cancel: gate_cancel;
    cancelled: gate_cancelled;
    status: gate_status;
    progress: gate_progress;
    on_complete: gate_on_complete;
    handle_destroy: gate_handle_destroy;
    result_destroy: gate_result_destroy;
}

/// Returns `()`: a zero-sized output.
#[derive(Clone)]
pub struct Unit;

impl Task for Unit {
    type Output = ();
    fn run(&self, _: &CancellationToken) -> Result<(), Error> {
        Ok(())
    }
}

ffi_tasks::export_task! {
    Task: Unit;
    spawn: unit_spawn;
    wait: unit_wait;
    wait_timeout: unit_wait_timeout;
    result_destroy: unit_result_destroy;
}

/// A zero-sized type with an alignment of 8.
#[derive(Debug, PartialEq, Eq)]
#[repr(align(8))]
pub struct Aligned8;

/// Returns [`Aligned8`].
#[derive(Clone)]
pub struct Aligned;

impl Task for Aligned {
    type Output = Aligned8;
    fn run(&self, _: &CancellationToken) -> Result<Aligned8, Error> {
        Ok(Aligned8)
    }
}

ffi_tasks::export_task! {
    // Optional leading attributes are applied to every generated function.
    #[allow(clippy::missing_safety_doc)]
    #[doc = "Generated for `Aligned`."]
    Task: Aligned;
    wait: aligned_wait;
    spawn: aligned_spawn;
    result_destroy: aligned_result_destroy;
}

/// The expansion reaches everything through `$crate::`, so it compiles where
/// nothing from the prelude is in scope.
#[no_implicit_prelude]
mod hygiene {
    ::ffi_tasks::export_task! {
        Task: super::Add;
        spawn: hygienic_add_spawn;
        wait: hygienic_add_wait;
        result_destroy: hygienic_add_result_destroy;
    }
}

// ===== helpers =====

/// Registers [`bump`] on `counter` for the Add handle `h`.
unsafe fn add_notify(h: *mut TaskHandle<u64>, counter: &'static Counter) {
    assert_eq!(
        unsafe { add_on_complete(h, Some(bump), as_user_data(counter)) },
        0
    );
}

unsafe fn gate_notify(h: *mut TaskHandle<u64>, counter: &'static Counter) {
    assert_eq!(
        unsafe { gate_on_complete(h, Some(bump), as_user_data(counter)) },
        0
    );
}

fn status_name(status: c_int) -> &'static str {
    // SAFETY: `ffi_tasks_status_name` returns a static C string.
    unsafe { CStr::from_ptr(c::ffi_tasks_status_name(status)) }
        .to_str()
        .unwrap()
}

// ===== LAST_ERROR on entry =====

#[test]
fn every_task_function_clears_last_error_on_entry() {
    unsafe {
        set_stale_error();
        let h = gate_spawn(&Gate::new(Ending::Value(7)));
        assert!(!h.is_null());
        assert_no_error();

        set_stale_error();
        assert!(gate_poll(h).is_null(), "still running");
        assert_no_error();

        set_stale_error();
        assert_eq!(gate_status(h), TaskStatus::Running as c_int);
        assert_no_error();

        set_stale_error();
        assert_eq!(gate_cancelled(h), 0);
        assert_no_error();

        set_stale_error();
        let mut progress = Progress::default();
        assert_eq!(gate_progress(h, &mut progress), 0);
        assert_no_error();

        set_stale_error();
        let done = leaked_counter();
        assert_eq!(gate_on_complete(h, Some(bump), as_user_data(done)), 0);
        assert_no_error();

        set_stale_error();
        gate_cancel(h);
        assert_no_error();

        set_stale_error();
        let r = gate_wait_timeout(h, PATIENCE_MS);
        assert!(!r.is_null());
        assert_no_error();

        set_stale_error();
        gate_result_destroy(r);
        assert_no_error();

        set_stale_error();
        gate_handle_destroy(h);
        assert_no_error();

        set_stale_error();
        let h = add_spawn(&Add { a: 1, b: 2 });
        assert_no_error();
        set_stale_error();
        let r = add_wait(h);
        assert_no_error();
        assert_eq!(*r, 3);
        add_result_destroy(r);

        set_stale_error();
        let token = c::ffi_tasks_token_new();
        assert_no_error();
        set_stale_error();
        let h = add_spawn_with_token(&Add { a: 1, b: 1 }, token);
        assert_no_error();
        add_handle_destroy(h);
        set_stale_error();
        let child = c::ffi_tasks_token_child(token);
        assert_no_error();
        set_stale_error();
        assert_eq!(c::ffi_tasks_token_cancelled(child), 0);
        assert_no_error();
        set_stale_error();
        assert_eq!(c::ffi_tasks_token_wait_cancelled(child, 0), 0);
        assert_no_error();
        set_stale_error();
        c::ffi_tasks_token_cancel(token);
        assert_no_error();
        set_stale_error();
        c::ffi_tasks_token_destroy(child);
        assert_no_error();
        c::ffi_tasks_token_destroy(token);

        set_stale_error();
        let mut stats = PoolStats::default();
        assert_eq!(c::ffi_tasks_pool_stats(&mut stats), 0);
        assert_no_error();
    }
}

#[test]
fn a_failing_call_replaces_the_stale_error() {
    set_stale_error();
    unsafe { add_cancel(ptr::null_mut()) };
    assert_error(ErrorKind::NullPointer, "handle");
}

#[test]
fn error_accessors_and_name_lookups_leave_last_error_alone() {
    unsafe { add_cancel(ptr::null_mut()) };
    let before = core_support::last_error();
    assert_eq!(before.0, ErrorKind::NullPointer);

    // A C caller typically does all of these while handling one error.
    let kind = c::ffi_tasks_last_error_kind();
    assert!(c::ffi_tasks_last_error_length() > 0);
    let name = unsafe { CStr::from_ptr(c::ffi_tasks_error_kind_name(kind)) };
    assert_eq!(name.to_str().unwrap(), "null_pointer");
    let _ = status_name(0);
    let _ = c::ffi_tasks_version();
    let _ = c::ffi_tasks_handle_registry_enabled();

    assert_eq!(core_support::last_error(), before);
    c::ffi_tasks_clear_last_error();
    assert_no_error();
}

// ===== running, status, taken once =====

#[test]
fn poll_of_a_running_task_is_null_without_error() {
    let gate = Gate::new(Ending::Cancelled);
    unsafe {
        let h = gate_spawn(&gate);
        gate.started.wait_for(1);
        for _ in 0..3 {
            assert!(gate_poll(h).is_null());
            assert_no_error();
        }
        assert_eq!(gate_status(h), TaskStatus::Running as c_int);
        assert_eq!(gate_cancelled(h), 0);
        gate_cancel(h);
        assert_eq!(gate_cancelled(h), 1);
        gate_handle_destroy(h);
        assert_no_error();
    }
}

#[test]
fn status_tells_every_state_apart() {
    let cases = [
        (Ending::Value(1), TaskStatus::Completed, ErrorKind::None),
        (Ending::Fail, TaskStatus::Failed, ErrorKind::Failed),
        (
            Ending::Cancelled,
            TaskStatus::Cancelled,
            ErrorKind::Cancelled,
        ),
        (Ending::Panic, TaskStatus::Panicked, ErrorKind::Panicked),
    ];
    for (ending, finished, kind) in cases {
        let gate = Gate::new(ending);
        let done = leaked_counter();
        unsafe {
            let h = gate_spawn(&gate);
            gate_notify(h, done);
            gate.started.wait_for(1);
            assert_eq!(gate_status(h), TaskStatus::Running as c_int);
            gate_cancel(h);
            done.wait_for(1);
            // Finished but not taken: the status says how it ended.
            assert_eq!(gate_status(h), finished as c_int, "{ending:?}");
            assert_eq!(status_name(gate_status(h)), finished.name());

            let r = gate_poll(h);
            if kind == ErrorKind::None {
                assert_eq!(*r, 1);
                gate_result_destroy(r);
            } else {
                assert!(r.is_null());
                assert_eq!(c::ffi_tasks_last_error_kind(), kind as c_int);
            }
            assert_eq!(gate_status(h), TaskStatus::Taken as c_int);
            assert_no_error();
            gate_handle_destroy(h);
        }
    }
    assert_eq!(status_name(TaskStatus::Running as c_int), "running");
    assert_eq!(status_name(TaskStatus::Taken as c_int), "taken");
    assert_eq!(status_name(6), "unknown");
    assert_eq!(status_name(-1), "unknown");
}

#[test]
fn a_result_is_taken_once() {
    unsafe {
        let h = add_spawn(&Add { a: 20, b: 22 });
        let r = add_wait_timeout(h, PATIENCE_MS);
        assert_no_error();
        assert_eq!(*r, 42);
        add_result_destroy(r);
        assert_eq!(add_status(h), TaskStatus::Taken as c_int);

        assert!(add_poll(h).is_null());
        let message = assert_error(ErrorKind::AlreadyTaken, "already taken");
        assert!(!message.contains("channel"), "{message}");

        assert!(add_wait_timeout(h, 0).is_null());
        assert_error(ErrorKind::AlreadyTaken, "already taken");

        // `wait` consumes the handle even though it fails.
        assert!(add_wait(h).is_null());
        assert_error(ErrorKind::AlreadyTaken, "already taken");
    }
}

#[test]
fn an_error_is_taken_once_too() {
    let gate = Gate::new(Ending::Fail);
    unsafe {
        let h = gate_spawn(&gate);
        gate_cancel(h);
        assert!(gate_wait_timeout(h, PATIENCE_MS).is_null());
        assert_error(ErrorKind::Failed, "gate failed on purpose");
        assert!(gate_poll(h).is_null());
        assert_error(ErrorKind::AlreadyTaken, "already taken");
        gate_handle_destroy(h);
        assert_no_error();
    }
}

#[test]
fn wait_returns_the_error_of_a_failed_task() {
    let gate = Gate::new(Ending::Panic);
    unsafe {
        let h = gate_spawn(&gate);
        gate_cancel(h);
        assert!(gate_wait(h).is_null());
        assert_error(ErrorKind::Panicked, "gate panicked on purpose");
    }
}

// ===== null pointers =====

#[test]
fn null_pointers_are_errors_with_documented_return_values() {
    let null_h: *mut TaskHandle<u64> = ptr::null_mut();
    let add = Add { a: 1, b: 1 };
    unsafe {
        assert!(add_spawn(ptr::null()).is_null());
        assert_error(ErrorKind::NullPointer, "`task`");

        let token = c::ffi_tasks_token_new();
        assert!(add_spawn_with_token(ptr::null(), token).is_null());
        assert_error(ErrorKind::NullPointer, "`task`");
        assert!(add_spawn_with_token(&add, ptr::null()).is_null());
        assert_error(ErrorKind::NullPointer, "`token`");
        c::ffi_tasks_token_destroy(token);

        assert!(add_poll(null_h).is_null());
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert!(add_wait(null_h).is_null());
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert!(add_wait_timeout(null_h, 0).is_null());
        assert_error(ErrorKind::NullPointer, "`handle`");
        add_cancel(null_h);
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert_eq!(add_cancelled(null_h), -1);
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert_eq!(add_status(null_h), -1);
        assert_error(ErrorKind::NullPointer, "`handle`");

        let untouched = Progress {
            done: 99,
            total: 98,
        };
        let mut out = untouched;
        assert_eq!(add_progress(null_h, &mut out), -1);
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert_eq!(out, untouched, "*out is untouched on error");

        let done = leaked_counter();
        assert_eq!(add_on_complete(null_h, Some(bump), as_user_data(done)), -1);
        assert_error(ErrorKind::NullPointer, "`handle`");
        add_handle_destroy(null_h);
        assert_error(ErrorKind::NullPointer, "`handle`");
        add_result_destroy(ptr::null_mut());
        assert_error(ErrorKind::NullPointer, "`result`");

        // Null secondary arguments on a live handle.
        let h = add_spawn(&add);
        assert_eq!(add_progress(h, ptr::null_mut()), -1);
        assert_error(ErrorKind::NullPointer, "`out`");
        assert_eq!(add_on_complete(h, None, ptr::null_mut()), -1);
        assert_error(ErrorKind::NullPointer, "`callback`");
        // The refused registration did not use up the handle's one callback.
        add_notify(h, done);
        done.wait_for(1);
        add_handle_destroy(h);
        assert_no_error();

        // Tokens.
        assert!(c::ffi_tasks_token_child(ptr::null()).is_null());
        assert_error(ErrorKind::NullPointer, "`token`");
        c::ffi_tasks_token_cancel(ptr::null());
        assert_error(ErrorKind::NullPointer, "`token`");
        assert_eq!(c::ffi_tasks_token_cancelled(ptr::null()), -1);
        assert_error(ErrorKind::NullPointer, "`token`");
        assert_eq!(c::ffi_tasks_token_wait_cancelled(ptr::null(), 0), -1);
        assert_error(ErrorKind::NullPointer, "`token`");
        c::ffi_tasks_token_destroy(ptr::null_mut());
        assert_error(ErrorKind::NullPointer, "`token`");

        // Pool statistics.
        assert_eq!(c::ffi_tasks_pool_stats(ptr::null_mut()), -1);
        assert_error(ErrorKind::NullPointer, "`out`");
    }
}

// ===== zero-sized outputs =====

#[test]
fn zero_sized_outputs_are_dangling_aligned_pointers() {
    unsafe {
        let r = unit_wait(unit_spawn(&Unit));
        assert_no_error();
        assert!(!r.is_null());
        // Not allocated: the address is the type's alignment (`NonNull::dangling`).
        assert_eq!(r as usize, mem::align_of::<()>());
        unit_result_destroy(r);
        assert_no_error();

        let r = aligned_wait(aligned_spawn(&Aligned));
        assert_no_error();
        assert_eq!(r as usize, mem::align_of::<Aligned8>());
        assert_eq!(r as usize, 8);
        assert_eq!(*r, Aligned8);
        aligned_result_destroy(r);
        assert_no_error();

        // Destroying the same dangling pointer twice is still harmless (no
        // allocation is involved); a C caller need not track ZST results.
        let h = unit_spawn(&Unit);
        let a = unit_wait_timeout(h, PATIENCE_MS);
        assert_eq!(a as usize, 1);
        unit_result_destroy(a);
        unit_result_destroy(a);
        assert_no_error();
    }
}

// ===== wait_timeout =====

#[test]
fn wait_timeout_times_out_without_consuming_the_handle() {
    let gate = Gate::new(Ending::Value(5));
    unsafe {
        let h = gate_spawn(&gate);
        gate.started.wait_for(1);
        assert!(gate_wait_timeout(h, 0).is_null());
        assert_error(ErrorKind::TimedOut, "still running");
        assert!(gate_wait_timeout(h, 1).is_null());
        assert_error(ErrorKind::TimedOut, "still running");
        // The handle is still alive and usable.
        assert_eq!(gate_status(h), TaskStatus::Running as c_int);
        assert!(gate_poll(h).is_null());
        assert_no_error();

        gate_cancel(h);
        let r = gate_wait_timeout(h, PATIENCE_MS);
        assert_no_error();
        assert_eq!(*r, 5);
        gate_result_destroy(r);
        gate_handle_destroy(h);
        assert_no_error();
    }
}

#[test]
fn wait_timeout_with_a_huge_timeout_waits_until_done() {
    let gate = Gate::new(Ending::Value(6));
    unsafe {
        let h = gate_spawn(&gate);
        gate_cancel(h);
        // `u64::MAX` ms does not overflow into an instant timeout.
        let r = gate_wait_timeout(h, u64::MAX);
        assert_no_error();
        assert_eq!(*r, 6);
        gate_result_destroy(r);
        gate_handle_destroy(h);
    }
}

// ===== completion callbacks =====

#[test]
fn on_complete_runs_exactly_once_from_the_worker() {
    let gate = Gate::new(Ending::Value(1));
    let done = leaked_counter();
    unsafe {
        let h = gate_spawn(&gate);
        gate_notify(h, done);
        gate.started.wait_for(1);
        assert_eq!(done.get(), 0, "not called while the task runs");
        gate_cancel(h);
        let r = gate_wait(h);
        assert_eq!(*r, 1);
        gate_result_destroy(r);
    }
    done.wait_for(1);
    assert_eq!(done.get(), 1);
}

#[test]
fn on_complete_runs_immediately_when_already_done() {
    let first = leaked_counter();
    let second = leaked_counter();
    unsafe {
        let h = add_spawn(&Add { a: 1, b: 2 });
        add_notify(h, first);
        first.wait_for(1); // now it is certainly done
        let r = add_wait_timeout(h, 0);
        add_result_destroy(r);
        add_handle_destroy(h);

        let h = add_spawn(&Add { a: 1, b: 2 });
        let r = add_wait_timeout(h, PATIENCE_MS);
        add_result_destroy(r);
        // Done (and taken): the callback runs before on_complete returns.
        add_notify(h, second);
        assert_eq!(second.get(), 1);
        add_handle_destroy(h);
    }
}

#[test]
fn a_second_callback_is_refused_while_running() {
    let gate = Gate::new(Ending::Value(1));
    let first = leaked_counter();
    let second = leaked_counter();
    unsafe {
        let h = gate_spawn(&gate);
        gate_notify(h, first);
        assert_eq!(gate_on_complete(h, Some(bump), as_user_data(second)), -1);
        assert_error(ErrorKind::InvalidArgument, "already registered");
        gate_cancel(h);
        gate_handle_destroy(h);
    }
    first.wait_for(1);
    assert_eq!(second.get(), 0);
}

#[test]
fn a_second_callback_is_refused_after_completion() {
    let gate = Gate::new(Ending::Value(1));
    let first = leaked_counter();
    let second = leaked_counter();
    unsafe {
        let h = gate_spawn(&gate);
        gate_notify(h, first);
        gate_cancel(h);
        first.wait_for(1);
        // The first callback already ran; the handle has no callback slot left.
        assert_eq!(gate_on_complete(h, Some(bump), as_user_data(second)), -1);
        assert_error(ErrorKind::InvalidArgument, "already registered");
        assert_eq!(second.get(), 0);

        // Registered once after completion: the next one is refused as well.
        let h2 = add_spawn(&Add { a: 0, b: 0 });
        let r = add_wait_timeout(h2, PATIENCE_MS);
        add_result_destroy(r);
        add_notify(h2, second);
        assert_eq!(add_on_complete(h2, Some(bump), as_user_data(second)), -1);
        assert_error(ErrorKind::InvalidArgument, "already registered");
        assert_eq!(second.get(), 1);
        add_handle_destroy(h2);
        gate_handle_destroy(h);
    }
    assert_eq!(first.get(), 1);
}

#[test]
fn on_complete_is_called_even_if_the_handle_is_destroyed_first() {
    let gate = Gate::new(Ending::Value(1));
    let done = leaked_counter();
    unsafe {
        let h = gate_spawn(&gate);
        gate_notify(h, done);
        gate.started.wait_for(1);
        // Destroying cancels the gate, which then finishes on the worker.
        gate_handle_destroy(h);
        assert_no_error();
    }
    gate.saw_cancel.wait_for(1);
    done.wait_for(1);
    assert_eq!(done.get(), 1);
}

/// What the re-entrant callback saw.
struct Reentry {
    handle: AtomicPtr<TaskHandle<u64>>,
    status: AtomicI32,
    value: AtomicU64,
    done: Counter,
}

/// Calls `status` and `poll` on the very handle whose completion it reports:
/// deadlocks if the callback ran under the handle's lock.
unsafe extern "C" fn reenter(user_data: *mut c_void) {
    // SAFETY: registered with a leaked `Reentry`.
    let seen = unsafe { &*user_data.cast::<Reentry>() };
    let h = seen.handle.load(Ordering::SeqCst);
    unsafe {
        seen.status.store(gate_status(h), Ordering::SeqCst);
        let r = gate_poll(h);
        if !r.is_null() {
            seen.value.store(*r, Ordering::SeqCst);
            gate_result_destroy(r);
        }
    }
    seen.done.bump();
}

fn leaked_reentry() -> &'static Reentry {
    Box::leak(Box::new(Reentry {
        handle: AtomicPtr::new(ptr::null_mut()),
        status: AtomicI32::new(-1),
        value: AtomicU64::new(0),
        done: Counter::new(),
    }))
}

#[test]
fn a_callback_may_call_back_into_its_handle_on_the_worker() {
    let gate = Gate::new(Ending::Value(77));
    let seen = leaked_reentry();
    unsafe {
        let h = gate_spawn(&gate);
        seen.handle.store(h, Ordering::SeqCst);
        let data = ptr::from_ref(seen).cast_mut().cast();
        assert_eq!(gate_on_complete(h, Some(reenter), data), 0);
        gate_cancel(h);
        seen.done.wait_for(1);
        assert_eq!(
            seen.status.load(Ordering::SeqCst),
            TaskStatus::Completed as c_int
        );
        assert_eq!(seen.value.load(Ordering::SeqCst), 77);
        assert_eq!(gate_status(h), TaskStatus::Taken as c_int);
        gate_handle_destroy(h);
    }
}

#[test]
fn a_callback_may_call_back_into_its_handle_when_run_immediately() {
    let gate = Gate::new(Ending::Value(78));
    let seen = leaked_reentry();
    unsafe {
        let h = gate_spawn(&gate);
        seen.handle.store(h, Ordering::SeqCst);
        gate_cancel(h);
        let r = gate_wait_timeout(h, PATIENCE_MS); // done, but keep the status
        gate_result_destroy(r);
        let data = ptr::from_ref(seen).cast_mut().cast();
        assert_eq!(gate_on_complete(h, Some(reenter), data), 0);
        // The callback's own poll failed (already taken) on this thread, but
        // on_complete succeeded: LAST_ERROR says so.
        assert_no_error();
        assert_eq!(seen.done.get(), 1, "ran before on_complete returned");
        assert_eq!(
            seen.status.load(Ordering::SeqCst),
            TaskStatus::Taken as c_int
        );
        gate_handle_destroy(h);
    }
}

// ===== progress, cancel, tokens =====

#[test]
fn progress_reported_by_the_task_is_read_through_the_handle() {
    let gate = Gate::new(Ending::Cancelled);
    unsafe {
        let h = gate_spawn(&gate);
        gate.started.wait_for(1); // progress is set before `started`
        let mut out = Progress::default();
        assert_eq!(gate_progress(h, &mut out), 0);
        assert_eq!(out, Progress { done: 3, total: 10 });
        assert_eq!(out.fraction(), Some(0.3));
        gate_handle_destroy(h);
    }
    assert_eq!(Progress { done: 5, total: 0 }.fraction(), None);
    assert_eq!(
        Progress {
            done: 11,
            total: 10
        }
        .fraction(),
        Some(1.0)
    );
}

#[test]
fn destroying_a_running_handle_cancels_the_task() {
    let gate = Gate::new(Ending::Cancelled);
    unsafe {
        let h = gate_spawn(&gate);
        gate.started.wait_for(1);
        gate_handle_destroy(h);
        assert_no_error();
    }
    gate.saw_cancel.wait_for(1);
}

#[test]
fn spawn_with_token_runs_the_task_under_a_child_of_the_token() {
    let gate = Gate::new(Ending::Cancelled);
    let other = Gate::new(Ending::Cancelled);
    unsafe {
        let group = c::ffi_tasks_token_new();
        let h = gate_spawn_with_token(&gate, group);
        let h_other = gate_spawn_with_token(&other, group);
        assert!(!h.is_null() && !h_other.is_null());
        gate.started.wait_for(1);

        // Cancelling one task does not cancel its group (nor its sibling).
        gate_cancel(h_other);
        other.saw_cancel.wait_for(1);
        assert_eq!(c::ffi_tasks_token_cancelled(group), 0);
        assert_eq!(gate_cancelled(h), 0);

        // Destroying the group token does not cancel its tasks...
        let keep = c::ffi_tasks_token_child(group);
        c::ffi_tasks_token_destroy(group);
        assert_eq!(gate_cancelled(h), 0);
        c::ffi_tasks_token_destroy(keep);
        gate_handle_destroy(h);
        gate_handle_destroy(h_other);
    }
    gate.saw_cancel.wait_for(1);

    // ...cancelling it does, and reports them as cancelled.
    let a = Gate::new(Ending::Cancelled);
    let b = Gate::new(Ending::Value(2));
    unsafe {
        let group = c::ffi_tasks_token_new();
        let ha = gate_spawn_with_token(&a, group);
        let hb = gate_spawn_with_token(&b, group);
        c::ffi_tasks_token_cancel(group);
        assert_eq!(c::ffi_tasks_token_cancelled(group), 1);
        assert!(gate_wait(ha).is_null());
        assert_error(ErrorKind::Cancelled, "cancelled");
        let r = gate_wait(hb);
        assert_eq!(*r, 2);
        gate_result_destroy(r);
        c::ffi_tasks_token_destroy(group);
    }
}

#[test]
fn spawn_with_an_already_cancelled_token_starts_cancelled() {
    let gate = Gate::new(Ending::Cancelled);
    unsafe {
        let token = c::ffi_tasks_token_new();
        c::ffi_tasks_token_cancel(token);
        let h = gate_spawn_with_token(&gate, token);
        assert_no_error();
        assert_eq!(gate_cancelled(h), 1);
        assert!(gate_wait(h).is_null());
        assert_error(ErrorKind::Cancelled, "cancelled");
        c::ffi_tasks_token_destroy(token);
    }
}

#[test]
fn c_tokens_wait_and_propagate_to_children() {
    unsafe {
        let parent = c::ffi_tasks_token_new();
        let child = c::ffi_tasks_token_child(parent);
        assert_eq!(c::ffi_tasks_token_wait_cancelled(child, 0), 0);
        assert_eq!(c::ffi_tasks_token_wait_cancelled(child, 1), 0);

        // Cancelling the child leaves the parent alone.
        let grandchild = c::ffi_tasks_token_child(child);
        c::ffi_tasks_token_cancel(grandchild);
        assert_eq!(c::ffi_tasks_token_cancelled(child), 0);
        assert_eq!(c::ffi_tasks_token_cancelled(parent), 0);

        struct SendPtr(*const CancellationToken);
        // SAFETY: tokens are Sync; the pointer stays valid until the thread
        // is joined below.
        unsafe impl Send for SendPtr {}
        let waiter = SendPtr(child);
        let waiter = std::thread::spawn(move || {
            let waiter = waiter;
            c::ffi_tasks_token_wait_cancelled(waiter.0, PATIENCE_MS)
        });
        c::ffi_tasks_token_cancel(parent);
        assert_eq!(waiter.join().unwrap(), 1, "woken by the parent's cancel");
        assert_eq!(c::ffi_tasks_token_cancelled(child), 1);

        // A child of a cancelled token is born cancelled.
        let late = c::ffi_tasks_token_child(parent);
        assert_eq!(c::ffi_tasks_token_cancelled(late), 1);

        for t in [parent, child, grandchild, late] {
            c::ffi_tasks_token_destroy(t);
        }
        assert_no_error();
    }
}

// ===== the macro in a downstream crate =====

#[test]
fn the_expansion_is_hygienic() {
    unsafe {
        let r = hygiene::hygienic_add_wait(hygiene::hygienic_add_spawn(&Add { a: 4, b: 5 }));
        assert_eq!(*r, 9);
        hygiene::hygienic_add_result_destroy(r);
    }
}

#[test]
fn version_and_kind_names_are_static_strings() {
    let version = unsafe { CStr::from_ptr(c::ffi_tasks_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    for kind in ErrorKind::ALL {
        let name = unsafe { CStr::from_ptr(c::ffi_tasks_error_kind_name(kind as c_int)) };
        assert_eq!(name.to_str().unwrap(), kind.name());
    }
    for bad in [-1, 10, c_int::MAX] {
        let name = unsafe { CStr::from_ptr(c::ffi_tasks_error_kind_name(bad)) };
        assert_eq!(name.to_str().unwrap(), "unknown");
    }
    let enabled = c::ffi_tasks_handle_registry_enabled();
    assert_eq!(enabled, c_int::from(cfg!(feature = "handle-registry")));
}

#[test]
fn the_job_functions_of_the_bridge_reject_null_pointers() {
    use c::{
        ffi_tasks_job_cancel, ffi_tasks_job_cancelled, ffi_tasks_job_handle_destroy,
        ffi_tasks_job_on_complete, ffi_tasks_job_poll, ffi_tasks_job_progress,
        ffi_tasks_job_result_destroy, ffi_tasks_job_status, ffi_tasks_job_wait,
        ffi_tasks_job_wait_timeout, JobHandle,
    };
    let null: *mut JobHandle = ptr::null_mut();
    let done = leaked_counter();
    // SAFETY: null pointers only, each a documented error.
    unsafe {
        assert!(ffi_tasks_job_poll(null).is_null());
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert!(ffi_tasks_job_wait(null).is_null());
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert!(ffi_tasks_job_wait_timeout(null, u64::MAX).is_null());
        assert_error(ErrorKind::NullPointer, "`handle`");
        ffi_tasks_job_cancel(null);
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert_eq!(ffi_tasks_job_cancelled(null), -1);
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert_eq!(ffi_tasks_job_status(null), -1);
        assert_error(ErrorKind::NullPointer, "`handle`");
        let untouched = Progress { done: 4, total: 2 };
        let mut out = untouched;
        assert_eq!(ffi_tasks_job_progress(null, &mut out), -1);
        assert_error(ErrorKind::NullPointer, "`handle`");
        assert_eq!(out, untouched, "*out is untouched on error");
        assert_eq!(
            ffi_tasks_job_on_complete(null, Some(bump), as_user_data(done)),
            -1
        );
        assert_error(ErrorKind::NullPointer, "`handle`");
        ffi_tasks_job_handle_destroy(null);
        assert_error(ErrorKind::NullPointer, "`handle`");
        ffi_tasks_job_result_destroy(ptr::null_mut());
        assert_error(ErrorKind::NullPointer, "`result`");
    }
    assert_eq!(done.get(), 0, "a callback on a null handle never runs");
}

#[test]
fn bad_numeric_arguments_are_harmless() {
    // SAFETY: a live token, destroyed once.
    unsafe {
        let token = c::ffi_tasks_token_new();
        // A timeout too large for a deadline: still returns at once when
        // the token is already cancelled.
        c::ffi_tasks_token_cancel(token);
        assert_eq!(c::ffi_tasks_token_wait_cancelled(token, u64::MAX), 1);
        assert_no_error();
        c::ffi_tasks_token_destroy(token);
    }
    for bad in [c_int::MIN, -1, 6, c_int::MAX] {
        // SAFETY: `ffi_tasks_status_name` returns a static C string.
        let name = unsafe { CStr::from_ptr(c::ffi_tasks_status_name(bad)) };
        assert_eq!(name.to_str().unwrap(), "unknown");
    }
    // SAFETY: as above.
    let name = unsafe { CStr::from_ptr(c::ffi_tasks_error_kind_name(c_int::MIN)) };
    assert_eq!(name.to_str().unwrap(), "unknown");
}
