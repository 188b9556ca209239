//! A panic in any user `Drop` (or in the `Drop` of a panic payload) never
//! aborts the process, wherever the library runs it: the task's error once it
//! is reported through LAST_ERROR (the next C call, and the thread's exit,
//! used to drop it outside any `catch_unwind`), an error nobody took, a panic
//! payload, a task's output, a task dropped without running (its job dropped
//! by an executor or by a pool shutting down), a completion callback's
//! captured values (run or refused), and a task's `Clone` panicking with such
//! a payload. Every test here would abort the whole test binary if one of
//! those panics escaped.

mod core_support;

use std::{
    os::raw::c_int,
    ptr,
    sync::atomic::{AtomicUsize, Ordering},
    thread,
};

use anyhow::Error;
use core_support::{
    as_user_data, assert_error, assert_no_error, bump, leaked_counter, Counter, PATIENCE,
};
use ffi_tasks::{
    c,
    error::ErrorKind,
    error_handling::{last_error_kind, take_last_error},
    executor::{Executor, Job, SpawnError},
    pool::{PoolConfig, ThreadPool},
    task::{CancellationToken, Task, TaskHandle, TaskStatus},
};

// ===== values whose Drop panics =====

/// Bumps its counter, then panics, when dropped.
pub struct Loud {
    what: &'static str,
    dropped: &'static Counter,
}

impl Loud {
    fn new(what: &'static str) -> Loud {
        Loud {
            what,
            dropped: leaked_counter(),
        }
    }
}

impl std::fmt::Debug for Loud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Loud({})", self.what)
    }
}

impl Drop for Loud {
    fn drop(&mut self) {
        self.dropped.bump();
        panic!("dropping {} panicked", self.what);
    }
}

/// A task error whose `Drop` panics.
#[derive(Debug)]
pub struct LoudError(#[allow(dead_code)] Loud); // only its `Drop` matters

impl std::fmt::Display for LoudError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a loud error")
    }
}

impl std::error::Error for LoudError {}

/// A panic payload whose `Drop` panics.
fn panic_with_loud_payload(dropped: &'static Counter) -> ! {
    std::panic::panic_any(Loud {
        what: "a panic payload",
        dropped,
    })
}

// ===== tasks =====

/// How [`Fails`] ends.
#[derive(Clone, Copy)]
pub enum How {
    /// `Err(LoudError)` in a context.
    LoudError,
    /// Blocks until cancelled, then `Err(LoudError)`.
    LoudErrorWhenCancelled,
    /// Blocks until cancelled and then until the counter is bumped, then
    /// `Err(LoudError)`: the test decides when the task ends.
    LoudErrorWhenCancelledAndReleased(&'static Counter),
    /// `panic_any` with a payload whose `Drop` panics.
    LoudPayload,
    /// `Ok(Loud)`.
    LoudOutput,
}

/// Ends as `how` says; `dropped` counts the drops of its loud value.
#[derive(Clone)]
pub struct Fails {
    how: How,
    dropped: &'static Counter,
}

impl Fails {
    fn new(how: How) -> Fails {
        Fails {
            how,
            dropped: leaked_counter(),
        }
    }

