// The optimizers' element loops, written once and compiled per ISA by update_loops_<isa>.cpp
// (the vector width comes from the file's -m flags). The scalars come precomputed in
// LoopArgs::c (src/optim/<optimizer>.cpp says which is which).
// Everything here is in an anonymous namespace except the getter the including file defines, and
// no standard-library header is included (sqrt and fabs are compiler builtins): nothing compiled
// with an ISA's flags can leak into code that runs on another path (cpp/kernels/cpu/gemm/kernel.h).
#include "update_loops.h"

namespace nerve::update_loops_detail {
namespace {

// std::max's expression (a NaN in b is dropped, as there).
inline float max_of(float a, float b) { return a < b ? b : a; }

// c: mu. Momentum m = mu*m - lr*g; p += m (nesterov: p += mu*m - lr*g); none: p -= lr*g.
void sgd(const LoopArgs& s, float* p, const float* g, float* m, int64_t n) {
  const float lr = s.lr, mu = s.c[0];
  if (s.rule == Rule::Sgd) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
  } else if (s.rule == Rule::SgdNesterov) {
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

// c: lr_t, 1 - beta_1, 1 - beta_2, epsilon.
void adam(const LoopArgs& s, float* p, const float* g, float* m, float* v, float* vmax, int64_t n) {
  const float lr_t = s.c[0], c1 = s.c[1], c2 = s.c[2], eps = s.c[3];
  if (vmax) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * c1;
      v[i] += (g[i] * g[i] - v[i]) * c2;
      vmax[i] = max_of(vmax[i], v[i]);
      p[i] -= lr_t * m[i] / (__builtin_sqrtf(vmax[i]) + eps);
    }
    return;
  }
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * c1;
    v[i] += (g[i] * g[i] - v[i]) * c2;
    p[i] -= lr_t * m[i] / (__builtin_sqrtf(v[i]) + eps);
  }
}

// c: rho, 1 - rho, epsilon, momentum. One loop per variant, so each has no branches and vectorises.
template <bool Centered, bool Momentum>
void rmsprop_loop(const LoopArgs& s, float* p, const float* g, float* v, float* avg, float* mom, int64_t n) {
  const float lr = s.lr, rho = s.c[0], one_minus_rho = s.c[1], eps = s.c[2], mu = s.c[3];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    v[i] = rho * v[i] + one_minus_rho * g[i] * g[i];
    float d = v[i] + eps;
    if constexpr (Centered) {
      avg[i] = rho * avg[i] + one_minus_rho * g[i];
      d -= avg[i] * avg[i];
    }
    float inc = lr * g[i] / __builtin_sqrtf(d);
    if constexpr (Momentum) {
      mom[i] = mu * mom[i] + inc;
      p[i] -= mom[i];
    } else {
      p[i] -= inc;
    }
  }
}

// Slots: v, then avg when centered, then the momentum buffer.
void rmsprop(const LoopArgs& s, float* p, const float* g, float* s0, float* s1, float* s2, int64_t n) {
  float* avg = s.centered ? s1 : nullptr;
  float* mom = s.momentum ? (s.centered ? s2 : s1) : nullptr;
  if (avg && mom)
    rmsprop_loop<true, true>(s, p, g, s0, avg, mom, n);
  else if (avg)
    rmsprop_loop<true, false>(s, p, g, s0, avg, mom, n);
  else if (mom)
    rmsprop_loop<false, true>(s, p, g, s0, avg, mom, n);
  else
    rmsprop_loop<false, false>(s, p, g, s0, avg, mom, n);
}

// c: epsilon.
void adagrad(const LoopArgs& s, float* p, const float* g, float* acc, int64_t n) {
  const float lr = s.lr, eps = s.c[0];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    acc[i] += g[i] * g[i];
    p[i] -= lr * g[i] / __builtin_sqrtf(acc[i] + eps);
  }
}

// c: rho, 1 - rho, epsilon.
void adadelta(const LoopArgs& s, float* p, const float* g, float* acc_grad, float* acc_delta, int64_t n) {
  const float lr = s.lr, r = s.c[0], c = s.c[1], eps = s.c[2];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    acc_grad[i] = r * acc_grad[i] + c * g[i] * g[i];
    float delta = -__builtin_sqrtf(acc_delta[i] + eps) / __builtin_sqrtf(acc_grad[i] + eps) * g[i];
    acc_delta[i] = r * acc_delta[i] + c * delta * delta;
    p[i] += lr * delta;
  }
}

// c: lr_t, 1 - beta_1, beta_2, epsilon.
void adamax(const LoopArgs& s, float* p, const float* g, float* m, float* u, int64_t n) {
  const float lr_t = s.c[0], c1 = s.c[1], b2 = s.c[2], eps = s.c[3];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * c1;
    u[i] = max_of(b2 * u[i], __builtin_fabsf(g[i]));
    p[i] -= lr_t * m[i] / (u[i] + eps);
  }
}

