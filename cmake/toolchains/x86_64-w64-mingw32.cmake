# Windows x86_64 with Debian's mingw-w64 (the posix threads flavour, which
# std::thread and the C++ headers need), Rust target x86_64-pc-windows-gnu.
# Programs run under wine through cmake/toolchains/wine-run.sh
# (CMAKE_CROSSCOMPILING_EMULATOR). Used by the windows-wine preset.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# BOTH: Corrosion is a package of the build machine. The cross presets keep
# host libraries out with CMAKE_DISABLE_FIND_PACKAGE_<name> (Qt6, ...), and
# pkg-config looks only in the target's folder.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(ENV{PKG_CONFIG_LIBDIR} "${CMAKE_FIND_ROOT_PATH}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# libgcc, libstdc++ and winpthread inside each program, so that wine finds
# no missing DLL (the Rust staticlib's system libraries, ws2_32, userenv,
# bcrypt, ntdll, ..., come from Corrosion: rustc --print native-static-libs).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

include("${CMAKE_CURRENT_LIST_DIR}/host-corrosion.cmake")
set(Rust_CARGO_TARGET x86_64-pc-windows-gnu CACHE STRING "Rust target triple")
# (Corrosion hands the compilers above to the crates' build scripts: cc-rs
# reads CC_/CXX_<target>.)

# The wine prefix: wineprefix/ in the build folder, unless WINEPREFIX is set.
set(CMAKE_CROSSCOMPILING_EMULATOR
    "${CMAKE_CURRENT_LIST_DIR}/wine-run.sh;--prefix;${CMAKE_BINARY_DIR}/wineprefix"
    CACHE STRING "Runs the Windows programs of ctest under wine")
