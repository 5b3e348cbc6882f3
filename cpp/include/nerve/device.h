// Where a tensor's memory lives, and the backend each kind of device plugs in.
//
// A backend (in the manner of ggml's backend interface) is one Backend record: a name, an
// Allocator, copies to and from host memory, and a kernel table (cpp/kernels/kernel_table.h) that
// the ops dispatch through. CPU is built in; CUDA is a reserved type; other device types (the
// poison test device, a plug-in) register at run time and get the next free DeviceType value.
// cpp/kernels/README.md says what a new device provides.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nerve {

// CPU and CUDA are fixed; register_backend hands out values from kFirstRuntimeDevice up.
enum class DeviceType : unsigned char { CPU = 0, CUDA = 1 };
constexpr int kFirstRuntimeDevice = 2;
constexpr int kMaxDeviceTypes = 16;

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  // "cpu" for the CPU, "<backend name>:<index>" for every other device ("cuda:0", "poison:0").
  std::string str() const;
};

// The one place that knows how a device gets memory.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr) = 0;
};

struct KernelTable;  // cpp/kernels/kernel_table.h: the typed kernels of one device

// Everything the engine asks of a device. Copies take byte counts; pointers are the device's own
// (what its Allocator returned, plus an offset) or host memory, as the names say.
struct Backend {
  std::string name;                // "cpu", "cuda", "poison": what nerve.device() parses
  Allocator* allocator = nullptr;  // owns every Storage::allocate on this device
  bool host_accessible = false;    // host code may read its pointers (numpy views, no copies)
  void (*copy_from_host)(void* dst, const void* host_src, size_t nbytes) = nullptr;
  void (*copy_to_host)(void* host_dst, const void* src, size_t nbytes) = nullptr;
  void (*copy)(void* dst, const void* src, size_t nbytes) = nullptr;  // within this device
  const KernelTable* kernels = nullptr;
};

// Registers a backend for a new device type and returns that type (the next free value); throws
// std::invalid_argument when the name is taken or the table is full. The record must outlive
// every tensor on the device (static storage in practice).
DeviceType register_backend(const Backend* backend);
// CUDA's reserved slot (a CUDA module calls this when it loads).
void register_backend(DeviceType type, const Backend* backend);
// Throws std::runtime_error naming the device when no backend is registered for its type.
const Backend& backend_for(Device device);
Allocator& allocator_for(Device device);
// "cpu", "poison:0", "poison" (index 0): throws std::invalid_argument listing the devices.
Device parse_device(const std::string& name);
// The registered devices by name ("cpu", "poison:0", ...).
std::vector<std::string> available_devices();

// Storage::allocate calls on each device type so far (the seam test reads them).
int64_t allocation_count(DeviceType type);
namespace detail {
void count_allocation(DeviceType type);  // Storage::allocate's side of allocation_count
}  // namespace detail

// The device where tensors are created when no device is given (Tensor::empty and friends, layer
// weights at build time, arrays coming from numpy). Process-wide, like torch.set_default_device;
// ops put their outputs on their inputs' device instead.
Device current_device();
void set_current_device(Device device);

// Sets the current device for a scope (nerve.device("poison:0") in Python).
class DeviceGuard {
 public:
  explicit DeviceGuard(Device device) : previous_(current_device()) { set_current_device(device); }
  ~DeviceGuard() { set_current_device(previous_); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  Device previous_;
};

}  // namespace nerve
