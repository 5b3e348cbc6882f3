// The CPU device: 64-byte-aligned host memory, memcpy copies, the CPU kernel table.
#include "cpu/backend.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <list>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

#ifdef __linux__
#include <sys/sysinfo.h>
#endif

#include "kernel_table.h"
#include "nerve/cpu_memory.h"
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
  bool give(void* p, size_t size) {  // size: malloc_usable_size(p)
    if (dead_) return false;         // thread exit: the cache is gone
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

// Freed blocks over BlockCache::kMaxBlock, shared by all threads, up to a byte limit. glibc
// serves such sizes with mmap (or from the top of the heap, which it trims), so each free returns
// the pages to the OS and the next step's tensor of the same size faults in and zeroes fresh ones:
// profiled on the MNIST CNN training (batch 64, 1 thread, AMD EPYC Zen 3), 1.9k page faults and
// 8 ms of kernel time per 135 ms step. Sizes are rounded up to 8 classes per power of two (at most
// 12.5% slack) so that the blocks of one step fit the next step's requests; a request takes a
// cached block of its class or up to a quarter larger. When the limit would be exceeded the
// oldest blocks are freed first.
class LargeBlockCache {
 public:
  static LargeBlockCache& instance() {
    static LargeBlockCache* cache = new LargeBlockCache;  // never destroyed: frees at exit still work
    return *cache;
  }
  // The size a request of `bytes` (> BlockCache::kMaxBlock) is allocated with.
  static size_t size_class(size_t bytes) {
    const int top = 63 - __builtin_clzll(bytes);  // 2^top <= bytes
    const size_t granule = size_t(1) << (top - 3);
    return (bytes + granule - 1) / granule * granule;
  }

  void* allocate(size_t bytes) {
    const size_t cls = size_class(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = by_size_.lower_bound(cls);
      if (it != by_size_.end() && it->first <= cls + cls / 4) {
        const Block b = *it->second;
        lru_.erase(it->second);
        by_size_.erase(it);
        cached_bytes_ -= b.size;
        live_[b.ptr] = b.size;
        ++hits_;
        return b.ptr;
      }
      ++misses_;
    }
    void* p = std::aligned_alloc(kAlignment, cls);
    if (!p && release() > 0) p = std::aligned_alloc(kAlignment, cls);  // cached blocks first
    if (!p) throw std::bad_alloc();
    std::lock_guard<std::mutex> lock(mu_);
    live_[p] = cls;
    return p;
  }
  // Keeps or frees p; false when p did not come from allocate() (the caller frees it).
  bool deallocate(void* p) {
    std::list<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto live = live_.find(p);
      if (live == live_.end()) return false;
      const size_t size = live->second;
      live_.erase(live);
      if (size > limit_) {
        evicted.push_back({p, size});
      } else {
        while (cached_bytes_ + size > limit_) evict_oldest(evicted);
        lru_.push_back({p, size});
        by_size_.emplace(size, std::prev(lru_.end()));
        cached_bytes_ += size;
      }
    }
    for (const Block& b : evicted) std::free(b.ptr);  // outside the lock
    return true;
  }
  size_t set_limit(size_t bytes) {
    std::list<Block> evicted;
    size_t freed = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      limit_ = bytes;
      while (cached_bytes_ > limit_) evict_oldest(evicted);
    }
    for (const Block& b : evicted) {
      freed += b.size;
      std::free(b.ptr);
    }
    return freed;
  }
  size_t release() {
    std::list<Block> evicted;
    size_t freed = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      evicted.swap(lru_);
      by_size_.clear();
      cached_bytes_ = 0;
    }
    for (const Block& b : evicted) {
      freed += b.size;
      std::free(b.ptr);
    }
    return freed;
  }
  CpuCacheStats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return {cached_bytes_, lru_.size(), limit_, hits_, misses_};
  }
  size_t limit() {
    std::lock_guard<std::mutex> lock(mu_);
    return limit_;
  }

 private:
  struct Block {
    void* ptr;
    size_t size;
  };
  LargeBlockCache() {
    if (const char* env = std::getenv("NERVE_CPU_CACHE_BYTES")) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(env, &end, 10);
      if (end != env && *end == '\0') limit_ = static_cast<size_t>(v);
    }
  }
  void evict_oldest(std::list<Block>& out) {  // mu_ held; the cache is not empty
    auto oldest = lru_.begin();
    auto range = by_size_.equal_range(oldest->size);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == oldest) {
        by_size_.erase(it);
        break;
      }
    cached_bytes_ -= oldest->size;
    out.splice(out.end(), lru_, oldest);
  }

  std::mutex mu_;
  std::list<Block> lru_;                                       // cached blocks, oldest first
  std::multimap<size_t, std::list<Block>::iterator> by_size_;  // the same blocks by size
  std::unordered_map<void*, size_t> live_;                     // handed out: pointer -> size
  size_t cached_bytes_ = 0;
  size_t limit_ = size_t(256) << 20;
  size_t hits_ = 0, misses_ = 0;
};

class CpuAllocator : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    if (nbytes > machine_memory_bytes()) throw std::bad_alloc();
    // aligned_alloc wants a size that is a multiple of the alignment.
    size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded == 0) rounded = kAlignment;
    if (kCacheBlocks && rounded > BlockCache::kMaxBlock) return LargeBlockCache::instance().allocate(rounded);
    if (kCacheBlocks)
      if (BlockCache* cache = BlockCache::mine())
        if (void* p = cache->take(rounded)) return p;
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (!p && kCacheBlocks && LargeBlockCache::instance().release() > 0) p = std::aligned_alloc(kAlignment, rounded);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void deallocate(void* ptr) override {
    if (kCacheBlocks && ptr) {
      const size_t size = malloc_usable_size(ptr);
      if (size > BlockCache::kMaxBlock) {
        if (LargeBlockCache::instance().deallocate(ptr)) return;
      } else if (BlockCache* cache = BlockCache::mine()) {
        if (cache->give(ptr, size)) return;
      }
    }
    std::free(ptr);
  }
};
}  // namespace

void set_cpu_cache_limit(size_t bytes) {
  if (kCacheBlocks) LargeBlockCache::instance().set_limit(bytes);
}
size_t cpu_cache_limit() { return kCacheBlocks ? LargeBlockCache::instance().limit() : 0; }
size_t release_cpu_cache() { return kCacheBlocks ? LargeBlockCache::instance().release() : 0; }
CpuCacheStats cpu_cache_stats() { return kCacheBlocks ? LargeBlockCache::instance().stats() : CpuCacheStats{}; }

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
