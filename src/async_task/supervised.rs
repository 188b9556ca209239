//! [`Supervised`]: an async task's future as the library runs it. It starts
//! the task on its first poll, drops the future once the token is cancelled,
//! turns panics into a `Panicked` outcome and makes a cancel wake the task.
//! Both drivers poll it: the built-in one (`super::driver`) and tokio's
//! scheduler (`super::on_tokio`).

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use anyhow::Error;

use super::AsyncTask;
use crate::{
    cancel::{CancellationToken, Cancelled},
    completion::Outcome,
    unwind::{catch, drop_contained, DropContained},
};

type BoxFuture<T> = Pin<Box<dyn Future<Output = Outcome<T>> + Send + 'static>>;

pub(crate) struct Supervised<K: AsyncTask> {
    stage: Stage<K>,
    token: CancellationToken,
    /// The task's waker in the token's list: a cancel wakes the task even
    /// when its future waits on nothing that will ever wake it.
    key: Option<usize>,
}

enum Stage<K: AsyncTask> {
    /// Not polled yet: `run` is called on the first poll, on the driver.
    Start(DropContained<K>),
    Polling(BoxFuture<K::Output>),
    Done,
}

// Never pinned in place: the future is boxed and the task is only borrowed.
impl<K: AsyncTask> Unpin for Supervised<K> {}

impl<K: AsyncTask> Supervised<K> {
    pub(crate) fn new(task: K, token: CancellationToken) -> Self {
        Supervised {
            stage: Stage::Start(DropContained::new(task)),
            token,
            key: None,
        }
    }

    /// Ends the task with `outcome`: the future (or the unstarted task) is
    /// dropped here, its panic contained.
    fn finish(&mut self, outcome: Outcome<K::Output>) -> Poll<Outcome<K::Output>> {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        let dropped = drop_contained(stage);
        if let Some(key) = self.key.take() {
            self.token.unregister_waker(key);
        }
        Poll::Ready(match (outcome, dropped) {
            (outcome, Ok(())) => outcome,
            (Err(error), Err(_)) => Err(error),
            (Ok(value), Err(panic)) => {
                // The output is discarded; its own `Drop` may panic.
                let _ = drop_contained(value);
                Err(Error::new(panic).context("dropping the future panicked"))
            }
        })
    }
}

impl<K: AsyncTask> Future for Supervised<K> {
    type Output = Outcome<K::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if matches!(this.stage, Stage::Done) {
            return Poll::Pending; // polled after completion: nothing left
        }
        if this.token.cancelled() {
            return this.finish(Err(Cancelled.into()));
        }
        if let Stage::Start(_) = this.stage {
            let Stage::Start(task) = std::mem::replace(&mut this.stage, Stage::Done) else {
                unreachable!("matched above")
            };
            let token = this.token.clone();
            let started = catch(|| -> BoxFuture<K::Output> { Box::pin(task.run(token)) });
            // The future is `'static`: the task is dropped now, on its own,
            // outside the unwind of a panicking `run`.
            let dropped = drop_contained(task.into_inner());
            match (started, dropped) {
                (Err(panic), _) => return this.finish(Err(panic.into())),
                (Ok(future), Ok(())) => this.stage = Stage::Polling(future),
                (Ok(future), Err(panic)) => {
                    let _ = drop_contained(future);
                    let error = Error::new(panic).context("dropping the task panicked");
                    return this.finish(Err(error));
                }
            }
        }
        let Stage::Polling(future) = &mut this.stage else {
            unreachable!("started above")
        };
        match catch(|| future.as_mut().poll(cx)) {
            // Registered only when the future waits (a future ready at its
            // first poll never touches the token's list), and before the
            // task sleeps: a cancel that came during the poll is seen here,
            // a later one wakes this waker.
            Ok(Poll::Pending) => match this.token.register_waker(this.key, cx.waker()) {
                Some(key) => {
                    this.key = Some(key);
                    Poll::Pending
                }
                None => {
                    this.key = None; // the cancel took the list
                    this.finish(Err(Cancelled.into()))
                }
            },
            Ok(Poll::Ready(outcome)) => this.finish(outcome),
            Err(panic) => this.finish(Err(panic.into())),
        }
    }
}

impl<K: AsyncTask> Drop for Supervised<K> {
    fn drop(&mut self) {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        let _ = drop_contained(stage);
        if let Some(key) = self.key.take() {
            self.token.unregister_waker(key);
        }
    }
}
