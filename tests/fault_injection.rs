//! Fault injection (`cargo test --features fault-injection --test
//! fault_injection`): thread creation failing (the `ffi_tasks::fault` hook,
//! and for real under `RLIMIT_NPROC = 0` in a child process) and a panic in
//! every user hook: the task's `run`, its `Clone`, its `Drop`, the output's
//! `Drop`, an error's `Display`, and a completion callback. Each must give the
//! caller a clear error (or be contained) and leave the process and the pool
//! working.
//!
//! The tests share the global pool and the fault counter, so they run one at
//! a time (`SERIAL`). A C++ job throwing an exception is tested with the C++
//! bridge (tests/cpp), not here.

#![cfg(feature = "fault-injection")]

mod reliability_support;

use std::{
    os::raw::c_int,
    ptr,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst},
        Arc, Mutex, MutexGuard, Once,
    },
    thread,
    time::{Duration, Instant},
};

use anyhow::{anyhow, Error};
use ffi_tasks::{
    c,
    error::ErrorKind,
    fault::fail_next_thread_spawns,
    task::{CancellationToken, Cancelled, Task, TaskHandle},
};
use reliability_support::{
    last_error, pool_stats, quiet_expected_panics, wait_pool_quiet, EXPECTED_PANIC,
};

// ===== the task =====

/// What [`FaultTask::run`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Returns `Ok(FaultOut { value, .. })`.
    Value(u64),
    /// Panics.
    Panic,
    /// Blocks until cancelled, then returns `Ok(value)` (not `Cancelled`),
    /// so the output exists even though nobody will take it.
    BlockThenValue(u64),
    /// Blocks until cancelled, then returns `Cancelled`.
    Block,
    /// Returns an error whose `Display` panics.
    BadError,
}

/// The task of these tests; each flag arms one faulty hook.
#[derive(Debug)]
pub struct FaultTask {
    behaviour: Behaviour,
    /// `Clone` panics.
    clone_panics: bool,
    /// A clone's `Drop` panics (the caller's original never does).
    clone_drop_panics: bool,
    /// The output's `Drop` panics.
    output_drop_panics: bool,
    is_clone: bool,
}

impl FaultTask {
    fn new(behaviour: Behaviour) -> FaultTask {
        FaultTask {
            behaviour,
            clone_panics: false,
            clone_drop_panics: false,
            output_drop_panics: false,
            is_clone: false,
        }
    }
}

impl Clone for FaultTask {
    fn clone(&self) -> FaultTask {
        if self.clone_panics {
            panic!("{EXPECTED_PANIC} Clone of the task");
        }
        FaultTask {
            is_clone: true,
            ..*self
        }
    }
}

impl Drop for FaultTask {
    fn drop(&mut self) {
        if self.is_clone && self.clone_drop_panics && !std::thread::panicking() {
            panic!("{EXPECTED_PANIC} Drop of the task");
        }
    }
}

/// The output; its `Drop` may panic, and drops are counted.
#[derive(Debug)]
pub struct FaultOut {
    value: u64,
    drop_panics: bool,
}

static OUTPUT_DROPS: AtomicUsize = AtomicUsize::new(0);

impl Drop for FaultOut {
    fn drop(&mut self) {
        OUTPUT_DROPS.fetch_add(1, SeqCst);
        if self.drop_panics {
            panic!("{EXPECTED_PANIC} Drop of the output {}", self.value);
        }
    }
}

/// An error whose `Display` panics.
#[derive(Debug)]
struct BadDisplay;

impl std::fmt::Display for BadDisplay {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("{EXPECTED_PANIC} Display of the error")
    }
}

impl std::error::Error for BadDisplay {}

impl Task for FaultTask {
    type Output = FaultOut;

