//! A user executor installed process-wide with `set_global_executor`: every
//! spawn, from C and from Rust, goes to it. Its own test binary with a
//! single test (process-global state).
//!
//! The executor here runs each job inline, on the spawning thread, which also
//! makes one otherwise racy case deterministic: by the time `spawn` returns,
//! the worker side has let go of the task, so `handle_destroy` is the one that
//! drops an untaken output, and must report its panicking `Drop`.

mod core_support;

use std::{
    os::raw::c_int,
    sync::atomic::{AtomicUsize, Ordering},
    thread::{self, ThreadId},
};

use anyhow::Error;
use core_support::{assert_error, assert_no_error};
use ffi_tasks::{
    c::{self, PoolStats},
    error::ErrorKind,
    executor::{ConfigError, Executor, Job, SpawnError},
    global::{configure_global_pool, global_executor, global_pool, set_global_executor},
    pool::PoolConfig,
    task::{CancellationToken, Task, TaskHandle, TaskStatus},
};

static JOBS: AtomicUsize = AtomicUsize::new(0);

/// Runs every job at once on the calling thread, and counts them.
struct Inline;

impl Executor for Inline {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        JOBS.fetch_add(1, Ordering::SeqCst);
        job.run();
        Ok(())
    }
}

/// Returns the id of the thread it ran on.
#[derive(Clone)]
pub struct WhereAmI;

impl Task for WhereAmI {
    type Output = ThreadId;
    fn run(&self, _: &CancellationToken) -> Result<ThreadId, Error> {
        Ok(thread::current().id())
    }
}

ffi_tasks::export_task! {
    Task: WhereAmI;
    spawn: where_spawn;
    wait: where_wait;
    status: where_status;
    result_destroy: where_result_destroy;
}

/// An output whose `Drop` panics.
pub struct Loud(pub u8);

impl Drop for Loud {
    fn drop(&mut self) {
        panic!("Loud({}) exploded when dropped", self.0);
    }
}

/// Returns a [`Loud`].
#[derive(Clone)]
pub struct MakeLoud;

impl Task for MakeLoud {
    type Output = Loud;
    fn run(&self, _: &CancellationToken) -> Result<Loud, Error> {
        Ok(Loud(3))
    }
}

ffi_tasks::export_task! {
    Task: MakeLoud;
    spawn: loud_spawn;
    status: loud_status;
    handle_destroy: loud_handle_destroy;
}

#[test]
fn every_spawn_goes_to_the_installed_executor() {
    set_global_executor(Box::new(Inline)).expect("installed before any spawn");
    assert_eq!(
        set_global_executor(Box::new(Inline)).unwrap_err(),
        ConfigError::AlreadyInitialized
    );
    assert_eq!(
        configure_global_pool(PoolConfig::default()),
        Err(ConfigError::AlreadyInitialized)
    );
    assert!(global_pool().is_none());
    let mut stats = PoolStats::default();
    assert_eq!(unsafe { c::ffi_tasks_pool_stats(&mut stats) }, -1);
    assert_error(ErrorKind::InvalidArgument, "custom global executor");
    assert_eq!(c::ffi_tasks_pool_configure(4, 1000), -1);
    assert_error(ErrorKind::InvalidArgument, "already in use");

    // From C.
    let me = thread::current().id();
    unsafe {
        let h = where_spawn(&WhereAmI);
        assert_eq!(where_status(h), TaskStatus::Completed as c_int);
        let r = where_wait(h);
        assert_no_error();
        assert_eq!(*r, me, "ran inline on this thread");
        where_result_destroy(r);
    }
    assert_eq!(JOBS.load(Ordering::SeqCst), 1);

    // From Rust.
    assert_eq!(TaskHandle::spawn(WhereAmI).wait().unwrap(), me);
    assert_eq!(TaskHandle::try_spawn(WhereAmI).unwrap().wait().unwrap(), me);
    assert!(global_executor().execute(dummy_job()).is_ok());
    assert_eq!(JOBS.load(Ordering::SeqCst), 4);

    // A never-taken output whose Drop panics: handle_destroy drops it and
    // reports the panic instead of unwinding into C.
    unsafe {
        let h = loud_spawn(&MakeLoud);
        assert_eq!(loud_status(h), TaskStatus::Completed as c_int);
        loud_handle_destroy(h);
        assert_error(ErrorKind::Panicked, "Loud(3) exploded when dropped");
    }
}

/// A job from a task whose handle is dropped at once.
fn dummy_job() -> Job {
    struct Capture(std::sync::Mutex<Option<Job>>);
    impl Executor for Capture {
        fn execute(&self, job: Job) -> Result<(), SpawnError> {
            *self.0.lock().unwrap() = Some(job);
            Ok(())
        }
    }
    let capture = Capture(std::sync::Mutex::new(None));
    drop(TaskHandle::spawn_with(WhereAmI, CancellationToken::new(), &capture).unwrap());
    let job = capture.0.lock().unwrap().take().unwrap();
    job
}
