// The optimizers' element loops, one fused pass over each parameter, split between threads.
// The scalars come precomputed in UpdateStep::c (src/optim/<optimizer>.cpp says which is which).
#include "cpu/optim/updates.h"

#include <algorithm>
#include <cmath>

#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread before an update is split

// c: mu. Momentum m = mu*m - lr*g; p += m (nesterov: p += mu*m - lr*g); none: p -= lr*g.
void sgd(const UpdateStep& s, float* p, const float* g, float* m, int64_t n) {
  const float lr = s.lr, mu = s.c[0];
  if (s.rule == UpdateRule::Sgd) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
  } else if (s.rule == UpdateRule::SgdNesterov) {
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
void adam(const UpdateStep& s, float* p, const float* g, float* m, float* v, float* vmax, int64_t n) {
  const float lr_t = s.c[0], c1 = s.c[1], c2 = s.c[2], eps = s.c[3];
  if (vmax) {
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

// c: rho, 1 - rho, epsilon, momentum. One loop per variant, so each has no branches and vectorises.
template <bool Centered, bool Momentum>
void rmsprop_loop(const UpdateStep& s, float* p, const float* g, float* v, float* avg, float* mom, int64_t n) {
  const float lr = s.lr, rho = s.c[0], one_minus_rho = s.c[1], eps = s.c[2], mu = s.c[3];
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

// Slots: v, then avg when centered, then the momentum buffer.
void rmsprop(const UpdateStep& s, float* p, const float* g, float* s0, float* s1, float* s2, int64_t n) {
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
void adagrad(const UpdateStep& s, float* p, const float* g, float* acc, int64_t n) {
  const float lr = s.lr, eps = s.c[0];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    acc[i] += g[i] * g[i];
    p[i] -= lr * g[i] / std::sqrt(acc[i] + eps);
  }
}

// c: rho, 1 - rho, epsilon.
void adadelta(const UpdateStep& s, float* p, const float* g, float* acc_grad, float* acc_delta, int64_t n) {
  const float lr = s.lr, r = s.c[0], c = s.c[1], eps = s.c[2];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    acc_grad[i] = r * acc_grad[i] + c * g[i] * g[i];
    float delta = -std::sqrt(acc_delta[i] + eps) / std::sqrt(acc_grad[i] + eps) * g[i];
    acc_delta[i] = r * acc_delta[i] + c * delta * delta;
    p[i] += lr * delta;
  }
}

// c: lr_t, 1 - beta_1, beta_2, epsilon.
void adamax(const UpdateStep& s, float* p, const float* g, float* m, float* u, int64_t n) {
  const float lr_t = s.c[0], c1 = s.c[1], b2 = s.c[2], eps = s.c[3];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * c1;
    u[i] = std::max(b2 * u[i], std::fabs(g[i]));
    p[i] -= lr_t * m[i] / (u[i] + eps);
  }
}

// c: c_m, c_g, c_v, 1 - beta_1, 1 - beta_2, epsilon.
void nadam(const UpdateStep& s, float* p, const float* g, float* m, float* v, int64_t n) {
  const float lr = s.lr, c_m = s.c[0], c_g = s.c[1], c_v = s.c[2], c1 = s.c[3], c2 = s.c[4], eps = s.c[5];
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    m[i] += (g[i] - m[i]) * c1;
    v[i] += (g[i] * g[i] - v[i]) * c2;
    float m_hat = c_m * m[i] + c_g * g[i];
    float v_hat = v[i] * c_v;
    p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
  }
}

void update_chunk(const UpdateStep& s, float* p, const float* g, float* s0, float* s1, float* s2, int64_t n) {
  switch (s.rule) {
    case UpdateRule::Sgd:
    case UpdateRule::SgdMomentum:
    case UpdateRule::SgdNesterov:
      return sgd(s, p, g, s0, n);
    case UpdateRule::Adam:
      return adam(s, p, g, s0, s1, nullptr, n);
    case UpdateRule::AdamAmsgrad:
      return adam(s, p, g, s0, s1, s2, n);
    case UpdateRule::Rmsprop:
      return rmsprop(s, p, g, s0, s1, s2, n);
    case UpdateRule::Adagrad:
      return adagrad(s, p, g, s0, n);
    case UpdateRule::Adadelta:
      return adadelta(s, p, g, s0, s1, n);
    case UpdateRule::Adamax:
      return adamax(s, p, g, s0, s1, n);
    case UpdateRule::Nadam:
      return nadam(s, p, g, s0, s1, n);
  }
}

}  // namespace

void optimizer_update(const UpdateStep& s, float* p, const float* g, float* slot0, float* slot1, float* slot2,
                      int64_t n) {
  auto at = [](float* slot, int64_t b) { return slot ? slot + b : nullptr; };
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    if (s.decay != 0.f)
      for (int64_t i = b; i < e; ++i) p[i] -= p[i] * s.decay;
    update_chunk(s, p + b, g + b, at(slot0, b), at(slot1, b), at(slot2, b), e - b);
  });
}

double sum_squares(const float* a, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += double(a[i]) * a[i];
  return s;
}

void clip(float* a, float lo, float hi, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = std::min(std::max(a[i], lo), hi);
}

}  // namespace nerve::kernels
