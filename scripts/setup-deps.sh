#!/usr/bin/env bash
# Installs what the build and tests need on a fresh Debian 12 (bookworm) machine
# (run as root, or with sudo available). Idempotent: skips what is present.
#   - Debian packages: cmake, ninja, g++, clang, clang-format, GoogleTest, Google
#     Benchmark, valgrind, pkg-config, python3 and binutils (objdump) for the C++ checks,
#     Qt 6 (qt6-base-dev, fonts-dejavu-core) for ffi_tasks/qt.hpp and the Qt demo
#   - Corrosion 0.5 (CMake files only), taken from the Debian "trixie" suite of the
#     mirror this machine already uses (read from its apt sources at run time)
#   - the rustfmt and clippy components (Rust itself must be installed: rustup)
#   - the Rust targets and Debian cross toolchains of scripts/cross.sh
#   - the pinned nightly of scripts/lib.sh with miri and rust-src, and Miri's
#     sysroot (Miri, ThreadSanitizer with -Zbuild-std, cargo fuzz)
#   - the toolchain of the declared rust-version (scripts/msrv.sh)
#   - cargo-fuzz
#   - the cxxbridge CLI matching the cxx version pinned in Cargo.lock
#   - the cbindgen CLI at the version Cargo.toml pins (crate headers)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(cmake ninja-build g++ clang clang-format libgtest-dev libgmock-dev libbenchmark-dev valgrind pkg-config python3 binutils ca-certificates)
# libuv: the wait-set event-loop example (cpp/examples/uv_waitset.c, ctest label eventloop).
PKGS+=(libuv1-dev)
# Qt 6 for ffi_tasks/qt.hpp, its tests and the Qt demo (offscreen platform, DejaVu fonts).
PKGS+=(qt6-base-dev fonts-dejavu-core)
# standalone asio: the ffi_tasks/asio.hpp adapter's test (tests/cpp/asio_test.cpp)
PKGS+=(libasio-dev)
# The platform presets (scripts/cross.sh, docs/platforms.md): mingw-w64 and
# wine (windows-wine), cross compilers and qemu-user (i686-qemu, aarch64-qemu),
# libc++ (clang-libcxx), GoogleTest's source to build for each target.
PKGS+=(g++-mingw-w64-x86-64-posix wine64 qemu-user g++-i686-linux-gnu g++-aarch64-linux-gnu
       libc++-dev libc++abi-dev googletest)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Corrosion ----------------------------------------------------------------
# Debian only: trixie's corrosion package (CMake files, no dependencies) from
# the mirror this machine already uses. Elsewhere (Ubuntu, ...) or if that
# fails, CMake falls back to FetchContent from Corrosion's upstream repository,
# which needs network access to it.
fetch_corrosion() {
  local mirror="" work
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || { echo "setup-deps: cannot find the apt mirror in the system's sources" >&2; return 1; }
  work=$(mktemp -d)
  chmod 755 "$work"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$work/sources.list"
  local opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
  echo "setup-deps: fetching corrosion from the trixie suite of $mirror"
  if apt-get "${opts[@]}" -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false update -qq &&
     (cd "$work" && apt-get "${opts[@]}" download corrosion -qq) &&
     $SUDO dpkg -i "$work"/corrosion_*.deb >/dev/null; then
    rm -rf "$work"
    return 0
  fi
  rm -rf "$work"
  return 1
}
if ! dpkg-query -W -f='${Status}' corrosion 2>/dev/null | grep -q "install ok installed"; then
  os_id=$(. /etc/os-release 2>/dev/null && echo "${ID:-}")
  if [ "$os_id" != "debian" ] || ! fetch_corrosion; then
    echo "setup-deps: no corrosion package installed; CMake will fetch Corrosion (FetchContent, needs network)" >&2
  fi
fi

# --- Rust components --------------------------------------------------------
command -v cargo >/dev/null || { echo "setup-deps: cargo not found: install Rust with rustup first" >&2; exit 1; }
if command -v rustup >/dev/null; then
  for component in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
      echo "setup-deps: rustup component add $component"
      rustup component add "$component"
    fi
  done
