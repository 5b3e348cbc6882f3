// Devices: the current device (nerve.device), the registered ones, and the test-only poison
// device with its allocation counters (nerve._core._testing).
#include "nerve/device.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/testing.h"

namespace py = pybind11;
namespace nerve::py_bindings {

// parse_device's std::invalid_argument lists the devices; Python sees it as ValueError.
static Device parsed(const std::string& name) { return parse_device(name); }

void bind_device(py::module_& m) {
  m.def(
      "current_device", [] { return current_device().str(); },
      "The device where new tensors, weights and numpy inputs go (nerve.device sets it).");
  m.def(
      "set_current_device", [](const std::string& name) { set_current_device(parsed(name)); }, py::arg("name"),
      "Sets the current device by name ('cpu', 'poison:0'); ValueError lists the devices.");
  m.def("available_devices", &available_devices, "The registered devices by name.");
  m.def(
      "allocation_count", [](const std::string& name) { return allocation_count(parsed(name).type); },
      py::arg("device"), "Storage allocations made on a device type so far.");

  auto testing = m.def_submodule("_testing", "Test-only devices and counters (not a public API).");
  testing.def(
      "register_poison_device", [] { return testing::register_poison_device().str(); },
      "Registers the poison device (once) and returns its name: host memory from its own allocator, "
      "poisoned (NaN) when freed, and the CPU's kernel table.");
  testing.def("blank_poison_kernels", &testing::blank_poison_kernels, py::arg("family"),
              "Nulls one kernel family on the poison device (ValueError for an unknown family).");
  testing.def("restore_poison_kernels", &testing::restore_poison_kernels,
              "Gives the poison device the CPU's kernel table back.");
  testing.def("poison_stats", [] {
    testing::PoisonStats s = testing::poison_stats();
    py::dict d;
    d["live"] = s.live;
    d["total"] = s.total;
    d["live_bytes"] = s.live_bytes;
    return d;
  });
}

}  // namespace nerve::py_bindings