// c: c_m, c_g, c_v, 1 - beta_1, 1 - beta_2, epsilon.
void nadam(const LoopArgs& s, float* p, const float* g, float* m, float* v, int64_t n) {
  const float lr = s.lr, c_m = s.c[0], c_g = s.c[1], c_v = s.c[2], c1 = s.c[3], c2 = s.c[4], eps = s.c[5];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * c1;
    v[i] += (g[i] * g[i] - v[i]) * c2;
    float m_hat = c_m * m[i] + c_g * g[i];
    float v_hat = v[i] * c_v;
    p[i] -= lr * m_hat / (__builtin_sqrtf(v_hat) + eps);
  }
}

// c: beta_1, 1 - beta_1, beta_2, 1 - beta_2 (as float32, Keras's). p -= lr * sign(b1*m + (1-b1)*g)
// (sign 0 at 0, NaN stays NaN, as ops.sign); then m = b2*m + (1-b2)*g.
void lion(const LoopArgs& s, float* p, const float* g, float* m, int64_t n) {
  const float lr = s.lr, b1 = s.c[0], c1 = s.c[1], b2 = s.c[2], c2 = s.c[3];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float u = m[i] * b1 + g[i] * c1;
    const float sign = u > 0.f ? 1.f : (u < 0.f ? -1.f : u);
    p[i] -= lr * sign;
    m[i] = m[i] * b2 + g[i] * c2;
  }
}

// c: 1 - beta_1, 1 - beta_2, 1 - beta_1^t, 1 - beta_2^t, epsilon. Adam's moments, and the
// direction u = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), Keras's Lamb's order of operations.
void lamb_moments(const LoopArgs& s, const float* g, float* m, float* v, float* u, int64_t n) {
  const float c1 = s.c[0], c2 = s.c[1], bc1 = s.c[2], bc2 = s.c[3], eps = s.c[4];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * c1;
    v[i] += (g[i] * g[i] - v[i]) * c2;
    u[i] = (m[i] / bc1) / (__builtin_sqrtf(v[i] / bc2) + eps);
  }
}

// c: -learning_rate_power, 2 * l2_shrinkage, 2 * (l2 + beta / (2 lr)), l1. Keras's FTRL-Proximal:
// n' = n + g^2; z += g + 2 l2s w - (n'^-p - n^-p) / lr * w; w = (clip(z, -l1, l1) - z) / (n'^-p / lr + 2 l2).
void ftrl(const LoopArgs& s, float* p, const float* g, float* accum, float* linear, int64_t n) {
  const float lr = s.lr, power = s.c[0], shrink = s.c[1], l2 = s.c[2], l1 = s.c[3];
  for (int64_t i = 0; i < n; ++i) {
    const float grad = g[i] + shrink * p[i];
    const float new_accum = accum[i] + g[i] * g[i];
    const float new_pow = __builtin_powf(new_accum, power);
    linear[i] += grad - (new_pow - __builtin_powf(accum[i], power)) / lr * p[i];
    const float quadratic = new_pow / lr + l2;
    const float z = linear[i];
    const float clipped = z < -l1 ? -l1 : (z > l1 ? l1 : z);
    p[i] = (clipped - z) / quadratic;
    accum[i] = new_accum;
  }
}

void scaled_sub(float* p, const float* u, float scale, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) p[i] -= scale * u[i];
}

void update(const LoopArgs& s, float* p, const float* g, float* s0, float* s1, float* s2, int64_t n) {
  if (s.decay != 0.f) {
    const float decay = s.decay;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) p[i] -= p[i] * decay;
  }
  switch (s.rule) {
    case Rule::Sgd:
    case Rule::SgdMomentum:
    case Rule::SgdNesterov:
      return sgd(s, p, g, s0, n);
    case Rule::Adam:
      return adam(s, p, g, s0, s1, nullptr, n);
    case Rule::AdamAmsgrad:
      return adam(s, p, g, s0, s1, s2, n);
    case Rule::Rmsprop:
      return rmsprop(s, p, g, s0, s1, s2, n);
    case Rule::Adagrad:
      return adagrad(s, p, g, s0, n);
    case Rule::Adadelta:
      return adadelta(s, p, g, s0, s1, n);
    case Rule::Adamax:
      return adamax(s, p, g, s0, s1, n);
    case Rule::Nadam:
      return nadam(s, p, g, s0, s1, n);
    case Rule::Lion:
      return lion(s, p, g, s0, n);
    case Rule::Lamb:
      return lamb_moments(s, g, s0, s1, s2, n);
    case Rule::Ftrl:
      return ftrl(s, p, g, s0, s1, n);
  }
}

constexpr int kLanes = 16;  // partial sums of sum_squares, whatever the vector width

double sum_squares(const float* a, int64_t n) {
  double acc[kLanes] = {};
  const int64_t whole = n - n % kLanes;
  for (int64_t i = 0; i < whole; i += kLanes) {
#pragma omp simd
    for (int j = 0; j < kLanes; ++j) acc[j] += double(a[i + j]) * double(a[i + j]);
  }
  for (int64_t i = whole; i < n; ++i) acc[i - whole] += double(a[i]) * double(a[i]);
  for (int width = kLanes / 2; width >= 1; width /= 2)  // fixed tree: lane j += lane j + width
    for (int j = 0; j < width; ++j) acc[j] += acc[j + width];
  return acc[0];
}

}  // namespace
}  // namespace nerve::update_loops_detail