fi

# --- Rust targets of the platform presets (scripts/cross.sh) ------------------
if command -v rustup >/dev/null; then
  for target in x86_64-pc-windows-gnu i686-unknown-linux-gnu aarch64-unknown-linux-gnu; do
    if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
      echo "setup-deps: rustup target add $target"
      rustup target add "$target"
    fi
  done
fi

# --- the pinned nightly (Miri, TSan, cargo fuzz) -------------------------------
if command -v rustup >/dev/null; then
  if ! RUSTUP_AUTO_INSTALL=0 rustup run "$FFI_TASKS_NIGHTLY" rustc --version >/dev/null 2>&1; then
    echo "setup-deps: rustup toolchain install $FFI_TASKS_NIGHTLY (miri, rust-src)"
    rustup toolchain install "$FFI_TASKS_NIGHTLY" --profile minimal \
      --component miri --component rust-src
  fi
  for component in miri rust-src; do
    if ! ft_nightly_has "$component"; then
      echo "setup-deps: rustup component add --toolchain $FFI_TASKS_NIGHTLY $component"
      rustup component add --toolchain "$FFI_TASKS_NIGHTLY" "$component"
    fi
  done
  # Miri's own sysroot (about 40 s the first time, a no-op afterwards).
  cargo "+$FFI_TASKS_NIGHTLY" miri setup >/dev/null
else
  echo "setup-deps: rustup not found: the pinned nightly ($FFI_TASKS_NIGHTLY) is not installed" >&2
fi

# --- the declared minimum Rust version (scripts/msrv.sh) -------------------------
if command -v rustup >/dev/null && [ -n "$FFI_TASKS_MSRV" ] &&
   ! RUSTUP_AUTO_INSTALL=0 rustup run "$FFI_TASKS_MSRV" rustc --version >/dev/null 2>&1; then
  echo "setup-deps: rustup toolchain install $FFI_TASKS_MSRV (the declared rust-version)"
  rustup toolchain install "$FFI_TASKS_MSRV" --profile minimal
fi

# --- cargo-fuzz ------------------------------------------------------------------
if ! command -v cargo-fuzz >/dev/null; then
  echo "setup-deps: cargo install cargo-fuzz --locked"
  cargo install cargo-fuzz --locked --quiet
fi

# --- cxxbridge CLI (same version as the cxx crate in Cargo.lock) --------------
root=$(cd "$(dirname "$0")/.." && pwd)
cxx_version=$(awk '/^name = "cxx"$/ {getline; gsub(/"/, "", $3); print $3; exit}' "$root/Cargo.lock")
[ -n "$cxx_version" ] || { echo "setup-deps: cxx not found in Cargo.lock" >&2; exit 1; }
if ! cxxbridge --version 2>/dev/null | grep -q "$cxx_version"; then
  echo "setup-deps: installing cxxbridge-cmd $cxx_version"
  cargo install cxxbridge-cmd --version "=$cxx_version" --locked --quiet
fi

# --- cbindgen CLI (same version as the cbindgen dev-dependency in Cargo.toml) --
# Generates the header of a crate for ffi_tasks_add_crate(... HEADER).
cbindgen_version=$(sed -n 's/^cbindgen = { version = "=\([0-9.]*\)".*/\1/p' "$root/Cargo.toml")
[ -n "$cbindgen_version" ] || { echo "setup-deps: cbindgen not found in Cargo.toml" >&2; exit 1; }
if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $cbindgen_version"; then
  echo "setup-deps: installing cbindgen $cbindgen_version"
  cargo install cbindgen --version "=$cbindgen_version" --locked --quiet
fi
echo "setup-deps: ready (cmake $(cmake --version | awk 'NR==1{print $3}'), corrosion $(dpkg-query -W -f='${Version}' corrosion 2>/dev/null || echo 'via FetchContent'), cxxbridge $cxx_version, $FFI_TASKS_NIGHTLY with miri and rust-src, $(cargo fuzz --version 2>/dev/null || echo 'no cargo-fuzz'))"
