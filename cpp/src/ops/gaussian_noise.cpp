// gaussian_noise() and gaussian_dropout(): a noise tensor drawn by the device's regularization
// family (counter-based, cpp/kernels/cpu/regularization/gaussian_noise.cpp), then added to or
// multiplied into x by the element-wise ops, whose nodes carry the gradient (1, or the noise).
#include <cmath>
#include <stdexcept>

#include "nerve/ops.h"
#include "nerve/ops/regularization.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

Tensor normal_like(const Tensor& x, float mean, float stddev, uint64_t seed, const char* op) {
  Tensor noise = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), regularization, normal_noise, op)(mean, stddev, seed, noise.data(), noise.numel());
  return noise;
}

}  // namespace

Tensor gaussian_noise(const Tensor& x, float stddev, uint64_t seed) {
  if (!(stddev >= 0.f && std::isfinite(stddev)))
    throw std::invalid_argument("gaussian_noise: stddev must be a non-negative number, got " + std::to_string(stddev));
  return add(x, normal_like(x, 0.f, stddev, seed, "gaussian_noise"));
}

Tensor gaussian_dropout(const Tensor& x, float rate, uint64_t seed) {
  if (!(rate >= 0.f && rate < 1.f))
    throw std::invalid_argument("gaussian_dropout: rate must be in [0, 1), got " + std::to_string(rate));
  const float stddev = std::sqrt(rate / (1.f - rate));
  return mul(x, normal_like(x, 1.f, stddev, seed, "gaussian_dropout"));
}

}  // namespace nerve
