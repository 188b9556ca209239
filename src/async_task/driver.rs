//! The built-in driver: an async task's future is polled by jobs on an
//! [`Executor`] (the pool, by default), one job per poll, and a wake submits
//! the next job. While the future is pending no job exists and no thread is
//! held.
//!
//! ```text
//!              wake                     job starts
//!   Idle ───────────────▶ Scheduled ───────────────▶ Running
//!    ▲                       ▲  (job dropped unrun:     │ │ │
//!    │     Pending           │   Done, SpawnFailed)     │ │ │ Ready
//!    └───────────────────────┼──────────────────────────┘ │ └──────▶ Done
//!                            │   Pending, woken           │           (wakes
//!                            └── while running ◀── wake ──┘            ignored)
//!                                (Running|Notified)
//! ```
//!
//! * One job at a time: only the wake that moves `Idle` to `Scheduled`
//!   submits one, so the future is never polled by two threads at once
//!   (the slot's mutex is never contended; it stands in for the exclusive
//!   access the state gives, without `unsafe`).
//! * No lost wake: a wake during a poll sets `Notified`, and the poll that
//!   ends `Pending` then submits the next job itself (one re-poll, however
//!   many wakes came in).
//! * Wakes after `Done` do nothing; a waker may outlive the task.
//! * A job that an executor drops without running it (refused, or discarded
//!   on shutdown) ends the task with a `SpawnFailed` error instead of
//!   leaving its handle waiting forever; so does an executor that panics in
//!   `execute` when a wake re-submits (the panic goes no further: not into
//!   the waker's caller, not out of `Job::run`).
//!
//! Model-checked with loom: `src/loom/models/async_task.rs`.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc as StdArc,
    task::{Context, Poll, Wake, Waker},
};

use super::{supervised::Supervised, AsyncTask};
use crate::{
    executor::{Executor, Job, SharedJob, SpawnError},
    global::global_executor,
    loom::{
        lock,
        sync::{
            atomic::{AtomicUsize, Ordering},
            Mutex,
        },
    },
    status::TaskStatus,
    task::CompleteOnDrop,
    unwind::catch,
};

/// No job exists; the future waits for a wake.
const IDLE: usize = 0;
/// A job is submitted (or being submitted) and has not started.
const SCHEDULED: usize = 1;
/// A job polls the future.
const RUNNING: usize = 2;
/// Flag on `RUNNING`: woken during the poll.
const NOTIFIED: usize = 4;
/// The task ended; nothing is polled again.
const DONE: usize = 8;

/// Where the jobs of a task go.
pub(crate) enum Exec {
    /// The process-wide executor, looked up for every job (a child of
    /// `fork()` gets its own pool).
    Global,
    Custom(Box<dyn Executor>),
}

impl Exec {
    fn get(&self) -> &dyn Executor {
        match self {
            Exec::Global => global_executor(),
            Exec::Custom(executor) => executor.as_ref(),
        }
    }
}

/// One async task on the built-in driver. Its wakers are `Arc`s of it.
pub(crate) struct Core<K: AsyncTask> {
    state: AtomicUsize,
    slot: Mutex<Option<Slot<K>>>,
    executor: Exec,
}

struct Slot<K: AsyncTask> {
    future: Supervised<K>,
    done: CompleteOnDrop<K::Output>,
}

