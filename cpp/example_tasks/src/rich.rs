//! Tasks with rich outputs — `String`, `Vec<u8>`, `Vec<u64>` and a boxed
//! opaque Rust type — exported through the plain C ABI with `export_task!`
//! like every other task. C++ receives them as `rust::String`,
//! `rust::Vec<T>` and `rust::Box<Blob>` without copying the payload: those
//! cxx types have the layout of the Rust ones, so the `*mut Output` that
//! `poll`/`wait` return is moved from in place (see
//! `cpp/include/ffi_tasks/rich.hpp`).
//!
//! The bridge below is the user's own: it declares the opaque `Blob` so C++
//! can use a `rust::Box<Blob>`, and gives the tests what they need to prove
//! "no copy, exactly one free": the address of the last payload a task
//! produced, and counters of `Blob`s made and dropped.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use anyhow::{ensure, Error};
use ffi_tasks::task::{CancellationToken, Task};

#[allow(unreachable_pub)]
#[cxx::bridge(namespace = "ffi_tasks_example")]
mod ffi {
    extern "Rust" {
        /// An opaque Rust object a task hands to C++ in a `rust::Box`.
        type Blob;

        /// Its label (`"blob-<size>"`).
        fn label(self: &Blob) -> &str;
        /// Its size in bytes.
        fn size(self: &Blob) -> usize;
        /// Its bytes (`i as u8` for byte `i`).
        fn bytes(self: &Blob) -> &[u8];

        /// A blob made directly, not by a task.
        fn make_blob(size: usize) -> Box<Blob>;
        /// `Blob`s created so far.
        fn blobs_created() -> u64;
        /// `Blob`s dropped so far.
        fn blobs_dropped() -> u64;
        /// Where the payload of the output last produced by a rich task
        /// lives (the heap buffer of the String/Vec, the Blob itself).
        fn last_payload_address() -> usize;
    }
}

static BLOBS_CREATED: AtomicU64 = AtomicU64::new(0);
static BLOBS_DROPPED: AtomicU64 = AtomicU64::new(0);
static LAST_PAYLOAD: AtomicUsize = AtomicUsize::new(0);

/// An opaque object owned by C++ through a `rust::Box<Blob>`; counts its
/// drops so a test can check it is freed exactly once.
pub struct Blob {
    label: String,
    data: Vec<u8>,
}

impl Blob {
    fn new(size: usize) -> Blob {
        BLOBS_CREATED.fetch_add(1, Ordering::SeqCst);
        Blob {
            label: format!("blob-{size}"),
            data: (0..size).map(|i| i as u8).collect(),
        }
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn size(&self) -> usize {
        self.data.len()
    }

    fn bytes(&self) -> &[u8] {
        &self.data
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        BLOBS_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

fn make_blob(size: usize) -> Box<Blob> {
    Box::new(Blob::new(size))
}

fn blobs_created() -> u64 {
    BLOBS_CREATED.load(Ordering::SeqCst)
}

fn blobs_dropped() -> u64 {
    BLOBS_DROPPED.load(Ordering::SeqCst)
}

fn last_payload_address() -> usize {
    LAST_PAYLOAD.load(Ordering::SeqCst)
}

fn record_payload<T>(payload: *const T) {
    LAST_PAYLOAD.store(payload as usize, Ordering::SeqCst);
}

/// Produces `"ffi_tasks "` repeated `repeat` times.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub repeat: u64,
}

impl Task for Text {
    type Output = String;
    fn run(&self, tok: &CancellationToken) -> Result<String, Error> {
        tok.is_done()?;
        let text = "ffi_tasks ".repeat(usize::try_from(self.repeat)?);
        record_payload(text.as_ptr());
        Ok(text)
    }
}

/// Produces `len` bytes, byte `i` being `(i as u8) ^ seed`; fails for
/// `len > 1 GiB`. Honours cancellation between 1 MiB chunks.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Bytes {
    pub len: u64,
    pub seed: u8,
}

impl Task for Bytes {
    type Output = Vec<u8>;
    fn run(&self, tok: &CancellationToken) -> Result<Vec<u8>, Error> {
        ensure!(
            self.len <= 1 << 30,
            "refusing to allocate {} bytes",
            self.len
        );
        let len = usize::try_from(self.len)?;
        // The bytes repeat every 256: copy that period (fast even in a debug
        // build under valgrind), checking the token every MiB.
        let period: Vec<u8> = (0..=255u8).map(|b| b ^ self.seed).collect();
        let mut bytes = Vec::with_capacity(len);
        while bytes.len() < len {
            if bytes.len() % (1 << 20) == 0 {
                tok.is_done()?;
                tok.set_progress(bytes.len() as u64, self.len);
            }
            let n = (len - bytes.len()).min(period.len());
            bytes.extend_from_slice(&period[..n]);
        }
        tok.set_progress(self.len, self.len);
        record_payload(bytes.as_ptr());
        Ok(bytes)
    }
}

/// Produces the squares `0, 1, 4, ..., (n-1)^2`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Squares {
    pub n: u64,
}

