// The pooling ops (the layers are registered: nerve/layers/arguments.h and bindings/layers/arguments.cpp).
#include "nerve/ops/pooling.h"

#include <pybind11/stl.h>

#include <utility>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
using Pair = std::pair<int64_t, int64_t>;

PoolKind pool_kind(const std::string& kind) {
  if (kind == "max") return PoolKind::Max;
  if (kind == "average") return PoolKind::Average;
  throw py::value_error("pooling kind must be 'max' or 'average', got '" + kind + "'");
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
}  // namespace

void bind_pooling_layers(py::module_& m) {
  auto ops = m.attr("ops").cast<py::module_>();
  ops.def(
      "pool2d",
      [](const Tensor& x, const std::string& kind, Pair pool, Pair strides, const std::string& padding) {
        return pool2d(x, pool_kind(kind), pool_options(pool, strides, padding, "pool2d"));
      },
      py::arg("x"), py::arg("kind"), py::arg("pool_size"), py::arg("strides"), py::arg("padding") = "valid");
  ops.def(
      "global_pool2d", [](const Tensor& x, const std::string& kind) { return global_pool2d(x, pool_kind(kind)); },
      py::arg("x"), py::arg("kind"));
  ops.def("max_pool1d", &max_pool1d, py::arg("x"), py::arg("pool_size"), py::arg("strides"),
          py::arg("padding") = "valid");
  ops.def(
      "global_average_pool1d", [](const Tensor& x, const OptT& mask) { return global_average_pool1d(x, opt(mask)); },
      py::arg("x"), py::arg("mask") = py::none());
  ops.def("average_pool1d", &average_pool1d, py::arg("x"), py::arg("pool_size"), py::arg("strides"),
          py::arg("padding") = "valid");
  ops.def("global_max_pool1d", &global_max_pool1d, py::arg("x"));
}

}  // namespace nerve::py_bindings
