// Reshaping layers (Flatten, Reshape, ZeroPadding2D) and the reshaping ops.
#include "nerve/layers/reshaping.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/reshaping.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_reshaping_layers(py::module_& m) {
  py::class_<Flatten, Layer, std::shared_ptr<Flatten>>(m, "Flatten").def(py::init<std::string>(), py::arg("name"));
  py::class_<Reshape, Layer, std::shared_ptr<Reshape>>(m, "Reshape")
      .def(py::init<std::string, Shape>(), py::arg("name"), py::arg("target_shape"));
  py::class_<ZeroPadding2D, Layer, std::shared_ptr<ZeroPadding2D>>(m, "ZeroPadding2D")
      .def(py::init<std::string, int64_t, int64_t, int64_t, int64_t>(), py::arg("name"), py::arg("top"),
           py::arg("bottom"), py::arg("left"), py::arg("right"));

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def("zero_pad2d", &zero_pad2d, py::arg("x"), py::arg("top"), py::arg("bottom"), py::arg("left"),
          py::arg("right"));
  ops.def("narrow", &narrow, py::arg("x"), py::arg("axis"), py::arg("start"), py::arg("length"));
  ops.def("reverse_time", &reverse_time);
}

}  // namespace nerve::py_bindings
