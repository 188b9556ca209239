// One program, two translation units built with and without the bridge:
// both see the same definitions (no inline function of the headers changes
// with FFI_TASKS_HAS_BRIDGE), so both report the same error and value.
#include <cstdio>
#include <string>

#include "odr.hpp"

int main() {
  const std::string expected = "failed|task failed with code 7: while reading input: root cause|5";
  const std::string with = odr_with_bridge();
  const std::string without = odr_without_bridge();
  std::printf("with bridge:    %s\nwithout bridge: %s\n", with.c_str(), without.c_str());
  if (with != expected || without != expected) {
    std::printf("expected:       %s\n", expected.c_str());
    return 1;
  }
  std::printf("odr: both translation units agree\n");
  return 0;
}
