//! The async driver's poll/wake state machine (`src/async_task/driver.rs`):
//! a wake racing the poll that registers the waker (no lost wake, never two
//! polls at once), two wakes racing it (one job queued at a time), a cancel racing the poll of a future that never wakes,
//! a waker used while and after the task completes, and a job dropped unrun
//! while the task is woken.
//!
//! The executor is a queue the model drains itself: a worker thread runs the
//! first job, and the model's main thread runs whatever jobs are left once
//! the racing threads are done. A task whose wake was lost would be left
//! pending with an empty queue.

use std::{
    collections::VecDeque,
    future::Future,
    pin::Pin,
    sync::Arc as StdArc,
    task::{Context, Poll, Waker},
};

use anyhow::Error;

use super::model;
use crate::{
    async_task::AsyncTask,
    error::ErrorKind,
    executor::{Executor, Job, SpawnError},
    loom::{
        lock,
        sync::{
            atomic::{AtomicBool, AtomicUsize, Ordering},
            Mutex,
        },
        thread,
    },
    task::{CancellationToken, TaskHandle, TaskStatus},
};

/// Jobs queued until the model runs them.
#[derive(Default)]
struct Queue {
    jobs: Mutex<VecDeque<Job>>,
    submitted: AtomicUsize,
}

impl Queue {
    fn pop(&self) -> Option<Job> {
        lock(&self.jobs).pop_front()
    }

    fn drain(&self) {
        while let Some(job) = self.pop() {
            job.run();
        }
    }
}

#[derive(Clone, Default)]
struct Exec(StdArc<Queue>);

impl Exec {
    /// A worker thread that runs the first job (the first poll).
    fn first_poll_on_a_worker(&self) -> loom::thread::JoinHandle<TaskStatus> {
        let queue = self.0.clone();
        thread::Builder::new()
            .spawn(move || queue.pop().expect("the first poll").run())
            .unwrap()
    }
}

impl Executor for Exec {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        self.0.submitted.fetch_add(1, Ordering::SeqCst);
        let mut jobs = lock(&self.0.jobs);
        // The models run one task: its jobs come one at a time.
        assert!(jobs.is_empty(), "a second job of the task was submitted");
        jobs.push_back(job);
        Ok(())
    }
}

/// The state a [`Gated`] future shares with the model.
#[derive(Default)]
struct Shared {
    /// Ready, and the waker of the last poll that found it not ready.
    gate: Mutex<(bool, Option<Waker>)>,
    /// Set while a poll runs: two at once would be a data race on the
    /// future.
    polling: AtomicBool,
    polls: AtomicUsize,
    drops: AtomicUsize,
}

