// Global average pooling over time on [B, T, C] sequences, weighted by a mask of valid steps.
// (The 1-D window poolings run the 2-D kernels of pool2d.cpp on a one-column image.)
#include <Eigen/Core>
#include <algorithm>

#include "cpu/pooling/pooling.h"

namespace nerve::kernels {

namespace {
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

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
