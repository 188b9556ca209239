// Uses ffi_tasks::ffi_tasks (the prebuilt ffi_tasks staticlib, no crate of
// its own): the common C functions and the cxx bridge.
#include <cstdio>
#include <string>

#include <ffi_tasks/ffi_tasks.h>

#include "ffi_tasks_bridge/bridge.h"
#include "rust/cxx.h"

int main() {
  ffi_tasks_token *token = ffi_tasks_token_new();
  ffi_tasks_token_cancel(token);
  const bool cancelled = ffi_tasks_token_cancelled(token) == 1;
  ffi_tasks_token_destroy(token);
  const std::string version(ffi_tasks::bridge::version());
  if (!cancelled || version != ffi_tasks_version()) {
    std::fprintf(stderr, "consumer_prebuilt: unexpected result\n");
    return 1;
  }
  std::printf("consumer_prebuilt: ok (ffi_tasks %s)\n", version.c_str());
  return 0;
}
