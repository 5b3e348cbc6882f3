// adjust_contrast(): RandomContrast's (x - mean) * factor + mean, clipped to the value range, one
// fused kernel each way (the device's augmentation family; the CPU's in
// cpp/kernels/cpu/augmentation/contrast.cpp). The gradient goes to x through the clip (as
// jnp.clip's), the factor and the mean; the factors are constants.
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/augmentation.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct AdjustContrastNode : Node {
  std::vector<float> factors;
  float lo = 0.f, hi = 0.f;
  const char* name() const override { return "adjust_contrast"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor x = inputs[0].contiguous(), g = grad.contiguous();
    Tensor dx = Tensor::empty(x.shape(), x.device());
    NERVE_KERNEL(x.device(), augmentation, contrast_backward, "adjust_contrast")(
        x.data(), g.data(), factors.data(), x.size(0), x.size(1), x.size(2), x.size(3), lo, hi, dx.data());
    return {dx};
  }
};

}  // namespace

Tensor adjust_contrast(const Tensor& x, const std::vector<float>& factors, float lo, float hi) {
  if (x.dim() != 4)
    throw std::invalid_argument("adjust_contrast: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (factors.size() != static_cast<size_t>(x.size(0)))
    throw std::invalid_argument("adjust_contrast: " + std::to_string(factors.size()) + " factors for a batch of " +
                                std::to_string(x.size(0)));
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), augmentation, contrast_forward, "adjust_contrast")(
      xc.data(), factors.data(), x.size(0), x.size(1), x.size(2), x.size(3), lo, hi, y.data());
  auto node = std::make_shared<AdjustContrastNode>();
  node->inputs = {x};
  node->factors = factors;
  node->lo = lo;
  node->hi = hi;
  return record(y, node);
}

}  // namespace nerve
