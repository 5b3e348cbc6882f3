// Merge layers (Add, Subtract, Multiply, Average, Concatenate) and the merge ops.
#include "nerve/layers/merge.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/merge.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_merge_layers(py::module_& m) {
  py::class_<Add, Layer, std::shared_ptr<Add>>(m, "Add").def(py::init<std::string>(), py::arg("name"));
  py::class_<Subtract, Layer, std::shared_ptr<Subtract>>(m, "Subtract").def(py::init<std::string>(), py::arg("name"));
  py::class_<Multiply, Layer, std::shared_ptr<Multiply>>(m, "Multiply").def(py::init<std::string>(), py::arg("name"));
  py::class_<Average, Layer, std::shared_ptr<Average>>(m, "Average").def(py::init<std::string>(), py::arg("name"));
  py::class_<Concatenate, Layer, std::shared_ptr<Concatenate>>(m, "Concatenate")
      .def(py::init<std::string, int64_t>(), py::arg("name"), py::arg("axis") = -1)
      .def_property_readonly("axis", &Concatenate::axis);

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def("concat", &concat, py::arg("xs"), py::arg("axis") = -1);
  ops.def("add_n", &add_n, py::arg("xs"));
}

}  // namespace nerve::py_bindings