    fn run(&self, tok: &CancellationToken) -> Result<FaultOut, Error> {
        let out = |value| FaultOut {
            value,
            drop_panics: self.output_drop_panics,
        };
        match self.behaviour {
            Behaviour::Value(v) => Ok(out(v)),
            Behaviour::Panic => panic!("{EXPECTED_PANIC} run of the task"),
            Behaviour::BlockThenValue(v) => {
                block_until_cancelled(tok)?;
                Ok(out(v))
            }
            Behaviour::Block => {
                block_until_cancelled(tok)?;
                Err(Cancelled.into())
            }
            Behaviour::BadError => Err(BadDisplay.into()),
        }
    }
}

/// Waits for cancellation; a hang guard turns "never cancelled" into an error.
fn block_until_cancelled(tok: &CancellationToken) -> Result<(), Error> {
    for _ in 0..300 {
        if tok.wait_cancelled(Duration::from_secs(1)) {
            return Ok(());
        }
    }
    Err(anyhow!("never cancelled (hang guard)"))
}

ffi_tasks::export_task! {
    Task: FaultTask;
    spawn: fault_spawn;
    poll: fault_poll;
    wait: fault_wait;
    cancel: fault_cancel;
    status: fault_status;
    handle_destroy: fault_handle_destroy;
    result_destroy: fault_result_destroy;
}

type Handle = TaskHandle<FaultOut>;

// ===== helpers =====

static SERIAL: Mutex<()> = Mutex::new(());

/// Serialises the tests and configures the global pool (once, before any
/// spawn): at most 4 workers, idle ones retire after 1 ms, so that "no worker
/// exists" is reached quickly.
fn setup() -> MutexGuard<'static, ()> {
    static CONFIGURE: Once = Once::new();
    quiet_expected_panics();
    let guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    CONFIGURE.call_once(|| assert_eq!(c::ffi_tasks_pool_configure(4, 1), 0));
    fail_next_thread_spawns(0);
    guard
}

/// Waits (hang guard only) until every worker thread has retired.
fn wait_no_workers() {
    wait_pool_quiet(Duration::from_secs(60));
    let start = Instant::now();
    while pool_stats().threads != 0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "workers never retired: {:?}",
            pool_stats()
        );
        thread::sleep(Duration::from_millis(1));
    }
}

fn spawn(task: &FaultTask) -> *mut Handle {
    // SAFETY: `task` is valid for the call.
    unsafe { fault_spawn(task) }
}

/// Spawns a plain task and checks its value arrives: the pool still works.
fn assert_pool_works(value: u64) {
    let h = spawn(&FaultTask::new(Behaviour::Value(value)));
    assert!(!h.is_null(), "spawn failed: {:?}", last_error());
    // SAFETY: live handle, consumed by wait.
    let r = unsafe { fault_wait(h) };
    assert!(!r.is_null(), "wait failed: {:?}", last_error());
    // SAFETY: a valid result, freed once.
    unsafe {
        assert_eq!((*r).value, value);
        fault_result_destroy(r);
    }
    assert_eq!(last_error().0, ErrorKind::None);
}

fn expect_error(kind: ErrorKind, needles: &[&str]) -> String {
    let (got, message) = last_error();
    let message = message.unwrap_or_default();
    assert_eq!(got, kind, "error kind (message: {message:?})");
    for n in needles {
        assert!(message.contains(n), "{message:?} does not mention {n:?}");
    }
    println!("  {kind}: {message}");
    message
}

// ===== thread creation failing =====

