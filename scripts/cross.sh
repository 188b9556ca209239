#!/usr/bin/env bash
# scripts/cross.sh <preset>: the workflow of one platform preset (configure,
# build, ctest), for the platforms of docs/platforms.md:
#   windows-wine   x86_64 Windows (mingw-w64), programs run under wine64
#   i686-linux     32-bit x86 Linux, programs run on this x86_64 kernel in
#                  32-bit mode (qemu-i386 7.2 hangs in pthread_create)
#   aarch64-qemu   64-bit Arm Linux, programs run under qemu-aarch64
#   clang-libcxx   x86_64 Linux with clang 14 and libc++
# A missing compiler, emulator or Rust target is a SKIP for a developer and a
# failure under CI=true (scripts/lib.sh). bash scripts/setup-deps.sh installs
# them all.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

preset=${1:-}
check="cross.sh $preset"
need_target() {
  command -v rustup >/dev/null 2>&1 ||
    ft_skip_or_fail "$check" "rustup not found" "install Rust with rustup"
  rustup target list --installed 2>/dev/null | grep -qx "$1" ||
    ft_skip_or_fail "$check" "Rust target $1 not installed" \
      "bash scripts/setup-deps.sh (or rustup target add $1)"
}
[ -f /usr/src/googletest/CMakeLists.txt ] || [ "$preset" = clang-libcxx ] ||
  ft_skip_or_fail "$check" "/usr/src/googletest not found" "apt-get install googletest"
case "$preset" in
  windows-wine)
    ft_require_command "$check" x86_64-w64-mingw32-g++-posix "apt-get install g++-mingw-w64-x86-64-posix"
    ft_require_command "$check" wineboot "apt-get install wine64"
    [ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null 2>&1 ||
      ft_skip_or_fail "$check" "wine64 not found" "apt-get install wine64"
    need_target x86_64-pc-windows-gnu
    ;;
  i686-linux)
    ft_require_command "$check" i686-linux-gnu-g++ "apt-get install g++-i686-linux-gnu"
    [ "$(uname -m)" = x86_64 ] ||
      ft_skip_or_fail "$check" "runs i686 programs natively: needs an x86_64 machine" "run it on x86_64"
    need_target i686-unknown-linux-gnu
    ;;
  aarch64-qemu)
    ft_require_command "$check" aarch64-linux-gnu-g++ "apt-get install g++-aarch64-linux-gnu"
    ft_require_command "$check" qemu-aarch64 "apt-get install qemu-user"
    need_target aarch64-unknown-linux-gnu
    ;;
  clang-libcxx)
    ft_require_command "$check" clang++-14 "apt-get install clang-14"
    [ -f /usr/lib/llvm-14/include/c++/v1/vector ] ||
      ft_skip_or_fail "$check" "libc++ 14 headers not found" "apt-get install libc++-dev libc++abi-dev"
    ;;
  *)
    echo "usage: scripts/cross.sh windows-wine|i686-linux|aarch64-qemu|clang-libcxx" >&2
    exit 2
    ;;
esac

start=$SECONDS
if [ "$preset" = windows-wine ]; then
  # The wine prefix lives in the build folder; create it before the tests
  # (wine-run.sh would otherwise do it on the first test start).
  export WINEPREFIX="$root/build/$preset/wineprefix" WINEDEBUG=-all
fi
cmake --preset "$preset"
cmake --build --preset "$preset"
if [ "$preset" = windows-wine ]; then
  timeout 600 cmake/toolchains/wine-run.sh cmd /c exit 0
fi
rc=0
timeout 3000 ctest --preset "$preset" || rc=$?
if [ "$preset" = windows-wine ]; then
  # Stop this prefix's wineserver (it would linger a few seconds).
  timeout 60 wineserver -k 2>/dev/null || true
fi
echo "cross.sh $preset: $([ $rc -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - start))s"
exit $rc
