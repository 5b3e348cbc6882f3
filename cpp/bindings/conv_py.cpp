// Convolutional layers and their ops (conv2d, pooling, batch norm, dropout, padding).
#include <pybind11/stl.h>

#include <optional>
#include <utility>

#include "bindings.h"
#include "nerve/conv_layers.h"
#include "nerve/conv_ops.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
using Pair = std::pair<int64_t, int64_t>;

PoolKind pool_kind(const std::string& kind) {
  if (kind == "max") return PoolKind::Max;
  if (kind == "average") return PoolKind::Average;
  throw py::value_error("pooling kind must be 'max' or 'average', got '" + kind + "'");
}

Conv2DOptions conv_options(Pair strides, const std::string& padding, Pair dilation, const std::string& who) {
  Conv2DOptions o;
  o.stride_h = strides.first;
  o.stride_w = strides.second;
  o.dilation_h = dilation.first;
  o.dilation_w = dilation.second;
  o.padding = padding_from_name(padding, who);
  return o;
}

Pool2DOptions pool_options(Pair pool, Pair strides, const std::string& padding, const std::string& who) {
  Pool2DOptions o;
  o.pool_h = pool.first;
  o.pool_w = pool.second;
  o.stride_h = strides.first;
  o.stride_w = strides.second;
  o.padding = padding_from_name(padding, who);
  return o;
}

Tensor opt_tensor(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
}  // namespace

void bind_conv(py::module_& m) {
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

  py::class_<Pooling2D, Layer, std::shared_ptr<Pooling2D>>(m, "Pooling2D")
      .def(py::init([](const std::string& name, const std::string& kind, Pair pool, Pair strides,
                       const std::string& padding) {
             return std::make_shared<Pooling2D>(name, pool_kind(kind),
                                                pool_options(pool, strides, padding, "'" + name + "'"));
           }),
           py::arg("name"), py::arg("kind"), py::arg("pool_size"), py::arg("strides"), py::arg("padding") = "valid");

  py::class_<GlobalPooling2D, Layer, std::shared_ptr<GlobalPooling2D>>(m, "GlobalPooling2D")
      .def(py::init([](const std::string& name, const std::string& kind, bool keepdims) {
             return std::make_shared<GlobalPooling2D>(name, pool_kind(kind), keepdims);
           }),
           py::arg("name"), py::arg("kind"), py::arg("keepdims") = false);

  py::class_<BatchNormalization, Layer, std::shared_ptr<BatchNormalization>>(m, "BatchNormalization")
      .def(py::init<std::string, float, float, bool, bool, Initializer, Initializer, Initializer, Initializer>(),
           py::arg("name"), py::arg("momentum") = 0.99f, py::arg("epsilon") = 1e-3f, py::arg("center") = true,
           py::arg("scale") = true, py::arg("beta_initializer") = Initializer{"zeros"},
           py::arg("gamma_initializer") = Initializer{"ones"},
           py::arg("moving_mean_initializer") = Initializer{"zeros"},
           py::arg("moving_variance_initializer") = Initializer{"ones"});

  py::class_<Dropout, Layer, std::shared_ptr<Dropout>>(m, "Dropout")
      .def(py::init<std::string, float, int64_t>(), py::arg("name"), py::arg("rate"), py::arg("seed") = -1)
      .def_property_readonly("rate", &Dropout::rate);

  py::class_<Flatten, Layer, std::shared_ptr<Flatten>>(m, "Flatten").def(py::init<std::string>(), py::arg("name"));

  py::class_<Reshape, Layer, std::shared_ptr<Reshape>>(m, "Reshape")
      .def(py::init<std::string, Shape>(), py::arg("name"), py::arg("target_shape"));

  py::class_<ZeroPadding2D, Layer, std::shared_ptr<ZeroPadding2D>>(m, "ZeroPadding2D")
      .def(py::init<std::string, int64_t, int64_t, int64_t, int64_t>(), py::arg("name"), py::arg("top"),
           py::arg("bottom"), py::arg("left"), py::arg("right"));

  // Differentiable ops, for custom loops and gradient checks.
  py::module_ ops = m.attr("ops").cast<py::module_>();
  using GilFree = py::call_guard<py::gil_scoped_release>;
  ops.def(
      "conv2d",
      [](const Tensor& x, const Tensor& kernel, const std::optional<Tensor>& bias, Pair strides,
         const std::string& padding, Pair dilation, const std::string& act, float alpha) {
        return conv2d(x, kernel, opt_tensor(bias), conv_options(strides, padding, dilation, "conv2d"),
                      activation_from_name(act), alpha);
      },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("strides") = Pair{1, 1},
      py::arg("padding") = "valid", py::arg("dilation_rate") = Pair{1, 1}, py::arg("activation") = "linear",
      py::arg("alpha") = 0.f, GilFree());
  ops.def(
      "pool2d",
      [](const Tensor& x, const std::string& kind, Pair pool, Pair strides, const std::string& padding) {
        return pool2d(x, pool_kind(kind), pool_options(pool, strides, padding, "pool2d"));
      },
      py::arg("x"), py::arg("kind"), py::arg("pool_size"), py::arg("strides"), py::arg("padding") = "valid");
  ops.def(
      "global_pool2d", [](const Tensor& x, const std::string& kind) { return global_pool2d(x, pool_kind(kind)); },
      py::arg("x"), py::arg("kind"));
  ops.def(
      "batch_norm",
      [](const Tensor& x, const std::optional<Tensor>& gamma, const std::optional<Tensor>& beta,
         const Tensor& moving_mean, const Tensor& moving_variance, bool training, float momentum, float epsilon) {
        return batch_norm(x, opt_tensor(gamma), opt_tensor(beta), moving_mean, moving_variance, training, momentum,
                          epsilon);
      },
      py::arg("x"), py::arg("gamma"), py::arg("beta"), py::arg("moving_mean"), py::arg("moving_variance"),
      py::arg("training"), py::arg("momentum") = 0.99f, py::arg("epsilon") = 1e-3f, GilFree());
  ops.def("dropout", &dropout, py::arg("x"), py::arg("rate"), py::arg("seed"), GilFree());
  ops.def("zero_pad2d", &zero_pad2d, py::arg("x"), py::arg("top"), py::arg("bottom"), py::arg("left"),
          py::arg("right"));
}

}  // namespace nerve::py_bindings