#[test]
fn thread_creation_failure_is_a_clean_spawn_error() {
    let _serial = setup();
    wait_no_workers();
    let before = pool_stats();

    // One failure: spawn returns NULL with SPAWN_FAILED and a clear message.
    fail_next_thread_spawns(1);
    let h = spawn(&FaultTask::new(Behaviour::Value(1)));
    assert!(h.is_null(), "spawn succeeded without a worker");
    expect_error(
        ErrorKind::SpawnFailed,
        &[
            "cannot spawn the task",
            "no worker thread could be started",
            "injected thread creation failure",
        ],
    );
    let after = pool_stats();
    assert_eq!((after.threads, after.queued, after.running), (0, 0, 0));
    assert_eq!(
        after.completed + after.failed,
        before.completed + before.failed
    );

    // The next spawn works.
    assert_pool_works(2);

    // Several failures in a row: each spawn fails, then spawning recovers.
    wait_no_workers();
    fail_next_thread_spawns(3);
    for _ in 0..3 {
        assert!(spawn(&FaultTask::new(Behaviour::Value(3))).is_null());
        expect_error(
            ErrorKind::SpawnFailed,
            &["injected thread creation failure"],
        );
    }
    assert_pool_works(4);

    // The Rust API: `try_spawn` reports it at once, `spawn` through the handle.
    wait_no_workers();
    fail_next_thread_spawns(1);
    let err = TaskHandle::try_spawn(FaultTask::new(Behaviour::Value(5))).unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::SpawnFailed, "{err:#}");
    wait_no_workers();
    fail_next_thread_spawns(1);
    let handle = TaskHandle::spawn(FaultTask::new(Behaviour::Value(6)));
    let err = handle.wait().unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::SpawnFailed, "{err:#}");
    assert_pool_works(7);
}

#[test]
fn thread_creation_failure_with_a_busy_worker_queues_the_task() {
    let _serial = setup();
    wait_no_workers();
    // One worker, blocked.
    let blocker = spawn(&FaultTask::new(Behaviour::Block));
    assert!(!blocker.is_null());
    // A new worker cannot be created, but one exists: the task is queued
    // behind the blocked one rather than refused.
    fail_next_thread_spawns(1);
    let queued = spawn(&FaultTask::new(Behaviour::Value(8)));
    assert!(!queued.is_null(), "spawn failed: {:?}", last_error());
    assert_eq!(last_error().0, ErrorKind::None);
    let start = Instant::now();
    loop {
        let s = pool_stats();
        if (s.threads, s.running, s.queued) == (1, 1, 1) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{s:?}");
        thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: live handles.
    unsafe {
        assert!(fault_poll(queued).is_null());
        assert_eq!(last_error().0, ErrorKind::None, "queued task reported done");
        fault_cancel(blocker);
        let r = fault_wait(queued);
        assert!(!r.is_null(), "{:?}", last_error());
        assert_eq!((*r).value, 8);
        fault_result_destroy(r);
        assert!(fault_wait(blocker).is_null());
    }
    expect_error(ErrorKind::Cancelled, &["cancelled"]);
}

/// Parent side of the `RLIMIT_NPROC` test: runs the child below in a fresh
/// process and checks what it printed.
// RLIMIT_NPROC is a POSIX limit.
#[cfg(unix)]
#[test]
fn thread_limit_in_a_child_process_is_a_clean_spawn_error() {
    let run = reliability_support::run_child(
        "rlimit_nproc_child",
        &[("FFI_TASKS_FAULT_CHILD", "nproc")],
        Duration::from_secs(120),
    );
    assert!(
        run.status.success(),
        "child failed: {:?}\n{}\n{}",
        run.status,
        run.stdout,
        run.stderr
    );
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("NPROC-CHILD-OK") || l.starts_with("NPROC-CHILD-SKIP"))
        .unwrap_or_else(|| panic!("no verdict from the child:\n{}", run.stdout));
    println!("{line}");
    assert!(line.starts_with("NPROC-CHILD-OK"), "{line}");
}

