//! How a fallible bridge function fails: the error goes to `LAST_ERROR`
//! (typed, as the C functions leave it) and comes back as `Err`, which cxx
//! turns into a `rust::Error` whose `what()` is the message.

use std::{
    fmt,
    panic::{catch_unwind, AssertUnwindSafe},
};

use crate::{
    error::Panic,
    error_handling::{clear_last_error, error_message, update_last_error},
};

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
/// `LAST_ERROR` before returning it.
pub(super) fn fallible<T>(body: impl FnOnce() -> anyhow::Result<T>) -> Result<T, BridgeError> {
    clear_last_error();
    let outcome =
        catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|p| Err(Panic::from_payload(p).into()));
    outcome.map_err(|error| {
        // Formatting a user error can panic too: store a fallback instead.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| update_last_error(error))) {
            let panic = Panic::from_payload(payload);
            update_last_error(anyhow::Error::new(panic).context("formatting an error panicked"));
        }
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

    #[test]
    fn panic_becomes_an_error() {
        let err = fallible::<()>(|| panic!("inside")).unwrap_err();
        assert_eq!(err.to_string(), "panicked: inside");
        assert_eq!(last_error_kind(), ErrorKind::Panicked);
    }
}
