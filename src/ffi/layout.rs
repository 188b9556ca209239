//! The layout of every struct of the C ABI, as constants that cbindgen writes
//! into `ffi_tasks.h` (`FFI_TASKS_LAYOUT_*`), and the number of error kinds
//! and statuses (`FFI_TASKS_ERROR_KINDS`, `FFI_TASKS_STATUSES`), which the
//! C++ enums are checked against. The asserts below tie them to
//! the Rust types at compile time; the C test (`tests/c/c_api_test.c`) ties
//! them to the C compiler's layout of the generated structs with
//! `_Static_assert`, so a mismatch on either side fails to compile instead
//! of corrupting memory.

// `pub` so that cbindgen exports them; read by C only. Rust reads them only
// in the `const` asserts below, which rustc before 1.89 does not count as a
// use (the declared minimum, 1.88, would warn).
#![allow(unreachable_pub, dead_code)]

use std::{
    mem::{align_of, offset_of, size_of},
    os::raw::c_int,
};

use crate::{
    error::ErrorKind,
    pool::PoolStats,
    task::{Progress, TaskStatus},
};

/// How many error kinds there are: `enum ffi_tasks_error_kind` runs from 0
/// to `FFI_TASKS_ERROR_KINDS - 1`.
pub const FFI_TASKS_ERROR_KINDS: c_int = 10;
/// How many statuses there are: `enum ffi_tasks_status` runs from 0 to
/// `FFI_TASKS_STATUSES - 1`.
pub const FFI_TASKS_STATUSES: c_int = 6;

/// The alignment of a `uint64_t` field: 8, except on 32-bit x86 outside
/// Windows (the i386 System V ABI), where it is 4. The structs below hold
/// only `uint64_t`s, so it is their alignment too.
#[cfg(not(all(target_arch = "x86", not(windows))))]
pub const FFI_TASKS_LAYOUT_U64_ALIGN: usize = 8;
/// The alignment of a `uint64_t` field: 8, except on 32-bit x86 outside
/// Windows (the i386 System V ABI), where it is 4. The structs below hold
/// only `uint64_t`s, so it is their alignment too.
#[cfg(all(target_arch = "x86", not(windows)))]
pub const FFI_TASKS_LAYOUT_U64_ALIGN: usize = 4;

/// `sizeof(ffi_tasks_progress)`.
pub const FFI_TASKS_LAYOUT_PROGRESS_SIZE: usize = 16;
/// `_Alignof(ffi_tasks_progress)`.
pub const FFI_TASKS_LAYOUT_PROGRESS_ALIGN: usize = FFI_TASKS_LAYOUT_U64_ALIGN;
/// `offsetof(ffi_tasks_progress, done)`.
pub const FFI_TASKS_LAYOUT_PROGRESS_DONE: usize = 0;
/// `offsetof(ffi_tasks_progress, total)`.
pub const FFI_TASKS_LAYOUT_PROGRESS_TOTAL: usize = 8;

/// `sizeof(ffi_tasks_stats)`.
pub const FFI_TASKS_LAYOUT_STATS_SIZE: usize = 64;
/// `_Alignof(ffi_tasks_stats)`.
pub const FFI_TASKS_LAYOUT_STATS_ALIGN: usize = FFI_TASKS_LAYOUT_U64_ALIGN;
/// `offsetof(ffi_tasks_stats, threads)`.
pub const FFI_TASKS_LAYOUT_STATS_THREADS: usize = 0;
/// `offsetof(ffi_tasks_stats, idle)`.
pub const FFI_TASKS_LAYOUT_STATS_IDLE: usize = 8;
/// `offsetof(ffi_tasks_stats, running)`.
pub const FFI_TASKS_LAYOUT_STATS_RUNNING: usize = 16;
/// `offsetof(ffi_tasks_stats, queued)`.
pub const FFI_TASKS_LAYOUT_STATS_QUEUED: usize = 24;
/// `offsetof(ffi_tasks_stats, completed)`.
pub const FFI_TASKS_LAYOUT_STATS_COMPLETED: usize = 32;
/// `offsetof(ffi_tasks_stats, failed)`.
pub const FFI_TASKS_LAYOUT_STATS_FAILED: usize = 40;
/// `offsetof(ffi_tasks_stats, cancelled)`.
pub const FFI_TASKS_LAYOUT_STATS_CANCELLED: usize = 48;
/// `offsetof(ffi_tasks_stats, peak_threads)`.
pub const FFI_TASKS_LAYOUT_STATS_PEAK_THREADS: usize = 56;

const _: () = {
    assert!(ErrorKind::ALL.len() == FFI_TASKS_ERROR_KINDS as usize);
    assert!(TaskStatus::ALL.len() == FFI_TASKS_STATUSES as usize);
    let mut i = 0;
    while i < ErrorKind::ALL.len() {
        assert!(ErrorKind::ALL[i] as usize == i);
        i += 1;
    }
    let mut i = 0;
    while i < TaskStatus::ALL.len() {
        assert!(TaskStatus::ALL[i] as usize == i);
        i += 1;
    }

    assert!(align_of::<u64>() == FFI_TASKS_LAYOUT_U64_ALIGN);
    assert!(size_of::<Progress>() == FFI_TASKS_LAYOUT_PROGRESS_SIZE);
    assert!(align_of::<Progress>() == FFI_TASKS_LAYOUT_PROGRESS_ALIGN);
    assert!(offset_of!(Progress, done) == FFI_TASKS_LAYOUT_PROGRESS_DONE);
    assert!(offset_of!(Progress, total) == FFI_TASKS_LAYOUT_PROGRESS_TOTAL);

    assert!(size_of::<PoolStats>() == FFI_TASKS_LAYOUT_STATS_SIZE);
    assert!(align_of::<PoolStats>() == FFI_TASKS_LAYOUT_STATS_ALIGN);
    assert!(offset_of!(PoolStats, threads) == FFI_TASKS_LAYOUT_STATS_THREADS);
    assert!(offset_of!(PoolStats, idle) == FFI_TASKS_LAYOUT_STATS_IDLE);
    assert!(offset_of!(PoolStats, running) == FFI_TASKS_LAYOUT_STATS_RUNNING);
    assert!(offset_of!(PoolStats, queued) == FFI_TASKS_LAYOUT_STATS_QUEUED);
    assert!(offset_of!(PoolStats, completed) == FFI_TASKS_LAYOUT_STATS_COMPLETED);
    assert!(offset_of!(PoolStats, failed) == FFI_TASKS_LAYOUT_STATS_FAILED);
    assert!(offset_of!(PoolStats, cancelled) == FFI_TASKS_LAYOUT_STATS_CANCELLED);
    assert!(offset_of!(PoolStats, peak_threads) == FFI_TASKS_LAYOUT_STATS_PEAK_THREADS);
};
