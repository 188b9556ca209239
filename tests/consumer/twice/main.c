/* Never built: run_twice.cmake only configures this project. */
#include <ffi_tasks/ffi_tasks.h>

int main(void) { return 0; }
