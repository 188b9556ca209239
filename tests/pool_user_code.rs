//! User code that runs on a pool worker must never be able to deadlock the
//! pool. The case that did: a task's output whose `Drop` spawns a task on the
//! same pool and waits for it, with the handle cancelled and dropped just as
//! the task finishes, so that the never-taken output is dropped by the worker
//! itself, right after it published the outcome.
//!
//! The race is narrow, so the scenario is repeated up to a bound; a hang is a
//! failure (the inner wait is bounded by a generous timeout, reported back
//! over a channel), never a hung test. The loom model of the same scenario is
//! `loom::models::pool::an_output_dropped_on_the_worker_can_wait_for_a_new_task`
//! (`bash scripts/loom.sh`).

mod core_support;

use std::sync::{mpsc, Arc};

use anyhow::Error;
use core_support::PATIENCE;
use ffi_tasks::{
    pool::{PoolConfig, ThreadPool},
    task::{CancellationToken, Task, TaskHandle, TaskStatus},
};

/// How often the scenario is tried; the hang showed within a few hundred.
const TRIES: usize = 10_000;

/// An output whose `Drop` spawns a task on `pool` and waits for it, then
/// reports whether that task ran.
struct WaitsOnDrop {
    pool: Arc<ThreadPool>,
    report: mpsc::Sender<bool>,
}

impl Drop for WaitsOnDrop {
    fn drop(&mut self) {
        let inner = TaskHandle::spawn_with(Quick, CancellationToken::new(), &*self.pool)
            .expect("the pool takes the task");
        let ran = matches!(inner.wait_timeout(PATIENCE), Some(Ok(5)));
        let _ = self.report.send(ran);
    }
}

#[derive(Clone)]
struct Quick;

impl Task for Quick {
    type Output = u32;
    fn run(&self, _: &CancellationToken) -> Result<u32, Error> {
        Ok(5)
    }
}

#[derive(Clone)]
struct MakesWaitsOnDrop {
    pool: Arc<ThreadPool>,
    report: mpsc::Sender<bool>,
}

impl Task for MakesWaitsOnDrop {
    type Output = WaitsOnDrop;
    fn run(&self, _: &CancellationToken) -> Result<WaitsOnDrop, Error> {
        Ok(WaitsOnDrop {
            pool: self.pool.clone(),
            report: self.report.clone(),
        })
    }
}

#[test]
fn an_output_whose_drop_waits_on_the_pool_never_hangs_it() {
    let pool = Arc::new(ThreadPool::new(PoolConfig {
        keep_alive: PATIENCE,
        ..PoolConfig::default()
    }));
    let (report, reports) = mpsc::channel();
    let task = MakesWaitsOnDrop {
        pool: pool.clone(),
        report,
    };
    for i in 0..TRIES {
        let handle =
            TaskHandle::spawn_with(task.clone(), CancellationToken::new(), &*pool).unwrap();
        handle.cancel();
        while handle.status() == TaskStatus::Running {
            std::hint::spin_loop();
        }
        // Dropped as soon as the status leaves running: the output is then
        // dropped here or, if the worker still holds the slot, on the worker.
        drop(handle);
        let ran = reports
            .recv_timeout(PATIENCE * 2)
            .expect("the output's Drop finished");
        assert!(
            ran,
            "try {i}: a task spawned by an output's Drop never ran (the pool hung)"
        );
    }
}

/// Runs every job at once, on the calling thread.
struct Inline;

impl ffi_tasks::executor::Executor for Inline {
    fn execute(
        &self,
        job: ffi_tasks::executor::Job,
    ) -> Result<(), ffi_tasks::executor::SpawnError> {
        job.run();
        Ok(())
    }
}

/// Runs a task inline (on the worker running this one), then spawns a task
/// on `pool` and waits for it: whether that task ran.
#[derive(Clone)]
struct NestsThenWaits {
    pool: Arc<ThreadPool>,
}

impl Task for NestsThenWaits {
    type Output = bool;
    fn run(&self, _: &CancellationToken) -> Result<bool, Error> {
        let nested = TaskHandle::spawn_with(Quick, CancellationToken::new(), &Inline)?;
        assert_eq!(nested.wait()?, 5);
        let after = TaskHandle::spawn_with(Quick, CancellationToken::new(), &*self.pool)?;
        Ok(matches!(after.wait_timeout(PATIENCE), Some(Ok(5))))
    }
}

/// A job run inside another job on a worker (an inline executor called from
/// user code) publishes its outcome there too; that must not make the pool
/// count the worker as free while the outer task still runs, or a task the
/// outer one then spawns and waits for is handed to the busy worker itself.
#[test]
fn a_job_run_inside_a_task_does_not_free_its_worker() {
    let pool = Arc::new(ThreadPool::new(PoolConfig {
        keep_alive: PATIENCE,
        ..PoolConfig::default()
    }));
    let task = NestsThenWaits { pool: pool.clone() };
    for i in 0..20 {
        let outer = TaskHandle::spawn_with(task.clone(), CancellationToken::new(), &*pool).unwrap();
        assert!(
            outer.wait().unwrap(),
            "try {i}: the task spawned after a nested job never ran"
        );
    }
}
