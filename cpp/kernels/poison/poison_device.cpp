#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include "cpu/backend.h"
#include "kernel_table.h"
#include "nerve/tensor.h"
#include "nerve/testing.h"

namespace nerve::testing {

namespace {

std::atomic<int64_t> g_live{0}, g_total{0}, g_live_bytes{0};

// The device's table: a copy of the CPU's that tests may blank family by family.
KernelTable& poison_table() {
  static KernelTable table = cpu_kernel_table();
  return table;
}

// Each block carries its size in a header one alignment unit long, so that deallocate knows how
// much to poison and the caller's pointer keeps the CPU's 64-byte alignment.
class PoisonAllocator : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    auto* base = static_cast<unsigned char*>(std::aligned_alloc(kAlignment, kAlignment + rounded));
    if (!base) throw std::bad_alloc();
    std::memcpy(base, &nbytes, sizeof nbytes);
    g_live.fetch_add(1);
    g_total.fetch_add(1);
    g_live_bytes.fetch_add(static_cast<int64_t>(nbytes));
    return base + kAlignment;
  }
  void deallocate(void* ptr) override {
    if (!ptr) return;
    auto* base = static_cast<unsigned char*>(ptr) - kAlignment;
    size_t nbytes;
    std::memcpy(&nbytes, base, sizeof nbytes);
    std::memset(ptr, 0xFF, nbytes);  // every float becomes NaN
    g_live.fetch_sub(1);
    g_live_bytes.fetch_sub(static_cast<int64_t>(nbytes));
    std::free(base);
  }
};

}  // namespace

Device register_poison_device() {
  static const Device device = [] {
    static PoisonAllocator allocator;
    static Backend backend;
    backend.name = "poison";
    backend.allocator = &allocator;
    backend.host_accessible = true;
    backend.copy_from_host = host_memcpy;
    backend.copy_to_host = host_memcpy;
    backend.copy = host_memcpy;
    backend.kernels = &poison_table();  // a copy: the seam, not new kernels
    return Device{register_backend(&backend), 0};
  }();
  return device;
}

void blank_poison_kernels(const std::string& family) {
  KernelTable& t = poison_table();
  if (family == "tensor")
    t.tensor = {};
  else if (family == "elementwise")
    t.elementwise = {};
  else if (family == "math")
    t.math = {};
  else if (family == "activation")
    t.activation = {};
  else if (family == "gemm")
    t.gemm = {};
  else if (family == "conv")
    t.conv = {};
  else if (family == "optimizer")
    t.optimizer = {};
  else if (family == "regularization")
    t.regularization = {};
  else if (family == "shape")
    t.shape = {};
  else if (family == "reduction")
    t.reduction = {};
  else if (family == "embedding")
    t.embedding = {};
  else if (family == "normalization")
    t.normalization = {};
  else if (family == "pooling")
    t.pooling = {};
  else if (family == "recurrent")
    t.recurrent = {};
  else if (family == "attention")
    t.attention = {};
  else if (family == "losses")
    t.losses = {};
  else if (family == "random")
    t.random = {};
  else if (family == "augmentation")
    t.augmentation = {};
  else
    throw std::invalid_argument("blank_poison_kernels: no kernel family '" + family + "'");
}

void restore_poison_kernels() { poison_table() = cpu_kernel_table(); }

PoisonStats poison_stats() { return PoisonStats{g_live.load(), g_total.load(), g_live_bytes.load()}; }

}  // namespace nerve::testing
