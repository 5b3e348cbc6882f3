#include "nerve/optimizers.h"

namespace nerve {

SGD::SGD(float learning_rate, float momentum, bool nesterov)
    : Optimizer(learning_rate), momentum(momentum), nesterov(nesterov) {}

void SGD::update(float* p, const float* g, float* const* slots, int64_t n, int64_t) {
  const float lr = learning_rate, mu = momentum;
  if (mu == 0.f) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
    return;
  }
  float* v = slots[0];
  if (nesterov) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      v[i] = mu * v[i] - lr * g[i];
      p[i] += mu * v[i] - lr * g[i];
    }
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      v[i] = mu * v[i] - lr * g[i];
      p[i] += v[i];
    }
  }
}

}  // namespace nerve
