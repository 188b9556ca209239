//! How a fallible bridge function fails: it returns its error once, as the
//! `Err` that cxx turns into a `rust::Error`, and leaves the thread's
//! `LAST_ERROR` (the C functions' error) alone. The kind travels in the
//! message, encoded here and only here:
//!
//! ```text
//! <kind name>: <message with its cause chain>
//! ```
//!
//! where the kind name is [`ErrorKind::name`] (what `ffi_tasks_error_kind_name`
//! returns), e.g. `"invalid_argument: cannot configure the global pool:
//! max_threads must be at least 1"`. Kind names contain no `": "`, so the
//! first one ends the name. `detail::bridge_error` in
//! `cpp/include/ffi_tasks/detail/bridge_api.hpp` splits it again.

use std::fmt;

use super::ffi::LastError;
use crate::{
    error::ErrorKind,
    error_handling::{error_message, last_error_kind},
    unwind::{catch, drop_contained},
};

pub(super) use crate::error_handling::clear_last_error;

/// The calling thread's last error (that of the last failed C call), read
/// without clearing it.
pub(super) fn last_error() -> LastError {
    LastError {
        kind: last_error_kind(),
        message: error_message().unwrap_or_default(),
    }
}

/// The `Err` of a fallible bridge function: the error's kind and its message
/// with the cause chain. Its `Display` is the encoding above.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BridgeError {
    kind: ErrorKind,
    message: String,
}

impl BridgeError {
    /// The kind and message of `error`, which is dropped here. Never panics:
    /// a panic in the error's `Display` becomes the error instead (kind
    /// `Panicked`, "formatting an error panicked: ..."), one in its `Drop` is
    /// contained and discarded.
    fn of(error: anyhow::Error) -> BridgeError {
        let formatted = catch(|| BridgeError::formatted(&error));
        let _ = drop_contained(error);
        formatted.unwrap_or_else(|panic| {
            // Only the library's own types from here on: no user code.
            BridgeError::formatted(
                &anyhow::Error::new(panic).context("formatting an error panicked"),
            )
        })
    }

    /// Runs user code (`Display`, `source`): call it under [`catch`].
    fn formatted(error: &anyhow::Error) -> BridgeError {
        BridgeError {
            kind: ErrorKind::of(error),
            // `rust::Error::what()` is a C string: an interior NUL would cut
            // the message short (the C functions' messages do the same).
            message: format!("{error:#}").replace('\0', "\\0"),
        }
    }
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

/// Runs `body`, catching panics (cxx would abort on one), and returns its
/// error as a [`BridgeError`]. Does not touch `LAST_ERROR`.
pub(super) fn fallible<T>(body: impl FnOnce() -> anyhow::Result<T>) -> Result<T, BridgeError> {
    let outcome = catch(body).unwrap_or_else(|panic| Err(panic.into()));
    outcome.map_err(BridgeError::of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{InvalidArgument, NullPointer};
    use crate::error_handling::{clear_last_error, update_last_error};

    /// The Rust mirror of `detail::bridge_error` (C++): splits the text at
    /// the first `": "` and maps a known kind name back to its kind;
    /// anything else is `Failed` with the whole text.
    fn decode(text: &str) -> (ErrorKind, &str) {
        text.split_once(": ")
            .and_then(|(name, message)| {
                ErrorKind::ALL
                    .into_iter()
                    .skip(1)
                    .find(|kind| kind.name() == name)
                    .map(|kind| (kind, message))
            })
            .unwrap_or((ErrorKind::Failed, text))
    }

    #[test]
    fn every_kind_round_trips_and_the_message_keeps_its_separators() {
        for kind in ErrorKind::ALL.into_iter().skip(1) {
            for message in ["", "plain", "outer: inner: root", ": leading", "a:b"] {
                let error = BridgeError {
                    kind,
                    message: message.to_owned(),
                };
                let text = error.to_string();
                assert!(text.starts_with(kind.c_name().to_str().unwrap()), "{text}");
                assert_eq!(decode(&text), (kind, message), "{text}");
            }
        }
        // Unknown or missing names: Failed with the whole text.
        for text in ["no kind", "bogus: message", "none: message", "failed:x", ""] {
            assert_eq!(decode(text), (ErrorKind::Failed, text));
        }
    }

    #[test]
    fn failure_carries_its_kind_and_leaves_last_error_alone() {
        update_last_error(NullPointer("before"));
        let err = fallible::<()>(|| Err(InvalidArgument("nope".into()).into())).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert_eq!(err.to_string(), "invalid_argument: invalid argument: nope");
        assert_eq!(fallible(|| Ok(5)).unwrap(), 5);
        assert_eq!(last_error_kind(), ErrorKind::NullPointer, "untouched");
        assert_eq!(
            error_message().as_deref(),
            Some("null pointer passed as `before`")
        );
        clear_last_error();
    }

    #[test]
    fn cause_chain_and_interior_nul() {
        let err = fallible::<()>(|| {
            Err(anyhow::Error::new(InvalidArgument("a\0b".into())).context("outer"))
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid_argument: outer: invalid argument: a\\0b"
        );
        let err = fallible::<()>(|| Err(anyhow::anyhow!("plain"))).unwrap_err();
        assert_eq!(err.to_string(), "failed: plain");
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

    /// An error whose `Display` panics.
    #[derive(Debug)]
    struct Garbled;

    impl fmt::Display for Garbled {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            panic!("cannot display Garbled")
        }
    }

    impl std::error::Error for Garbled {}

    #[test]
    fn an_error_whose_drop_panics_is_returned_as_text_and_contained() {
        let err = fallible::<()>(|| Err(anyhow::Error::new(Loud).context("outer"))).unwrap_err();
        assert_eq!(err.to_string(), "failed: outer: loud");
        // A panic whose payload's Drop panics too.
        let err = fallible::<()>(|| std::panic::panic_any(Loud)).unwrap_err();
        assert_eq!(err.to_string(), "panicked: panicked: Box<dyn Any>");
    }

    #[test]
    fn an_error_whose_display_panics_becomes_a_panic() {
        let err = fallible::<()>(|| Err(Garbled.into())).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Panicked);
        assert_eq!(
            err.to_string(),
            "panicked: formatting an error panicked: panicked: cannot display Garbled"
        );
    }

    #[test]
    fn panic_becomes_an_error() {
        let err = fallible::<()>(|| panic!("inside")).unwrap_err();
        assert_eq!(err.to_string(), "panicked: panicked: inside");
        assert_eq!(err.kind, ErrorKind::Panicked);
    }
}
