// MultiHeadAttention's methods and the attention ops (MultiHeadAttention and TransformerEncoder
// are declared with an arguments table: bindings/layers/arguments.cpp).
#include "nerve/layers/attention.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/attention.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_attention_layers(py::module_& m) {
  // Made through make_layer (its arguments are declared in C++); this class gives its methods.
  py::class_<MultiHeadAttention, Layer, std::shared_ptr<MultiHeadAttention>>(m, "MultiHeadAttention")
      .def("build_many", &Layer::build_many, py::arg("input_shapes"), py::arg("seed"))
      .def(
          "attend",
          [](MultiHeadAttention& l, const Tensor& q, const Tensor& v, const OptT& k, const OptT& mask, bool causal,
             bool training) {
            py::gil_scoped_release release;
            return l.attend(q, v, opt(k), opt(mask), causal, training);
          },
          py::arg("query"), py::arg("value"), py::arg("key") = py::none(), py::arg("attention_mask") = py::none(),
          py::arg("use_causal_mask") = false, py::arg("training") = false)
      .def(
          "scores",
          [](MultiHeadAttention& l, const Tensor& q, const Tensor& v, const OptT& k, const OptT& mask, bool causal) {
            return l.scores(q, v, opt(k), opt(mask), causal);
          },
          py::arg("query"), py::arg("value"), py::arg("key") = py::none(), py::arg("attention_mask") = py::none(),
          py::arg("use_causal_mask") = false);

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def(
      "multi_head_attention",
      [](const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads, const OptT& mask, bool causal, float dropout,
         uint64_t seed) { return multi_head_attention(q, k, v, heads, opt(mask), causal, dropout, seed); },
      py::arg("q"), py::arg("k"), py::arg("v"), py::arg("num_heads"), py::arg("mask") = py::none(),
      py::arg("causal") = false, py::arg("dropout") = 0.f, py::arg("seed") = 0, GilFree());
  ops.def(
      "attention_weights",
      [](const Tensor& q, const Tensor& k, int64_t heads, const OptT& mask, bool causal) {
        return attention_weights(q, k, heads, opt(mask), causal);
      },
      py::arg("q"), py::arg("k"), py::arg("num_heads"), py::arg("mask") = py::none(), py::arg("causal") = false);
}

}  // namespace nerve::py_bindings
