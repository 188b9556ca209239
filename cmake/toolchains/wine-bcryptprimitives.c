/* A stand-in for bcryptprimitives.dll, for wine versions without it (wine 8,
 * Debian 12's): Rust's standard library (1.78 and later) imports ProcessPrng
 * from it for its random seeds. cmake/toolchains/wine-run.sh builds this into
 * the wine prefix; it is not part of ffi_tasks and never ships. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG chunk = len > 0x40000000u ? 0x40000000u : (ULONG)len;
    if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
      return FALSE;
    }
    data += chunk;
    len -= chunk;
  }
  return TRUE;
}
