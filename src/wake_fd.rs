//! A file descriptor that an event loop (epoll, poll(2), libuv's `uv_poll`)
//! watches for readability: the wait set raises it when its queue of
//! completed members stops being empty and clears it when the queue empties
//! again, so it is readable exactly while there is something to collect.
//!
//! Linux: an `eventfd` (raise writes 1, clear reads the counter back to 0).
//! Elsewhere on Unix: a pipe (raise writes one byte, clear reads what is
//! there); both ends non-blocking and close-on-exec. The set raises and
//! clears only through its own descriptors; the descriptors it hands out
//! ([`WakeFd::share`]) are `dup`s of the readable one, owned by the caller:
//! closing one, early or late, never reaches the set's own.
//!
//! Like `fork.rs`, this is a top-level module with `unsafe` calls into
//! `libc` outside `src/ffi/`: the wait set (safe Rust) owns the descriptor,
//! and `ffi` depends on the wait set, so the descriptor cannot live in `ffi`
//! without an import cycle. The calls are plain system calls on descriptors
//! this module owns.

use std::io;

#[cfg(unix)]
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The set's private pair of descriptors (one descriptor for an eventfd).
#[cfg(unix)]
pub(crate) struct WakeFd {
    /// Raised through this one.
    write: OwnedFd,
    /// Cleared through this one, and `dup`ed for callers. `None` for an
    /// eventfd, where `write` is also the readable end.
    read: Option<OwnedFd>,
}

#[cfg(unix)]
fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

#[cfg(unix)]
impl WakeFd {
    /// A new, lowered descriptor.
    pub(crate) fn new() -> io::Result<WakeFd> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            // SAFETY: a plain system call with constant flags; the returned
            // descriptor is checked and then owned by `OwnedFd` alone.
            let fd = check(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
            // SAFETY: `fd` was just opened by this call and is owned by nobody else.
            let write = unsafe { OwnedFd::from_raw_fd(fd) };
            Ok(WakeFd { write, read: None })
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: `fds` is a valid array of two descriptors to fill.
            check(unsafe { libc::pipe(fds.as_mut_ptr()) })?;
            // SAFETY: both descriptors were just opened by `pipe` and are
            // owned by nobody else.
            let (read, write) =
                unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            for fd in [read.as_raw_fd(), write.as_raw_fd()] {
                set_flags(fd)?;
            }
            Ok(WakeFd {
                write,
                read: Some(read),
            })
        }
    }

    fn readable(&self) -> RawFd {
        self.read.as_ref().unwrap_or(&self.write).as_raw_fd()
    }

    /// Makes the descriptor readable. Raised twice without a clear, the
    /// second write is harmless (a counter of 2, or a second byte).
    pub(crate) fn raise(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes (eventfd) or 1 byte (pipe) from a live local
        // to a descriptor this value owns. A failure (a full pipe, only
        // possible after many raises: it is readable then anyway) is ignored.
        unsafe {
            let len = if self.read.is_none() { 8 } else { 1 };
            libc::write(
                self.write.as_raw_fd(),
                (&raw const one).cast::<libc::c_void>(),
                len,
            );
        }
    }

    /// Makes the descriptor unreadable again: reads until it would block.
    pub(crate) fn clear(&self) {
        let mut buf = [0u8; 64];
        loop {
            // SAFETY: reads into a live local buffer of the given length from
            // a non-blocking descriptor this value owns.
            let n = unsafe {
                libc::read(
                    self.readable(),
                    buf.as_mut_ptr().cast::<libc::c_void>(),
                    buf.len(),
                )
            };
            // eventfd: one read empties the counter. pipe: repeat until
            // EAGAIN. An error (EAGAIN included) ends the loop.
            if n <= 0 || self.read.is_none() {
                return;
            }
        }
    }

    /// A new descriptor for the caller, sharing readiness with this one
    /// (close-on-exec). The caller owns it.
    pub(crate) fn share(&self) -> io::Result<RawFd> {
        // SAFETY: duplicates a descriptor this value owns; the new one is
        // returned to the caller, who owns it from then on.
        check(unsafe { libc::fcntl(self.readable(), libc::F_DUPFD_CLOEXEC, 0) })
    }
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
fn set_flags(fd: RawFd) -> io::Result<()> {
    // SAFETY: flag changes on a descriptor the caller owns.
    unsafe {
        let fl = check(libc::fcntl(fd, libc::F_GETFL))?;
        check(libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK))?;
        let fd_fl = check(libc::fcntl(fd, libc::F_GETFD))?;
        check(libc::fcntl(fd, libc::F_SETFD, fd_fl | libc::FD_CLOEXEC))?;
    }
    Ok(())
}

/// Without Unix descriptors there is nothing to poll: every operation but
/// `new` is unreachable, and `new` fails.
#[cfg(not(unix))]
pub(crate) struct WakeFd(());

#[cfg(not(unix))]
impl WakeFd {
    pub(crate) fn new() -> io::Result<WakeFd> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "wait set descriptors need a Unix system",
        ))
    }
    pub(crate) fn raise(&self) {}
    pub(crate) fn clear(&self) {}
    pub(crate) fn share(&self) -> io::Result<i32> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "wait set descriptors need a Unix system",
        ))
    }
}
