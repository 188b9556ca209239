//! [`WhenCancelled`]: the future that [`CancellationToken::when_cancelled`]
//! returns.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use super::CancellationToken;

/// A future that completes once its token is cancelled. It owns a clone of
/// the token, so it is `'static` and can be moved into a spawned task.
///
/// Dropping it before it completes forgets its waker: a pending
/// `WhenCancelled` never keeps a task alive.
#[must_use = "futures do nothing unless polled"]
pub struct WhenCancelled {
    token: CancellationToken,
    /// Where this future's waker sits in the token's list, once registered.
    key: Option<usize>,
}

impl WhenCancelled {
    pub(super) fn new(token: CancellationToken) -> WhenCancelled {
        WhenCancelled { token, key: None }
    }
}

impl Future for WhenCancelled {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match this.token.register_waker(this.key, cx.waker()) {
            Some(key) => {
                this.key = Some(key);
                Poll::Pending
            }
            None => {
                this.key = None;
                Poll::Ready(())
            }
        }
    }
}

impl Drop for WhenCancelled {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.token.unregister_waker(key);
        }
    }
}

impl fmt::Debug for WhenCancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WhenCancelled")
            .field("cancelled", &self.token.cancelled())
            .finish()
    }
}
