//! How a fallible bridge function fails: the error goes to `LAST_ERROR`
//! (typed, as the C functions leave it) and comes back as `Err`, which cxx
//! turns into a `rust::Error` whose `what()` is the message.

use std::fmt;

use super::ffi::LastError;
use crate::{
    error_handling::{error_message, last_error_kind, update_last_error},
    unwind::catch,
};

pub(super) use crate::error_handling::clear_last_error;

/// The calling thread's last error, read without clearing it.
pub(super) fn last_error() -> LastError {
    LastError {
        kind: last_error_kind(),
        message: error_message().unwrap_or_default(),
    }
}

/// The `Err` of a fallible bridge function: the message with its cause chain.
#[derive(Debug)]
pub(super) struct BridgeError(String);

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs `body` as the C functions run theirs: clears `LAST_ERROR`, catches
/// panics (cxx would abort on one), and on failure stores the error in
/// `LAST_ERROR` before returning it. Storing never unwinds: a panic in the
/// error's `Display` is stored instead, one in its `Drop` is contained.
pub(super) fn fallible<T>(body: impl FnOnce() -> anyhow::Result<T>) -> Result<T, BridgeError> {
    clear_last_error();
    let outcome = catch(body).unwrap_or_else(|panic| Err(panic.into()));
    outcome.map_err(|error| {
        update_last_error(error);
        BridgeError(error_message().unwrap_or_default())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, InvalidArgument};
    use crate::error_handling::last_error_kind;

    #[test]
    fn failure_is_stored_typed_and_returned() {
        let err = fallible::<()>(|| Err(InvalidArgument("nope".into()).into())).unwrap_err();
        assert_eq!(err.to_string(), "invalid argument: nope");
        assert_eq!(last_error_kind(), ErrorKind::InvalidArgument);
        assert_eq!(fallible(|| Ok(5)).unwrap(), 5);
        assert_eq!(last_error_kind(), ErrorKind::None, "cleared on entry");
    }

    /// An error whose `Drop` panics.
    #[derive(Debug)]
    struct Loud;

    impl fmt::Display for Loud {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("loud")
        }
    }

    impl std::error::Error for Loud {}

    impl Drop for Loud {
        fn drop(&mut self) {
            panic!("dropping Loud panicked");
        }
    }

    #[test]
    fn an_error_whose_drop_panics_is_stored_as_text_and_contained() {
        let err = fallible::<()>(|| Err(anyhow::Error::new(Loud).context("outer"))).unwrap_err();
        assert_eq!(err.to_string(), "outer: loud");
        assert_eq!(last_error_kind(), ErrorKind::Failed);
        // The next call clears LAST_ERROR: no user value left there to drop.
        assert_eq!(fallible(|| Ok(1)).unwrap(), 1);
        assert_eq!(last_error_kind(), ErrorKind::None);
        // A panic whose payload's Drop panics too.
        let err = fallible::<()>(|| std::panic::panic_any(Loud)).unwrap_err();
        assert_eq!(err.to_string(), "panicked: Box<dyn Any>");
        assert_eq!(last_error_kind(), ErrorKind::Panicked);
    }

    #[test]
    fn panic_becomes_an_error() {
        let err = fallible::<()>(|| panic!("inside")).unwrap_err();
        assert_eq!(err.to_string(), "panicked: inside");
        assert_eq!(last_error_kind(), ErrorKind::Panicked);
    }
}
