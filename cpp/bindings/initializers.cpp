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
  // Each initializer's Python class passes only the settings it has; the rest keep the struct's.
  const Initializer kInit;
  py::class_<Initializer>(m, "Initializer")
      .def(
          py::init([](const std::string& name, float value, float minval, float maxval, float mean, float stddev,
                      float gain, float scale, const std::string& mode, const std::string& distribution, int64_t seed) {
            Initializer i{name, value, minval, maxval, mean, stddev, gain, scale, mode, distribution, seed};
            check_initializer(i);
            return i;
          }),
          py::arg("name"), py::arg("value") = kInit.value, py::arg("minval") = kInit.minval,
          py::arg("maxval") = kInit.maxval, py::arg("mean") = kInit.mean, py::arg("stddev") = kInit.stddev,
          py::arg("gain") = kInit.gain, py::arg("scale") = kInit.scale, py::arg("mode") = kInit.mode,
          py::arg("distribution") = kInit.distribution, py::arg("seed") = kInit.seed)
      .def_readonly("name", &Initializer::name)
      .def_readonly("seed", &Initializer::seed);
  m.def(
      "initialize",
      [](Tensor& t, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed) {
        initialize(t, init, fan_in, fan_out, seed);
      },
      py::arg("tensor"), py::arg("initializer"), py::arg("fan_in"), py::arg("fan_out"), py::arg("seed"),
      "Fill a tensor in place (for tests and custom weights).");
}

}  // namespace nerve::py_bindings
