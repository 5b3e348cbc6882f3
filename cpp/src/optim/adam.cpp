#include <cmath>

#include "nerve/optimizers.h"

namespace nerve {

Adam::Adam(float learning_rate, double beta_1, double beta_2, float epsilon, bool amsgrad)
    : Optimizer(learning_rate), beta_1(beta_1), beta_2(beta_2), epsilon(epsilon), amsgrad(amsgrad) {}

void Adam::update(float* p, const float* g, float* const* slots, int64_t n, int64_t step, float lr) {
  float* m = slots[0];
  float* v = slots[1];
  const double t = static_cast<double>(step);
  const float lr_t = static_cast<float>(lr * std::sqrt(1.0 - std::pow(double(float(beta_2)), t)) /
                                        (1.0 - std::pow(double(float(beta_1)), t)));
  const float c1 = static_cast<float>(1.0 - beta_1), c2 = static_cast<float>(1.0 - beta_2);
  const float eps = epsilon;
  if (amsgrad) {
    float* vmax = slots[2];
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * c1;
      v[i] += (g[i] * g[i] - v[i]) * c2;
      vmax[i] = std::max(vmax[i], v[i]);
      p[i] -= lr_t * m[i] / (std::sqrt(vmax[i]) + eps);
    }
    return;
  }
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * c1;
    v[i] += (g[i] * g[i] - v[i]) * c2;
    p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
  }
}

}  // namespace nerve
