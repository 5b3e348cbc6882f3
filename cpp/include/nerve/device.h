// Where a tensor's memory lives. Only CPU exists today; a CUDA backend registers an Allocator for
// DeviceType::CUDA (and its kernels in the op dispatch) without any change to layer code.
#pragma once
#include <cstddef>
#include <string>

namespace nerve {

enum class DeviceType : unsigned char { CPU = 0, CUDA = 1 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;
};

// The one place that knows how a device gets memory.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr) = 0;
};

// Throws std::runtime_error when no backend for that device is registered.
Allocator& allocator_for(Device device);
// Called by an optional backend (e.g. CUDA) when it loads.
void register_allocator(DeviceType type, Allocator* allocator);

}  // namespace nerve
