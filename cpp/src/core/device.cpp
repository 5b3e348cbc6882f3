// The backend registry and the current device.
#include "nerve/device.h"

#include <atomic>
#include <mutex>
#include <stdexcept>

#include "cpu/backend.h"

namespace nerve {

namespace {

// Slot i holds the backend of DeviceType i. Written only under g_register (rarely: at load or
// from a test), read lock-free by every allocation, hence the atomics.
struct Registry {
  std::atomic<const Backend*> slots[kMaxDeviceTypes];
  Registry() {
    for (auto& slot : slots) slot.store(nullptr);
    slots[0].store(&cpu_backend());
  }
};
std::atomic<const Backend*>* backends() {
  static Registry registry;
  return registry.slots;
}
std::mutex g_register;
std::atomic<int64_t> g_allocations[kMaxDeviceTypes] = {};

// Packed (type, index) so that the current device is one atomic word.
std::atomic<uint32_t> g_current{0};
uint32_t pack(Device d) { return (static_cast<uint32_t>(d.type) << 16) | static_cast<uint16_t>(d.index); }
Device unpack(uint32_t v) { return Device{static_cast<DeviceType>(v >> 16), static_cast<int>(v & 0xffff)}; }

const Backend* find(DeviceType type) {
  auto t = static_cast<size_t>(type);
  return t < kMaxDeviceTypes ? backends()[t].load(std::memory_order_acquire) : nullptr;
}

}  // namespace

std::string Device::str() const {
  if (type == DeviceType::CPU) return "cpu";
  const Backend* b = find(type);
  std::string name = b ? b->name : type == DeviceType::CUDA ? "cuda" : "device" + std::to_string(int(type));
  return name + ":" + std::to_string(index);
}

DeviceType register_backend(const Backend* backend) {
  if (!backend || !backend->allocator || !backend->kernels || !backend->copy_from_host || !backend->copy_to_host ||
      !backend->copy)
    throw std::invalid_argument("register_backend: a backend needs an allocator, copies and a kernel table");
  std::lock_guard<std::mutex> lock(g_register);
  for (int t = 0; t < kMaxDeviceTypes; ++t) {
    const Backend* b = backends()[t].load();
    if (b && b->name == backend->name)
      throw std::invalid_argument("register_backend: a device named '" + backend->name + "' exists");
  }
  for (int t = kFirstRuntimeDevice; t < kMaxDeviceTypes; ++t) {
    if (!backends()[t].load()) {
      backends()[t].store(backend, std::memory_order_release);
      return static_cast<DeviceType>(t);
    }
  }
  throw std::invalid_argument("register_backend: no free device type for '" + backend->name + "'");
}

void register_backend(DeviceType type, const Backend* backend) {
  if (type == DeviceType::CPU) throw std::invalid_argument("register_backend: the CPU backend is built in");
  std::lock_guard<std::mutex> lock(g_register);
  backends()[static_cast<size_t>(type)].store(backend, std::memory_order_release);
}

const Backend& backend_for(Device device) {
  const Backend* b = find(device.type);
  if (!b) throw std::runtime_error("device " + device.str() + " is not available in this build");
  return *b;
}

Allocator& allocator_for(Device device) { return *backend_for(device).allocator; }

std::vector<std::string> available_devices() {
  std::vector<std::string> out;
  for (int t = 0; t < kMaxDeviceTypes; ++t)
    if (backends()[t].load()) out.push_back(Device{static_cast<DeviceType>(t), 0}.str());
  return out;
}

Device parse_device(const std::string& name) {
  std::string kind = name, index;
  if (auto colon = name.find(':'); colon != std::string::npos) {
    kind = name.substr(0, colon);
    index = name.substr(colon + 1);
  }
  auto fail = [&] {
    std::string list;
    for (const std::string& d : available_devices()) list += (list.empty() ? "" : ", ") + d;
    return std::invalid_argument("unknown device '" + name + "'; available devices: " + list);
  };
  if (!index.empty() && index.find_first_not_of("0123456789") != std::string::npos) throw fail();
  int i = index.empty() ? 0 : std::stoi(index);
  for (int t = 0; t < kMaxDeviceTypes; ++t) {
    const Backend* b = backends()[t].load();
    // One device per type for now: CPU is "cpu" (or "cpu:0"), every other type "<name>:0".
    if (b && b->name == kind && i == 0) return Device{static_cast<DeviceType>(t), 0};
  }
  throw fail();
}

int64_t allocation_count(DeviceType type) { return g_allocations[static_cast<size_t>(type)].load(); }

namespace detail {
void count_allocation(DeviceType type) { g_allocations[static_cast<size_t>(type)].fetch_add(1); }
}  // namespace detail

Device current_device() { return unpack(g_current.load(std::memory_order_relaxed)); }
void set_current_device(Device device) {
  backend_for(device);  // refuse a device with no backend before anything is created on it
  g_current.store(pack(device), std::memory_order_relaxed);
}

}  // namespace nerve
