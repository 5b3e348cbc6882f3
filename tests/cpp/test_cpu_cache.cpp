// The CPU allocator's cache of large blocks (nerve/cpu_memory.h): a freed block is reused by the
// next request of its size class, the cached bytes never exceed the limit (oldest blocks go
// first), release and a lower limit free what is cached, and threads that allocate and free
// concurrently (also each other's blocks) leave the cache consistent and the memory intact.
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "check.h"
#include "cpu/backend.h"
#include "nerve/cpu_memory.h"

using namespace nerve;

namespace {

constexpr size_t MiB = size_t(1) << 20;

Allocator& cpu() { return *cpu_backend().allocator; }

void reuse_by_size_class() {
  set_cpu_cache_limit(64 * MiB);
  release_cpu_cache();
  const CpuCacheStats s0 = cpu_cache_stats();
  void* p = cpu().allocate(MiB);
  std::memset(p, 1, MiB);
  cpu().deallocate(p);
  CHECK(cpu_cache_stats().cached_bytes == MiB);
  CHECK(cpu_cache_stats().cached_blocks == 1);
  void* q = cpu().allocate(MiB - 1000);  // the same size class
  CHECK(q == p);
  CHECK(cpu_cache_stats().hits == s0.hits + 1);
  CHECK(cpu_cache_stats().cached_bytes == 0);
  cpu().deallocate(q);
  void* big = cpu().allocate(2 * MiB);  // twice the cached size: not served by it
  CHECK(big != p);
  CHECK(cpu_cache_stats().misses == s0.misses + 2);
  CHECK(cpu_cache_stats().cached_blocks == 1);
  std::memset(big, 2, 2 * MiB);
  cpu().deallocate(big);
  CHECK(cpu_cache_stats().cached_bytes == 3 * MiB);
  CHECK(release_cpu_cache() == 3 * MiB);
  CHECK(cpu_cache_stats().cached_bytes == 0);
  CHECK(cpu_cache_stats().cached_blocks == 0);
}

void small_blocks_stay_out() {
  release_cpu_cache();
  void* p = cpu().allocate(4096);
  cpu().deallocate(p);
  CHECK(cpu_cache_stats().cached_bytes == 0);
}

void limit_evicts_oldest() {
  release_cpu_cache();
  set_cpu_cache_limit(3 * MiB);
  CHECK(cpu_cache_limit() == 3 * MiB);
  void* a[4];
  for (auto& p : a) p = cpu().allocate(MiB);
  for (auto& p : a) cpu().deallocate(p);  // the fourth pushes out the first
  CpuCacheStats s = cpu_cache_stats();
  CHECK(s.cached_bytes == 3 * MiB);
  CHECK(s.cached_blocks == 3);
  void* b[3];
  for (auto& p : b) p = cpu().allocate(MiB);
  for (void* p : b) CHECK(p != a[0] && (p == a[1] || p == a[2] || p == a[3]));
  CHECK(cpu_cache_stats().hits == s.hits + 3);
  for (void* p : b) cpu().deallocate(p);

  void* huge = cpu().allocate(4 * MiB);  // over the limit: freed at once, the cache untouched
  cpu().deallocate(huge);
  CHECK(cpu_cache_stats().cached_bytes == 3 * MiB);

  set_cpu_cache_limit(MiB + MiB / 2);  // a lower limit frees the oldest until the rest fits
  CHECK(cpu_cache_stats().cached_bytes == MiB);
  set_cpu_cache_limit(0);  // off: nothing is kept
  CHECK(cpu_cache_stats().cached_bytes == 0);
  void* p = cpu().allocate(MiB);
  cpu().deallocate(p);
  CHECK(cpu_cache_stats().cached_bytes == 0);
}

// Threads allocate blocks of a few sizes, fill them with their own pattern, check it, and free
// half of them themselves and hand the other half to the next thread to free.
void concurrent_threads() {
  release_cpu_cache();
  set_cpu_cache_limit(24 * MiB);
  constexpr int kThreads = 4, kRounds = 300;
  const size_t sizes[] = {300 << 10, MiB, 3 * MiB / 2, 2 * MiB + 12345};
  std::vector<std::vector<void*>> handoff(kThreads);
  std::vector<int> bad(kThreads, 0);
  std::vector<std::thread> threads;
  const CpuCacheStats s0 = cpu_cache_stats();
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        const size_t n = sizes[(r + t) % 4];
        auto* p = static_cast<unsigned char*>(cpu().allocate(n));
        const unsigned char mark = static_cast<unsigned char>(t * 31 + r);
        p[0] = p[n / 2] = p[n - 1] = mark;
        std::this_thread::yield();
        if (p[0] != mark || p[n / 2] != mark || p[n - 1] != mark) ++bad[t];
        if (r % 2) {
          cpu().deallocate(p);
        } else {
          handoff[t].push_back(p);
        }
      }
    });
  for (auto& th : threads) th.join();
  threads.clear();
  for (int t = 0; t < kThreads; ++t)  // each thread frees its neighbour's blocks
    threads.emplace_back([&, t] {
      for (void* p : handoff[(t + 1) % kThreads]) cpu().deallocate(p);
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(bad[t] == 0);
  const CpuCacheStats s = cpu_cache_stats();
  CHECK(s.hits + s.misses - s0.hits - s0.misses == size_t(kThreads) * kRounds);
  CHECK(s.hits > s0.hits);  // sizes repeat: most requests are served from the cache
  CHECK(s.cached_bytes <= 24 * MiB);
  CHECK(s.cached_bytes > 0);
  release_cpu_cache();
  CHECK(cpu_cache_stats().cached_bytes == 0);
}

}  // namespace

int main() {
  set_cpu_cache_limit(64 * MiB);
  if (cpu_cache_limit() == 0) {  // AddressSanitizer builds keep no cache (reuse hides misuse)
    std::printf("test_cpu_cache: the cache is off in this build; nothing to test\n");
    return 0;
  }
  reuse_by_size_class();
  small_blocks_stay_out();
  limit_evicts_oldest();
  concurrent_threads();
  return nerve_test::test_exit_code("test_cpu_cache");
}
