#include <cmath>

#include "nerve/optimizers.h"

namespace nerve {

Adamax::Adamax(float learning_rate, double beta_1, double beta_2, float epsilon)
    : Optimizer(learning_rate), beta_1(beta_1), beta_2(beta_2), epsilon(epsilon) {}

void Adamax::update(float* p, const float* g, float* const* slots, int64_t n, int64_t step, float lr) {
  float* m = slots[0];
  float* u = slots[1];
  const float lr_t = static_cast<float>(lr / (1.0 - std::pow(double(float(beta_1)), double(step))));
  const float c1 = static_cast<float>(1.0 - beta_1), b2 = static_cast<float>(beta_2);
  const float eps = epsilon;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * c1;
    u[i] = std::max(b2 * u[i], std::fabs(g[i]));
    p[i] -= lr_t * m[i] / (u[i] + eps);
  }
}

}  // namespace nerve