/// Child side: lowers `RLIMIT_NPROC` to 0 (as an unprivileged user: root is
/// exempt from the limit), so the OS refuses every new thread. Does nothing
/// unless run by the parent test above.
#[cfg(unix)]
#[test]
fn rlimit_nproc_child() {
    if std::env::var("FFI_TASKS_FAULT_CHILD").as_deref() != Ok("nproc") {
        return;
    }
    let _serial = setup();
    // SAFETY: plain libc calls with valid arguments.
    unsafe {
        if libc::geteuid() == 0 && (libc::setgid(65534) != 0 || libc::setuid(65534) != 0) {
            println!("NPROC-CHILD-SKIP: cannot drop root privileges");
            return;
        }
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_NPROC, &mut old), 0);
        let lowered = libc::rlimit {
            rlim_cur: 0,
            rlim_max: old.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NPROC, &lowered), 0);

        // The OS refuses the thread: spawn fails cleanly.
        assert!(
            thread::Builder::new().spawn(|| ()).is_err(),
            "limit not in force"
        );
        let h = spawn(&FaultTask::new(Behaviour::Value(9)));
        assert!(h.is_null(), "spawn succeeded under RLIMIT_NPROC = 0");
        let message = expect_error(
            ErrorKind::SpawnFailed,
            &["cannot spawn the task", "no worker thread could be started"],
        );

        // Limit back up: the process is fine and spawns work again.
        assert_eq!(libc::setrlimit(libc::RLIMIT_NPROC, &old), 0);
        assert_pool_works(10);
        println!(
            "NPROC-CHILD-OK: spawn under RLIMIT_NPROC=0 returned NULL, spawn_failed: {message}"
        );
    }
}

// ===== panics in user hooks =====

#[test]
fn panic_in_run_is_reported_as_panicked() {
    let _serial = setup();
    let h = spawn(&FaultTask::new(Behaviour::Panic));
    assert!(!h.is_null());
    // SAFETY: live handle, consumed by wait.
    assert!(unsafe { fault_wait(h) }.is_null());
    expect_error(ErrorKind::Panicked, &["panicked", "run of the task"]);
    assert_pool_works(11);
}

#[test]
fn panic_in_clone_fails_the_spawn_and_starts_nothing() {
    let _serial = setup();
    wait_pool_quiet(Duration::from_secs(60));
    let before = pool_stats();
    let mut task = FaultTask::new(Behaviour::Value(12));
    task.clone_panics = true;
    assert!(spawn(&task).is_null());
    expect_error(ErrorKind::Panicked, &["panicked", "Clone of the task"]);
    let after = pool_stats();
    assert_eq!(
        (after.completed, after.failed, after.queued, after.running),
        (before.completed, before.failed, 0, 0),
        "a task ran although spawn failed"
    );
    assert_pool_works(13);
}

#[test]
fn panic_in_task_drop_is_reported_as_panicked() {
    let _serial = setup();
    let mut task = FaultTask::new(Behaviour::Value(14));
    task.clone_drop_panics = true;
    let drops = OUTPUT_DROPS.load(SeqCst);
    let h = spawn(&task);
    assert!(!h.is_null());
    // The worker drops its clone right after `run`: the panic replaces the
    // value (which is dropped, not leaked).
    // SAFETY: live handle, consumed by wait.
    assert!(unsafe { fault_wait(h) }.is_null());
    expect_error(ErrorKind::Panicked, &["Drop of the task"]);
    assert_eq!(OUTPUT_DROPS.load(SeqCst), drops + 1, "the value leaked");

    // When the task cannot even be started, the unrun clone is dropped by
    // spawn itself: still a clean error.
    wait_no_workers();
    fail_next_thread_spawns(1);
    assert!(spawn(&task).is_null());
    let (kind, message) = last_error();
    assert!(
        matches!(kind, ErrorKind::Panicked | ErrorKind::SpawnFailed),
        "{kind}: {message:?}"
    );
    println!("  {kind}: {}", message.unwrap_or_default());
    assert_pool_works(15);
}

