// Autograd control for GradientTape: the recording switch and gradients().
#include "nerve/autograd.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_autograd(py::module_& m) {
  // Autograd control for GradientTape.
  m.def("grad_enabled", &grad_enabled);
  m.def("set_grad_enabled", &set_grad_enabled, py::arg("enabled"),
        "Turns op recording on or off for this thread; returns the previous setting.");
  m.def(
      "gradients",
      [](const Tensor& target, const std::vector<Tensor>& sources, std::optional<Tensor> grad) {
        std::vector<Tensor> gs;
        {
          py::gil_scoped_release release;
          gs = gradients(target, sources, grad ? *grad : Tensor());
        }
        py::list out;
        for (const Tensor& g : gs) out.append(g.defined() ? py::cast(g) : py::none());
        return out;
      },
      py::arg("target"), py::arg("sources"), py::arg("output_gradient") = py::none());
}

}  // namespace nerve::py_bindings
