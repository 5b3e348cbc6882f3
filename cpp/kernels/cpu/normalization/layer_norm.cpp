// Layer normalisation: per-row mean and variance (two passes, in double); xhat and 1/std are kept
// for the backward pass. Rows are split across threads.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "cpu/normalization/normalization.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

void layer_norm_forward(const float* x, int64_t rows, int64_t D, const float* gamma, const float* beta, float epsilon,
                        float* out, float* xhat, float* rstd) {
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      CArr xr(x + r * D, D);
      double mu = xr.cast<double>().mean();
      double var = (xr.cast<double>() - mu).square().mean();
      float rs = static_cast<float>(1.0 / std::sqrt(var + epsilon));
      Arr xh(xhat + r * D, D), y(out + r * D, D);
      xh = (xr - static_cast<float>(mu)) * rs;
      y = xh;
      if (gamma) y *= CArr(gamma, D);
      if (beta) y += CArr(beta, D);
      rstd[r] = rs;
    }
  });
}

void layer_norm_backward(const float* g, const float* xhat, const float* rstd, int64_t rows, int64_t D,
                         const float* gamma, float* dx, float* dg, float* db) {
  if (dx) {
    parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
      Eigen::ArrayXf dxh(D);
      for (int64_t r = r0; r < r1; ++r) {
        CArr dy(g + r * D, D), xh(xhat + r * D, D);
        dxh = gamma ? (dy * CArr(gamma, D)).eval() : Eigen::ArrayXf(dy);
        float m1 = dxh.mean(), m2 = (dxh * xh).mean();
        Arr(dx + r * D, D) = rstd[r] * (dxh - m1 - xh * m2);
      }
    });
  }
  if (dg) {
    std::fill(dg, dg + D, 0.f);
    for (int64_t r = 0; r < rows; ++r) Arr(dg, D) += CArr(g + r * D, D) * CArr(xhat + r * D, D);
  }
  if (db) {
    std::fill(db, db + D, 0.f);
    for (int64_t r = 0; r < rows; ++r) Arr(db, D) += CArr(g + r * D, D);
  }
}

}  // namespace nerve::kernels
