# 64-bit Arm Linux: Debian's aarch64-linux-gnu cross compilers, Rust target
# aarch64-unknown-linux-gnu, programs run under qemu-aarch64. Used by the
# aarch64-qemu preset: a weakly ordered memory model.
set(FFI_TASKS_CROSS_TRIPLE aarch64-linux-gnu)
set(FFI_TASKS_CROSS_PROCESSOR aarch64)
set(FFI_TASKS_CROSS_RUST_TARGET aarch64-unknown-linux-gnu)
set(FFI_TASKS_CROSS_QEMU qemu-aarch64)
include("${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake")
