// Weight and activity regularizers (L1 / L2).
#include "nerve/regularizers.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_regularizers(py::module_& m) {
  py::class_<Regularizer>(m, "Regularizer")
      .def(py::init([](float l1, float l2) {
             if (!(l1 >= 0.f) || !(l2 >= 0.f)) throw py::value_error("regularizer: l1 and l2 must be >= 0");
             return Regularizer{l1, l2};
           }),
           py::arg("l1") = 0.f, py::arg("l2") = 0.f)
      .def_readonly("l1", &Regularizer::l1)
      .def_readonly("l2", &Regularizer::l2);
}

}  // namespace nerve::py_bindings
