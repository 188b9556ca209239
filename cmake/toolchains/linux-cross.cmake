# Shared by the Linux cross toolchain files (i686-linux-gnu.cmake,
# aarch64-linux-gnu.cmake), which set FFI_TASKS_CROSS_TRIPLE (Debian's
# compiler prefix), FFI_TASKS_CROSS_PROCESSOR, FFI_TASKS_CROSS_RUST_TARGET and
# FFI_TASKS_CROSS_QEMU, then include this file. Debian's cross compilers and
# their target libraries in /usr/<triple>; programs run under qemu-user, or
# under FFI_TASKS_CROSS_EMULATOR when the toolchain file sets one.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${FFI_TASKS_CROSS_PROCESSOR})

set(CMAKE_C_COMPILER ${FFI_TASKS_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${FFI_TASKS_CROSS_TRIPLE}-g++)

set(CMAKE_FIND_ROOT_PATH /usr/${FFI_TASKS_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# BOTH: Corrosion is a package of the build machine (see
# x86_64-w64-mingw32.cmake); pkg-config looks only in the target's folder.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(ENV{PKG_CONFIG_LIBDIR} "${CMAKE_FIND_ROOT_PATH}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

include("${CMAKE_CURRENT_LIST_DIR}/host-corrosion.cmake")
set(Rust_CARGO_TARGET ${FFI_TASKS_CROSS_RUST_TARGET} CACHE STRING "Rust target triple")

# The target's dynamic loader and libraries come from /usr/<triple>.
if(NOT FFI_TASKS_CROSS_EMULATOR)
  set(FFI_TASKS_CROSS_EMULATOR "${FFI_TASKS_CROSS_QEMU};-L;/usr/${FFI_TASKS_CROSS_TRIPLE}")
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${FFI_TASKS_CROSS_EMULATOR}"
    CACHE STRING "Runs the target's programs of ctest")
