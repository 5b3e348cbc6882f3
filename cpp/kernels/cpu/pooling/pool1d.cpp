// 1-D pooling over time on [B, T, C] sequences: max pooling with its argmax, and global average
// pooling weighted by a mask of valid steps.
#include <Eigen/Core>
#include <algorithm>
#include <limits>

#include "cpu/pooling/pooling.h"

namespace nerve::kernels {

namespace {
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

void max_pool1d_forward(const float* xp, int64_t B, int64_t T, int64_t C, int64_t To, int64_t pool, int64_t stride,
                        int64_t pad, float* y, int64_t* argmax) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t to = 0; to < To; ++to)
      for (int64_t c = 0; c < C; ++c) {
        float best = -std::numeric_limits<float>::infinity();
        int64_t at = -1;
        for (int64_t k = 0; k < pool; ++k) {
          int64_t p = to * stride - pad + k;
          if (p < 0 || p >= T) continue;
          int64_t idx = (b * T + p) * C + c;
          if (at < 0 || xp[idx] > best) {
            best = xp[idx];
            at = idx;
          }
        }
        int64_t o = (b * To + to) * C + c;
        y[o] = best;
        argmax[o] = at;
      }
}

void max_pool1d_backward(const float* g, const int64_t* argmax, int64_t n, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[argmax[i]] += g[i];
}

void global_avg_pool1d_forward(const float* x, const float* mask, int64_t B, int64_t T, int64_t C, float* weight,
                               float* y) {
  for (int64_t b = 0; b < B; ++b) {
    int64_t count = 0;
    for (int64_t t = 0; t < T; ++t) count += !mask || mask[b * T + t] != 0.f;
    for (int64_t t = 0; t < T; ++t) {
      bool on = !mask || mask[b * T + t] != 0.f;
      weight[b * T + t] = on && count ? 1.f / static_cast<float>(count) : 0.f;
    }
  }
  std::fill(y, y + B * C, 0.f);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) Arr(y + b * C, C) += CArr(x + (b * T + t) * C, C) * weight[b * T + t];
}

void global_avg_pool1d_backward(const float* g, const float* weight, int64_t B, int64_t T, int64_t C, float* dx) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) Arr(dx + (b * T + t) * C, C) = CArr(g + b * C, C) * weight[b * T + t];
}

}  // namespace nerve::kernels
