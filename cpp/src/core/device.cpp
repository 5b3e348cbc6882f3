#include "nerve/device.h"

#include <cstdlib>
#include <new>
#include <stdexcept>

#include "nerve/tensor.h"

namespace nerve {

std::string Device::str() const {
  return (type == DeviceType::CPU ? std::string("cpu") : "cuda:" + std::to_string(index));
}

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

Allocator* g_allocators[2] = {nullptr, nullptr};
}  // namespace

Allocator& allocator_for(Device device) {
  static CpuAllocator cpu;
  if (device.type == DeviceType::CPU) return cpu;
  Allocator* a = g_allocators[static_cast<int>(device.type)];
  if (!a) throw std::runtime_error("device " + device.str() + " is not available in this build");
  return *a;
}

void register_allocator(DeviceType type, Allocator* allocator) { g_allocators[static_cast<int>(type)] = allocator; }

}  // namespace nerve
