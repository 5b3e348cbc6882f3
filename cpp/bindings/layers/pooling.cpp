// Pooling layers (2-D, global 2-D, 1-D, global average 1-D) and their ops.
#include "nerve/layers/pooling.h"

#include <pybind11/stl.h>

#include <utility>

#include "bindings.h"
#include "nerve/ops/pooling.h"

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
  py::class_<MaxPooling1D, Layer, std::shared_ptr<MaxPooling1D>>(m, "MaxPooling1D")
      .def(py::init<std::string, int64_t, int64_t, std::string>(), py::arg("name"), py::arg("pool_size") = 2,
           py::arg("strides") = 0, py::arg("padding") = "valid");
  py::class_<GlobalAveragePooling1D, Layer, std::shared_ptr<GlobalAveragePooling1D>>(m, "GlobalAveragePooling1D")
      .def(py::init<std::string>(), py::arg("name"));

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
}

}  // namespace nerve::py_bindings
