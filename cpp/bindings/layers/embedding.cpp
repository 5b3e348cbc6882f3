// Embedding layers (Embedding, PositionEmbedding) and their ops.
#include "nerve/layers/embedding.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/embedding.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_embedding_layers(py::module_& m) {
  py::class_<Embedding, Layer, std::shared_ptr<Embedding>>(m, "Embedding")
      .def(py::init<std::string, int64_t, int64_t, bool, Initializer>(), py::arg("name"), py::arg("input_dim"),
           py::arg("output_dim"), py::arg("mask_zero") = false,
           py::arg("embeddings_initializer") = Initializer{"random_uniform"});
  py::class_<PositionEmbedding, Layer, std::shared_ptr<PositionEmbedding>>(m, "PositionEmbedding")
      .def(py::init<std::string, int64_t, Initializer>(), py::arg("name"), py::arg("sequence_length"),
           py::arg("initializer") = Initializer{});

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def("embedding", &embedding, py::arg("indices"), py::arg("table"));
  ops.def("add_position_embedding", &add_position_embedding, py::arg("x"), py::arg("table"));
}

}  // namespace nerve::py_bindings
