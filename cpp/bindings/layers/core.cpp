// Core layers: Dense and Activation.
#include "nerve/layers/core.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_core_layers(py::module_& m) {
  py::class_<Dense, Layer, std::shared_ptr<Dense>>(m, "Dense")
      .def(py::init([](const std::string& name, int64_t units, const std::string& act, float alpha, bool use_bias,
                       const Initializer& k, const Initializer& b) {
             return std::make_shared<Dense>(name, units, activation_for_layer("Dense '" + name + "'", act), alpha,
                                            use_bias, k, b);
           }),
           py::arg("name"), py::arg("units"), py::arg("activation") = "linear", py::arg("alpha") = 0.f,
           py::arg("use_bias") = true, py::arg("kernel_initializer") = Initializer{},
           py::arg("bias_initializer") = Initializer{"zeros"});
  py::class_<ActivationLayer, Layer, std::shared_ptr<ActivationLayer>>(m, "Activation")
      .def(py::init([](const std::string& name, const std::string& act, float alpha) {
             return std::make_shared<ActivationLayer>(name, activation_for_layer("Activation '" + name + "'", act),
                                                      alpha);
           }),
           py::arg("name"), py::arg("activation"), py::arg("alpha") = 0.f);
}

}  // namespace nerve::py_bindings
