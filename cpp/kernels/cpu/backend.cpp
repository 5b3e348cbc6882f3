// The CPU device: 64-byte-aligned host memory, memcpy copies, the CPU kernel table.
#include "cpu/backend.h"

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

class CpuAllocator : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    if (nbytes > machine_memory_bytes()) throw std::bad_alloc();
    // aligned_alloc wants a size that is a multiple of the alignment.
    size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void deallocate(void* ptr) override { std::free(ptr); }
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
