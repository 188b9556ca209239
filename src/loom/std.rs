//! The facade in normal builds: plain `std`.

pub(crate) mod sync {
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{
            AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }
}

pub(crate) mod thread {
    pub(crate) use std::{thread::Builder, thread_local};

    /// The number of cores (1 when unknown).
    pub(crate) fn available_parallelism() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

pub(crate) mod time {
    pub(crate) use std::time::Instant;
}
