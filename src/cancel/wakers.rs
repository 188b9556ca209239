//! The wakers to wake when a token is cancelled: the
//! [`WhenCancelled`](super::WhenCancelled) futures waiting on it and the async
//! tasks running under it (`crate::async_task`), so that a cancel reaches a
//! future that is not being polled.
//!
//! A slab: a registration is an index, removed in O(1), so many futures
//! waiting on one token cost no search. After the token is cancelled the list
//! is taken and every later registration is refused (the caller sees the
//! cancellation instead), so nothing registered is ever left unwoken.

use std::task::Waker;

/// The registered wakers of one token.
#[derive(Default)]
pub(crate) struct Wakers {
    slots: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl Wakers {
    /// Stores `waker` (or replaces the one at `key`) and returns its key.
    pub(crate) fn set(&mut self, key: Option<usize>, waker: &Waker) -> usize {
        if let Some(slot) = key.and_then(|key| self.slots.get_mut(key)) {
            match slot {
                Some(old) if old.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
            return key.expect("found by key");
        }
        match self.free.pop() {
            Some(key) => {
                self.slots[key] = Some(waker.clone());
                key
            }
            None => {
                self.slots.push(Some(waker.clone()));
                self.slots.len() - 1
            }
        }
    }

    /// Forgets the waker at `key`; returns it, for the caller to drop
    /// outside the lock (its `Drop` may be user code).
    pub(crate) fn remove(&mut self, key: usize) -> Option<Waker> {
        let waker = self.slots.get_mut(key)?.take()?;
        if key + 1 == self.slots.len() {
            self.slots.pop();
        } else {
            self.free.push(key);
        }
        Some(waker)
    }

    /// Every registered waker, leaving the list empty.
    pub(crate) fn take_all(&mut self) -> Vec<Waker> {
        self.free.clear();
        std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_reused_and_removal_is_by_key() {
        let mut wakers = Wakers::default();
        let w = Waker::noop();
        let a = wakers.set(None, w);
        let b = wakers.set(None, w);
        let c = wakers.set(None, w);
        assert_eq!((a, b, c), (0, 1, 2));
        assert!(wakers.remove(b).is_some());
        assert!(wakers.remove(b).is_none(), "removed once");
        assert_eq!(wakers.set(None, w), b, "a freed key is reused");
        assert_eq!(wakers.set(Some(a), w), a, "a known key is updated");
        assert!(wakers.remove(c).is_some());
        assert_eq!(wakers.take_all().len(), 2);
        assert!(wakers.remove(a).is_none(), "taken");
    }
}
