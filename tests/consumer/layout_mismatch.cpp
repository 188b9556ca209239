// The C++ twin of layout_mismatch.c: consumer_tasks.h under #pragma pack(1)
// must fail to compile (test consumer_layout_packed_cpp).
#include <ffi_tasks/ffi_tasks.h>

#if CONSUMER_PACKED
#pragma pack(push, 1)
#endif
#include "consumer_tasks.h"
#if CONSUMER_PACKED
#pragma pack(pop)
#endif

int consumer_layout_cpp();
int consumer_layout_cpp() { return static_cast<int>(sizeof(SumTo)); }
