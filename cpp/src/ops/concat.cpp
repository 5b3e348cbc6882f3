// concat and add_n: n-ary ops whose backward hands one gradient to each input. The copies are the
// device's shape family (the CPU's in cpp/kernels/cpu/shape/copies.cpp), the sums its elementwise.
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/merge.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

// The tensor seen as [outer, axis, inner] around `axis`.
struct AxisSplit {
  int64_t outer = 1, inner = 1;
};

AxisSplit split_at(const Shape& shape, int64_t axis) {
  AxisSplit s;
  for (int64_t d = 0; d < axis; ++d) s.outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

struct ConcatNode : Node {
  int64_t axis;
  std::vector<int64_t> sizes;  // extent of each input along axis
  const char* name() const override { return "Concat"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    AxisSplit s = split_at(g.shape(), axis);
    int64_t total = g.size(axis);
    std::vector<Tensor> grads(inputs.size());
    int64_t offset = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].requires_grad()) {
        grads[i] = Tensor::empty(inputs[i].shape(), g.device());
        NERVE_KERNEL(g.device(), shape, copy_blocks, "concat")(g.data() + offset * s.inner, total * s.inner,
                                                               grads[i].data(), sizes[i] * s.inner, s.outer,
                                                               sizes[i] * s.inner);
      }
      offset += sizes[i];
    }
    return grads;
  }
};

struct AddNNode : Node {
  const char* name() const override { return "AddN"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    return std::vector<Tensor>(inputs.size(), grad);  // d(sum)/dx_i = 1: the same gradient
  }
};

std::string shapes_of(const std::vector<Tensor>& xs) {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + xs[i].shape_string();
  return s;
}

}  // namespace

Tensor concat(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) throw std::invalid_argument("concat: needs at least one tensor");
  for (const Tensor& x : xs)
    if (!x.defined()) throw std::invalid_argument("concat: got an undefined tensor");
  int64_t nd = xs[0].dim();
  int64_t ax = axis < 0 ? axis + nd : axis;
  if (nd == 0 || ax < 0 || ax >= nd)
    throw std::invalid_argument("concat: axis " + std::to_string(axis) + " is out of range for " +
                                "tensors of shapes " + shapes_of(xs));
  Shape out_shape = xs[0].shape();
  out_shape[ax] = 0;
  for (const Tensor& x : xs) {
    bool fits = x.dim() == nd;
    for (int64_t d = 0; fits && d < nd; ++d) fits = d == ax || x.size(d) == xs[0].size(d);
    if (!fits)
      throw std::invalid_argument("concat: shapes " + xs[0].shape_string() + " and " + x.shape_string() +
                                  " differ outside axis " + std::to_string(axis) +
                                  " (every other axis must match; got " + "shapes " + shapes_of(xs) + ")");
    out_shape[ax] += x.size(ax);
  }
  for (const Tensor& x : xs) check_same_device("concat", xs[0], x);
  Tensor out = Tensor::empty(out_shape, xs[0].device());
  AxisSplit s = split_at(out_shape, ax);
  auto node = std::make_shared<ConcatNode>();
  node->axis = ax;
  int64_t offset = 0;
  for (const Tensor& x : xs) {
    Tensor xc = x.contiguous();
    int64_t n = x.size(ax);
    NERVE_KERNEL(out.device(), shape, copy_blocks, "concat")(xc.data(), n * s.inner, out.data() + offset * s.inner,
                                                             out_shape[ax] * s.inner, s.outer, n * s.inner);
    offset += n;
    node->sizes.push_back(n);
  }
  node->inputs = xs;
  return record(out, node);
}

Tensor add_n(const std::vector<Tensor>& xs) {
  if (xs.empty()) throw std::invalid_argument("add_n: needs at least one tensor");
  for (const Tensor& x : xs)
    if (!x.defined() || x.shape() != xs[0].shape())
      throw std::invalid_argument("add_n: every tensor must have the same shape, got " + shapes_of(xs));
  for (const Tensor& x : xs) check_same_device("add_n", xs[0], x);
  const Device dev = xs[0].device();
  Tensor out = Tensor::empty(xs[0].shape(), dev);
  int64_t n = out.numel();
  Tensor first = xs[0].contiguous();
  if (xs.size() == 1) {
    backend_for(dev).copy(out.data(), first.data(), static_cast<size_t>(n) * sizeof(float));
  } else {
    Tensor second = xs[1].contiguous();
    NERVE_KERNEL(dev, elementwise, add, "add_n")(first.data(), second.data(), out.data(), n);
    for (size_t i = 2; i < xs.size(); ++i) {
      Tensor xi = xs[i].contiguous();
      NERVE_KERNEL(dev, elementwise, axpy, "add_n")(1.f, xi.data(), out.data(), n);
    }
  }
  auto node = std::make_shared<AddNNode>();
  node->inputs = xs;
  return record(out, node);
}

}  // namespace nerve
