/* Includes the generated consumer_tasks.h; with CONSUMER_PACKED, under
 * #pragma pack(1), which gives the C struct SumTo another alignment than
 * Rust's #[repr(C)] struct has: the header's layout check must then fail to
 * compile (tests consumer_layout_packed*). */
#include <ffi_tasks/ffi_tasks.h>

#if CONSUMER_PACKED
#pragma pack(push, 1)
#endif
#include "consumer_tasks.h"
#if CONSUMER_PACKED
#pragma pack(pop)
#endif

int consumer_layout_c(void);
int consumer_layout_c(void) { return (int)sizeof(SumTo); }
