#include "CPodiumAlloc.h"

// <stdlib.h> first: it defines __GLIBC__ (through <features.h>) on glibc systems.
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

size_t podium_allocated_bytes(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#else
    return 0;
#endif
}

void podium_tune_allocator(size_t trim_threshold, size_t top_pad) {
#if defined(__GLIBC__)
    mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
    mallopt(M_TOP_PAD, (int)top_pad);
#else
    (void)trim_threshold;
    (void)top_pad;
#endif
}
