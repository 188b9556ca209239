//! The pool's hand-offs, run on the real pool with loom's threads: a job
//! claimed by a returning or a spinning worker, growth by the monitor, the
//! keep-alive exit, and user code run by a worker after it published an
//! outcome.

use std::time::Duration;

use super::{model, task};
use crate::{
    loom::{
        lock,
        model::set_cores,
        sync::{Arc, Condvar, Mutex},
    },
    pool::{PoolConfig, ThreadPool},
    task::{CancellationToken, TaskHandle},
};

fn pool(max_threads: usize) -> Arc<ThreadPool> {
    Arc::new(ThreadPool::new(PoolConfig {
        max_threads,
        keep_alive: Duration::from_secs(10),
        ..PoolConfig::default()
    }))
}

/// A latch the model's threads block on without a timeout.
#[derive(Clone)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn new() -> Gate {
        Gate(Arc::new((Mutex::new(false), Condvar::new())))
    }

    fn open(&self) {
        *lock(&self.0 .0) = true;
        self.0 .1.notify_all();
    }

    fn wait(&self) {
        let mut open = lock(&self.0 .0);
        while !*open {
            open = self.0 .1.wait(open).unwrap();
        }
    }
}

fn spawn<T: Send + Sync + 'static>(
    pool: &ThreadPool,
    f: impl Fn(&CancellationToken) -> anyhow::Result<T> + Send + Sync + 'static,
) -> TaskHandle<T> {
    TaskHandle::spawn_with(task(f), CancellationToken::new(), pool).unwrap()
}

/// Back-to-back tasks on one core (no spinning): the second is spawned as
/// soon as the first one's outcome is in, possibly while its worker counts
/// as returning; it is claimed by that worker or handed to another, and
/// both complete whether or not the idle worker's keep-alive runs out.
#[test]
fn a_job_spawned_while_the_worker_returns_runs() {
    model(&[0, 1], || {
        set_cores(1);
        let pool = pool(2);
        assert_eq!(spawn(&pool, |_| Ok(1)).wait().unwrap(), 1);
        assert_eq!(spawn(&pool, |_| Ok(2)).wait().unwrap(), 2);
        assert!(pool.stats().peak_threads <= 2);
    });
}

/// Two cores: a worker whose queue ran dry spins, and a job spawned then is
/// claimed by it (or by the returning worker, or an idle one).
#[test]
fn a_job_spawned_while_the_worker_spins_runs() {
    model(&[0], || {
        set_cores(2);
        let pool = pool(2);
        assert_eq!(spawn(&pool, |_| Ok(1)).wait().unwrap(), 1);
        let second = spawn(&pool, |_| Ok(2));
        assert_eq!(second.wait().unwrap(), 2);
    });
}

/// Jobs that are not started at once wait for the monitor: when one has
/// waited a whole stall period (its 10 ms wait times out) and no job
/// finished, it starts a worker for it, though every other worker is
/// blocked. With no cores in the model, no worker starts eagerly, so both
/// jobs go through the monitor (one stall each) in four threads.
#[test]
fn the_monitor_starts_a_worker_when_every_worker_is_blocked() {
    model(&[2], || {
        set_cores(0);
        let pool = pool(2);
        let gate = Gate::new();
        let blocked = {
            let gate = gate.clone();
            spawn(&pool, move |_| {
                gate.wait();
                Ok(())
            })
        };
        assert_eq!(spawn(&pool, |_| Ok(3)).wait().unwrap(), 3);
        assert_eq!(pool.stats().peak_threads, 2);
        gate.open();
        blocked.wait().unwrap();
    });
}

/// An idle worker's keep-alive runs out (or not) around a new spawn: the
/// worker exits only with an empty queue, and the new job runs, on it or on
/// a new worker.
#[test]
fn a_job_spawned_around_a_keep_alive_exit_runs() {
    model(&[0, 1], || {
        set_cores(1);
        let pool = pool(2);
        spawn(&pool, |_| Ok(())).wait().unwrap();
        assert_eq!(spawn(&pool, |_| Ok(2)).wait().unwrap(), 2);
    });
}

/// An output whose `Drop` spawns a task on the same pool and waits for it.
struct SpawnsOnDrop {
    pool: Arc<ThreadPool>,
    done: Gate,
}

impl Drop for SpawnsOnDrop {
    fn drop(&mut self) {
        assert_eq!(spawn(&self.pool, |_| Ok(5)).wait().unwrap(), 5);
        self.done.open();
    }
}

/// User code run on a worker after it published an outcome must not be able
/// to deadlock the pool: the handle is dropped while the task completes, so
/// the never-taken output may be dropped on the worker, and its `Drop` spawns
/// a task on the same pool and waits for it.
#[test]
fn an_output_dropped_on_the_worker_can_wait_for_a_new_task() {
    model(&[0], || {
        set_cores(1);
        let pool = pool(2);
        let done = Gate::new();
        let handle = {
            let (pool2, done) = (pool.clone(), done.clone());
            spawn(&pool, move |_| {
                Ok(SpawnsOnDrop {
                    pool: pool2.clone(),
                    done: done.clone(),
                })
            })
        };
        drop(handle);
        done.wait();
    });
}