impl Task for Squares {
    type Output = Vec<u64>;
    fn run(&self, tok: &CancellationToken) -> Result<Vec<u64>, Error> {
        tok.is_done()?;
        let squares: Vec<u64> = (0..self.n).map(|i| i.wrapping_mul(i)).collect();
        record_payload(squares.as_ptr());
        Ok(squares)
    }
}

/// Produces a `Box<Blob>` of `size` bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MakeBlob {
    pub size: u64,
}

impl Task for MakeBlob {
    type Output = Box<Blob>;
    fn run(&self, tok: &CancellationToken) -> Result<Box<Blob>, Error> {
        tok.is_done()?;
        let blob = make_blob(usize::try_from(self.size)?);
        record_payload(&*blob);
        Ok(blob)
    }
}

ffi_tasks::export_task! {
    Task: Text;
    prefix: text;
}

ffi_tasks::export_task! {
    Task: Bytes;
    prefix: bytes;
}

ffi_tasks::export_task! {
    Task: Squares;
    prefix: squares;
}

ffi_tasks::export_task! {
    Task: MakeBlob;
    prefix: blob;
}

#[cfg(test)]
mod tests {
    use super::*;
    use ffi_tasks::task::TaskHandle;

    #[test]
    fn bytes_follow_the_pattern_past_a_period() {
        let bytes = TaskHandle::spawn(Bytes { len: 1000, seed: 7 })
            .wait()
            .unwrap();
        assert!(bytes.iter().enumerate().all(|(i, &b)| b == (i as u8) ^ 7));
    }

    #[test]
    fn outputs_are_what_the_docs_say() {
        let text = TaskHandle::spawn(Text { repeat: 2 }).wait().unwrap();
        assert_eq!(text, "ffi_tasks ffi_tasks ");
        let bytes = TaskHandle::spawn(Bytes { len: 3, seed: 1 }).wait().unwrap();
        assert_eq!(bytes, [1, 0, 3]);
        let squares = TaskHandle::spawn(Squares { n: 4 }).wait().unwrap();
        assert_eq!(squares, [0, 1, 4, 9]);
        let dropped = blobs_dropped();
        let blob = TaskHandle::spawn(MakeBlob { size: 3 }).wait().unwrap();
        assert_eq!(
            (blob.label(), blob.size(), blob.bytes()),
            ("blob-3", 3, &[0u8, 1, 2][..])
        );
        drop(blob);
        assert_eq!(blobs_dropped(), dropped + 1);
    }

    #[test]
    fn too_large_a_payload_fails() {
        let err = TaskHandle::spawn(Bytes {
            len: u64::MAX,
            seed: 0,
        })
        .wait()
        .unwrap_err();
        assert!(err.to_string().contains("refusing"), "{err:#}");
    }
}
