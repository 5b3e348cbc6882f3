#include <cmath>

#include "nerve/optimizers.h"

namespace nerve {

Adagrad::Adagrad(float learning_rate, float initial_accumulator_value, float epsilon)
    : Optimizer(learning_rate), initial_accumulator_value(initial_accumulator_value), epsilon(epsilon) {}

void Adagrad::update(float* p, const float* g, float* const* slots, int64_t n, int64_t, float lr) {
  float* acc = slots[0];
  const float eps = epsilon;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    acc[i] += g[i] * g[i];
    p[i] -= lr * g[i] / std::sqrt(acc[i] + eps);
  }
}

}  // namespace nerve
