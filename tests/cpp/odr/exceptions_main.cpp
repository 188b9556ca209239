// One program, two translation units built with and without exceptions:
// each gets its own throwing forms (no inline function of the headers
// changes with FFI_TASKS_USE_EXCEPTIONS), so both report the same error and
// value, the one with exceptions by catching TaskFailed.
#include <cstdio>
#include <string>

#include "exceptions.hpp"

int main() {
  const std::string expected = "failed|task failed with code 7: while reading input: root cause|5";
  const std::string without = odr_without_exceptions();
  const std::string with = odr_with_exceptions();
  std::printf("without exceptions: %s\nwith exceptions:    %s\n", without.c_str(), with.c_str());
  if (with != expected || without != expected) {
    std::printf("expected:           %s\n", expected.c_str());
    return 1;
  }
  std::printf("odr: both translation units agree\n");
  return 0;
}
