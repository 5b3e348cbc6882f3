// The name registries of activations, losses and initializers: Python builds its tables, aliases
// and error messages from these (nerve/names.h), so each list is written once, in C++.
#include "nerve/names.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/activation.h"
#include "nerve/losses.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_names(py::module_& m) {
  m.def("activation_names", &activation_name_list, "Every activation name (Keras aliases included).");
  m.def(
      "activation_canonical_name", [](const std::string& name) { return activation_name(activation_from_name(name)); },
      py::arg("name"), "The canonical name of an activation name or alias (swish -> silu).");
  m.def(
      "activation_default_alpha",
      [](const std::string& name) { return activation_default_alpha(activation_from_name(name)); }, py::arg("name"),
      "Keras's default for the one parameter of an activation given by name (0: none).");
  m.def(
      "activation_elementwise",
      [](const std::string& name) { return activation_elementwise(activation_from_name(name)); }, py::arg("name"),
      "False for the activations that act on whole rows of an axis (softmax, glu, ...).");
  m.def("loss_names", &loss_name_list, "Every loss name (Keras aliases included).");
  m.def(
      "loss_canonical_name", [](const std::string& name) { return loss_name(loss_from_name(name)); }, py::arg("name"),
      "The canonical name of a loss name or alias (mse -> mean_squared_error).");
  m.def("initializer_names", &initializer_name_list, "Every initializer name.");
}

}  // namespace nerve::py_bindings
