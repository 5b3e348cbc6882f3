// The L1/L2 penalty op: one pass for the value, one for the gradient (the device's regularization
// family; the CPU's in cpp/kernels/cpu/regularization/penalty.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops.h"
#include "nerve/regularizers.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {
struct PenaltyNode : Node {
  Tensor x;  // detached
  Regularizer r;
  const char* name() const override { return "RegularizationPenalty"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    const float s = grad.item();
    Tensor dx = Tensor::empty(x.shape(), x.device());
    NERVE_KERNEL(x.device(), regularization, penalty_backward, "regularization_penalty")(
        x.data(), r.l1 * s, 2.f * r.l2 * s, dx.data(), x.numel());
    return {dx};
  }
};
}  // namespace

Tensor regularization_penalty(const Tensor& x, const Regularizer& r) {
  if (!(r.l1 >= 0.f) || !(r.l2 >= 0.f))
    throw std::invalid_argument("regularizer: l1 and l2 must be >= 0, got l1=" + std::to_string(r.l1) +
                                ", l2=" + std::to_string(r.l2));
  Tensor xc = x.contiguous().detach();
  const double value =
      NERVE_KERNEL(x.device(), regularization, penalty, "regularization_penalty")(xc.data(), r.l1, r.l2, xc.numel());
  Tensor out = Tensor::full({}, static_cast<float>(value), x.device());
  auto node = std::make_shared<PenaltyNode>();
  node->inputs = {x};
  node->x = xc;
  node->r = r;
  return record(out, node);
}

Tensor activity_penalty(const Tensor& y, const Regularizer& r) {
  Tensor p = regularization_penalty(y, r);
  if (y.dim() == 0) return p;
  const int64_t batch = y.size(0);
  return scale(p, batch ? 1.f / static_cast<float>(batch) : 0.f);
}

}  // namespace nerve
