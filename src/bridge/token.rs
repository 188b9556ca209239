//! `CancellationToken` as C++ sees it: the methods the bridge declares on it,
//! under names that do not clash with its Rust API (the bridge renames them
//! back with `cxx_name`).

use std::time::Duration;

use super::ffi::TaskProgress;
use crate::cancel::CancellationToken;

pub(super) fn new_token() -> Box<CancellationToken> {
    Box::new(CancellationToken::new())
}

impl CancellationToken {
    pub(super) fn clone_boxed(&self) -> Box<CancellationToken> {
        Box::new(self.clone())
    }

    pub(super) fn child_boxed(&self) -> Box<CancellationToken> {
        Box::new(self.child_token())
    }

    pub(super) fn wait_cancelled_ms(&self, timeout_ms: u64) -> bool {
        self.wait_cancelled(Duration::from_millis(timeout_ms))
    }

    pub(super) fn progress_shared(&self) -> TaskProgress {
        self.progress()
    }

    pub(super) fn same_token(&self, other: &CancellationToken) -> bool {
        self.same_as(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxed_clone_shares_the_flag_and_child_follows_parent() {
        let token = CancellationToken::new();
        let clone = token.clone_boxed();
        let child = token.child_boxed();
        assert!(clone.same_token(&token));
        assert!(!child.same_token(&token));
        child.cancel();
        assert!(!token.cancelled(), "a child does not cancel its parent");
        clone.cancel();
        assert!(token.cancelled());
        assert!(token.child_boxed().cancelled());
        assert!(token.wait_cancelled_ms(0));
    }

    #[test]
    fn progress_reads_back() {
        let token = CancellationToken::new();
        token.set_progress(3, 7);
        assert_eq!(
            token.clone_boxed().progress_shared(),
            TaskProgress { done: 3, total: 7 }
        );
    }
}
