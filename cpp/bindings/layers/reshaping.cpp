// The reshaping ops (the layers are registered: nerve/layers/arguments.h and bindings/layers/arguments.cpp).
#include "nerve/ops/reshaping.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_reshaping_layers(py::module_& m) {
  auto ops = m.attr("ops").cast<py::module_>();
  ops.def("zero_pad2d", &zero_pad2d, py::arg("x"), py::arg("top"), py::arg("bottom"), py::arg("left"),
          py::arg("right"));
  ops.def("narrow", &narrow, py::arg("x"), py::arg("axis"), py::arg("start"), py::arg("length"));
  ops.def("reverse_time", &reverse_time);
}

}  // namespace nerve::py_bindings
