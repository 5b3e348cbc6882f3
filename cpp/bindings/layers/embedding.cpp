// The embedding ops (Embedding and PositionEmbedding are declared with an arguments table and need
// no binding: bindings/layers/arguments.cpp).
#include "nerve/layers/embedding.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/embedding.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_embedding_layers(py::module_& m) {
  auto ops = m.attr("ops").cast<py::module_>();
  ops.def("embedding", &embedding, py::arg("indices"), py::arg("table"));
  ops.def("add_position_embedding", &add_position_embedding, py::arg("x"), py::arg("table"));
}

}  // namespace nerve::py_bindings
