// Seeds and weight initializers.
#include "nerve/initializers.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/random.h"
#include "nerve/tensor.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_initializers(py::module_& m) {
  m.def("set_seed", &set_seed, py::arg("seed"));
  m.def("next_seed", &next_seed);
  py::class_<Initializer>(m, "Initializer")
      .def(py::init([](const std::string& name, float value, float minval, float maxval, float mean, float stddev,
                       float gain, float scale, const std::string& mode, const std::string& distribution) {
             Initializer i{name, value, minval, maxval, mean, stddev, gain, scale, mode, distribution};
             check_initializer(i);
             return i;
           }),
           py::arg("name"), py::arg("value") = 0.f, py::arg("minval") = -0.05f, py::arg("maxval") = 0.05f,
           py::arg("mean") = 0.f, py::arg("stddev") = 0.05f, py::arg("gain") = 1.f, py::arg("scale") = 1.f,
           py::arg("mode") = "fan_in", py::arg("distribution") = "truncated_normal")
      .def_readonly("name", &Initializer::name);
  m.def(
      "initialize",
      [](Tensor& t, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed) {
        initialize(t, init, fan_in, fan_out, seed);
      },
      py::arg("tensor"), py::arg("initializer"), py::arg("fan_in"), py::arg("fan_out"), py::arg("seed"),
      "Fill a tensor in place (for tests and custom weights).");
}

}  // namespace nerve::py_bindings
