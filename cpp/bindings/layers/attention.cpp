// Attention layers (MultiHeadAttention, TransformerEncoder) and the attention ops.
#include "nerve/layers/attention.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/attention.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_attention_layers(py::module_& m) {
  py::class_<MultiHeadAttention, Layer, std::shared_ptr<MultiHeadAttention>>(m, "MultiHeadAttention")
      .def(py::init([](const std::string& name, int64_t heads, int64_t key_dim, int64_t value_dim, float dropout,
                       bool use_bias, int64_t output_dim, bool causal, const Initializer& k, const Initializer& b) {
             AttentionOptions o;
             o.num_heads = heads;
             o.key_dim = key_dim;
             o.value_dim = value_dim;
             o.dropout = dropout;
             o.use_bias = use_bias;
             o.output_dim = output_dim;
             o.use_causal_mask = causal;
             o.kernel_initializer = k;
             o.bias_initializer = b;
             return std::make_shared<MultiHeadAttention>(name, o);
           }),
           py::arg("name"), py::arg("num_heads"), py::arg("key_dim"), py::arg("value_dim") = 0,
           py::arg("dropout") = 0.f, py::arg("use_bias") = true, py::arg("output_dim") = 0,
           py::arg("use_causal_mask") = false, py::arg("kernel_initializer") = Initializer{},
           py::arg("bias_initializer") = Initializer{"zeros"})
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
  py::class_<TransformerEncoder, Layer, std::shared_ptr<TransformerEncoder>>(m, "TransformerEncoder")
      .def(py::init<std::string, int64_t, int64_t, int64_t, float, float, bool>(), py::arg("name"),
           py::arg("num_heads"), py::arg("key_dim"), py::arg("ff_dim"), py::arg("dropout") = 0.f,
           py::arg("layer_norm_epsilon") = 1e-5f, py::arg("use_causal_mask") = false);

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