    fn loud(&self) -> Loud {
        Loud {
            what: "a task's value",
            dropped: self.dropped,
        }
    }
}

impl Task for Fails {
    type Output = Loud;
    fn run(&self, token: &CancellationToken) -> Result<Loud, Error> {
        match self.how {
            How::LoudError => Err(Error::new(LoudError(self.loud())).context("outer")),
            How::LoudErrorWhenCancelled => {
                assert!(token.wait_cancelled(PATIENCE), "never cancelled");
                Err(Error::new(LoudError(self.loud())))
            }
            How::LoudErrorWhenCancelledAndReleased(release) => {
                assert!(token.wait_cancelled(PATIENCE), "never cancelled");
                release.wait_for(1);
                Err(Error::new(LoudError(self.loud())))
            }
            How::LoudPayload => panic_with_loud_payload(self.dropped),
            How::LoudOutput => Ok(self.loud()),
        }
    }
}

ffi_tasks::export_task! {
    Task: Fails;
    spawn: fails_spawn;
    wait: fails_wait;
    poll: fails_poll;
    status: fails_status;
    on_complete: fails_on_complete;
    handle_destroy: fails_handle_destroy;
    result_destroy: fails_result_destroy;
}

/// A task whose `Clone` panics with a payload whose `Drop` panics too.
pub struct BadClone(&'static Counter);

impl Clone for BadClone {
    fn clone(&self) -> Self {
        panic_with_loud_payload(self.0)
    }
}

impl Task for BadClone {
    type Output = u8;
    fn run(&self, _: &CancellationToken) -> Result<u8, Error> {
        Ok(0)
    }
}

ffi_tasks::export_task! {
    Task: BadClone;
    spawn: bad_clone_spawn;
}

/// A task whose own `Drop` panics (each value counts its drop).
pub struct LoudTask(&'static Counter);

impl Clone for LoudTask {
    fn clone(&self) -> Self {
        LoudTask(self.0)
    }
}

impl Drop for LoudTask {
    fn drop(&mut self) {
        self.0.bump();
        panic!("dropping a task panicked");
    }
}

impl Task for LoudTask {
    type Output = u8;
    fn run(&self, _: &CancellationToken) -> Result<u8, Error> {
        Ok(1)
    }
}

/// Waits (without taking it) until the task behind `h` has finished.
///
/// # Safety
///
/// `h` is a live handle of `Fails`.
unsafe fn wait_finished(h: *mut ffi_tasks::__private::Handle<Fails>) {
    let done = leaked_counter();
    // SAFETY: forwarded from this function's contract.
    assert_eq!(
        unsafe { fails_on_complete(h, Some(bump), as_user_data(done)) },
        0
    );
    done.wait_for(1);
}

// ===== the task's error, through LAST_ERROR =====

#[test]
fn an_error_whose_drop_panics_is_reported_then_the_next_call_works() {
    let task = Fails::new(How::LoudError);
    // SAFETY: valid task; the handle is consumed by wait.
    unsafe {
        assert!(fails_wait(fails_spawn(&task)).is_null());
        assert_error(ErrorKind::Failed, "outer: a loud error");
        // The error was dropped (and its panic contained) when it was stored:
        // LAST_ERROR keeps only text.
        assert_eq!(task.dropped.get(), 1);

        // The next C call clears LAST_ERROR: nothing of the user's is left
        // there to drop. This aborted with "panic in a function that cannot
        // unwind".
        assert_eq!(fails_status(ptr::null_mut()), -1);
        assert_error(ErrorKind::NullPointer, "`handle`");
    }
    assert_eq!(task.dropped.get(), 1);
}

#[test]
fn take_last_error_gives_the_recorded_text_and_kind() {
    let task = Fails::new(How::LoudError);
    // SAFETY: valid task; the handle is consumed by wait.
    unsafe { assert!(fails_wait(fails_spawn(&task)).is_null()) };
    let taken = take_last_error().expect("the task's error");
    assert_eq!(format!("{taken:#}"), "outer: a loud error");
    assert_eq!(taken.to_string(), "outer");
    assert_eq!(
        taken.chain().map(|c| c.to_string()).collect::<Vec<_>>(),
        ["outer", "a loud error"]
    );
    assert_eq!(ErrorKind::of(&taken), ErrorKind::Failed);
    assert_eq!(last_error_kind(), ErrorKind::None);
    drop(taken); // only text: nothing panics
    assert_eq!(task.dropped.get(), 1);

    // A recorded kind survives the round trip, even one that the chain
    // alone would not give (a task error mentioning TimedOut is Failed).
    ffi_tasks::error_handling::update_last_error(ffi_tasks::error::TimedOut);
    let taken = take_last_error().unwrap();
    assert_eq!(ErrorKind::of(&taken), ErrorKind::TimedOut);
}

#[test]
fn a_thread_can_exit_with_such_an_error_in_last_error() {
    let task = Fails::new(How::LoudError);
    let t = task.clone();
    // The thread-local destructor used to drop the error and abort.
    thread::spawn(move || {
        // SAFETY: valid task; the handle is consumed by wait.
        unsafe { assert!(fails_wait(fails_spawn(&t)).is_null()) };
        assert_eq!(c::ffi_tasks_last_error_kind(), ErrorKind::Failed as c_int);
    })
    .join()
    .expect("the thread exits normally");
    assert_eq!(task.dropped.get(), 1);
}

/// After `handle_destroy` of a finished task whose outcome was never taken:
/// whichever side let go last dropped it, `handle_destroy` (which reports the
/// panic) or the worker (which contains it); either way exactly once.
#[track_caller]
fn assert_destroyed_untaken(dropped: &Counter, expected: usize) {
    let (kind, message) = core_support::last_error();
    match kind {
        ErrorKind::Panicked => assert!(
            message
                .unwrap()
                .contains("dropping a task's value panicked"),
            "handle_destroy reports the panic"
        ),
        ErrorKind::None => {} // the worker dropped it
        other => panic!("unexpected {other}: {message:?}"),
    }
    dropped.wait_for(expected);
    assert_eq!(dropped.get(), expected);
}

#[test]
fn an_untaken_error_is_dropped_once_and_contained() {
    let task = Fails::new(How::LoudError);
    // SAFETY: valid task; the handle is consumed by handle_destroy.
    unsafe {
        let h = fails_spawn(&task);
        wait_finished(h);
        assert_eq!(fails_status(h), TaskStatus::Failed as c_int);
        fails_handle_destroy(h);
        assert_destroyed_untaken(task.dropped, 1);
        assert_eq!(fails_status(ptr::null_mut()), -1);
    }
}

#[test]
fn an_untaken_error_dropped_by_the_worker_is_contained() {
    // Released only after the handle is gone: otherwise the task may end
    // between the destroy's cancel and its letting go of the handle, and
    // the destroy drops the error itself (and reports its panic).
    let release = leaked_counter();
    let task = Fails::new(How::LoudErrorWhenCancelledAndReleased(release));
    // SAFETY: valid task; the handle is consumed by handle_destroy.
    unsafe {
        let h = fails_spawn(&task);
        // Destroying the running task's handle cancels it; the worker then
        // drops the error nobody can take any more.
        fails_handle_destroy(h);
        assert_no_error();
    }
    release.bump();
    task.dropped.wait_for(1);
    // The pool still works.
    assert!(TaskHandle::spawn(Fails::new(How::LoudOutput))
        .wait()
        .map(std::mem::forget)
        .is_ok());
}

/// An error whose `source()` panics (so does walking its cause chain).
#[derive(Debug)]
pub struct BadSource;

impl std::fmt::Display for BadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad source")
    }
}

impl std::error::Error for BadSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        panic!("source() panicked")
    }
}

