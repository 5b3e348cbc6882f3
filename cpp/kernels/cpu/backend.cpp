// The CPU device: 64-byte-aligned host memory, memcpy copies, the CPU kernel table.
#include "cpu/backend.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "kernel_table.h"
#include "nerve/tensor.h"

namespace nerve {

namespace {
class CpuAllocator : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
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
