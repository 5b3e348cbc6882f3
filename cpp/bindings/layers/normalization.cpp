// The normalization ops (the layers are registered: nerve/layers/arguments.h and bindings/layers/arguments.cpp).
#include "nerve/ops/normalization.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_normalization_layers(py::module_& m) {
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