impl Shared {
    /// Opens the gate and wakes the waiting task, as an event source does.
    fn open(&self) {
        let waker = {
            let mut gate = lock(&self.gate);
            gate.0 = true;
            gate.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Ready with 7 once the gate opens; never ready if `never`.
struct Gated {
    shared: StdArc<Shared>,
    never: bool,
}

impl Future for Gated {
    type Output = Result<u64, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let shared = &self.shared;
        assert!(
            !shared.polling.swap(true, Ordering::SeqCst),
            "two polls at once"
        );
        shared.polls.fetch_add(1, Ordering::SeqCst);
        let ready = {
            let mut gate = lock(&shared.gate);
            // The waker is kept even when ready, so that a model can use it
            // after completion.
            gate.1 = Some(cx.waker().clone());
            gate.0 && !self.never
        };
        shared.polling.store(false, Ordering::SeqCst);
        if ready {
            Poll::Ready(Ok(7))
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Gated {
    fn drop(&mut self) {
        self.shared.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Clone)]
struct GatedTask {
    shared: StdArc<Shared>,
    never: bool,
}

impl AsyncTask for GatedTask {
    type Output = u64;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        _: CancellationToken,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'static {
        Gated {
            shared: self.shared.clone(),
            never: self.never,
        }
    }
}

fn spawn(never: bool) -> (Exec, StdArc<Shared>, TaskHandle<u64>) {
    let exec = Exec::default();
    let shared = StdArc::new(Shared::default());
    let task = GatedTask {
        shared: shared.clone(),
        never,
    };
    let handle =
        TaskHandle::spawn_async_with(task, CancellationToken::new(), exec.clone()).unwrap();
    (exec, shared, handle)
}

/// The gate opens (and wakes) while the first poll runs, before it or after
/// it: the future is polled again if it has to be, never twice at once, and
/// the task completes once the queue is drained.
#[test]
fn a_wake_racing_the_poll_is_not_lost() {
    model(&[0], || {
        let (exec, shared, handle) = spawn(false);
        let worker = exec.first_poll_on_a_worker();
        shared.open();
        worker.join().unwrap();
        exec.0.drain();
        let outcome = handle.poll().expect("completed: no wake was lost");
        assert_eq!(outcome.unwrap(), 7);
        assert!(shared.polls.load(Ordering::SeqCst) <= 2);
        assert_eq!(shared.drops.load(Ordering::SeqCst), 1);
    });
}

/// Two wakers race each other and the poll that is about to register
/// them: at most one job is queued at a time (asserted by the queue), the
/// second poll sees the gate open, and nothing is left queued.
#[test]
fn two_wakes_racing_the_poll_queue_one_job() {
    model(&[0], || {
        let (exec, shared, handle) = spawn(false);
        exec.0.pop().expect("the first poll").run();
        let waker = lock(&shared.gate).1.clone().expect("pending");
        lock(&shared.gate).0 = true;
        let other = {
            let waker = waker.clone();
            thread::Builder::new().spawn(move || waker.wake()).unwrap()
        };
        let worker = {
            let queue = exec.0.clone();
            thread::Builder::new()
                .spawn(move || {
                    if let Some(job) = queue.pop() {
                        job.run();
                    }
                })
                .unwrap()
        };
        waker.wake_by_ref();
        other.join().unwrap();
        worker.join().unwrap();
        exec.0.drain();
        assert_eq!(handle.poll().expect("completed").unwrap(), 7);
        assert_eq!(shared.polls.load(Ordering::SeqCst), 2, "one re-poll");
        drop(waker);
        assert!(lock(&exec.0.jobs).is_empty());
    });
}

/// A cancel races the first poll of a future that never wakes: the cancel
/// wakes the task, the next poll drops the future, the task ends cancelled.
#[test]
fn a_cancel_racing_the_poll_drops_a_future_that_never_wakes() {
    model(&[0], || {
        let (exec, shared, handle) = spawn(true);
        let worker = exec.first_poll_on_a_worker();
        handle.cancel();
        worker.join().unwrap();
        exec.0.drain();
        let outcome = handle.poll().expect("ended by the cancel");
        assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::Cancelled);
        assert!(shared.polls.load(Ordering::SeqCst) <= 1);
        // Zero if the cancel came before `run` was ever called.
        assert!(shared.drops.load(Ordering::SeqCst) <= 1);
        assert!(lock(&exec.0.jobs).is_empty());
    });
}

/// A waker used while the task completes and after: no job is submitted
/// once it is done, and the outcome is there once.
#[test]
fn a_waker_used_around_completion_submits_nothing_after_it() {
    model(&[0], || {
        let (exec, shared, handle) = spawn(false);
        // Ready at the first poll, which also leaves its waker behind.
        *lock(&shared.gate) = (true, None);
        let worker = exec.first_poll_on_a_worker();
        let waker = loop {
            if let Some(waker) = lock(&shared.gate).1.clone() {
                break waker;
            }
            loom::thread::yield_now();
        };
        waker.wake_by_ref();
        worker.join().unwrap();
        assert_eq!(handle.status(), TaskStatus::Completed);
        waker.wake();
        assert!(
            lock(&exec.0.jobs).is_empty(),
            "a wake after completion submitted a job"
        );
        assert_eq!(exec.0.submitted.load(Ordering::SeqCst), 1);
        assert_eq!(handle.poll().unwrap().unwrap(), 7);
        assert_eq!(shared.polls.load(Ordering::SeqCst), 1);
    });
}

/// The executor drops the queued poll (a shutdown) while the task is being
/// woken: the task ends `SpawnFailed` (not left waiting) and its future is
/// dropped once.
#[test]
fn a_dropped_job_racing_a_wake_ends_the_task() {
    model(&[0], || {
        let (exec, shared, handle) = spawn(false);
        exec.0.pop().expect("the first poll").run();
        let waker = lock(&shared.gate).1.clone().expect("pending");
        let waking = thread::Builder::new().spawn(move || waker.wake()).unwrap();
        // A shutdown: whatever is queued is dropped unrun.
        let dropped: Vec<Job> = lock(&exec.0.jobs).drain(..).collect();
        drop(dropped);
        waking.join().unwrap();
        let dropped: Vec<Job> = lock(&exec.0.jobs).drain(..).collect();
        drop(dropped);
        let outcome = handle.poll().expect("ended, not left waiting");
        assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::SpawnFailed);
        assert_eq!(shared.drops.load(Ordering::SeqCst), 1);
    });
}
