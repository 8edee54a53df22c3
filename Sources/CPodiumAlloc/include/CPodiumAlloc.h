#ifndef C_PODIUM_ALLOC_H
#define C_PODIUM_ALLOC_H

#include <stddef.h>

/// Bytes the C allocator has handed out and not had back (glibc: mallinfo2's in-use heap bytes plus mmapped
/// chunks), the figure `maxmemory` and INFO `used_memory` use, like Redis' allocator-based `used_memory`.
/// 0 where the allocator cannot tell.
size_t podium_allocated_bytes(void);

/// glibc `mallopt(M_TRIM_THRESHOLD / M_TOP_PAD)`; does nothing elsewhere.
void podium_tune_allocator(size_t trim_threshold, size_t top_pad);

#endif