#[test]
fn panic_in_output_drop_is_contained() {
    let _serial = setup();

    // 1. The caller frees the result: result_destroy reports PANICKED.
    let mut task = FaultTask::new(Behaviour::Value(16));
    task.output_drop_panics = true;
    let h = spawn(&task);
    // SAFETY: live handle, consumed by wait.
    let r = unsafe { fault_wait(h) };
    assert!(!r.is_null(), "{:?}", last_error());
    // SAFETY: a valid result, freed once.
    unsafe { fault_result_destroy(r) };
    expect_error(ErrorKind::Panicked, &["Drop of the output 16"]);

    // 2. The handle is destroyed after the task finished, result never
    //    taken: handle_destroy frees it and reports PANICKED.
    let h = spawn(&task);
    let start = Instant::now();
    // SAFETY: live handle (status does not consume it).
    while unsafe { fault_status(h) } == 0 {
        assert!(start.elapsed() < Duration::from_secs(60));
        thread::sleep(Duration::from_millis(1));
    }
    let drops = OUTPUT_DROPS.load(SeqCst);
    // SAFETY: live handle, consumed.
    unsafe { fault_handle_destroy(h) };
    expect_error(ErrorKind::Panicked, &["Drop of the output 16"]);
    assert_eq!(OUTPUT_DROPS.load(SeqCst), drops + 1);

    // 3. The handle is destroyed while the task runs; the task then returns
    //    a value nobody takes. Whichever lets go of it last frees it: the
    //    worker (the panic stays in the worker, which survives) or, if the
    //    task finished between the cancel and the release of the handle,
    //    handle_destroy (which reports PANICKED).
    let mut task = FaultTask::new(Behaviour::BlockThenValue(17));
    task.output_drop_panics = true;
    let drops = OUTPUT_DROPS.load(SeqCst);
    let h = spawn(&task);
    // SAFETY: live handle, consumed (and the task cancelled).
    unsafe { fault_handle_destroy(h) };
    let (kind, message) = last_error();
    match kind {
        ErrorKind::None => println!("  freed by the worker, contained there"),
        ErrorKind::Panicked => {
            assert!(message
                .unwrap_or_default()
                .contains("Drop of the output 17"));
        }
        other => panic!("handle_destroy: {other}"),
    }
    wait_pool_quiet(Duration::from_secs(60));
    assert_eq!(
        OUTPUT_DROPS.load(SeqCst),
        drops + 1,
        "the value was not freed"
    );
    assert_pool_works(18);
}

#[test]
fn panic_in_error_display_is_reported() {
    let _serial = setup();
    let h = spawn(&FaultTask::new(Behaviour::BadError));
    // SAFETY: live handle, consumed by wait.
    assert!(unsafe { fault_wait(h) }.is_null());
    expect_error(
        ErrorKind::Panicked,
        &["formatting an error panicked", "Display of the error"],
    );
    assert_pool_works(19);
}

#[test]
fn panic_in_completion_callback_is_contained() {
    let _serial = setup();
    let ran = Arc::new(AtomicBool::new(false));

    // Registered before completion: runs (and panics) on the worker.
    let handle = TaskHandle::spawn(FaultTask::new(Behaviour::Block));
    {
        let ran = ran.clone();
        handle
            .on_complete(move || {
                ran.store(true, SeqCst);
                panic!("{EXPECTED_PANIC} completion callback on the worker");
            })
            .unwrap();
    }
    handle.cancel();
    let err = handle.wait().unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::Cancelled);
    wait_pool_quiet(Duration::from_secs(60));
    assert!(ran.load(SeqCst));

    // Registered after completion: runs (and panics) inside on_complete,
    // which still succeeds; the result is still there.
    let handle = TaskHandle::spawn(FaultTask::new(Behaviour::Value(20)));
    let start = Instant::now();
    while !handle.status().is_finished() {
        assert!(start.elapsed() < Duration::from_secs(60));
        thread::sleep(Duration::from_millis(1));
    }
    handle
        .on_complete(|| panic!("{EXPECTED_PANIC} completion callback on the caller"))
        .expect("on_complete reports success");
    assert_eq!(handle.wait().unwrap().value, 20);
    assert_pool_works(21);
}

#[test]
fn null_arguments_under_faults_are_still_null_pointer_errors() {
    let _serial = setup();
    fail_next_thread_spawns(1);
    // SAFETY: null is allowed (an error).
    assert!(unsafe { fault_spawn(ptr::null()) }.is_null());
    expect_error(ErrorKind::NullPointer, &["task"]);
    fail_next_thread_spawns(0);
    // SAFETY: null is allowed (an error).
    let rc: c_int = unsafe { fault_status(ptr::null_mut()) };
    assert_eq!(rc, -1);
    expect_error(ErrorKind::NullPointer, &["handle"]);
}
