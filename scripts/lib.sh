# Shared helpers of the scripts in scripts/ (sourced, not run):
#   - FFI_TASKS_NIGHTLY: the pinned nightly toolchain of the deep checks
#     (Miri, ThreadSanitizer with -Zbuild-std, cargo fuzz);
#   - the skip-or-fail rule: a check that cannot run prints SKIPPED and
#     succeeds for a developer, but fails when CI=true;
#   - toolchain checks built on that rule;
#   - the section runner of scripts/run-tests.sh and scripts/reliability.sh.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# shellcheck shell=bash

# The one place the nightly is named. A dated nightly that has the `miri` and
# `rust-src` components; scripts/setup-deps.sh installs it with them. Set
# FFI_TASKS_NIGHTLY to try another one.
FFI_TASKS_NIGHTLY="${FFI_TASKS_NIGHTLY:-nightly-2026-05-20}"

export PATH="$HOME/.cargo/bin:$PATH"

# The declared minimum Rust version (`rust-version` in Cargo.toml), which
# scripts/msrv.sh builds the library with.
FFI_TASKS_MSRV="$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' \
  "$(dirname "${BASH_SOURCE[0]}")/../Cargo.toml" | head -n 1)"

# ---- the skip-or-fail rule ---------------------------------------------------

# ft_ci: true when running under CI (CI=true, as .ci/run and CI services set).
ft_ci() {
  [[ "${CI:-}" == true || "${CI:-}" == 1 ]]
}

# ft_skip_or_fail <check> <what is missing> <how to get it>
# Ends the calling script: exit 0 with a loud SKIPPED banner for a developer,
# exit 1 under CI=true, where every check must run.
ft_skip_or_fail() {
  local check=$1 missing=$2 fix=$3
  if ft_ci; then
    printf '\n%s: FAILED: %s.\n%s: CI=true, so this check may not be skipped. Fix: %s\n' \
      "$check" "$missing" "$check" "$fix" >&2
    exit 1
  fi
  printf '\n************************************************************\n'
  printf 'SKIPPED: %s: %s\n' "$check" "$missing"
  printf '  fix: %s\n' "$fix"
  printf '  (with CI=true this is a failure, not a skip)\n'
  printf '************************************************************\n\n'
  exit 0
}

# ---- toolchain checks ---------------------------------------------------------

# ft_nightly_has <component>: the pinned nightly is installed with <component>
# (`miri`, `rust-src`, ...).
ft_nightly_has() {
  command -v rustup >/dev/null 2>&1 || return 1
  RUSTUP_AUTO_INSTALL=0 rustup component list --installed --toolchain "$FFI_TASKS_NIGHTLY" 2>/dev/null |
    grep -Eq "^$1(-|\$)"
}

# ft_require_nightly <check> <component>...: the pinned nightly with every
# component listed, or ft_skip_or_fail.
ft_require_nightly() {
  local check=$1 component
  shift
  command -v rustup >/dev/null 2>&1 ||
    ft_skip_or_fail "$check" "rustup not found" "install Rust with rustup"
  # (RUSTUP_AUTO_INSTALL=0: a check never downloads a toolchain by itself.)
  RUSTUP_AUTO_INSTALL=0 rustup run "$FFI_TASKS_NIGHTLY" rustc --version >/dev/null 2>&1 ||
    ft_skip_or_fail "$check" "toolchain $FFI_TASKS_NIGHTLY not installed" \
      "bash scripts/setup-deps.sh"
  for component in "$@"; do
    ft_nightly_has "$component" ||
      ft_skip_or_fail "$check" "$FFI_TASKS_NIGHTLY has no $component component" \
        "bash scripts/setup-deps.sh (or rustup component add --toolchain $FFI_TASKS_NIGHTLY $component)"
  done
}

# ft_require_x86_64_linux <check>: the sanitizer set-ups are written for
# x86_64-unknown-linux-gnu.
ft_require_x86_64_linux() {
  [[ "$(uname -m)-$(uname -s)" == "x86_64-Linux" ]] ||
    ft_skip_or_fail "$1" "set up for x86_64 Linux only, this is $(uname -m)-$(uname -s)" \
      "run it on x86_64 Linux"
}

# ft_require_command <check> <command> <how to get it>
ft_require_command() {
  command -v "$2" >/dev/null 2>&1 || ft_skip_or_fail "$1" "$2 not found" "$3"
}

# ---- the section runner -------------------------------------------------------

# ft_sections_begin <banner> <label> <skip variable>
#   banner: the rule around a section's title ("=====", "-----")
#   label:  a word before the section id ("" or "reliability")
#   skip variable: the name of the variable listing section ids to skip
ft_sections_begin() {
  FT_BANNER=$1
  FT_LABEL=${2:+$2 }
  FT_SKIP_VAR=$3
  FT_SKIP=" ${!3:-} "
  FT_START_ALL=$SECONDS
  FT_TIMINGS=()
  FT_SKIPPED=()
  FT_BG=()
}

