#include "nerve/optimizers.h"

namespace nerve {

SGD::SGD(float learning_rate, float momentum, bool nesterov)
    : Optimizer(learning_rate), momentum(momentum), nesterov(nesterov) {}

void SGD::update(float* p, const float* g, float* const* slots, int64_t n, int64_t, float lr) {
  const float mu = momentum;
  if (mu == 0.f) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
    return;
  }
  float* m = slots[0];
  if (nesterov) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      m[i] = mu * m[i] - lr * g[i];
      p[i] += mu * m[i] - lr * g[i];
    }
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      m[i] = mu * m[i] - lr * g[i];
      p[i] += m[i];
    }
  }
}

}  // namespace nerve
