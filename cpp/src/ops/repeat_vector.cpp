// repeat_vector(): [B, F] -> [B, n, F] (the copies are the device's shape family; the CPU's in
// cpp/kernels/cpu/shape/repeat.cpp). The gradient sums the n repeats.
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/reshaping.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct RepeatVectorNode : Node {
  int64_t B, n, F;
  const char* name() const override { return "RepeatVector"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty({B, F}, g.device());
    NERVE_KERNEL(g.device(), shape, sum_repeats, "repeat_vector")(g.data(), B, n, F, dx.data());
    return {dx};
  }
};

}  // namespace

Tensor repeat_vector(const Tensor& x, int64_t n) {
  if (x.dim() != 2)
    throw std::invalid_argument("repeat_vector: input must be 2-D [batch, features], got shape " + x.shape_string());
  if (n <= 0) throw std::invalid_argument("repeat_vector: n must be positive, got " + std::to_string(n));
  const int64_t B = x.size(0), F = x.size(1);
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({B, n, F}, x.device());
  NERVE_KERNEL(x.device(), shape, repeat_rows, "repeat_vector")(xc.data(), B, n, F, y.data());
  auto node = std::make_shared<RepeatVectorNode>();
  node->inputs = {x};
  node->B = B;
  node->n = n;
  node->F = F;
  return record(y, node);
}

}  // namespace nerve
