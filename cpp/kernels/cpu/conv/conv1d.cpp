// conv1d as im2col + one sgemm (the bias in its epilogue), and its gradients: col2im of
// dZ W^T, col^T dZ, and the column sums of dZ. Under mixed_bfloat16 the three products run on
// sgemm_bf16.
#include <Eigen/Core>
#include <algorithm>
#include <cstring>

#include "cpu/aligned_buffer.h"
#include "cpu/conv/conv_kernels.h"
#include "cpu/elementwise/elementwise.h"
#include "cpu/parallel.h"

namespace nerve::conv_kernels {

namespace {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;

// col [B*To, K*C]: the input window of every output step (zeros where it reads padding).
void im2col_1d(const float* x, const Conv1DGeometry& g, float* col) {
  int64_t KC = g.K * g.C;
  parallel_for(g.B * g.To, std::max<int64_t>(1, 4096 / std::max<int64_t>(KC, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t b = r / g.To, to = r % g.To;
      for (int64_t k = 0; k < g.K; ++k) {
        int64_t p = to * g.stride - g.pad_left + k * g.dilation;
        float* dst = col + r * KC + k * g.C;
        if (p < 0 || p >= g.T)
          std::fill(dst, dst + g.C, 0.f);
        else
          std::memcpy(dst, x + (b * g.T + p) * g.C, static_cast<size_t>(g.C) * sizeof(float));
      }
    }
  });
}

// sgemm, or under mixed_bfloat16 sgemm_bf16 (the same contract on operands rounded to bfloat16).
void product(const Conv1DGeometry& g, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
             const float* B, int64_t ldb, float* C, int64_t ldc, const Epilogue& ep = Epilogue{}) {
  if (g.precision == ComputePrecision::MixedBFloat16)
    sgemm_bf16(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, ep);
  else
    sgemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, ep);
}

}  // namespace

void conv1d_forward(const float* x, const float* w, const float* bias, const Conv1DGeometry& g, float* col, float* y) {
  int64_t M = g.B * g.To, KC = g.K * g.C;
  im2col_1d(x, g, col);
  Epilogue ep;
  ep.bias = bias;
  product(g, Trans::No, Trans::No, M, g.F, KC, col, KC, w, g.F, y, g.F, ep);
}

void conv1d_backward(const float* dz, const float* w, const float* col, const Conv1DGeometry& g, float* dxp, float* dw,
                     float* db) {
  int64_t M = g.B * g.To, KC = g.K * g.C;
  if (dxp) {
    AlignedBuffer dcol(M * KC);
    product(g, Trans::No, Trans::Yes, M, KC, g.F, dz, g.F, w, g.F, dcol.data(), KC);
    for (int64_t r = 0; r < M; ++r) {  // col2im: overlapping windows accumulate
      int64_t bb = r / g.To, to = r % g.To;
      for (int64_t k = 0; k < g.K; ++k) {
        int64_t p = to * g.stride - g.pad_left + k * g.dilation;
        if (p < 0 || p >= g.T) continue;
        Arr(dxp + (bb * g.T + p) * g.C, g.C) += CArr(dcol.data() + r * KC + k * g.C, g.C);
      }
    }
  }
  if (dw) product(g, Trans::Yes, Trans::No, KC, g.F, M, col, KC, dz, g.F, dw, g.F);
  if (db) kernels::column_sums(dz, M, g.F, db);
}

}  // namespace nerve::conv_kernels
