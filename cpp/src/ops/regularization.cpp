// The L1/L2 penalty op: one pass for the value, one for the gradient.
#include <cmath>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops.h"
#include "nerve/regularizers.h"

namespace nerve {

namespace {
struct PenaltyNode : Node {
  Tensor x;  // detached
  Regularizer r;
  const char* name() const override { return "RegularizationPenalty"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    const float s = grad.item();
    Tensor dx = Tensor::empty(x.shape(), x.device());
    const float* xp = x.data();
    float* d = dx.data();
    const float l1 = r.l1 * s, l2 = 2.f * r.l2 * s;
    for (int64_t i = 0, n = x.numel(); i < n; ++i) {
      float sign = xp[i] > 0.f ? 1.f : xp[i] < 0.f ? -1.f : 0.f;
      d[i] = l1 * sign + l2 * xp[i];
    }
    return {dx};
  }
};
}  // namespace

Tensor regularization_penalty(const Tensor& x, const Regularizer& r) {
  if (!(r.l1 >= 0.f) || !(r.l2 >= 0.f))
    throw std::invalid_argument("regularizer: l1 and l2 must be >= 0, got l1=" + std::to_string(r.l1) +
                                ", l2=" + std::to_string(r.l2));
  Tensor xc = x.contiguous().detach();
  const float* p = xc.data();
  double abs_sum = 0, sq_sum = 0;
  for (int64_t i = 0, n = xc.numel(); i < n; ++i) {
    abs_sum += std::fabs(double(p[i]));
    sq_sum += double(p[i]) * p[i];
  }
  Tensor out = Tensor::full({}, static_cast<float>(r.l1 * abs_sum + r.l2 * sq_sum));
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
