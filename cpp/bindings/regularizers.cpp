// Weight and activity regularizers (L1 / L2).
#include "nerve/regularizers.h"

#include <pybind11/stl.h>

#include <cmath>
#include <string>
#include <utility>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_regularizers(py::module_& m) {
  py::class_<Regularizer>(m, "Regularizer")
      .def(py::init([](float l1, float l2) {
             for (auto [what, v] : {std::pair{"l1", l1}, std::pair{"l2", l2}})
               if (!(v >= 0.f && std::isfinite(v)))
                 throw py::value_error(std::string(what) + " must be a non-negative number, got " + std::to_string(v));
             return Regularizer{l1, l2};
           }),
           py::arg("l1"), py::arg("l2"))
      .def_readonly("l1", &Regularizer::l1)
      .def_readonly("l2", &Regularizer::l2);
}

}  // namespace nerve::py_bindings