impl<K: AsyncTask + 'static> Core<K> {
    /// A task about to be submitted for its first poll (state `Scheduled`).
    pub(crate) fn new(
        future: Supervised<K>,
        done: CompleteOnDrop<K::Output>,
        executor: Exec,
    ) -> StdArc<Self> {
        StdArc::new(Core {
            state: AtomicUsize::new(SCHEDULED),
            slot: Mutex::new(Some(Slot { future, done })),
            executor,
        })
    }

    /// Submits a job that polls the future once. On error the job was
    /// dropped unrun, which ended the task with a `SpawnFailed` error.
    pub(crate) fn submit(self: &StdArc<Self>) -> Result<(), SpawnError> {
        // The job is this task itself: no allocation per poll.
        let job = Job::shared(self.clone());
        self.executor.get().execute(job)
    }

    /// [`Core::submit`] from a wake or the end of a poll, where nothing can
    /// be reported: the executor's panic is contained (the job it was given
    /// is dropped in the unwind, which ends the task `SpawnFailed`), so it
    /// never reaches a waker's caller or unwinds out of `Job::run`.
    fn resubmit(self: &StdArc<Self>) {
        let _ = catch(|| self.submit());
    }

    fn run(self: &StdArc<Self>) -> TaskStatus {
        if self
            .state
            .compare_exchange(SCHEDULED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return TaskStatus::Running; // not scheduled: nothing to do
        }
        let waker = Waker::from(self.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slot = lock(&self.slot);
        let polled = match slot.as_mut() {
            Some(Slot { future, .. }) => Pin::new(future).poll(&mut cx),
            None => Poll::Pending,
        };
        match polled {
            Poll::Ready(outcome) => {
                self.state.store(DONE, Ordering::Release);
                let Slot { future, mut done } = slot.take().expect("polled above");
                drop(slot);
                // Finished: nothing of the user's is left in it.
                drop(future);
                drop(waker);
                // Only the global executor's worker may count itself free
                // early: dropping this job's reference may drop a custom
                // executor (user code) after the outcome is published.
                match self.executor {
                    Exec::Global => done.complete(outcome),
                    Exec::Custom(_) => done.complete_quietly(outcome),
                }
            }
            Poll::Pending => {
                // Unlocked before the state leaves `Running`: the next job
                // may start on another thread (or inline) right after.
                drop(slot);
                drop(waker);
                self.after_pending();
                TaskStatus::Running
            }
        }
    }

    /// `Running` → `Idle`, or, when woken during the poll, submits the
    /// next job.
    fn after_pending(self: &StdArc<Self>) {
        self.advance(|current| match current {
            RUNNING => Some(IDLE),
            c if c == RUNNING | NOTIFIED => Some(SCHEDULED),
            _ => None, // ended meanwhile: no one else moves `Running`
        });
    }

    /// The scheduled job was dropped unrun: the task ends with the
    /// `SpawnFailed` error of its dropped completion.
    fn abort(&self) {
        self.state.store(DONE, Ordering::Release);
        let slot = lock(&self.slot).take();
        // Outside the lock: the future's `Drop` (contained) and the
        // completion callback are user code.
        drop(slot);
    }

    fn schedule(self: &StdArc<Self>) {
        self.advance(|current| match current {
            IDLE => Some(SCHEDULED),
            RUNNING => Some(RUNNING | NOTIFIED),
            _ => None, // already scheduled or notified, or done
        });
    }

    /// Moves the state from what it is to `next_of(it)`, again on each lost
    /// race, or leaves it where `next_of` gives `None`; a move to `Scheduled`
    /// submits the next job.
    fn advance(self: &StdArc<Self>, next_of: impl Fn(usize) -> Option<usize>) {
        let mut current = self.state.load(Ordering::Acquire);
        while let Some(next) = next_of(current) {
            match self
                .state
                .compare_exchange(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if next == SCHEDULED {
                        self.resubmit();
                    }
                    return;
                }
                Err(actual) => current = actual,
            }
        }
    }
}

impl<K: AsyncTask + 'static> Wake for Core<K> {
    fn wake(self: StdArc<Self>) {
        self.schedule();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.schedule();
    }
}

/// The task's one submitted job: run, it polls; dropped unrun, it ends the
/// task.
impl<K: AsyncTask + 'static> SharedJob for Core<K> {
    fn run(self: StdArc<Self>) -> TaskStatus {
        Core::run(&self)
    }

    fn abandon(self: StdArc<Self>) {
        self.abort();
    }
}
