// Row activations (softmax, log_softmax) along any axis (nerve/ops/activations.h): the row
// kernels work on the last axis, so another axis is moved last, and back, by a differentiable
// permutation (a strided view copied contiguous).
#include <numeric>
#include <stdexcept>
#include <string>

#include "nerve/autograd.h"
#include "nerve/ops.h"

namespace nerve {

namespace {

// x with its axes in the order `perm` (output axis i is input axis perm[i]), as a new tensor.
Tensor permute_copy(const Tensor& x, const std::vector<int64_t>& perm) {
  Shape shape(perm.size()), strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    shape[i] = x.shape()[perm[i]];
    strides[i] = x.strides()[perm[i]];
  }
  return Tensor::view_of(x.storage(), x.offset(), shape, strides).contiguous();
}

struct PermuteNode : Node {
  std::vector<int64_t> inverse;
  const char* name() const override { return "move_axis"; }
  std::vector<Tensor> backward(const Tensor& grad) override { return {permute_copy(grad, inverse)}; }
};

Tensor permute(const Tensor& x, const std::vector<int64_t>& perm) {
  Tensor y = permute_copy(x.detach(), perm);
  auto node = std::make_shared<PermuteNode>();
  node->inverse.resize(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) node->inverse[perm[i]] = static_cast<int64_t>(i);
  node->inputs = {x};
  return record(y, node);
}

}  // namespace

Tensor activation_along(const char* op, const Tensor& x, Activation act, int64_t axis) {
  const int64_t d = x.dim();
  if (axis < -d || axis >= d)
    throw std::invalid_argument(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for a tensor " +
                                "of shape " + x.shape_string() + " (" + std::to_string(d) + " axes)");
  if (axis < 0) axis += d;
  if (axis == d - 1) return activation(x, act);
  std::vector<int64_t> perm(d);
  std::iota(perm.begin(), perm.end(), int64_t{0});
  perm.erase(perm.begin() + axis);
  perm.push_back(axis);  // the axis last
  std::vector<int64_t> back(d);
  for (int64_t i = 0; i < d; ++i) back[perm[i]] = i;
  return permute(activation(permute(x, perm), act), back);
}

}  // namespace nerve
