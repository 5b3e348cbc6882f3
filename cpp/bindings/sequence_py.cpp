// Sequence ops and layers: RNN/LSTM/GRU, attention, normalisation, embeddings, 1-D conv/pooling.
#include <pybind11/stl.h>

#include <optional>

#include "bindings.h"
#include "nerve/attention_ops.h"
#include "nerve/layer_norm_ops.h"
#include "nerve/rnn_ops.h"
#include "nerve/sequence_layers.h"
#include "nerve/sequence_ops.h"
#include "numpy_interop.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
using OptT = std::optional<Tensor>;
Tensor opt(const OptT& t) { return t ? *t : Tensor(); }
using GilFree = py::call_guard<py::gil_scoped_release>;

RnnCell cell_from_name(const std::string& name) {
  if (name == "SimpleRNN") return RnnCell::SimpleRNN;
  if (name == "LSTM") return RnnCell::LSTM;
  if (name == "GRU") return RnnCell::GRU;
  throw py::value_error("unknown recurrent cell '" + name + "'; valid: SimpleRNN, LSTM, GRU");
}
}  // namespace

void bind_sequence(py::module_& m) {
  // The padding mask that rides on a tensor (Embedding(mask_zero) sets it).
  py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"))
      .def_property(
          "mask",
          [](const Tensor& t) -> py::object {
            return t.impl()->mask.defined() ? py::cast(t.impl()->mask) : py::object(py::none());
          },
          [](const Tensor& t, const OptT& mask) { t.impl()->mask = opt(mask); });

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def(
      "rnn_sequence",
      [](const std::string& cell, const Tensor& x, const Tensor& kernel, const Tensor& recurrent_kernel,
         const OptT& bias, const OptT& h0, const OptT& c0, const OptT& mask, const OptT& input_keep,
         const OptT& recurrent_keep, const std::string& act, const std::string& ract, bool go_backwards) {
        RnnOptions o;
        o.cell = cell_from_name(cell);
        o.activation = activation_from_name(act);
        o.recurrent_activation = activation_from_name(ract);
        o.go_backwards = go_backwards;
        py::gil_scoped_release release;
        return rnn_sequence(o, x, kernel, recurrent_kernel, opt(bias), opt(h0), opt(c0), opt(mask), opt(input_keep),
                            opt(recurrent_keep));
      },
      py::arg("cell"), py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias") = py::none(),
      py::arg("h0") = py::none(), py::arg("c0") = py::none(), py::arg("mask") = py::none(),
      py::arg("input_keep") = py::none(), py::arg("recurrent_keep") = py::none(), py::arg("activation") = "tanh",
      py::arg("recurrent_activation") = "sigmoid", py::arg("go_backwards") = false,
      "Packed [B, T+2, U]: per-step outputs (processing order), last h, last c");
  ops.def("narrow", &narrow, py::arg("x"), py::arg("axis"), py::arg("start"), py::arg("length"));
  // ops.concat is bound with the merge ops (graph_py.cpp).
  ops.def("reverse_time", &reverse_time);
  ops.def("embedding", &embedding, py::arg("indices"), py::arg("table"));
  ops.def("add_position_embedding", &add_position_embedding, py::arg("x"), py::arg("table"));
  ops.def(
      "conv1d",
      [](const Tensor& x, const Tensor& k, const OptT& b, int64_t stride, const std::string& padding,
         int64_t dilation) { return conv1d(x, k, opt(b), stride, padding, dilation); },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("stride") = 1,
      py::arg("padding") = "valid", py::arg("dilation") = 1, GilFree());
  ops.def("max_pool1d", &max_pool1d, py::arg("x"), py::arg("pool_size"), py::arg("strides"),
          py::arg("padding") = "valid");
  ops.def(
      "global_average_pool1d", [](const Tensor& x, const OptT& mask) { return global_average_pool1d(x, opt(mask)); },
      py::arg("x"), py::arg("mask") = py::none());
  ops.def(
      "layer_norm",
      [](const Tensor& x, const OptT& g, const OptT& b, float eps) { return layer_norm(x, opt(g), opt(b), eps); },
      py::arg("x"), py::arg("gamma") = py::none(), py::arg("beta") = py::none(), py::arg("epsilon") = 1e-3f);
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
  ops.def("dropout_keep_mask", &dropout_keep_mask, py::arg("shape"), py::arg("rate"), py::arg("seed"));

  py::class_<Embedding, Layer, std::shared_ptr<Embedding>>(m, "Embedding")
      .def(py::init<std::string, int64_t, int64_t, bool, Initializer>(), py::arg("name"), py::arg("input_dim"),
           py::arg("output_dim"), py::arg("mask_zero") = false,
           py::arg("embeddings_initializer") = Initializer{"random_uniform"});
  py::class_<PositionEmbedding, Layer, std::shared_ptr<PositionEmbedding>>(m, "PositionEmbedding")
      .def(py::init<std::string, int64_t, Initializer>(), py::arg("name"), py::arg("sequence_length"),
           py::arg("initializer") = Initializer{});

  py::class_<Recurrent, Layer, std::shared_ptr<Recurrent>>(m, "Recurrent")
      .def(py::init([](const std::string& name, const std::string& cell, int64_t units, const std::string& act,
                       const std::string& ract, bool use_bias, bool return_sequences, bool return_state,
                       bool go_backwards, float dropout, float recurrent_dropout, bool unit_forget_bias,
                       const Initializer& k, const Initializer& r, const Initializer& b) {
             RecurrentOptions o;
             o.units = units;
             o.activation = activation_for_layer(cell + " '" + name + "'", act);
             o.recurrent_activation = activation_for_layer(cell + " '" + name + "'", ract);
             o.use_bias = use_bias;
             o.return_sequences = return_sequences;
             o.return_state = return_state;
             o.go_backwards = go_backwards;
             o.dropout = dropout;
             o.recurrent_dropout = recurrent_dropout;
             o.unit_forget_bias = unit_forget_bias;
             o.kernel_initializer = k;
             o.recurrent_initializer = r;
             o.bias_initializer = b;
             return std::make_shared<Recurrent>(name, cell_from_name(cell), o);
           }),
           py::arg("name"), py::arg("cell"), py::arg("units"), py::arg("activation") = "tanh",
           py::arg("recurrent_activation") = "sigmoid", py::arg("use_bias") = true, py::arg("return_sequences") = false,
           py::arg("return_state") = false, py::arg("go_backwards") = false, py::arg("dropout") = 0.f,
           py::arg("recurrent_dropout") = 0.f, py::arg("unit_forget_bias") = true,
           py::arg("kernel_initializer") = Initializer{"glorot_uniform"},
           py::arg("recurrent_initializer") = Initializer{"orthogonal"},
           py::arg("bias_initializer") = Initializer{"zeros"})
      .def(
          "run",
          [](Recurrent& l, const Tensor& x, const OptT& h0, const OptT& c0, const OptT& mask, bool training) {
            py::gil_scoped_release release;
            return l.run(x, opt(h0), opt(c0), opt(mask), training);
          },
          py::arg("x"), py::arg("h0") = py::none(), py::arg("c0") = py::none(), py::arg("mask") = py::none(),
          py::arg("training") = false, "{output, last h, last c (LSTM)}")
      .def_property_readonly("state_count", &Recurrent::state_count);

  py::class_<Bidirectional, Layer, std::shared_ptr<Bidirectional>>(m, "Bidirectional")
      .def(py::init<std::string, std::shared_ptr<Recurrent>, std::shared_ptr<Recurrent>, std::string>(),
           py::arg("name"), py::arg("forward_layer"), py::arg("backward_layer"), py::arg("merge_mode") = "concat");
  py::class_<TimeDistributed, Layer, std::shared_ptr<TimeDistributed>>(m, "TimeDistributed")
      .def(py::init<std::string, std::shared_ptr<Layer>>(), py::arg("name"), py::arg("layer"));

  py::class_<Conv1D, Layer, std::shared_ptr<Conv1D>>(m, "Conv1D")
      .def(py::init([](const std::string& name, int64_t filters, int64_t kernel_size, int64_t strides,
                       const std::string& padding, int64_t dilation, const std::string& act, float alpha, bool use_bias,
                       const Initializer& k, const Initializer& b) {
             return std::make_shared<Conv1D>(name, filters, kernel_size, strides, padding, dilation,
                                             activation_for_layer("Conv1D '" + name + "'", act), alpha, use_bias, k, b);
           }),
           py::arg("name"), py::arg("filters"), py::arg("kernel_size"), py::arg("strides") = 1,
           py::arg("padding") = "valid", py::arg("dilation_rate") = 1, py::arg("activation") = "linear",
           py::arg("alpha") = 0.f, py::arg("use_bias") = true, py::arg("kernel_initializer") = Initializer{},
           py::arg("bias_initializer") = Initializer{"zeros"});
  py::class_<MaxPooling1D, Layer, std::shared_ptr<MaxPooling1D>>(m, "MaxPooling1D")
      .def(py::init<std::string, int64_t, int64_t, std::string>(), py::arg("name"), py::arg("pool_size") = 2,
           py::arg("strides") = 0, py::arg("padding") = "valid");
  py::class_<GlobalAveragePooling1D, Layer, std::shared_ptr<GlobalAveragePooling1D>>(m, "GlobalAveragePooling1D")
      .def(py::init<std::string>(), py::arg("name"));
  py::class_<LayerNormalization, Layer, std::shared_ptr<LayerNormalization>>(m, "LayerNormalization")
      .def(py::init<std::string, float, bool, bool, Initializer, Initializer>(), py::arg("name"),
           py::arg("epsilon") = 1e-3f, py::arg("center") = true, py::arg("scale") = true,
           py::arg("gamma_initializer") = Initializer{"ones"}, py::arg("beta_initializer") = Initializer{"zeros"});

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
}

}  // namespace nerve::py_bindings
