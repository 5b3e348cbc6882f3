// Convolution layers (Conv2D, Conv1D) and their ops.
#include "nerve/layers/convolutional.h"

#include <pybind11/stl.h>

#include <utility>

#include "bindings.h"
#include "nerve/ops/convolutional.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
using Pair = std::pair<int64_t, int64_t>;

Conv2DOptions conv_options(Pair strides, const std::string& padding, Pair dilation, const std::string& who) {
  Conv2DOptions o;
  o.stride_h = strides.first;
  o.stride_w = strides.second;
  o.dilation_h = dilation.first;
  o.dilation_w = dilation.second;
  o.padding = padding_from_name(padding, who);
  return o;
}
}  // namespace

void bind_convolutional_layers(py::module_& m) {
  py::class_<Conv2D, Layer, std::shared_ptr<Conv2D>>(m, "Conv2D")
      .def(py::init([](const std::string& name, int64_t filters, Pair kernel, Pair strides, const std::string& padding,
                       Pair dilation, const std::string& act, float alpha, bool use_bias, const Initializer& k,
                       const Initializer& b) {
             return std::make_shared<Conv2D>(name, filters, kernel.first, kernel.second,
                                             conv_options(strides, padding, dilation, "Conv2D '" + name + "'"),
                                             activation_for_layer("Conv2D '" + name + "'", act), alpha, use_bias, k, b);
           }),
           py::arg("name"), py::arg("filters"), py::arg("kernel_size"), py::arg("strides") = Pair{1, 1},
           py::arg("padding") = "valid", py::arg("dilation_rate") = Pair{1, 1}, py::arg("activation") = "linear",
           py::arg("alpha") = 0.f, py::arg("use_bias") = true, py::arg("kernel_initializer") = Initializer{},
           py::arg("bias_initializer") = Initializer{"zeros"});
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

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def(
      "conv2d",
      [](const Tensor& x, const Tensor& kernel, const std::optional<Tensor>& bias, Pair strides,
         const std::string& padding, Pair dilation, const std::string& act, float alpha) {
        return conv2d(x, kernel, opt(bias), conv_options(strides, padding, dilation, "conv2d"),
                      activation_from_name(act), alpha);
      },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("strides") = Pair{1, 1},
      py::arg("padding") = "valid", py::arg("dilation_rate") = Pair{1, 1}, py::arg("activation") = "linear",
      py::arg("alpha") = 0.f, GilFree());
  ops.def(
      "conv1d",
      [](const Tensor& x, const Tensor& k, const OptT& b, int64_t stride, const std::string& padding,
         int64_t dilation) { return conv1d(x, k, opt(b), stride, padding, dilation); },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("stride") = 1,
      py::arg("padding") = "valid", py::arg("dilation") = 1, GilFree());
}

}  // namespace nerve::py_bindings
