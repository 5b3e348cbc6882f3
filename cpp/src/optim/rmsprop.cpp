#include <cmath>

#include "nerve/optimizers.h"

namespace nerve {

RMSprop::RMSprop(float learning_rate, float rho, float momentum, float epsilon, bool centered)
    : Optimizer(learning_rate), rho(rho), momentum(momentum), epsilon(epsilon), centered(centered) {}

void RMSprop::update(float* p, const float* g, float* const* slots, int64_t n, int64_t, float lr) {
  float* v = slots[0];
  float* avg = centered ? slots[1] : nullptr;
  float* mom = momentum > 0.f ? slots[centered ? 2 : 1] : nullptr;
  const float r = rho, eps = epsilon, mu = momentum;
  for (int64_t i = 0; i < n; ++i) {
    v[i] = r * v[i] + (1.f - r) * g[i] * g[i];
    float d;
    if (avg) {
      avg[i] = r * avg[i] + (1.f - r) * g[i];
      d = v[i] - avg[i] * avg[i] + eps;
    } else {
      d = v[i] + eps;
    }
    float inc = lr * g[i] / std::sqrt(d);
    if (mom) {
      mom[i] = mu * mom[i] + inc;
      p[i] -= mom[i];
    } else {
      p[i] -= inc;
    }
  }
}

}  // namespace nerve
