// The CPU device: 64-byte-aligned host memory, memcpy copies, the CPU kernel table.
#include "cpu/backend.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#ifdef __linux__
#include <sys/sysinfo.h>
#endif

#include "kernel_table.h"
#include "nerve/tensor.h"

namespace nerve {

namespace {
// RAM plus swap: no tensor larger than that can ever be filled. Linux refuses such a request
// itself in its default overcommit mode, but with vm.overcommit_memory=1 aligned_alloc would
// return address space and the first write (the initializer) would wake the OOM killer instead of
// raising MemoryError.
size_t machine_memory_bytes() {
#ifdef __linux__
  static const size_t total = [] {
    struct sysinfo info{};
    if (sysinfo(&info) != 0) return std::numeric_limits<size_t>::max();
    return (static_cast<size_t>(info.totalram) + info.totalswap) * info.mem_unit;
  }();
  return total;
#else
  return std::numeric_limits<size_t>::max();  // elsewhere the allocator's own answer decides
#endif
}

// Recently freed blocks of this thread, reused by size. A training step allocates the same few
// dozen small tensors every step; aligned_alloc of small sizes takes glibc's slow memalign path
// (no tcache: a larger chunk is carved and its ends freed), and frees of those blocks fill the
// fast bins until malloc_consolidate runs. Profiled on the XOR fit (2-16-1, batch 4): malloc,
// free and consolidation were 35% of the run. A block freed on one thread may be reused on
// another (it is plain aligned_alloc memory); the cache holds at most kSlots blocks and
// kMaxCachedBytes per thread, and is off under AddressSanitizer (reuse would hide
// use-after-free).
class BlockCache {
 public:
  static constexpr int kSlots = 32;
  static constexpr size_t kMaxBlock = size_t(256) << 10;
  static constexpr size_t kMaxCachedBytes = size_t(4) << 20;
  ~BlockCache() {
    for (int i = 0; i < count_; ++i) std::free(slots_[i].ptr);
    count_ = 0;
    dead_ = true;
  }
  // A cached block of usable size in [rounded, 2 * rounded), or null.
  void* take(size_t rounded) {
    for (int i = count_ - 1; i >= 0; --i)
      if (slots_[i].size >= rounded && slots_[i].size < 2 * rounded) {
        void* p = slots_[i].ptr;
        bytes_ -= slots_[i].size;
        slots_[i] = slots_[--count_];
        return p;
      }
    return nullptr;
  }
  // Keeps p (true) or leaves it to the caller to free (false).
  bool give(void* p) {
    if (dead_) return false;  // thread exit: the cache is gone
    const size_t size = malloc_usable_size(p);
    if (size > kMaxBlock || count_ == kSlots || bytes_ + size > kMaxCachedBytes) return false;
    slots_[count_++] = {p, size};
    bytes_ += size;
    return true;
  }
  static BlockCache* mine() { return dead_ ? nullptr : &tl_cache_; }

 private:
  struct Slot {
    void* ptr;
    size_t size;
  };
  Slot slots_[kSlots];
  int count_ = 0;
  size_t bytes_ = 0;
  static thread_local BlockCache tl_cache_;
  static thread_local bool dead_;  // trivially destructible: still readable after ~BlockCache
};
thread_local BlockCache BlockCache::tl_cache_;
thread_local bool BlockCache::dead_ = false;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheBlocks = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCacheBlocks = false;
#else
constexpr bool kCacheBlocks = true;
#endif
#else
constexpr bool kCacheBlocks = true;
#endif

class CpuAllocator : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    if (nbytes > machine_memory_bytes()) throw std::bad_alloc();
    // aligned_alloc wants a size that is a multiple of the alignment.
    size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded == 0) rounded = kAlignment;
    if (kCacheBlocks && rounded <= BlockCache::kMaxBlock)
      if (BlockCache* cache = BlockCache::mine())
        if (void* p = cache->take(rounded)) return p;
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void deallocate(void* ptr) override {
    if (kCacheBlocks && ptr)
      if (BlockCache* cache = BlockCache::mine())
        if (cache->give(ptr)) return;
    std::free(ptr);
  }
};
}  // namespace

void host_memcpy(void* dst, const void* src, size_t nbytes) {
  if (nbytes) std::memcpy(dst, src, nbytes);
}

const Backend& cpu_backend() {
  static CpuAllocator allocator;
  static const Backend backend = [] {
    Backend b;
    b.name = "cpu";
    b.allocator = &allocator;
    b.host_accessible = true;
    b.copy_from_host = host_memcpy;
    b.copy_to_host = host_memcpy;
    b.copy = host_memcpy;
    b.kernels = &cpu_kernel_table();
    return b;
  }();
  return backend;
}

}  // namespace nerve
