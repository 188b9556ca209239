#!/bin/sh
# wine-run.sh [--prefix DIR] PROGRAM ARGS...
# Runs a Windows program under wine64 (the windows-wine preset's
# CMAKE_CROSSCOMPILING_EMULATOR): WINEPREFIX defaults to DIR (the toolchain
# file passes wineprefix/ in the build folder), WINEDEBUG to -all. The first start creates the prefix
# (wineboot -i, under a lock and a time limit, so that two tests starting at
# once do not both create it).
set -eu
if [ "${1:-}" = "--prefix" ]; then
  WINEPREFIX="${WINEPREFIX:-$2}"
  shift 2
fi
: "${WINEPREFIX:?wine-run.sh: set WINEPREFIX or pass --prefix DIR}"
export WINEPREFIX
export WINEDEBUG="${WINEDEBUG:--all}"
WINE=""
for w in wine64 /usr/lib/wine/wine64 wine; do
  if command -v "$w" >/dev/null 2>&1; then WINE=$w; break; fi
done
[ -n "$WINE" ] || { echo "wine-run.sh: wine64 not found (Debian: apt-get install wine64)" >&2; exit 127; }
if [ ! -f "$WINEPREFIX/.ffi_tasks_ready" ]; then
  mkdir -p "$WINEPREFIX"
  (
    flock 9
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
      timeout 300 wineboot -i >/dev/null 2>&1 || { echo "wine-run.sh: wineboot -i failed in $WINEPREFIX" >&2; exit 1; }
      timeout 120 wineserver -w || true
    fi
    # wine 8 has no bcryptprimitives.dll, which Rust's std imports
    # (ProcessPrng): a stand-in built from wine-bcryptprimitives.c.
    dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
    if [ ! -f "$dll" ] && [ ! -f /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/bcryptprimitives.dll ]; then
      x86_64-w64-mingw32-gcc -O2 -shared -static-libgcc -o "$dll" "$(dirname "$0")/wine-bcryptprimitives.c" -lbcrypt ||
        { echo "wine-run.sh: cannot build the bcryptprimitives.dll stand-in" >&2; exit 1; }
    fi
    # The prefix's z: drive links to /. Cargo scans the source tree (which
    # holds the build folder) for a build script's first fingerprint and
    # stops at a folder with a Cargo.toml; without one it would walk all of /.
    printf '# Not a package: keeps cargo from scanning this wine prefix.\n' >"$WINEPREFIX/Cargo.toml"
    touch "$WINEPREFIX/.ffi_tasks_ready"
  ) 9>"$WINEPREFIX.lock"
fi
exec "$WINE" "$@"
