// The CPU allocator's cache of large blocks (over 256 KiB): tensors freed by one training step or
// predict call are kept, up to a byte limit, for the next one to reuse, instead of going back to
// glibc, which returns such blocks to the OS (munmap, or trimming the heap) so that every step
// faults in and zeroes fresh pages (measured: 1.9k page faults and 6% of a CNN training step's
// CPU time). Blocks of every thread share one cache (a mutex guards it).
#pragma once

#include <cstddef>

namespace nerve {

struct CpuCacheStats {
  size_t cached_bytes = 0;   // held by the cache now, free for reuse
  size_t cached_blocks = 0;  // the number of those blocks
  size_t limit_bytes = 0;    // the cap on cached_bytes
  size_t hits = 0;           // large allocations served from the cache (since start)
  size_t misses = 0;         // large allocations that went to the system allocator
};

// The cap on the bytes the cache holds (default 256 MiB, or NERVE_CPU_CACHE_BYTES from the
// environment at first use; 0 turns the cache off). Lowering it frees the oldest blocks until the
// cache fits. A freed block that would exceed the cap pushes out the oldest ones; one larger than
// the cap is freed at once.
void set_cpu_cache_limit(size_t bytes);
size_t cpu_cache_limit();
// Frees every cached block (as torch.cuda.empty_cache does for its device); returns the bytes
// freed. The allocator also does this itself before it reports an allocation as failed.
size_t release_cpu_cache();
CpuCacheStats cpu_cache_stats();

}  // namespace nerve
