// narrow() and reverse_time(): copies along one axis whose gradients copy back (the device's shape
// family; the CPU's in cpp/kernels/cpu/shape/copies.cpp). (concat() is in concat.cpp, shared with
// the merge layers.) Also dropout_keep_mask(), the random multipliers of recurrent dropout.
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/regularization.h"
#include "nerve/ops/reshaping.h"
#include "ops/dispatch.h"
#include "tensor/small_block_pool.h"

namespace nerve {

namespace {

int64_t norm_axis(int64_t axis, int64_t dim, const char* op) {
  int64_t a = axis < 0 ? axis + dim : axis;
  if (a < 0 || a >= dim)
    throw std::invalid_argument(std::string(op) + ": axis " + std::to_string(axis) + " out of range for a " +
                                std::to_string(dim) + "-D tensor");
  return a;
}

// View a shape as [outer, len(axis), inner].
void split(const Shape& s, int64_t axis, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
}

struct NarrowNode : Node {
  int64_t axis, start;
  const char* name() const override { return "Narrow"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    const Shape& in = inputs[0].shape();
    Tensor dx = Tensor::zeros(in, g.device());
    int64_t outer, inner;
    split(in, axis, outer, inner);
    NERVE_KERNEL(g.device(), shape, narrow_copy, "narrow")(g.data(), g.shape()[axis], 0, dx.data(), in[axis], start,
                                                           g.shape()[axis], outer, inner);
    return {dx};
  }
};

Tensor reverse_copy(const Tensor& x) {
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.device());
  int64_t B = x.size(0), T = x.size(1), inner = T ? x.numel() / (B * T) : 0;
  NERVE_KERNEL(x.device(), shape, reverse_time, "reverse_time")(xc.data(), B, T, inner, out.data());
  return out;
}

struct ReverseNode : Node {
  const char* name() const override { return "ReverseTime"; }
  std::vector<Tensor> backward(const Tensor& grad) override { return {reverse_copy(grad)}; }
};

}  // namespace

Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length) {
  int64_t a = norm_axis(axis, x.dim(), "narrow");
  int64_t n = x.shape()[a];
  if (start < 0 || length < 0 || start + length > n)
    throw std::invalid_argument("narrow: range [" + std::to_string(start) + ", " + std::to_string(start + length) +
                                ") is outside axis " + std::to_string(axis) + " of shape " + x.shape_string());
  Tensor xc = x.contiguous();
  Shape out_shape = x.shape();
  out_shape[a] = length;
  Tensor out = Tensor::empty(out_shape, x.device());
  int64_t outer, inner;
  split(x.shape(), a, outer, inner);
  NERVE_KERNEL(x.device(), shape, narrow_copy, "narrow")(xc.data(), n, start, out.data(), length, 0, length, outer,
                                                         inner);
  auto node = detail::make_pooled<NarrowNode>();
  node->inputs = {x};
  node->axis = a;
  node->start = start;
  return record(out, node);
}

Tensor reverse_time(const Tensor& x) {
  if (x.dim() < 2)
    throw std::invalid_argument("reverse_time: needs a (batch, timesteps, ...) tensor, got shape " + x.shape_string());
  Tensor out = reverse_copy(x);
  auto node = detail::make_pooled<ReverseNode>();
  node->inputs = {x};
  return record(out, node);
}

Tensor dropout_keep_mask(const Shape& shape, float rate, uint64_t seed) {
  if (!(rate >= 0.f && rate < 1.f))
    throw std::invalid_argument("dropout rate must be in [0, 1), got " + std::to_string(rate));
  Tensor keep = Tensor::empty(shape);
  NERVE_KERNEL(keep.device(), regularization, keep_mask, "dropout_keep_mask")(rate, seed, keep.data(), keep.numel());
  return keep;
}

}  // namespace nerve
