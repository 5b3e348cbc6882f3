// The convolution ops (the layers are registered: nerve/layers/arguments.h and bindings/layers/arguments.cpp).
#include "nerve/ops/convolutional.h"

#include <pybind11/stl.h>

#include <utility>

#include "bindings.h"

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
      "depthwise_conv2d",
      [](const Tensor& x, const Tensor& kernel, const std::optional<Tensor>& bias, Pair strides,
         const std::string& padding, Pair dilation) {
        return depthwise_conv2d(x, kernel, opt(bias), conv_options(strides, padding, dilation, "depthwise_conv2d"));
      },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("strides") = Pair{1, 1},
      py::arg("padding") = "valid", py::arg("dilation_rate") = Pair{1, 1}, GilFree());
  ops.def(
      "conv2d_transpose",
      [](const Tensor& x, const Tensor& kernel, const std::optional<Tensor>& bias, Pair strides,
         const std::string& padding, const std::optional<Pair>& output_padding, Pair dilation, const std::string& act,
         float alpha) {
        Conv2DTransposeOptions o;
        o.stride_h = strides.first;
        o.stride_w = strides.second;
        o.dilation_h = dilation.first;
        o.dilation_w = dilation.second;
        o.padding = padding_from_name(padding, "conv2d_transpose");
        if (output_padding) {
          o.output_padding_h = output_padding->first;
          o.output_padding_w = output_padding->second;
        }
        return conv2d_transpose(x, kernel, opt(bias), o, activation_from_name(act), alpha);
      },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("strides") = Pair{1, 1},
      py::arg("padding") = "valid", py::arg("output_padding") = py::none(), py::arg("dilation_rate") = Pair{1, 1},
      py::arg("activation") = "linear", py::arg("alpha") = 0.f, GilFree());
  ops.def(
      "conv1d",
      [](const Tensor& x, const Tensor& k, const OptT& b, int64_t stride, const std::string& padding,
         int64_t dilation) { return conv1d(x, k, opt(b), stride, padding, dilation); },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("stride") = 1,
      py::arg("padding") = "valid", py::arg("dilation") = 1, GilFree());
}

}  // namespace nerve::py_bindings
