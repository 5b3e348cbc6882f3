// The L1/L2 penalty: one pass for the value, one for the gradient; and the sequential random keep
// masks of recurrent and attention dropout.
#include <cmath>

#include "cpu/regularization/regularization.h"
#include "nerve/random.h"

namespace nerve::kernels {

double penalty(const float* p, float l1, float l2, int64_t n) {
  double abs_sum = 0, sq_sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    abs_sum += std::fabs(double(p[i]));
    sq_sum += double(p[i]) * p[i];
  }
  return l1 * abs_sum + l2 * sq_sum;
}

void penalty_backward(const float* xp, float l1, float l2, float* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float sign = xp[i] > 0.f ? 1.f : xp[i] < 0.f ? -1.f : 0.f;
    d[i] = l1 * sign + l2 * xp[i];
  }
}

void keep_mask(float rate, uint64_t seed, float* p, int64_t n) {
  Rng rng(seed);
  float scale = 1.f / (1.f - rate);
  for (int64_t i = 0; i < n; ++i) p[i] = rng.uniform() < rate ? 0.f : scale;
}

}  // namespace nerve::kernels
