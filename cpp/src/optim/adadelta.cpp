#include <cmath>

#include "nerve/optimizers.h"

namespace nerve {

Adadelta::Adadelta(float learning_rate, double rho, float epsilon)
    : Optimizer(learning_rate), rho(rho), epsilon(epsilon) {}

void Adadelta::update(float* p, const float* g, float* const* slots, int64_t n, int64_t, float lr) {
  float* acc_grad = slots[0];
  float* acc_delta = slots[1];
  const float r = static_cast<float>(rho), c = static_cast<float>(1.0 - rho), eps = epsilon;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    acc_grad[i] = r * acc_grad[i] + c * g[i] * g[i];
    float delta = -std::sqrt(acc_delta[i] + eps) / std::sqrt(acc_grad[i] + eps) * g[i];
    acc_delta[i] = r * acc_delta[i] + c * delta * delta;
    p[i] += lr * delta;
  }
}

}  // namespace nerve