/// Fails with [`BadSource`].
#[derive(Clone)]
pub struct FailsBadSource;

impl Task for FailsBadSource {
    type Output = u8;
    fn run(&self, _: &CancellationToken) -> Result<u8, Error> {
        Err(Error::new(BadSource))
    }
}

ffi_tasks::export_task! {
    Task: FailsBadSource;
    spawn: bad_source_spawn;
    wait_timeout: bad_source_wait_timeout;
    handle_destroy: bad_source_handle_destroy;
}

#[test]
fn an_error_whose_source_panics_still_completes_the_handle() {
    // Classifying the outcome walks the cause chain: a panic there must not
    // leave the handle unfinished (a `wait` would hang) nor escape.
    // SAFETY: a valid task; the handle is destroyed once.
    unsafe {
        let h = bad_source_spawn(&FailsBadSource);
        let waited = bad_source_wait_timeout(h, PATIENCE.as_millis() as u64);
        assert!(waited.is_null());
        assert_error(ErrorKind::Panicked, "source() panicked");
        bad_source_handle_destroy(h);
        assert_no_error();
    }
}

// ===== panic payloads =====

#[test]
fn a_panic_payload_whose_drop_panics_is_contained() {
    let task = Fails::new(How::LoudPayload);
    // SAFETY: valid tasks; the handles are consumed by wait.
    unsafe {
        assert!(fails_wait(fails_spawn(&task)).is_null());
        assert_error(ErrorKind::Panicked, "Box<dyn Any>");
        assert_eq!(task.dropped.get(), 1);

        // The same from a task's Clone, inside spawn.
        let dropped = leaked_counter();
        assert!(bad_clone_spawn(&BadClone(dropped)).is_null());
        assert_error(ErrorKind::Panicked, "Box<dyn Any>");
        assert_eq!(dropped.get(), 1);
        assert_eq!(fails_status(ptr::null_mut()), -1);
    }
}

// ===== outputs =====

#[test]
fn an_output_whose_drop_panics_is_contained_wherever_it_is_dropped() {
    let task = Fails::new(How::LoudOutput);
    // SAFETY: valid task and result; each pointer is consumed once.
    unsafe {
        // Freed by the caller.
        let r = fails_wait(fails_spawn(&task));
        assert!(!r.is_null());
        fails_result_destroy(r);
        assert_error(ErrorKind::Panicked, "dropping a task's value panicked");
        assert_eq!(task.dropped.get(), 1);

        // Never taken: freed by handle_destroy or the worker.
        let h = fails_spawn(&task);
        wait_finished(h);
        fails_handle_destroy(h);
        assert_destroyed_untaken(task.dropped, 2);

        // Polled, then freed.
        let h = fails_spawn(&task);
        wait_finished(h);
        let r = fails_poll(h);
        assert!(!r.is_null());
        fails_handle_destroy(h);
        assert_no_error();
        fails_result_destroy(r);
        assert_error(ErrorKind::Panicked, "dropping a task's value panicked");
        assert_eq!(task.dropped.get(), 3);
    }
}

