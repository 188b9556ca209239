//! `fork()` in a process whose pool has workers: the child has none of them
//! (only the forking thread survives), so the pool must not believe it does.
//! In the child the global pool starts afresh and a spawned task runs; a
//! pool the program made itself refuses at once with `SpawnFailed` and says
//! why. Never a silent hang.
//!
//! Each check runs in a real child process that reports through its exit
//! code; the parent gives it a generous deadline and kills it if it hangs.
#![cfg(unix)]

use std::{
    thread,
    time::{Duration, Instant},
};

use anyhow::Error;
use ffi_tasks::{
    error::ErrorKind,
    pool::{PoolConfig, ThreadPool},
    task::{CancellationToken, Task, TaskHandle},
};

const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Clone)]
struct Seven;

impl Task for Seven {
    type Output = u32;
    fn run(&self, _: &CancellationToken) -> Result<u32, Error> {
        Ok(7)
    }
}

/// Blocks until cancelled: keeps a worker busy across the fork.
#[derive(Clone)]
struct Blocked;

impl Task for Blocked {
    type Output = ();
    fn run(&self, tok: &CancellationToken) -> Result<(), Error> {
        while !tok.wait_cancelled(PATIENCE) {}
        Ok(())
    }
}

/// Runs `child` in a forked child process and returns its exit code, or
/// `None` if it had to be killed after `PATIENCE`.
fn in_child(child: impl FnOnce() -> i32) -> Option<i32> {
    // SAFETY: fork() has no preconditions; the child only runs `child` and
    // leaves with `_exit`, never returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(101);
        // SAFETY: ends the child at once, without running the parent's
        // atexit handlers or unwinding into the harness.
        unsafe { libc::_exit(code) };
    }
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mut status = 0;
        // SAFETY: `pid` is our child; `status` is a valid out pointer.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(done >= 0, "waitpid failed");
        if done == pid {
            assert!(libc::WIFEXITED(status), "the child died: status {status}");
            return Some(libc::WEXITSTATUS(status));
        }
        if Instant::now() > deadline {
            // SAFETY: kills and reaps our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn after_fork_the_global_pool_starts_afresh_and_a_private_pool_refuses() {
    // Workers in the parent: one busy across the fork, one idle (or
    // spinning) that the parent's pool would hand the child's task to.
    let busy = TaskHandle::spawn(Blocked);
    let freed = TaskHandle::spawn(Blocked);
    freed.cancel();
    freed.wait().unwrap();
    let private = ThreadPool::new(PoolConfig::default());
    let on_private = TaskHandle::spawn_with(Seven, CancellationToken::new(), &private).unwrap();
    assert_eq!(on_private.wait().unwrap(), 7);

    let code = in_child(|| {
        // The global pool: a fresh one, whose task runs.
        let handle = TaskHandle::spawn(Seven);
        match handle.wait_timeout(Duration::from_secs(10)) {
            Some(Ok(7)) => {}
            Some(other) => {
                eprintln!("child: global spawn gave {other:?}");
                return 1;
            }
            None => {
                eprintln!("child: a task spawned on the global pool never ran");
                return 2;
            }
        }
        // A pool made before the fork: refused at once, saying why.
        match TaskHandle::spawn_with(Seven, CancellationToken::new(), &private) {
            Err(e) if ErrorKind::of(&e) == ErrorKind::SpawnFailed => {
                let message = format!("{e:#}");
                if !message.contains("fork") {
                    eprintln!("child: the refusal does not say why: {message}");
                    return 3;
                }
            }
            Err(e) => {
                eprintln!("child: unexpected error {e:#}");
                return 4;
            }
            Ok(_) => {
                eprintln!("child: a pool whose workers did not survive fork() took a task");
                return 5;
            }
        }
        0
    });
    assert_eq!(code, Some(0), "the child failed or hung (None: killed)");

    busy.cancel();
    busy.wait().unwrap();
    // The parent's pools are untouched.
    assert_eq!(TaskHandle::spawn(Seven).wait().unwrap(), 7);
    let again = TaskHandle::spawn_with(Seven, CancellationToken::new(), &private).unwrap();
    assert_eq!(again.wait().unwrap(), 7);
}
