#!/usr/bin/env bash
# Sets up what is missing (scripts/setup-deps.sh), builds the demo with the
# `release` preset and runs it; arguments are passed to the demo.
#
#   bash scripts/run-demo.sh [demo arguments...]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup-deps.sh >&2
cmake --preset release >&2
cmake --build --preset release --target ffi_tasks_demo >&2

# The top-level CMakeLists writes the demo's path here at generate time.
demo=$(cat build/release/ffi_tasks_demo_path.txt)
exec "$demo" "$@"
