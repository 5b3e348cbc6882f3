#include <cmath>

#include "nerve/optimizers.h"

namespace nerve {

namespace {
// One loop per variant, so each has no branches and vectorises.
template <bool Centered, bool Momentum>
void rmsprop_loop(float* p, const float* g, float* v, float* avg, float* mom, int64_t n, float lr, float rho,
                  float one_minus_rho, float eps, float mu) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    v[i] = rho * v[i] + one_minus_rho * g[i] * g[i];
    float d = v[i] + eps;
    if constexpr (Centered) {
      avg[i] = rho * avg[i] + one_minus_rho * g[i];
      d -= avg[i] * avg[i];
    }
    float inc = lr * g[i] / std::sqrt(d);
    if constexpr (Momentum) {
      mom[i] = mu * mom[i] + inc;
      p[i] -= mom[i];
    } else {
      p[i] -= inc;
    }
  }
}
}  // namespace

RMSprop::RMSprop(float learning_rate, double rho, float momentum, float epsilon, bool centered)
    : Optimizer(learning_rate), rho(rho), momentum(momentum), epsilon(epsilon), centered(centered) {}

void RMSprop::update(float* p, const float* g, float* const* slots, int64_t n, int64_t, float lr) {
  float* v = slots[0];
  float* avg = centered ? slots[1] : nullptr;
  float* mom = momentum > 0.f ? slots[centered ? 2 : 1] : nullptr;
  const float r = static_cast<float>(rho), c = static_cast<float>(1.0 - rho);
  if (avg && mom)
    rmsprop_loop<true, true>(p, g, v, avg, mom, n, lr, r, c, epsilon, momentum);
  else if (avg)
    rmsprop_loop<true, false>(p, g, v, avg, mom, n, lr, r, c, epsilon, momentum);
  else if (mom)
    rmsprop_loop<false, true>(p, g, v, avg, mom, n, lr, r, c, epsilon, momentum);
  else
    rmsprop_loop<false, false>(p, g, v, avg, mom, n, lr, r, c, epsilon, momentum);
}

}  // namespace nerve