/// A Rust `TaskHandle` holding an untaken output whose `Drop` panics, dropped
/// while its thread already unwinds from another panic: the output is dropped
/// once and its panic contained (a second panic during an unwind would abort
/// the whole test binary). Dropped normally, the panic reaches the caller.
#[test]
fn a_handle_dropped_during_an_unwind_contains_its_output_panic() {
    let task = Fails::new(How::LoudOutput);
    let handle = TaskHandle::spawn(task.clone());
    let deadline = std::time::Instant::now() + PATIENCE;
    while handle.status() == TaskStatus::Running {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never finished"
        );
        thread::yield_now();
    }
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _handle = handle; // dropped by the unwind below
        panic!("the caller's own panic");
    }));
    let payload = unwound.expect_err("the closure panics");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the caller's own panic")
    );
    assert_eq!(task.dropped.get(), 1, "the output was dropped once");

    // Not unwinding: the output's panic is the caller's.
    let handle = TaskHandle::spawn(task.clone());
    while handle.status() == TaskStatus::Running {
        thread::yield_now();
    }
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(handle)));
    assert!(
        dropped.is_err(),
        "the output's Drop panic reaches the caller"
    );
    assert_eq!(task.dropped.get(), 2);
}

// ===== tasks dropped without running =====

/// Accepts every job and drops it.
struct Discard;

impl Executor for Discard {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        drop(job);
        Ok(())
    }
}

#[test]
fn a_task_whose_drop_panics_dropped_unrun_by_an_executor() {
    let dropped = leaked_counter();
    let handle = TaskHandle::spawn_with(LoudTask(dropped), CancellationToken::new(), Discard)
        .expect("accepted");
    assert_eq!(dropped.get(), 1);
    let err = handle.wait().unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::SpawnFailed, "{err:#}");
}

#[test]
fn tasks_whose_drop_panics_dropped_unrun_by_a_pool_shutting_down() {
    let pool = ThreadPool::new(PoolConfig {
        max_threads: 1,
        ..PoolConfig::default()
    });
    let gate = core_support::Gate::new(core_support::Ending::Value(1));
    let running = TaskHandle::spawn_with(gate.clone(), CancellationToken::new(), &pool).unwrap();
    gate.started.wait_for(1);
    let dropped = leaked_counter();
    let queued: Vec<_> = (0..3)
        .map(|_| TaskHandle::spawn_with(LoudTask(dropped), CancellationToken::new(), &pool))
        .collect::<Result<_, _>>()
        .unwrap();
    // Three queued jobs whose tasks panic when dropped: two panics in one
    // drop of the queue used to abort.
    pool.shutdown();
    assert_eq!(dropped.get(), 3);
    for handle in queued {
        let err = handle.wait().unwrap_err();
        assert_eq!(ErrorKind::of(&err), ErrorKind::SpawnFailed, "{err:#}");
    }
    running.cancel();
    assert_eq!(running.wait().unwrap(), 1);
}

// ===== completion callbacks =====

#[test]
fn a_callback_whose_captured_value_panics_on_drop_is_contained() {
    static RAN: AtomicUsize = AtomicUsize::new(0);
    let task = Fails::new(How::LoudErrorWhenCancelled);
    let handle = TaskHandle::spawn(task.clone());

    // Run on the worker: the captured value is dropped after the call.
    let captured = Loud::new("a callback's capture");
    let on_worker = captured.dropped;
    handle
        .on_complete(move || {
            let _keep = &captured;
            RAN.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();

    // Refused (a second registration): dropped without running.
    let refused = Loud::new("a refused callback's capture");
    let refused_dropped = refused.dropped;
    let err = handle
        .on_complete(move || drop(refused))
        .expect_err("one callback per handle");
    assert_eq!(ErrorKind::of(&err), ErrorKind::InvalidArgument);
    assert_eq!(refused_dropped.get(), 1);

    handle.cancel();
    on_worker.wait_for(1);
    assert_eq!(RAN.load(Ordering::SeqCst), 1);
    let err = handle.wait().unwrap_err();
    std::mem::forget(err); // the task's LoudError: dropping it is the caller's business

    // Run at once, on this thread: the inline executor has finished the
    // task before `spawn_with` returns.
    let handle = TaskHandle::spawn_with(
        Fails::new(How::LoudOutput),
        CancellationToken::new(),
        Inline,
    )
    .unwrap();
    assert_eq!(handle.status(), TaskStatus::Completed);
    let now = Loud::new("an immediate callback's capture");
    let now_dropped = now.dropped;
    let ran_here = thread::current().id();
    let ran_on = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = ran_on.clone();
    handle
        .on_complete(move || {
            let _keep = &now;
            *seen.lock().unwrap() = Some(thread::current().id());
        })
        .unwrap();
    assert_eq!(*ran_on.lock().unwrap(), Some(ran_here));
    assert_eq!(now_dropped.get(), 1);
    std::mem::forget(handle.wait());
}

/// Runs every job at once on the calling thread.
struct Inline;

impl Executor for Inline {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        job.run();
        Ok(())
    }
}
