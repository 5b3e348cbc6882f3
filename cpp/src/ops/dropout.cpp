// dropout(): inverted dropout with a counter-based mask (a hash of seed and element index), so the
// mask is the same whatever the thread count. The kernels are the device's regularization family
// (the CPU's in cpp/kernels/cpu/regularization/dropout.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/regularization.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct DropoutNode : Node {
  Tensor keep;  // one byte per element (1: kept), packed into floats
  float scale;
  const char* name() const override { return "Dropout"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty(g.shape(), g.device());
    NERVE_KERNEL(g.device(), regularization, dropout_backward, "dropout")(
        g.data(), reinterpret_cast<const uint8_t*>(keep.data()), scale, dx.data(), g.numel());
    return {dx};
  }
};

}  // namespace

Tensor dropout(const Tensor& x, float rate, uint64_t seed) {
  if (!(rate >= 0.f && rate < 1.f))
    throw std::invalid_argument("dropout: rate must be in [0, 1), got " + std::to_string(rate));
  if (rate == 0.f) return x;
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.device());
  const int64_t n = x.numel();
  Tensor keep = Tensor::empty({(n + 3) / 4}, x.device());  // n bytes
  NERVE_KERNEL(x.device(), regularization, dropout_forward, "dropout")(xc.data(), rate, seed, y.data(),
                                                                       reinterpret_cast<uint8_t*>(keep.data()), n);
  auto node = std::make_shared<DropoutNode>();
  node->inputs = {x};
  node->keep = keep;
  node->scale = 1.f / (1.f - rate);
  return record(y, node);
}

}  // namespace nerve
