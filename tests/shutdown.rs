//! Shutdown: a process that ends while tasks are running (blocked until
//! cancelled, spinning on the CPU, printing to stdout, allocating) and queued
//! must exit promptly with its own status: no hang on a worker, no crash in
//! a destructor.
//!
//! Each test re-runs this binary as a child (`FFI_TASKS_SHUTDOWN_CHILD=<mode>`)
//! that fills the pool and then ends in one of three ways: returning from
//! `main` (the test harness's), calling `std::process::exit(0)` from the test
//! body, or destroying every handle (cancelling the tasks) and exiting at
//! once, while workers are still winding down. The parent waits for the child
//! with a generous bound (a hang guard: it kills the child and fails).

mod reliability_support;

use std::{
    io::Write,
    os::raw::c_int,
    sync::atomic::{AtomicU64, Ordering::SeqCst},
    thread,
    time::{Duration, Instant},
};

use anyhow::{anyhow, Error};
use ffi_tasks::{
    c,
    error::ErrorKind,
    task::{CancellationToken, Cancelled, Task, TaskHandle},
};
use reliability_support::{last_error, pool_stats, run_child};

#[derive(Debug, Clone, Copy)]
enum Work {
    /// Sleeps until cancelled.
    Block,
    /// Burns CPU until cancelled.
    Spin,
    /// Prints a line now and then until cancelled.
    Print,
    /// Allocates and frees memory until cancelled.
    Allocate,
}

/// A task that runs until cancelled, in one of several ways.
#[derive(Debug, Clone)]
pub struct Forever(Work);

static SPINS: AtomicU64 = AtomicU64::new(0);

impl Task for Forever {
    type Output = u64;

    fn run(&self, tok: &CancellationToken) -> Result<u64, Error> {
        // Hang guard: a child that never exits is killed by the parent, but
        // a task must not outlive that either.
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            match self.0 {
                Work::Block => {
                    if tok.wait_cancelled(Duration::from_secs(1)) {
                        return Err(Cancelled.into());
                    }
                }
                Work::Spin => {
                    for _ in 0..10_000 {
                        std::hint::spin_loop();
                    }
                    SPINS.fetch_add(1, SeqCst);
                    tok.is_done()?;
                }
                Work::Print => {
                    println!("shutdown child: printing task still running");
                    let _ = std::io::stdout().flush();
                    if tok.wait_cancelled(Duration::from_millis(1)) {
                        return Err(Cancelled.into());
                    }
                }
                Work::Allocate => {
                    let v: Vec<u64> = (0..1024).collect();
                    std::hint::black_box(v);
                    tok.is_done()?;
                }
            }
        }
        Err(anyhow!("never cancelled (hang guard)"))
    }
}

ffi_tasks::export_task! {
    Task: Forever;
    spawn: forever_spawn;
    on_complete: forever_on_complete;
    handle_destroy: forever_handle_destroy;
}

unsafe extern "C" fn note_completion(_: *mut std::ffi::c_void) {
    // Runs on a worker during shutdown (destroy_then_exit): printing must not
    // crash or hang even while the process exits.
    println!("shutdown child: a completion callback ran");
}

const MAX_THREADS: u64 = 4;
const TASKS: usize = 12;

/// The child's body: fills the pool, then ends as `mode` says.
fn child(mode: &str) {
    assert_eq!(c::ffi_tasks_pool_configure(MAX_THREADS, 60_000), 0);
    let works = [Work::Block, Work::Spin, Work::Print, Work::Allocate];
    let mut handles = Vec::new();
    for i in 0..TASKS {
        let task = Forever(works[i % works.len()]);
        // SAFETY: valid task pointer.
        let h = unsafe { forever_spawn(&task) };
        assert!(!h.is_null(), "{:?}", last_error());
        // SAFETY: live handle; the callback may run on any thread.
        let rc: c_int =
            unsafe { forever_on_complete(h, Some(note_completion), std::ptr::null_mut()) };
        assert_eq!(rc, 0);
        handles.push(h);
    }
    // Also a task through the Rust API, whose handle is leaked.
    std::mem::forget(TaskHandle::spawn(Forever(Work::Block)));

    // Wait (hang guard only) until every worker is busy and the rest queued.
    let start = Instant::now();
    loop {
        let s = pool_stats();
        if s.running == MAX_THREADS && s.queued == TASKS as u64 + 1 - MAX_THREADS {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{s:?}");
        thread::sleep(Duration::from_millis(1));
    }
    let s = pool_stats();
    println!(
        "SHUTDOWN-CHILD {mode}: exiting with {} tasks running, {} queued",
        s.running, s.queued
    );
    let _ = std::io::stdout().flush();
    match mode {
        // The test returns; the harness's `main` returns and the process
        // exits with tasks still running (handles never destroyed).
        "return" => {}
        "exit" => std::process::exit(0),
        "destroy_then_exit" => {
            for h in handles {
                // SAFETY: live handle, consumed.
                unsafe { forever_handle_destroy(h) };
                assert_eq!(last_error().0, ErrorKind::None);
            }
            std::process::exit(0);
        }
        other => panic!("unknown mode {other}"),
    }
}

/// Runs the child in `mode` and checks it exited promptly and cleanly.
fn parent(mode: &str) {
    let run = run_child(
        "shutdown_child",
        &[("FFI_TASKS_SHUTDOWN_CHILD", mode)],
        Duration::from_secs(60),
    );
    assert!(
        run.status.success(),
        "child `{mode}` ended with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        run.status,
        run.stdout,
        run.stderr
    );
    let marker = run
        .stdout
        .lines()
        .find(|l| l.starts_with("SHUTDOWN-CHILD"))
        .unwrap_or_else(|| panic!("child `{mode}` never got to exit:\n{}", run.stdout));
    println!("{marker}: exit status {:?}", run.status);
    if mode == "return" {
        assert!(run.stdout.contains("test result: ok"), "{}", run.stdout);
    }
}

#[test]
fn shutdown_child() {
    if let Ok(mode) = std::env::var("FFI_TASKS_SHUTDOWN_CHILD") {
        child(&mode);
    }
}

#[test]
fn returning_from_main_with_running_and_queued_tasks_exits_cleanly() {
    parent("return");
}

#[test]
fn process_exit_with_running_and_queued_tasks_exits_cleanly() {
    parent("exit");
}

#[test]
fn exit_right_after_destroying_every_handle_exits_cleanly() {
    parent("destroy_then_exit");
}
