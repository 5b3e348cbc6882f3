// The merge ops. The merge layers (Add, Subtract, Multiply, Average, Concatenate) are declared
// with an arguments table and need no binding (bindings/layers/arguments.cpp).
#include "nerve/layers/merge.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/merge.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_merge_layers(py::module_& m) {
  auto ops = m.attr("ops").cast<py::module_>();
  ops.def("concat", &concat, py::arg("xs"), py::arg("axis") = -1);
  ops.def("add_n", &add_n, py::arg("xs"));
}

}  // namespace nerve::py_bindings