# ft_section <id> <title> <command...>: a banner, the command, its time; exits
# at the first failure, listing what passed before it. Skips the section when
# its id is in the skip variable.
ft_section() {
  local id=$1 title=$2
  shift 2
  if [[ "$FT_SKIP" == *" $id "* ]]; then
    printf '\n%s %s[%s] %s: skipped (%s) %s\n' "$FT_BANNER" "$FT_LABEL" "$id" "$title" \
      "$FT_SKIP_VAR" "$FT_BANNER"
    FT_SKIPPED+=("$id")
    return 0
  fi
  printf '\n%s %s[%s] %s %s\n' "$FT_BANNER" "$FT_LABEL" "$id" "$title" "$FT_BANNER"
  local start=$SECONDS
  if ! "$@"; then
    ft_kill_bg
    printf '\n%s %s[%s] FAILED after %ds: %s %s\n' "$FT_BANNER" "$FT_LABEL" "$id" \
      $((SECONDS - start)) "$title" "$FT_BANNER" >&2
    if [ ${#FT_TIMINGS[@]} -gt 0 ]; then
      printf '  passed before it:\n' >&2
      printf '  %s\n' "${FT_TIMINGS[@]}" >&2
    fi
    exit 1
  fi
  FT_TIMINGS+=("$(printf '%-16s %4ds' "$id" $((SECONDS - start)))")
}

# ft_section_bg <id> <title> <command...>: like ft_section, but the command
# runs in the background (for single-core checks such as the fuzzer or Miri,
# which would leave the second core idle), its output kept in a log that
# ft_wait_bg prints when it ends. Skipped like ft_section.
ft_section_bg() {
  local id=$1 title=$2
  shift 2
  if [[ "$FT_SKIP" == *" $id "* ]]; then
    ft_section "$id" "$title" true
    return 0
  fi
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/ffi_tasks_section_${id}_XXXXXX.log")
  printf '\n%s %s[%s] %s: started in the background (output when it ends) %s\n' \
    "$FT_BANNER" "$FT_LABEL" "$id" "$title" "$FT_BANNER"
  (
    rc=0
    "$@" || rc=$?
    echo "$SECONDS" >"$log.end"
    exit "$rc"
  ) >"$log" 2>&1 &
  FT_BG+=("$!|$id|$SECONDS|$log|$title")
}

# ft_kill_tree <pid>: stops a process and everything it started.
ft_kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do ft_kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}

# ft_kill_bg: stops the background sections (a foreground one failed).
ft_kill_bg() {
  local entry
  for entry in "${FT_BG[@]}"; do ft_kill_tree "${entry%%|*}"; done
  FT_BG=()
}

# ft_wait_bg: waits for every ft_section_bg command in the order they were
# started, prints each one's output and time; exits after printing all of
# them if any failed.
ft_wait_bg() {
  local entry pid id start log title rc failed=0
  for entry in "${FT_BG[@]}"; do
    IFS='|' read -r pid id start log title <<<"$entry"
    rc=0
    wait "$pid" || rc=$?
    printf '\n%s %s[%s] %s (ran in the background) %s\n' "$FT_BANNER" "$FT_LABEL" "$id" \
      "$title" "$FT_BANNER"
    cat "$log"
    local end=$SECONDS
    [[ -s "$log.end" ]] && end=$(<"$log.end")
    rm -f "$log" "$log.end"
    if [[ $rc -ne 0 ]]; then
      printf '\n%s %s[%s] FAILED (exit %d) after %ds: %s %s\n' "$FT_BANNER" "$FT_LABEL" "$id" \
        "$rc" $((end - start)) "$title" "$FT_BANNER" >&2
      failed=1
    else
      FT_TIMINGS+=("$(printf '%-16s %4ds (in the background)' "$id" $((end - start)))")
    fi
  done
  FT_BG=()
  if [[ $failed -ne 0 ]]; then
    if [ ${#FT_TIMINGS[@]} -gt 0 ]; then
      printf '  passed:\n' >&2
      printf '  %s\n' "${FT_TIMINGS[@]}" >&2
    fi
    exit 1
  fi
}

# ft_sections_end: the total time and each section's.
ft_sections_end() {
  [ ${#FT_BG[@]} -eq 0 ] || ft_wait_bg
  printf '\n%s %sall passed in %ds %s\n' "$FT_BANNER" "$FT_LABEL" $((SECONDS - FT_START_ALL)) \
    "$FT_BANNER"
  if [ ${#FT_TIMINGS[@]} -gt 0 ]; then
    printf '  %s\n' "${FT_TIMINGS[@]}"
  fi
  if [ ${#FT_SKIPPED[@]} -gt 0 ]; then
    printf '  skipped on request (%s): %s\n' "$FT_SKIP_VAR" "${FT_SKIPPED[*]}"
  fi
}
