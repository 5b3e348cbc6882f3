// Recurrent layers (SimpleRNN / LSTM / GRU through Recurrent) and the sequence op.
#include "nerve/layers/recurrent.h"

#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/recurrent.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
RnnCell cell_from_name(const std::string& name) {
  if (name == "SimpleRNN") return RnnCell::SimpleRNN;
  if (name == "LSTM") return RnnCell::LSTM;
  if (name == "GRU") return RnnCell::GRU;
  throw py::value_error("unknown recurrent cell '" + name + "'; valid: SimpleRNN, LSTM, GRU");
}
}  // namespace

void bind_recurrent_layers(py::module_& m) {
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
}

}  // namespace nerve::py_bindings
