// Recurrent layers' methods (SimpleRNN, LSTM, GRU on Recurrent) and the sequence op.
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
  // SimpleRNN, LSTM and GRU are made through make_layer (their arguments are declared in C++);
  // these classes give them their methods, and Bidirectional its argument type.
  py::class_<Recurrent, Layer, std::shared_ptr<Recurrent>>(m, "Recurrent")
      .def(
          "run",
          [](Recurrent& l, const Tensor& x, const OptT& h0, const OptT& c0, const OptT& mask, bool training) {
            py::gil_scoped_release release;
            return l.run(x, opt(h0), opt(c0), opt(mask), training);
          },
          py::arg("x"), py::arg("h0") = py::none(), py::arg("c0") = py::none(), py::arg("mask") = py::none(),
          py::arg("training") = false, "{output, last h, last c (LSTM)}")
      .def_property_readonly("state_count", &Recurrent::state_count);
  py::class_<SimpleRNN, Recurrent, std::shared_ptr<SimpleRNN>>(m, "SimpleRNN");
  py::class_<LSTM, Recurrent, std::shared_ptr<LSTM>>(m, "LSTM");
  py::class_<GRU, Recurrent, std::shared_ptr<GRU>>(m, "GRU");

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
