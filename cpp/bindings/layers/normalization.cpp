// Normalization layers (BatchNormalization, LayerNormalization) and their ops.
#include "nerve/layers/normalization.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/normalization.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_normalization_layers(py::module_& m) {
  py::class_<BatchNormalization, Layer, std::shared_ptr<BatchNormalization>>(m, "BatchNormalization")
      .def(py::init<std::string, float, float, bool, bool, Initializer, Initializer, Initializer, Initializer>(),
           py::arg("name"), py::arg("momentum") = 0.99f, py::arg("epsilon") = 1e-3f, py::arg("center") = true,
           py::arg("scale") = true, py::arg("beta_initializer") = Initializer{"zeros"},
           py::arg("gamma_initializer") = Initializer{"ones"},
           py::arg("moving_mean_initializer") = Initializer{"zeros"},
           py::arg("moving_variance_initializer") = Initializer{"ones"});
  py::class_<LayerNormalization, Layer, std::shared_ptr<LayerNormalization>>(m, "LayerNormalization")
      .def(py::init<std::string, float, bool, bool, Initializer, Initializer>(), py::arg("name"),
           py::arg("epsilon") = 1e-3f, py::arg("center") = true, py::arg("scale") = true,
           py::arg("gamma_initializer") = Initializer{"ones"}, py::arg("beta_initializer") = Initializer{"zeros"});

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def(
      "batch_norm",
      [](const Tensor& x, const std::optional<Tensor>& gamma, const std::optional<Tensor>& beta,
         const Tensor& moving_mean, const Tensor& moving_variance, bool training, float momentum, float epsilon) {
        return batch_norm(x, opt(gamma), opt(beta), moving_mean, moving_variance, training, momentum, epsilon);
      },
      py::arg("x"), py::arg("gamma"), py::arg("beta"), py::arg("moving_mean"), py::arg("moving_variance"),
      py::arg("training"), py::arg("momentum") = 0.99f, py::arg("epsilon") = 1e-3f, GilFree());
  ops.def(
      "layer_norm",
      [](const Tensor& x, const OptT& g, const OptT& b, float eps) { return layer_norm(x, opt(g), opt(b), eps); },
      py::arg("x"), py::arg("gamma") = py::none(), py::arg("beta") = py::none(), py::arg("epsilon") = 1e-3f);
}

}  // namespace nerve::py_bindings
