//! `ffi_tasks::panic::quiet_task_panics` (and `ffi_tasks_quiet_task_panics`):
//! a panic that the library catches prints nothing once it is installed, an
//! ordinary panic on a thread of the application still prints, and without
//! it both print (the default).
//!
//! The panic hook is process-wide, so each case runs in a child process: this
//! test binary itself, started with a filter that selects only [`child`] and
//! an environment variable that says what to install. The parent reads the
//! child's standard error.

use std::{env, process::Command, thread};

use anyhow::Error;
use ffi_tasks::{
    c,
    error::ErrorKind,
    error_handling::last_error_kind,
    task::{CancellationToken, Task, TaskHandle},
};

/// Set in the child: `quiet` (the Rust function), `quiet_c` (the C one) or
/// `default` (nothing installed).
const MODE: &str = "FFI_TASKS_QUIET_PANICS_MODE";

const RUN_PANIC: &str = "panic-in-run-7f3a";
const CLONE_PANIC: &str = "panic-in-clone-7f3a";
const THREAD_PANIC: &str = "panic-on-an-application-thread-7f3a";

/// Panics in `run`, or (once it is a clone) in `clone` too.
pub struct Boom {
    in_clone: bool,
}

impl Clone for Boom {
    fn clone(&self) -> Boom {
        if self.in_clone {
            panic!("{CLONE_PANIC}");
        }
        Boom { in_clone: false }
    }
}

impl Task for Boom {
    type Output = ();
    fn run(&self, _: &CancellationToken) -> Result<(), Error> {
        panic!("{RUN_PANIC}");
    }
}

ffi_tasks::export_task! {
    Task: Boom;
    spawn: boom_spawn;
}

/// The child's body: does nothing unless [`MODE`] is set.
#[test]
fn child() {
    let Ok(mode) = env::var(MODE) else {
        return;
    };
    for _ in 0..2 {
        match mode.as_str() {
            "quiet" => ffi_tasks::panic::quiet_task_panics(),
            "quiet_c" => c::ffi_tasks_quiet_task_panics(),
            "default" => {}
            other => panic!("unknown mode {other}"),
        }
    }

    // Caught on a worker (the task's `run`).
    let error = TaskHandle::spawn(Boom { in_clone: false })
        .wait()
        .unwrap_err();
    assert_eq!(ErrorKind::of(&error), ErrorKind::Panicked);
    assert!(error.to_string().contains(RUN_PANIC), "{error:#}");

    // Caught on this thread, at the C boundary (the task's `Clone`).
    // SAFETY: a valid task.
    let handle = unsafe { boom_spawn(&Boom { in_clone: true }) };
    assert!(handle.is_null());
    assert_eq!(last_error_kind(), ErrorKind::Panicked);

    // Not caught by the library: a thread of the application.
    let joined = thread::spawn(|| panic!("{THREAD_PANIC}")).join();
    assert!(joined.is_err());
}

/// Runs [`child`] in a new process with `mode`; returns its standard error.
fn run_child(mode: &str) -> String {
    let output = Command::new(env::current_exe().expect("the test binary"))
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(MODE, mode)
        .output()
        .expect("the child process starts");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "the child failed; stdout:\n{}\nstderr:\n{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "the filter selects the child"
    );
    stderr
}

#[test]
#[cfg_attr(miri, ignore)]
fn by_default_every_panic_prints() {
    let stderr = run_child("default");
    assert!(stderr.contains(RUN_PANIC), "{stderr}");
    assert!(stderr.contains(CLONE_PANIC), "{stderr}");
    assert!(stderr.contains(THREAD_PANIC), "{stderr}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn quiet_task_panics_silences_caught_panics_only() {
    let stderr = run_child("quiet");
    assert!(!stderr.contains(RUN_PANIC), "{stderr}");
    assert!(!stderr.contains(CLONE_PANIC), "{stderr}");
    assert!(stderr.contains(THREAD_PANIC), "{stderr}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_c_function_does_the_same() {
    let stderr = run_child("quiet_c");
    assert!(!stderr.contains(RUN_PANIC), "{stderr}");
    assert!(!stderr.contains(CLONE_PANIC), "{stderr}");
    assert!(stderr.contains(THREAD_PANIC), "{stderr}");
}
