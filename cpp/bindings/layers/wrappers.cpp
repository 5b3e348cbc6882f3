// Wrapper layers: Bidirectional and TimeDistributed.
#include "nerve/layers/wrappers.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_wrapper_layers(py::module_& m) {
  py::class_<Bidirectional, Layer, std::shared_ptr<Bidirectional>>(m, "Bidirectional")
      .def(py::init<std::string, std::shared_ptr<Recurrent>, std::shared_ptr<Recurrent>, std::string>(),
           py::arg("name"), py::arg("forward_layer"), py::arg("backward_layer"), py::arg("merge_mode"))
      .def_static("check_merge_mode", &Bidirectional::check_merge_mode, py::arg("owner"), py::arg("merge_mode"));
  py::class_<TimeDistributed, Layer, std::shared_ptr<TimeDistributed>>(m, "TimeDistributed")
      .def(py::init<std::string, std::shared_ptr<Layer>>(), py::arg("name"), py::arg("layer"));
}

}  // namespace nerve::py_bindings
