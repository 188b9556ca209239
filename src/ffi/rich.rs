//! What the C++ layer needs to take a task's `String`, `Vec<T>` or `Box<T>`
//! result in place as a `rust::String`, `rust::Vec<T>` or `rust::Box<T>`
//! (`cpp/include/ffi_tasks/rich.hpp`): the layouts it relies on, and
//! freeing the slot of a `Box<T>` result whose inner box C++ took. The
//! cxx bridge declares [`release_box_slot`] to C++.

use std::mem::{align_of, size_of, MaybeUninit};

use crate::cancel::CancellationToken;

// The layouts C++ relies on (asserted again on the C++ side, in rich.hpp).
const _: () = {
    assert!(size_of::<String>() == 3 * size_of::<usize>());
    assert!(align_of::<String>() == align_of::<usize>());
    assert!(size_of::<Vec<u8>>() == 3 * size_of::<usize>());
    assert!(size_of::<Vec<u64>>() == 3 * size_of::<usize>());
    assert!(size_of::<Box<u8>>() == size_of::<usize>());
    assert!(size_of::<Box<CancellationToken>>() == size_of::<usize>());
};

/// Frees the allocation of a `Box<Box<T>>` result without dropping the inner
/// box, which C++ has moved out. Null is ignored.
///
/// # Safety
///
/// `slot` came from `Box::into_raw(Box::new(inner))` for some `inner:
/// Box<T>` with `T: Sized`, was not freed, and `inner` was moved out of it.
pub(crate) unsafe fn release_box_slot(slot: *mut u8) {
    // A `Box<T>` of a sized `T` is one non-null pointer, so the slot was
    // allocated with the layout of `*mut u8`. Reading it back as
    // `MaybeUninit` frees that allocation without dropping what it held.
    if !slot.is_null() {
        // SAFETY: by this function's contract the allocation is a live
        // `Box` allocation with this layout, and nothing else frees it.
        drop(unsafe { Box::from_raw(slot.cast::<MaybeUninit<*mut u8>>()) });
    }
}
