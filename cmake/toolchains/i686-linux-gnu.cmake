# 32-bit x86 Linux: Debian's i686-linux-gnu cross compilers, Rust target
# i686-unknown-linux-gnu. Used by the i686-linux preset: 4-byte pointers and a
# 4-byte uint64_t alignment in structs.
#
# Programs run natively on the x86_64 kernel (its 32-bit mode) through the
# target's own dynamic loader and libraries in /usr/i686-linux-gnu: Debian 12's
# qemu-i386 (7.2) hangs in the first pthread_create of any program built
# against that glibc (docs/platforms.md). Configure with
# -DFFI_TASKS_CROSS_EMULATOR="qemu-i386;-L;/usr/i686-linux-gnu" to use qemu.
set(FFI_TASKS_CROSS_TRIPLE i686-linux-gnu)
set(FFI_TASKS_CROSS_PROCESSOR i686)
set(FFI_TASKS_CROSS_RUST_TARGET i686-unknown-linux-gnu)
set(FFI_TASKS_CROSS_QEMU qemu-i386)
if(NOT FFI_TASKS_CROSS_EMULATOR)
  set(FFI_TASKS_CROSS_EMULATOR
      "/usr/i686-linux-gnu/lib/ld-linux.so.2;--library-path;/usr/i686-linux-gnu/lib")
endif()
include("${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake")
