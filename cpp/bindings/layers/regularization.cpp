// Regularization layers (Dropout) and the dropout ops.
#include "nerve/layers/regularization.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/regularization.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_regularization_layers(py::module_& m) {
  py::class_<Dropout, Layer, std::shared_ptr<Dropout>>(m, "Dropout").def_property_readonly("rate", &Dropout::rate);

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def("dropout", &dropout, py::arg("x"), py::arg("rate"), py::arg("seed"), GilFree());
  ops.def("dropout_keep_mask", &dropout_keep_mask, py::arg("shape"), py::arg("rate"), py::arg("seed"));
}

}  // namespace nerve::py_bindings
